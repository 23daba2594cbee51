"""What the owner's dashboard shows for a period: questions per day, how they were met, votes,
and the sources cited most (the unanswered-topic groups come from `ui.report`)."""

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa

from ui.database import exchanges
from ui.feedback import FeedbackStore

LONGEST_PERIOD_DAYS = 366
DEFAULT_PERIOD_DAYS = 30
CITED_ROWS = 5000  # latest answers read for "cited most": bounded work per page view


@dataclass(frozen=True)
class Period:
    """Whole UTC days, `first` to `last` included."""

    first: date
    last: date

    @classmethod
    def parse(cls, since: str | None, until: str | None, today: date | None = None) -> "Period":
        """The period a request names (YYYY-MM-DD, either end optional); the last 30 days when
        it names none, at most a year, and never in the wrong order."""
        today = today or datetime.now(UTC).date()
        last = _day(until) or today
        first = _day(since) or last - timedelta(days=DEFAULT_PERIOD_DAYS - 1)
        if first > last:
            first, last = last, first
        first = max(first, last - timedelta(days=LONGEST_PERIOD_DAYS - 1))
        return cls(first, last)

    @property
    def start(self) -> datetime:
        """The first moment of the period."""
        return datetime.combine(self.first, time(), UTC)

    @property
    def end(self) -> datetime:
        """The first moment after the period."""
        return datetime.combine(self.last + timedelta(days=1), time(), UTC)

    def days(self) -> list[date]:
        """Every day of the period, in order."""
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]


@dataclass
class Summary:
    """A period's figures."""

    per_day: list[tuple[date, int]]
    total: int = 0
    refused: int = 0
    urgent: int = 0
    thumbs_up: int = 0
    thumbs_down: int = 0
    cited: list[tuple[str, str, int]] = field(default_factory=list)  # (source id, title, count)

    @property
    def answered(self) -> int:
        """Questions answered from the podcast (neither refused nor urgent)."""
        return self.total - self.refused - self.urgent

    def share(self, count: int) -> float:
        """`count` as a share of the period's questions (0 when there were none)."""
        return count / self.total if self.total else 0.0


def summarise(feedback: FeedbackStore, period: Period, top: int = 10) -> Summary:
    """The figures of `period` read from the database."""
    within = sa.and_(
        exchanges.c.asked_at >= period.start.isoformat(),
        exchanges.c.asked_at < period.end.isoformat(),
    )
    day = sa.func.substr(exchanges.c.asked_at, 1, 10)  # ISO text: YYYY-MM-DD, in UTC
    counted = sa.select(day, sa.func.count()).where(within).group_by(day)
    totals = sa.select(
        sa.func.count(),
        _ones(sa.and_(exchanges.c.refused == 1, exchanges.c.urgent == 0)),  # urgent: its own
        _ones(exchanges.c.urgent == 1),
        _ones(exchanges.c.vote == 1),
        _ones(exchanges.c.vote == -1),
    ).where(within)
    answered = sa.and_(within, exchanges.c.refused == 0, exchanges.c.urgent == 0)
    cited = (
        sa.select(exchanges.c.sources)
        .where(answered)
        .order_by(exchanges.c.asked_at.desc())
        .limit(CITED_ROWS)
    )
    with feedback.engine.connect() as db:
        by_day = {d: n for d, n in db.execute(counted)}
        total, refused, urgent, up, down = db.execute(totals).one()
        source_lists = db.execute(cited).scalars().all()
    per_day = [(d, by_day.get(d.isoformat(), 0)) for d in period.days()]
    summary = Summary(per_day, total, int(refused), int(urgent), int(up), int(down))
    summary.cited = most_cited(source_lists, top)
    return summary


def most_cited(source_lists: list[str], top: int) -> list[tuple[str, str, int]]:
    """(source id, title, answers citing it) of the sources cited in most answers."""
    counts: Counter[str] = Counter()
    titles: dict[str, str] = {}
    for text in source_lists:
        try:
            sources = json.loads(text)
        except ValueError:
            continue
        ids = set()
        for source in sources if isinstance(sources, list) else []:
            if isinstance(source, dict) and isinstance(source.get("source_id"), str):
                ids.add(source["source_id"])
                titles.setdefault(source["source_id"], str(source.get("title") or ""))
        counts.update(ids)
    return [(sid, titles[sid], n) for sid, n in counts.most_common(top)]


def _ones(condition) -> sa.ColumnElement:
    """How many rows meet `condition` (0, not NULL, when there are none)."""
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text.strip()) if text else None
    except ValueError:
        return None
