"""Fusing rankings (reciprocal rank fusion) and collapsing passages that say the same thing."""

import re

from assistant.records import Chunk, Passage

RRF_K = 60  # the constant from Cormack et al. (2009); larger flattens the rank curve
DUPLICATE_OVERLAP = 0.5  # share of the shorter chunk two chunks of one source may overlap
DUPLICATE_JACCARD = 0.8  # word-set similarity above which two chunks say the same thing


def fuse(rankings: list[list[str]], k: int = RRF_K) -> list[str]:
    """Reciprocal rank fusion: ids ordered by the sum of 1/(k + rank) over the rankings."""
    score: dict[str, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, 1):
            score[item] = score.get(item, 0.0) + 1.0 / (k + rank)
    return sorted(score, key=lambda item: -score[item])


def collapse(passages: list[Passage], limit: int | None = None) -> list[Passage]:
    """Drop passages that overlap or repeat a better-ranked one (chunks overlap by a sentence,
    and a corpus may hold the same text twice), keeping at most `limit`."""
    kept: list[Passage] = []
    words: list[set[str]] = []
    for p in passages:
        if len(kept) == limit:
            break
        mine = set(re.findall(r"\w+", p.chunk.text.lower()))
        if any(_overlaps(p.chunk, q.chunk) for q in kept) or any(
            _jaccard(mine, other) >= DUPLICATE_JACCARD for other in words
        ):
            continue
        kept.append(p)
        words.append(mine)
    return kept


def _overlaps(a: Chunk, b: Chunk) -> bool:
    if a.source_id != b.source_id:
        return False
    shared = min(a.end_char, b.end_char) - max(a.start_char, b.start_char)
    shorter = min(a.end_char - a.start_char, b.end_char - b.start_char)
    return shorter > 0 and shared / shorter >= DUPLICATE_OVERLAP


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0
