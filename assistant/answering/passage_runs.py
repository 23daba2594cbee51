"""Chunks that follow each other in a section, read as one passage: an answer may start in
one chunk and go on in the next."""

from collections.abc import Callable, Iterator
from dataclasses import replace

from assistant.moments import joined_times
from assistant.records import Chunk, Passage


def joined(chunk: Chunk, after: Chunk) -> Chunk | None:
    """`chunk` continued by the chunk `after` it (they overlap by a sentence or meet), as one
    passage of the same source; None when they don't meet."""
    if not chunk.start_char <= after.start_char <= chunk.end_char < after.end_char:
        return None
    text = chunk.text + after.text[chunk.end_char - after.start_char :]
    times = joined_times(chunk, after)  # a quote in the second part keeps its own moment
    return replace(
        chunk, text=text, end_char=after.end_char, end_seconds=after.end_seconds, times=times
    )


MAX_CHAIN = 50  # chunks followed along a section at most (a damaged index can't loop)


def _chain(chunk: Chunk, following: Callable[[Chunk], Chunk | None]) -> Iterator[Chunk]:
    """The chunks after `chunk` in its section, in order."""
    after = following(chunk)
    for _ in range(MAX_CHAIN):
        if after is None:
            return
        yield after
        after = following(after)


def chunk_beyond(chunk: Chunk, following: Callable[[Chunk], Chunk | None]) -> Chunk | None:
    """The first chunk of the section that goes on past `chunk`'s end (which may already hold
    the chunks after it, read as one)."""
    return next((c for c in _chain(chunk, following) if c.end_char > chunk.end_char), None)


def chunk_at(chunk: Chunk, start: int, following: Callable[[Chunk], Chunk | None]) -> str:
    """The id of the chunk that source offset `start` is in: `chunk`'s own, or, for chunks
    read as one, the last of them that starts at or before it."""
    cited = chunk.chunk_id
    for after in _chain(chunk, following):
        if after.start_char > start:
            break
        cited = after.chunk_id
    return cited


def runs_joined(
    passages: list[Passage], following: Callable[[Chunk], Chunk | None]
) -> list[Passage]:
    """`passages` with chunks that follow each other in a section read as one passage, placed
    where the best of them stood and scored as it was: the answer may start in one chunk and
    go on in the next ("Treatment of bursitis includes…" then "If there is no improvement…")."""
    at = {p.chunk.chunk_id: i for i, p in enumerate(passages)}
    nxt: dict[int, int] = {}  # only links that join: a gap between two chunks ends a run
    for i, p in enumerate(passages):
        after = following(p.chunk)
        j = at.get(after.chunk_id) if after is not None else None
        if j is not None and j != i and joined(p.chunk, passages[j].chunk) is not None:
            nxt[i] = j
    merged: dict[int, Passage] = {}
    gone: set[int] = set()
    for head in (i for i in range(len(passages)) if i not in nxt.values()):
        run, chunk = [head], passages[head].chunk
        while run[-1] in nxt and nxt[run[-1]] not in run:
            longer = joined(chunk, passages[nxt[run[-1]]].chunk)
            if longer is None:
                break
            run.append(nxt[run[-1]])
            chunk = longer
        if len(run) > 1:
            best = max((passages[j] for j in run), key=lambda p: p.score)
            merged[min(run)] = Passage(chunk, best.score, best.about)
            gone.update(j for j in run if j != min(run))
    return [merged.get(i, p) for i, p in enumerate(passages) if i not in gone]
