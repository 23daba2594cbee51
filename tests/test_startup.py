"""`serve` listens at once: /healthz answers while the app is still loading, /readyz says when
questions can be answered, and nothing else is answered before then."""

import threading
import time

import httpx
from webserver import hostile_assistant, serve_app

from ui.app import build_app
from ui.feedback import FeedbackStore
from ui.startup import Starting

QUESTION = "Do kettlebell swings protect the lower back?"


def _wait_for(url: str, status: int, seconds: float = 60) -> httpx.Response:
    deadline = time.monotonic() + seconds
    while True:
        response = httpx.get(url, timeout=5)
        if response.status_code == status or time.monotonic() > deadline:
            return response
        time.sleep(0.05)


def test_health_at_once_questions_once_ready_and_gradio_after(tmp_path, tmp_path_factory, embedder):
    assistant = hostile_assistant(tmp_path_factory, embedder)
    feedback = FeedbackStore(tmp_path / "feedback.sqlite3")
    loaded = threading.Event()
    failures: list[str] = []

    def build():
        assert loaded.wait(60)  # the model and the store "loading"
        return build_app(assistant, feedback, gradio_later=True)

    with serve_app(Starting(build, failures.append)) as server:
        assert httpx.get(f"{server}/healthz").json() == {"status": "starting"}
        assert httpx.head(f"{server}/healthz").status_code == 200
        assert httpx.get(f"{server}/readyz").status_code == 503
        early = httpx.post(f"{server}/api/ask", json={"question": QUESTION})
        assert early.status_code == 503 and early.headers["retry-after"] == "2"
        assert "starting" in early.json()["error"]

        loaded.set()
        ready = _wait_for(f"{server}/readyz", 200)
        assert ready.status_code == 200 and ready.json()["status"] == "ready"
        answer = httpx.post(f"{server}/api/ask", json={"question": QUESTION}, timeout=60)
        assert answer.status_code == 200 and answer.json()["sources"]
        health = httpx.get(f"{server}/healthz").json()
        assert health["status"] == "ok" and health["chunks"] == assistant.store.count()
        # Gradio follows on a thread of its own, its start-up run inside the app's lifespan.
        page = _wait_for(f"{server}/gradio/", 200, seconds=120)
        assert page.status_code == 200
        assert page.headers["content-security-policy"] == "frame-ancestors 'self'"
    assert failures == []


def test_a_build_that_fails_is_reported_and_questions_get_its_reason():
    failures: list[str] = []

    def build():
        raise RuntimeError("nothing has been ingested yet")

    with serve_app(Starting(build, failures.append)) as server:
        ready = _wait_for(f"{server}/readyz", 503, seconds=1)
        deadline = time.monotonic() + 10
        while not failures and time.monotonic() < deadline:
            time.sleep(0.02)
        assert failures == ["nothing has been ingested yet"]
        assert httpx.get(f"{server}/readyz").json() == {"status": "failed"}
        refused = httpx.post(f"{server}/api/ask", json={"question": QUESTION})
        assert refused.status_code == 503 and refused.json()["error"] == failures[0]
    assert ready.status_code == 503
