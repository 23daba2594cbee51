"""The `podcast-assistant` command, run in-process with click's CliRunner."""

import json

import pytest
from click.testing import CliRunner
from conftest import ARTICLE_TITLE

from ui.cli import main


@pytest.fixture
def run(tmp_path, corpus_copy, monkeypatch):
    monkeypatch.setenv("PODCAST_ASSISTANT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PODCAST_ASSISTANT_CORPUS_DIR", str(corpus_copy))
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(main, list(args), catch_exceptions=False)

    return invoke


def test_help_is_written_for_users(run):
    result = run("--help")
    assert result.exit_code == 0
    for word in ("ingest", "ask", "serve", "Typical use"):
        assert word in result.output
    assert "Examples" in run("ingest", "--help").output


def test_ingest_json_then_ask_json(run):
    first = run("ingest", "--json")
    assert first.exit_code == 0, first.output
    summary = json.loads(first.stdout)
    assert set(summary) >= {
        "added",
        "updated",
        "unchanged",
        "removed",
        "chunks_embedded",
        "seconds",
    }
    assert summary["added"] == 3 and summary["chunks_embedded"] > 0

    again = json.loads(run("ingest", "--json").stdout)
    assert again["chunks_embedded"] == 0 and again["unchanged"] == 3

    result = run("ask", "why isn't my piriformis stretch working?", "--json")
    assert result.exit_code == 0
    answer = json.loads(result.stdout)
    assert set(answer) == {"answer", "refused", "sources", "urgent"}
    assert answer["urgent"] is False
    assert answer["refused"] is False
    assert answer["sources"][0]["title"] == ARTICLE_TITLE
    assert set(answer["sources"][0]) == {"n", "source_id", "title", "url", "quote"}

    off = json.loads(run("ask", "What is the capital of France?", "--json").stdout)
    assert off["refused"] is True and off["sources"] == []


def test_ask_rejects_empty_and_overlong_questions(run):
    run("ingest")
    empty = run("ask", "   ")
    assert empty.exit_code == 2 and "Please type a question" in empty.output
    long = run("ask", "x" * 20_000)
    assert long.exit_code == 2 and "20,000 characters" in long.output


def test_ask_before_ingest_says_what_to_do(run):
    result = run("ask", "why does my back hurt?")
    assert result.exit_code == 1
    assert "podcast-assistant ingest" in result.output


def test_ingest_missing_path_is_a_clear_error(run, tmp_path):
    result = run("ingest", str(tmp_path / "nope"))
    assert result.exit_code == 1
    assert "no such file or folder" in result.output


def test_ingest_prune_removes_deleted_files(run, corpus_copy):
    run("ingest")
    (corpus_copy / "core-five.md").unlink()
    summary = json.loads(run("ingest", "--prune", "--json").stdout)
    assert summary["removed"] == 1


def test_plain_ask_lists_sources_and_the_standing_note(run):
    from assistant.prompts import STANDING_NOTE

    run("ingest")
    result = run("ask", "why isn't my piriformis stretch working?")
    assert result.exit_code == 0
    assert f"[1] {ARTICLE_TITLE}" in result.stdout
    assert STANDING_NOTE in result.stdout
