"""The store: chunks and their vectors in Chroma, plus one record per source.

Chroma is embedded (a folder in the data dir) unless `chroma_url` names a Chroma server; then
chunks and source records both live on the server (see `assistant.store.source_records`).
"""

import logging
from collections.abc import Iterable, Sequence
from urllib.parse import urlsplit

import chromadb
import numpy as np
from chromadb.api import ClientAPI

from assistant.records import Chunk, Passage
from assistant.settings import Settings
from assistant.store.paging import batches, pages
from assistant.store.source_records import ChromaRecords, SourceRecord, SqliteRecords

log = logging.getLogger(__name__)

__all__ = ["SourceRecord", "Store", "StoreError", "open_client"]


class StoreError(RuntimeError):
    """The store can't be opened (e.g. the Chroma server is unreachable or refuses us)."""


def open_client(settings: Settings) -> ClientAPI:
    """A Chroma client: `HttpClient` when `chroma_url` is set, else embedded in the data dir."""
    if not settings.chroma_url:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(settings.chroma_path))
    url = urlsplit(settings.chroma_url)
    if url.scheme not in ("http", "https") or not url.hostname or url.path.strip("/"):
        raise StoreError(f"chroma_url must look like http://host:port, not {settings.chroma_url!r}")
    ssl = url.scheme == "https"
    try:
        return chromadb.HttpClient(
            host=url.hostname,
            port=url.port or (443 if ssl else 80),
            ssl=ssl,
            headers=auth_headers(settings),
        )
    except Exception as exc:  # chromadb raises several types (connection, auth, value)
        raise StoreError(f"cannot use the Chroma server at {settings.chroma_url}: {exc}") from exc


def auth_headers(settings: Settings) -> dict[str, str]:
    """The header that carries the Chroma token, if one is set (`Bearer` for Authorization)."""
    if settings.chroma_auth_token is None:
        return {}
    token = settings.chroma_auth_token.get_secret_value()
    header = settings.chroma_auth_header
    if header.lower() == "authorization" and not token.lower().startswith("bearer "):
        token = f"Bearer {token}"
    return {header: token}


class Store:
    """Chunks with embeddings and one record per source, embedded or on a Chroma server."""

    def __init__(self, settings: Settings) -> None:
        self._client = open_client(settings)
        try:
            self._collection = self._client.get_or_create_collection(
                settings.collection,
                embedding_function=None,  # we embed ourselves; Chroma's default would download one
                configuration={"hnsw": {"space": "cosine"}},
            )
            self._max_batch = self._client.get_max_batch_size()
            if settings.chroma_url:
                self._records = ChromaRecords(
                    self._client, f"{settings.collection}-sources", self._max_batch
                )
            else:
                self._records = SqliteRecords(settings.records_path)
        except Exception as exc:
            if not settings.chroma_url:
                raise
            url = settings.chroma_url
            raise StoreError(f"cannot use the Chroma server at {url}: {exc}") from exc

    # -- source records ---------------------------------------------------------------------

    def get_record(self, source_id: str) -> SourceRecord | None:
        """The record of one source, or None if it was never ingested."""
        return self._records.get([source_id]).get(source_id)

    def get_records(self, source_ids: Sequence[str]) -> dict[str, SourceRecord]:
        """The records of those of `source_ids` ever ingested, by id (one round trip a batch)."""
        return self._records.get(source_ids)

    def records(self) -> list[SourceRecord]:
        """Every source record, ordered by id."""
        return self._records.all()

    def save_records(self, records: Sequence[SourceRecord]) -> None:
        """Write sources' records; done last, after their chunks are in, so a crash re-does it."""
        if records:
            self._records.save(records)

    def remove_source(self, source_id: str) -> None:
        """Delete a source's chunks, then its record."""
        record = self.get_record(source_id)
        if record is None:
            return
        self.delete_chunks(record.chunk_ids)
        self._records.delete(source_id)

    # -- chunks -----------------------------------------------------------------------------

    def existing_chunk_ids(self, ids: Sequence[str]) -> set[str]:
        """Which of `ids` are already in the store (their embeddings can be reused)."""
        found: set[str] = set()
        for batch in batches(list(ids), self._max_batch):
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
        for part in batches(list(chunks), self._max_batch):
            self._collection.update(
                ids=[c.chunk_id for c in part], metadatas=[c.metadata() for c in part]
            )

    def delete_chunks(self, ids: Iterable[str]) -> None:
        """Remove chunks by id; unknown ids are ignored."""
        for batch in batches(list(ids), self._max_batch):
            self._collection.delete(ids=batch)

    def sweep_orphans(self) -> int:
        """Delete chunks no source record claims (an interrupted ingest); returns how many."""
        claimed = self._records.claimed_chunk_ids()
        orphans = [i for page in self._pages([]) for i in page["ids"] if i not in claimed]
        self.delete_chunks(orphans)
        return len(orphans)

    def count(self) -> int:
        """Number of chunks in the store."""
        return self._collection.count()

    def all_chunks(self) -> list[Chunk]:
        """Every chunk (for tests and keyword indexes), ordered by source and position."""
        chunks = [
            Chunk.from_store(i, d, m)
            for page in self._pages(["documents", "metadatas"])
            for i, d, m in zip(page["ids"], page["documents"], page["metadatas"], strict=True)
        ]
        return sorted(chunks, key=lambda c: (c.source_id, c.position))

    def _pages(self, include: list) -> Iterable[dict]:
        return pages(self._collection, include, self._max_batch)

    def revision(self) -> tuple:
        """A cheap marker that changes whenever sources or chunks do (for derived indexes)."""
        return (self._records.revision(), self.count())

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

    def vectors(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        """The stored embeddings of the chunks `ids` (those that exist), by chunk id."""
        found: dict[str, np.ndarray] = {}
        for batch in batches(list(ids), self._max_batch):
            data = self._collection.get(ids=batch, include=["embeddings"])
            found.update(
                (i, np.asarray(v, dtype=np.float32))
                for i, v in zip(data["ids"], data["embeddings"], strict=True)
            )
        return found

    def query(self, embedding: Sequence[float], k: int) -> list[Passage]:
        """The `k` chunks closest to `embedding`, best first, scored by cosine similarity."""
        if k <= 0:  # Chroma itself copes with k past the count (counting a big one costs)
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
