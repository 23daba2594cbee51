"""The feedback store: each answered question, its sources and the listener's vote, in SQLite.

This is the only place listeners' questions are kept (they are health information; the logs
never hold them at INFO). The owner's report reads it back: questions that were refused or got
a thumbs-down, grouped by meaning.
"""

import json
import secrets
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from assistant.records import Answer

_SCHEMA = """
CREATE TABLE IF NOT EXISTS exchanges (
    id TEXT PRIMARY KEY,
    asked_at TEXT NOT NULL,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    sources TEXT NOT NULL,
    refused INTEGER NOT NULL,
    urgent INTEGER NOT NULL,
    vote INTEGER,
    voted_at TEXT
);
CREATE INDEX IF NOT EXISTS exchanges_asked_at ON exchanges (asked_at);
"""


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
    """Answered questions and votes in one SQLite file (a connection per call: thread-safe)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.executescript(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=10)
        db.row_factory = sqlite3.Row
        return db

    def record(self, question: str, answer: Answer, sources: Sequence[dict]) -> str:
        """Store an answered question; returns the unguessable id a vote refers to."""
        exchange_id = secrets.token_urlsafe(16)
        with self._connect() as db:
            db.execute(
                "INSERT INTO exchanges (id, asked_at, question, answer, sources, refused, urgent)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    exchange_id,
                    _now().isoformat(),
                    question,
                    answer.text,
                    json.dumps(list(sources), ensure_ascii=False),
                    int(answer.refused),
                    int(answer.urgent),
                ),
            )
        return exchange_id

    def vote(self, exchange_id: str, vote: int) -> bool:
        """Set the vote (+1 or -1) on an answer; False if there is no such answer."""
        if vote not in (1, -1):
            raise ValueError("a vote is 1 or -1")
        with self._connect() as db:
            cursor = db.execute(
                "UPDATE exchanges SET vote = ?, voted_at = ? WHERE id = ?",
                (vote, _now().isoformat(), exchange_id),
            )
        return cursor.rowcount == 1

    def forget(self, before: datetime | None = None) -> int:
        """Delete the questions asked before `before` (all of them with None), their answers
        and votes, overwriting the freed pages; returns how many were deleted."""
        query, params = "DELETE FROM exchanges", ()
        if before is not None:
            query, params = query + " WHERE asked_at < ?", (_as_utc(before).isoformat(),)
        with self._connect() as db:
            db.execute("PRAGMA secure_delete = ON")  # no deleted question left in free pages
            return db.execute(query, params).rowcount

    def get(self, exchange_id: str) -> Exchange | None:
        """One stored exchange, or None."""
        with self._connect() as db:
            row = db.execute("SELECT * FROM exchanges WHERE id = ?", (exchange_id,)).fetchone()
        return _exchange(row) if row else None

    def recent(self, limit: int = 50) -> list[Exchange]:
        """The latest stored exchanges, newest first."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT * FROM exchanges ORDER BY asked_at DESC, rowid DESC LIMIT ?", (limit,)
            ).fetchall()
        return [_exchange(row) for row in rows]

    def unanswered(self, since: datetime | None = None) -> list[Exchange]:
        """Questions refused or voted down (asked at or after `since`), oldest first."""
        query = "SELECT * FROM exchanges WHERE (refused = 1 OR vote = -1) AND urgent = 0"
        params: tuple = ()
        if since is not None:
            query += " AND asked_at >= ?"
            params = (_as_utc(since).isoformat(),)
        with self._connect() as db:
            rows = db.execute(query + " ORDER BY asked_at", params).fetchall()
        return [_exchange(row) for row in rows]


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


def _exchange(row: sqlite3.Row) -> Exchange:
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
