"""One ingest run over local paths and podcast feeds, and the `--every 6h` schedule around it."""

import logging
import re
import sys
import time
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from pathlib import Path

from assistant.embedding import Embedder
from assistant.records import Source
from assistant.settings import Settings
from assistant.store import Store
from assistant.store.sharing import writing
from ingest.episodes import load_feed
from ingest.errors import Failure
from ingest.feeds import FeedError
from ingest.fetch import Fetcher
from ingest.files import load_files
from ingest.pipeline import IngestReport, ingest_sources, under_paths
from ingest.transcribe import Transcriber

log = logging.getLogger(__name__)

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_interval(value: str) -> float:
    """Seconds in "90s", "30m", "6h", "1d" or "1h30m"; `ValueError` otherwise."""
    text = value.strip().lower()
    parts = re.findall(r"(\d+(?:\.\d+)?)([smhd])", text)
    if not parts or "".join(n + u for n, u in parts) != text.replace(" ", ""):
        raise ValueError(f"{value!r} is not an interval like 30m, 6h or 1d")
    seconds = sum(float(n) * _UNITS[u] for n, u in parts)
    if seconds < 60:
        raise ValueError(f"{value!r} is shorter than a minute; be kind to the servers")
    return seconds


def gather(
    settings: Settings, paths: Sequence[Path], feeds: Sequence[str], dry_run: bool = False
) -> tuple[list[Source], list[Failure]]:
    """Sources from local paths and feeds (media transcribed unless `settings.transcribe` is
    off); `FeedError` (before anything is written) when a feed can't be read."""
    sources: list[Source] = []
    failures: list[Failure] = []
    transcriber = Transcriber(settings, dry_run=dry_run) if settings.transcribe else None
    if paths:
        found, bad = load_files(paths, settings.max_file_bytes, transcriber)
        sources += found
        failures += bad
    if feeds:
        with Fetcher(settings) as fetcher:
            for url in feeds:
                feed, found, bad = load_feed(url, fetcher, transcriber)
                log.info("%s: %d episodes in the feed", url, len(feed.episodes))
                sources += found
                failures += bad
    if transcriber and (summary := transcriber.summary()):
        print(summary, file=sys.stderr)
    return sources, failures


def prune_filter(paths: Sequence[Path], feeds: Sequence[str]) -> Callable[[str], bool]:
    """True for origins under `paths` or equal to one of `feeds`."""
    in_paths = under_paths(paths)
    feed_set = set(feeds)
    return lambda origin: origin in feed_set or in_paths(origin)


def run_ingest(
    settings: Settings,
    paths: Sequence[Path],
    feeds: Sequence[str] = (),
    *,
    prune: bool = False,
    dry_run: bool = False,
    store: Store | None = None,
    embedder: Embedder | None = None,
    progress: bool | None = None,
) -> IngestReport:
    """Ingest `paths` and `feeds` into the store: new and changed sources only. Feeds are read
    in full before the store is opened, so a broken feed changes nothing."""
    with nullcontext() if dry_run else writing(settings):  # refused at once while served
        sources, failures = gather(settings, paths, feeds, dry_run)
        if embedder is None:
            from assistant.embedding import load_embedder

            embedder = load_embedder(settings)
        store = store or Store(settings)
        report = ingest_sources(
            sources,
            store,
            embedder,
            chunk_tokens=settings.chunk_tokens,
            failures=failures,
            prune_origins=prune_filter(paths, feeds) if prune else None,
            progress=progress,
            dry_run=dry_run,
        )
        if not dry_run and (report.added or report.updated or report.removed):
            # Built here, once, and kept: the next `serve` loads it instead of building it.
            from assistant.retrieval.keyword import KeywordIndex

            KeywordIndex(store, settings.keyword_index_path).refresh()
        return report


def run_every(
    interval: float,
    once: Callable[[], None],
    sleep: Callable[[float], None] = time.sleep,
    runs: int | None = None,
) -> None:
    """Call `once` now and then every `interval` seconds (`runs` times, or until interrupted);
    a failed run, whatever the error, is logged and the schedule goes on. Only an interrupt
    (Ctrl-C, SystemExit) ends it."""
    done = 0
    while runs is None or done < runs:
        started = time.monotonic()
        try:
            once()
        except FeedError as exc:
            log.error("%s", exc)
        except Exception:  # a store, network or disk error must not end the schedule
            log.exception("this ingest run failed; the next one is in %s seconds", interval)
        done += 1
        if runs is not None and done >= runs:
            return
        sleep(max(0.0, interval - (time.monotonic() - started)))
