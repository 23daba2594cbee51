"""Incremental ingest: embed only new or changed sources, replace their chunks, prune on request.

Each source has a record (content hash and chunk ids) written only after its chunks are in the
store, and chunk ids are hashes of their content, so an interrupted run redone gives the same
store: upserts are idempotent and chunks already embedded are reused instead of re-embedded.
"""

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from assistant.embedding import Embedder
from assistant.records import Chunk, Source
from assistant.store import SourceRecord, Store
from ingest.ahead import ahead
from ingest.chunking import chunk_source, embedding_text, source_hash
from ingest.errors import Failure

log = logging.getLogger(__name__)

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
    ids: dict[str, list[int]] = field(default_factory=dict)  # chunk id → its token ids


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
    changed = _changed(sources, store, chunk_tokens, report)
    if dry_run:
        plan = [p for c in changed if (p := _chunked(c, embedder, chunk_tokens, report.failed))]
        reusable = store.existing_chunk_ids([c.chunk_id for p in plan for c in p.chunks])
        report.chunks_to_embed = sum(
            1 for p in plan for c in p.chunks if c.chunk_id not in reusable
        )
        report.added = sum(1 for p in plan if p.old is None)
        report.updated = len(plan) - report.added
        report.changes += [("add" if p.old is None else "update", *_named(p)) for p in plan]
        removable = _removable(store, sources, report.failed, prune_origins)
        report.removed = len(removable)
        report.changes.extend(("remove", r.source_id, r.title) for r in removable)
    else:
        _apply(changed, store, embedder, chunk_tokens, progress, report)
        removable = _removable(store, sources, report.failed, prune_origins)
        _remove(removable, store, report, swept=bool(changed))
    report.seconds = time.perf_counter() - started
    return report


def _named(planned: _Planned) -> tuple[str, str]:
    return planned.source.source_id, planned.source.title


def _changed(
    sources: Sequence[Source], store: Store, chunk_tokens: int, report: IngestReport
) -> list[tuple[Source, str, SourceRecord | None]]:
    """The new and changed sources, with their hash and old record; counts the unchanged."""
    changed = []
    known = store.get_records([s.source_id for s in sources])  # one query, not one per source
    for source in sources:
        record = known.get(source.source_id)
        digest = source_hash(source, chunk_tokens)
        if record is not None and record.content_hash == digest:
            report.unchanged += 1
        else:
            changed.append((source, digest, record))
    return changed


def _chunked(
    change: tuple[Source, str, SourceRecord | None],
    embedder: Embedder,
    chunk_tokens: int,
    failed: list[Failure],
) -> _Planned | None:
    """A changed source cut into chunks, each with the token ids the size check computed (so
    the model does not tokenize it again); None, with a failure added, if it can't be cut."""
    source, digest, record = change
    seen: dict[str, list[int]] = {}

    def count_many(texts: list[str]) -> list[int]:
        ids = embedder.token_ids(texts)
        seen.update(zip(texts, ids, strict=True))
        return [len(i) for i in ids]

    tokenized = embedder.takes_token_ids
    try:
        chunks = chunk_source(
            source,
            embedder.count_tokens,
            embedder.max_tokens,
            target_tokens=chunk_tokens,
            count_many=count_many if tokenized else embedder.count_tokens_batch,
        )
    except ValueError as exc:
        failed.append(Failure(source.origin or source.source_id, str(exc), source.source_id))
        return None
    ids = {}
    if tokenized:
        ids = {c.chunk_id: i for c in chunks if (i := seen.get(embedding_text(c))) is not None}
    return _Planned(source, digest, chunks, record, ids)


def _grouped(
    changed: list, embedder: Embedder, chunk_tokens: int, failed: list[Failure]
) -> Iterator[list[_Planned]]:
    """Chunked sources in groups of about `GROUP_CHUNKS` chunks, committed together."""
    group: list[_Planned] = []
    size = 0
    for change in changed:
        planned = _chunked(change, embedder, chunk_tokens, failed)
        if planned is None:
            continue
        if group and size + len(planned.chunks) > GROUP_CHUNKS:
            yield group
            group, size = [], 0
        group.append(planned)
        size += len(planned.chunks)
    if group:
        yield group


def _apply(
    changed: list,
    store: Store,
    embedder: Embedder,
    chunk_tokens: int,
    progress: bool | None,
    report: IngestReport,
) -> None:
    """Embed and write the changed sources group by group. The next group is read and chunked
    on a thread while this one is embedded and written, so the tokenizer, Python's sentence
    splitting and Chroma's writes fill the gaps the model leaves on the cores."""
    done = 0
    groups = ahead(_grouped(changed, embedder, chunk_tokens, report.failed))
    with tqdm(total=len(changed), unit="source", desc="ingesting", disable=_quiet(progress)) as bar:
        for group in groups:
            reusable = store.existing_chunk_ids([c.chunk_id for p in group for c in p.chunks])
            report.chunks_embedded += _commit_group(group, reusable, store, embedder)
            for planned in group:
                report.changes.append(
                    ("add" if planned.old is None else "update", *_named(planned))
                )
                report.added += planned.old is None
                report.updated += planned.old is not None
            done += len(group)
            bar.update(len(group))
            log.info(
                "committed %d chunks embedded; %d of %d sources",
                report.chunks_embedded,
                done,
                len(changed),
            )


def _remove(removable: list[SourceRecord], store: Store, report: IngestReport, swept: bool):
    """Remove what is to go, then chunks an interrupted run left behind."""
    for record in removable:
        store.remove_source(record.source_id)
        report.removed += 1
        report.changes.append(("remove", record.source_id, record.title))
    if swept or report.removed:
        orphans = store.sweep_orphans()
        if orphans:
            log.info("removed %d chunks left behind by an interrupted ingest", orphans)


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
    group: list[_Planned], reusable: set[str], store: Store, embedder: Embedder
) -> int:
    fresh = [(c, p) for p in group for c in p.chunks if c.chunk_id not in reusable]
    texts = [embedding_text(c) for c, _ in fresh]
    ids = [p.ids.get(c.chunk_id) for c, p in fresh]
    # One call for the whole group: the embedder sorts it by length into batches.
    if embedder.takes_token_ids and all(i is not None for i in ids):
        vectors = embedder.encode_tokenized(texts, ids)
    else:
        vectors = embedder.encode(texts)
    fresh_chunks = [c for c, _ in fresh]
    by_id = dict(zip((c.chunk_id for c in fresh_chunks), vectors, strict=True))
    # Whole-group writes: one upsert, one update, one delete, then the records last.
    kept = [c for p in group for c in p.chunks if c.chunk_id not in by_id]
    stale = [
        i
        for p in group
        if p.old is not None
        for i in set(p.old.chunk_ids) - {c.chunk_id for c in p.chunks}
    ]
    store.add_chunks(fresh_chunks, [by_id[c.chunk_id] for c in fresh_chunks])
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


def _quiet(progress: bool | None) -> bool | None:
    return None if progress is None else not progress


def under_paths(paths: Sequence[Path]) -> Callable[[str], bool]:
    """A prune filter: true for origins at or below one of `paths`."""
    roots = [p.resolve() for p in paths]

    def accepts(origin: str) -> bool:
        candidate = Path(origin)
        return any(candidate == r or r in candidate.parents for r in roots)

    return accepts
