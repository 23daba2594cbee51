"""The store: chunks and their vectors in Chroma, plus one record per source in SQLite."""

import json
import logging
import sqlite3
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import chromadb
import numpy as np

from assistant.records import Chunk, Passage
from assistant.settings import Settings

log = logging.getLogger(__name__)


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


class Store:
    """Chunks with embeddings (Chroma) and source records (SQLite) under the data dir."""

    def __init__(self, settings: Settings) -> None:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        self._client = chromadb.PersistentClient(path=str(settings.chroma_path))
        self._collection = self._client.get_or_create_collection(
            settings.collection,
            embedding_function=None,  # we embed ourselves; Chroma's default would download one
            configuration={"hnsw": {"space": "cosine"}},
        )
        self._max_batch = self._client.get_max_batch_size()
        self._db = sqlite3.connect(settings.records_path, check_same_thread=False)
        self._db.execute(_SCHEMA)
        self._db.commit()

    # -- source records ---------------------------------------------------------------------

    def get_record(self, source_id: str) -> SourceRecord | None:
        """The record of one source, or None if it was never ingested."""
        row = self._db.execute("SELECT * FROM sources WHERE source_id = ?", (source_id,)).fetchone()
        return _record_from_row(row) if row else None

    def records(self) -> list[SourceRecord]:
        """Every source record, ordered by id."""
        rows = self._db.execute("SELECT * FROM sources ORDER BY source_id").fetchall()
        return [_record_from_row(r) for r in rows]

    def save_record(self, record: SourceRecord) -> None:
        """Write a source's record; done last, after its chunks are in, so a crash re-does it."""
        self._db.execute(
            "INSERT OR REPLACE INTO sources VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                record.source_id,
                record.kind,
                record.title,
                record.url,
                record.origin,
                record.content_hash,
                json.dumps(list(record.chunk_ids)),
                record.text,
                record.ingested_at or time.time(),
            ),
        )
        self._db.commit()

    def remove_source(self, source_id: str) -> None:
        """Delete a source's chunks, then its record."""
        record = self.get_record(source_id)
        if record is None:
            return
        self.delete_chunks(record.chunk_ids)
        self._db.execute("DELETE FROM sources WHERE source_id = ?", (source_id,))
        self._db.commit()

    # -- chunks -----------------------------------------------------------------------------

    def existing_chunk_ids(self, ids: Sequence[str]) -> set[str]:
        """Which of `ids` are already in the store (their embeddings can be reused)."""
        found: set[str] = set()
        for batch in _batches(list(ids), self._max_batch):
            found.update(self._collection.get(ids=batch, include=[])["ids"])
        return found

    def add_chunks(self, chunks: Sequence[Chunk], embeddings: Sequence[Sequence[float]]) -> None:
        """Insert or overwrite chunks with their embeddings (idempotent by chunk id)."""
        for start in range(0, len(chunks), self._max_batch):
            part = chunks[start : start + self._max_batch]
            self._collection.upsert(
                ids=[c.chunk_id for c in part],
                embeddings=np.asarray(
                    embeddings[start : start + self._max_batch], dtype=np.float32
                ),
                documents=[c.text for c in part],
                metadatas=[c.metadata() for c in part],
            )

    def update_chunk_metadata(self, chunks: Sequence[Chunk]) -> None:
        """Refresh position and offsets of chunks whose text (and so embedding) is unchanged."""
        for part in _batches(list(chunks), self._max_batch):
            self._collection.update(
                ids=[c.chunk_id for c in part], metadatas=[c.metadata() for c in part]
            )

    def delete_chunks(self, ids: Iterable[str]) -> None:
        """Remove chunks by id; unknown ids are ignored."""
        for batch in _batches(list(ids), self._max_batch):
            self._collection.delete(ids=batch)

    def sweep_orphans(self) -> int:
        """Delete chunks no source record claims (an interrupted ingest); returns how many."""
        claimed: set[str] = set()
        for (ids,) in self._db.execute("SELECT chunk_ids FROM sources"):
            claimed.update(json.loads(ids))
        orphans = [i for i in self._collection.get(include=[])["ids"] if i not in claimed]
        self.delete_chunks(orphans)
        return len(orphans)

    def count(self) -> int:
        """Number of chunks in the store."""
        return self._collection.count()

    def all_chunks(self) -> list[Chunk]:
        """Every chunk (for tests and keyword indexes), ordered by source and position."""
        data = self._collection.get(include=["documents", "metadatas"])
        chunks = [
            Chunk.from_store(i, d, m)
            for i, d, m in zip(data["ids"], data["documents"], data["metadatas"], strict=True)
        ]
        return sorted(chunks, key=lambda c: (c.source_id, c.position))

    def revision(self) -> tuple:
        """A cheap marker that changes whenever sources or chunks do (for derived indexes)."""
        row = self._db.execute(
            "SELECT COUNT(*), MAX(ingested_at), TOTAL(LENGTH(chunk_ids)) FROM sources"
        ).fetchone()
        return (*row, self.count())

    def chunks_of(self, source_id: str) -> list[Chunk]:
        """The chunks of one source, in order."""
        data = self._collection.get(
            where={"source_id": source_id}, include=["documents", "metadatas"]
        )
        chunks = [
            Chunk.from_store(i, d, m)
            for i, d, m in zip(data["ids"], data["documents"], data["metadatas"], strict=True)
        ]
        return sorted(chunks, key=lambda c: c.position)

    def query(self, embedding: Sequence[float], k: int) -> list[Passage]:
        """The `k` chunks closest to `embedding`, best first, scored by cosine similarity."""
        if k <= 0 or self.count() == 0:
            return []
        res = self._collection.query(
            query_embeddings=[list(embedding)],
            n_results=k,
            include=["documents", "metadatas", "distances"],
        )
        return [
            Passage(Chunk.from_store(i, d, m), 1.0 - dist)
            for i, d, m, dist in zip(
                res["ids"][0],
                res["documents"][0],
                res["metadatas"][0],
                res["distances"][0],
                strict=True,
            )
        ]


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


def _batches(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
