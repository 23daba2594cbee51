"""Incremental ingest: embed only new or changed sources, replace their chunks, prune on request.

Each source has a record (content hash and chunk ids) written only after its chunks are in the
store, and chunk ids are hashes of their content, so an interrupted run redone gives the same
store: upserts are idempotent and chunks already embedded are reused instead of re-embedded.
"""

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from assistant.embedding import Embedder
from assistant.records import Chunk, Source
from assistant.store import SourceRecord, Store
from ingest.chunking import chunk_source, embedding_text, source_hash
from ingest.errors import Failure

log = logging.getLogger(__name__)

EMBED_BATCH = 64
# Sources are committed in groups of about this many chunks: big enough to batch embeddings
# well, small enough that an interrupted run loses little work.
GROUP_CHUNKS = 64


@dataclass
class IngestReport:
    """What an ingest run did; `to_json()` is the `ingest --json` output."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    chunks_embedded: int = 0
    seconds: float = 0.0
    failed: list[Failure] = field(default_factory=list)
    dry_run: bool = False
    chunks_to_embed: int = 0  # in a dry run: what a real run would embed
    # (action, source id, title) for each source added, updated or removed
    changes: list[tuple[str, str, str]] = field(default_factory=list)

    def to_json(self) -> dict:
        """The public JSON shape of an ingest summary."""
        return {
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "removed": self.removed,
            "chunks_embedded": self.chunks_embedded,
            "seconds": round(self.seconds, 3),
            "failed": [{"origin": f.origin, "message": f.message} for f in self.failed],
            "dry_run": self.dry_run,
            "chunks_to_embed": self.chunks_to_embed,
            "changes": [{"action": a, "source_id": i, "title": t} for a, i, t in self.changes],
        }

    def summary(self) -> str:
        """One line for people."""
        if self.dry_run:
            return (
                f"dry run: {self.added} to add, {self.updated} to update, {self.unchanged} "
                f"unchanged, {self.removed} to remove; {self.chunks_to_embed} chunks to embed"
                + (f"; {len(self.failed)} failed" if self.failed else "")
            )
        line = (
            f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.removed} removed; {self.chunks_embedded} chunks embedded in {self.seconds:.1f}s"
        )
        return line + (f"; {len(self.failed)} failed" if self.failed else "")


@dataclass
class _Planned:
    source: Source
    content_hash: str
    chunks: list[Chunk]
    old: SourceRecord | None


def ingest_sources(
    sources: Sequence[Source],
    store: Store,
    embedder: Embedder,
    *,
    chunk_tokens: int = 200,
    failures: Sequence[Failure] = (),
    prune_origins: Callable[[str], bool] | None = None,
    progress: bool | None = None,
    dry_run: bool = False,
) -> IngestReport:
    """Bring the store in line with `sources`; with `prune_origins`, also remove recorded
    sources whose origin it accepts but which were neither loaded nor failed this time.

    `progress=None` shows a progress bar only when stderr is a terminal. `dry_run` reports
    what would be added, updated and removed, and writes nothing.
    """
    started = time.perf_counter()
    report = IngestReport(failed=list(failures), dry_run=dry_run)
    plan = _plan(sources, store, embedder, chunk_tokens, report)
    reusable = store.existing_chunk_ids([c.chunk_id for p in plan for c in p.chunks])
    to_embed = sum(1 for p in plan for c in p.chunks if c.chunk_id not in reusable)
    for planned in plan:
        action = "add" if planned.old is None else "update"
        report.changes.append((action, planned.source.source_id, planned.source.title))
    removable = _removable(store, sources, report.failed, prune_origins)
    report.changes.extend(("remove", r.source_id, r.title) for r in removable)
    if dry_run:
        report.chunks_to_embed = to_embed
        report.added = sum(1 for p in plan if p.old is None)
        report.updated = len(plan) - report.added
        report.removed = len(removable)
    else:
        _apply(plan, removable, reusable, to_embed, store, embedder, progress, report)
    report.seconds = time.perf_counter() - started
    return report


def _plan(
    sources: Sequence[Source],
    store: Store,
    embedder: Embedder,
    chunk_tokens: int,
    report: IngestReport,
) -> list[_Planned]:
    """The new and changed sources with their chunks; counts the unchanged ones in `report`
    and adds a failure for each source that can't be chunked."""
    plan: list[_Planned] = []
    known = store.get_records([s.source_id for s in sources])  # one query, not one per source
    for source in sources:
        record = known.get(source.source_id)
        digest = source_hash(source, chunk_tokens)
        if record is not None and record.content_hash == digest:
            report.unchanged += 1
            continue
        try:
            chunks = chunk_source(
                source,
                embedder.count_tokens,
                embedder.max_tokens,
                target_tokens=chunk_tokens,
                count_many=embedder.count_tokens_batch,
            )
        except ValueError as exc:
            report.failed.append(
                Failure(source.origin or source.source_id, str(exc), source.source_id)
            )
            continue
        plan.append(_Planned(source, digest, chunks, record))
    return plan


def _apply(
    plan: list[_Planned],
    removable: list[SourceRecord],
    reusable: set[str],
    to_embed: int,
    store: Store,
    embedder: Embedder,
    progress: bool | None,
    report: IngestReport,
) -> None:
    """Embed and write the planned sources group by group, then remove what is to go."""
    with tqdm(total=to_embed, unit="chunk", desc="embedding", disable=_quiet(progress)) as bar:
        for group in _groups(plan):
            report.chunks_embedded += _commit_group(group, reusable, store, embedder, bar)
            log.info("committed %d of %d chunks to embed", report.chunks_embedded, to_embed)
    for planned in plan:
        if planned.old is None:
            report.added += 1
        else:
            report.updated += 1

    for record in removable:
        store.remove_source(record.source_id)
        report.removed += 1
    if plan or report.removed:
        swept = store.sweep_orphans()
        if swept:
            log.info("removed %d chunks left behind by an interrupted ingest", swept)


def _removable(
    store: Store,
    sources: Sequence[Source],
    failed: Sequence[Failure],
    prune_origins: Callable[[str], bool] | None,
) -> list[SourceRecord]:
    """Recorded sources the prune filter covers that were neither loaded nor failed."""
    if prune_origins is None:
        return []
    keep = {s.source_id for s in sources} | {f.source_id for f in failed}
    failed_origins = {f.origin for f in failed}  # a whole file or feed that failed keeps all
    return [
        r
        for r in store.records()
        if r.source_id not in keep
        and r.origin
        and r.origin not in failed_origins
        and prune_origins(r.origin)
    ]


def _commit_group(
    group: list[_Planned], reusable: set[str], store: Store, embedder: Embedder, bar: tqdm
) -> int:
    fresh = [c for p in group for c in p.chunks if c.chunk_id not in reusable]
    vectors: list = []
    for start in range(0, len(fresh), EMBED_BATCH):
        batch = fresh[start : start + EMBED_BATCH]
        vectors.extend(embedder.encode([embedding_text(c) for c in batch]))
        bar.update(len(batch))
    by_id = dict(zip((c.chunk_id for c in fresh), vectors, strict=True))
    # Whole-group writes: one upsert, one update, one delete, then the records last.
    kept = [c for p in group for c in p.chunks if c.chunk_id not in by_id]
    stale = [
        i
        for p in group
        if p.old is not None
        for i in set(p.old.chunk_ids) - {c.chunk_id for c in p.chunks}
    ]
    store.add_chunks(fresh, [by_id[c.chunk_id] for c in fresh])
    store.update_chunk_metadata(kept)
    store.delete_chunks(stale)
    store.save_records(
        [
            SourceRecord(
                source_id=p.source.source_id,
                kind=p.source.kind,
                title=p.source.title,
                url=p.source.url,
                origin=p.source.origin,
                content_hash=p.content_hash,
                chunk_ids=tuple(c.chunk_id for c in p.chunks),
                text=p.source.text,
            )
            for p in group
        ]
    )
    return len(fresh)


def _groups(plan: list[_Planned]) -> list[list[_Planned]]:
    groups: list[list[_Planned]] = [[]]
    size = 0
    for planned in plan:
        if groups[-1] and size + len(planned.chunks) > GROUP_CHUNKS:
            groups.append([])
            size = 0
        groups[-1].append(planned)
        size += len(planned.chunks)
    return [g for g in groups if g]


def _quiet(progress: bool | None) -> bool | None:
    return None if progress is None else not progress


def under_paths(paths: Sequence[Path]) -> Callable[[str], bool]:
    """A prune filter: true for origins at or below one of `paths`."""
    roots = [p.resolve() for p in paths]

    def accepts(origin: str) -> bool:
        candidate = Path(origin)
        return any(candidate == r or r in candidate.parents for r in roots)

    return accepts
