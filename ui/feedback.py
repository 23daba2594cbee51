"""The feedback store: each answered question, its sources and the listener's vote, in the
database (`ui/database.py`: a SQLite file by default, PostgreSQL for several replicas).

This is the only place listeners' questions are kept (they are health information; the logs
never hold them at INFO). The owner's report reads it back: questions that were refused or got
a thumbs-down, grouped by meaning.
"""

import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import sqlalchemy as sa

from assistant.records import Answer
from ui.database import exchanges, open_engine, writing


@dataclass(frozen=True)
class Exchange:
    """One question as stored: what was asked, what was answered, and the vote (+1, -1, None)."""

    id: str
    asked_at: datetime
    question: str
    answer: str
    sources: list[dict]
    refused: bool
    urgent: bool
    vote: int | None


@dataclass
class QuestionGroup:
    """Questions that mean much the same thing, most typical first."""

    questions: list[Exchange] = field(default_factory=list)

    @property
    def refused(self) -> int:
        """How many of the questions were refused."""
        return sum(e.refused for e in self.questions)

    @property
    def thumbs_down(self) -> int:
        """How many of the answers got a thumbs-down."""
        return sum(e.vote == -1 for e in self.questions)

    def to_json(self) -> dict:
        """The report's JSON shape of a group."""
        return {
            "count": len(self.questions),
            "refused": self.refused,
            "thumbs_down": self.thumbs_down,
            "questions": [e.question for e in self.questions],
            "last_asked": max(e.asked_at for e in self.questions).isoformat(),
        }


class FeedbackStore:
    """Answered questions and votes in the database (thread-safe: a pooled connection a call)."""

    def __init__(self, target: str | Path | sa.Engine) -> None:
        self.engine = target if isinstance(target, sa.Engine) else open_engine(target)

    @property
    def is_sqlite(self) -> bool:
        """Whether the database is a SQLite file (else a server such as PostgreSQL)."""
        return self.engine.dialect.name == "sqlite"

    def close(self) -> None:
        """Close the pooled connections."""
        self.engine.dispose()

    def record(
        self,
        question: str,
        answer: Answer,
        sources: Sequence[dict],
        asked_at: datetime | None = None,
    ) -> str:
        """Store an answered question; returns the unguessable id a vote refers to."""
        exchange_id = secrets.token_urlsafe(16)
        row = {
            "id": exchange_id,
            "asked_at": _as_utc(asked_at or _now()).isoformat(),
            "question": question,
            "answer": answer.text,
            "sources": json.dumps(list(sources), ensure_ascii=False),
            "refused": int(answer.refused),
            "urgent": int(answer.urgent),
        }
        with writing(self.engine) as db:
            db.execute(exchanges.insert().values(row))
        return exchange_id

    def vote(self, exchange_id: str, vote: int) -> bool:
        """Set the vote (+1 or -1) on an answer; False if there is no such answer."""
        if vote not in (1, -1):
            raise ValueError("a vote is 1 or -1")
        update = (
            exchanges.update()
            .where(exchanges.c.id == exchange_id)
            .values(vote=vote, voted_at=_now().isoformat())
        )
        with writing(self.engine) as db:
            return db.execute(update).rowcount == 1

    def forget(self, before: datetime | None = None) -> int:
        """Delete the questions asked before `before` (all of them with None), their answers
        and votes; returns how many were deleted."""
        delete = exchanges.delete()
        if before is not None:
            delete = delete.where(exchanges.c.asked_at < _as_utc(before).isoformat())
        with writing(self.engine) as db:  # SQLite overwrites the freed pages (secure_delete)
            forgotten = db.execute(delete).rowcount
        if forgotten and not self.is_sqlite:
            # PostgreSQL only marks deleted rows dead; VACUUM lets new rows overwrite them.
            with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as db:
                db.execute(sa.text("VACUUM exchanges"))
        return forgotten

    def get(self, exchange_id: str) -> Exchange | None:
        """One stored exchange, or None."""
        rows = self._select(exchanges.c.id == exchange_id)
        return rows[0] if rows else None

    def recent(self, limit: int = 50) -> list[Exchange]:
        """The latest stored exchanges, newest first."""
        return self._select(order=exchanges.c.asked_at.desc(), limit=limit)

    def between(
        self, since: datetime | None = None, until: datetime | None = None, limit: int | None = None
    ) -> list[Exchange]:
        """Questions asked in [since, until), newest first (at most `limit`)."""
        return self._select(*_period(since, until), order=exchanges.c.asked_at.desc(), limit=limit)

    def unanswered(
        self, since: datetime | None = None, until: datetime | None = None
    ) -> list[Exchange]:
        """Questions refused or voted down (asked in [since, until)), oldest first."""
        wanted = sa.and_(
            sa.or_(exchanges.c.refused == 1, exchanges.c.vote == -1), exchanges.c.urgent == 0
        )
        return self._select(wanted, *_period(since, until), order=exchanges.c.asked_at)

    def _select(self, *where, order=None, limit: int | None = None) -> list[Exchange]:
        query = sa.select(exchanges).where(*where)
        if order is not None:
            query = query.order_by(order)
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as db:
            return [_exchange(row) for row in db.execute(query).mappings()]


def _period(since: datetime | None, until: datetime | None) -> list:
    """The conditions of asked_at in [since, until)."""
    where = []
    if since is not None:
        where.append(exchanges.c.asked_at >= _as_utc(since).isoformat())
    if until is not None:
        where.append(exchanges.c.asked_at < _as_utc(until).isoformat())
    return where


def group_similar(
    exchanges: Sequence[Exchange], vectors: np.ndarray, threshold: float = 0.6
) -> list[QuestionGroup]:
    """Group questions whose unit-length embeddings are within `threshold` cosine similarity
    of a group's first question; biggest groups first, most recent first among equals.

    A greedy single pass is enough at the scale of a podcast's feedback (hundreds of rows).
    """
    groups: list[QuestionGroup] = []
    leaders: list[np.ndarray] = []
    for exchange, vector in zip(exchanges, vectors, strict=True):
        scores = [float(vector @ leader) for leader in leaders]
        best = int(np.argmax(scores)) if scores else -1
        if best >= 0 and scores[best] >= threshold:
            groups[best].questions.append(exchange)
        else:
            groups.append(QuestionGroup([exchange]))
            leaders.append(vector)
    return sorted(
        groups,
        key=lambda g: (len(g.questions), max(e.asked_at for e in g.questions)),
        reverse=True,
    )


def _exchange(row) -> Exchange:
    return Exchange(
        id=row["id"],
        asked_at=datetime.fromisoformat(row["asked_at"]),
        question=row["question"],
        answer=row["answer"],
        sources=json.loads(row["sources"]),
        refused=bool(row["refused"]),
        urgent=bool(row["urgent"]),
        vote=row["vote"],
    )


def _now() -> datetime:
    return datetime.now(UTC)


def _as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
