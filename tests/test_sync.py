"""The `--every` schedule."""

import logging

import pytest

from ingest.feeds import FeedError
from ingest.sync import parse_interval, run_every


def test_intervals():
    assert parse_interval("6h") == 21600
    assert parse_interval("1h30m") == 5400
    assert parse_interval("1d") == 86400
    for bad in ("6", "soon", "10s", "6h junk"):
        with pytest.raises(ValueError):
            parse_interval(bad)


def test_the_schedule_goes_on_after_a_failed_run():
    calls, sleeps = [], []

    def once():
        calls.append(len(calls))
        if len(calls) == 2:
            raise FeedError("https://x/feed: not a readable RSS/Atom feed")

    run_every(3600, once, sleep=sleeps.append, runs=3)
    assert calls == [0, 1, 2]
    assert len(sleeps) == 2 and all(3590 < s <= 3600 for s in sleeps)


def test_the_schedule_goes_on_after_any_error_and_logs_it(caplog):
    calls, sleeps = [], []

    def once():
        calls.append(len(calls))
        if len(calls) == 1:
            raise OSError("database is locked")

    with caplog.at_level(logging.ERROR, logger="ingest.sync"):
        run_every(60, once, sleep=sleeps.append, runs=2)
    assert calls == [0, 1] and len(sleeps) == 1
    assert "database is locked" in caplog.text


def test_an_interrupt_still_ends_the_schedule():
    def once():
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_every(60, once, sleep=lambda s: None, runs=3)
