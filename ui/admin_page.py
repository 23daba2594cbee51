"""The owner's dashboard and its login page as HTML: every listener's or source's string escaped
(shown as text, never HTML), charts drawn here as inline SVG, so the page needs no script."""

from datetime import date
from html import escape
from urllib.parse import quote, urlencode

from ui.admin_data import Period, Summary
from ui.feedback import QuestionGroup

QUESTIONS_SHOWN = 5  # per group; the CSV has them all
_HEAD = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>{title}</title>
<link rel="stylesheet" href="/static/admin.css"></head><body>"""


def login_page(title: str, message: str = "") -> str:
    """The form that asks for the admin token."""
    note = f'<p class="error" role="alert">{escape(message)}</p>' if message else ""
    return (
        _HEAD.format(title=escape(f"{title}: owner's dashboard"))
        + f"<main class='login'><h1>{escape(title)}</h1><h2>Owner's dashboard</h2>{note}"
        '<form method="post" action="/admin/login"><label for="token">Admin token</label>'
        '<input id="token" name="token" type="password" autocomplete="current-password" '
        'required maxlength="500"><button type="submit">Sign in</button></form></main>'
        "</body></html>"
    )


def dashboard_page(
    title: str,
    period: Period,
    summary: Summary,
    groups: list[QuestionGroup],
    retention_days: int,
    notice: str = "",
) -> str:
    """The whole dashboard for one period."""
    shown = escape(f"{period.first:%d %b %Y} to {period.last:%d %b %Y}")
    parts = [
        _HEAD.format(title=escape(f"{title}: owner's dashboard")),
        f"<header><h1>{escape(title)}</h1><p class='period'>{shown}</p>",
        '<form method="post" action="/admin/logout"><button type="submit">Sign out</button>'
        "</form></header><main>",
        f'<p class="notice" role="status">{escape(notice)}</p>' if notice else "",
        _period_form(period),
        _section("Questions per day", _day_chart(summary.per_day), "per-day"),
        _section("How questions were met", _shares(summary), "shares"),
        _section("What the podcast doesn't cover yet", _groups(groups), "groups"),
        _section("Sources cited most", _cited(summary.cited), "cited"),
        _section("Keeping questions", _retention(retention_days), "retention"),
        "</main></body></html>",
    ]
    return "".join(parts)


def _section(heading: str, body: str, name: str) -> str:
    return f'<section id="{name}"><h2>{escape(heading)}</h2>{body}</section>'


def _period_form(period: Period) -> str:
    quick = " ".join(
        f'<a href="/admin?{urlencode({"since": _ago(period.last, n)})}">{n} days</a>'
        for n in (7, 30, 90, 365)
    )
    query = urlencode({"since": period.first.isoformat(), "until": period.last.isoformat()})
    return (
        '<form class="period" method="get" action="/admin">'
        f'<label>From <input type="date" name="since" value="{period.first.isoformat()}"></label>'
        f'<label>to <input type="date" name="until" value="{period.last.isoformat()}"></label>'
        f'<button type="submit">Show</button></form><p class="quick">Last {quick} · '
        f'<a href="/admin/export.csv?{query}" download>Download these questions (CSV)</a></p>'
    )


def _ago(last: date, days: int) -> str:
    return date.fromordinal(last.toordinal() - days + 1).isoformat()


def _day_chart(per_day: list[tuple[date, int]]) -> str:
    """A bar a day, scaled to the busiest day; each bar's tooltip gives its figure."""
    width, height, top = 600, 160, max((n for _, n in per_day), default=0)
    step = width / max(len(per_day), 1)
    bars = []
    for i, (day, n) in enumerate(per_day):
        h = 0 if not top else max(round(n / top * (height - 20), 1), 1.5 if n else 0)
        bars.append(
            f'<rect class="bar" x="{i * step + step * 0.1:.1f}" y="{height - h:.1f}" '
            f'width="{step * 0.8:.1f}" height="{h}"><title>{day.isoformat()}: {n}</title></rect>'
        )
    total = sum(n for _, n in per_day)
    label = f"{total} question{'s' if total != 1 else ''}, at most {top} a day"
    return (
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{label}">'
        f'<text x="2" y="12" class="axis">{top}</text>'
        f'<line x1="0" y1="{height}" x2="{width}" y2="{height}" class="axis"/>{"".join(bars)}'
        f"</svg><p class='caption'>{label}; {per_day[0][0]} to {per_day[-1][0]} (UTC)</p>"
    )


def _shares(summary: Summary) -> str:
    rows = [
        ("Answered", summary.answered, "answered"),
        ("Refused (not covered)", summary.refused, "refused"),
        ("Urgent (sent to a doctor)", summary.urgent, "urgent"),
        ("👍 helpful", summary.thumbs_up, "up"),
        ("👎 not helpful", summary.thumbs_down, "down"),
    ]
    items = []
    for label, count, name in rows:
        share = summary.share(count)
        items.append(
            f'<li class="{name}"><span class="label">{escape(label)}</span>'
            f'<span class="figure">{count} · {share:.0%}</span>'
            f'<svg class="share" viewBox="0 0 100 6" preserveAspectRatio="none" aria-hidden="true">'
            f'<rect width="100" height="6" class="track"/><rect width="{share * 100:.1f}" '
            'height="6" class="fill"/></svg></li>'
        )
    total = f"{summary.total} question{'s' if summary.total != 1 else ''} in all"
    return f"<p>{total}.</p><ul class='shares'>{''.join(items)}</ul>"


def _groups(groups: list[QuestionGroup], shown_groups: int = 10) -> str:
    if not groups:
        return "<p>No refused or thumbs-down questions in this period.</p>"
    items = []
    for group in groups[:shown_groups]:
        questions = "".join(
            f"<li>{escape(e.question)}</li>" for e in group.questions[:QUESTIONS_SHOWN]
        )
        more = len(group.questions) - QUESTIONS_SHOWN
        extra = f"<li class='more'>and {more} more</li>" if more > 0 else ""
        items.append(
            f"<li><p class='count'>{len(group.questions)} × · {group.refused} refused · "
            f"{group.thumbs_down} 👎</p><ul class='questions'>{questions}{extra}</ul></li>"
        )
    return f"<ol class='groups'>{''.join(items)}</ol>"


def _cited(cited: list[tuple[str, str, int]]) -> str:
    if not cited:
        return "<p>No answers cited a source in this period.</p>"
    items = "".join(
        f'<li><a href="/sources/{quote(sid, safe="")}">{escape(title or sid)}</a> '
        f"<span class='figure'>{n} answer{'s' if n != 1 else ''}</span></li>"
        for sid, title, n in cited
    )
    return f"<ol class='cited'>{items}</ol>"


def _retention(days: int) -> str:
    kept = f"{days} days" if days else "until forgotten (no limit set)"
    return (
        f"<p>Questions, their answers and votes are kept {escape(kept)} "
        "(PODCAST_ASSISTANT_RETENTION_DAYS), then deleted.</p>"
        '<form method="post" action="/admin/forget" class="forget">'
        '<label>Forget questions asked before <input type="date" name="before" required>'
        '</label><button type="submit">Forget</button></form>'
    )
