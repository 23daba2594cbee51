"""MedQuAD known-item retrieval: ingest the passages into a temp store, then compare retrievers.

Run on demand (minutes on a CPU), never in the test suite:

    python evals/medquad.py ingest /tmp/medquad-store
    python evals/medquad.py eval /tmp/medquad-store [--json]
"""

import json
import sys
from pathlib import Path

import click

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from assistant.records import Source  # noqa: E402
from assistant.settings import Settings  # noqa: E402

MEDQUAD = REPO.parent / "shared" / "testdata" / "medquad"


def load_sources(path: Path) -> list[Source]:
    """MedQuAD passages (BEIR `{_id, title, text}` lines) as sources; the id is the source id."""
    sources = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            text = " ".join(row["text"].split())
            if text:
                sources.append(Source(row["_id"], "document", row.get("title") or row["_id"], text))
    return sources


def load_known_items(folder: Path) -> list[dict]:
    """The musculoskeletal questions with the passage id that answers each."""
    answers: dict[str, list[str]] = {}
    for line in (folder / "test.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        query_id, corpus_id, score = line.split("\t")
        if int(score) > 0:
            answers.setdefault(query_id, []).append(corpus_id)
    items = []
    for line in (folder / "msk_queries.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row["_id"] in answers:
            items.append({"question": row["text"], "expected_sources": answers[row["_id"]]})
    return items


@click.group()
def main() -> None:
    """MedQuAD known-item retrieval figures."""


@main.command()
@click.argument("data_dir", type=click.Path(path_type=Path))
def ingest(data_dir: Path) -> None:
    """Ingest MedQuAD's passages into a store under DATA_DIR (resumable)."""
    import logging

    from assistant.embedding import load_embedder
    from assistant.store import Store
    from ingest.pipeline import ingest_sources

    logging.basicConfig(level=logging.INFO)
    settings = Settings(data_dir=data_dir, collection="medquad")
    sources = load_sources(MEDQUAD / "corpus.jsonl")
    # The answer passages go first: a run stopped part way still holds every known item, with
    # fewer distractors, so it can be evaluated (the figures say how many passages it held).
    targets = {s for item in load_known_items(MEDQUAD) for s in item["expected_sources"]}
    sources.sort(key=lambda s: s.source_id not in targets)
    click.echo(f"{len(sources)} passages", err=True)
    report = ingest_sources(
        sources, Store(settings), load_embedder(), chunk_tokens=settings.chunk_tokens, progress=True
    )
    click.echo(json.dumps(report.to_json()))


@main.command("eval")
@click.argument("data_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the figures as one JSON object.")
def evaluate_store(data_dir: Path, as_json: bool) -> None:
    """Recall@1/@5 and MRR of the known items, dense-only against hybrid, over DATA_DIR."""
    import time

    from assistant.answering import Assistant
    from assistant.evaluation import Case, evaluate
    from assistant.store import Store

    settings = Settings(data_dir=data_dir, collection="medquad")
    store = Store(settings)
    cases = [
        Case(
            f"medquad-{i}",
            "answerable",
            item["question"],
            expected_sources=tuple(item["expected_sources"]),
        )
        for i, item in enumerate(load_known_items(MEDQUAD), 1)
    ]
    held = {r.source_id for r in store.records()}
    cases = [c for c in cases if set(c.expected_sources) & held]
    result = {"passages": len(held), "chunks": store.count(), "questions": len(cases)}
    for mode in ("dense", "hybrid"):
        assistant = Assistant.from_settings(settings.model_copy(update={"retrieval": mode}), store)
        assistant.retrieve("warm up the keyword index")
        started = time.perf_counter()
        report = evaluate(assistant, cases, answer=False)
        seconds = time.perf_counter() - started
        result[mode] = {**report["figures"], "seconds_per_question": round(seconds / len(cases), 3)}
    if as_json:
        click.echo(json.dumps(result))
        return
    click.echo(f"{result['passages']} passages, {result['chunks']} chunks, {len(cases)} questions")
    for mode in ("dense", "hybrid"):
        figures = result[mode]
        click.echo(
            f"{mode:<7} recall@1 {figures['recall_at_1']:.3f}"
            f"  recall@5 {figures['recall_at_5']:.3f}  MRR {figures['mrr']:.3f}"
            f"  {figures['seconds_per_question']:.2f} s/question"
        )


if __name__ == "__main__":
    main()
