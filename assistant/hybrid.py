"""Hybrid retrieval: dense (Chroma) and keyword (BM25) rankings fused by reciprocal rank fusion.

Keyword search catches the exact terms an embedding blurs ("piriformis", "L5 S1", "sartorius").
The fused order decides which passages come first. A passage's score is its cosine similarity
to the question plus `keyword_weight` times the share of the question's (idf-weighted) terms it
holds: the answerers' relevance gate compares that with `min_relevance`, and in dense mode it is
the plain cosine.
"""

import logging
import math
import re
import threading
from collections import Counter

import bm25s
import numpy as np
import Stemmer
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, PrivateAttr

from assistant.embedder import Embedder
from assistant.records import Chunk, Passage
from assistant.retrieval import to_document
from assistant.store import Store

log = logging.getLogger(__name__)
# bm25s sets its own logger to DEBUG at import, which prints a line per index build whatever
# level the CLI chose; put it back under the root logger's control.
logging.getLogger("bm25s").setLevel(logging.NOTSET)

RRF_K = 60  # the constant from Cormack et al. (2009); larger flattens the rank curve
DUPLICATE_OVERLAP = 0.5  # share of the shorter chunk two chunks of one source may overlap
DUPLICATE_JACCARD = 0.8  # word-set similarity above which two chunks say the same thing


def keyword_text(chunk: Chunk) -> str:
    """What BM25 indexes for a chunk: its title and section heading count as its words too."""
    return " ".join(p for p in (chunk.title, chunk.section, chunk.text) if p)


class KeywordIndex:
    """BM25 over every chunk in the store, built on first use and rebuilt when the store changes."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._stemmer = Stemmer.Stemmer("english")
        self._lock = threading.Lock()
        self._revision: tuple | None = None
        self._chunks: list[Chunk] = []
        self._bm25: bm25s.BM25 | None = None
        self._terms: dict[str, frozenset[str]] = {}  # chunk id -> its distinct terms
        self._df: Counter[str] = Counter()  # term -> number of chunks that hold it

    def _tokens(self, texts: list[str]) -> list[list[str]]:
        return bm25s.tokenize(
            texts, stopwords="en", stemmer=self._stemmer, return_ids=False, show_progress=False
        )

    def refresh(self) -> None:
        """Rebuild the index if the store changed since it was built (a cheap check otherwise)."""
        revision = self.store.revision()
        if revision == self._revision:
            return
        with self._lock:
            if revision == self._revision:
                return
            chunks = self.store.all_chunks()
            bm25 = None
            tokens = self._tokens([keyword_text(c) for c in chunks]) if chunks else []
            if chunks:
                bm25 = bm25s.BM25()
                bm25.index(tokens, show_progress=False)
            terms = {c.chunk_id: frozenset(t) for c, t in zip(chunks, tokens, strict=True)}
            self._df = Counter(t for distinct in terms.values() for t in distinct)
            self._chunks, self._bm25, self._terms = chunks, bm25, terms
            self._revision = revision
            log.info("keyword index built over %d chunks", len(chunks))

    @property
    def size(self) -> int:
        """Chunks in the index as last built."""
        return len(self._chunks)

    def search(self, query: str, k: int) -> list[tuple[Chunk, float]]:
        """Up to `k` chunks sharing words with `query`, best BM25 score first."""
        self.refresh()
        return self.search_as_built(query, k)

    def search_as_built(self, query: str, k: int) -> list[tuple[Chunk, float]]:
        """`search` on the index as last built, without checking the store (a count)."""
        chunks, bm25 = self._chunks, self._bm25
        if bm25 is None or k <= 0:
            return []
        tokens = [t for t in self._tokens([query])[0] if t in bm25.vocab_dict]
        if not tokens:
            return []
        ids, scores = bm25.retrieve([tokens], k=min(k, len(chunks)), show_progress=False)
        return [(chunks[int(i)], float(s)) for i, s in zip(ids[0], scores[0], strict=True) if s > 0]

    def coverage(self, query: str, chunk_ids: list[str]) -> list[float]:
        """How much of the query's weight (BM25 idf of its distinct terms) each chunk holds, 0-1.

        Words the corpus never uses weigh most, so "recipe for sourdough bread" scores low
        even where "for" and "bread" match, and "cooked spaghetti comparison" scores high.
        Uses the index as the last `search` left it (checking the store costs a count).
        """
        if self._revision is None:
            self.refresh()
        query_terms = set(self._tokens([query])[0])
        if not query_terms:
            return [0.0] * len(chunk_ids)
        n = len(self._terms)
        weight = {
            t: math.log(1 + (n - self._df[t] + 0.5) / (self._df[t] + 0.5)) for t in query_terms
        }
        total = sum(weight.values())
        empty: frozenset[str] = frozenset()
        return [
            sum(w for t, w in weight.items() if t in self._terms.get(i, empty)) / total
            for i in chunk_ids
        ]


def fuse(rankings: list[list[str]], k: int = RRF_K) -> list[str]:
    """Reciprocal rank fusion: ids ordered by the sum of 1/(k + rank) over the rankings."""
    score: dict[str, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, 1):
            score[item] = score.get(item, 0.0) + 1.0 / (k + rank)
    return sorted(score, key=lambda item: -score[item])


def collapse(passages: list[Passage]) -> list[Passage]:
    """Drop passages that overlap or repeat a better-ranked one (chunks overlap by a sentence,
    and a corpus may hold the same text twice)."""
    kept: list[Passage] = []
    words: list[set[str]] = []
    for p in passages:
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


def _cosine(stored: np.ndarray | None, vector: np.ndarray) -> float:
    # Stored vectors are unit length, like the query's; a chunk deleted meanwhile scores 0.
    return 0.0 if stored is None else float(stored @ vector)


class HybridRetriever(BaseRetriever):
    """Dense and BM25 candidates fused by RRF, near-duplicates collapsed, best `k` returned.

    `mode="dense"` skips the keyword side (for comparisons) and scores by cosine alone.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)
    store: Store
    embedder: Embedder
    k: int = 6
    candidates: int = 20
    rrf_k: int = RRF_K
    keyword_weight: float = 0.3
    mode: str = "hybrid"
    _keyword: KeywordIndex | None = PrivateAttr(default=None)

    @property
    def keyword(self) -> KeywordIndex:
        """The keyword index, created on first use."""
        if self._keyword is None:
            self._keyword = KeywordIndex(self.store)
        return self._keyword

    def passages(self, query: str) -> list[Passage]:
        """The `k` best passages for `query`, best first, each scored for the relevance gate."""
        vector = self.embedder.query_vector(query)
        wanted = max(self.candidates, self.k)
        if self.mode == "dense":
            dense = self.store.query(vector.tolist(), min(wanted, self.store.count()))
            return collapse(dense)[: self.k]
        # Counting a large Chroma collection costs milliseconds: the index's freshness check
        # is the one count per question.
        self.keyword.refresh()
        wanted = min(wanted, self.keyword.size)
        dense = self.store.query(vector.tolist(), wanted)
        keyword = self.keyword.search_as_built(query, wanted)
        by_id = {p.chunk.chunk_id: p for p in dense}
        for chunk, _ in keyword:  # keyword-only hits: cosine filled in below, if they are kept
            by_id.setdefault(chunk.chunk_id, Passage(chunk, float("nan")))
        order = fuse(
            [[p.chunk.chunk_id for p in dense], [c.chunk_id for c, _ in keyword]], self.rrf_k
        )
        best = collapse([by_id[i] for i in order])[: self.k]
        missing = [p.chunk.chunk_id for p in best if math.isnan(p.score)]
        if missing:  # keyword-only hits: their stored vectors, so nothing is encoded here
            stored = self.store.vectors(missing)
            best = [
                Passage(p.chunk, _cosine(stored.get(p.chunk.chunk_id), vector))
                if math.isnan(p.score)
                else p
                for p in best
            ]
        # Relevance for the gate: the cosine plus a bonus for holding the question's rarer
        # words, so a passage the embedding blurs ("cooked spaghetti", "Core 5") can count.
        coverage = self.keyword.coverage(query, [p.chunk.chunk_id for p in best])
        return [
            Passage(p.chunk, p.score + self.keyword_weight * c)
            for p, c in zip(best, coverage, strict=True)
        ]

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        return [to_document(p) for p in self.passages(query)]
