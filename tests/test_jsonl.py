"""Bulk import of JSON Lines exports: good lines ingest, bad lines are reported, ids are stable."""

import json

from click.testing import CliRunner
from conftest import TEST_DATA

from assistant.settings import Settings
from assistant.store import Store
from ingest.jsonl import load_jsonl
from ingest.sync import run_ingest
from ui.cli import main


def write(path, rows):
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n")
    return path


def test_medquad_lines_become_sources():
    sources, failures = load_jsonl(TEST_DATA / "medquad_sample.jsonl", 1_000_000)
    raw = (TEST_DATA / "medquad_sample.jsonl").read_text().splitlines()
    assert not failures and len(sources) == len(raw) == 30
    first = json.loads(raw[0])
    assert sources[0].source_id == "jsonl:" + first["_id"]
    assert sources[0].title == first["title"]
    assert sources[0].text.split() == first["text"].split()
    assert sources[0].origin == str((TEST_DATA / "medquad_sample.jsonl").resolve())


def test_bad_lines_are_reported_and_the_rest_ingest(tmp_path, embedder):
    export = write(
        tmp_path / "cms.jsonl",
        [
            {
                "id": "a1",
                "title": "Sciatica",
                "text": "Sciatica is leg pain from a nerve root.",
                "url": "https://example.com/a1",
            },
            {"id": 2, "title": "Walking", "text": "Walking helps a disc injury settle."},
            "{not json",
            {"id": "a3", "title": "No text"},
            {"title": "No id", "text": "Orphan text."},
            {"id": "a1", "title": "Again", "text": "A duplicate id."},
            "",
        ],
    )
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=tmp_path)
    store = Store(settings)
    report = run_ingest(settings, [export], store=store, embedder=embedder, progress=False)
    assert report.added == 2
    messages = " | ".join(f.message for f in report.failed)
    assert len(report.failed) == 4
    for expected in ("not valid JSON", 'no "text"', 'no "id"', "duplicate id"):
        assert expected in messages
    assert {f.origin.rsplit(":", 1)[1] for f in report.failed} == {"3", "4", "5", "6"}
    chunk = next(c for c in store.all_chunks() if c.source_id == "jsonl:a1")
    assert chunk.url == "https://example.com/a1" and chunk.kind == "document"

    # Edit one record and drop another: one update, and the dropped one goes only with --prune.
    write(export, [{"id": "a1", "title": "Sciatica", "text": "Sciatica is leg pain. It eases."}])
    again = run_ingest(settings, [export], store=store, embedder=embedder, progress=False)
    assert (again.updated, again.removed) == (1, 0)
    pruned = run_ingest(settings, [export], store=store, embedder=embedder, prune=True)
    assert pruned.removed == 1
    assert {r.source_id for r in store.records()} == {"jsonl:a1"}


def test_cli_takes_jsonl_and_dry_run_changes_nothing(tmp_path):
    export = write(tmp_path / "x.jsonl", [{"_id": "q1", "title": "Hips", "text": "Hips move."}])
    data = tmp_path / "data"
    result = CliRunner().invoke(main, ["--data-dir", str(data), "ingest", str(export), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "would add: Hips (jsonl:q1)" in result.output
    assert Store(Settings(data_dir=data)).count() == 0


def test_lists_flattened_by_the_export_are_lines_again(tmp_path):
    """Real MedQuAD rows (CC BY 4.0) carry lists as "…helps you - walk without staggering  - get
    up…" and some repeat the items' words after the list; a quote of them read as a jumble."""
    text = (
        "An intact sense of balance helps you - walk without staggering  - get up from a chair "
        "without falling   - bend over without falling. walk without staggering get up from a "
        "chair without falling bend over without falling. The part of the inner ear responsible "
        "for balance is the vestibular system. Check with your doctor if you have:         - "
        "Weakness or feeling tired.    -  Fever    These signs may have other causes."
    )
    path = write(tmp_path / "lists.jsonl", [{"_id": "a", "title": "Balance", "text": text}])
    (source,), _ = load_jsonl(path, 1_000_000)
    assert source.text.split("\n") == [
        "An intact sense of balance helps you",
        "- walk without staggering",
        "- get up from a chair without falling",
        "- bend over without falling.",
        "The part of the inner ear responsible for balance is the vestibular system. Check with "
        "your doctor if you have:",
        "- Weakness or feeling tired.",
        "- Fever",
        "These signs may have other causes.",
    ]
    # A dash in running prose is left alone.
    path = write(tmp_path / "prose.jsonl", [{"_id": "b", "title": "T", "text": "Rest - or not."}])
    assert load_jsonl(path, 1_000_000)[0][0].text == "Rest - or not."
