"""Transcribing episodes once: media (a feed's enclosure, a local file) to timed transcript
segments, cached in the data dir by the media's sha256 and written there as WebVTT.

A cached transcript is reused whatever asks for it; a feed's enclosure is fetched with its
ETag/Last-Modified, so an unchanged one is not even downloaded again. A transcription that is
killed writes nothing (the VTT appears whole or not at all), so the next run starts it again.
"""

import json
import logging
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from tqdm import tqdm

from assistant.links import format_timestamp
from assistant.settings import Settings
from ingest.asr import RTF, Recognizer, sha256_file
from ingest.errors import SourceError
from ingest.fetch import Fetcher
from ingest.media import MEDIA_SUFFIXES, check_complete, probe
from ingest.transcripts import Segment, parse_vtt

log = logging.getLogger(__name__)


def transcripts_dir(settings: Settings) -> Path:
    """Where transcripts of media live: `<sha256>.vtt`, and `media.json` naming each URL's."""
    return settings.data_dir / "transcripts"


def vtt_text(segments: list[Segment], note: str) -> str:
    """Segments as a WebVTT file, a cue each (its text escaped as WebVTT requires)."""

    def stamp(seconds: float) -> str:
        ms = round(max(seconds, 0.0) * 1000)
        return (
            f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"
        )

    lines = ["WEBVTT", "", f"NOTE {note}", ""]
    for seg in segments:
        start = seg.start or 0.0
        end = max(seg.end or start, start + 0.01)
        text = seg.text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        lines += [f"{stamp(start)} --> {stamp(end)}", text, ""]
    return "\n".join(lines)


def is_media(url: str | None, mime_type: str | None) -> bool:
    """An enclosure worth transcribing: declared audio/video, or a media file name."""
    if not url:
        return False
    if (mime_type or "").lower().startswith(("audio/", "video/")):
        return True
    return Path(urlsplit(url).path).suffix.lower() in MEDIA_SUFFIXES


def duration_words(seconds: float) -> str:
    """ "2 h 41 min", "12 min", "40 s"."""
    minutes = round(seconds / 60)
    if seconds < 60:
        return f"{seconds:.0f} s"
    return f"{minutes // 60} h {minutes % 60} min" if minutes >= 60 else f"{minutes} min"


def _episodes(n: int) -> str:
    return f"{n} episode" if n == 1 else f"{n} episodes"


@dataclass
class _Tally:
    episodes: int = 0
    audio_seconds: float = 0.0
    wall_seconds: float = 0.0
    planned: int = 0
    planned_seconds: float = 0.0
    unknown: int = 0  # planned episodes whose length the feed does not give


class Transcriber:
    """Turns media into transcript segments, once per distinct media file."""

    def __init__(
        self, settings: Settings, *, dry_run: bool = False, recognizer: Recognizer | None = None
    ) -> None:
        self.settings = settings
        self.dry_run = dry_run
        self.folder = transcripts_dir(settings)
        self.recognizer = recognizer or Recognizer(settings)
        self.tally = _Tally()
        if not dry_run:  # downloads a killed run left behind (ingest runs one at a time)
            for stale in self.folder.glob("download-*"):
                shutil.rmtree(stale, ignore_errors=True)

    def _cached(self, sha: str) -> list[Segment] | None:
        path = self.folder / f"{sha}.vtt"
        if not path.is_file():
            return None
        try:
            return parse_vtt(path.read_text("utf-8"), str(path))
        except (OSError, UnicodeDecodeError, SourceError) as exc:
            log.warning("%s: unreadable cached transcript, transcribing again (%s)", path, exc)
            return None

    def _index(self) -> dict:
        try:
            return json.loads((self.folder / "media.json").read_text("utf-8"))
        except (OSError, ValueError):
            return {}

    def _remember(self, url: str, entry: dict) -> None:
        index = self._index()
        index[url] = entry
        self.folder.mkdir(parents=True, exist_ok=True)
        partial = self.folder / "media.json.partial"
        partial.write_text(json.dumps(index, indent=1, sort_keys=True), "utf-8")
        os.replace(partial, self.folder / "media.json")

    def _plan(self, title: str, seconds: float | None) -> None:
        self.tally.planned += 1
        if seconds:
            self.tally.planned_seconds += seconds
            estimate = duration_words(seconds * RTF.get(self.settings.asr_model, 0.2))
            about = f"{duration_words(seconds)} of audio, about {estimate}"
        else:
            self.tally.unknown += 1
            about = "length unknown"
        print(f"would transcribe: {title} ({about})", file=sys.stderr)

    def _run(self, media: Path, sha: str, title: str) -> list[Segment]:
        """Transcribe `media` and write its VTT; `SourceError` when it can't be."""
        declared = probe(media)
        started = time.monotonic()
        bar = tqdm(
            total=round(declared) or None,
            desc=title[:40],
            unit="s",
            file=sys.stderr,
            disable=None,  # a bar on a terminal only
            leave=True,  # one finished line per episode
        )

        def advance(done: float) -> None:
            bar.update(max(0, min(round(done), bar.total or round(done)) - bar.n))
            bar.set_postfix_str(f"{done / 60:.1f} min of audio done", refresh=False)

        with bar:
            segments, decoded = self.recognizer.transcribe(media, advance)
            advance(decoded)  # the silence after the last words is done too
        check_complete(media, declared, decoded)
        if not segments:
            raise SourceError(f"{title}: no speech found in the audio")
        self.folder.mkdir(parents=True, exist_ok=True)
        partial = self.folder / f"{sha}.vtt.partial"
        note = f"transcribed by podcast-assistant with Whisper {self.settings.asr_model}"
        partial.write_text(vtt_text(segments, note), "utf-8")
        os.replace(partial, self.folder / f"{sha}.vtt")
        took = time.monotonic() - started
        self.tally.episodes += 1
        self.tally.audio_seconds += decoded
        self.tally.wall_seconds += took
        log.info("%s: %s of audio transcribed in %.0f s", title, format_timestamp(decoded), took)
        return segments

    def file_segments(self, path: Path, title: str) -> list[Segment] | None:
        """Segments of a local media file (None in a dry run that would transcribe it)."""
        size = path.stat().st_size
        if size > self.settings.media_max_bytes:
            limit = f"{self.settings.media_max_bytes:,}-byte media limit"
            raise SourceError(f"{path}: {size:,} bytes is over the {limit}")
        sha = sha256_file(path)
        cached = self._cached(sha)
        if cached is not None:
            return cached
        if self.dry_run:
            self._plan(title, probe(path))
            return None
        return self._run(path, sha, title)

    def episode_segments(
        self, url: str, title: str, fetcher: Fetcher, trusted, duration: float | None = None
    ) -> list[Segment] | None:
        """Segments of an episode's media at `url` (None in a dry run that would transcribe
        it); unchanged media (304, or a sha256 seen before) is never transcribed twice."""
        known = self._index().get(url) or {}
        cached = self._cached(known["sha256"]) if known.get("sha256") else None
        if self.dry_run:
            if cached is None:
                self._plan(title, duration)
            return cached
        validators = (known.get("etag"), known.get("last_modified")) if cached else (None, None)
        self.folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=self.folder, prefix="download-") as tmp:
            dest = Path(tmp) / ("media" + Path(urlsplit(url).path).suffix.lower()[:8])
            got = fetcher.download(
                url,
                dest,
                max_bytes=self.settings.media_max_bytes,
                timeout=self.settings.media_timeout,
                validators=validators,
                trusted=trusted,
            )
            if got.not_modified and cached is not None:
                return cached
            segments = self._cached(got.sha256) or self._run(dest, got.sha256, title)
        entry = {"etag": got.etag, "last_modified": got.last_modified, "sha256": got.sha256}
        self._remember(url, {**entry, "title": title})
        return segments

    def summary(self) -> str | None:
        """ "transcribed: 3 episodes, 2 h 41 min of audio in 11 min", or the dry run's plan."""
        t = self.tally
        if self.dry_run and t.planned:
            model = self.settings.asr_model
            estimate = t.planned_seconds * RTF.get(model, 0.2)
            unknown = f" (and {t.unknown} of unknown length)" if t.unknown else ""
            return (
                f"would transcribe: {_episodes(t.planned)}, {duration_words(t.planned_seconds)} "
                f"of audio{unknown}, about {duration_words(estimate)} with {model}"
            )
        if t.episodes:
            return (
                f"transcribed: {_episodes(t.episodes)}, {duration_words(t.audio_seconds)} of audio "
                f"in {duration_words(t.wall_seconds)}"
            )
        return None
