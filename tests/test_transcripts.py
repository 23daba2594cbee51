"""Transcripts in the four Podcasting 2.0 formats, parsed from the namespace's own example files."""

import re

import pytest
from conftest import TEST_DATA

from assistant.records import Source
from ingest.chunking import chunk_source
from ingest.errors import SourceError
from ingest.transcripts import assemble, parse_clock, parse_transcript, transcript_format

EXAMPLES = TEST_DATA / "podcast-namespace" / "transcripts"


def load(name: str, fmt: str):
    return parse_transcript((EXAMPLES / name).read_bytes(), fmt, name)


def test_vtt_voices_text_and_timings():
    segments = load("example.vtt", "vtt")
    raw = (EXAMPLES / "example.vtt").read_text()
    assert len(segments) == raw.count("-->") == 7
    assert [s.speaker for s in segments] == ["Sarah"] * 5 + ["Gillian"] * 2
    assert segments[0].start == 0.0 and segments[0].end == 2.76
    assert segments[-1].start == 21.45 and segments[-1].end == 25.35
    assert segments[2].text == "include in one? Welcome to Podcasting Q&A, where you learn"
    text, _ = assemble(segments)
    assert text.split("\n\n")[1].startswith("Hi Buzzsprout, Gillian here")


def test_json_segments_keep_word_timings_and_speakers():
    segments = load("example.json", "json")
    assert [(s.speaker, s.start, s.end, s.text) for s in segments] == [
        ("Darth Vader", 0.5, 0.75, "I"),
        ("Darth Vader", 1.0, 1.25, "am"),
        ("Darth Vader", 1.5, 2.0, "your"),
        ("Darth Vader", 2.25, 2.5, "father."),
        ("Luke", 2.75, 3.0, "Nooooo"),
    ]
    text, timeline = assemble(segments)
    assert text == "I am your father.\n\nNooooo"
    assert [t[3] for t in timeline] == ["Darth Vader"] * 4 + ["Luke"]


def _turns_from_raw_html() -> list[tuple[str, float]]:
    raw = (EXAMPLES / "example.html").read_text()
    return [
        (name, parse_clock(clock))
        for name, clock in re.findall(r"<cite>([^<:]+):</cite>\s*<time>([^<]+)</time>", raw)
    ]


def test_srt_speakers_and_timings():
    segments = load("example.srt", "srt")
    raw = (EXAMPLES / "example.srt").read_text()
    assert len(segments) == raw.count("-->")
    assert segments[0].speaker == "Travis" and segments[0].start == 0.179
    assert segments[0].text == "When you first get started in podcasting, it's"
    assert segments[-1].end == 754.769
    named = re.findall(r"^([A-Z][a-z]+): ", raw, flags=re.M)
    assert len(named) == 10 and {s.speaker for s in segments} == set(named)


def test_srt_and_html_hold_the_same_episode():
    srt, html = load("example.srt", "srt"), load("example.html", "html")
    srt_text, srt_timeline = assemble(srt)
    html_text, html_timeline = assemble(html)
    assert srt_text == html_text  # same words, same speaker turns
    # Same turns: speaker and start (the HTML rounds down to the second).
    srt_turns = [
        (e[3], e[1])
        for prev, e in zip((None, *srt_timeline), srt_timeline, strict=False)
        if prev is None or prev[3] != e[3]
    ]
    assert [(e[3], e[1]) for e in html_timeline] == _turns_from_raw_html()
    assert len(srt_turns) == len(html_timeline) == 10
    for (srt_speaker, srt_start), (html_speaker, html_start, *_) in zip(
        srt_turns, [(e[3], e[1]) for e in html_timeline], strict=True
    ):
        assert srt_speaker == html_speaker
        assert abs(srt_start - html_start) < 2.0
    # Each HTML monologue ends where the next begins.
    assert html[0].end == html[1].start == 53.0


def test_transcript_chunks_keep_times_speakers_and_a_moment_link(embedder):
    segments = load("example.srt", "srt")
    text, timeline = assemble(segments)
    source = Source(
        "t",
        "transcript",
        "Ten Things",
        text,
        url="https://example.com/ep3",
        audio_url="https://example.com/ep3.mp3",
        episode=3,
        timeline=timeline,
    )
    chunks = chunk_source(source, embedder.count_tokens, embedder.max_tokens, 200)
    assert len(chunks) > 5
    for chunk in chunks:
        # The first words of the chunk are in the segment its start time points at.
        seg = next(s for s in segments if s.start == chunk.start_seconds)
        assert chunk.text.split()[0] in seg.text.split()
        assert chunk.start_seconds < chunk.end_seconds
        assert chunk.url == "https://example.com/ep3"  # the page; the moment is made when shown
        assert chunk.audio_url == "https://example.com/ep3.mp3"
        assert chunk.episode == 3 and chunk.speaker
        assert all(v is not None for v in chunk.metadata().values())
    starts = [c.start_seconds for c in chunks]
    assert starts == sorted(starts)
    assert any("," in c.speaker for c in chunks)  # a passage across a change of speaker


@pytest.mark.parametrize(
    ("data", "fmt", "message"),
    [
        (b"", "vtt", "empty"),
        (b"WEBVTT\n\nnot a cue\n", "vtt", "not a valid WebVTT"),
        (b"1\n00:00:01,000 --> later\nHi\n", "srt", "not a valid SRT"),
        (b'{"segments": [{"body": "hi"}]}', "json", "not a valid JSON"),
        (b"{broken", "json", "not a valid JSON"),
        ("WEBVTT\n\n00:00.000 --> 00:01.000\nCaf\u00e9\n".encode("latin-1"), "vtt", "not UTF-8"),
        (b"<html><body><script>x()</script></body></html>", "html", "no words"),
    ],
)
def test_broken_transcripts_are_clear_errors(data, fmt, message):
    with pytest.raises(SourceError, match=message):
        parse_transcript(data, fmt, "t")


def test_format_from_type_or_suffix():
    assert transcript_format("application/x-subrip") == "srt"
    assert transcript_format("text/vtt; charset=utf-8") == "vtt"
    assert transcript_format("", "https://x/ep.vtt?x=1") == "vtt"
    assert transcript_format("application/pdf", "https://x/ep.pdf") is None


def test_a_local_transcript_file_with_its_sidecar(tmp_path):
    import json
    import shutil

    from ingest.files import load_files

    shutil.copy(TEST_DATA / "site" / "ep1.vtt", tmp_path / "sciatica.vtt")
    meta = {
        "title": "Sciatica",
        "url": "https://x/ep41",
        "audio_url": "https://x/41.mp3",
        "episode": 41,
    }
    (tmp_path / "sciatica.vtt.meta.json").write_text(json.dumps(meta))
    (tmp_path / "broken.srt").write_text("not subtitles at all\n")
    sources, failures = load_files([tmp_path], 1_000_000)
    (source,) = sources
    assert (source.kind, source.title, source.episode, source.audio_url) == (
        "transcript",
        "Sciatica",
        41,
        "https://x/41.mp3",
    )
    assert source.timeline[0][1:] == (602.0, 607.5, "Rick")
    (failure,) = failures
    assert failure.message.startswith(f"{tmp_path / 'broken.srt'}: not a valid SRT transcript")
