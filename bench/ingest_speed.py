"""Ingest figures: each embedder backend's speed and recall, our ingest and re-ingest, and the
same passages through the LangChain tutorial pipeline and through raw `model.encode`."""

import time
from pathlib import Path

from bench.passages import REPO, load_queries
from bench.report import Report, timed

BACKENDS = ("torch", "onnx", "onnx-int8")


ROUNDS = 3  # speed rounds, the backends taking turns: a busy machine's load hits each alike


def bench_backends(rep: Report, work: Path, passages) -> str:
    """Speed of each backend on ~1,000-char chunks and its recall/MRR on the known-item set,
    judged against the first backend listed (torch, or onnx: the same vectors)."""
    import statistics

    from assistant.embedding import load_embedder
    from assistant.settings import Settings

    samples = [(p.title + "\n" + p.text)[:1000] for p in passages[: rep.args.speed_chunks]]
    eval_sources = passages[: rep.args.eval_passages]
    backends = rep.args.backends.split(",")
    loaded = {}
    for backend in backends:
        settings = Settings(data_dir=work / "ours", embed_backend=backend)
        loaded[backend] = timed(lambda s=settings: load_embedder(s))
        loaded[backend][0].encode(samples[:8])  # warm-up: first calls allocate
    speeds: dict[str, list[float]] = {b: [] for b in backends}
    for _ in range(ROUNDS):
        for backend, (emb, _) in loaded.items():
            _, secs = timed(lambda e=emb: e.encode(samples, batch_size=32))
            speeds[backend].append(len(samples) / secs)
    figures = {}
    for backend, (emb, load_s) in loaded.items():
        speed = statistics.median(speeds[backend])
        figures[backend] = (speed, *_known_item(emb, eval_sources))
        _, r1, r5, mrr = figures[backend]
        rep.add(
            "embedder",
            f"{backend}: chunks/s on ~1,000-char chunks (load {load_s:.0f} s)",
            f"{speed:.1f}",
        )
        rep.add(
            "embedder",
            f"{backend}: recall@1 / recall@5 / MRR@10 ({len(load_queries())} questions)",
            f"{r1:.3f} / {r5:.3f} / {mrr:.3f}",
            f"within 0.01 of {backends[0]}",
            None if backend == backends[0] else _close(figures, backends[0], backend),
        )
    rep.notes.append(
        f"Embedder figures: {len(samples)} chunks of the first 1,000 characters of MedQuAD "
        f"passages, batch 32, after a warm-up, the median of {ROUNDS} rounds in which the "
        f"backends take turns; recall/MRR over {len(eval_sources)} passages "
        "(the known-item answers plus the first others in the corpus), exact cosine search, "
        "passages ranked by their best chunk."
    )
    ok = [b for b in backends if b == backends[0] or _close(figures, backends[0], b)]
    best = max(ok, key=lambda b: figures[b][0])
    rep.add("embedder", f"fastest backend within 0.01 recall/MRR of {backends[0]}", best)
    return best


def _known_item(emb, sources) -> tuple[float, float, float]:
    """Recall@1, recall@5 and MRR@10 of the known-item questions over `sources`' chunks."""
    import numpy as np

    from ingest.chunking import chunk_source, embedding_text

    queries = load_queries()
    chunks = [c for s in sources for c in chunk_source(s, emb.count_tokens, 256, 200)]
    vectors = emb.encode([embedding_text(c) for c in chunks])
    owners = np.array([c.source_id for c in chunks])
    q = emb.encode([text for text, _ in queries])
    hits1 = hits5 = rr = 0.0
    for row, (_, answer) in zip(q @ vectors.T, queries, strict=True):
        ranked = list(dict.fromkeys(owners[np.argsort(-row)]))[:10]
        if answer in ranked:
            rank = ranked.index(answer) + 1
            hits1 += rank == 1
            hits5 += rank <= 5
            rr += 1 / rank
    n = len(queries)
    return hits1 / n, hits5 / n, rr / n


def _close(figures: dict, reference: str, backend: str) -> bool:
    return all(figures[reference][i] - figures[backend][i] <= 0.01 for i in (1, 2, 3))


def write_passages(work: Path, passages) -> Path:
    """The passages as the JSON Lines file a user would ingest (`{id, title, text}` a line)."""
    import json

    path = work / "passages.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for p in passages:
            row = {"id": p.source_id.removeprefix("medquad:"), "title": p.title, "text": p.text}
            out.write(json.dumps(row) + "\n")
    return path


def _run(cmd: list[str], env: dict | None = None) -> tuple[dict, float]:
    """Run a command as a user would; its JSON output (last line) and wall seconds."""
    import json
    import os
    import subprocess
    import sys

    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, *cmd],
        cwd=REPO,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        check=False,
    )
    secs = time.perf_counter() - started
    if done.returncode not in (0,):
        raise RuntimeError(f"{' '.join(cmd)} failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1]), secs


def bench_ingest(rep: Report, work: Path, passages):
    """`podcast-assistant ingest FILE.jsonl` into a new data dir, timed as a user sees it (the
    whole command: imports, model load, ingest), then again unchanged; returns settings, store,
    chunks/s and seconds."""
    from assistant.embedding.embedder import resolve_backend
    from assistant.settings import Settings
    from assistant.store import Store
    from ingest.sync import run_ingest

    settings = Settings(data_dir=work / "ours", corpus_dir=work)
    backend = resolve_backend(settings)
    jsonl = write_passages(work, passages)
    load_embedder_once(settings)  # an exported ONNX file in the cache, as after `make install`
    cmd = ["-m", "ui.cli", "ingest", str(jsonl), "--json"]
    env = {"PODCAST_ASSISTANT_DATA_DIR": str(settings.data_dir)}
    report, full = _run(cmd, env)
    chunks = report["chunks_embedded"]
    rate = chunks / full
    rep.add(
        "ingest",
        f"ours ({backend}): `podcast-assistant ingest` of {len(passages)} passages → "
        f"{chunks} chunks (wall)",
        f"{full:.1f} s, {rate:.1f} chunks/s",
    )
    rep.add(
        "ingest", "ours: of which the ingest itself (its `seconds`)", f"{report['seconds']:.1f} s"
    )
    # Unchanged, in this process: what it costs is the ingest's own work, not start-up.
    again = run_ingest(settings, [jsonl], progress=False)
    rep.add(
        "re-ingest",
        "unchanged corpus: ingest seconds (share of full ingest)",
        f"{again.seconds:.2f} s ({100 * again.seconds / full:.1f}%)",
        "≤ 2%",
        again.seconds <= 0.02 * full,
    )
    rep.add(
        "re-ingest",
        "unchanged corpus: embeddings made",
        str(again.chunks_embedded),
        "0",
        again.chunks_embedded == 0,
    )
    return settings, Store(settings), rate, full


def load_embedder_once(settings) -> None:
    """Build (or find) the ONNX export before any clock starts: a one-off, not an ingest cost."""
    from assistant.embedding import load_embedder

    load_embedder(settings)


def bench_langchain(
    rep: Report, work: Path, passages, our_rate: float, our_passage_rate: float
) -> None:
    """The LangChain tutorial pipeline on the same passages, same model, same machine, timed
    the same way: the whole script, imports and model load included."""
    jsonl = write_passages(work, passages)
    script = str(REPO / "bench" / "langchain_tutorial.py")
    out, secs = _run([script, str(jsonl), str(work / "langchain")])
    n = out["chunks"]
    rate = n / secs
    rep.add(
        "ingest",
        f"LangChain tutorial pipeline (torch): → {n} chunks (wall)",
        f"{secs:.1f} s, {rate:.1f} chunks/s",
    )
    rep.add(
        "ingest",
        "ours ÷ LangChain, chunks/s (same run)",
        f"{our_rate / rate:.2f}×",
        "≥ 1.5×",
        our_rate / rate >= 1.5,
    )
    # Chunks differ in size between the two pipelines; passages per second does not.
    ratio = our_passage_rate / (len(passages) / secs)
    rep.add(
        "ingest", "ours ÷ LangChain, passages/s (same run)", f"{ratio:.2f}×", "≥ 1.5×", ratio >= 1.5
    )


def bench_raw_encode(rep: Report, store, our_rate: float) -> None:
    """sentence-transformers' own `model.encode` (torch) of exactly our chunks: the ceiling
    for a torch pipeline, and what our store writing and chunking cost on top."""
    from sentence_transformers import SentenceTransformer

    from assistant.embedding import model_path
    from ingest.chunking import embedding_text

    texts = [embedding_text(c) for c in store.all_chunks()]
    model = SentenceTransformer(str(model_path()), device="cpu")
    model.encode(texts[:8])
    _, secs = timed(lambda: model.encode(texts, batch_size=64, normalize_embeddings=True))
    rate = len(texts) / secs
    rep.add(
        "ingest",
        f"raw torch model.encode of our {len(texts)} chunks",
        f"{secs:.1f} s, {rate:.1f} chunks/s",
    )
    rep.add("ingest", "ours ÷ raw torch encode, chunks/s", f"{our_rate / rate:.2f}×")
