"""The LLM path end to end: a real model (SmolLM2-135M, tests/llm_server.py) behind a real
OpenAI-compatible server on 127.0.0.1, the assistant pointed at it through its settings as an
owner would, the answers asked through the real `/api/chat` and `/api/ask`.

A 135M model writes poor answers; that is the point: its text is real and unscripted, and what
the listener is shown must still be only sentences the cited passages support (or quotes). Each
test writes the model's raw text and the shown answer to its tmp dir, for reading.
"""

import json
import logging
import re
import socket
import time
from itertools import pairwise

import httpx
import pytest
from conftest import MACHINE_CACHE
from llm_server import TinyModel, chat_server, missing
from webserver import serve_app, without_gradio

from assistant.answering import Assistant
from assistant.answering.followup import carry_topic, usable_rewrite
from assistant.citations import parse_claims
from assistant.prompts import ANSWER_PROMPT, CONDENSE_PROMPT
from assistant.settings import Settings
from ui.app import build_app
from ui.feedback import FeedbackStore

QUESTION = "Why isn't my piriformis stretch working?"
FOLLOW_UP = "What should I do instead?"
WAIT = 900  # seconds a client waits for a whole answer: a bound on "never hangs", not a measure


@pytest.fixture(scope="module")
def model_server():
    """The server for the module; its model is loaded by the first test that needs it, from a
    copy converted once per machine and kept in the tests' machine cache (see `converted`)."""
    with chat_server(lambda: TinyModel(MACHINE_CACHE / "smollm2")) as server:
        yield server


@pytest.fixture
def server(model_server):
    """The server, answering with the model unless the test says otherwise."""
    model_server.reset("model")
    return model_server


@pytest.fixture
def real_model(server):
    """The real model, loaded (once); the test is skipped where it is not installed."""
    reason = missing()
    if reason:
        pytest.skip(reason)
    server.model()


def owner_assistant(shipped, embedder, base_url: str, **env: str) -> Assistant:
    """An assistant over the shipped corpus whose LLM settings come from the environment."""
    settings, store = shipped
    values = {
        "PODCAST_ASSISTANT_LLM": "openai:smollm2-135m",
        "PODCAST_ASSISTANT_LLM_BASE_URL": base_url,
        "PODCAST_ASSISTANT_LLM_API_KEY": "dummy-key",
        "PODCAST_ASSISTANT_TOP_K": "2",  # two passages: a short prompt for a slow CPU model
        "PODCAST_ASSISTANT_LLM_TIMEOUT": "600",  # the first token waits for the prompt (busy CPU)
        **env,
    }
    with pytest.MonkeyPatch.context() as patch:
        for name, value in values.items():
            patch.setenv(name, value)
        owned = Settings(**settings.model_dump(exclude_unset=True))
    return Assistant.from_settings(owned, store=store, embedder=embedder)


class Fallbacks:
    """The extractive answers the LLM answerer fell back to, as they were returned."""

    def __init__(self, assistant: Assistant) -> None:
        self.answers: list = []
        self.extractive = assistant.answerer.fallback
        assistant.answerer.fallback = self

    def __call__(self, question, passages, seen=frozenset(), repeat_best=False):
        answer = self.extractive(question, passages, seen, repeat_best)
        self.answers.append(answer)
        return answer


@pytest.fixture(scope="module")
def web(model_server, shipped, embedder, tmp_path_factory):
    """`serve` in a thread, its LLM the test server; and what it fell back to."""
    assistant = owner_assistant(shipped, embedder, model_server.base_url)
    fallbacks = Fallbacks(assistant)
    feedback = FeedbackStore(tmp_path_factory.mktemp("llm-web") / "feedback.sqlite3")
    with serve_app(build_app(assistant, feedback, without_gradio(assistant.settings))) as url:
        yield url, fallbacks


@pytest.fixture(scope="module")
def impatient(model_server, shipped, embedder, tmp_path_factory):
    """The same, with PODCAST_ASSISTANT_LLM_TIMEOUT=0.3 (a hung server is all it meets: the
    test waits the timeout out)."""
    assistant = owner_assistant(
        shipped, embedder, model_server.base_url, PODCAST_ASSISTANT_LLM_TIMEOUT="0.3"
    )
    fallbacks = Fallbacks(assistant)
    feedback = FeedbackStore(tmp_path_factory.mktemp("llm-impatient") / "feedback.sqlite3")
    with serve_app(build_app(assistant, feedback, without_gradio(assistant.settings))) as url:
        yield url, fallbacks


def chat(url: str, question: str = QUESTION, history=()) -> list[dict]:
    """The NDJSON events of `POST /api/chat`, each with the second it arrived (`at`)."""
    events = []
    body = {"question": question, "history": [list(turn) for turn in history]}
    started = time.monotonic()
    with httpx.stream("POST", f"{url}/api/chat", json=body, timeout=WAIT) as response:
        assert response.status_code == 200
        for line in response.iter_lines():
            if line:
                events.append({**json.loads(line), "at": time.monotonic() - started})
    assert [e["type"] for e in events][-1] == "final"
    assert all(e["type"] == "partial" for e in events[:-1])
    return events


def record(tmp_path, server, shown: dict) -> None:
    """The model's raw text and the shown answer, side by side in the test's tmp dir."""
    raw = [{"messages": x.messages, "text": x.text, "ended": x.ended} for x in server.requests]
    (tmp_path / "model-raw.json").write_text(json.dumps(raw, indent=1, ensure_ascii=False))
    (tmp_path / "shown.json").write_text(json.dumps(shown, indent=1, ensure_ascii=False))


def stems(text: str) -> set[str]:
    """Words of four letters or more, cut to five (so "stretches" meets "stretching")."""
    return {w[:5] for w in re.findall(r"[a-z]{4,}", text.lower())}


def test_a_real_models_answer_streams_through_api_chat_and_shows_only_supported_sentences(
    web, server, real_model, tmp_path
):
    url, fallbacks = web
    fallbacks.answers.clear()
    events = chat(url)
    final = events[-1]
    record(tmp_path, server, final)
    (exchange,) = server.requests
    assert exchange.done.wait(WAIT)  # the server's own bookkeeping may end after the client's
    assert exchange.stream and exchange.ended == "done"
    assert exchange.messages[0]["content"] == ANSWER_PROMPT  # the system prompt, as sent
    assert exchange.pieces > 1  # the model's reply came as a stream of pieces
    if fallbacks.answers:  # the post-check kept nothing: the listener got the quotes
        (extractive,) = fallbacks.answers
        assert final["answer"] == extractive.text
        return
    sources = {s["n"]: s for s in final["sources"]}
    claims = parse_claims(final["answer"])
    assert claims
    for claim in claims:
        assert claim.numbers and set(claim.numbers) <= set(sources), claim
        cited = " ".join(f"{sources[n]['title']} {sources[n]['quote']}" for n in claim.numbers)
        words = stems(claim.text)
        assert len(words & stems(cited)) >= len(words) / 2, (claim.text, cited)
        assert claim.text.split()[0] in exchange.text  # the model's words, not invented here
    # Shown a sentence at a time as the model wrote them: growing, never taking words back.
    shown = list(dict.fromkeys(e["answer"] for e in events))
    assert all(later.startswith(earlier) for earlier, later in pairwise(shown))
    assert len(shown) >= min(2, len(claims))


def test_the_follow_up_rewrite_goes_through_the_same_model(web, server, real_model, tmp_path):
    url, _ = web
    # A standalone question is a line, well inside 24 tokens. The answer asked with it is read
    # here only for the question it was asked (the streaming test reads a whole answer): the
    # server fails it at once rather than run the model over its ~900-token prompt (~3.5 CPU-s).
    server.max_tokens = 24
    server.then = "error"
    history = [(QUESTION, "Stretches done badly bend the lower back [1].")]
    response = httpx.post(
        f"{url}/api/ask",
        json={"question": FOLLOW_UP, "history": history},
        timeout=WAIT,
    )
    assert response.status_code == 200
    record(tmp_path, server, response.json())
    rewrite, *answer = server.requests
    assert all(x.done.wait(WAIT) for x in server.requests)
    assert rewrite.stream is False
    assert rewrite.messages[0]["content"].startswith(CONDENSE_PROMPT.split("\n")[0])
    assert "Last message: What should I do instead?" in rewrite.messages[0]["content"]
    assert rewrite.ended == "done" and rewrite.text
    # The model's first line is the standalone question, unless it is unusable (then the rule's).
    written = rewrite.text.strip().splitlines()[0].strip().strip('"')
    usable = usable_rewrite(written, FOLLOW_UP, history)
    standalone = written if usable else carry_topic(FOLLOW_UP, history)
    if answer:  # the answer is asked with the question the rewrite made
        assert answer[0].messages[-1]["content"].endswith(f"Question: {standalone}")
        assert answer[0].ended == "error"  # and answered extractively, as `then` asked


@pytest.mark.parametrize("mode", ["die", "error"])
def test_a_server_that_dies_mid_stream_or_fails_ends_in_the_extractive_answer(
    web, server, mode, caplog, tmp_path
):
    url, fallbacks = web
    server.reset(mode)
    server.echo = True  # the pieces before the drop need no model time
    fallbacks.answers.clear()
    with caplog.at_level(logging.WARNING, logger="assistant.answering.llm"):
        events = chat(url)
    record(tmp_path, server, events[-1])
    (extractive,) = fallbacks.answers
    assert events[-1]["answer"] == extractive.text and events[-1]["sources"]
    assert "Traceback" not in json.dumps(events)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("answering extractively" in w for w in warnings), warnings
    # Dropped after the reply started, or an HTTP error: neither is tried again.
    assert len(server.requests) == 1
    assert server.requests[0].ended == {"die": "dropped", "error": "error"}[mode]


def test_a_connection_dropped_before_the_reply_is_retried_a_bounded_number_of_times(
    web, server, caplog, monkeypatch
):
    url, fallbacks = web
    # How many times it is tried is the point, not the half second between tries.
    monkeypatch.setattr("assistant.answering.llm.RETRY_PAUSE", 0.05)
    server.reset("echo")
    server.drop_first = 1  # the first request's connection is reset before any byte
    fallbacks.answers.clear()
    with httpx.stream(
        "POST", f"{url}/api/chat", json={"question": QUESTION, "history": []}, timeout=WAIT
    ) as response:
        first = json.loads(next(response.iter_lines()))
    assert [x.ended for x in server.requests][:1] == ["dropped"] and len(server.requests) == 2
    assert first["sources"] and not fallbacks.answers  # the retry answered
    server.reset("echo")
    server.drop_first = 10  # more than PODCAST_ASSISTANT_LLM_RETRIES (2)
    with caplog.at_level(logging.WARNING, logger="assistant.answering.llm"):
        events = chat(url)
    assert [x.ended for x in server.requests] == ["dropped"] * 3
    assert events[-1]["answer"] == fallbacks.answers[-1].text


def test_a_server_that_never_answers_ends_in_the_extractive_answer_after_the_timeout(
    impatient, server, caplog
):
    url, fallbacks = impatient
    server.reset("hang")
    with caplog.at_level(logging.WARNING, logger="assistant.answering.llm"):
        events = chat(url)  # WAIT bounds it: a hung request fails the test
    (extractive,) = fallbacks.answers
    assert events[-1]["answer"] == extractive.text
    # Our own wait or the client's (both are the setting) ends it, whichever notices first.
    assert any("TimeoutError" in r.getMessage() for r in caplog.records), caplog.text
    assert [x.ended for x in server.requests] == ["hung"]


@pytest.mark.parametrize("mode", ["echo", "babble"])
def test_a_listener_who_leaves_mid_answer_stops_the_model(web, server, mode):
    """The chat's reader hangs up mid-answer: the assistant stops reading the model, and the
    model server sees its client gone long before its 400-word answer is over. With "echo"
    the listener leaves after the first sentence shown; with "babble" the post-check shows
    nothing, and the listener leaves while the model writes on."""
    url, _ = web
    server.reset(mode)
    host, port = url.removeprefix("http://").split(":")
    body = json.dumps({"question": QUESTION, "history": []}).encode()
    with socket.create_connection((host, int(port)), timeout=WAIT) as listener:
        listener.sendall(
            b"POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        if mode == "echo":
            received = b""
            while b'"type":"partial"' not in received:
                received += listener.recv(4096)
        else:
            while not server.requests or server.requests[0].pieces < 20:
                time.sleep(0.05)
    (exchange,) = server.requests
    assert exchange.done.wait(WAIT)
    assert exchange.ended == "client gone"
    assert exchange.pieces < 200, exchange.pieces  # of 400: it stopped, it did not run on
