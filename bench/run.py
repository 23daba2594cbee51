"""Benchmark: ingest vs the LangChain tutorial pipeline, re-ingest, answer latency, serve, load.

Run from the repository root: `python bench/run.py` (the full MedQuAD corpus, tens of minutes on
a small machine) or `python bench/run.py --quick` (a few hundred passages, a minute or two). It
prints a table and writes it, with the machine it ran on, to `bench/results.md` (`--out`);
the file is rewritten after every section, so a run cut short still leaves what it measured.
Not a test: figures are reported against the targets, never asserted. This file is the entry
point (flags and the order of sections); the sections are in `ingest_speed.py`, `answers.py` and
`serving.py`, the data in `passages.py`, and the table in `report.py`.
"""

import argparse
import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # run as a script: import this checkout's packages

from bench.answers import bench_latency, grow_store  # noqa: E402
from bench.ingest_speed import (  # noqa: E402
    BACKENDS,
    bench_backends,
    bench_ingest,
    bench_langchain,
    bench_raw_encode,
)
from bench.passages import load_passages  # noqa: E402
from bench.report import Report, machine  # noqa: E402
from bench.serving import bench_serve  # noqa: E402


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="a few hundred passages, a short load")
    p.add_argument("--passages", type=int, help="how many MedQuAD passages (default: all)")
    p.add_argument("--backend", choices=BACKENDS, help="embedder for our ingest (default: setting)")
    p.add_argument(
        "--backends",
        default=",".join(BACKENDS),
        help="embedders compared in the backends section (torch first: the others are judged "
        "against it)",
    )
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
        # Caps, like the three above: a smaller figure asked for explicitly still wins.
        args.speed_chunks = min(args.speed_chunks, 32)
        args.eval_passages = min(args.eval_passages, 150)
        args.latency_rounds = min(args.latency_rounds, 1)
        args.latency_questions = min(args.latency_questions, 10)
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
            print(line, flush=True)
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
        elif sections - {"backends"}:
            settings, store, rate, ingest_secs = bench_ingest(rep, work, passages)
            rep.write()
        # A reused store is named by what it holds, not by --passages (which it may not match).
        size = f"{store.count():,} chunks" if args.store else f"{len(passages):,} passages"
        if "answer" in sections:
            bench_latency(rep, settings, store, size, target=True)
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
