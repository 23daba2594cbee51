"""The default answerer: quotes the sentences that best answer the question, each cited."""

import re
from dataclasses import dataclass

import numpy as np

from assistant.embedder import Embedder
from assistant.prompts import CANNOT_ANSWER
from assistant.records import Answer, Citation, Passage
from assistant.text import sentence_spans

MIN_WORDS = 5
MAX_CACHED_CHUNKS = 4096


@dataclass(frozen=True)
class _Candidate:
    passage_rank: int
    start: int
    sentence: str


def refusal() -> Answer:
    """The polite "not covered" answer, with no sources."""
    return Answer(text=CANNOT_ANSWER, refused=True, sources=[])


def cite(selected: list[tuple[Passage, str]]) -> Answer:
    """Join (passage, sentence) pairs into an answer, numbering sources by first appearance."""
    return cite_claims([(sentence, [passage]) for passage, sentence in selected])


def cite_claims(claims: list[tuple[str, list[Passage]]]) -> Answer:
    """Join sentences, each followed by the numbers of the passages it cites (`[1]` or
    `[1][3]`), into an answer; sources are numbered by first appearance and listed once."""
    numbers: dict[str, int] = {}
    citations: list[Citation] = []
    parts: list[str] = []
    for sentence, passages in claims:
        for passage in passages:
            chunk = passage.chunk
            if chunk.chunk_id not in numbers:
                numbers[chunk.chunk_id] = len(numbers) + 1
                citations.append(
                    Citation(
                        n=numbers[chunk.chunk_id],
                        source_id=chunk.source_id,
                        title=chunk.title,
                        url=chunk.url,
                        quote=chunk.text,
                        chunk_id=chunk.chunk_id,
                        start_seconds=chunk.start_seconds,
                        episode=chunk.episode,
                    )
                )
        marks = "".join(f"[{numbers[p.chunk.chunk_id]}]" for p in passages)
        parts.append(f"{sentence} {marks}")
    return Answer(text=" ".join(parts), refused=False, sources=citations)


class ExtractiveAnswerer:
    """Picks 2-5 verbatim sentences from the passages that clear the relevance threshold."""

    def __init__(
        self,
        embedder: Embedder,
        min_relevance: float,
        max_sentences: int = 5,
        min_sentences: int = 2,
        max_passages: int = 4,
    ) -> None:
        self.embedder = embedder
        self.min_relevance = min_relevance
        self.max_sentences = max_sentences
        self.min_sentences = min_sentences
        self.max_passages = max_passages
        # Sentence vectors per chunk id (a content hash, so never stale): a chat answers from
        # the same few chunks again and again, and encoding them is most of an answer's time.
        self._vectors: dict[str, np.ndarray] = {}

    def _sentence_vectors(self, passages: list[Passage], sentences: list[list[str]]) -> np.ndarray:
        """Embeddings of each passage's sentences, stacked in order, cached by chunk id."""
        missing = [
            (p.chunk.chunk_id, s)
            for p, s in zip(passages, sentences, strict=True)
            if s and p.chunk.chunk_id not in self._vectors
        ]
        if missing:
            flat = self.embedder.encode([x for _, s in missing for x in s])
            start = 0
            if len(self._vectors) > MAX_CACHED_CHUNKS:
                self._vectors.clear()
            for chunk_id, s in missing:
                self._vectors[chunk_id] = flat[start : start + len(s)]
                start += len(s)
        return np.concatenate(
            [self._vectors[p.chunk.chunk_id] for p, s in zip(passages, sentences, strict=True) if s]
        )

    def __call__(self, question: str, passages: list[Passage]) -> Answer:
        """An answer quoting `passages`, or the refusal when none is relevant enough."""
        relevant = [p for p in passages if p.score >= self.min_relevance][: self.max_passages]
        if not relevant:
            return refusal()
        candidates = [
            _Candidate(rank, a, p.chunk.text[a:b])
            for rank, p in enumerate(relevant)
            for a, b in sentence_spans(p.chunk.text)
            if _quotable(p.chunk.text[a:b])
        ]
        if not candidates:
            return refusal()
        per_passage = [
            [c.sentence for c in candidates if c.passage_rank == rank]
            for rank in range(len(relevant))
        ]
        sentence_vectors = self._sentence_vectors(relevant, per_passage)
        similarity = sentence_vectors @ self.embedder.encode([question])[0]
        # A sentence counts for its own fit and for the fit of the passage around it.
        scores = np.array(
            [
                0.6 * s + 0.4 * relevant[c.passage_rank].score
                for c, s in zip(candidates, similarity, strict=True)
            ]
        )
        order = np.argsort(-scores)
        best = scores[order[0]]
        chosen: list[int] = []
        seen: set[str] = set()
        for i in order:
            if len(chosen) >= self.max_sentences:
                break
            if len(chosen) >= self.min_sentences and scores[i] < best - 0.12:
                break
            key = " ".join(candidates[i].sentence.lower().split())
            if key in seen:  # overlapping chunks repeat sentences
                continue
            seen.add(key)
            chosen.append(int(i))
        chosen.sort(key=lambda i: (candidates[i].passage_rank, candidates[i].start))
        return cite(
            [(relevant[candidates[i].passage_rank], candidates[i].sentence) for i in chosen]
        )


def _quotable(sentence: str) -> bool:
    """Whole sentences only: headings and fragments make poor quotes."""
    return len(sentence.split()) >= MIN_WORDS and bool(re.search(r"[.!?…][\"'”’)]*$", sentence))
