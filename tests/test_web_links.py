"""Only http(s) links are kept: a `javascript:` or `data:` URL from a sidecar or a bulk import
is dropped at ingest with a warning, and never comes back from `/api/ask` or `ask --json`."""

import json
import logging

import httpx
import pytest
from click.testing import CliRunner
from webserver import serve_app, without_gradio

from assistant.answering import Assistant
from assistant.links import web_url
from assistant.settings import Settings
from ui.app import build_app
from ui.cli import main

ARTICLE = (
    "# Kettlebell Halos For Stiff Shoulders\n\n"
    "Kettlebell halos circle the bell slowly around the head to loosen a stiff shoulder girdle. "
    "Hold the kettlebell upside down by the horns and keep the ribs down while it circles, so "
    "the lower back stays still and the shoulders do the work.\n"
)
TRANSCRIPT = (
    "WEBVTT\n\n00:00:01.000 --> 00:00:09.000\n"
    "Farmer carries are walking while holding heavy kettlebells at your sides, and they teach "
    "the trunk to stay stiff while the legs move.\n"
)
RECORDS = [
    {
        "id": "a",
        "title": "Dead bugs",
        "url": "data:text/html,<script>alert(3)</script>",
        "text": (
            "Dead bugs train the deep abdominal muscles to hold the lower back flat on the floor "
            "while the arms and legs move slowly in opposition."
        ),
    },
    {
        "id": "b",
        "title": "Glute bridges",
        "url": "https://ok.example/bridges",
        "text": (
            "Glute bridges lift the hips off the floor by squeezing the glutes, which takes load "
            "away from the lower back when you stand and walk."
        ),
    },
]
QUESTIONS = (
    "What do kettlebell halos do for a stiff shoulder girdle?",
    "What are farmer carries and what do they teach the trunk?",
    "What do dead bugs train the deep abdominal muscles to do?",
)


@pytest.mark.parametrize(
    "value",
    [
        "javascript:alert(1)",
        " JavaScript:alert(1)",
        "data:text/html,x",
        "file:///etc/passwd",
        "/relative",
        "http://",
        "https://ok.example/a\nb",
        42,
    ],
)
def test_only_absolute_http_links_are_web_urls(value):
    assert web_url(value) is None


def test_web_urls_are_kept():
    assert web_url(" https://ok.example/ep/1#t=5 ") == "https://ok.example/ep/1#t=5"
    assert web_url("HTTP://ok.example") == "HTTP://ok.example"


@pytest.fixture
def corpus(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "halos.md").write_text(ARTICLE)
    (folder / "halos.md.meta.json").write_text(json.dumps({"url": "javascript:alert(1)"}))
    (folder / "carries.vtt").write_text(TRANSCRIPT)
    (folder / "carries.vtt.meta.json").write_text(
        json.dumps(
            {
                "title": "Farmer carries",
                "url": "data:text/html,<b>x</b>",
                "audio_url": " JavaScript:alert(2)",
            }
        )
    )
    (folder / "bulk.jsonl").write_text("\n".join(json.dumps(r) for r in RECORDS))
    return folder


def no_scripted_links(text: str) -> bool:
    lowered = text.lower()
    return "javascript:" not in lowered and "data:" not in lowered


def test_script_and_data_links_are_dropped_at_ingest_and_never_shown(
    tmp_path, corpus, embedder, monkeypatch, caplog
):
    monkeypatch.setenv("PODCAST_ASSISTANT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PODCAST_ASSISTANT_CORPUS_DIR", str(corpus))
    runner = CliRunner()
    with caplog.at_level(logging.WARNING):
        ingested = runner.invoke(main, ["ingest", "--json"], catch_exceptions=False)
    assert json.loads(ingested.stdout)["added"] == 4
    dropped = [r.getMessage() for r in caplog.records if "not an http(s) link" in r.getMessage()]
    assert len(dropped) == 4, (
        dropped
    )  # the article's url; the transcript's url and audio; a record's

    assistant = Assistant.from_settings(Settings(), embedder=embedder)
    urls = {c.source_id: (c.url, c.audio_url) for c in assistant.store.all_chunks()}
    assert urls["jsonl:b"] == ("https://ok.example/bridges", None)
    assert all(no_scripted_links(str(pair)) for pair in urls.values())

    with serve_app(build_app(assistant, settings=without_gradio(assistant.settings))) as url:
        for question in QUESTIONS:
            answered = httpx.post(f"{url}/api/ask", json={"question": question})
            assert answered.status_code == 200 and answered.json()["sources"], question
            assert no_scripted_links(answered.text), answered.text
            summary = runner.invoke(main, ["ask", question, "--json"], catch_exceptions=False)
            assert json.loads(summary.stdout)["sources"] and no_scripted_links(summary.stdout)
