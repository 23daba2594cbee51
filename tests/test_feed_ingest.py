"""Ingesting a podcast feed served over real HTTP on 127.0.0.1: episodes, pages, transcripts."""

import shutil
from pathlib import Path

import pytest
from conftest import TEST_DATA
from httpsite import Item, feed_xml, serve

from assistant.settings import Settings
from assistant.store import Store
from ingest.feeds import FeedError
from ingest.sync import run_ingest

SITE = TEST_DATA / "site"


@pytest.fixture
def site(tmp_path):
    root = tmp_path / "site"
    shutil.copytree(SITE, root)
    site, server = serve(root)
    yield site
    server.shutdown()


def three(site) -> list[Item]:
    return [
        Item("bis-1", "Sciatica And The Slump Test", "ep1.html", 41, "ep1.mp3", "ep1.vtt", day=1),
        Item("bis-2", "Stop Stretching Your Hamstrings", "ep2.html", 42, "ep2.mp3", day=8),
        Item("bis-3", "Hip Mobility For A Healthy Back", "ep3.html", 43, "ep3.mp3", day=15),
    ]


def publish(site, items: list[Item]) -> str:
    (site.root / "feed.xml").write_text(feed_xml(site, items), encoding="utf-8")
    return site.url("feed.xml")


def settings_for(tmp_path: Path, **kw) -> Settings:
    # The enclosures here name no real media; transcription has its own tests (test_asr*.py).
    kw.setdefault("transcribe", False)
    return Settings(data_dir=tmp_path / "data", corpus_dir=tmp_path / "none", **kw)


def sync(settings, store, embedder, feed, **kw):
    return run_ingest(settings, [], [feed], store=store, embedder=embedder, progress=False, **kw)


def test_feed_ingests_and_only_new_or_changed_episodes_are_embedded(site, tmp_path, embedder):
    settings = settings_for(tmp_path)
    store = Store(settings)
    feed = publish(site, three(site))

    first = sync(settings, store, embedder, feed)
    assert not first.failed
    assert (first.added, first.updated) == (4, 0)  # three articles and one transcript
    assert first.chunks_embedded == store.count()
    chunks = store.all_chunks()
    articles = {c.source_id for c in chunks if c.kind == "article"}
    assert articles == {"episode:bis-1", "episode:bis-2", "episode:bis-3"}
    text = " ".join(c.text for c in chunks)
    assert "slump test" in text and "ninety-ninety" in text
    for junk in (
        "dataLayer",
        "Related Articles",
        "Copyright",
        "Great episode",
        "Watch The Podcast",
    ):
        assert junk not in text
    ep2 = next(c for c in chunks if c.source_id == "episode:bis-2")
    assert (ep2.episode, ep2.published, ep2.url) == (
        42,
        "2026-01-08T06:00:00+00:00",
        site.url("ep2.html"),
    )
    transcript = [c for c in chunks if c.kind == "transcript"]
    assert transcript and all(c.start_seconds >= 602 and c.speaker for c in transcript)

    # A fourth episode: only its chunks are embedded.
    items = three(site) + [Item("bis-4", "Walking For Disc Injuries", "ep4.html", 44, day=22)]
    feed = publish(site, items)
    before = {c.chunk_id for c in store.all_chunks()}
    second = sync(settings, store, embedder, feed)
    new = {c.chunk_id: c for c in store.all_chunks() if c.chunk_id not in before}
    assert (second.added, second.updated, second.unchanged) == (1, 0, 4)
    assert second.chunks_embedded == len(new) > 0
    assert {c.source_id for c in new.values()} == {"episode:bis-4"}
    assert before <= {c.chunk_id for c in store.all_chunks()}

    # Editing one article replaces only its chunks.
    page = site.root / "ep3.html"
    page.write_text(page.read_text().replace("ten slow switches", "twelve slow switches"))
    before = {c.chunk_id: c for c in store.all_chunks()}
    third = sync(settings, store, embedder, feed)
    after = {c.chunk_id: c for c in store.all_chunks()}
    assert (third.updated, third.unchanged) == (1, 4)
    changed = set(before) ^ set(after)
    assert changed and {(before.get(i) or after.get(i)).source_id for i in changed} == {
        "episode:bis-3"
    }
    assert "twelve slow switches" in " ".join(c.text for c in after.values())

    # Unchanged: nothing embedded, and thanks to ETags no page is downloaded again.
    site.reset()
    fourth = sync(settings, Store(settings), embedder, feed)
    assert (fourth.chunks_embedded, fourth.added, fourth.updated) == (0, 0, 0)
    assert fourth.unchanged == 5
    for path in ("feed.xml", "ep1.html", "ep2.html", "ep3.html", "ep4.html", "ep1.vtt"):
        assert site.hits(path) == 1 and site.downloads(path) == 0, path
    assert all('"' in h.get("If-None-Match", "") for _, _, h in site.requests)
    assert all(
        h.get("User-Agent", "").startswith("podcast-assistant/") for _, _, h in site.requests
    )
    assert store.count() == len(after)


def test_a_transcript_question_cites_the_moment(site, tmp_path, embedder):
    from assistant import markup
    from assistant.answering import Assistant
    from ui.gradio_chat import answer_markdown
    from ui.render import source_link

    settings = settings_for(tmp_path)
    store = Store(settings)
    sync(settings, store, embedder, publish(site, three(site)))
    answer = Assistant.from_settings(settings, store=store).answer(
        "How long should I hold the bird dog exercise?"
    )
    assert not answer.refused
    cited = [c for c in answer.sources if "ten seconds" in c.quote]
    assert cited, answer.text
    citation = cited[0]
    chunk = next(c for c in store.all_chunks() if c.chunk_id == citation.chunk_id)
    assert chunk.kind == "transcript" and chunk.speaker and "Jess" in chunk.speaker
    # The moment is the cue in which the answer's marked sentence begins (read from the VTT),
    # not the start of the chunk.
    cues = _cues(site.root / "ep1.vtt")
    marked = markup.marked(answer.text)[0]
    first_words = " ".join(marked.split()[:4])
    expected = next(start for start, text in cues if first_words in text)
    assert citation.start_seconds == expected
    assert chunk.start_seconds <= expected <= chunk.end_seconds
    answer_cue = next(start for start, text in cues if "ten seconds" in text)
    assert chunk.start_seconds <= answer_cue <= chunk.end_seconds
    link = source_link(citation)
    assert link == f"{site.url('ep1.mp3')}#t={int(expected)}"
    minutes, seconds = divmod(int(expected), 60)
    assert f"{minutes}:{seconds:02d}" in answer_markdown(answer)


def _cues(path: Path) -> list[tuple[float, str]]:
    import re

    cues = []
    for start, text in re.findall(r"(\d\d:\d\d:\d\d\.\d+) --> .*\n<v [^>]+>(.*)", path.read_text()):
        h, m, s = start.split(":")
        cues.append((int(h) * 3600 + int(m) * 60 + float(s), text))
    return cues


BAD = {
    "404": (Item("bad-404", "Gone", "missing.html"), "HTTP 404"),
    "timeout": (Item("bad-slow", "Slow", "slow"), "timed out"),
    "malformed transcript": (
        Item("bad-vtt", "Broken captions", "ep2.html", transcript="broken.vtt"),
        "not a valid WebVTT",
    ),
    "non-UTF-8 transcript": (
        Item("bad-enc", "Latin-1 captions", "ep3.html", transcript="latin1.vtt"),
        "not UTF-8",
    ),
    "50 MB page": (Item("bad-huge", "Huge", "huge.html"), "byte limit"),
    "empty body": (Item("bad-empty", "Empty", "empty.html"), "empty"),
    "script-laden HTML": (Item("bad-js", "Scripts", "scripts.html"), "no readable article text"),
}


def test_each_bad_input_is_reported_and_the_rest_ingest(site, tmp_path, embedder):
    (site.root / "broken.vtt").write_text("WEBVTT\n\n00:00:0x.000 --> soon\n<v A>Hello there.\n")
    (site.root / "latin1.vtt").write_bytes(
        "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<v Renée>Ça va, the café’s fine.\n".encode(
            "cp1252"
        )
    )
    (site.root / "empty.html").write_bytes(b"")
    script = "<script>var tracker = {};" + "tracker.push('x');" * 2000 + "</script>"
    (site.root / "scripts.html").write_text(
        f"<html><head>{script}</head><body>{script}</body></html>"
    )
    site.slow_seconds = 3
    settings = settings_for(tmp_path, fetch_timeout=1.0, fetch_max_bytes=2_000_000)
    store = Store(settings)
    items = three(site) + [item for item, _ in BAD.values()]
    report = sync(settings, store, embedder, publish(site, items))

    messages = [f.message for f in report.failed]
    for name, (_, expected) in BAD.items():
        assert sum(expected in m for m in messages) >= 1, (name, messages)
    assert len(report.failed) == len(BAD)
    # Everything good still went in: the three episodes, their transcript, and the pages of
    # the two items whose only fault was the transcript.
    assert report.added == 6
    ids = {c.source_id for c in store.all_chunks()}
    assert {"episode:bis-1", "episode:bis-1#transcript", "episode:bad-vtt"} <= ids
    assert not any(
        i.startswith(("episode:bad-404", "episode:bad-js", "episode:bad-huge")) for i in ids
    )
    text = " ".join(c.text for c in store.all_chunks())
    assert "tracker" not in text
    # The store is consistent: every chunk belongs to a record and every record's chunks exist.
    claimed = {i for r in store.records() for i in r.chunk_ids}
    assert claimed == {c.chunk_id for c in store.all_chunks()}
    assert store.count() == len(claimed)
    # The huge page was not read to the end.
    assert site.downloads("huge.html") == 1


def test_cli_exit_code_says_something_failed(site, tmp_path, embedder):
    from click.testing import CliRunner

    from ui.cli import main

    items = three(site)[:1] + [Item("bad-404", "Gone", "missing.html")]
    result = CliRunner().invoke(
        main,
        ["--data-dir", str(tmp_path / "data"), "ingest", "--feed", publish(site, items), "--json"],
    )
    assert result.exit_code == 1, result.output
    assert "HTTP 404" in result.output


@pytest.mark.parametrize(
    "body",
    [
        b"<html><body><h1>Our podcast</h1><p>Moved!</p></body></html>",
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>Cut',
        b"",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00",
    ],
    ids=["html", "truncated", "empty", "binary"],
)
def test_a_malformed_feed_is_an_error_and_the_store_is_untouched(site, tmp_path, embedder, body):
    settings = settings_for(tmp_path)
    store = Store(settings)
    sync(settings, store, embedder, publish(site, three(site)))
    snapshot = (store.count(), [(r.source_id, r.content_hash) for r in store.records()])
    (site.root / "feed.xml").write_bytes(body)
    with pytest.raises(FeedError) as err:
        sync(settings, store, embedder, site.url("feed.xml"), prune=True)
    assert "feed" in str(err.value)
    assert (store.count(), [(r.source_id, r.content_hash) for r in store.records()]) == snapshot


def test_an_item_dropped_from_the_feed_is_kept_unless_pruned(site, tmp_path, embedder):
    settings = settings_for(tmp_path)
    store = Store(settings)
    sync(settings, store, embedder, publish(site, three(site)))
    feed = publish(site, three(site)[1:])  # the feed now lists only its latest items

    dry = sync(settings, store, embedder, feed, prune=True, dry_run=True)
    assert dry.removed == 2 and dry.chunks_embedded == 0
    assert {(a, i) for a, i, _ in dry.changes} == {
        ("remove", "episode:bis-1"),
        ("remove", "episode:bis-1#transcript"),
    }
    kept = sync(settings, store, embedder, feed)
    assert kept.removed == 0
    assert store.get_record("episode:bis-1") is not None
    pruned = sync(settings, store, embedder, feed, prune=True)
    assert pruned.removed == 2
    assert {c.source_id for c in store.all_chunks()} == {"episode:bis-2", "episode:bis-3"}


def test_dry_run_reports_and_changes_nothing(site, tmp_path, embedder):
    settings = settings_for(tmp_path)
    store = Store(settings)
    feed = publish(site, three(site))
    plan = sync(settings, store, embedder, feed, dry_run=True)
    assert (plan.added, plan.chunks_to_embed > 0, store.count()) == (4, True, 0)
    assert {a for a, _, _ in plan.changes} == {"add"}
    assert store.records() == []


def test_an_item_without_a_page_uses_the_feeds_own_text(site, tmp_path, embedder):
    settings = settings_for(tmp_path)
    store = Store(settings)
    note = "<p>Show notes: <b>three</b> tips to ease sciatica while driving long distances.</p>"
    items = [Item("notes-1", "Driving With Sciatica", None, 7, "ep7.mp3", description=note)]
    report = sync(settings, store, embedder, publish(site, items))
    assert report.added == 1 and not report.failed
    (chunk,) = store.all_chunks()
    assert chunk.kind == "episode" and "three tips to ease sciatica" in chunk.text
    assert chunk.url == site.url("ep7.mp3")


def test_feed_links_that_are_not_http_are_dropped_with_a_warning(site, tmp_path, embedder, caplog):
    items = three(site)
    items[1] = Item(
        "bis-2",
        "Stop Stretching Your Hamstrings",
        "ep2.html",
        42,
        "ep2.mp3",
        description="Stretching a hamstring pulls on the sciatic nerve.",
        day=8,
    )
    xml = feed_xml(site, items)
    xml = xml.replace(site.url("ep2.html"), "javascript:alert(document.cookie)")
    xml = xml.replace(site.url("ep2.mp3"), "data:audio/mpeg;base64,AAAA")
    xml = xml.replace(site.url("ep1.vtt"), "javascript:alert(2)")
    (site.root / "feed.xml").write_text(xml, encoding="utf-8")
    settings = settings_for(tmp_path)
    store = Store(settings)
    with caplog.at_level("WARNING"):
        report = sync(settings, store, embedder, site.url("feed.xml"))
    assert not report.failed
    warned = [r.getMessage() for r in caplog.records if "not an http(s) link" in r.getMessage()]
    assert len(warned) == 3 and all("bis-" in m for m in warned)
    chunks = store.all_chunks()
    ep2 = [c for c in chunks if c.source_id == "episode:bis-2"]
    assert ep2 and {(c.kind, c.url, c.audio_url) for c in ep2} == {("episode", None, None)}
    assert not [c for c in chunks if c.kind == "transcript"]  # its only transcript link was bad
    links = [u for c in chunks for u in (c.url, c.audio_url) if u]
    assert links and all(u.startswith(site.url("")) for u in links)
