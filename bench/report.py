"""The benchmark's table: figures with their targets, the machine they were measured on, the
Markdown file they are written to, and the two helpers every section measures with."""

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field


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

    from assistant.embedding.cpu import describe_cpu

    return [
        f"CPU: {describe_cpu()}; {os.cpu_count()} logical cores",
        f"RAM: {psutil.virtual_memory().total / 2**30:.1f} GB; "
        f"load average {os.getloadavg()[0]:.1f} when this was written (cores are shared)",
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}, "
        f"chromadb {chromadb.__version__}, onnxruntime {onnxruntime.__version__}, "
        f"torch {_version('torch')}, sentence-transformers {_version('sentence-transformers')}",
    ]


def _version(dist: str) -> str:
    from importlib.metadata import version

    return version(dist)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def timed(fn: Callable):
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start
