"""One record per ingested source: in SQLite beside an embedded store, in Chroma beside a server.

A record holds the content hash and chunk ids that let ingest skip or replace a source. With the
embedded store it lives in a SQLite file in the data dir. With a Chroma server it lives in a
second collection on that server (`<collection>-sources`), so every machine that ingests or
serves sees the same records: ingest from anywhere, no data dir to share.
"""

import json
import sqlite3
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from chromadb.api import ClientAPI

from assistant.store.paging import batches, pages


@dataclass(frozen=True)
class SourceRecord:
    """What the store remembers of an ingested source, to skip or replace it next time."""

    source_id: str
    kind: str
    title: str
    url: str | None
    origin: str | None
    content_hash: str
    chunk_ids: tuple[str, ...]
    text: str
    ingested_at: float = 0.0


_SCHEMA = """
CREATE TABLE IF NOT EXISTS sources (
    source_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    url TEXT,
    origin TEXT,
    content_hash TEXT NOT NULL,
    chunk_ids TEXT NOT NULL,
    text TEXT NOT NULL,
    ingested_at REAL NOT NULL
)
"""


class SqliteRecords:
    """Source records in a SQLite file (embedded mode)."""

    def __init__(self, path: Path) -> None:
        self._db = sqlite3.connect(path, check_same_thread=False)
        self._db.execute(_SCHEMA)
        self._db.commit()

    def get(self, source_ids: Sequence[str]) -> dict[str, SourceRecord]:
        """The records of those of `source_ids` that exist."""
        found: dict[str, SourceRecord] = {}
        for batch in batches(list(source_ids), 500):
            marks = ",".join("?" * len(batch))
            rows = self._db.execute(f"SELECT * FROM sources WHERE source_id IN ({marks})", batch)
            found.update((row[0], _record_from_row(row)) for row in rows)
        return found

    def all(self) -> list[SourceRecord]:
        """Every record, ordered by source id."""
        rows = self._db.execute("SELECT * FROM sources ORDER BY source_id").fetchall()
        return [_record_from_row(r) for r in rows]

    def save(self, records: Sequence[SourceRecord]) -> None:
        """Insert or replace records, in one transaction (one disk sync, not one per source)."""
        with self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO sources VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        r.source_id,
                        r.kind,
                        r.title,
                        r.url,
                        r.origin,
                        r.content_hash,
                        json.dumps(list(r.chunk_ids)),
                        r.text,
                        r.ingested_at or time.time(),
                    )
                    for r in records
                ],
            )

    def revision(self) -> tuple:
        """Changes whenever a record is saved or deleted."""
        return self._db.execute(
            "SELECT COUNT(*), MAX(ingested_at), TOTAL(LENGTH(chunk_ids)) FROM sources"
        ).fetchone()

    def delete(self, source_id: str) -> None:
        """Forget one record."""
        self._db.execute("DELETE FROM sources WHERE source_id = ?", (source_id,))
        self._db.commit()

    def claimed_chunk_ids(self) -> set[str]:
        """Chunk ids some record owns."""
        claimed: set[str] = set()
        for (ids,) in self._db.execute("SELECT chunk_ids FROM sources"):
            claimed.update(json.loads(ids))
        return claimed


# Chroma needs a vector per item; records are only ever fetched by id, so all share this one.
_NO_VECTOR = [1.0]


class ChromaRecords:
    """Source records in a collection of their own on the Chroma server (server mode).

    The source text is the item's document; the other fields are its metadata (chunk ids as a
    JSON string, since metadata values are scalars).
    """

    def __init__(self, client: ClientAPI, name: str, max_batch: int) -> None:
        self._collection = client.get_or_create_collection(name, embedding_function=None)
        self._client = client
        self._name = name
        self._max_batch = max_batch

    def get(self, source_ids: Sequence[str]) -> dict[str, SourceRecord]:
        """The records of those of `source_ids` that exist."""
        found: dict[str, SourceRecord] = {}
        for batch in batches(list(dict.fromkeys(source_ids)), self._max_batch):
            data = self._collection.get(ids=batch, include=["documents", "metadatas"])
            for i, doc, meta in zip(data["ids"], data["documents"], data["metadatas"], strict=True):
                found[i] = _record_from_chroma(i, doc, meta)
        return found

    def all(self) -> list[SourceRecord]:
        """Every record, ordered by source id."""
        records = [
            _record_from_chroma(i, doc, meta)
            for page in self._pages(["documents", "metadatas"])
            for i, doc, meta in zip(page["ids"], page["documents"], page["metadatas"], strict=True)
        ]
        return sorted(records, key=lambda r: r.source_id)

    def save(self, records: Sequence[SourceRecord]) -> None:
        """Insert or replace records."""
        for part in batches(list(records), self._max_batch):
            self._collection.upsert(
                ids=[r.source_id for r in part],
                embeddings=[_NO_VECTOR] * len(part),
                documents=[r.text for r in part],
                metadatas=[_chroma_metadata(r) for r in part],
            )
        self._bump()

    def delete(self, source_id: str) -> None:
        """Forget one record."""
        self._collection.delete(ids=[source_id])
        self._bump()

    def revision(self) -> str:
        """Changes whenever a record is saved or deleted, by any process using the server."""
        metadata = self._client.get_collection(self._name).metadata or {}
        return str(metadata.get("revision", ""))

    def _bump(self) -> None:
        # A new random mark in the collection's metadata: one small write that every serving
        # process can read to know its derived indexes (BM25) are stale.
        self._collection.modify(metadata={"revision": uuid.uuid4().hex})

    def claimed_chunk_ids(self) -> set[str]:
        """Chunk ids some record owns."""
        claimed: set[str] = set()
        for page in self._pages(["metadatas"]):
            for meta in page["metadatas"]:
                claimed.update(json.loads(meta["chunk_ids"]))
        return claimed

    def _pages(self, include: list) -> Iterable[dict]:
        return pages(self._collection, include, self._max_batch)


def _chroma_metadata(record: SourceRecord) -> dict:
    meta = {
        "kind": record.kind,
        "title": record.title,
        "url": record.url,
        "origin": record.origin,
        "content_hash": record.content_hash,
        "chunk_ids": json.dumps(list(record.chunk_ids)),
        "ingested_at": record.ingested_at or time.time(),
    }
    return {k: v for k, v in meta.items() if v is not None}


def _record_from_row(row: tuple) -> SourceRecord:
    source_id, kind, title, url, origin, content_hash, chunk_ids, text, ingested_at = row
    return SourceRecord(
        source_id,
        kind,
        title,
        url,
        origin,
        content_hash,
        tuple(json.loads(chunk_ids)),
        text,
        ingested_at,
    )


def _record_from_chroma(source_id: str, text: str | None, meta: dict) -> SourceRecord:
    return SourceRecord(
        source_id=source_id,
        kind=meta["kind"],
        title=meta["title"],
        url=meta.get("url"),
        origin=meta.get("origin"),
        content_hash=meta["content_hash"],
        chunk_ids=tuple(json.loads(meta["chunk_ids"])),
        text=text or "",
        ingested_at=float(meta.get("ingested_at", 0.0)),
    )
