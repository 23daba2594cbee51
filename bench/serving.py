"""Serving figures: `serve` start-up time and peak RSS, and N concurrent clients asking."""

import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time

from bench.passages import REPO, load_queries
from bench.report import Report, percentile


def bench_serve(rep: Report, settings, passages) -> None:
    """Start `serve`, time it to /healthz and /readyz, hammer it with N clients, record its
    peak RSS."""
    import psutil

    port = _free_port()
    started = time.perf_counter()
    proc = _start_serve(settings, port)
    try:
        ps = psutil.Process(proc.pid)
        alive, peak = _wait_until_up(proc, port, ps, started, "/healthz")
        up, peak = _wait_until_up(proc, port, ps, started, "/readyz", peak)
        rep.add(
            "serve",
            "seconds from start to /healthz answering (alive)",
            f"{alive:.1f} s" if alive else "never",
        )
        rep.add(
            "serve",
            "seconds from start to /readyz 200 (answers questions)",
            f"{up:.1f} s" if up else "never",
            "≤ 5 s",
            up is not None and up <= 5,
        )
        if up is None:
            return
        questions = [q for q, _ in load_queries()]
        served, errors, times, peak = asyncio.run(
            _load(port, questions, rep.args.clients, rep.args.duration, ps, peak)
        )
        _add_load_figures(rep, served, errors, times, peak)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


def _start_serve(settings, port: int) -> subprocess.Popen:
    # All clients come from 127.0.0.1, which the per-client rate limit would stop after a few
    # questions: the load test measures capacity, so the limit is lifted for it.
    env = {
        **os.environ,
        "PODCAST_ASSISTANT_DATA_DIR": str(settings.data_dir),
        "PODCAST_ASSISTANT_RATE_LIMIT_QUESTIONS": str(10**9),
    }
    cmd = [sys.executable, "-m", "ui.cli", "serve", "--port", str(port)]
    # Kept after the run (outside the work dir, which is removed): a failed request's traceback.
    with tempfile.NamedTemporaryFile(
        "w", prefix="bench-serve-", suffix=".log", delete=False
    ) as log:  # the child keeps its own copy of the descriptor
        print(f"serve's log: {log.name}", flush=True)
        return subprocess.Popen(cmd, cwd=REPO, env=env, stderr=log)


def _wait_until_up(
    proc, port: int, ps, started: float, path: str, peak: int = 0
) -> tuple[float | None, int]:
    """Seconds from `started` until `path` answers 200 (None after 300 s), and the peak RSS."""
    import httpx

    while time.perf_counter() - started < 300:
        peak = max(peak, _rss(ps))
        try:
            if httpx.get(f"http://127.0.0.1:{port}{path}", timeout=1).status_code == 200:
                return time.perf_counter() - started, peak
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
        if proc.poll() is not None:
            raise RuntimeError(f"serve exited with {proc.returncode}")
    return None, peak


def _add_load_figures(rep: Report, served: int, errors, times: list[float], peak: int):
    rep.add(
        "serve",
        "peak RSS of serve (incl. children), through the load test",
        f"{peak / 2**20:.0f} MB",
        "≤ 1.5 GB",
        peak <= 1.5 * 2**30,
    )
    rep.add(
        "load",
        f"{rep.args.clients} clients × {rep.args.duration:.0f} s: served / errors",
        f"{served} / {sum(errors.values())}",
        "0 errors",
        not errors,
    )
    if errors:
        kinds = ", ".join(f"{kind} × {n}" for kind, n in errors.most_common())
        rep.notes.append(f"Load-test errors by HTTP status or exception: {kinds}.")
    if times:
        rep.add(
            "load",
            "request latency p50 / p95 under that load",
            f"{percentile(times, 50):.0f} / {percentile(times, 95):.0f} ms",
        )


async def _load(port: int, questions: list[str], clients: int, duration: float, ps, peak: int):
    from collections import Counter

    import httpx

    served = 0
    errors: Counter = Counter()  # by HTTP status or exception, so a failure can be told apart
    times: list[float] = []
    deadline = time.perf_counter() + duration
    limits = httpx.Limits(max_connections=clients)

    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}", timeout=180, limits=limits
    ) as http:

        async def client(n: int) -> None:
            nonlocal served
            i = n
            while time.perf_counter() < deadline:
                start = time.perf_counter()
                try:
                    r = await http.post(
                        "/api/ask", json={"question": questions[i % len(questions)]}
                    )
                    kind = "ok" if r.status_code == 200 and "answer" in r.json() else r.status_code
                except (httpx.HTTPError, ValueError) as exc:
                    kind = type(exc).__name__
                if kind == "ok":
                    served += 1
                    times.append((time.perf_counter() - start) * 1000)
                else:
                    errors[str(kind)] += 1
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
