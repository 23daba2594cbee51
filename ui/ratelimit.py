"""A per-client limit on questions: so many per fixed window, counted in memory."""

import ipaddress
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

RATE_LIMITED = (
    "You've asked a lot of questions in a short time. Please wait {seconds} and ask again."
)


@dataclass
class RateLimiter:
    """Allows `limit` questions per `window` seconds per client key (one process, in memory).

    Each client's window starts with its first question, so a client that was stopped can ask
    again as soon as that window has passed.
    """

    limit: int
    window: float
    clock: Callable[[], float] = time.monotonic
    _windows: dict[str, tuple[float, int]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def check(self, client: str) -> float:
        """Count a question from `client`: 0 if allowed, else seconds until it may ask again."""
        now = self.clock()
        with self._lock:
            if len(self._windows) > 10_000:  # forget finished windows so memory stays bounded
                self._windows = {k: v for k, v in self._windows.items() if now - v[0] < self.window}
            started, count = self._windows.get(client, (now, 0))
            if now - started >= self.window:
                started, count = now, 0
            if count >= self.limit:
                return max(started + self.window - now, 0.001)
            self._windows[client] = (started, count + 1)
            return 0.0


def client_key(host: str | None) -> str:
    """The rate-limit key of a client address: the address written one way, or "unknown" for
    anything that is not an address (so no client can invent keys of its own)."""
    try:
        return str(ipaddress.ip_address((host or "").strip()))
    except ValueError:
        return "unknown"


def wait_message(seconds: float) -> str:
    """The friendly text shown when a client is over the limit."""
    whole = max(1, math.ceil(seconds))
    return RATE_LIMITED.format(seconds=f"{whole} second" + ("s" if whole != 1 else ""))
