"""A per-client limit on questions: so many per fixed window, counted in the database, so every
`serve` sharing it counts the same questions."""

import ipaddress
import itertools
import math
import time
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from ui.database import rate_limits, writing

RATE_LIMITED = (
    "You've asked a lot of questions in a short time. Please wait {seconds} and ask again."
)
SWEEP_EVERY = 500  # checks between deletions of finished windows, so the table stays small


class RateLimiter:
    """Allows `limit` attempts per `window` seconds per client key, counted in the database
    (one row a client, under `scope`: questions and admin logins are counted apart).

    Each client's window starts with its first attempt, so a client that was stopped can try
    again as soon as that window has passed. Replicas should have clocks in step (NTP).
    """

    def __init__(
        self,
        engine: sa.Engine,
        limit: int,
        window: float,
        scope: str = "question",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.engine, self.limit, self.window, self.scope, self.clock = (
            engine,
            limit,
            window,
            scope,
            clock,
        )
        self._checks = itertools.count(1)
        insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
        self._insert = insert(rate_limits)

    def check(self, client: str) -> float:
        """Count an attempt from `client`: 0 if allowed, else seconds until it may try again."""
        now = self.clock()
        new = self._insert.values(key=self._key(client), window_start=now, count=1)
        finished = rate_limits.c.window_start <= now - self.window
        # One statement, so two replicas counting the same client at once both count: the
        # database serialises the two updates of the row.
        upsert = new.on_conflict_do_update(
            index_elements=[rate_limits.c.key],
            set_={
                "window_start": sa.case((finished, now), else_=rate_limits.c.window_start),
                "count": sa.case((finished, 1), else_=rate_limits.c.count + 1),
            },
        ).returning(rate_limits.c.window_start, rate_limits.c.count)
        with writing(self.engine) as db:
            started, count = db.execute(upsert).one()
            if next(self._checks) % SWEEP_EVERY == 0:
                self._sweep(db, now)
        return 0.0 if count <= self.limit else max(started + self.window - now, 0.001)

    def waiting(self, client: str) -> float:
        """Seconds `client` must wait before its next attempt is allowed (0: none); counts
        nothing."""
        now = self.clock()
        query = sa.select(rate_limits.c.window_start, rate_limits.c.count).where(
            rate_limits.c.key == self._key(client)
        )
        with self.engine.connect() as db:
            row = db.execute(query).first()
        if row is None or row.count < self.limit or row.window_start <= now - self.window:
            return 0.0
        return max(row.window_start + self.window - now, 0.001)

    def _key(self, client: str) -> str:
        return f"{self.scope}:{client}"

    def _sweep(self, db: sa.Connection, now: float) -> None:
        db.execute(
            rate_limits.delete().where(
                rate_limits.c.key.startswith(f"{self.scope}:", autoescape=True),
                rate_limits.c.window_start <= now - self.window,
            )
        )


def question_limiter(engine: sa.Engine, settings) -> RateLimiter:
    """The limit on listeners' questions the settings ask for, counted in `engine`."""
    return RateLimiter(engine, settings.rate_limit_questions, settings.rate_limit_window_seconds)


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
