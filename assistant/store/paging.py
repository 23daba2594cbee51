"""Chroma collections read and written in bounded pieces: large single calls fail."""

from collections.abc import Iterable


def batches(items: list, size: int) -> Iterable[list]:
    """`items` in consecutive lists of at most `size`."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def pages(collection, include: list, size: int) -> Iterable[dict]:
    """A whole Chroma collection, `size` items at a time: one unbounded `get` of ~100k items
    fails in embedded Chroma ("too many SQL variables")."""
    offset = 0
    while True:
        page = collection.get(include=include, limit=size, offset=offset)
        if not page["ids"]:
            return
        yield page
        offset += len(page["ids"])
