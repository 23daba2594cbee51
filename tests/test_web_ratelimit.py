"""The per-client question limit, on a clock the test controls, and over HTTP: who the client is
when requests carry X-Forwarded-For."""

import httpx
import pytest
from webserver import hostile_assistant, serve_app

from assistant.records import Answer
from assistant.settings import Settings
from ui.app import build_app
from ui.feedback import FeedbackStore
from ui.ratelimit import RateLimiter, client_key, wait_message


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_limit_per_client_and_the_next_window():
    clock = Clock()
    limiter = RateLimiter(limit=2, window=60, clock=clock)
    assert limiter.check("a") == 0 and limiter.check("a") == 0
    clock.now += 10
    assert limiter.check("a") == 50  # seconds until the window that began at 1000 ends
    assert limiter.check("b") == 0  # other clients are unaffected
    clock.now += 50
    assert limiter.check("a") == 0


def test_wait_message_rounds_up_to_whole_seconds():
    assert "wait 3 seconds" in wait_message(2.1)
    assert "wait 1 second and" in wait_message(0.01)


def statuses(url: str, forwarded_for: list[str]) -> list[int]:
    """Status of one question per X-Forwarded-For value, all sent from 127.0.0.1."""
    return [
        httpx.post(
            f"{url}/api/ask", json={"question": "hips?"}, headers={"X-Forwarded-For": value}
        ).status_code
        for value in forwarded_for
    ]


@pytest.fixture
def limited(tmp_path_factory, embedder, monkeypatch):
    """Start the app with the default limit (10) and `trusted_proxies`; answers are instant."""
    assistant = hostile_assistant(tmp_path_factory, embedder)
    monkeypatch.setattr(assistant, "answer", lambda q, history=(): Answer("No.", refused=True))

    def start(trusted: str):
        settings = assistant.settings.model_copy(
            update={"trusted_proxies": Settings(trusted_proxies=trusted).trusted_proxies}
        )
        feedback = FeedbackStore(tmp_path_factory.mktemp("xff") / "feedback.sqlite3")
        return serve_app(build_app(assistant, feedback, settings))

    return start


def test_spoofed_forwarded_for_from_127_0_0_1_does_not_dodge_the_limit(limited):
    assert Settings().trusted_proxies == []  # nothing trusted by default
    with limited("") as url:
        codes = statuses(url, [f"203.0.113.{n}" for n in range(30)])
    assert codes == [200] * 10 + [429] * 20


def test_a_trusted_proxy_gives_each_forwarded_client_its_own_limit(limited):
    with limited("127.0.0.1, not-an-address, 10.0.0.0/8") as url:
        first = statuses(url, ["203.0.113.1"] * 11)
        second = statuses(url, ["198.51.100.7, 10.1.2.3"] * 11)  # through a second trusted hop
        invented = statuses(url, [f"client-{n}" for n in range(11)])  # not addresses: one key
    assert first == second == invented == [200] * 10 + [429]


def test_settings_keep_only_addresses_and_ranges():
    settings = Settings(trusted_proxies=" 127.0.0.1 , ::1, 10.0.0.5/8, proxy.local, 300.1.1.1")
    assert settings.trusted_proxies == ["127.0.0.1", "::1", "10.0.0.0/8"]
    assert client_key(" 203.0.113.9 ") == "203.0.113.9" and client_key("x; drop") == "unknown"
