"""Benchmark: seconds and chunks/s to ingest a JSON Lines file into a fresh store, then again
unchanged. Prints figures; asserts nothing.

    PYTHONPATH=. python bench/ingest_jsonl.py ../shared/testdata/medquad/corpus.jsonl
"""

import sys
import tempfile
import time
from pathlib import Path

from assistant.embedding import load_embedder
from assistant.settings import Settings
from assistant.store import Store
from ingest.sync import run_ingest


def main(path: Path) -> None:
    """Ingest `path` twice into a temp data dir and print what each run took."""
    embedder = load_embedder()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp) / "data", corpus_dir=Path(tmp))
        for run in ("first", "unchanged"):
            started = time.perf_counter()
            report = run_ingest(settings, [path], store=Store(settings), embedder=embedder)
            seconds = time.perf_counter() - started
            count = Store(settings).count()
            rate = report.chunks_embedded / seconds if seconds else 0.0
            print(
                f"{run}: {seconds:.1f}s, {report.added} added, {report.unchanged} unchanged, "
                f"{len(report.failed)} failed, {report.chunks_embedded} chunks embedded "
                f"({rate:.1f} chunks/s), {count} chunks in the store",
                flush=True,
            )


if __name__ == "__main__":
    main(Path(sys.argv[1]))
