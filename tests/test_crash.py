"""Killing an ingest (SIGKILL, as a power cut would) and running it again gives the same store
as an uninterrupted run."""

import os
import selectors
import signal
import subprocess
import sys
import time

from conftest import REPO, TEST_DATA, share_onnx_cache

from assistant.settings import Settings
from assistant.store import Store
from ingest.pipeline import GROUP_CHUNKS
from ingest.sync import run_ingest

SAMPLE = TEST_DATA / "medquad_sample.jsonl"
# The sample's first passages: 104 chunks, enough for a second commit group at least half full
# (the 30 passages make 124, embedded twice more for nothing).
PASSAGES = 26


def _snapshot(settings: Settings) -> tuple[set[str], int, list[tuple[str, str]]]:
    store = Store(settings)
    records = [(r.source_id, r.content_hash) for r in store.records()]
    return {c.chunk_id for c in store.all_chunks()}, store.count(), records


def test_sigkill_mid_embedding_then_rerun_matches_an_uninterrupted_run(
    tmp_path, embedder, onnx_cache
):
    sample = tmp_path / SAMPLE.name
    sample.write_text("".join(SAMPLE.read_text().splitlines(keepends=True)[:PASSAGES]))
    reference = Settings(data_dir=tmp_path / "reference", corpus_dir=tmp_path)
    run_ingest(reference, [sample], embedder=embedder, progress=False)
    ids, count, records = _snapshot(reference)
    # A second commit group at least half full: the kill lands while it is being embedded.
    assert count > GROUP_CHUNKS * 3 // 2

    crashed = Settings(data_dir=tmp_path / "crashed", corpus_dir=tmp_path)
    share_onnx_cache(crashed.data_dir, onnx_cache)  # the CLI loads the model, no export
    command = [sys.executable, "-m", "ui.cli", "-v", "--data-dir", str(crashed.data_dir)]
    process = subprocess.Popen(
        [*command, "ingest", str(sample)],
        cwd=REPO,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    selector = selectors.DefaultSelector()
    selector.register(process.stderr, selectors.EVENT_READ)
    deadline = time.monotonic() + 240
    seen = b""
    try:
        while b"committed" not in seen and time.monotonic() < deadline:
            if selector.select(timeout=1) and (line := process.stderr.readline()) != b"":
                seen += line
            elif process.poll() is not None:
                break
        # Mid-run: one group of chunks committed, the next being embedded.
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        process.kill()
    assert process.returncode == -signal.SIGKILL, seen.decode(errors="replace")[-2000:]
    partial_ids, partial_count, partial_records = _snapshot(crashed)
    assert 0 < partial_count < count and len(partial_records) < len(records)

    report = run_ingest(crashed, [sample], embedder=embedder, progress=False)
    assert report.chunks_embedded < count  # what was stored before the kill is reused
    assert _snapshot(crashed) == (ids, count, records)
