"""The `[n]` citation syntax, written and read in this one place (and mirrored, for the chat
page, by `ui/static/citations.js`: a test feeds both the same cases).

An answer's text carries `[n]` after what it cites; `n` numbers `Answer.sources` from 1.
Models also write `[1, 3]` and `[ 2 ]`: `parse_claims` accepts those when reading their text.
"""

import re
from dataclasses import dataclass

from assistant import markup
from assistant.moments import quote_seconds, said_like
from assistant.records import Answer, Citation, Passage
from assistant.text import split_sentences

# The marker as answers carry it, and as the chat page splits text on it.
MARKER = re.compile(r"\[([0-9]+)\]")
# One or more markers as a model may write them: `[1]`, `[1][3]`, `[1, 3]`, `[ 2 ]`.
_LENIENT = re.compile(r"\s*(?:\[\s*\d+(?:\s*,\s*\d+)*\s*\]\s*)+")
_LEADING = re.compile(r"(?:\s*\[[\d,\s]+\])+")
_NUMBER = re.compile(r"\d+")
# A cited piece of an answer: its text, then its markers.
_CITED = re.compile(r"(.+?)((?:\[[0-9]+\])+)(?:\s+|$)", re.S)


def marks(numbers: list[int]) -> str:
    """The markers for `numbers`: `[1]`, `[1][3]`."""
    return "".join(f"[{n}]" for n in numbers)


def segments(text: str) -> list[str | int]:
    """`text` split on its markers: plain strings, and each marker's number as an int."""
    parts = MARKER.split(text)
    return [int(p) if i % 2 else p for i, p in enumerate(parts) if i % 2 or p]


def piece_ends(text: str) -> list[int]:
    """Where each cited piece of `text` ends (just after its markers)."""
    return [m.end(2) for m in _CITED.finditer(text)]


def strip_markers(text: str) -> str:
    """`text` without its markers."""
    return MARKER.sub("", text)


def cited_numbers(text: str) -> set[int]:
    """Every number `text` cites."""
    return {int(n) for n in MARKER.findall(text)}


def cited_pieces(text: str) -> tuple[list[tuple[str, list[int]]], str]:
    """The pieces of an answer, each its text and the numbers it ends with, and whatever
    trails the last marker uncited."""
    pieces = [(t, [int(n) for n in MARKER.findall(m)]) for t, m in _CITED.findall(text)]
    return pieces, _CITED.sub("", text).strip()


@dataclass(frozen=True)
class Claim:
    """One sentence of a model's answer and the passage numbers it cites."""

    text: str
    numbers: tuple[int, ...]


def parse_claims(text: str) -> list[Claim]:
    """Sentences with their markers, written leniently; a marker opening a sentence belongs to
    the one before (models write "... the back. [2] Next ...")."""
    claims: list[Claim] = []
    for sentence in split_sentences(text.replace("\n", " \n")):
        lead = _LEADING.match(sentence)
        if lead and claims:
            prev = claims[-1]
            extra = tuple(int(n) for n in _NUMBER.findall(lead.group(0)))
            claims[-1] = Claim(prev.text, prev.numbers + extra)
            sentence = sentence[lead.end() :]
        numbers = tuple(int(n) for m in _LENIENT.finditer(sentence) for n in _NUMBER.findall(m[0]))
        words = _LENIENT.sub(" ", sentence)
        words = re.sub(r"\s+([.,;:!?])", r"\1", words).strip()
        if words:
            claims.append(Claim(words, numbers))
    return claims


def citation(
    n: int, passage: Passage, quote: str | None = None, focus: str | None = None
) -> Citation:
    """Source number `n`: the passage's chunk, quoting `quote` (a part of it) or all of it; a
    transcript's moment is where `focus` (the answering sentence), else the quote, is said."""
    chunk = passage.chunk
    return Citation(
        n=n,
        source_id=chunk.source_id,
        title=chunk.title,
        url=chunk.url,
        quote=chunk.text if quote is None else quote,
        chunk_id=chunk.chunk_id,
        start_seconds=quote_seconds(chunk, quote, focus),
        episode=chunk.episode,
        audio_url=chunk.audio_url,
        section=chunk.section,
    )


def cite_claims(claims: list[tuple[str, list[Passage]]]) -> Answer:
    """Join sentences, each followed by the markers of the passages it cites, into an answer;
    sources are numbered by first appearance and listed once."""
    numbers: dict[str, int] = {}
    citations: list[Citation] = []
    parts: list[str] = []
    for sentence, passages in claims:
        for passage in passages:
            chunk_id = passage.chunk.chunk_id
            if chunk_id not in numbers:
                numbers[chunk_id] = len(numbers) + 1
                focus = said_like(passage.chunk, sentence)  # the moment of what it says
                citations.append(citation(numbers[chunk_id], passage, focus=focus))
        parts.append(f"{sentence} {marks([numbers[p.chunk.chunk_id] for p in passages])}")
    return Answer(text=" ".join(parts), refused=False, sources=citations)


def cite_excerpts(excerpts: list[tuple[str, Passage, str]]) -> Answer:
    """Excerpts (answer text, passage, verbatim quote), each followed by its marker, as one
    answer; excerpts are separated by a blank line and numbered in order."""
    parts = [f"{text} {marks([n])}" for n, (text, _, _) in enumerate(excerpts, 1)]
    sources = [
        citation(n, p, q, next(iter(markup.marked(text)), None))
        for n, (text, p, q) in enumerate(excerpts, 1)
    ]
    return Answer(text="\n\n".join(parts), refused=False, sources=sources)
