"""The owner's dashboard in real headless Chromium (Debian's, driven by Playwright), after a
scripted session of questions and votes through the chat's API; screenshots kept in tmp_path."""

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from webserver import hostile_assistant, serve_app, without_gradio

from assistant.settings import Settings
from ui.app import build_app
from ui.feedback import FeedbackStore

pytestmark = pytest.mark.browser

TOKEN = "dashboard-owner-token-7"
HOSTILE = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script> is <b>yoga</b> ok?'
SESSION = [  # (question, vote)
    ("why isn't my piriformis stretch working?", 1),
    ("How do strong hips help my lower back?", -1),
    ("What is the best pizza in Naples?", None),
    ("Where can I eat the best pizza in Naples?", None),
    (HOSTILE, -1),
]


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory, embedder):
    """The app with an admin token, after the scripted session through its own API."""
    assistant = hostile_assistant(tmp_path_factory, embedder)
    feedback = FeedbackStore(tmp_path_factory.mktemp("dashboard") / "feedback.sqlite3")
    token = Settings(admin_token=TOKEN).admin_token
    settings = assistant.settings.model_copy(update={"admin_token": token})
    with serve_app(build_app(assistant, feedback, without_gradio(settings))) as url:
        for question, vote in SESSION:
            answer = httpx.post(f"{url}/api/ask", json={"question": question}, timeout=60)
            assert answer.status_code == 200
            if vote:
                body = {"id": answer.json()["id"], "vote": vote}
                assert httpx.post(f"{url}/api/feedback", json=body).is_success
        yield url


def _broken(response) -> bool:
    """An error response other than the 401 that asks for the token and the icon we don't have."""
    path = response.url.split("/", 3)[-1]
    return response.status >= 400 and response.status != 401 and path != "favicon.ico"


def test_the_dashboard_in_a_browser(browser, dashboard, tmp_path):
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    problems: list[str] = []  # blocked by the CSP, a script run, a broken link
    page.on("console", lambda m: problems.append(m.text) if "Refused" in m.text else None)
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if _broken(r) else None)
    page.on("dialog", lambda d: (problems.append("dialog: " + d.message), d.dismiss()))
    refused = page.goto(f"{dashboard}/admin")
    assert refused.status == 401 and page.locator("input[name=token]").is_visible()
    page.fill("input[name=token]", TOKEN)
    page.click("button[type=submit]")
    page.wait_for_selector("svg.chart")
    cookie = next(c for c in context.cookies() if c["name"] == "podcast_admin")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert page.evaluate("document.cookie") == ""  # no script can read the session

    assert page.locator("svg.chart rect.bar").count() == 30
    today = page.locator("svg.chart rect.bar").last
    assert today.bounding_box()["height"] > 100  # today's bar: the busiest day, full height
    shares = page.locator("#shares").inner_text()
    assert "5 questions in all." in shares and "👍 helpful\n1 · 20%" in shares
    groups = page.locator("#groups").inner_text()
    assert "What is the best pizza in Naples?" in groups and HOSTILE in groups
    assert "How do strong hips help my lower back?" in groups  # its thumbs-down
    assert page.locator("#groups img, #groups script, #groups b").count() == 0
    assert page.evaluate("window.pwned") is None
    assert "Why Your Hips Are Breaking Your Back?" in page.locator("#cited").inner_text()
    page.screenshot(path=str(tmp_path / "admin-dashboard.png"), full_page=True)
    assert not problems, problems  # no CSP violation, no script run

    phone = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, device_scale_factor=2
    )
    phone.add_cookies(context.cookies())
    small = phone.new_page()
    small.goto(f"{dashboard}/admin")
    width = small.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], width  # nothing wider than a phone's screen
    assert small.locator("svg.chart").bounding_box()["width"] <= 390
    small.screenshot(path=str(tmp_path / "admin-phone.png"), full_page=True)
    phone.close()

    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    page.fill("input[name=before]", tomorrow)
    page.click("form.forget button")
    page.wait_for_selector(".notice")
    assert page.locator(".notice").inner_text() == "Deleted 5 questions."
    assert "No refused or thumbs-down questions" in page.locator("#groups").inner_text()
    context.close()
