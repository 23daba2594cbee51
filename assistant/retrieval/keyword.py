"""BM25 keyword search over every chunk in the store (bm25s), and the share of a question's
rare words a chunk holds."""

import logging
import math
import threading
from collections import Counter

import bm25s
from rapidfuzz import fuzz, process

from assistant.records import Chunk
from assistant.store import Store
from assistant.text import terms

log = logging.getLogger(__name__)
SUBJECT_SHARE = 0.02  # a word in at most this share of chunks names a subject
# bm25s sets its own logger to DEBUG at import, which prints a line per index build whatever
# level the CLI chose; put it back under the root logger's control.
logging.getLogger("bm25s").setLevel(logging.NOTSET)


def keyword_text(chunk: Chunk) -> str:
    """What BM25 indexes for a chunk: its title and section heading count as its words too."""
    return " ".join(p for p in (chunk.title, chunk.section, chunk.text) if p)


class KeywordIndex:
    """BM25 over every chunk in the store, built on first use and rebuilt when the store changes."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._revision: tuple | None = None
        self._chunks: list[Chunk] = []
        self._bm25: bm25s.BM25 | None = None
        self._terms: dict[str, frozenset[str]] = {}  # chunk id -> its distinct terms
        self._df: Counter[str] = Counter()  # term -> number of chunks that hold it
        self._vocabulary_list: list[str] = []  # the terms of `_vocabulary_of`, for spelling
        self._vocabulary_of: Counter[str] | None = None

    def _tokens(self, texts: list[str]) -> list[list[str]]:
        return [terms(t) for t in texts]

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

    def share_of(self, word: str) -> float:
        """The share of chunks holding `word` (as its stem), 0 for a word the store lacks."""
        if self._revision is None:
            self.refresh()
        stems = terms(word)
        return self._df.get(stems[0], 0) / max(len(self._terms), 1) if stems else 1.0

    def knows(self, word: str) -> bool:
        """Whether the store holds `word`, or a word a typo or two away ("piriformus")."""
        if self.share_of(word) > 0:
            return True
        stems = terms(word)
        if not stems or len(stems[0]) < 5:
            return False
        vocabulary = self._vocabulary()
        return (
            process.extractOne(stems[0], vocabulary, scorer=fuzz.ratio, score_cutoff=80) is not None
        )

    def _vocabulary(self) -> list[str]:
        df = self._df  # the list is rebuilt when the index is
        if self._vocabulary_of is not df:
            self._vocabulary_list, self._vocabulary_of = [t for t in df if len(t) >= 4], df
        return self._vocabulary_list

    def names_a_subject(self, word: str) -> bool:
        """Whether `word` is rare in the store (or unknown to it): it names a subject, like
        "stenosis" or "piriformis", where "wrong" or "work" say nothing of one."""
        return self.share_of(word) <= SUBJECT_SHARE

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
