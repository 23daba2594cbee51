"""Work one step ahead: a producer thread fills a small queue while the caller consumes."""

import queue
import threading
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")
_DONE = object()


def ahead(items: Iterable[T], depth: int = 2) -> Iterator[T]:
    """Yield `items` in order, computed on a thread at most `depth` items ahead of the caller.

    An exception in the producer is raised in the caller at that point; a caller that stops
    early (an error, `break`) stops the producer before its next item.
    """
    box: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                if stop.is_set():
                    return
                _put(box, (item, None), stop)
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, raised there
            _put(box, (_DONE, exc), stop)
            return
        _put(box, (_DONE, None), stop)

    worker = threading.Thread(target=produce, name="ingest-ahead", daemon=True)
    worker.start()
    try:
        while True:
            item, error = box.get()
            if error is not None:
                raise error
            if item is _DONE:
                return
            yield item
    finally:
        stop.set()
        worker.join()


def _put(box: queue.Queue, entry: tuple, stop: threading.Event) -> None:
    """Put `entry` unless the consumer has gone (checked while the queue is full)."""
    while not stop.is_set():
        try:
            box.put(entry, timeout=0.1)
            return
        except queue.Full:
            continue
