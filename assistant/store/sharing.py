"""An embedded store is used by one process at a time for writing while others serve it.

Chroma's embedded client is not process-safe: a `serve` that keeps the store open does not see
vectors a separate `ingest` process adds (its `get` does, its `query` does not), so dense and
keyword results would disagree. So `serve` holds a shared lock on the data dir while it runs,
and an ingest takes it exclusively or stops with a message saying what to do instead. A Chroma
server (`chroma_url`) is process-safe and needs neither.
"""

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from assistant.settings import Settings
from assistant.store.chroma import StoreError

LOCK_FILE = "store.lock"


class StoreBusy(StoreError):
    """The embedded store is being served by another process; an ingest would not be seen."""


def _lock_path(settings: Settings) -> Path:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return settings.data_dir / LOCK_FILE


@contextmanager
def serving(settings: Settings) -> Iterator[None]:
    """Hold the embedded store for reading while serving (waits for a running ingest)."""
    with _held(settings, fcntl.LOCK_SH):
        yield


@contextmanager
def writing(settings: Settings) -> Iterator[None]:
    """Hold the embedded store for an ingest, or raise `StoreBusy` if it is being served."""
    with _held(settings, fcntl.LOCK_EX | fcntl.LOCK_NB):
        yield


@contextmanager
def _held(settings: Settings, operation: int) -> Iterator[None]:
    if settings.chroma_url:  # a server is process-safe: nothing to hold
        yield
        return
    with _lock_path(settings).open("a") as handle:  # closing it releases the lock
        try:
            fcntl.flock(handle, operation)
        except BlockingIOError:  # only the non-blocking (ingest) lock can find it taken
            raise StoreBusy(
                f"the store in {settings.data_dir} is open in a running `serve`, which would not "
                "see what this ingest adds (Chroma's embedded store is not shared between "
                "processes): stop serve while ingesting, or run a Chroma server for both "
                "(PODCAST_ASSISTANT_CHROMA_URL)"
            ) from None
        yield
