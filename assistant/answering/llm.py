"""The LLM answerer: any chat model via `init_chat_model`, streamed, and post-checked.

The model's words are never trusted as they come. Every sentence must cite a passage that was
handed out and share most of its content words with what it cites; sentences that don't are
dropped, unknown numbers are removed, sources are renumbered and listed only when cited, and an
answer left with no sentence falls back to the extractive answerer. So does a model that fails
mid-answer or sends nothing for `timeout` seconds: a warning is logged, the listener gets quotes.
A connection refused or dropped before the reply starts is tried again (`retries`), never after;
a listener who leaves (`STOP`) stops the model being read.
"""

import contextlib
import contextvars
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from functools import partial

import httpx
from langchain.chat_models import init_chat_model
from langchain_core.exceptions import ModelConnectionError, ModelTimeoutError
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage

from assistant.answering.extractive import refusal, sentence_key
from assistant.citations import cite_claims, parse_claims
from assistant.prompts import ANSWER_TEMPLATE, CANNOT_ANSWER, fence_passage
from assistant.records import Answer, Passage
from assistant.settings import Settings
from assistant.text import FUNCTION_WORDS, negated, normalize_space, split_sentences, terms

log = logging.getLogger(__name__)

MIN_SUPPORT = 0.5  # share of a sentence's content words that must appear in what it cites
# Providers whose LangChain chat model takes `timeout` (seconds per request); Ollama's client
# takes it through `client_kwargs`. Others rely on the answerer's own wait (`stream_text`).
_TIMEOUT_PROVIDERS = frozenset(
    {"openai", "azure_openai", "anthropic", "groq", "mistralai", "fireworks", "together"}
    | {"deepseek", "xai", "google_genai"}
)
# Providers whose LangChain chat model retries by itself (`max_retries`): set to 0, so that the
# one retry rule below applies (a retry after the first token would repeat the answer's start).
_RETRY_PROVIDERS = _TIMEOUT_PROVIDERS - {"google_genai"}
RETRY_PAUSE = 0.5  # seconds before retrying a connection the model server refused or dropped
_END = object()  # what the model's worker thread puts last
# Set by whoever serves the answer (the web chat): once the event is set, the listener is gone
# and the model is no longer read. A contextvar reaches the worker threads answers run on.
STOP: contextvars.ContextVar[threading.Event | None] = contextvars.ContextVar(
    "llm_stop", default=None
)


class Stopped(Exception):
    """The listener went away mid-answer: nothing more is generated or shown."""


class LLMConfigError(RuntimeError):
    """The configured chat model can't be built (unknown provider, package missing)."""


def load_chat_model(settings: Settings) -> BaseChatModel:
    """The chat model `settings.llm` names (`provider:model`), with base URL and key if set."""
    kwargs: dict = {"temperature": settings.llm_temperature}
    provider = settings.llm.split(":", 1)[0] if settings.llm and ":" in settings.llm else ""
    if provider in _TIMEOUT_PROVIDERS:
        kwargs["timeout"] = settings.llm_timeout
    elif provider == "ollama":
        kwargs["client_kwargs"] = {"timeout": settings.llm_timeout}
    if provider in _RETRY_PROVIDERS:
        kwargs["max_retries"] = 0
    if settings.llm_base_url:
        kwargs["base_url"] = settings.llm_base_url
    if settings.llm_api_key:
        kwargs["api_key"] = settings.llm_api_key.get_secret_value()
    try:
        return init_chat_model(settings.llm, **kwargs)
    except ImportError as exc:
        raise LLMConfigError(
            f"the chat model {settings.llm!r} needs its LangChain package: {exc}"
        ) from exc
    except ValueError as exc:
        raise LLMConfigError(f"can't use PODCAST_ASSISTANT_LLM={settings.llm!r}: {exc}") from exc


def build_messages(question: str, passages: list[Passage]) -> list[BaseMessage]:
    """The prompt: fixed rules, then the passages numbered from 1 and fenced as quoted material,
    then the question."""
    numbered = "\n\n".join(
        fence_passage(n, p.chunk.title, normalize_space(p.chunk.text))
        for n, p in enumerate(passages, 1)
    )
    return ANSWER_TEMPLATE.format_messages(passages=numbered, question=question)


def supported(claim: str, passages: list[Passage]) -> bool:
    """Whether most of the claim's content words occur in the passages it cites, said the same
    way round: a claim that drops (or adds) the passage's "never", "not" or "avoid" is not."""
    words = {w for w in terms(claim, drop=FUNCTION_WORDS) if not w.isdigit()}
    if not words:
        return False
    source = {w for p in passages for w in terms(f"{p.chunk.text} {p.chunk.title}", FUNCTION_WORDS)}
    if len(words & source) / len(words) < MIN_SUPPORT:
        return False
    return _same_polarity(claim, words, passages)


def _same_polarity(claim: str, words: set[str], passages: list[Passage]) -> bool:
    """Whether a cited sentence sharing the most content words with the claim agrees with it on
    negation ("Never stretch your hamstrings" does not support "You should stretch them")."""
    overlaps = [
        (len(words & set(terms(s, FUNCTION_WORDS))), s)
        for p in passages
        for s in split_sentences(p.chunk.text)
    ]
    best = max((n for n, _ in overlaps), default=0)
    if best == 0:  # the words came from the title alone: nothing to contradict
        return True
    return any(negated(s) == negated(claim) for n, s in overlaps if n == best)


def post_check(text: str, passages: list[Passage]) -> Answer | None:
    """The model's text made safe to show: unknown numbers removed, unsupported or uncited
    sentences dropped, sources renumbered; None when nothing survives."""
    claims: list[tuple[str, list[Passage]]] = []
    for claim in parse_claims(text):
        known = [n for n in dict.fromkeys(claim.numbers) if 1 <= n <= len(passages)]
        if len(known) < len(claim.numbers):
            log.debug("dropped unknown citation numbers %s", claim.numbers)
        cited = [passages[n - 1] for n in known]
        if not cited or not supported(claim.text, cited):
            log.debug("dropped an uncited or unsupported sentence")
            continue
        claims.append((claim.text, cited))
    return cite_claims(claims) if claims else None


class LLMAnswerer:
    """Answers from the passages with a chat model, streamed, each step post-checked."""

    def __init__(
        self,
        model: BaseChatModel,
        fallback: Callable[[str, list[Passage], frozenset[str], bool], Answer],
        min_relevance: float,
        max_passages: int = 5,
        timeout: float = 30.0,
        retries: int = 0,
    ) -> None:
        self.model = model
        self.timeout = timeout
        self.retries = retries
        self.fallback = fallback
        self.min_relevance = min_relevance
        self.max_passages = max_passages

    def __call__(
        self,
        question: str,
        passages: list[Passage],
        seen: frozenset[str] = frozenset(),
        repeat_best: bool = False,
    ) -> Answer:
        """The final, post-checked answer."""
        answer = refusal()
        for answer in self.stream(question, passages, seen, repeat_best):  # noqa: B007
            pass
        return answer

    def stream(
        self,
        question: str,
        passages: list[Passage],
        seen: frozenset[str] = frozenset(),
        repeat_best: bool = False,
    ) -> Iterator[Answer]:
        """Growing answers, a checked sentence at a time; the last one is final. Passages that
        earlier answers already quoted (`seen`) go last: new material first. `repeat_best` is
        for the extractive fallback (see `ExtractiveAnswerer`)."""
        relevant = [p for p in passages if p.score >= self.min_relevance][: self.max_passages]
        relevant.sort(key=lambda p: _already_quoted(p, seen))
        if not relevant:  # the model is never asked what the podcast doesn't cover
            yield refusal()
            return
        text, shown = "", 0
        try:
            messages = build_messages(question, relevant)
            for piece in stream_text(self.model, messages, self.timeout, self.retries):
                text += piece
                complete = _complete_part(text)
                if CANNOT_ANSWER[:40] in text or not complete:
                    continue
                partial = post_check(complete, relevant)
                if partial and len(partial.text) > shown:
                    shown = len(partial.text)
                    yield partial
        except Stopped:
            log.info("the listener left mid-answer; the chat model is no longer read")
            raise
        except Exception as exc:  # a model that fails or stalls never costs the listener an answer
            log.warning(
                "the chat model failed (%s: %s); answering extractively", type(exc).__name__, exc
            )
            yield self.fallback(question, relevant, seen, repeat_best)
            return
        if CANNOT_ANSWER[:40] in normalize_space(text):
            yield refusal()
            return
        final = post_check(text, relevant)
        if final is None:
            log.info("the chat model's answer failed the post-check; answering extractively")
            final = self.fallback(question, relevant, seen, repeat_best)
        yield final


def stream_text(
    model: BaseChatModel, messages: list[BaseMessage], timeout: float, retries: int = 0
) -> Iterator[str]:
    """The model's reply piece by piece, read in a worker thread so a stalled model can't hang
    the request: `TimeoutError` when the first (or next) piece takes over `timeout` seconds;
    `Stopped` once `STOP`'s event is set; the model's own exceptions are raised here. A
    connection refused or dropped before the reply starts is tried again, up to `retries`
    times; never once it has started. When this generator ends, for whatever reason, the
    worker stops reading the model (closing its stream closes the connection)."""
    pieces: queue.Queue = queue.Queue()
    done = threading.Event()  # the reader is gone: stop pulling tokens
    context = contextvars.copy_context()  # LangChain's callbacks and tracing live in contextvars
    worker = partial(_produce, model, messages, retries, pieces, done)
    threading.Thread(target=context.run, args=(worker,), daemon=True, name="chat-model").start()
    gone = STOP.get()
    try:
        while True:
            piece = _next_piece(pieces, timeout, gone)
            if piece is _END:
                return
            if isinstance(piece, Exception):
                raise piece
            yield piece
    finally:
        done.set()


def _produce(model, messages, retries: int, pieces: queue.Queue, done: threading.Event) -> None:
    """The worker: the model's pieces into `pieces`, then `_END` or the exception it raised."""
    try:
        for attempt in range(retries + 1):
            started = False
            try:
                with contextlib.closing(model.stream(messages)) as reply:
                    for piece in reply:
                        started = True
                        if done.is_set():
                            return
                        pieces.put(piece.text)
                break
            except Exception as exc:
                if started or attempt == retries or done.is_set() or not connection_error(exc):
                    raise
                log.warning("the chat model's server could not be reached (%s); retrying", exc)
                time.sleep(RETRY_PAUSE)
    except Exception as exc:
        pieces.put(exc)
    else:
        pieces.put(_END)


def _next_piece(pieces: queue.Queue, timeout: float, gone: threading.Event | None):
    """The worker's next item; a short wait at a time, so a listener who left is noticed."""
    deadline = time.monotonic() + timeout
    while True:
        if gone is not None and gone.is_set():
            raise Stopped("the listener went away")
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"no reply from the chat model within {timeout:g} s")
        with contextlib.suppress(queue.Empty):
            return pieces.get(timeout=min(left, 0.1))


def connection_error(exc: BaseException | None) -> bool:
    """Whether `exc` (or what caused it) is a connection refused, reset or dropped: worth one
    more try before the reply starts. A timeout is not (the wait was already spent)."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, TimeoutError | ModelTimeoutError | httpx.TimeoutException):
            return False
        if isinstance(exc, ConnectionError | ModelConnectionError | httpx.TransportError):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _complete_part(text: str) -> str:
    """The text up to the end of its last finished sentence (the rest may still grow)."""
    sentences = split_sentences(text)
    if len(sentences) < 2:
        return ""
    last = text.rfind(sentences[-1])
    return text[:last]


def _already_quoted(passage: Passage, seen: frozenset[str]) -> bool:
    sentences = split_sentences(passage.chunk.text)
    return bool(sentences) and all(sentence_key(s) in seen for s in sentences)
