"""Questions as CSV for owners' own analysis: `report --csv` and the dashboard's download.

Listeners' text goes into spreadsheets, so a cell that a spreadsheet would run as a formula
(opening with `=`, `+`, `-`, `@`, a tab or a carriage return) is written with a leading `'`.
"""

import csv
import io
import json
from collections.abc import Iterable, Iterator, Sequence

from ui.feedback import Exchange, QuestionGroup

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
REPORT_COLUMNS = ["group", "group_size", "asked_at", "question", "refused", "thumbs_down"]
EXCHANGE_COLUMNS = ["asked_at", "question", "status", "vote", "answer", "sources"]


def cell(value: object) -> str:
    """One value as a CSV cell that no spreadsheet runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_lines(rows: Iterable[Sequence[object]]) -> Iterator[str]:
    """Each row as one CSV record (RFC 4180 quoting, CRLF line ends)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([cell(v) for v in row])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def report_rows(groups: Sequence[QuestionGroup]) -> Iterator[list[object]]:
    """The report's questions, one a row, with their group's number (1: the biggest)."""
    yield REPORT_COLUMNS
    for n, group in enumerate(groups, 1):
        for e in group.questions:
            thumbs_down = int(e.vote == -1)
            yield [
                n,
                len(group.questions),
                e.asked_at.isoformat(),
                e.question,
                int(e.refused),
                thumbs_down,
            ]


def status(exchange: Exchange) -> str:
    """How a question was met: urgent, refused or answered."""
    return "urgent" if exchange.urgent else "refused" if exchange.refused else "answered"


def exchange_rows(exchanges: Iterable[Exchange]) -> Iterator[list[object]]:
    """Every stored question with its answer, vote and the titles of the sources cited."""
    yield EXCHANGE_COLUMNS
    for e in exchanges:
        titles = [str(s.get("title", "")) for s in e.sources if isinstance(s, dict)]
        vote = {1: "up", -1: "down"}.get(e.vote, "")
        yield [
            e.asked_at.isoformat(),
            e.question,
            status(e),
            vote,
            e.answer,
            json.dumps(titles, ensure_ascii=False),
        ]
