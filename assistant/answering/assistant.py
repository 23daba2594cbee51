"""The assistant's entry point: a question (and the chat so far) to a cited answer."""

import logging
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import partial

from langchain_core.language_models import BaseChatModel

from assistant import markup
from assistant.answering import coverage
from assistant.answering.condense import asked_of, condense
from assistant.answering.extractive import ExtractiveAnswerer, refusal, sentence_key
from assistant.answering.followup import (
    answers_not_to_repeat,
    asks_its_own,
    carry_topic,
    one_line,
    rewrite_with_llm,
    topic_query,
    topic_turns,
)
from assistant.answering.safety import red_flags
from assistant.answering.small_talk import small_talk_reply
from assistant.citations import cited_numbers, piece_ends, strip_markers
from assistant.embedding import Embedder, load_embedder
from assistant.prompts import (
    ALL_SAID,
    ALL_SAID_ABOUT,
    EMPTY_QUESTION,
    QUESTION_TOO_LONG,
    TOO_MANY_TURNS,
    TOPIC_CHARS,
    TURN_TOO_LONG,
    URGENT_CARE,
)
from assistant.records import Answer, Passage
from assistant.retrieval.hybrid import HybridRetriever
from assistant.settings import Settings
from assistant.store import Store
from assistant.text import split_sentences

log = logging.getLogger(__name__)

# The seam where an LLM answerer plugs in: anything that turns the question, its passages, the
# sentences earlier answers quoted and whether the best passage may be quoted again into an
# Answer. One with a `stream(...)` method of the same arguments streams through it.
Answerer = Callable[[str, list[Passage], frozenset[str], bool], Answer]
History = Sequence[tuple[str, str]]  # (question, answer) pairs, oldest first
# Turns a follow-up into a standalone question, given the chat so far.
Condenser = Callable[[str, History], str]


# Zero-width and format characters: a question of only these is as empty as "".
_INVISIBLE = re.compile("[\u200b-\u200f\u2028-\u202f\u2060-\u206f\ufeff\u00ad]")


def check_question(question: str, max_chars: int) -> str | None:
    """Why `question` can't be answered as asked (a message for the listener), or None."""
    if not question or not _INVISIBLE.sub("", question).strip():
        return EMPTY_QUESTION
    if len(question) > max_chars:
        return QUESTION_TOO_LONG.format(length=len(question), limit=max_chars)
    return None


def check_history(
    history: History, max_turns: int, max_question_chars: int, max_answer_chars: int
) -> str | None:
    """Why earlier turns sent with a question can't be taken (a message), or None: too many of
    them, or a question or answer longer than the chat could have shown."""
    if len(history) > max_turns:
        return TOO_MANY_TURNS.format(turns=len(history), limit=max_turns)
    for n, (question, answer) in enumerate(history, 1):
        for part, text, limit in (
            ("a question", question, max_question_chars),
            ("an answer", answer, max_answer_chars),
        ):
            if len(text) > limit:
                return TURN_TOO_LONG.format(n=n, part=part, length=len(text), limit=limit)
    return None


def _label(
    answer: Answer,
    unmentioned: list[str],
    unanswered: Callable[[Answer], list[str]] | None = None,
    nothing_near: bool = False,
) -> Answer:
    """The answer labelled as only the nearest thing the podcast covers, when the question
    names something it never mentions, or (given `unanswered`, for an answer whose whole text
    is known before it is shown) what it asks that this answer never names; the refusal
    instead when `nothing_near` (see `coverage.nothing_near`)."""
    if answer.refused or answer.urgent:
        return answer
    if unmentioned:
        label = coverage.nearest_label(unmentioned)
    elif unanswered and (missing := unanswered(answer)):
        label = coverage.nearest_label(missing, exactly=True)
    else:
        return answer
    if nothing_near:
        return refusal()
    return replace(answer, text=f"{markup.note(label)}\n\n{answer.text}", exact=False)


def _all_said_about(answer: Answer, topic: list[str]) -> Answer:
    """The answer that nothing new is left, naming the question the chat's topic started with."""
    if answer.text != ALL_SAID or not topic:
        return answer
    return replace(answer, text=ALL_SAID_ABOUT.format(topic=one_line(topic[0], TOPIC_CHARS)))


def quoted_before(history: History) -> frozenset[str]:
    """The sentences earlier answers of the chat quoted, as `sentence_key` compares them."""
    return frozenset(
        sentence_key(sentence)
        for _, answer in history
        for sentence in split_sentences(markup.plain(strip_markers(answer)))
    )


def urgent_answer() -> Answer:
    """The fixed urgent-care message for a red-flag symptom: no sources, no exercise advice."""
    return Answer(text=URGENT_CARE, refused=False, sources=[], urgent=True)


@dataclass
class Assistant:
    """Retrieval plus an answerer over one store; build once per process with `from_settings`."""

    settings: Settings
    store: Store
    embedder: Embedder
    retriever: HybridRetriever
    answerer: Answerer
    condense: Condenser = topic_query
    # Whether the answerer judges passages on the listener's own (condensed) words rather than
    # the standalone query: right for the rule, whose query is the topic glued to the question.
    judge_on_own_words: bool = False

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        store: Store | None = None,
        chat_model: BaseChatModel | None = None,
        embedder: Embedder | None = None,
    ) -> "Assistant":
        """Open the store, load the embedder and pick the answerer the settings ask for
        (`chat_model` overrides `settings.llm`, and `embedder` the packaged model, for tests
        and embedding)."""
        from assistant.answering.llm import LLMAnswerer, load_chat_model

        store = store or Store(settings)
        embedder = embedder or load_embedder(settings)
        retriever = HybridRetriever(
            store=store,
            embedder=embedder,
            k=settings.top_k,
            candidates=settings.retrieval_candidates,
            rrf_k=settings.rrf_k,
            keyword_weight=settings.keyword_weight,
            mode=settings.retrieval,
            keyword_kept_in=settings.keyword_index_path,
        )
        extractive = ExtractiveAnswerer(
            embedder, settings.min_relevance, following=retriever.keyword.following
        )
        if chat_model is None and settings.llm:
            chat_model = load_chat_model(settings)
        if chat_model is None:
            condense = partial(topic_query, specific=retriever.keyword.names_a_subject)
            return cls(settings, store, embedder, retriever, extractive, condense, True)
        answerer = LLMAnswerer(
            chat_model,
            extractive,
            settings.min_relevance,
            timeout=settings.llm_timeout,
            retries=settings.llm_retries,
        )
        return cls(
            settings, store, embedder, retriever, answerer, partial(rewrite_with_llm, chat_model)
        )

    def standalone(self, question: str, history: History = ()) -> str:
        """The question as it stands alone: typos the store can correct corrected ("sciatia"),
        a long story condensed to what it asks, and a follow-up carrying the chat's topic."""
        return self._with_topic(self._own_words(question), history)

    def _own_words(self, question: str) -> str:
        """The listener's question, typos corrected and a long story condensed."""
        keyword = self.retriever.keyword
        return condense(keyword.spelled(question.strip()), keyword.share_of)

    def _with_topic(self, own: str, history: History) -> str:
        if not history:
            return own
        share = self.retriever.keyword.share_of
        return self.condense(own, [(condense(q, share), a) for q, a in history])

    def retrieve(self, question: str, history: History = ()) -> list[Passage]:
        """The passages the answer is built from, best first."""
        own = self._own_words(question)
        names = self.retriever.keyword.names_a_subject
        follow_up = carry_topic(question.strip(), history, names) != question.strip()
        return self._search(own, self._with_topic(own, history), follow_up)

    def _search(self, own: str, alone: str, follow_up: bool) -> list[Passage]:
        """Passages for the standalone question `alone`; for a question that is no follow-up
        and tells something before it asks, the clause that asks (in `own`, the listener's
        words) searches too. A follow-up's clause alone would lose the chat's topic."""
        return self.retriever.passages(alone, None if follow_up else asked_of(own))

    def _prepare(self, question: str, history: History) -> Answer | tuple:
        """An answer that needs no answerer (a problem, a red flag), or what the answerer gets
        (the query, the passages, the sentences earlier answers quoted, whether the best passage
        may be quoted again), the question's words
        the store never mentions (for the "nearest it covers" label) and, for a follow-up, the
        questions of the chat's topic (for "that's all the podcast says about…")."""
        problem = check_question(question, self.settings.max_question_chars)
        if problem:
            return Answer(text=problem, refused=True, sources=[])
        if reply := small_talk_reply(question):
            return Answer(text=reply, refused=False, sources=[])  # nothing quoted, nothing claimed
        if red_flags(question):
            return urgent_answer()
        # A follow-up is checked with the turns it follows ("and now my other leg too?"), in the
        # listener's own words: a condensed story's word list would lose "no" from "no fever".
        keyword = self.retriever.keyword
        carried = carry_topic(question.strip(), history, keyword.names_a_subject)
        if carried != question.strip() and red_flags(carried):
            return urgent_answer()
        own = self._own_words(question)
        alone = self._with_topic(own, history)
        passages = self._search(own, alone, carried != question.strip())
        log.debug("retrieved %s", [(p.chunk.chunk_id, round(p.score, 3)) for p in passages])
        relevant = any(p.score >= self.settings.min_relevance for p in passages)
        unmentioned = coverage.unmentioned(question, keyword.knows) if relevant else []
        nothing_near = coverage.nothing_near(passages)
        if unmentioned and nothing_near:
            return refusal()  # before an LLM is asked for an answer that would be refused
        # The rule's query is the topic glued to the question: then the passages carry the topic
        # and the listener's own words say what is asked.
        query = own if self.judge_on_own_words else alone
        # New material first is for follow-ups; a question that stands alone, asked again in
        # other words, gets its answer again.
        seen = (
            quoted_before(answers_not_to_repeat(question, history))
            if carried != question.strip()
            else frozenset()
        )
        topic = topic_turns(history, keyword.names_a_subject) if seen else []
        # Decided on what the listener typed: with an LLM the query is the rewrite, which
        # always names a subject, even of a bare "what else?".
        repeat_best = bool(seen) and asks_its_own(question)
        return query, passages, seen, repeat_best, unmentioned, nothing_near, topic

    def _unanswered(self, question: str) -> Callable[[Answer], list[str]]:
        """What `question` asks that an answer never names: an abbreviation ("ACL"), every one
        of its subject words (see `coverage.unanswered_subjects`), or the thing it asks is good
        or safe for what it names ("a hot tub", see `coverage.unanswered_thing`)."""
        keyword = self.retriever.keyword

        def missing(answer: Answer) -> list[str]:
            said = " ".join(
                [answer.text, *(f"{s.title} {s.section or ''}" for s in answer.sources)]
            )
            encode, spell = self.embedder.encode, keyword.spelled
            return (
                coverage.unanswered_abbreviations(question, answer.text)
                or coverage.unanswered_subjects(
                    question, said, keyword.names_a_subject, encode, spell
                )
                or coverage.unanswered_thing(question, said, keyword.names_a_subject, encode, spell)
            )

        return missing

    def answer(self, question: str, history: History = ()) -> Answer:
        """A cited answer, the refusal when the podcast doesn't cover it, the urgent-care message
        for a red-flag symptom, or why the question can't be taken (empty, too long)."""
        prepared = self._prepare(question, history)
        if isinstance(prepared, Answer):
            return prepared
        *given, unmentioned, nothing_near, topic = prepared
        # An LLM's answer streams as it is written, so only the extractive one (known whole
        # before it is shown) is checked for what it never names, here as in `stream`.
        whole = None if hasattr(self.answerer, "stream") else self._unanswered(question)
        answer = self.answerer(*given)
        return _all_said_about(_label(answer, unmentioned, whole, nothing_near), topic)

    def stream(self, question: str, history: History = ()) -> Iterator[Answer]:
        """The answer as it grows: each item is the answer so far, the last one is final.

        An LLM answerer streams checked sentences as the model writes them; the extractive
        answerer has its whole answer at once, so it is released an excerpt at a time.
        """
        prepared = self._prepare(question, history)
        if isinstance(prepared, Answer):
            yield prepared
            return
        *given, unmentioned, nothing_near, topic = prepared
        stream = getattr(self.answerer, "stream", None)
        if stream is not None:
            for partial in stream(*given):
                yield _all_said_about(_label(partial, unmentioned), topic)
            return
        unanswered = self._unanswered(question)
        answer = self.answerer(*given)
        final = _all_said_about(_label(answer, unmentioned, unanswered, nothing_near), topic)
        if final.refused or not final.sources:
            yield final
            return
        for end in piece_ends(final.text)[:-1]:
            cited = cited_numbers(final.text[:end])
            yield replace(
                final, text=final.text[:end], sources=[s for s in final.sources if s.n in cited]
            )
        yield final
