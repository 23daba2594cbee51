"""The benchmark script runs end to end in its quick mode (so it cannot rot); figures unchecked."""

import importlib.util

import pytest
from conftest import REPO, SHARED_TESTDATA

pytestmark = pytest.mark.skipif(
    not (SHARED_TESTDATA / "medquad" / "corpus.jsonl").exists(), reason="no MedQuAD test data"
)


def test_quick_bench_measures_every_section(tmp_path, monkeypatch, onnx_cache):
    spec = importlib.util.spec_from_file_location("bench_run", REPO / "bench" / "run.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    # The bench points the settings at its own temp store through the environment.
    monkeypatch.setenv("PODCAST_ASSISTANT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("PODCAST_ASSISTANT_EMBED_BACKEND", "onnx")  # built once, in the cache
    # The load test asks /api/ask only: `serve` need not spend ~2 s of CPU loading Gradio.
    monkeypatch.setenv("PODCAST_ASSISTANT_GRADIO", "false")
    out = tmp_path / "results.md"
    report = bench.main(
        [
            "--quick",
            "--passages=4",
            "--clients=2",
            "--duration=1",
            "--big-chunks=100",
            # The smallest sizes that still run every section: the test proves the script
            # works, the figures come from real runs.
            "--speed-chunks=4",
            "--backends=onnx",  # loaded already; test_embedder compares the backends
            "--eval-passages=4",
            "--latency-questions=3",
            f"--out={out}",
            f"--workdir={tmp_path}",
            f"--model-cache={onnx_cache}",
        ]
    )
    sections = {r.section for r in report.rows}
    assert sections == {"embedder", "ingest", "re-ingest", "answer", "serve", "load"}
    figures = {r.figure: r.value for r in report.rows}
    assert figures["unchanged corpus: embeddings made"] == "0"
    assert any(f.startswith("ours ÷ LangChain") for f in figures)
    served, errors = figures["2 clients × 1 s: served / errors"].split(" / ")
    assert int(served) > 0 and int(errors) == 0
    text = out.read_text()
    assert "## Machine" in text and "CPU:" in text and "| re-ingest |" in text
