"""The default answerer: the passage that best answers the question, quoted as a coherent
excerpt (see `assistant.markup`), and at most two more from other sources that add to it."""

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from itertools import pairwise

import numpy as np

from assistant.answering import excerpts, passage_runs
from assistant.answering.aspects import aspects, own_heading
from assistant.answering.condense import asked_of, asking_clause
from assistant.citations import cite_excerpts
from assistant.embedding import Embedder
from assistant.markup import unmarked
from assistant.prompts import ALL_SAID, CANNOT_ANSWER
from assistant.records import Answer, Chunk, Passage
from assistant.text import STOPWORDS, terms

MIN_WORDS = 5  # a shorter sentence ("They do rush it.") is never the one marked as the answer
MAX_CACHED_SENTENCES = 50_000
# Sentences embedded per answer at most: encoding them is most of an answer's time on a CPU,
# so past this many the cheap word-overlap ranking picks which are worth it. Ten cut the answer
# out of view (a sentence that answers need not share the question's words); forty covered
# the four passages once judged, at about 30-60 ms more at p95 on 2,000 passages (cached
# afterwards), and with eight each passage's best sentence still comes first.
MAX_SCORED = 40
MAX_MARKED = 2  # sentences marked in one excerpt at most, so a skim gets the point
MARK_MARGIN = 0.05  # sentences this close to the best one's fit are marked too
NEW_SHARE = 0.4  # an extra excerpt's words that must be new for it to be added
SEEN_PENALTY = 0.15  # a sentence an earlier answer quoted fits this much worse
PASSAGE_WEIGHT = 0.7  # a passage's retrieval relevance, in how well it answers
SENTENCE_WEIGHT = 0.3  # its best sentence's fit to the question
HEADING_WEIGHT = 0.2  # a title or section heading that names what was asked says "answer here"
# A passage whose own heading names the aspect asked ("how is it treated": "What are the
# treatments for …"). 0.1 lost no case; 0.15 lost some (evals/BASELINE.md, ninth session).
ASPECT_WEIGHT = 0.1
EXTRA_MARGIN = 0.1  # another source's excerpt is added when it scores this close to the lead
# New material first, but not at the answer's cost: a follow-up's best passage is quoted again,
# though the chat showed it, when every new one answers this much worse ("will I recover
# fully?" after an answer that said "most people recover").
REPEAT_MARGIN = 0.05
# A sentence holding the question's words in the question's order ("what causes fibromyalgia"
# in "No one knows what causes fibromyalgia") fits it this much better when it holds all its
# word pairs: the embedding alone ties it with "Fibromyalgia is a disorder that causes…".
PHRASE_WEIGHT = 0.2
# A sentence's fit to a question that holds more than its asking clause is mixed from its fit
# to the whole question and to that clause, this much the clause's.
CLAUSE_WEIGHT = 0.6
# A sentence's fit is judged on its first words: long list-like "sentences" would otherwise
# cost several times a normal one, and their opening says what they are about.
SCORED_WORDS = 40
# "Genetic Testing Registry: Ankylosing spondylitis": a name of two or more capitalised words,
# a colon, a short title. "Treatment: Rest and ice" or "Host: …" is no such name.
_NAME_WORD = r"(?:[A-Z][\w'’&-]*|of|for|the|and|on|in)"
_REFERENCE = re.compile(
    rf"^\s*(?:[-•*]\s+)?[A-Z][\w'’&-]*(?: {_NAME_WORD}){{1,5}}: [A-Z][^.!?:]{{0,80}}$"
)
_QUESTION_WORDS = {"i", "my", "me", "what", "why", "how", "does", "do", "can", "should", "is"}
_IGNORED = STOPWORDS | _QUESTION_WORDS


@dataclass(frozen=True)
class _Candidate:
    passage_rank: int
    index: int  # of the unit in its passage
    sentence: str


def refusal() -> Answer:
    """The polite "not covered" answer, with no sources."""
    return Answer(text=CANNOT_ANSWER, refused=True, sources=[])


class ExtractiveAnswerer:
    """Quotes up to `max_excerpts` excerpts from the passages that clear the relevance gate."""

    def __init__(
        self,
        embedder: Embedder,
        min_relevance: float,
        max_excerpts: int = 3,
        # Every passage retrieval returns is judged (8 by default): the one that answers best
        # may sit last in the fused order ("what kind of exercise should a 70 year old be
        # doing": "Exercise for Seniors" scored highest and came 6th). The sentences encoded
        # stay at MAX_SCORED whatever the count.
        max_passages: int = 12,
        following: Callable[[Chunk], Chunk | None] | None = None,
    ) -> None:
        self.embedder = embedder
        self.following = following  # the next chunk of a passage's section, to go on into
        self.min_relevance = min_relevance
        self.max_excerpts = max_excerpts
        self.max_passages = max_passages
        # Sentence vectors by sentence text (a sentence's vector depends on nothing else): a
        # chat answers from the same few chunks again and again.
        self._vectors: dict[str, np.ndarray] = {}

    def _shortlist(
        self, question: str, candidates: list["_Candidate"], relevant: list[Passage]
    ) -> list["_Candidate"]:
        """At most MAX_SCORED candidates, ranked by the question words they hold plus their
        passage's relevance, each passage's best one first (so no passage goes unjudged),
        kept in their reading order."""
        if len(candidates) <= MAX_SCORED:
            return candidates
        wanted = set(terms(question, _IGNORED))

        def rank(c: _Candidate) -> float:
            held = len(wanted & set(terms(c.sentence, _IGNORED))) / len(wanted) if wanted else 0.0
            return held + relevant[c.passage_rank].match

        order = sorted(range(len(candidates)), key=lambda i: -rank(candidates[i]))
        firsts = {candidates[i].passage_rank: i for i in reversed(order)}
        keep = list(firsts.values())[:MAX_SCORED]
        keep += [i for i in order if i not in keep][: MAX_SCORED - len(keep)]
        return [candidates[i] for i in sorted(keep)]

    def _sentence_vectors(self, sentences: list[str]) -> np.ndarray:
        """Embeddings of `sentences`, in order, cached by text."""
        # A local copy, so another thread clearing the cache meanwhile can't lose a vector.
        found = {s: v for s in set(sentences) if (v := self._vectors.get(s)) is not None}
        missing = [s for s in dict.fromkeys(sentences) if s not in found]
        if missing:
            heads = [" ".join(s.split()[:SCORED_WORDS]) for s in missing]
            # One at a time: the int8 model scales its activations by the whole batch, so a
            # sentence encoded beside others got a vector a little off (cosine 0.99), and the
            # same question a different answer depending on what was asked before it. Alone,
            # it costs about the same (no padding), and the cache above holds.
            fresh = dict(zip(missing, self.embedder.encode(heads, batch_size=1), strict=True))
            found.update(fresh)
            if len(self._vectors) + len(fresh) > MAX_CACHED_SENTENCES:
                self._vectors.clear()
            self._vectors.update(fresh)
        return np.stack([found[s] for s in sentences])

    def __call__(
        self,
        question: str,
        passages: list[Passage],
        seen: frozenset[str] = frozenset(),
        repeat_best: bool = False,
    ) -> Answer:
        """An answer quoting `passages` as excerpts, best answer first, or the refusal when none
        is relevant enough. `seen` holds sentences earlier answers quoted (normalised by
        `sentence_key`): they count for less, and an excerpt that would only repeat them is
        left out; when nothing new is left, the answer says so. With `repeat_best` (a follow-up
        that asks something of its own) the best passage is quoted again, whole, when nothing
        new answers nearly as well."""
        relevant = [p for p in passages if p.score >= self.min_relevance]
        if self.following is not None:
            relevant = passage_runs.runs_joined(relevant, self.following)
        relevant = relevant[: self.max_passages]
        if not relevant:
            return refusal()
        found = [excerpts.units(p.chunk) for p in relevant]
        candidates = _candidates(found)
        if not candidates:
            return refusal()
        if seen and not repeat_best and all(sentence_key(c.sentence) in seen for c in candidates):
            return all_said()
        candidates = self._shortlist(question, candidates, relevant)
        similarity = self._fit(question, [c.sentence for c in candidates], seen)
        headings = [" ".join(x for x in (p.chunk.title, p.chunk.section) if x) for p in relevant]
        heading_fit = self._sentence_vectors(headings) @ self.embedder.query_vector(question)
        aspect_named = _aspect_named(question, relevant)
        every = _judge(relevant, candidates, similarity, heading_fit, aspect_named)
        judged, again = _new_first(every, found, seen, repeat_best)
        if not judged:
            return all_said()
        lead = judged[0]
        # Quoted again whole: trimming what the chat showed could drop a caveat ("However, in
        # some cases, the damage is irreversible").
        lead_seen = frozenset() if again else seen
        made = [self._excerpt(relevant[lead.rank], found[lead.rank], lead, lead_seen)]
        sources = {lead.source_id}
        for other in judged[1:]:
            if len(made) >= self.max_excerpts or other.score < lead.score - EXTRA_MARGIN:
                break
            if other.source_id in sources or _quoted(found[other.rank][other.best].text, made):
                continue  # another source's copy of a sentence already quoted adds nothing
            excerpt = self._excerpt(relevant[other.rank], found[other.rank], other, seen)
            if _adds_something(excerpt[2], [m[2] for m in made]):
                made.append(excerpt)
                sources.add(other.source_id)
        return cite_excerpts(made)

    def _fit(self, question: str, sentences: list[str], seen: frozenset[str]) -> np.ndarray:
        """How well each sentence answers `question`: the embedding's fit, to the clause that
        asks as well as to the whole question, plus the question's word pairs it holds, less
        for a sentence the chat already showed (new material first)."""
        vectors = self._sentence_vectors(sentences)
        fit = vectors @ self.embedder.query_vector(question)
        clause = asked_of(question)
        if clause:
            # "calf cramps at night keep waking me up, how do i make them stop": the whole
            # question is about cramps; the clause (with "cramps" for "them") says what is
            # asked of them.
            asked = vectors @ self.embedder.query_vector(clause)
            fit = (1 - CLAUSE_WEIGHT) * fit + CLAUSE_WEIGHT * asked
        fit = fit + PHRASE_WEIGHT * np.array(_pairs_held(question, sentences))
        return fit - SEEN_PENALTY * np.array([sentence_key(s) in seen for s in sentences])

    def _excerpt(
        self, passage: Passage, units: list, judged: "_Judged", seen: frozenset[str]
    ) -> tuple[str, Passage, str]:
        span = excerpts.window(units, judged.best, judged.marked)
        if span[1] == len(units) - 1 and self.following is not None:
            # The window reaches the chunk's end: the thought may go on in the next chunk
            # ("Walk us through the bird dog…" is answered after the chunk boundary).
            after = passage_runs.chunk_beyond(passage.chunk, self.following)
            longer = passage_runs.joined(passage.chunk, after) if after else None
            if longer is not None:
                passage = Passage(longer, passage.score, passage.about)
                units = excerpts.units(longer)
                span = excerpts.window(units, judged.best, judged.marked)
        span = _without_seen(units, span, judged.best, seen)
        marked = {i for i in judged.marked if span[0] <= i <= span[1]}
        text = excerpts.render(passage.chunk, units, span, marked)
        if self.following is not None:
            # Read across chunks, the quote is cited as the chunk that holds its answering
            # sentence, so its link shows that sentence.
            focus = min(marked) if marked else span[0]
            start = passage.chunk.start_char + units[focus].start
            cited = passage_runs.chunk_at(passage.chunk, start, self.following)
            passage = Passage(replace(passage.chunk, chunk_id=cited), passage.score, passage.about)
        return text, passage, excerpts.quote(passage.chunk, units, span)


@dataclass(frozen=True)
class _Judged:
    """How well one passage answers: its score, its best unit and the units worth marking."""

    rank: int
    source_id: str
    score: float
    best: int
    marked: set[int]


def _candidates(found: list[list]) -> list[_Candidate]:
    """The units of each passage (`found`, by rank) that can be judged the answer."""
    return [
        _Candidate(rank, i, unit.text)
        for rank, units in enumerate(found)
        for i, unit in enumerate(units)
        if not unit.heading
        and len(unit.text.split()) >= MIN_WORDS
        # A question in the source (a host's, in a Q&A) reads like the listener's, but the
        # answer is what follows it.
        and not unit.text.rstrip().endswith("?")
        # A reference ("- Genetic Testing Registry: Ankylosing spondylitis") names where to
        # read more; it answers nothing.
        and not _REFERENCE.match(unit.text)
    ]


def _new_first(
    every: list["_Judged"], found: list[list], seen: frozenset[str], repeat_best: bool
) -> tuple[list["_Judged"], bool]:
    """The judged passages that say something the chat has not shown, best first, and whether
    the best of all leads again before them (`repeat_best`, and none new comes within
    REPEAT_MARGIN of it)."""
    judged = [j for j in every if not seen or _says_something_new(found[j.rank], j, seen)]
    again = (
        repeat_best
        and bool(every)
        and (not judged or judged[0].score < every[0].score - REPEAT_MARGIN)
    )
    return ([every[0], *judged] if again else judged), again


def _aspect_named(question: str, passages: list[Passage]) -> list[bool]:
    """Whether each passage's own heading names what the question asks of its subject (see
    `aspects`): "how is it treated" and "What are the treatments for …?"."""
    # The clause that asks, not the story around it ("my therapist said…").
    asked = aspects(asking_clause(question) or question)
    return [bool(asked & aspects(own_heading(p.chunk.title, p.chunk.section))) for p in passages]


def _judge(relevant, candidates, similarity, heading_fit, aspect_named) -> list[_Judged]:
    """Passages that have a scored sentence, best answer first: a passage counts for its own
    relevance, its best sentence's fit and a heading that names what was asked."""
    by_passage: dict[int, list[tuple[float, int]]] = {}
    for c, s in zip(candidates, similarity, strict=True):
        by_passage.setdefault(c.passage_rank, []).append((float(s), c.index))
    judged = []
    for rank, scored in by_passage.items():
        best_sim, best = max(scored)
        close = sorted((x for x in scored if x[0] >= best_sim - MARK_MARGIN), reverse=True)
        marked = {i for _, i in close[:MAX_MARKED]}
        score = (
            PASSAGE_WEIGHT * relevant[rank].match
            + SENTENCE_WEIGHT * best_sim
            + HEADING_WEIGHT * heading_fit[rank]
            + ASPECT_WEIGHT * aspect_named[rank]
        )
        judged.append(_Judged(rank, relevant[rank].chunk.source_id, score, best, marked))
    return sorted(judged, key=lambda j: -j.score)


def _pairs_held(question: str, sentences: list[str]) -> list[float]:
    """For each sentence, the share of the question's neighbouring word pairs (stop words
    aside) that stand next to each other in it too."""
    # A condensed story's subject words follow its asking sentence rarest first, so their
    # pairs are no listener's phrase; they rarely stand together in a sentence either.
    asked = terms(question, _IGNORED)
    pairs = set(pairwise(asked))
    if not pairs:
        return [0.0] * len(sentences)
    held = []
    for sentence in sentences:
        words = terms(sentence, _IGNORED)
        held.append(len(pairs & set(pairwise(words))) / len(pairs))
    return held


def _without_seen(
    units: list, span: tuple[int, int], best: int, seen: frozenset[str]
) -> tuple[int, int]:
    """A follow-up's excerpt without the sentences at its edges that the chat already showed:
    the listener has just read them, and an answer that opens on them reads as a repeat."""
    first, last = span
    while first < best and sentence_key(units[first].text) in seen:
        first += 1
    while last > best and sentence_key(units[last].text) in seen:
        last -= 1
    return first, last


def _says_something_new(units: list, judged: "_Judged", seen: frozenset[str]) -> bool:
    first, last = excerpts.window(units, judged.best, judged.marked)
    return any(sentence_key(units[i].text) not in seen for i in range(first, last + 1))


def _adds_something(quote: str, quoted: list[str]) -> bool:
    """Whether an extra excerpt says something the ones before it do not: another source
    often repeats a page nearly word for word."""
    words = set(terms(quote))
    before = set().union(*(terms(q) for q in quoted))
    return bool(words) and len(words - before) / len(words) >= NEW_SHARE


def _quoted(sentence: str, made: list[tuple[str, Passage, str]]) -> bool:
    """Whether an excerpt already made quotes `sentence`."""
    key = sentence_key(sentence)
    return any(key in sentence_key(quote) for _, _, quote in made)


def sentence_key(sentence: str) -> str:
    """A sentence as compared with earlier answers: marks gone, case and spacing folded."""
    return " ".join(unmarked(sentence).lower().split())


def all_said() -> Answer:
    """Nothing new is left to quote on this topic."""
    return Answer(text=ALL_SAID, refused=True, sources=[])
