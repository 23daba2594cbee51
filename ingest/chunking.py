"""Split a source into chunks that fit the embedder's window, on sentence boundaries."""

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass

from assistant.moments import chunk_times
from assistant.records import Chunk, Source
from assistant.text import sentence_spans
from ingest.transcripts import locate

# Bump when chunking changes, so every source is re-chunked on the next ingest.
CHUNKER_VERSION = "5"  # 5: transcript chunks keep their cue times (main took 4 for lists)
_HEADING_MAX_WORDS = 12


CountMany = Callable[[list[str]], list[int]]


@dataclass(frozen=True)
class _Unit:
    start: int
    end: int
    tokens: int
    section: str | None
    is_heading: bool


def is_heading(line: str) -> bool:
    """A short single-line paragraph without closing punctuation reads as a section heading."""
    words = line.split()
    return 0 < len(words) <= _HEADING_MAX_WORDS and not re.search(r"[.,;:!\"”'’]$", line)


def context_header(title: str, section: str | None, text: str) -> str:
    """What precedes a chunk's text when it is embedded: its title and section heading."""
    parts = [title]
    if section and not text.startswith(section):
        parts.append(section)
    return "\n".join(parts)


def embedding_text(chunk: Chunk) -> str:
    """The exact text the embedder sees for a chunk: header lines, then the passage."""
    return context_header(chunk.title, chunk.section, chunk.text) + "\n" + chunk.text


def source_hash(source: Source, chunk_tokens: int) -> str:
    """Changes whenever anything that shapes the source's chunks or embeddings changes."""
    digest = hashlib.sha256()
    parts = (CHUNKER_VERSION, str(chunk_tokens), source.kind, source.title, source.url or "")
    extras = (source.episode, source.published, source.audio_url, source.timeline)
    for part in (*parts, repr(extras)):
        digest.update(part.encode() + b"\0")
    digest.update(source.text.encode())
    return digest.hexdigest()


def _units(text: str, count_many: CountMany, headings: bool = True) -> list[_Unit]:
    spans: list[tuple[int, int, str | None, bool]] = []
    section = None
    for para in re.finditer(r"[^\n]+(?:\n[^\n]+)*", text):
        lines = para.group()
        if headings and "\n" not in lines and is_heading(lines):
            section = lines
            spans.append((para.start(), para.end(), section, True))
            continue
        for a, b in sentence_spans(lines):
            spans.append((para.start() + a, para.start() + b, section, False))
    # One tokenizer call for the whole source: per-sentence calls dominate ingest time.
    counts = count_many([text[start:end] for start, end, _, _ in spans])
    return [
        _Unit(start, end, n - 2, section, heading)
        for (start, end, section, heading), n in zip(spans, counts, strict=True)
    ]


def _split_long(unit: _Unit, text: str, budget: int, count: Callable[[str], int]) -> list[_Unit]:
    """Cut a sentence longer than the window into word runs that fit."""
    pieces: list[_Unit] = []
    words = list(re.finditer(r"\S+", text[unit.start : unit.end]))
    i = 0
    while i < len(words):
        j = i + 1
        while (
            j < len(words)
            and count(text[unit.start + words[i].start() : unit.start + words[j].end()]) <= budget
        ):
            j += 1
        start, end = unit.start + words[i].start(), unit.start + words[j - 1].end()
        pieces.append(_Unit(start, end, count(text[start:end]), unit.section, False))
        i = j
    return _balance_tail(pieces, text, count)


def _balance_tail(pieces: list[_Unit], text: str, count: Callable[[str], int]) -> list[_Unit]:
    """The last two pieces of a cut sentence re-cut at their middle word when the last is a
    scrap ("drugs)."): a scrap chunk says nothing and matches questions by accident."""
    if len(pieces) < 2 or pieces[-1].tokens * 4 >= pieces[-2].tokens:
        return pieces
    a, b = pieces[-2], pieces[-1]
    words = list(re.finditer(r"\S+", text[a.start : b.end]))
    middle = words[len(words) // 2].start() + a.start
    cut = text[a.start : middle].rstrip()
    halves = [(a.start, a.start + len(cut)), (middle, b.end)]
    return pieces[:-2] + [_Unit(s, e, count(text[s:e]), a.section, False) for s, e in halves]


def chunk_source(
    source: Source,
    count_tokens: Callable[[str], int],
    max_tokens: int = 256,
    target_tokens: int = 200,
    count_many: CountMany | None = None,
) -> list[Chunk]:
    """Chunks of `source`: sentences packed up to `target_tokens` within a section, one sentence
    of overlap, and never more than `max_tokens` as the embedder counts them (title included).

    `count_tokens` counts one text as the model does ([CLS] and [SEP] included);
    `count_many`, if given, counts a list of texts in one call (faster, same figures).
    """
    count_many = count_many or (lambda texts: [count_tokens(t) for t in texts])

    def count(s: str) -> int:  # tokens without the [CLS]/[SEP] pair, so counts add up
        return count_tokens(s) - 2

    title_tokens = count(source.title)
    budget = min(target_tokens, max_tokens) - 2  # room left after [CLS] and [SEP]

    def limit(section: str | None) -> int:  # room for the passage once the header is in
        return budget - title_tokens - (count(section) if section else 0)

    units = _fitting_units(source, count, count_many, limit)
    chunks = _chunks(source, units, _pack(units, limit))
    sizes = count_many([embedding_text(c) for c in chunks])  # the guarantee, checked for real
    for chunk, size in zip(chunks, sizes, strict=True):
        if size > max_tokens:
            raise ValueError(
                f"chunk {chunk.position} of {source.source_id} exceeds {max_tokens} tokens"
            )
    return chunks


def _fitting_units(
    source: Source,
    count: Callable[[str], int],
    count_many: CountMany,
    limit: Callable[[str | None], int],
) -> list[_Unit]:
    """The source's headings and sentences, a sentence too long for its chunk cut in pieces."""
    # A transcript has no headings: a short turn ("Exactly.") is speech, not a section title.
    units: list[_Unit] = []
    for unit in _units(source.text, count_many, headings=not source.timeline):
        room = limit(unit.section)
        if room < 16:
            raise ValueError(f"the title or a heading of {source.source_id} is too long to embed")
        units.extend(_split_long(unit, source.text, room, count) if unit.tokens > room else [unit])
    return units


def _pack(units: list[_Unit], limit: Callable[[str | None], int]) -> list[tuple[int, int]]:
    """[first, last) unit indexes of each chunk: units packed within a section up to its limit,
    one sentence of overlap between neighbours."""
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(units):
        j, used = i, 0
        while j < len(units) and (
            j == i
            or (
                units[j].section == units[i].section
                and used + units[j].tokens <= limit(units[i].section)
            )
        ):
            used += units[j].tokens
            j += 1
        spans.append((i, j))
        # One sentence of overlap, unless the chunk is a single sentence or ends its section.
        # Nor when the sentence after can't join the overlap: the next chunk would hold only the
        # overlap sentence, a scrap already inside this one.
        overlap = (
            j - i > 1
            and j < len(units)
            and units[j].section == units[j - 1].section
            and units[j - 1].tokens + units[j].tokens <= limit(units[j].section)
        )
        i = j - 1 if overlap and not units[j - 1].is_heading else j
    return spans


def _chunks(source: Source, units: list[_Unit], spans: list[tuple[int, int]]) -> list[Chunk]:
    """A chunk per span; its id is a hash of its source, header and text (numbered if repeated)."""
    chunks: list[Chunk] = []
    seen: dict[str, int] = {}
    for position, (a, b) in enumerate(spans):
        start, end = units[a].start, units[b - 1].end
        body = source.text[start:end]
        section = units[a].section
        key = f"{source.source_id}\0{context_header(source.title, section, body)}\0{body}"
        digest = hashlib.sha256(key.encode()).hexdigest()[:24]
        seen[digest] = seen.get(digest, 0) + 1
        chunk_id = digest if seen[digest] == 1 else f"{digest}-{seen[digest]}"
        fields = _moment(source, start, end) if source.timeline else {}
        chunk = Chunk(
            chunk_id=chunk_id,
            source_id=source.source_id,
            kind=source.kind,
            title=source.title,
            text=body,
            position=position,
            start_char=start,
            end_char=end,
            section=section,
            url=source.url,
            episode=source.episode,
            published=source.published,
            audio_url=source.audio_url,
            **fields,
        )
        chunks.append(chunk)
    return chunks


def _moment(source: Source, start: int, end: int) -> dict:
    """Start and end seconds and speakers of the passage `start`..`end` (its moment link is
    made from these when it is shown, so a new link format needs no re-ingest)."""
    first = locate(source.timeline, start)
    entries = [e for e in source.timeline if start <= e[0] < end] or [first]
    last = locate(source.timeline, end - 1)
    speakers = list(dict.fromkeys(e[3] for e in [first, *entries] if e and e[3]))
    seconds = first[1] if first else None
    ends = [e[2] if e[2] is not None else e[1] for e in (last, *entries) if e]
    ends = [x for x in ends if x is not None]
    timed = [(0, seconds)] if seconds is not None else []
    timed += [(e[0] - start, e[1]) for e in entries if e[0] > start and e[1] is not None]
    return {
        "start_seconds": seconds,
        "end_seconds": max(ends) if ends else None,
        "speaker": ", ".join(speakers) or None,
        "times": chunk_times(timed) if len(timed) > 1 else None,
    }
