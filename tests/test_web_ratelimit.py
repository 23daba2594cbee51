"""The per-client question limit, on a clock the test controls."""

from ui.ratelimit import RateLimiter, wait_message


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
