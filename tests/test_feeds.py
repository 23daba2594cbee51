"""Feed parsing against real feeds: the Podcasting 2.0 example, saved real-world feeds, the
field values found in the wild, and gpodder's edge cases with its expected results."""

import functools
import json
import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from xml.sax.saxutils import escape

import pytest
from conftest import TEST_DATA

from ingest.feeds import FeedError, parse_date, parse_duration, parse_feed

FEEDS = TEST_DATA / "feeds"
REAL = sorted((FEEDS / "real_world").glob("*/*"))
GPODDER = FEEDS / "edge_cases_gpodder"


@functools.cache
def parsed_real(path):
    """A real-world feed parsed once for the module (the largest, 730 items, takes ~0.4 s);
    the tests only read what it gives."""
    return parse_feed(path.read_bytes(), f"https://example.org/{path.name}")


def test_podcasting_2_example_feed():
    feed = parse_feed((TEST_DATA / "podcast-namespace" / "example.xml").read_bytes(), "x")
    assert feed.title == "Podcasting 2.0 Namespace Example"
    ep3 = feed.episodes[0]
    assert (ep3.guid, ep3.title, ep3.number) == (
        "https://example.com/ep0003",
        "Episode 3 - The Future",
        3,
    )
    assert ep3.link == "https://example.com/podcast/ep0003"
    assert ep3.published == "2020-10-09T04:30:38+00:00"
    assert ep3.audio_url == "https://example.com/file-03.mp3"
    # Both transcript tags of the item, not just the last one feedparser keeps.
    assert [(t.url, t.mime_type, t.language) for t in ep3.transcripts] == [
        ("https://example.com/ep3/transcript.txt", "text/plain", None),
        ("https://example.com/episode1/transcript.vtt", "text/vtt", "es"),
    ]
    raw = (TEST_DATA / "podcast-namespace" / "example.xml").read_text()
    assert len(feed.episodes) == raw.count("<item>")
    declared = re.findall(r"<podcast:transcript url=\"([^\"]+)\"", raw)
    assert sorted(t.url for e in feed.episodes for t in e.transcripts) == sorted(declared)


def _items(raw: str) -> int:
    return len(re.findall(r"<item[\s>]", raw)) or len(re.findall(r"<entry[\s>]", raw))


@pytest.mark.parametrize("path", REAL, ids=[p.name for p in REAL])
def test_real_world_feeds(path):
    feed = parsed_real(path)
    raw = path.read_bytes().decode("utf-8", "replace")
    assert len(feed.episodes) == _items(raw)
    enclosures = re.findall(r"<enclosure\b[^>]*\burl=\"([^\"]+)\"", raw)
    with_audio = [e for e in feed.episodes if e.audio_url]
    assert len(with_audio) == len(enclosures)
    for episode in feed.episodes:
        assert episode.guid and episode.title
        assert episode.published is None or datetime.fromisoformat(episode.published).tzinfo
    if _items(raw):
        assert all(e.published for e in feed.episodes)  # every one of these feeds dates items


def test_known_feed_sizes_and_blank_line_before_the_declaration():
    counts = {
        "se-radio.xml": 249,
        "giantbomb-podcast.rss": 730,
        "itunes-keywords-astext.rss": 32,
        "itunes-missing-image.rss": 131,
    }
    for path in REAL:
        if path.name in counts:
            assert len(parsed_real(path).episodes) == counts[path.name], path.name
    blank = [p for p in REAL if p.read_bytes().startswith((b"\n", b"\r\n"))]
    assert {p.name for p in blank} == {"itunes-keywords-astext.rss", "itunes-missing-image.rss"}


def test_se_radio_episode_fields():
    first = parsed_real(FEEDS / "real_world/node-podcast-parser/se-radio.xml").episodes[0]
    assert first.published == "2016-01-28T18:06:52+00:00"
    assert first.audio_url.endswith(
        "SE-Radio-Episode-248-Axel-Rauschmayer-on-JavaScript-and-ECMAScript-6.mp3"
    )


def _expected_seconds(text: str) -> int | None:
    """An independent reading of the strict forms: SS, MM:SS, HH:MM:SS (fractions rounded)."""
    m = re.fullmatch(r"\s*(?:(?:(\d+):)?(\d+):)?(\d+(?:\.\d+)?)\s*", text)
    if not m:
        return None
    h, mnt, s = m.groups()
    return round(int(h or 0) * 3600 + int(mnt or 0) * 60 + float(s))


def test_durations_found_in_the_wild():
    values = (FEEDS / "field_values" / "durations.txt").read_text().split("\n")
    strict = [(v, _expected_seconds(v)) for v in values if _expected_seconds(v) is not None]
    assert len(strict) > 60_000
    wrong = [(v, e, parse_duration(v)) for v, e in strict if parse_duration(v) != e]
    assert wrong == []
    assert parse_duration("1h 2m 3s") == 3723
    assert parse_duration('<span class="hms">1:00:57</span>') == 3657
    for junk in ("", "\t\t", "Source:", "{podcast_duration}", "xx:xx", "N/A"):
        assert parse_duration(junk) is None


def _published(values: list[str]) -> dict[str, str | None]:
    """Each date string as an item's pubDate read back: feedparser's reading, else ours."""
    items = "".join(
        f"<item><title>{i}</title><pubDate>{escape(v)}</pubDate></item>"
        for i, v in enumerate(values)
    )
    feed = parse_feed(
        f"<rss version='2.0'><channel><title>x</title>{items}</channel></rss>".encode()
    )
    return {v: e.published for v, e in zip(values, feed.episodes, strict=True)}


def test_dates_found_in_the_wild():
    lines = (FEEDS / "field_values" / "problemdates.txt").read_text().split("\n")
    parsed = _published(list(dict.fromkeys(v for v in lines if v.strip())))  # each string once
    # Dates other parsers failed on; many are junk ("24:30:00", "[time]", mojibake).
    assert sum(p is not None for p in parsed.values()) / len(parsed) > 0.55
    real = (FEEDS / "field_values" / "realproblemdates.txt").read_text().split("\n")
    assert sum(p is not None for p in _published([v for v in real if v.strip()]).values()) >= 46
    # Where the standard library reads a well-formed RFC 822 date with a numeric zone, we agree.
    checked = 0
    for value, ours in parsed.items():
        if not re.fullmatch(r"\s*\w{3}, \d{1,2} \w{3} \d{4} \d\d:\d\d:\d\d [+-]\d{4}\s*", value):
            continue
        try:
            theirs = parsedate_to_datetime(value.strip()).astimezone(UTC)
        except ValueError:
            continue
        assert datetime.fromisoformat(ours) == theirs, value
        checked += 1
    assert checked >= 10
    assert parse_date("1159704938") == "2006-10-01T12:15:38+00:00"  # a Unix timestamp
    assert parse_date("Sun, January 31st, 2016 10:30:00 +0900") == "2016-01-31T01:30:00+00:00"
    for junk in ("", "   ", "[time]", "DETECTING..."):
        assert parse_date(junk) is None


CASES = sorted(p for p in GPODDER.glob("*.rss") if p.with_suffix(".json").exists())


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_gpodder_edge_cases(path):
    """Where gpodder's expectations apply to us: dates, episode numbers, transcript and audio
    URLs, GUIDs. (gpodder drops items without an enclosure, a podcast player's
    choice; we keep them, since their pages and notes are content.)"""
    expected = json.loads(path.with_suffix(".json").read_text())
    raw = path.read_text()
    feed = parse_feed(path.read_bytes(), f"file://tests/data/{path.name}")
    by_title: dict[str, list] = {}
    for episode in feed.episodes:
        by_title.setdefault(episode.title, []).append(episode)
    for want in expected["episodes"]:
        candidates = by_title.get(want["title"] or "Untitled episode") or feed.episodes
        urls = [e["url"] for e in want["enclosures"]]
        ours = next((e for e in candidates if not urls or e.audio_url in urls), candidates[0])
        if want["published"]:
            published = datetime.fromisoformat(ours.published)
            assert abs(published - datetime.fromtimestamp(want["published"], UTC)) < timedelta(
                seconds=1
            )
        if "number" in want:
            assert ours.number == want["number"]
        if want.get("transcript_url"):
            assert want["transcript_url"] in [t.url for t in ours.transcripts]
        if urls:
            assert ours.audio_url in urls
        if "<guid" in raw:
            assert ours.guid == want["guid"]
    assert len(feed.episodes) >= len(expected["episodes"])


@pytest.mark.parametrize(
    "body",
    [b"", b"<html><body>Not a feed</body></html>", b"<?xml version='1.0'?><rss><channel><item>"],
)
def test_not_a_feed_is_an_error(body):
    with pytest.raises(FeedError):
        parse_feed(body, "https://example.org/feed")
