"""What the CPU can do fast: int8 dot products (VNNI, AMX) decide the default embedder backend."""

import functools
import logging
import platform
from pathlib import Path

log = logging.getLogger(__name__)

# Instruction sets that multiply int8 in one step: with one of them an int8 matrix product runs
# at ~3× float, without (plain AVX2) the int8 graph is only ~8% faster than float.
INT8_FLAGS = ("avx512_vnni", "avx_vnni", "amx_int8")
# Flags worth printing next to a speed figure.
SPEED_FLAGS = ("avx2", "fma", "avx512f", "avx512_bf16", *INT8_FLAGS, "amx_bf16")


@functools.cache
def cpu_flags(cpuinfo: Path = Path("/proc/cpuinfo")) -> frozenset[str]:
    """The CPU's feature flags (Linux; empty where /proc/cpuinfo is not there)."""
    try:
        text = cpuinfo.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return frozenset()
    for line in text.splitlines():
        name, _, value = line.partition(":")
        if name.strip() in ("flags", "Features"):  # x86 / ARM
            return frozenset(value.split())
    return frozenset()


def int8_is_fast(flags: frozenset[str] | None = None) -> bool:
    """True when the CPU has an int8 dot-product instruction (x86 VNNI or AMX, ARM's dotprod)."""
    flags = cpu_flags() if flags is None else flags
    return any(f in flags for f in INT8_FLAGS) or "asimddp" in flags


def auto_backend(flags: frozenset[str] | None = None) -> str:
    """The backend `auto` means on this machine: `onnx-int8` where int8 is fast, else `onnx`."""
    return "onnx-int8" if int8_is_fast(flags) else "onnx"


def describe_cpu() -> str:
    """One line: the CPU's name and the flags that matter for the embedder's speed."""
    flags = cpu_flags()
    name = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                name = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    shown = [f for f in SPEED_FLAGS if f in flags] or ["none of " + ", ".join(SPEED_FLAGS)]
    return f"{name}; flags: {' '.join(shown)}; auto backend: {auto_backend(flags)}"
