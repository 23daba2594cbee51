"""The default answerer: quotes the sentences that best answer the question, each cited."""

import re
from dataclasses import dataclass

import numpy as np

from assistant.citations import cite_claims
from assistant.embedding import Embedder
from assistant.prompts import CANNOT_ANSWER
from assistant.records import Answer, Passage
from assistant.text import STOPWORDS, sentence_spans, terms

MIN_WORDS = 5
MAX_CACHED_SENTENCES = 50_000
# Sentences embedded per answer at most: encoding them is most of an answer's time on a CPU,
# so the cheap word-overlap ranking picks which of the candidates are worth it.
MAX_SCORED = 8
# A sentence's fit is judged on its first words: long list-like "sentences" would otherwise
# cost several times a normal one, and their opening says what they are about.
SCORED_WORDS = 40
_QUESTION_WORDS = {"i", "my", "me", "what", "why", "how", "does", "do", "can", "should", "is"}
_IGNORED = STOPWORDS | _QUESTION_WORDS


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
        # Sentence vectors by sentence text (a sentence's vector depends on nothing else): a
        # chat answers from the same few chunks again and again.
        self._vectors: dict[str, np.ndarray] = {}

    def _shortlist(
        self, question: str, candidates: list["_Candidate"], relevant: list[Passage]
    ) -> list["_Candidate"]:
        """At most MAX_SCORED candidates, ranked by the question words they hold plus their
        passage's relevance, kept in their reading order."""
        if len(candidates) <= MAX_SCORED:
            return candidates
        wanted = set(terms(question, _IGNORED))

        def rank(c: _Candidate) -> float:
            held = len(wanted & set(terms(c.sentence, _IGNORED))) / len(wanted) if wanted else 0.0
            return held + relevant[c.passage_rank].score

        keep = sorted(range(len(candidates)), key=lambda i: -rank(candidates[i]))[:MAX_SCORED]
        return [candidates[i] for i in sorted(keep)]

    def _sentence_vectors(self, sentences: list[str]) -> np.ndarray:
        """Embeddings of `sentences`, in order, cached by text."""
        # A local copy, so another thread clearing the cache meanwhile can't lose a vector.
        found = {s: v for s in set(sentences) if (v := self._vectors.get(s)) is not None}
        missing = [s for s in dict.fromkeys(sentences) if s not in found]
        if missing:
            heads = [" ".join(s.split()[:SCORED_WORDS]) for s in missing]
            fresh = dict(zip(missing, self.embedder.encode(heads), strict=True))
            found.update(fresh)
            if len(self._vectors) + len(fresh) > MAX_CACHED_SENTENCES:
                self._vectors.clear()
            self._vectors.update(fresh)
        return np.stack([found[s] for s in sentences])

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
        candidates = self._shortlist(question, candidates, relevant)
        sentence_vectors = self._sentence_vectors([c.sentence for c in candidates])
        similarity = sentence_vectors @ self.embedder.query_vector(question)
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
