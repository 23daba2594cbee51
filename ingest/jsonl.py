"""Bulk import: JSON Lines files of `{"id" | "_id", "title", "text", "url"?}` records."""

import json
import logging
from pathlib import Path

from assistant.records import Source
from ingest.clean import cut_title, normalize_text, web_link
from ingest.errors import Failure, SourceError

log = logging.getLogger(__name__)


def record_to_source(record: object, path: str, line: int = 0) -> Source:
    """One JSON Lines record as a `Source`; `SourceError` when a field is missing or wrong."""
    origin = f"{path}:{line}" if line else path
    if not isinstance(record, dict):
        raise SourceError(f"{origin}: expected a JSON object")
    key = record.get("id", record.get("_id"))
    if key is None or str(key).strip() == "":
        raise SourceError(f'{origin}: no "id" (or "_id")')
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        raise SourceError(f'{origin}: no "text"')
    title = record.get("title")
    url = record.get("url")
    url = str(url) if url not in (None, "") else None
    return Source(
        source_id=f"jsonl:{str(key).strip()}",
        kind=str(record.get("kind") or "document"),
        title=cut_title(normalize_text(str(title))) if title else f"Document {key}",
        text=normalize_text(text),
        url=web_link(url, "url", origin),
        origin=path,
    )


def load_jsonl(path: Path, max_bytes: int) -> tuple[list[Source], list[Failure]]:
    """Every good line of a JSON Lines file as a source, and a `Failure` for each bad line
    (a record over `max_bytes` is one; the file as a whole may be any size)."""
    resolved = path.resolve()
    sources: list[Source] = []
    failures: list[Failure] = []
    seen: set[str] = set()
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            origin = f"{resolved}:{number}"
            if not raw.strip():
                continue
            try:
                record = json.loads(raw.decode("utf-8-sig"))
                source = record_to_source(record, str(resolved), number)
            except (ValueError, UnicodeDecodeError) as exc:  # JSONDecodeError is a ValueError
                failures.append(Failure(origin, f"{path}:{number}: not valid JSON ({exc})"))
                continue
            except SourceError as exc:
                key = record.get("id", record.get("_id")) if isinstance(record, dict) else None
                known = f"jsonl:{str(key).strip()}" if key is not None else None
                failures.append(Failure(origin, str(exc), known))  # its old chunks are kept
                continue
            if len(raw) > max_bytes:  # a bulk export may be big; one record may not
                limit = f"the {max_bytes:,}-byte limit"
                message = f"{path}:{number}: {len(raw):,} bytes is over {limit}"
                failures.append(Failure(origin, message, source.source_id))
                continue
            if source.source_id in seen:
                message = f"{path}:{number}: duplicate id {source.source_id}"
                failures.append(Failure(origin, message))
                continue
            seen.add(source.source_id)
            sources.append(source)
    return sources, failures
