"""The feedback store (on SQLite and on PostgreSQL) and the grouping behind the owner's report."""

import csv
import io
import json
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner

from assistant.records import Answer, Citation
from ui.cli import main
from ui.database import open_engine
from ui.feedback import FeedbackStore, group_similar

CITED = Answer(
    text="Hinge at the hips. [1]",
    refused=False,
    sources=[Citation(1, "file:a.md", "A", None, "Hinge at the hips.", "c1")],
)
REFUSED = Answer(text="Sorry, not covered.", refused=True)


def test_record_vote_and_read_back(tmp_path, database_url):
    store = FeedbackStore(database_url)
    sources = [{"n": 1, "title": "A <b>", "link": "/sources/a"}]
    first = store.record("How do I hinge?", CITED, sources)
    second = store.record("Best pizza?", REFUSED, [])
    assert first != second and len(first) >= 16  # ids are unguessable tokens
    got = store.get(first)
    assert (got.question, got.answer, got.sources, got.vote) == (
        "How do I hinge?",
        CITED.text,
        sources,
        None,
    )
    assert store.vote(first, -1) and store.get(first).vote == -1
    assert not store.vote("no-such-id", 1)
    with pytest.raises(ValueError):
        store.vote(first, 0)
    assert [e.id for e in store.recent()] == [second, first]
    assert {e.question for e in store.unanswered()} == {"How do I hinge?", "Best pizza?"}
    store.vote(first, 1)
    assert [e.question for e in store.unanswered()] == ["Best pizza?"]
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    assert store.unanswered(since=tomorrow) == []
    assert store.unanswered(since=datetime(2000, 1, 1))  # naive dates are taken as UTC


def test_urgent_answers_stay_out_of_the_report(tmp_path, database_url):
    store = FeedbackStore(database_url)
    store.record("Sudden numbness in the groin", Answer("Get help now.", True, urgent=True), [])
    assert store.unanswered() == []


def test_similar_questions_are_grouped_most_frequent_first(tmp_path, database_url, embedder):
    store = FeedbackStore(database_url)
    questions = [
        "Is running bad for my knees?",
        "What is the best pizza in Naples?",
        "Does running damage the knees?",
        "Can running ruin my knees?",
        "Where do I get good pizza in Naples?",
        "How do I file my taxes?",
    ]
    for question in questions:
        store.record(question, REFUSED, [])
    exchanges = store.unanswered()
    groups = group_similar(exchanges, embedder.encode([e.question for e in exchanges]))
    as_sets = [{e.question for e in g.questions} for g in groups]
    assert as_sets == [
        {questions[0], questions[2], questions[3]},
        {questions[1], questions[4]},
        {questions[5]},
    ]
    assert groups[0].to_json()["count"] == 3 and groups[0].refused == 3


def test_report_command_reads_the_database(tmp_path, database, database_url, embedder):
    runner = CliRunner()
    if database == "sqlite":  # a server database is there whatever was recorded
        missing = runner.invoke(main, ["--data-dir", str(tmp_path), "report"])
        assert missing.exit_code == 1 and "no feedback has been recorded" in missing.output
    store = FeedbackStore(database_url)
    store.record("What is the best pizza in Naples?", REFUSED, [])
    disliked = store.record("How do I hinge?", CITED, [])
    store.vote(disliked, -1)
    store.record("Is walking good for my back?", CITED, [])  # answered, no vote: not listed
    text = runner.invoke(main, ["--data-dir", str(tmp_path), "report"])
    assert text.exit_code == 0
    assert "best pizza in Naples" in text.output and "How do I hinge?" in text.output
    assert "walking" not in text.output
    data = json.loads(runner.invoke(main, ["--data-dir", str(tmp_path), "report", "--json"]).output)
    assert data["questions"] == 2 and len(data["groups"]) == 2
    later = runner.invoke(
        main, ["--data-dir", str(tmp_path), "report", "--since", "2999-01-01", "--json"]
    )
    assert json.loads(later.output)["groups"] == []


HOSTILE_QUESTIONS = {
    "clear": "\x1b[2J\x1b[3J\x1b[Hwhy does my back hurt when I sit?",
    "osc8": "\x1b]8;;https://evil.example/\x1b\\click here for sciatica help\x1b]8;;\x1b\\",
    "title": "\x1b]0;pwned window title\x07is swimming good for a disc bulge?",
    "c1": "\x9b31mred\x9b0m squats \x9d0;eight-bit title\x9c with a \u202egnp.exe bulge",
    "invisible": "\u200b\u200b\u200d",
    "long": "does deadlifting help " * 300,
}


def test_report_prints_listeners_questions_without_their_escape_codes(
    tmp_path, database_url, embedder
):
    store = FeedbackStore(database_url)
    for question in HOSTILE_QUESTIONS.values():
        store.record(question, REFUSED, [])
    runner = CliRunner()
    shown = runner.invoke(main, ["--data-dir", str(tmp_path), "report", "--similarity", "0.99"])
    assert shown.exit_code == 0
    text = shown.output
    for raw in ("\x1b", "\x07", "\x9b", "\x9c", "\x9d", "\u202e", "\u200b"):
        assert raw not in text, repr(raw)
    for hidden in ("pwned window title", "eight-bit title", "evil.example", "2J"):
        assert hidden not in text
    for kept in (
        "why does my back hurt when I sit?",
        "click here for sciatica help",
        "is swimming good for a disc bulge?",
        "red squats with a gnp.exe bulge",
    ):
        assert kept in text
    assert "(only invisible characters: 3 of U+200B, U+200D)" in text
    assert max(len(line) for line in text.splitlines()) < 260  # the 6,600-character one is cut
    assert "does deadlifting help does deadlifting help" in text and "…" in text

    dumped = runner.invoke(main, ["--data-dir", str(tmp_path), "report", "--json"]).output
    for raw in ("\x1b", "\x07", "\x9b", "\u202e", "\u200b"):
        assert raw not in dumped, repr(raw)
    questions = {q for g in json.loads(dumped)["groups"] for q in g["questions"]}
    assert questions == set(HOSTILE_QUESTIONS.values())  # the JSON still holds them exactly


def test_report_as_csv_keeps_questions_exact_but_never_as_formulas(
    tmp_path, database_url, embedder
):
    store = FeedbackStore(database_url)
    formula = '=HYPERLINK("https://evil.example","sciatica, help")'
    for question in ("Is running bad for my knees?", "Does running damage the knees?", formula):
        store.record(question, REFUSED, [])
    store.record("How do I hinge?", CITED, [])  # answered, no vote: not in the report
    shown = CliRunner().invoke(main, ["--data-dir", str(tmp_path), "report", "--csv"])
    assert shown.exit_code == 0
    rows = list(csv.reader(io.StringIO(shown.output)))
    assert rows[0] == ["group", "group_size", "asked_at", "question", "refused", "thumbs_down"]
    by_question = {row[3]: row for row in rows[1:]}
    assert set(by_question) == {
        "Is running bad for my knees?",
        "Does running damage the knees?",
        "'" + formula,  # shown as text by a spreadsheet, not run
    }
    knees = by_question["Is running bad for my knees?"]
    assert knees[:2] == ["1", "2"] and knees[4:] == ["1", "0"]
    assert by_question["Does running damage the knees?"][:2] == ["1", "2"]
    assert by_question["'" + formula][:2] == ["2", "1"]


def test_an_existing_feedback_file_is_carried_over(tmp_path):
    """A data dir from before the database setting: its questions stay, the schema is
    migrated (a rate-limit table added, the version recorded), and reopening changes nothing."""
    path = tmp_path / "feedback.sqlite3"
    with sqlite3.connect(path) as db:
        db.executescript(OLD_SCHEMA)
        db.execute(
            "INSERT INTO exchanges VALUES ('old1', '2026-10-01T09:00:00+00:00', 'Is yoga ok?',"
            " 'Sorry.', '[]', 1, 0, -1, '2026-10-01T09:01:00+00:00')"
        )
    store = FeedbackStore(path)
    old = store.get("old1")
    assert (old.question, old.vote, old.refused) == ("Is yoga ok?", -1, True)
    assert [e.id for e in store.unanswered()] == ["old1"]
    store.record("new one", CITED, [])
    store.close()
    again = FeedbackStore(f"sqlite:///{path}")
    assert {e.question for e in again.recent()} == {"Is yoga ok?", "new one"}
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT version_num FROM alembic_version").fetchall() == [("0001",)]
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"exchanges", "rate_limits", "alembic_version"} <= tables


def test_a_new_database_is_migrated_once(database_url):
    first = open_engine(database_url)
    second = open_engine(database_url)  # a second replica starting: nothing left to do
    with second.connect() as db:
        version = db.exec_driver_sql("SELECT version_num FROM alembic_version").scalars().all()
    assert version == ["0001"]
    first.dispose()
    second.dispose()


# The schema feedback.sqlite3 had before migrations.
OLD_SCHEMA = """
CREATE TABLE exchanges (
    id TEXT PRIMARY KEY, asked_at TEXT NOT NULL, question TEXT NOT NULL, answer TEXT NOT NULL,
    sources TEXT NOT NULL, refused INTEGER NOT NULL, urgent INTEGER NOT NULL, vote INTEGER,
    voted_at TEXT
);
CREATE INDEX exchanges_asked_at ON exchanges (asked_at);
"""


def test_a_database_that_cannot_be_opened_is_named_without_its_password(tmp_path):
    for url, why in (
        ("postgresql+psycopg://owner:s3cret@127.0.0.1:1/podcast", "127.0.0.1"),
        ("nosuchdb://owner:s3cret@host/db", "nosuchdb"),
    ):
        runner = CliRunner(env={"PODCAST_ASSISTANT_DATABASE_URL": url})
        failed = runner.invoke(main, ["--data-dir", str(tmp_path), "forget", "--all"])
        assert failed.exit_code == 1 and "can't open the database" in failed.output
        assert why in failed.output and "s3cret" not in failed.output
