"""The per-client question limit, counted in the database (SQLite and PostgreSQL), on a clock the
test controls, and over HTTP: who the client is when requests carry X-Forwarded-For."""

import httpx
import pytest
import sqlalchemy as sa
from webserver import hostile_assistant, serve_app, without_gradio

from assistant.records import Answer
from assistant.settings import Settings
from ui.app import build_app
from ui.database import open_engine, rate_limits
from ui.feedback import FeedbackStore
from ui.ratelimit import RateLimiter, client_key, wait_message


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def engine(database_url):
    engine = open_engine(database_url)
    yield engine
    engine.dispose()


def test_limit_per_client_and_the_next_window(engine):
    clock = Clock()
    limiter = RateLimiter(engine, limit=2, window=60, clock=clock)
    assert limiter.check("a") == 0 and limiter.check("a") == 0
    clock.now += 10
    assert limiter.check("a") == 50  # seconds until the window that began at 1000 ends
    assert limiter.check("b") == 0  # other clients are unaffected
    clock.now += 50
    assert limiter.check("a") == 0


def test_replicas_sharing_a_database_share_the_limit(engine, database_url):
    clock = Clock()
    other = open_engine(database_url)  # a second `serve` process: an engine of its own
    replicas = [RateLimiter(e, limit=3, window=60, clock=clock) for e in (engine, other)]
    logins = RateLimiter(other, limit=1, window=60, scope="admin", clock=clock)
    assert [replicas[n % 2].check("203.0.113.5") for n in range(4)] == [0, 0, 0, 60]
    assert replicas[0].waiting("203.0.113.5") == 60 and replicas[1].waiting("198.51.100.1") == 0
    assert logins.check("203.0.113.5") == 0  # another scope counts apart
    clock.now += 60
    assert replicas[1].waiting("203.0.113.5") == 0 and replicas[1].check("203.0.113.5") == 0
    other.dispose()


def test_finished_windows_are_swept(engine, monkeypatch):
    monkeypatch.setattr("ui.ratelimit.SWEEP_EVERY", 3)
    clock = Clock()
    limiter = RateLimiter(engine, limit=5, window=10, clock=clock)
    limiter.check("a")
    limiter.check("b")
    clock.now += 11
    limiter.check("c")  # the third check sweeps a and b, whose windows are over
    with engine.connect() as db:
        keys = db.execute(sa.select(rate_limits.c.key)).scalars().all()
    assert keys == ["question:c"]


def test_wait_message_rounds_up_to_whole_seconds():
    assert "wait 3 seconds" in wait_message(2.1)
    assert "wait 1 second and" in wait_message(0.01)


def statuses(url: str, forwarded_for: list[str]) -> list[int]:
    """Status of one question per X-Forwarded-For value, all sent from 127.0.0.1."""
    # One client for them all: each new one loads the system's CA bundle (~20 ms of CPU).
    with httpx.Client() as client:
        return [
            client.post(
                f"{url}/api/ask", json={"question": "hips?"}, headers={"X-Forwarded-For": value}
            ).status_code
            for value in forwarded_for
        ]


@pytest.fixture
def limited(tmp_path_factory, embedder, monkeypatch, database_url):
    """Start the app with the default limit (10) and `trusted_proxies`; answers are instant."""
    assistant = hostile_assistant(tmp_path_factory, embedder)
    monkeypatch.setattr(assistant, "answer", lambda q, history=(): Answer("No.", refused=True))

    def start(trusted: str):
        settings = assistant.settings.model_copy(
            update={"trusted_proxies": Settings(trusted_proxies=trusted).trusted_proxies}
        )
        feedback = FeedbackStore(database_url)
        return serve_app(build_app(assistant, feedback, without_gradio(settings)))

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
