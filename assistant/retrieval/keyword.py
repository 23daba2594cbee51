"""BM25 keyword search over the store (bm25s), and the share of a question's rare words a
chunk holds.

Real questions match whole sections better than ~200-token chunks: a section says "piriformis"
in its first paragraph and answers in its third. So BM25 ranks sections (a source's chunks that
share a heading, or a whole source without headings) and each section's best chunks come out
in that order; chunk-level BM25 only orders the chunks within a section.
"""

import logging
import math
import re
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import bm25s
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA, Levenshtein
from wordfreq import zipf_frequency

from assistant.records import Chunk
from assistant.retrieval import keyword_cache
from assistant.retrieval.spelling import SHORT_FORMS, american, bases
from assistant.store import Store
from assistant.text import FUNCTION_WORDS, STOPWORDS, terms

log = logging.getLogger(__name__)
SUBJECT_SHARE = 0.02  # a word in at most this share of chunks names a subject
TYPO_EDITS = 2  # letters a typo may get wrong in a long word (LONG_WORD letters or more)
LONG_WORD = 8
ENGLISH_ZIPF = 2.5  # a word at least this common in English is a word, not a typo of another
TYPO_WORD = 5  # letters a word needs before a near spelling may stand for it
_WORD = re.compile(rf"[a-z]{{{TYPO_WORD},}}", re.I)  # the words spelling correction looks at
WHOLE_MATCH_ZIPF = 5.0  # English words this frequent or more count for no whole match
BACKGROUND_CHUNKS = 5_000  # an index this large is rebuilt off the request path
CHUNKS_PER_SECTION = 1  # a matching section's best chunks that enter the keyword ranking
# bm25s sets its own logger to DEBUG at import, which prints a line per index build whatever
# level the CLI chose; put it back under the root logger's control.
logging.getLogger("bm25s").setLevel(logging.NOTSET)


def _swapped(word: str, known: list[str], edits: int = TYPO_EDITS) -> tuple | None:
    """The known word that `word` is with two letters swapped, within `edits` edits in all,
    the swap counting as one ("cartlidge" → "cartilage", "likley" → "likely"): the ratio
    counts a swap as two edits, which two edits in nine letters fall short of. A word as far
    from it without a swap is another word: "concussed" is not "confused", nor "kneading"
    "kneeling"."""
    found = process.extractOne(word, known, scorer=OSA.distance, score_cutoff=edits)
    if found and found[1] < Levenshtein.distance(word, found[0]):
        return found
    return None


def _cased(spelt: str, typed: str) -> str:
    """The store's spelling of a word, capitalised as the listener typed it."""
    return spelt.capitalize() if typed[:1].isupper() else spelt


def _edits(word: str) -> int:
    """The edits a typo of `word` may make: two in a long word, one in a shorter one."""
    return TYPO_EDITS if len(word) >= LONG_WORD else 1


def keyword_text(chunk: Chunk) -> str:
    """What BM25 indexes for a chunk: its title and section heading count as its words too."""
    return " ".join(p for p in (chunk.title, chunk.section, chunk.text) if p)


@dataclass(frozen=True)
class _Snapshot:
    """The index as built at one store revision; replaced whole, never changed in place, so a
    reader holding it sees one consistent index while an ingest builds the next."""

    revision: tuple | None = None
    chunks: list[Chunk] = field(default_factory=list)
    chunk_bm25: bm25s.BM25 | None = None
    sections: list[list[int]] = field(default_factory=list)  # chunk indexes of each section
    section_bm25: bm25s.BM25 | None = None
    df: Counter = field(default_factory=Counter)  # term -> number of chunks that hold it
    vocabulary: list[str] = field(default_factory=list)  # terms for spelling look-ups
    following: dict[str, Chunk] = field(default_factory=dict)  # chunk id -> next in its section
    words: dict[str, list[str]] = field(default_factory=dict)  # first letter -> words, to spell
    by_id: dict[str, Chunk] = field(default_factory=dict)
    # A chunk's terms, made when first asked for (a question asks about a few chunks).
    _terms: dict[str, frozenset[str]] = field(default_factory=dict)

    def terms_of(self, chunk_id: str) -> frozenset[str]:
        """The distinct terms of a chunk in the index (empty for one it lacks)."""
        found = self._terms.get(chunk_id)
        if found is None:
            chunk = self.by_id.get(chunk_id)
            found = frozenset(terms(keyword_text(chunk))) if chunk else frozenset()
            self._terms[chunk_id] = found
        return found


def _costly_parts(chunks: list[Chunk], sections: list[list[int]]) -> keyword_cache.Kept:
    """The parts of an index that take time to make: BM25 over chunks and over sections,
    each term's chunk count and the words spelling correction looks at."""
    tokens = [terms(keyword_text(c)) for c in chunks]
    chunk_bm25 = bm25s.BM25()
    chunk_bm25.index(tokens, show_progress=False)
    section_bm25 = bm25s.BM25()
    section_bm25.index(
        [[t for i in members for t in tokens[i]] for members in sections], show_progress=False
    )
    df = Counter(t for chunk_tokens in tokens for t in set(chunk_tokens))
    words: dict[str, list[str]] = defaultdict(list)
    for word in sorted({w for c in chunks for w in _WORD.findall(keyword_text(c).lower())}):
        words[word[0]].append(word)
    return keyword_cache.Kept(chunk_bm25, section_bm25, df, dict(words))


def _build(revision: tuple, chunks: list[Chunk], kept_in: Path | None = None) -> _Snapshot:
    groups: dict[tuple, list[int]] = defaultdict(list)
    for i, c in enumerate(chunks):
        groups[(c.source_id, c.section)].append(i)
    sections = list(groups.values())
    if not chunks:
        return _Snapshot(revision)
    ids = [c.chunk_id for c in chunks]
    kept = keyword_cache.load(kept_in, ids) if kept_in else None
    if kept is None:
        kept = _costly_parts(chunks, sections)
        if kept_in:
            keyword_cache.save(kept_in, ids, kept)
    following = {}
    for members in sections:
        ordered = sorted(members, key=lambda i: chunks[i].position)
        for a, b in zip(ordered, ordered[1:], strict=False):
            following[chunks[a].chunk_id] = chunks[b]
    return _Snapshot(
        revision,
        chunks,
        kept.chunk_bm25,
        sections,
        kept.section_bm25,
        kept.df,
        [t for t in kept.df if len(t) >= 4],
        following,
        kept.words,
        dict(zip(ids, chunks, strict=True)),
    )


class KeywordIndex:
    """BM25 over every section and chunk in the store, built on first use and rebuilt when the
    store changes."""

    def __init__(self, store: Store, kept_in: Path | None = None) -> None:
        self.store = store
        self.kept_in = kept_in  # where the built index is kept between starts, if anywhere
        self._lock = threading.Lock()
        self._snapshot = _Snapshot()

    def refresh(self) -> None:
        """Rebuild the index if the store changed since it was built (a cheap check otherwise).

        A large index is rebuilt in the background while questions keep using the last one, so
        no request waits for it; a small one (or the first) is built at once. Either way it is
        built once per change, and swapped in whole.
        """
        revision = self.store.revision()
        if revision == self._snapshot.revision:
            return
        if self._snapshot.revision is None or len(self._snapshot.chunks) < BACKGROUND_CHUNKS:
            self._rebuild(revision)
            return
        if self._lock.acquire(blocking=False):  # else a rebuild is under way already
            threading.Thread(
                target=self._rebuild_holding_lock, args=(revision,), daemon=True
            ).start()

    def _rebuild(self, revision: tuple) -> None:
        with self._lock:
            if revision != self._snapshot.revision:
                self._swap(revision)

    def _rebuild_holding_lock(self, revision: tuple) -> None:
        try:
            self._swap(revision)
        except Exception:  # the last index stays; the next question tries again
            log.exception("rebuilding the keyword index failed")
        finally:
            self._lock.release()

    def _swap(self, revision: tuple) -> None:
        self._snapshot = _build(revision, self.store.all_chunks(), self.kept_in)
        log.info("keyword index built over %d chunks", len(self._snapshot.chunks))

    def _built(self) -> _Snapshot:
        if self._snapshot.revision is None:
            self.refresh()
        return self._snapshot

    @property
    def size(self) -> int:
        """Chunks in the index as last built."""
        return len(self._snapshot.chunks)

    def share_of(self, word: str) -> float:
        """The share of chunks holding `word` (as its stem), 0 for a word the store lacks."""
        snap = self._built()
        stems = terms(word)
        return snap.df.get(stems[0], 0) / max(len(snap.chunks), 1) if stems else 1.0

    def knows(self, word: str) -> bool:
        """Whether the store holds `word`, the word a listener's short form stands for ("butt"
        for "buttocks"), its American spelling ("paediatrician"), or, for a word that is not
        itself English, a word a typo or two away ("piriformus", "cartlidge"): two edits in a
        long word, one in a shorter one, two letters swapped counting as one. A looser likeness
        took "microdiscectomy" for "discectomy"; an English word is never taken for a typo of
        another ("stitch" is not "switch")."""
        if self.share_of(word) > 0:
            return True
        lowered = word.lower()
        if any(self.share_of(meant) > 0 for meant in SHORT_FORMS.get(lowered, ())):
            return True
        if any(self.share_of(base) > 0 for base in bases(lowered)):
            return True  # "safer" of "safe", "loosen" of "loose": the stemmer keeps them apart
        if (spelt := american(lowered)) and self.share_of(spelt) > 0:
            return True
        stems = terms(word)
        if not stems or len(stems[0]) < TYPO_WORD or zipf_frequency(lowered, "en") >= ENGLISH_ZIPF:
            return False
        snap = self._built()
        found = process.extractOne(
            stems[0], snap.vocabulary, scorer=OSA.distance, score_cutoff=_edits(stems[0])
        )
        # A letter before a word the store has names something else ("csection" of "C-section"
        # is no typo of "section"); a doubled first letter is a typo ("ssciatica").
        if found is not None and (found[0] != stems[0][1:] or stems[0][0] == stems[0][1]):
            return True
        # The stems of a typo and of its word can lie further apart than the words do:
        # "likley" is one swap from "likely", whose stem is "like".
        return _swapped(lowered, snap.words.get(lowered[0], []), edits=1) is not None

    def spelled(self, text: str) -> str:
        """`text` with each word the store lacks (five letters or more) spelt as the store
        spells it: the American way ("paediatrician" → "pediatrician"), or the store's word a
        typo or two away, same first letter ("sciatia" → "sciatica", "cartlidge" →
        "cartilage", "likley" → "likely"); else as it was. An English word is left as typed:
        "pilates" is not a typo of "plates", nor "statins" of "station"."""
        snap = self._built()

        def fix(match: re.Match) -> str:
            word = match.group(0)
            lowered = word.lower()
            known = snap.words.get(lowered[0], [])
            if len(lowered) < TYPO_WORD or lowered in known:
                return word
            if (spelt := american(lowered)) and spelt in snap.words.get(spelt[0], ()):
                return _cased(spelt, word)
            if zipf_frequency(lowered, "en") >= ENGLISH_ZIPF:
                return word
            found = process.extractOne(lowered, known, scorer=fuzz.ratio, score_cutoff=85)
            if not found:
                found = _swapped(lowered, known, _edits(lowered))
            return _cased(found[0], word) if found else word

        return _WORD.sub(fix, text)

    def following(self, chunk: Chunk) -> Chunk | None:
        """The chunk after `chunk` in its source's section, if there is one."""
        return self._built().following.get(chunk.chunk_id)

    def names_a_subject(self, word: str) -> bool:
        """Whether `word` is rare in the store (or unknown to it): it names a subject, like
        "stenosis" or "piriformis", where "pain" or "back" say nothing of one here."""
        return self.share_of(word) <= SUBJECT_SHARE

    def search(self, query: str, k: int) -> list[tuple[Chunk, float]]:
        """Up to `k` chunks sharing words with `query`, best first (see the module's note)."""
        self.refresh()
        return self.search_as_built(query, k)

    def search_as_built(self, query: str, k: int) -> list[tuple[Chunk, float]]:
        """`search` on the index as last built, without checking the store (a count): the best
        sections' best chunks (at most CHUNKS_PER_SECTION each), each with its section's score."""
        snap = self._snapshot
        if snap.chunk_bm25 is None or k <= 0:
            return []
        tokens = [t for t in terms(query) if t in snap.chunk_bm25.vocab_dict]
        if not tokens:
            return []
        ids, scores = snap.section_bm25.retrieve(
            [tokens], k=min(k, len(snap.sections)), show_progress=False
        )
        chunk_scores = snap.chunk_bm25.get_scores(tokens)
        found: list[tuple[Chunk, float]] = []
        for section, score in zip(ids[0], scores[0], strict=True):
            if score <= 0:
                break
            members = sorted(snap.sections[int(section)], key=lambda i: -chunk_scores[i])
            found += [(snap.chunks[i], float(score)) for i in members[:CHUNKS_PER_SECTION]]
        return found[:k]

    def holds_every_known_word(self, query: str, chunk_ids: list[str]) -> list[bool]:
        """For each chunk, whether it holds every one of the question's words that the store
        knows and that are not everyday English, when there are two or more ("cooked
        spaghetti"; "good morning" names nothing)."""
        snap = self._built()
        words = terms(query, STOPWORDS | FUNCTION_WORDS, stem=False, tails=False)
        uncommon = [w for w in words if zipf_frequency(w, "en") < WHOLE_MATCH_ZIPF]
        wanted = {t for t in terms(" ".join(uncommon), tails=False) if snap.df.get(t)}
        if len(wanted) < 2:
            return [False] * len(chunk_ids)
        return [wanted <= snap.terms_of(i) for i in chunk_ids]

    def coverage(self, query: str, chunk_ids: list[str]) -> list[float]:
        """How much of the query's weight (BM25 idf of its distinct terms) each chunk holds, 0-1.

        Words the corpus never uses weigh most, so "recipe for sourdough bread" scores low
        even where "for" and "bread" match, and "cooked spaghetti comparison" scores high.
        Uses the index as the last `search` left it (checking the store costs a count).
        """
        snap = self._built()
        query_terms = set(terms(query))
        if not query_terms:
            return [0.0] * len(chunk_ids)
        n = len(snap.chunks)
        weight = {t: math.log(1 + (n - snap.df[t] + 0.5) / (snap.df[t] + 0.5)) for t in query_terms}
        total = sum(weight.values())
        return [
            sum(w for t, w in weight.items() if t in snap.terms_of(i)) / total for i in chunk_ids
        ]
