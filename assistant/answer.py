"""The assistant's entry point: a question (and the chat so far) to a cited answer."""

import logging
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace

from assistant.embedder import Embedder, load_embedder
from assistant.extractive import ExtractiveAnswerer
from assistant.prompts import EMPTY_QUESTION, QUESTION_TOO_LONG, URGENT_CARE
from assistant.records import Answer, Passage
from assistant.retrieval import DenseRetriever
from assistant.safety import red_flags
from assistant.settings import Settings
from assistant.store import Store

log = logging.getLogger(__name__)

# The seam where an LLM answerer plugs in: anything that turns passages into an Answer.
Answerer = Callable[[str, list[Passage]], Answer]
History = Sequence[tuple[str, str]]  # (question, answer) pairs, oldest first


def check_question(question: str, max_chars: int) -> str | None:
    """Why `question` can't be answered as asked (a message for the listener), or None."""
    if not question or not question.strip():
        return EMPTY_QUESTION
    if len(question) > max_chars:
        return QUESTION_TOO_LONG.format(length=len(question), limit=max_chars)
    return None


def urgent_answer() -> Answer:
    """The fixed urgent-care message for a red-flag symptom: no sources, no exercise advice."""
    return Answer(text=URGENT_CARE, refused=False, sources=[], urgent=True)


@dataclass
class Assistant:
    """Retrieval plus an answerer over one store; build once per process with `from_settings`."""

    settings: Settings
    store: Store
    embedder: Embedder
    retriever: DenseRetriever
    answerer: Answerer

    @classmethod
    def from_settings(cls, settings: Settings, store: Store | None = None) -> "Assistant":
        """Open the store, load the embedder and pick the answerer the settings ask for."""
        store = store or Store(settings)
        embedder = load_embedder()
        retriever = DenseRetriever(store=store, embedder=embedder, k=settings.top_k)
        answerer = ExtractiveAnswerer(embedder, settings.min_relevance)
        return cls(settings, store, embedder, retriever, answerer)

    def answer(self, question: str, history: History = ()) -> Answer:
        """A cited answer, the refusal when the podcast doesn't cover it, or why the question
        can't be taken (empty, too long) as a refused answer with no sources."""
        problem = check_question(question, self.settings.max_question_chars)
        if problem:
            return Answer(text=problem, refused=True, sources=[])
        question = question.strip()
        if red_flags(question):
            return urgent_answer()
        passages = self.retriever.passages(question)
        log.debug("retrieved %s", [(p.chunk.chunk_id, round(p.score, 3)) for p in passages])
        return self.answerer(question, passages)

    def stream(self, question: str, history: History = ()) -> Iterator[Answer]:
        """The answer as it grows: each item is the answer so far, the last one is final.

        The extractive answerer has its whole answer at once, so it is released a sentence
        at a time; an LLM answerer streams its tokens through the same shape.
        """
        final = self.answer(question, history)
        if final.refused or final.urgent or not final.sources:
            yield final
            return
        pieces = re.findall(r".+?\[\d+\](?: |$)", final.text)
        shown = ""
        for piece in pieces[:-1]:
            shown += piece
            numbers = {int(n) for n in re.findall(r"\[(\d+)\]", shown)}
            yield replace(
                final, text=shown.rstrip(), sources=[s for s in final.sources if s.n in numbers]
            )
        yield final
