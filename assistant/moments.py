"""Quote to second: where in an episode the words a citation quotes are said, from the cue or
sentence times a transcript chunk keeps (`Chunk.times`)."""

import json
from bisect import bisect_right

from assistant.records import Chunk
from assistant.text import sentence_spans, terms


def chunk_times(entries: list[tuple[int, float]]) -> str:
    """`Chunk.times` as stored: `[[char offset in the chunk, seconds], ...]`, compact JSON (a
    store's metadata holds strings and numbers, not lists)."""
    return json.dumps([[offset, round(seconds, 2)] for offset, seconds in entries], separators=",:")


def _times(chunk: Chunk) -> list[tuple[int, float]]:
    try:
        rows = json.loads(chunk.times or "[]")
        return sorted((int(offset), float(seconds)) for offset, seconds in rows)
    except (ValueError, TypeError):
        return []


def joined_times(chunk: Chunk, after: Chunk) -> str | None:
    """`Chunk.times` of `chunk` continued by the chunk `after` it (an excerpt read across both):
    the first one's cues, then the second's, shifted to the joined text."""
    shift = after.start_char - chunk.start_char
    first = _times(chunk) or ([(0, chunk.start_seconds)] if chunk.start_seconds is not None else [])
    then = _times(after) or ([(0, after.start_seconds)] if after.start_seconds is not None else [])
    merged = [t for t in first if t[0] < shift] + [(o + shift, s) for o, s in then]
    return chunk_times(merged) if len(merged) > 1 else chunk.times


def seconds_at(chunk: Chunk, offset: int) -> float | None:
    """When the cue (or sentence) holding character `offset` of the chunk's text starts."""
    times = _times(chunk)
    if not times:
        return chunk.start_seconds
    i = bisect_right([t[0] for t in times], offset) - 1
    return times[max(i, 0)][1]


def quote_seconds(chunk: Chunk, quote: str | None, focus: str | None = None) -> float | None:
    """When the quoted words are said: the start of `focus` (the sentence that answers) if it
    stands in the chunk, else of `quote`, else the chunk's own start."""
    if chunk.start_seconds is None:
        return None
    for words in (focus, quote):
        at = chunk.text.find(words) if words else -1
        if at >= 0:
            return seconds_at(chunk, at)
    return chunk.start_seconds


def said_like(chunk: Chunk, claim: str) -> str | None:
    """The transcript chunk's sentence sharing the most meaningful words with `claim` (a model's
    wording of what it says), so an LLM answer's citation links to that moment; None for a chunk
    without cue times or when no sentence shares a word."""
    if not chunk.times:
        return None
    wanted = set(terms(claim))
    best, shared = None, 0
    for a, b in sentence_spans(chunk.text):
        overlap = len(wanted & set(terms(chunk.text[a:b])))
        if overlap > shared:
            best, shared = chunk.text[a:b], overlap
    return best
