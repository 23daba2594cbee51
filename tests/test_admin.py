"""The owner's dashboard over HTTP: off without a token, 401 without the token, Bearer or a
login cookie, rate-limited wrong tokens, the period's figures, the CSV download and forgetting."""

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from pydantic import ValidationError
from webserver import hostile_assistant, serve_app, without_gradio

from assistant.records import Answer
from assistant.settings import Settings
from ui.app import build_app
from ui.database import rate_limits
from ui.feedback import FeedbackStore

TOKEN = "owner-token-0123456789"
BEARER = {"Authorization": f"Bearer {TOKEN}"}
HOSTILE = '<img src=x onerror="alert(1)"> =cmd|"/c calc"!A1 my back?'
SOURCE = {"n": 1, "source_id": "file:evil.md", "title": "Evil <b>title</b>", "link": "/s"}
NOW = datetime.now(UTC)


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


@pytest.fixture(scope="module")
def admin(tmp_path_factory, embedder):
    """The app with an admin token, and its feedback holding a scripted month of questions."""
    assistant = hostile_assistant(tmp_path_factory, embedder)
    feedback = FeedbackStore(tmp_path_factory.mktemp("admin") / "feedback.sqlite3")
    answered = Answer("Hinge at the hips. [1]", refused=False)
    for days in (0, 0, 1, 3):
        feedback.vote(feedback.record("How do I hinge?", answered, [SOURCE], ago(days)), 1)
    disliked = feedback.record("Are squats bad for the back?", answered, [SOURCE], ago(2))
    feedback.vote(disliked, -1)
    feedback.record("Is walking good for my back?", answered, [SOURCE], ago(5))  # no vote
    refused = Answer("Sorry, not covered.", refused=True)
    for question in ("Best pizza in Naples?", "Where is good pizza in Naples?", HOSTILE):
        feedback.record(question, refused, [], ago(1))
    feedback.record("numb groin", Answer("Get help now.", True, urgent=True), [], ago(0))
    feedback.record("Asked two months ago", refused, [], ago(60))  # outside the last 30 days
    settings = assistant.settings.model_copy(
        update={"admin_token": Settings(admin_token=TOKEN).admin_token}
    )
    with serve_app(build_app(assistant, feedback, without_gradio(settings))) as url:
        yield url, feedback


def test_no_token_no_dashboard(tmp_path_factory, embedder):
    assistant = hostile_assistant(tmp_path_factory, embedder)
    feedback = FeedbackStore(tmp_path_factory.mktemp("no-admin") / "feedback.sqlite3")
    with serve_app(build_app(assistant, feedback, without_gradio(assistant.settings))) as url:
        assert httpx.get(f"{url}/admin", headers=BEARER).status_code == 404
    with pytest.raises(ValidationError):
        Settings(admin_token="too-short")


def test_the_dashboard_asks_for_the_token(admin):
    url, _ = admin
    refused = httpx.get(f"{url}/admin")
    assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"
    assert 'action="/admin/login"' in refused.text and "Sudden" not in refused.text
    assert "script-src 'self'" in refused.headers["content-security-policy"]
    wrong = httpx.get(f"{url}/admin", headers={"Authorization": "Bearer not-the-token"})
    assert wrong.status_code == 401 and "pizza" not in wrong.text
    assert httpx.get(f"{url}/admin/export.csv").status_code == 401
    opened = httpx.get(f"{url}/admin", headers=BEARER)
    assert opened.status_code == 200 and opened.headers["cache-control"] == "no-store"


def test_login_sets_a_strict_http_only_cookie(admin):
    url, _ = admin
    with httpx.Client(base_url=url) as browser:
        failed = browser.post("/admin/login", data={"token": TOKEN[:-1] + "x"})
        assert failed.status_code == 401 and "not the admin token" in failed.text
        signed_in = browser.post("/admin/login", data={"token": TOKEN})
        assert signed_in.status_code == 303 and signed_in.headers["location"] == "/admin"
        cookie = signed_in.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/admin" in cookie
        assert TOKEN not in cookie  # a signed expiry, not the token
        assert browser.get("/admin").status_code == 200
        value = browser.cookies["podcast_admin"]
        browser.cookies.set(
            "podcast_admin", value[:-1] + ("0" if value[-1] != "0" else "1"), path="/admin"
        )
        assert browser.get("/admin").status_code == 401  # a forged signature
        browser.cookies.clear()
        browser.post("/admin/login", data={"token": TOKEN})
        assert browser.post("/admin/logout").status_code == 303
        assert browser.get("/admin").status_code == 401


def test_the_dashboard_shows_the_period(admin):
    url, _ = admin
    page = httpx.get(f"{url}/admin", headers=BEARER).text
    assert len(re.findall(r'<rect class="bar"', page)) == 30  # one bar a day, last 30 days
    assert f"<title>{NOW.date().isoformat()}: 3</title>" in page  # two hinges and the urgent
    assert "10 questions in all." in page
    assert 'Answered</span><span class="figure">6 · 60%' in page
    assert 'Refused (not covered)</span><span class="figure">3 · 30%' in page
    assert 'Urgent (sent to a doctor)</span><span class="figure">1 · 10%' in page
    assert '👍 helpful</span><span class="figure">4 · 40%' in page
    assert '👎 not helpful</span><span class="figure">1 · 10%' in page
    groups = page.split('id="groups"')[1].split("</section>")[0]
    assert "Best pizza in Naples?" in groups and "Where is good pizza in Naples?" in groups
    assert "Are squats bad for the back?" in groups and "numb groin" not in groups
    assert "<li>&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in groups  # text, not HTML
    assert "<img" not in page
    cited = page.split('id="cited"')[1]
    assert "Evil &lt;b&gt;title&lt;/b&gt;</a> <span class='figure'>6 answers" in cited
    since = ago(1.5).date()
    week = httpx.get(f"{url}/admin", params={"since": since.isoformat()}, headers=BEARER)
    # A bar a day from `since` to today: two after midday (UTC), three before it.
    assert len(re.findall(r'<rect class="bar"', week.text)) == (NOW.date() - since).days + 1
    old = {"since": ago(61).date().isoformat(), "until": ago(59).date().isoformat()}
    assert "1 question in all." in httpx.get(f"{url}/admin", params=old, headers=BEARER).text


def test_csv_download_of_the_period(admin):
    url, _ = admin
    got = httpx.get(f"{url}/admin/export.csv", headers=BEARER)
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv")
    assert "attachment" in got.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(got.text)))
    assert len(rows) == 10
    assert [r["asked_at"] for r in rows] == sorted(r["asked_at"] for r in rows)
    hostile = [r for r in rows if "onerror" in r["question"]]
    assert hostile[0]["question"] == HOSTILE  # starts with <, so not a formula: kept exact
    statuses = [r["status"] for r in rows]
    assert statuses.count("refused") == 3 and statuses.count("urgent") == 1
    assert sorted(r["vote"] for r in rows).count("up") == 4
    assert {r["vote"] for r in rows} == {"up", "down", ""}


def test_forget_from_the_dashboard(admin):
    url, feedback = admin
    feedback.record(
        "from 2001", Answer("Sorry.", refused=True), [], datetime(2001, 5, 1, tzinfo=UTC)
    )
    elsewhere = {"Origin": "https://evil.example", **BEARER}
    assert (
        httpx.post(
            f"{url}/admin/forget", data={"before": "2002-01-01"}, headers=elsewhere
        ).status_code
        == 403
    )
    assert httpx.post(f"{url}/admin/forget", data={"before": "2002-01-01"}).status_code == 401
    done = httpx.post(f"{url}/admin/forget", data={"before": "2002-01-01"}, headers=BEARER)
    assert done.status_code == 303 and done.headers["location"] == "/admin?forgotten=1"
    assert "from 2001" not in {e.question for e in feedback.recent(100)}
    shown = httpx.get(f"{url}/admin?forgotten=1", headers=BEARER).text
    assert "Deleted 1 question." in shown


def test_wrong_tokens_are_limited_per_address(admin):
    url, feedback = admin
    with feedback.engine.begin() as db:  # forget the wrong tokens earlier tests sent
        db.execute(rate_limits.delete())
    wrong = {"Authorization": "Bearer guess-guess-guess"}
    codes = [httpx.get(f"{url}/admin", headers=wrong).status_code for _ in range(10)]
    codes.append(httpx.post(f"{url}/admin/login", data={"token": "guess"}).status_code)
    assert codes == [401] * 10 + [429]
    blocked = httpx.get(f"{url}/admin", headers=BEARER)  # even the right token, for now
    assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 800
