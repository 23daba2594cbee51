"""Benchmark: ingest vs the LangChain tutorial pipeline, re-ingest, answer latency, serve, load.

Run from the repository root: `python bench/run.py` (the full MedQuAD corpus, tens of minutes on
a small machine) or `python bench/run.py --quick` (a few hundred passages, a minute or two). It
prints a table and writes it, with the machine it ran on, to `bench/results.md` (`--out`);
the file is rewritten after every section, so a run cut short still leaves what it measured.
Not a test: figures are reported against the targets, never asserted.
"""

import argparse
import asyncio
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # run as a script: import this checkout's packages

MEDQUAD = REPO.parent / "shared" / "testdata" / "medquad"
BACKENDS = ("torch", "onnx", "onnx-int8")


@dataclass
class Row:
    """One figure of the table, with its target and whether it is met."""

    section: str
    figure: str
    value: str
    target: str = ""
    ok: bool | None = None


@dataclass
class Report:
    """Everything measured so far; rendered to Markdown after each section."""

    args: argparse.Namespace
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.time)

    def add(self, *row, **kw) -> None:
        self.rows.append(Row(*row, **kw))
        r = self.rows[-1]
        mark = "" if r.ok is None else ("  ok" if r.ok else "  SHORT")
        print(f"{r.section:<14} {r.figure:<52} {r.value:>22}  {r.target}{mark}", flush=True)

    def write(self) -> None:
        lines = [
            "# Benchmark results",
            "",
            f"`python bench/run.py {' '.join(sys.argv[1:])}`, started "
            f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(self.started))}, "
            f"{time.time() - self.started:.0f} s so far.",
            "",
            "## Machine",
            "",
            *[f"- {line}" for line in machine()],
            "",
            "## Figures",
            "",
            "| section | figure | value | target | met |",
            "|---|---|---:|---|---|",
        ]
        for r in self.rows:
            met = "" if r.ok is None else ("yes" if r.ok else "**NO**")
            lines.append(f"| {r.section} | {r.figure} | {r.value} | {r.target} | {met} |")
        if self.notes:
            lines += ["", "## Notes", "", *[f"- {n}" for n in self.notes]]
        self.args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")


def machine() -> list[str]:
    """What the figures were measured on (they mean little without it)."""
    import chromadb
    import onnxruntime
    import psutil

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown",
    )
    flags = Path("/proc/cpuinfo").read_text()
    return [
        f"CPU: {cpu}, {os.cpu_count()} logical cores"
        + (" (AVX-512 VNNI)" if "avx512_vnni" in flags else ""),
        f"RAM: {psutil.virtual_memory().total / 2**30:.1f} GB; "
        f"load average {os.getloadavg()[0]:.1f} when this was written (cores are shared)",
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}, "
        f"chromadb {chromadb.__version__}, onnxruntime {onnxruntime.__version__}, "
        f"torch {_version('torch')}, sentence-transformers {_version('sentence-transformers')}",
    ]


def _version(dist: str) -> str:
    from importlib.metadata import version

    return version(dist)


# -- data ---------------------------------------------------------------------------------------


def load_passages(limit: int | None):
    """MedQuAD passages as Sources: the known-item answers first, then the corpus in order."""
    from assistant.records import Source

    wanted = {
        line.split("\t")[1]
        for line in (MEDQUAD / "test.tsv").read_text().splitlines()[1:]
        if line.strip()
    }
    first, rest = [], []
    with (MEDQUAD / "corpus.jsonl").open(encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            source = Source(
                source_id=f"medquad:{row['_id']}",
                kind="document",
                title=row.get("title") or row["_id"],
                text=row["text"],
                origin=f"medquad/corpus.jsonl#{row['_id']}",
            )
            (first if row["_id"] in wanted else rest).append(source)
    passages = first + rest
    return passages[:limit] if limit else passages


def load_queries() -> list[tuple[str, str]]:
    """(question, id of the passage that answers it) for the known-item set."""
    answers = dict(
        line.split("\t")[:2]
        for line in (MEDQUAD / "test.tsv").read_text().splitlines()[1:]
        if line.strip()
    )
    queries = []
    for line in (MEDQUAD / "msk_queries.jsonl").read_text().splitlines():
        row = json.loads(line)
        if row["_id"] in answers:
            queries.append((row["text"], f"medquad:{answers[row['_id']]}"))
    return queries


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def timed(fn: Callable):
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


# -- sections -----------------------------------------------------------------------------------


def bench_backends(rep: Report, work: Path, passages) -> str:
    """Speed of each backend on ~1,000-char chunks and its recall/MRR on the known-item set."""
    import numpy as np

    from assistant.embedding import load_embedder
    from assistant.settings import Settings
    from ingest.chunking import chunk_source, embedding_text

    queries = load_queries()
    samples = [(p.title + "\n" + p.text)[:1000] for p in passages[: rep.args.speed_chunks]]
    eval_sources = passages[: rep.args.eval_passages]
    figures = {}
    for backend in BACKENDS:
        emb, load_s = timed(
            lambda b=backend: load_embedder(Settings(data_dir=work / "ours", embed_backend=b))
        )
        emb.encode(samples[:8])  # warm-up: first calls allocate
        _, secs = timed(lambda e=emb: e.encode(samples, batch_size=32))
        chunks = [c for s in eval_sources for c in chunk_source(s, emb.count_tokens, 256, 200)]
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
        figures[backend] = (len(samples) / secs, hits1 / n, hits5 / n, rr / n)
        speed, r1, r5, mrr = figures[backend]
        rep.add(
            "embedder",
            f"{backend}: chunks/s on ~1,000-char chunks (load {load_s:.0f} s)",
            f"{speed:.1f}",
        )
        rep.add(
            "embedder",
            f"{backend}: recall@1 / recall@5 / MRR@10 ({n} questions)",
            f"{r1:.3f} / {r5:.3f} / {mrr:.3f}",
            "within 0.01 of torch",
            None if backend == "torch" else _close(figures, backend),
        )
    rep.notes.append(
        f"Embedder figures: {len(samples)} chunks of the first 1,000 characters of MedQuAD "
        f"passages, batch 32, after a warm-up; recall/MRR over {len(eval_sources)} passages "
        "(the known-item answers plus the first others in the corpus), exact cosine search, "
        "passages ranked by their best chunk."
    )
    ok = [b for b in BACKENDS if b == "torch" or _close(figures, b)]
    best = max(ok, key=lambda b: figures[b][0])
    rep.add("embedder", "fastest backend within 0.01 recall/MRR of torch", best)
    return best


def _close(figures: dict, backend: str) -> bool:
    return all(figures["torch"][i] - figures[backend][i] <= 0.01 for i in (1, 2, 3))


def bench_ingest(rep: Report, work: Path, passages):
    """Our ingest of the passages, then again unchanged; returns settings, store, chunks/s
    and seconds."""
    from assistant.embedding import load_embedder
    from assistant.settings import Settings
    from assistant.store import Store
    from ingest.pipeline import ingest_sources

    settings = Settings(data_dir=work / "ours")
    embedder = load_embedder(settings)  # loaded (and ONNX built) before the clock starts
    store = Store(settings)
    report = ingest_sources(
        passages, store, embedder, chunk_tokens=settings.chunk_tokens, progress=False
    )
    full = report.seconds
    rate = report.chunks_embedded / full
    rep.add(
        "ingest",
        f"ours ({settings.embed_backend}): {len(passages)} passages → "
        f"{report.chunks_embedded} chunks",
        f"{full:.1f} s, {rate:.1f} chunks/s",
    )
    again = ingest_sources(
        passages, Store(settings), embedder, chunk_tokens=settings.chunk_tokens, progress=False
    )
    rep.add(
        "re-ingest",
        "unchanged corpus: seconds (share of full ingest)",
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
    return settings, store, rate, full


def bench_langchain(
    rep: Report, work: Path, passages, our_rate: float, our_passage_rate: float
) -> None:
    """The LangChain tutorial pipeline on the same passages, same model, same machine."""
    from langchain_chroma import Chroma
    from langchain_core.documents import Document
    from langchain_huggingface import HuggingFaceEmbeddings
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from assistant.embedding import model_path

    embeddings = HuggingFaceEmbeddings(
        model_name=str(model_path()),
        model_kwargs={"device": "cpu"},
        encode_kwargs={"normalize_embeddings": True},
    )
    embeddings.embed_query("warm-up")

    def pipeline():
        docs = [Document(p.text, metadata={"source": p.source_id}) for p in passages]
        splits = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
        chunks = splits.split_documents(docs)
        Chroma.from_documents(
            chunks,
            embeddings,
            persist_directory=str(work / "langchain"),
            collection_name="langchain",
        )
        return len(chunks)

    n, secs = timed(pipeline)
    rate = n / secs
    rep.add(
        "ingest", f"LangChain tutorial pipeline: → {n} chunks", f"{secs:.1f} s, {rate:.1f} chunks/s"
    )
    rep.add(
        "ingest",
        "ours ÷ LangChain, chunks/s (same run)",
        f"{our_rate / rate:.2f}×",
        "≥ 1.5×",
        our_rate / rate >= 1.5,
    )
    # Chunks differ in size between the two pipelines; passages per second does not.
    rep.add(
        "ingest",
        "ours ÷ LangChain, passages/s (same run)",
        f"{our_passage_rate / (len(passages) / secs):.2f}×",
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


def bench_serve(rep: Report, settings, passages) -> None:
    """Start `serve`, time it to /healthz, hammer it with N clients, record its peak RSS."""
    import httpx
    import psutil

    port = _free_port()
    # All clients come from 127.0.0.1, which the per-client rate limit would stop after a few
    # questions: the load test measures capacity, so the limit is lifted for it.
    env = {
        **os.environ,
        "PODCAST_ASSISTANT_DATA_DIR": str(settings.data_dir),
        "PODCAST_ASSISTANT_RATE_LIMIT_QUESTIONS": str(10**9),
    }
    cmd = [sys.executable, "-m", "ui.cli", "serve", "--port", str(port)]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stderr=subprocess.DEVNULL)
    peak = 0
    try:
        ps = psutil.Process(proc.pid)
        up = None
        while time.perf_counter() - started < 300:
            peak = max(peak, _rss(ps))
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    up = time.perf_counter() - started
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
            if proc.poll() is not None:
                raise RuntimeError(f"serve exited with {proc.returncode}")
        rep.add(
            "serve", "seconds from start to /healthz answering", f"{up:.1f} s" if up else "never"
        )
        if up is None:
            return
        questions = [q for q, _ in load_queries()]
        served, errors, times, peak = asyncio.run(
            _load(port, questions, rep.args.clients, rep.args.duration, ps, peak)
        )
        rep.add(
            "serve",
            "peak RSS of serve (incl. children), through the load test",
            f"{peak / 2**20:.0f} MB",
            "≤ 1.5 GB",
            peak <= 1.5 * 2**30,
        )
        ok = errors == 0
        rep.add(
            "load",
            f"{rep.args.clients} clients × {rep.args.duration:.0f} s: served / errors",
            f"{served} / {errors}",
            "0 errors",
            ok,
        )
        if times:
            rep.add(
                "load",
                "request latency p50 / p95 under that load",
                f"{percentile(times, 50):.0f} / {percentile(times, 95):.0f} ms",
            )
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


async def _load(port: int, questions: list[str], clients: int, duration: float, ps, peak: int):
    import httpx

    served = errors = 0
    times: list[float] = []
    deadline = time.perf_counter() + duration
    limits = httpx.Limits(max_connections=clients)

    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}", timeout=180, limits=limits
    ) as http:

        async def client(n: int) -> None:
            nonlocal served, errors
            i = n
            while time.perf_counter() < deadline:
                start = time.perf_counter()
                try:
                    r = await http.post(
                        "/api/ask", json={"question": questions[i % len(questions)]}
                    )
                    ok = r.status_code == 200 and "answer" in r.json()
                except (httpx.HTTPError, ValueError):
                    ok = False
                if ok:
                    served += 1
                    times.append((time.perf_counter() - start) * 1000)
                else:
                    errors += 1
                i += clients

        async def sample() -> None:
            nonlocal peak
            while time.perf_counter() < deadline:
                peak = max(peak, _rss(ps))
                await asyncio.sleep(0.5)

        await asyncio.gather(sample(), *(client(n) for n in range(clients)))
    return served, errors, times, peak


def _rss(ps) -> int:
    import psutil

    try:
        return ps.memory_info().rss + sum(c.memory_info().rss for c in ps.children(recursive=True))
    except psutil.Error:
        return 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- main ---------------------------------------------------------------------------------------


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="a few hundred passages, a short load")
    p.add_argument("--passages", type=int, help="how many MedQuAD passages (default: all)")
    p.add_argument("--backend", choices=BACKENDS, help="embedder for our ingest (default: setting)")
    p.add_argument("--clients", type=int, default=50, help="concurrent clients in the load test")
    p.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    p.add_argument("--big-chunks", type=int, default=100_000, help="size of the large store")
    p.add_argument("--sections", default="backends,ingest,answer,serve,langchain,raw,big")
    p.add_argument("--out", type=Path, default=REPO / "bench" / "results.md")
    p.add_argument("--workdir", type=Path, help="where stores go (default: a temp dir)")
    p.add_argument(
        "--store",
        type=Path,
        help="an already ingested data dir: skip the ingest and its comparisons, measure the rest",
    )
    p.add_argument("--model-cache", type=Path, help="reuse exported ONNX models from this folder")
    p.add_argument("--speed-chunks", type=int, default=256, help="chunks timed per backend")
    p.add_argument("--eval-passages", type=int, default=1500, help="passages in the recall eval")
    p.add_argument("--latency-rounds", type=int, default=2, help="times each question is asked")
    p.add_argument("--latency-questions", type=int, default=200, help="questions timed at most")
    args = p.parse_args(argv)
    if args.quick:
        args.passages = args.passages or 300
        args.clients, args.duration = min(args.clients, 5), min(args.duration, 5.0)
        args.big_chunks = min(args.big_chunks, 3000)
        args.speed_chunks, args.eval_passages, args.latency_rounds = 32, 150, 1
        args.latency_questions = 10
    return args


def main(argv: list[str] | None = None) -> Report:
    """Run the sections asked for; returns the report (also printed and written)."""
    args = parse(argv)
    sections = set(args.sections.split(","))
    with tempfile.TemporaryDirectory(prefix="bench-", dir=args.workdir) as tmp:
        work = Path(tmp)
        # One settings object for everything, including `serve` and Assistant.from_settings.
        os.environ["PODCAST_ASSISTANT_DATA_DIR"] = str(work / "ours")
        if args.model_cache:
            (work / "ours").mkdir()
            (work / "ours" / "models").symlink_to(args.model_cache.resolve())
        if args.backend:
            os.environ["PODCAST_ASSISTANT_EMBED_BACKEND"] = args.backend
        rep = Report(args)
        for line in machine():
            print(line)
        passages = load_passages(args.passages)
        print(f"{len(passages)} MedQuAD passages; sections: {args.sections}\n", flush=True)
        if "backends" in sections:
            bench_backends(rep, work, passages)
            rep.write()
        if args.store:  # measured before: only the sections that need no fresh ingest
            from assistant.settings import Settings
            from assistant.store import Store

            os.environ["PODCAST_ASSISTANT_DATA_DIR"] = str(args.store.resolve())
            settings = Settings(data_dir=args.store.resolve())
            store = Store(settings)
            sections -= {"langchain", "raw"}
            print(f"reusing the store in {args.store}: {store.count()} chunks", flush=True)
        else:
            settings, store, rate, ingest_secs = bench_ingest(rep, work, passages)
            rep.write()
        if "answer" in sections:
            bench_latency(rep, settings, store, f"{len(passages):,} passages", target=True)
            rep.write()
        if "serve" in sections:
            bench_serve(rep, settings, passages)
            rep.write()
        if "langchain" in sections:
            bench_langchain(rep, work, passages, rate, len(passages) / ingest_secs)
            rep.write()
        if "raw" in sections:
            bench_raw_encode(rep, store, rate)
            rep.write()
        if "big" in sections:
            big, bigger = grow_store(rep, work, settings, store, args.big_chunks)
            bench_latency(rep, big, bigger, f"{bigger.count():,} chunks", target=False)
            rep.write()
    print(f"\nwrote {args.out}")
    return rep


if __name__ == "__main__":
    main()
