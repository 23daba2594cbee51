"""Local files (.txt, .md, .html, .vtt, .srt, .jsonl) to `Source`s, with a clear error for each
unreadable one."""

import codecs
import json
import logging
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

import trafilatura
from charset_normalizer import from_bytes

from assistant.records import Source
from ingest.asr import PAUSE
from ingest.clean import cut_title, markdown_to_text, strip_furniture, web_link
from ingest.errors import Failure, SourceError
from ingest.jsonl import load_jsonl
from ingest.media import MEDIA_SUFFIXES
from ingest.transcribe import Transcriber
from ingest.transcripts import assemble, parse_transcript

log = logging.getLogger(__name__)

TEXT_SUFFIXES = {".txt": "text", ".md": "markdown", ".markdown": "markdown"}
HTML_SUFFIXES = {".html", ".htm"}
TRANSCRIPT_SUFFIXES = {".vtt": "vtt", ".srt": "srt"}
JSONL_SUFFIXES = {".jsonl"}
SUPPORTED_SUFFIXES = (
    frozenset(TEXT_SUFFIXES)
    | HTML_SUFFIXES
    | frozenset(TRANSCRIPT_SUFFIXES)
    | JSONL_SUFFIXES
    | MEDIA_SUFFIXES
)
META_SUFFIX = ".meta.json"


def discover_files(paths: Iterable[Path]) -> dict[Path, Path]:
    """Supported files under `paths` (files or folders), sorted, each mapped to the outermost
    of `paths` it was found under (its root); sidecar metadata excluded, orphans warned of."""
    found: dict[Path, Path] = {}
    for path in sorted(paths, key=lambda p: len(p.resolve().parts)):
        if not path.exists():
            raise SourceError(f"{path}: no such file or folder")
        candidates = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
        for p in candidates:
            if p.name.endswith(META_SUFFIX):
                _warn_if_orphan(p)
                continue
            if not p.name.startswith(".") and p.suffix.lower() in SUPPORTED_SUFFIXES:
                found.setdefault(p, path)
    return dict(sorted(found.items()))


def _warn_if_orphan(sidecar: Path) -> None:
    """Warn when a sidecar names no file beside it (NAME.EXT.meta.json or NAME.meta.json)."""
    base = sidecar.name[: -len(META_SUFFIX)]
    if sidecar.with_name(base).is_file():
        return
    if any(sidecar.with_name(base + suffix).is_file() for suffix in SUPPORTED_SUFFIXES):
        return
    log.warning("%s: no file %s or %s.EXT beside this sidecar; it is ignored", sidecar, base, base)


def source_id_for(path: Path, root: Path) -> str:
    """Stable id of a local file: its path inside the folder given to ingest (`root`), or its
    name when `root` is the file itself; the same wherever ingest runs from."""
    resolved, top = path.resolve(), root.resolve()
    if top.is_file() or top == resolved:
        return "file:" + resolved.name
    try:
        return "file:" + resolved.relative_to(top).as_posix()
    except ValueError:
        return "file:" + resolved.name


def decode(data: bytes, origin: str) -> str:
    """Text of `data`: UTF-8 (or UTF-16 with a BOM) when it is, else Windows-1252, else the
    encoding charset detection is sure of. Binary data is an error."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    if b"\x00" in data:
        raise SourceError(f"{origin}: looks like a binary file, not text")
    # English text that isn't UTF-8 is almost always Windows-1252 (Word, older CMSs); detection
    # on short text guesses wildly (cp775 for curly quotes), so try it first.
    try:
        text = data.decode("cp1252")
        log.warning("%s: not UTF-8, read as Windows-1252", origin)
        return text
    except UnicodeDecodeError:
        pass
    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        raise SourceError(f"{origin}: not UTF-8 and no other text encoding fits; save it as UTF-8")
    log.warning("%s: not UTF-8, read as %s", origin, best.encoding)
    return str(best)


def read_metadata(path: Path) -> dict:
    """Optional sidecar `NAME.txt.meta.json` (or `NAME.meta.json`) with `title`, `kind` and
    `url` for the file NAME.txt; the first wins when both exist."""
    candidates = [path.with_name(path.name + META_SUFFIX), path.with_name(path.stem + META_SUFFIX)]
    meta_path = next((p for p in candidates if p.is_file()), None)
    if meta_path is None:
        return {}
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise SourceError(f"{meta_path}: not valid JSON ({exc})") from exc
    if not isinstance(meta, dict):
        raise SourceError(f"{meta_path}: expected a JSON object")
    return meta


def html_to_text(html: str | bytes, origin: str) -> tuple[str, str | None]:
    """Main text of an HTML page (no navigation, scripts or comments) and its title."""
    text = trafilatura.extract(
        html, include_comments=False, include_tables=True, include_links=False, favor_recall=True
    )
    meta = trafilatura.extract_metadata(html)
    if not text:
        raise SourceError(f"{origin}: no readable article text in the HTML")
    return text, (meta.title if meta else None)


def load_file(path: Path, root: Path, max_bytes: int) -> Source:
    """Read one local file found under `root` into a clean `Source`, or raise `SourceError`
    saying what is wrong."""
    origin = str(path)
    size = path.stat().st_size
    if size == 0:
        raise SourceError(f"{origin}: the file is empty")
    if size > max_bytes:
        raise SourceError(f"{origin}: {size:,} bytes is over the {max_bytes:,}-byte limit")
    meta = read_metadata(path)
    data = path.read_bytes()
    suffix = path.suffix.lower()
    if suffix in TRANSCRIPT_SUFFIXES:
        return _load_transcript(path, data, TRANSCRIPT_SUFFIXES[suffix], meta, root)
    if suffix in HTML_SUFFIXES:
        body, found_title = html_to_text(data, origin)
    else:
        body = decode(data, origin)
        found_title = None
        if TEXT_SUFFIXES[suffix] == "markdown":
            body, found_title = markdown_to_text(body)
        else:
            first = body.strip().split("\n", 1)[0].strip()
            found_title = first if 0 < len(first) <= 150 else None
    title = cut_title(
        str(meta.get("title") or found_title or path.stem.replace("-", " ").capitalize())
    )
    text = strip_furniture(body, title)
    if not text:
        raise SourceError(f"{origin}: nothing left to ingest after cleaning")
    return Source(
        source_id=source_id_for(path, root),
        kind=str(meta.get("kind") or "article"),
        title=title,
        text=text,
        url=web_link(meta.get("url"), "url", origin),
        origin=str(path.resolve()),
    )


def _load_transcript(path: Path, data: bytes, fmt: str, meta: dict, root: Path) -> Source:
    """A local transcript file; its sidecar may give `url`, `audio_url` and `episode`."""
    return _transcript_source(path, parse_transcript(data, fmt, str(path)), meta, root)


def load_media(path: Path, root: Path, transcriber: Transcriber) -> Source | None:
    """A local audio or video file, transcribed (None in a dry run that would transcribe it);
    its sidecar may give `title`, `url`, `audio_url` and `episode` as for a transcript."""
    meta = read_metadata(path)
    title = str(meta.get("title") or path.stem.replace("-", " ").capitalize())
    segments = transcriber.file_segments(path, title)
    if segments is None:
        return None
    return _transcript_source(path, segments, meta, root, pause=PAUSE)


def _transcript_source(
    path: Path, segments: list, meta: dict, root: Path, pause: float | None = None
) -> Source:
    origin = str(path)
    text, timeline = assemble(segments, pause)
    episode = meta.get("episode")
    return Source(
        source_id=source_id_for(path, root),
        kind="transcript",
        title=cut_title(str(meta.get("title") or path.stem.replace("-", " ").capitalize())),
        text=text,
        url=web_link(meta.get("url"), "url", origin),
        origin=str(path.resolve()),
        episode=int(episode) if str(episode or "").isdigit() else None,
        published=meta.get("published") or None,
        audio_url=web_link(meta.get("audio_url"), "audio_url", origin),
        timeline=timeline,
    )


def load_files(
    paths: Iterable[Path], max_bytes: int, transcriber: Transcriber | None = None
) -> tuple[list[Source], list[Failure]]:
    """Every readable source under `paths`, and a `Failure` for each file that is not. Ids are
    relative to the folder given (see `source_id_for`); when two folders hold the same relative
    path, the later one's id is prefixed with its folder's name. Media files are transcribed
    by `transcriber` (without one they are left alone)."""

    sources: list[Source] = []
    failures: list[Failure] = []
    claimed: dict[str, Path] = {}
    for path, root in discover_files(paths).items():
        if path.suffix.lower() in JSONL_SUFFIXES:
            try:
                found, bad = load_jsonl(path, max_bytes)
            except (SourceError, OSError) as exc:
                failures.append(Failure(str(path.resolve()), str(exc)))
                continue
            sources.extend(found)
            failures.extend(bad)
            continue
        source_id = source_id_for(path, root)
        if claimed.setdefault(source_id, root) != root:
            source_id = "file:" + root.resolve().name + "/" + source_id.removeprefix("file:")
        try:
            if path.suffix.lower() in MEDIA_SUFFIXES:
                found = load_media(path, root, transcriber) if transcriber else None
                if found is None:
                    log.info("%s: not transcribed now", path)
                    continue
                sources.append(replace(found, source_id=source_id))
                continue
            sources.append(replace(load_file(path, root, max_bytes), source_id=source_id))
        except (SourceError, OSError) as exc:
            failures.append(Failure(str(path), str(exc), source_id))
    return sources, failures
