"""Listeners' questions are kept `RETENTION_DAYS` (default 90): deleted when `serve` starts and
daily after, and on demand with `podcast-assistant forget --before DATE` or `--all`."""

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner
from webserver import hostile_assistant, serve_app, without_gradio

from assistant.records import Answer
from assistant.settings import Settings
from ui.app import build_app
from ui.cli import main
from ui.feedback import FeedbackStore
from ui.retention import retention_lifespan

ANSWER = Answer(text="Sorry, not covered.", refused=True)


def asked(store: FeedbackStore, question: str, days_ago: float) -> str:
    """Store `question` as asked `days_ago` days ago."""
    return store.record(question, ANSWER, [], asked_at=datetime.now(UTC) - timedelta(days=days_ago))


def questions(store: FeedbackStore) -> set[str]:
    return {e.question for e in store.recent(1000)}


def test_serve_deletes_questions_older_than_the_retention_at_start(
    database, database_url, tmp_path_factory, embedder
):
    assert Settings().retention_days == 90
    store = FeedbackStore(database_url)
    asked(store, "my bladder since the fall?", 91)
    asked(store, "sciatica at night?", 89)
    assistant = hostile_assistant(tmp_path_factory, embedder)
    with serve_app(build_app(assistant, store, without_gradio(assistant.settings))):
        assert questions(store) == {"sciatica at night?"}
    if database == "sqlite":  # gone from the file, not only from the table
        with store.engine.connect() as db:
            db.exec_driver_sql("PRAGMA wal_checkpoint")
        assert b"bladder" not in Path(store.engine.url.database).read_bytes()


def test_retention_is_applied_again_on_its_schedule(database_url):
    store = FeedbackStore(database_url)

    async def run() -> set[str]:
        async with retention_lifespan(store, 30, every=0.05)(None):
            asked(store, "old question", 31)
            asked(store, "new question", 1)
            await asyncio.sleep(0.3)
            return questions(store)

    assert asyncio.run(run()) == {"new question"}


def test_retention_of_zero_keeps_everything(database_url):
    store = FeedbackStore(database_url)
    asked(store, "very old question", 4000)

    async def run() -> None:
        async with retention_lifespan(store, 0)(None):
            pass

    asyncio.run(run())
    assert questions(store) == {"very old question"}


def test_forget_before_a_date_and_all(tmp_path, database, database_url):
    runner = CliRunner()
    data = ["--data-dir", str(tmp_path)]
    if database == "sqlite":  # no file yet
        assert "No questions are stored" in runner.invoke(main, [*data, "forget", "--all"]).output
    store = FeedbackStore(database_url)
    asked(store, "last year", 365)
    asked(store, "last week", 7)
    asked(store, "today", 0)
    cutoff = (datetime.now(UTC) - timedelta(days=30)).strftime("%Y-%m-%d")
    before = runner.invoke(main, [*data, "forget", "--before", cutoff])
    assert before.exit_code == 0 and "Deleted 1 question." in before.output
    assert questions(store) == {"last week", "today"}
    for wrong in ([], ["--all", "--before", cutoff]):
        refused = runner.invoke(main, [*data, "forget", *wrong])
        assert refused.exit_code == 2 and "--before DATE or --all" in refused.output
    everything = runner.invoke(main, [*data, "forget", "--all"])
    assert "Deleted 2 questions." in everything.output and questions(store) == set()
