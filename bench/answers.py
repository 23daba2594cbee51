"""Answer figures: retrieval and answer latency, at the ingested size and in a grown store."""

from dataclasses import replace
from pathlib import Path

from bench.passages import load_queries
from bench.report import Report, percentile, timed


def bench_latency(rep: Report, settings, store, label: str, target: bool) -> None:
    """Retrieval plus the extractive answer, one question after another."""
    from assistant.answering import Assistant

    assistant = Assistant.from_settings(settings, store=store)
    questions = [q for q, _ in load_queries()] + [
        "why isn't my piriformis stretch working?",
        "what helps sciatica when sitting?",
        "how do I strengthen my core after a disc injury?",
    ]
    for q in questions[:5]:
        assistant.answer(q)  # warm-up, not timed: first calls allocate
    times, retrieval = [], []
    questions = questions[5:][: rep.args.latency_questions]
    # The embedder remembers recent questions' vectors; each timing starts without it.
    forget = assistant.embedder.__dict__.setdefault("_queries", {}).clear
    for q in questions * max(1, rep.args.latency_rounds):
        forget()
        _, secs = timed(lambda q=q: assistant.retriever.passages(q))
        retrieval.append(secs * 1000)
        forget()
        _, secs = timed(lambda q=q: assistant.answer(q))
        times.append(secs * 1000)
    rep.add(
        "answer",
        f"retrieval alone p50 / p95 at {label}",
        f"{percentile(retrieval, 50):.0f} / {percentile(retrieval, 95):.0f} ms",
    )
    p50, p95 = percentile(times, 50), percentile(times, 95)
    rep.add(
        "answer",
        f"latency p50 / p95 at {label} ({len(times)} questions)",
        f"{p50:.0f} / {p95:.0f} ms",
        "p95 ≤ 150 ms" if target else "",
        (p95 <= 150) if target else None,
    )


def grow_store(rep: Report, work: Path, settings, store, target_chunks: int):
    """A store of ~`target_chunks`: our real chunks plus copies with slightly moved vectors.

    Embedding 100k real chunks would take hours here; what the figure measures is how search
    and answering scale with the index, for which jittered copies are honest stand-ins.
    """
    import numpy as np

    from assistant.settings import Settings
    from assistant.store import Store

    big = Settings(data_dir=work / "big", embed_backend=settings.embed_backend)
    bigger = Store(big)
    real = store.all_chunks()
    stored = store.vectors([c.chunk_id for c in real])
    rng = np.random.default_rng(7)
    base = np.stack([stored[c.chunk_id] for c in real])
    copies, made = 0, 0
    while made < target_chunks:
        vectors = base if copies == 0 else base + rng.normal(0, 0.02, base.shape).astype("f4")
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        chunks = [replace(c, chunk_id=f"{c.chunk_id}~{copies}") if copies else c for c in real]
        bigger.add_chunks(chunks[: target_chunks - made], vectors[: target_chunks - made])
        made += min(len(chunks), target_chunks - made)
        copies += 1
    rep.notes.append(
        f"The {bigger.count():,}-chunk store is the real chunks plus {copies - 1} copies with "
        "jittered vectors (σ = 0.02, renormalised), not re-embedded text."
    )
    return big, bigger
