"""Speech to text for real: espeak-ng speaks a known text, the packaged Whisper tiny.en hears it,
a feed on 127.0.0.1 carries it as an episode's only content, and the answer cites the moment."""

import re
import shutil

import pytest
from httpsite import Item, feed_xml, serve
from speech import ESPEAK, make_clip

from assistant.settings import Settings
from assistant.store import Store
from ingest.asr import Recognizer, sentences, sha256_file, word_error_rate
from ingest.sync import run_ingest
from ingest.transcribe import transcripts_dir, vtt_text

pytestmark = pytest.mark.skipif(
    ESPEAK is None,
    reason="espeak-ng is not installed (`make test` installs it as root: apt-get install "
    "espeak-ng); the speech-to-text tests need real speech",
)
TARGET_AT = 38.0  # where the clip's bird-dog sentence starts
INTERNAL = "http://10.11.12.13:8080/ep.m4a"  # a private address no feed may make us fetch


@pytest.fixture(scope="session")
def clip(tmp_path_factory) -> dict:
    return make_clip(tmp_path_factory.mktemp("speech"), TARGET_AT)


@pytest.fixture(scope="session")
def heard(clip, tmp_path_factory):
    """The clip transcribed once for the session: Whisper's timed words and the duration."""
    recognizer = Recognizer(Settings(data_dir=tmp_path_factory.mktemp("asr-data")))
    return recognizer.words(clip["m4a"])


@pytest.fixture
def site(tmp_path):
    root = tmp_path / "site"
    root.mkdir()
    site, server = serve(root)
    yield site
    server.shutdown()


def test_the_clip_is_heard_with_times_inside_it(clip, heard):
    words, duration = heard
    text = " ".join(w.word for w in words)
    assert word_error_rate(clip["text"], text) <= 0.30, text  # loose: espeak is hard to hear
    assert duration == pytest.approx(TARGET_AT + 17, abs=8)
    times = [(w.start, w.end) for w in words]
    assert all(0 <= a <= b <= duration + 0.5 for a, b in times)
    assert all(b1 <= a2 + 0.05 for (_, b1), (a2, _) in zip(times, times[1:], strict=False))
    segments = sentences(words)
    assert [s.start for s in segments] == sorted(s.start for s in segments)
    assert all(s.start <= s.end for s in segments)
    spoken = next(s for s in segments if "seconds" in s.text)
    assert spoken.start == pytest.approx(TARGET_AT, abs=2.0), segments


def _publish(site, items) -> str:
    (site.root / "feed.xml").write_text(feed_xml(site, items), encoding="utf-8")
    return site.url("feed.xml")


def test_a_feed_episode_is_transcribed_once_and_cited_at_the_moment(
    clip, site, tmp_path, embedder, capsys
):
    from fake_embedder import assistant_with

    from ui.render import source_link

    shutil.copy(clip["m4a"], site.root / "ep9.m4a")
    item = Item("asr-9", "Listener Questions", number=9, audio="ep9.m4a")
    feed = _publish(site, [item])
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=tmp_path / "none")
    store = Store(settings)

    def ingest(**kw):
        return run_ingest(settings, [], [feed], store=store, embedder=embedder, **kw)

    ingest(dry_run=True)  # nothing downloaded: the feed's itunes:duration gives the estimate
    err = capsys.readouterr().err
    assert "would transcribe: Listener Questions (41 min of audio, about 3 min)" in err
    assert "would transcribe: 1 episode, 41 min of audio, about 3 min with tiny.en" in err
    assert site.downloads("ep9.m4a") == 0 and store.count() == 0
    first = ingest()
    assert not first.failed, first.failed
    assert "transcribed: 1 episode, 49 s of audio in " in capsys.readouterr().err
    chunks = [c for c in store.all_chunks() if c.source_id == "episode:asr-9#transcript"]
    assert chunks and all(c.kind == "transcript" and c.episode == 9 for c in chunks)
    (vtt,) = transcripts_dir(settings).glob("*.vtt")  # the cache, publishable as it is
    assert vtt.read_text().startswith("WEBVTT")

    answer = assistant_with(embedder, settings, store).answer(
        "How many seconds should I hold it before I switch sides?"
    )
    cited = [c for c in answer.sources if "switch sides" in c.quote]
    assert cited, answer.text
    assert cited[0].start_seconds == pytest.approx(TARGET_AT, abs=2.0)
    assert source_link(cited[0]) == f"{site.url('ep9.m4a')}#t={int(cited[0].start_seconds)}"

    second = ingest()  # the media is unchanged: a 304, the cached transcript, nothing embedded
    assert (second.chunks_embedded, second.failed) == (0, [])
    assert "transcribed:" not in capsys.readouterr().err
    assert site.downloads("ep9.m4a") == 1


def test_broken_media_is_reported_and_skipped_and_earlier_chunks_kept(
    clip, heard, site, tmp_path, fake_embedder
):
    data = clip["m4a"].read_bytes()
    settings = Settings(
        data_dir=tmp_path / "data", corpus_dir=tmp_path / "none", media_max_bytes=len(data) + 100
    )
    store = Store(settings)
    cache = transcripts_dir(settings)
    cache.mkdir(parents=True)  # the session's transcript of these bytes: nothing to transcribe
    (cache / f"{sha256_file(clip['m4a'])}.vtt").write_text(vtt_text(sentences(heard[0]), "test"))
    (site.root / "cut.m4a").write_bytes(data)
    cut = Item("cut", "Truncated", audio="cut.m4a", description="The first episode.")

    def ingest(feed):
        return run_ingest(settings, [], [feed], store=store, embedder=fake_embedder, progress=False)

    assert not ingest(_publish(site, [cut])).failed
    before = {c.chunk_id for c in store.all_chunks() if c.source_id == "episode:cut#transcript"}
    assert before

    (site.root / "cut.m4a").write_bytes(data[: len(data) // 2])  # no index: never playable
    (site.root / "text.mp3").write_text("This is not audio at all, just words.\n" * 50)
    (site.root / "big.m4a").write_bytes(data + bytes(200))
    (site.root / "good.html").write_text("<html><body><article><p>Walk every day.</p>" * 3)
    items = [
        cut,
        Item("text", "Not audio", audio="text.mp3", description="The second episode."),
        Item("big", "Too big", audio="big.m4a", description="The third episode."),
        Item("inside", "Internal", audio="inside.m4a", description="The fourth episode."),
        Item("ok", "Fine", page="good.html"),
    ]
    feed = _publish(site, items)
    # An enclosure on another, non-public host: refused before any connection, like any link.
    xml = (site.root / "feed.xml").read_text().replace(site.url("inside.m4a"), INTERNAL)
    (site.root / "feed.xml").write_text(xml)
    report = ingest(feed)
    reasons = {f.source_id: f.message for f in report.failed}
    assert "not a readable audio or video file" in reasons["episode:cut#transcript"]
    assert "not a readable audio or video file" in reasons["episode:text#transcript"]
    assert "byte limit" in reasons["episode:big#transcript"]
    assert "PODCAST_ASSISTANT_FETCH_ALLOW_HOSTS" in reasons["episode:inside#transcript"]
    assert "episode:ok" in {r.source_id for r in store.records()}
    after = {c.chunk_id for c in store.all_chunks() if c.source_id == "episode:cut#transcript"}
    assert after == before  # the truncated re-upload did not replace what the episode said
    assert len(list(cache.glob("*.vtt"))) == 1
    assert not list(cache.glob("download-*"))  # nothing left half-written


def test_a_local_media_file_is_planned_then_read_from_the_cache_by_its_hash(
    clip, heard, tmp_path, fake_embedder, capsys
):
    folder = tmp_path / "episodes"
    folder.mkdir()
    shutil.copy(clip["m4a"], folder / "ep9.m4a")
    (folder / "ep9.m4a.meta.json").write_text('{"title": "Listener Q&A", "episode": 9}')
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=tmp_path / "none")
    store = Store(settings)

    planned = run_ingest(settings, [folder], dry_run=True, store=store, embedder=fake_embedder)
    err = capsys.readouterr().err
    assert re.search(r"would transcribe: Listener Q&A \(4\d s of audio, about \d s\)", err), err
    assert planned.added == 0 and store.count() == 0

    # The session's transcript of these very bytes, cached under their sha256: used as is.
    cache = transcripts_dir(settings)
    cache.mkdir(parents=True)
    vtt = vtt_text(sentences(heard[0]), "from the session's transcription")
    (cache / f"{sha256_file(folder / 'ep9.m4a')}.vtt").write_text(vtt)
    report = run_ingest(settings, [folder], store=store, embedder=fake_embedder, progress=False)
    assert (report.added, report.failed) == (1, [])
    assert "transcribed:" not in capsys.readouterr().err
    chunks = store.all_chunks()
    assert {(c.source_id, c.kind, c.episode, c.title) for c in chunks} == {
        ("file:ep9.m4a", "transcript", 9, "Listener Q&A")
    }
    assert "switch sides" in " ".join(c.text for c in chunks)
