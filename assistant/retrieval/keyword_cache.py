"""The keyword index kept on disk, so `serve` on a large store starts without rebuilding it.

What is kept is what costs to build: the two BM25 indexes (bm25s's own files: numpy arrays
and JSON, never pickles), each term's chunk count and the spelling words. It is keyed by the
store's chunk ids in index order: a chunk id is a hash of the chunk's source, title, heading
and text, so the same ids always mean the same index. Writes go to a temporary folder renamed
into place, so a reader never sees half an index; a damaged or stale one is rebuilt.
"""

import hashlib
import json
import logging
import os
import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import bm25s

log = logging.getLogger(__name__)

# Bump when what is kept, or how terms are made, changes: older folders are then ignored.
CACHE_VERSION = "3"  # 3: "x-ray" is the terms "xray" and "ray"


@dataclass(frozen=True)
class Kept:
    """The costly parts of a keyword index."""

    chunk_bm25: bm25s.BM25
    section_bm25: bm25s.BM25
    df: Counter
    words: dict[str, list[str]]


def key_of(chunk_ids: list[str]) -> str:
    """The folder name for an index over these chunks, in this order."""
    digest = hashlib.sha256(CACHE_VERSION.encode())
    for chunk_id in chunk_ids:
        digest.update(chunk_id.encode() + b"\0")
    return digest.hexdigest()[:32]


def load(root: Path, chunk_ids: list[str]) -> Kept | None:
    """The kept index over exactly `chunk_ids`, or None (none kept, or unreadable)."""
    folder = root / key_of(chunk_ids)
    if not (folder / "derived.json").is_file():
        return None
    try:
        derived = json.loads((folder / "derived.json").read_text(encoding="utf-8"))
        quiet = {"show_progress": False, "verbosity": 0}
        return Kept(
            bm25s.BM25.load(str(folder / "chunks"), **quiet),
            bm25s.BM25.load(str(folder / "sections"), **quiet),
            Counter(derived["df"]),
            derived["words"],
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("the kept keyword index in %s can't be read (%s); rebuilding it", folder, exc)
        return None


def save(root: Path, chunk_ids: list[str], kept: Kept) -> None:
    """Keep `kept` as the index over `chunk_ids`, replacing any other kept index. Best effort:
    a failure is logged, and the next start builds the index again."""
    key = key_of(chunk_ids)
    temporary = root / f".{key}.{os.getpid()}"
    try:
        root.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(temporary, ignore_errors=True)
        kept.chunk_bm25.save(str(temporary / "chunks"), show_progress=False)
        kept.section_bm25.save(str(temporary / "sections"), show_progress=False)
        derived = {"df": dict(kept.df), "words": kept.words}
        (temporary / "derived.json").write_text(json.dumps(derived), encoding="utf-8")
        target = root / key
        if target.exists():  # a damaged one: out of the way first
            trash = root / f".{key}.old.{os.getpid()}"
            os.rename(target, trash)
            shutil.rmtree(trash, ignore_errors=True)
        os.rename(temporary, target)  # whole or not at all
        for other in root.iterdir():
            if other.name != key and not other.name.startswith("."):
                shutil.rmtree(other, ignore_errors=True)
    except OSError as exc:
        shutil.rmtree(temporary, ignore_errors=True)
        log.warning("could not keep the keyword index in %s (%s)", root, exc)
