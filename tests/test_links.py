"""Moment links and labels for transcript citations."""

from assistant.links import format_timestamp, moment_label, moment_url
from assistant.records import Answer, Citation
from ui.api import source_body
from ui.gradio_chat import answer_markdown
from ui.render import source_link


def test_timestamps_and_labels():
    assert format_timestamp(754) == "12:34"
    assert format_timestamp(3723.9) == "1:02:03"
    assert format_timestamp(5) == "0:05"
    assert moment_label(42, 754) == "Ep. 42 · 12:34"
    assert moment_label(None, 754) == "12:34"
    assert moment_label(42, None) == "Ep. 42"
    assert moment_label(None, None) is None


def test_moment_urls_prefer_the_audio_and_drop_old_fragments():
    assert (
        moment_url("https://x/ep42", "https://cdn/ep42.mp3", 754.6) == "https://cdn/ep42.mp3#t=754"
    )
    assert moment_url("https://x/ep42#top", None, 754) == "https://x/ep42#t=754"
    assert moment_url("https://x/ep42", "https://cdn/ep42.mp3", None) == "https://x/ep42"
    assert moment_url(None, None, 3) is None


def test_rendered_citation_links_to_the_moment_with_its_label():
    moment = Citation(
        1,
        "episode:42#transcript",
        "Hips",
        "https://cdn/ep42.mp3#t=754",
        "Q",
        "c1",
        start_seconds=754.0,
        episode=42,
    )
    page = Citation(2, "episode:42", "Hips", "https://x/ep42", "Q", "c2")
    bare = Citation(
        3, "episode:43#transcript", "Knees", "https://x/ep43", "Q", "c3", start_seconds=61.0
    )
    assert source_link(moment) == "https://cdn/ep42.mp3#t=754"
    assert source_link(page) == "https://x/ep42"
    assert source_link(bare) == "https://x/ep43#t=61"
    text = answer_markdown(Answer("Hold it. [1] Rest. [2] Go. [3]", False, [moment, page, bare]))
    assert "[Hips (Ep. 42 · 12:34)](https://cdn/ep42.mp3#t=754)" in text
    assert "[Hips](https://x/ep42)" in text
    assert "[Knees (1:01)](https://x/ep43#t=61)" in text


def test_chat_page_json_carries_the_moment_label():
    citation = Citation(
        1, "episode:42#transcript", "Hips", "https://cdn/ep42.mp3", "Q", "c1", 754.0, episode=42
    )
    shown = source_body(citation)
    assert shown.moment == "Ep. 42 · 12:34"
    assert shown.link == "https://cdn/ep42.mp3#t=754"


def test_the_moment_link_is_made_when_shown_from_stored_seconds():
    # Chunks store the page, the media and the seconds; no link is baked in at ingest.
    citation = Citation(
        1,
        "ep:42#transcript",
        "Hips",
        "https://x/ep42",
        "Q",
        "c1",
        754.0,
        audio_url="https://cdn/ep42.mp3",
    )
    assert source_link(citation) == "https://cdn/ep42.mp3#t=754"
    page_only = Citation(2, "ep:43#transcript", "Knees", "https://x/ep43", "Q", "c2", 61.0)
    assert source_link(page_only) == "https://x/ep43#t=61"
