"""The web app over real HTTP on 127.0.0.1: pages, headers, the streaming and JSON APIs."""

import json
import logging
import time

import httpx
import pytest
from conftest import ARTICLE_TITLE
from webserver import HOSTILE_QUESTION, hostile_assistant, serve_app

from assistant.prompts import STANDING_NOTE
from assistant.settings import Settings
from ui.app import QuestionGate, build_app
from ui.feedback import FeedbackStore
from ui.gradio_chat import history_pairs

PIRIFORMIS = "why isn't my piriformis stretch working?"
ALLOWED = "https://backinshape.example"
TITLE = "Back In Shape: ask Jess & Tom"


@pytest.fixture(scope="module")
def web(tmp_path_factory, embedder):
    """The app on a free port, one site allowed to embed it, a title of its own; its feedback
    store."""
    assistant = hostile_assistant(tmp_path_factory, embedder)
    settings = assistant.settings.model_copy(update={"allowed_origins": [ALLOWED], "title": TITLE})
    feedback = FeedbackStore(tmp_path_factory.mktemp("web-feedback") / "feedback.sqlite3")
    with serve_app(build_app(assistant, feedback, settings)) as url:
        yield url, feedback


@pytest.fixture(scope="module")
def server(web):
    return web[0]


def stream(server: str, question: str) -> list[dict]:
    with httpx.stream("POST", f"{server}/api/chat", json={"question": question}) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/x-ndjson")
        return [json.loads(line) for line in response.iter_lines() if line]


def test_healthz_reports_the_store(server):
    body = httpx.get(f"{server}/healthz").json()
    assert body["status"] == "ok" and body["chunks"] > 10


def test_chat_streams_a_growing_answer_then_the_final_one_with_an_id(web):
    server, feedback = web
    lines = stream(server, PIRIFORMIS)
    partials = [line for line in lines if line["type"] == "partial"]
    final = lines[-1]
    assert partials and final["type"] == "final"
    lengths = [len(p["answer"]) for p in partials]  # an excerpt at a time
    assert lengths == sorted(lengths) and partials[-1]["answer"] == final["answer"]
    assert "[1]" in final["answer"] and not final["refused"] and final["urgent"] is False
    assert final["note"] == STANDING_NOTE
    first = final["sources"][0]
    assert first["title"] == ARTICLE_TITLE
    assert first["link"].startswith("/sources/") and first["quote"]
    stored = feedback.get(final["id"])
    assert stored.question == PIRIFORMIS and stored.answer == final["answer"]
    assert stored.sources == final["sources"] and stored.vote is None


def test_questions_stay_out_of_the_logs_at_info(server, caplog):
    question = "Does my sciatica zqxj flare when I sit?"
    with caplog.at_level(logging.DEBUG):
        stream(server, question)
        httpx.post(f"{server}/api/ask", json={"question": question})
    assert caplog.records  # the app did log, at debug
    loud = [r for r in caplog.records if r.levelno >= logging.INFO]
    assert not [r for r in loud if "zqxj" in r.getMessage()]


def test_feedback_is_stored_and_checked(web):
    server, feedback = web
    exchange_id = stream(server, "How do strong hips help my lower back?")[-1]["id"]
    response = httpx.post(f"{server}/api/feedback", json={"id": exchange_id, "vote": -1})
    assert response.status_code == 200
    assert feedback.get(exchange_id).vote == -1
    assert httpx.post(f"{server}/api/feedback", json={"id": exchange_id, "vote": 1}).is_success
    assert feedback.get(exchange_id).vote == 1
    assert httpx.post(f"{server}/api/feedback", json={"id": "nope", "vote": 1}).status_code == 404
    bad = httpx.post(f"{server}/api/feedback", json={"id": exchange_id, "vote": 5})
    assert bad.status_code == 422 and feedback.get(exchange_id).vote == 1


def test_json_api_and_the_cited_source_page(server):
    answer = httpx.post(f"{server}/api/ask", json={"question": PIRIFORMIS}).json()
    assert not answer["refused"] and answer["id"]
    source = answer["sources"][0]
    page = httpx.get(server + source["link"])
    assert page.status_code == 200
    assert ARTICLE_TITLE in page.text and '<mark id="passage">' in page.text
    assert "Watch The Podcast" not in page.text


def test_too_long_and_empty_questions_are_400_with_the_reason(server):
    long = httpx.post(f"{server}/api/chat", json={"question": "back pain " * 200})
    assert long.status_code == 400 and "shorten it to 1,000" in long.json()["error"]
    empty = httpx.post(f"{server}/api/ask", json={"question": "   "})
    assert empty.status_code == 400 and "Please type a question" in empty.json()["error"]


def test_an_over_size_body_is_413_with_a_clear_message_before_it_is_read(server):
    history = [["back pain " * 100_000, "fine"]]  # a 1 MB earlier "question"
    started = time.monotonic()
    declared = httpx.post(f"{server}/api/ask", json={"question": PIRIFORMIS, "history": history})
    chunks = (b"x" * 65_536 for _ in range(32))  # 2 MB with no Content-Length
    chunked = httpx.post(f"{server}/api/chat", content=chunks)
    assert time.monotonic() - started < 5  # measured: a few ms each
    assert declared.status_code == 413 and "too large (977 KB" in declared.json()["error"]
    assert chunked.status_code == 413 and "at most 512 KB" in chunked.json()["error"]
    padded = {"question": PIRIFORMIS, "padding": "x" * 600_000}  # unknown fields count too
    assert httpx.post(f"{server}/api/ask", json=padded).status_code == 413


def test_too_many_or_too_long_earlier_turns_are_400_with_the_reason(server):
    turn = ["why isn't my piriformis stretch working?", "Because [1]"]
    many = httpx.post(f"{server}/api/ask", json={"question": PIRIFORMIS, "history": [turn] * 11})
    assert many.status_code == 400 and "11 earlier turns" in many.json()["error"]
    long_question = [["back pain " * 150, "Because [1]"]]
    body = {"question": "and then?", "history": long_question}
    refused = httpx.post(f"{server}/api/chat", json=body)
    assert refused.status_code == 400
    assert "turn 1 of the chat has a question of 1,500" in refused.json()["error"]
    long_answer = [turn, ["why?", "a" * 20_001]]
    body = {"question": "and then?", "history": long_answer}
    refused = httpx.post(f"{server}/api/ask", json=body)
    assert refused.status_code == 400
    assert "turn 2 of the chat has an answer of 20,001" in refused.json()["error"]
    gate = QuestionGate(Settings(max_history_turns=3))  # the caps are settings
    assert gate.problem("client", "why?", [turn] * 3) is None
    assert "4 earlier turns" in gate.problem("client", "why?", [turn] * 4)[1]


def test_gradio_history_is_cut_to_the_caps():
    settings = Settings(max_question_chars=20, max_history_answer_chars=100)
    turn = [{"role": "user", "content": "q" * 50}, {"role": "assistant", "content": "a" * 500}]
    pairs = history_pairs(turn * 1000, 5, settings.max_question_chars, 100)
    assert pairs == [("q" * 20, "a" * 100)] * 5
    assert history_pairs(turn, 0, 20, 100) == []


def test_embed_may_be_framed_by_allowed_origins_only(server):
    embed = httpx.get(f"{server}/embed")
    assert embed.status_code == 200 and 'class="compact"' in embed.text
    policy = embed.headers["content-security-policy"]
    assert f"frame-ancestors 'self' {ALLOWED}" in policy
    assert "script-src 'self'" in policy
    home = httpx.get(f"{server}/").headers["content-security-policy"]
    assert home.endswith("frame-ancestors 'self'")


def test_the_heading_is_the_servers_title_whatever_the_query_says(server):
    shown = "<h1>Back In Shape: ask Jess &amp; Tom</h1>"
    assert shown in httpx.get(f"{server}/").text
    for title in ("OFFICIAL: call +44 20 7946 0000 now", "<script>alert(1)</script>"):
        page = httpx.get(f"{server}/embed", params={"title": title}).text
        assert shown in page and "<title>Back In Shape: ask Jess &amp; Tom</title>" in page
        assert "OFFICIAL" not in page and "alert(1)" not in page
    assert Settings().title == "Ask the Back In Shape podcast"


def test_embed_parameters_are_text_not_markup(server):
    page = httpx.get(f"{server}/embed", params={"color": "red;x:y"}).text
    assert 'data-color=""' in page
    ok = httpx.get(f"{server}/embed", params={"color": "#0a7"}).text
    assert 'data-color="#0a7"' in ok


def test_widget_script_is_served_as_javascript(server):
    response = httpx.get(f"{server}/widget.js")
    assert response.headers["content-type"].startswith("text/javascript")
    assert "attachShadow" in response.text and "/embed?" in response.text


def test_hostile_source_text_is_escaped(server):
    page = httpx.get(f"{server}/sources/file:evil.md").text
    assert "<script>alert(2)" not in page and "&lt;script&gt;" in page
    assert "<img src=x" not in page


def test_unknown_source_is_404(server):
    assert httpx.get(f"{server}/sources/file:nope.md").status_code == 404


def test_rate_limit_is_429_with_a_friendly_message(tmp_path_factory, embedder):
    assistant = hostile_assistant(tmp_path_factory, embedder)
    settings = assistant.settings.model_copy(
        update={"rate_limit_questions": 2, "rate_limit_window_seconds": 300}
    )
    feedback = FeedbackStore(tmp_path_factory.mktemp("limited") / "feedback.sqlite3")
    with serve_app(build_app(assistant, feedback, settings)) as url:
        for _ in range(2):
            assert httpx.post(f"{url}/api/ask", json={"question": PIRIFORMIS}).status_code == 200
        for path in ("/api/ask", "/api/chat"):
            refused = httpx.post(url + path, json={"question": PIRIFORMIS})
            assert refused.status_code == 429
            assert 1 <= int(refused.headers["retry-after"]) <= 300
            assert "Please wait" in refused.json()["error"]
        assert len(feedback.recent()) == 2  # refused requests are not answered or stored


def test_gradio_chat_answers_with_numbered_sources(server):
    from gradio_client import Client

    client = Client(server + "/gradio/", verbose=False)
    reply = client.predict("why isn't my piriformis stretch working?", api_name="/chat")
    assert "[\\[1\\]](/sources/" in reply  # the marker links to its source
    assert "**Sources**" in reply and "Why Your Hips Are Breaking Your Back?" in reply
    assert "/sources/" in reply  # the article has no URL, so the link is to our source page


def test_gradio_chat_escapes_hostile_sources_and_checks_questions(server):
    from gradio_client import Client

    client = Client(server + "/gradio/", verbose=False)
    reply = client.predict(HOSTILE_QUESTION, api_name="/chat")
    assert "<script>" not in reply and "<img" not in reply
    assert "&lt;script&gt;" in reply
    assert "Please type a question" in client.predict("   ", api_name="/chat")
