"""What uptime checkers, caches and load see: HEAD answers, answers are never cached, a 422 does
not echo the request, and `/healthz` answers while every worker thread is busy answering."""

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from webserver import hostile_assistant, serve_app, without_gradio

from assistant.records import Answer
from ui.app import build_app
from ui.feedback import FeedbackStore

PIRIFORMIS = "why isn't my piriformis stretch working?"
BUSY = 45  # more than the 40 threads Starlette runs sync routes on


@pytest.fixture(scope="module")
def app_and_assistant(tmp_path_factory, embedder):
    assistant = hostile_assistant(tmp_path_factory, embedder)
    settings = assistant.settings.model_copy(update={"rate_limit_questions": 1000})
    feedback = FeedbackStore(tmp_path_factory.mktemp("ops-feedback") / "feedback.sqlite3")
    with serve_app(build_app(assistant, feedback, without_gradio(settings))) as url:
        yield url, assistant


@pytest.fixture(scope="module")
def server(app_and_assistant):
    return app_and_assistant[0]


@pytest.mark.parametrize("path", ["/", "/widget.js", "/healthz"])
def test_head_answers_like_get_without_a_body(server, path):
    head = httpx.head(server + path)
    get = httpx.get(server + path)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]


def test_answers_and_refusals_are_never_cached(server):
    answered = httpx.post(f"{server}/api/ask", json={"question": PIRIFORMIS})
    refused = httpx.post(f"{server}/api/ask", json={"question": " "})
    assert answered.status_code == 200 and refused.status_code == 400
    assert answered.headers["cache-control"] == refused.headers["cache-control"] == "no-store"
    assert "no-store" not in httpx.get(f"{server}/widget.js").headers["cache-control"]


def test_a_422_names_the_problem_without_echoing_the_input(server):
    secret = "my private symptom story " * 20
    history = [[secret, secret, secret]] * 10_000  # three items where two are expected
    response = httpx.post(f"{server}/api/ask", json={"question": secret[:900], "history": history})
    assert response.status_code == 413  # 5 MB: the body cap comes first
    small = [[secret, secret, secret]] * 50
    response = httpx.post(f"{server}/api/ask", json={"question": "why?", "history": small})
    assert response.status_code == 422 and len(response.content) < 3_000
    assert "symptom" not in response.text
    detail = response.json()["detail"]
    assert detail[0]["loc"] == ["body", "history", 0] and detail[0]["type"] == "too_long"
    assert len(detail) == 11 and detail[-1]["msg"] == "and 40 more errors"
    vote = httpx.post(f"{server}/api/feedback", json={"id": "x" * 5000, "vote": 1})
    assert vote.status_code == 422 and "xxxx" not in vote.text


def test_healthz_answers_while_every_worker_thread_is_answering(app_and_assistant, monkeypatch):
    server, assistant = app_and_assistant
    release = threading.Event()
    started = threading.Semaphore(0)

    def stuck(question, history=()):
        started.release()
        release.wait(30)
        return Answer("Released.", refused=True)

    monkeypatch.setattr(assistant, "answer", stuck)
    with ThreadPoolExecutor(BUSY) as pool:
        asks = [
            pool.submit(httpx.post, f"{server}/api/ask", json={"question": PIRIFORMIS}, timeout=30)
            for _ in range(BUSY)
        ]
        try:
            for _ in range(40):  # every worker thread is inside an answer
                assert started.acquire(timeout=10)
            health = httpx.get(f"{server}/healthz", timeout=5)
            assert health.status_code == 200 and health.json()["chunks"] > 10
        finally:
            release.set()
        for ask in asks:
            ask.exception()
