"""The chat and the website widget in real headless Chromium (Debian's, driven by Playwright).

One app server for the module, two "listener websites" on other ports (one allowed to embed the
chat, one not), and one browser shared by every test.
"""

import json
import re
from dataclasses import replace

import pytest
from click.testing import CliRunner
from conftest import ARTICLE_TITLE, ask
from webserver import HOSTILE_QUESTION, hostile_assistant, serve_app, serve_page, without_gradio

from assistant.prompts import STANDING_NOTE
from assistant.records import Answer
from ui.app import build_app
from ui.cli import main
from ui.feedback import FeedbackStore
from ui.ratelimit import RateLimiter

pytestmark = pytest.mark.browser

PIRIFORMIS = "why isn't my piriformis stretch working?"
OFF_TOPIC = ["What is the best pizza in Naples?", "Where can I eat the best pizza in Naples?"]
ANSWER_WAIT = 30_000  # ms; the shared 2-core machine can be slow to embed a question

# A listener-facing website with rules that would wreck an unisolated widget.
HOST_PAGE = """<!doctype html><html><head><title>Back In Shape</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>
* {{ box-sizing: content-box !important; }}
button {{ background: red !important; font-size: 40px !important; color: yellow !important; }}
iframe {{ border: 9px solid red !important; }}
</style></head><body><h1>Back In Shape</h1><p>Our articles and episodes.</p>
<script src="{app}/widget.js" data-title="Ask the podcast" data-color="#0a7"
 data-position="right" async></script>
</body></html>"""


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1100, "height": 800})
    page = context.new_page()
    page.set_default_timeout(ANSWER_WAIT)
    yield page
    context.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory, embedder):
    """The app, a website allowed to embed it and one that is not; where feedback is kept."""
    assistant = hostile_assistant(tmp_path_factory, embedder)
    data_dir = tmp_path_factory.mktemp("browser-data")
    feedback = FeedbackStore(data_dir / "feedback.sqlite3")
    app: dict[str, str] = {}

    def html() -> str:
        return HOST_PAGE.format(app=app["url"])

    with serve_page(html) as allowed, serve_page(html) as other:
        settings = assistant.settings.model_copy(update={"allowed_origins": [allowed]})
        with serve_app(build_app(assistant, feedback, without_gradio(settings))) as app_url:
            app["url"] = app_url
            yield {
                "app": app_url,
                "allowed": allowed,
                "other": other,
                "feedback": feedback,
                "data_dir": data_dir,
            }


def test_chat_page_answers_with_a_visible_citation(site, page, tmp_path):
    page.goto(site["app"] + "/")
    assert page.locator(".example").count() >= 3
    answer = ask(page, PIRIFORMIS)
    marker = answer.locator("a.cite").first
    assert marker.is_visible() and re.fullmatch(r"\[\d+\]", marker.inner_text())
    source_id = marker.get_attribute("href").lstrip("#")
    source = page.locator(f"#{source_id}")
    link = source.locator("a.title")
    assert link.is_visible() and link.inner_text() == ARTICLE_TITLE
    assert source.locator("blockquote").inner_text().strip()
    assert answer.locator(".note").is_visible()
    assert answer.locator(".note").inner_text() == STANDING_NOTE
    href = link.get_attribute("href")
    assert href.startswith(site["app"] + "/sources/") and href.endswith("#passage")
    shot = tmp_path / "chat.png"
    page.screenshot(path=shot, full_page=True)
    assert shot.stat().st_size > 10_000

    with page.context.expect_page() as opened:
        link.click()
    source_page = opened.value
    source_page.wait_for_load_state()
    assert source_page.locator("h1").inner_text() == ARTICLE_TITLE
    assert source_page.locator("mark#passage").is_visible()

    page.get_by_role("button", name="New chat").click()
    assert page.locator(".message").count() == 0 and page.locator("#intro").is_visible()


def test_chat_fits_a_phone_screen(site, browser, tmp_path):
    context = browser.new_context(viewport={"width": 375, "height": 667}, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(ANSWER_WAIT)
    page.goto(site["app"] + "/")
    page.get_by_role("button", name="How do strong hips help my lower back?").click()
    page.locator(".votes").wait_for()
    page.screenshot(path=tmp_path / "phone.png")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, "the chat scrolls sideways on a phone"
    box = page.locator("#send").bounding_box()
    assert box["y"] + box["height"] <= 667 and box["x"] + box["width"] <= 375
    context.close()


def test_widget_on_another_origin_opens_answers_and_takes_feedback(site, page, tmp_path):
    page.goto(site["allowed"] + "/")
    launcher = page.get_by_role("button", name="Ask the podcast")
    launcher.wait_for()
    style = launcher.evaluate(
        "b => { const s = getComputedStyle(b); return [s.backgroundColor, s.fontSize, s.right]; }"
    )
    # data-color and data-position applied; the host page's button rules kept out
    assert style == ["rgb(0, 170, 119)", "15px", "20px"]
    launcher.click()
    frame_element = page.locator("iframe[title='Ask the podcast']")
    frame_element.wait_for()
    source = frame_element.get_attribute("src")
    assert source.startswith(site["app"] + "/embed?") and "title" not in source
    chat = page.frame_locator("iframe[title='Ask the podcast']")
    chat.locator("#chat").wait_for()
    # data-title labels the button; the heading is the server's PODCAST_ASSISTANT_TITLE
    assert chat.locator("h1").inner_text() == "Ask the Back In Shape podcast"
    answer = ask(chat, PIRIFORMIS)
    assert answer.locator("a.cite").first.is_visible()
    assert answer.locator(".sources a.title").first.inner_text() == ARTICLE_TITLE
    page.screenshot(path=tmp_path / "widget.png")

    answer.get_by_role("button", name="Helpful", exact=True).click()
    answer.get_by_text("Thanks for the feedback.").wait_for()
    stored = site["feedback"].recent(1)[0]
    assert stored.question == PIRIFORMIS and stored.vote == 1
    assert stored.sources[0]["title"] == ARTICLE_TITLE

    closer = page.locator("[data-podcast-assistant] .launcher")
    assert closer.get_attribute("aria-expanded") == "true"
    closer.click()
    assert not frame_element.is_visible()


def test_widget_fits_a_phone_screen(site, browser, tmp_path):
    context = browser.new_context(viewport={"width": 375, "height": 667}, is_mobile=True)
    page = context.new_page()
    page.goto(site["allowed"] + "/")
    launcher = page.locator("[data-podcast-assistant] .launcher")
    launcher.click()
    chat = page.frame_locator("iframe[title='Ask the podcast']")
    chat.locator("#question").wait_for()
    frame = page.locator("iframe[title='Ask the podcast']").bounding_box()
    button = launcher.bounding_box()
    page.screenshot(path=tmp_path / "widget-phone.png")
    assert frame["x"] >= 0 and frame["x"] + frame["width"] <= 375 and frame["y"] >= 0
    assert frame["y"] + frame["height"] <= button["y"] <= 667 - button["height"]
    assert chat.locator("#send").is_visible()
    context.close()


def test_widget_on_a_site_not_allowed_hides_and_tells_the_owner(site, page):
    told = []
    page.on("console", lambda m: told.append(m.text) if "ALLOWED_ORIGINS" in m.text else None)
    page.clock.install()  # the page's timers, to be run forward below
    with page.expect_response(lambda r: "/embed?" in r.url) as embed:
        page.goto(site["other"] + "/")
    policy = embed.value.headers["content-security-policy"]
    assert f"frame-ancestors 'self' {site['allowed']}" in policy
    assert site["other"] not in policy
    # The widget gives the chat 2 s from the frame's load event (fired before `goto` returns)
    # to announce itself: the page's clock is run past that rather than waited out.
    page.clock.run_for(2100)
    for _ in range(100):
        if told:
            break
        page.wait_for_timeout(100)
    assert len(told) == 1, told
    assert "PODCAST_ASSISTANT_ALLOWED_ORIGINS" in told[0] and site["other"] in told[0]
    page.wait_for_timeout(300)
    assert len(told) == 1  # said once
    assert page.locator("[data-podcast-assistant]").count() == 0, "the launcher is still there"
    assert page.get_by_role("button").count() == 0


def test_hostile_source_is_shown_as_text(site, page):
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(site["app"] + "/")
    answer = ask(page, HOSTILE_QUESTION)
    assert "<script>alert(2)</script>" in answer.locator(".text").inner_text()
    titles = answer.locator(".sources a.title").all_inner_texts()
    assert "Evil <img src=x onerror=alert(1)> title" in titles
    quotes = " ".join(answer.locator(".sources blockquote").all_inner_texts())
    assert "<script>alert(2)</script>" in quotes
    assert page.locator("#messages img, #messages script").count() == 0
    evil = answer.locator(".sources a.title", has_text="Evil").get_attribute("href")
    page.goto(evil)
    assert "<script>alert(2)</script>" in page.locator("body").inner_text()
    page.wait_for_timeout(300)
    assert dialogs == []


def test_rate_limit_shows_a_friendly_message_then_lets_the_next_window_in(
    site, page, tmp_path_factory, embedder, monkeypatch
):
    assistant = hostile_assistant(tmp_path_factory, embedder)
    settings = assistant.settings.model_copy(
        update={"rate_limit_questions": 1, "rate_limit_window_seconds": 60}
    )
    # The limiter's clock is the test's: the window is run past, not waited out (and no answer,
    # however slow, can outlast it).
    now = [1000.0]
    monkeypatch.setattr(
        "ui.app.question_limiter",
        lambda engine, s: RateLimiter(
            engine, s.rate_limit_questions, s.rate_limit_window_seconds, clock=lambda: now[0]
        ),
    )
    feedback = FeedbackStore(tmp_path_factory.mktemp("limited-browser") / "feedback.sqlite3")
    with serve_app(build_app(assistant, feedback, without_gradio(settings))) as url:
        page.goto(url + "/")
        assert "notice" not in ask(page, PIRIFORMIS).get_attribute("class")
        limited = ask(page, PIRIFORMIS)
        assert "notice" in limited.get_attribute("class")
        assert re.search(r"Please wait \d+ seconds? and ask again", limited.inner_text())
        now[0] += 60  # the window is over: ask again
        again = ask(page, PIRIFORMIS)
        assert "notice" not in again.get_attribute("class")
        assert again.locator("a.cite").count() >= 1


def test_urgent_answer_stands_out(site, page, tmp_path_factory, embedder):
    assistant = hostile_assistant(tmp_path_factory, embedder)
    urgent = Answer(text="Please call emergency services now.", refused=False, urgent=True)
    alarmed = replace(assistant, answerer=lambda question, passages, seen, repeat_best: urgent)
    feedback = FeedbackStore(tmp_path_factory.mktemp("urgent") / "feedback.sqlite3")
    with serve_app(build_app(alarmed, feedback, without_gradio(alarmed.settings))) as url:
        page.goto(url + "/")
        answer = ask(page, "I suddenly can't feel my legs")
        assert "urgent" in answer.get_attribute("class")
        assert page.get_by_role("alert").inner_text().startswith("Please call emergency")
        color = answer.evaluate("a => getComputedStyle(a).borderTopColor")
        assert color == "rgb(179, 38, 30)"


def test_report_lists_refused_and_thumbs_down_questions(site, page):
    page.goto(site["app"] + "/")
    for question in OFF_TOPIC:
        assert "refused" in ask(page, question).get_attribute("class")
    disliked = ask(page, "How do strong hips help my lower back?")
    disliked.get_by_role("button", name="Not helpful").click()
    disliked.get_by_text("Thanks for the feedback.").wait_for()

    result = CliRunner().invoke(main, ["--data-dir", str(site["data_dir"]), "report", "--json"])
    assert result.exit_code == 0, result.output
    groups = json.loads(result.output)["groups"]
    pizza = next(g for g in groups if OFF_TOPIC[0] in g["questions"])
    assert sorted(pizza["questions"]) == sorted(OFF_TOPIC) and pizza["refused"] == 2
    assert groups[0] is pizza  # the most frequent first
    hips = next(g for g in groups if "How do strong hips help my lower back?" in g["questions"])
    assert hips["thumbs_down"] == 1
    text = CliRunner().invoke(main, ["--data-dir", str(site["data_dir"]), "report"]).output
    assert OFF_TOPIC[0] in text and "How do strong hips help my lower back?" in text


LONG_STORY = (
    "I'm 52 and I've run for 20 years. Since last spring I get a deep ache in my buttock that "
    "goes down the back of my thigh. My physio says it's piriformis and gave me the figure 4 "
    "stretch, I do it every day and it's not getting better. Why isn't it working?"
)


def test_answers_read_as_excerpts_with_the_answer_marked(site, page, tmp_path):
    """The three answers of the issue, as a listener sees them: a question, a long story and a
    follow-up; each kept as a screenshot and as text in the test's tmp dir."""
    page.goto(site["app"] + "/")
    shown = []
    for n, question in enumerate([PIRIFORMIS, LONG_STORY, "what should I do instead?"], 1):
        answer = ask(page, question)
        text = answer.locator(".text")
        assert text.locator("strong.answers").count() >= 1  # the sentence that answers, marked
        assert text.locator("a.cite").count() >= 1
        said = text.inner_text()
        assert "**" not in said and "### " not in said  # markup rendered, never shown raw
        if text.locator("h4.excerpt-heading").count():
            assert text.locator("h4.excerpt-heading").first.is_visible()
        answer.screenshot(path=tmp_path / f"answer-{n}.png")
        shown.append(f"Q: {question}\n{said}\n")
    assert shown[2].split("\n", 1)[1] != shown[0].split("\n", 1)[1]  # the follow-up moves on
    (tmp_path / "answers.txt").write_text("\n".join(shown), encoding="utf-8")
    page.screenshot(path=tmp_path / "chat.png", full_page=True)
