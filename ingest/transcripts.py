"""Episode transcripts (WebVTT, SRT, Podcast-Index JSON, HTML) to timed, attributed segments."""

import html
import io
import json
import re
from bisect import bisect_right
from dataclasses import dataclass

import lxml.html
import webvtt
from webvtt.errors import MalformedCaptionError, MalformedFileError

from ingest.errors import SourceError

# Formats by MIME type (as `podcast:transcript type=` declares) and by file suffix.
FORMATS = {
    "text/vtt": "vtt",
    "application/x-subrip": "srt",
    "application/srt": "srt",
    "text/srt": "srt",
    "application/json": "json",
    "text/html": "html",
    "text/plain": "text",
}
SUFFIXES = {".vtt": "vtt", ".srt": "srt", ".json": "json", ".html": "html", ".htm": "html"}
# Richest first: speakers and cue timings, then word timings, then turn timings only.
PREFERENCE = ("vtt", "json", "srt", "html", "text")
# "Sarah: text" opens an SRT cue when the speaker changes (the namespace's SRT convention).
_SRT_SPEAKER = re.compile(r"^([A-Z][\w.'’-]*(?: [A-Z][\w.'’-]*){0,3})\s?:\s+(?=\S)")


@dataclass(frozen=True)
class Segment:
    """A stretch of speech: when it starts and ends (seconds), who says it, and what."""

    start: float | None
    end: float | None
    speaker: str | None
    text: str


# (char offset in the assembled text, start seconds, end seconds, speaker) per segment.
TimelineEntry = tuple[int, float | None, float | None, str | None]


def transcript_format(mime_type: str | None, url: str = "") -> str | None:
    """The format of a transcript from its declared type, else its file suffix."""
    kind = FORMATS.get((mime_type or "").split(";")[0].strip().lower())
    if kind:
        return kind
    suffix = re.search(r"(\.[a-z]+)(?:[?#].*)?$", url.lower())
    return SUFFIXES.get(suffix.group(1)) if suffix else None


def _decode(data: bytes, origin: str) -> str:
    if not data.strip():
        raise SourceError(f"{origin}: the transcript is empty")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        # The transcript formats are UTF-8 by specification; guessing would garble names.
        raise SourceError(
            f"{origin}: the transcript is not UTF-8 (byte {exc.start}); re-export it as UTF-8"
        ) from exc


def _clean(text: str) -> str:
    return " ".join(html.unescape(text).split())


def parse_vtt(text: str, origin: str = "transcript") -> list[Segment]:
    """Cues of a WebVTT file; `<v Name>` voice spans give the speaker, who keeps talking in
    later cues without one."""
    try:
        captions = webvtt.from_buffer(io.StringIO(text)).captions
    except (MalformedFileError, MalformedCaptionError) as exc:
        raise SourceError(f"{origin}: not a valid WebVTT transcript ({exc})") from exc
    if not captions:  # the lenient parser skips broken cues; none left means a broken file
        raise SourceError(f"{origin}: not a valid WebVTT transcript (no cue with valid timings)")
    segments, speaker = [], None
    for cue in captions:
        speaker = cue.voice or speaker
        body = _clean(cue.text)
        if body:
            segments.append(_timed(cue, speaker, body))
    return segments


def parse_srt(text: str, origin: str = "transcript") -> list[Segment]:
    """Cues of an SRT file; a leading "Name:" starts a new speaker's turn."""
    try:
        captions = webvtt.from_buffer(io.StringIO(text), format="srt").captions
    except (MalformedFileError, MalformedCaptionError) as exc:
        raise SourceError(f"{origin}: not a valid SRT transcript ({exc})") from exc
    if not captions:
        raise SourceError(f"{origin}: not a valid SRT transcript (no cue with valid timings)")
    segments, speaker = [], None
    for cue in captions:
        body = _clean(cue.text)
        named = _SRT_SPEAKER.match(body)
        if named:
            speaker, body = named.group(1), body[named.end() :]
        if body:
            segments.append(_timed(cue, speaker, body))
    return segments


def _timed(cue, speaker: str | None, body: str) -> Segment:
    return Segment(
        cue.start_time.in_milliseconds() / 1000,
        cue.end_time.in_milliseconds() / 1000,
        speaker,
        body,
    )


def parse_json(text: str, origin: str = "transcript") -> list[Segment]:
    """Segments of a Podcast-Index JSON transcript (`{"segments": [{speaker, startTime,
    endTime, body}]}`)."""
    try:
        data = json.loads(text)
        rows = data["segments"]
        segments = []
        for row in rows:
            body = _clean(str(row.get("body", "")))
            if not body:
                continue
            end = row.get("endTime")
            segments.append(
                Segment(
                    float(row["startTime"]),
                    float(end) if end is not None else None,
                    (str(row["speaker"]).strip() or None) if row.get("speaker") else None,
                    body,
                )
            )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise SourceError(f"{origin}: not a valid JSON transcript ({exc!r})") from exc
    return segments


def parse_clock(value: str) -> float:
    """Seconds in "12:34", "1:02:03" or "754.5"."""
    seconds = 0.0
    for part in value.strip().split(":"):
        seconds = seconds * 60 + float(part)
    return seconds


def parse_html(text: str, origin: str = "transcript") -> list[Segment]:
    """Monologues of an HTML transcript: `<cite>` speaker, `<time>` start, `<p>` words."""
    try:
        root = lxml.html.fromstring(text)
    except (ValueError, lxml.etree.ParserError) as exc:
        raise SourceError(f"{origin}: not a readable HTML transcript ({exc})") from exc
    for junk in root.xpath("//script|//style"):
        junk.drop_tree()
    segments: list[Segment] = []
    speaker, start = None, None
    for el in root.iter("cite", "time", "p"):
        content = _clean(el.text_content())
        if el.tag == "cite":
            speaker = content.rstrip(":").strip() or None
        elif el.tag == "time":
            try:
                start = parse_clock(el.get("datetime") or content)
            except ValueError:
                start = None
        elif content:
            segments.append(Segment(start, None, speaker, content))
    # A monologue ends where the next one starts.
    ends = [s.start for s in segments[1:]] + [None] if segments else []
    return [Segment(s.start, end, s.speaker, s.text) for s, end in zip(segments, ends, strict=True)]


def parse_transcript(data: bytes, fmt: str, origin: str = "transcript") -> list[Segment]:
    """Segments of a transcript in format `fmt` ("vtt", "srt", "json", "html", "text"); raises
    `SourceError` when it is empty, not UTF-8, malformed or has no words."""
    text = _decode(data, origin)
    if fmt == "vtt":
        segments = parse_vtt(text, origin)
    elif fmt == "srt":
        segments = parse_srt(text, origin)
    elif fmt == "json":
        segments = parse_json(text, origin)
    elif fmt == "html":
        segments = parse_html(text, origin)
    elif fmt == "text":
        segments = [Segment(None, None, None, p) for p in map(_clean, text.split("\n\n")) if p]
    else:
        raise SourceError(f"{origin}: unsupported transcript format {fmt!r}")
    if not segments:
        raise SourceError(f"{origin}: the transcript has no words in it")
    return segments


def assemble(
    segments: list[Segment], pause: float | None = None
) -> tuple[str, tuple[TimelineEntry, ...]]:
    """One text for the chunker, a paragraph per speaker turn (and, with `pause`, after a
    silence that long: speech recognised without a full stop there still ends its sentence), and
    where each segment starts in it, so sentences re-assembled across cues can be traced back
    to their time and speaker."""
    text = ""
    timeline: list[TimelineEntry] = []
    previous: Segment | None = None
    for seg in segments:
        if previous is not None:
            gap = (seg.start or 0.0) - (previous.end or previous.start or 0.0)
            new_turn = seg.speaker != previous.speaker or (pause is not None and gap >= pause)
            text += "\n\n" if new_turn else " "
        timeline.append((len(text), seg.start, seg.end, seg.speaker))
        text += seg.text
        previous = seg
    return text, tuple(timeline)


def locate(timeline: tuple[TimelineEntry, ...], offset: int) -> TimelineEntry | None:
    """The timeline entry of the segment that holds character `offset`."""
    if not timeline:
        return None
    i = bisect_right([entry[0] for entry in timeline], offset) - 1
    return timeline[max(i, 0)]
