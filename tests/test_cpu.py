"""`auto` picks the int8 backend only where the CPU multiplies int8 in one instruction, and the
exported models are kept once per machine, not once per data dir."""

import pytest

from assistant.embedding import embedder as embedding
from assistant.embedding.cpu import auto_backend, cpu_flags, int8_is_fast
from assistant.settings import Settings

EPYC = "processor\t: 0\nmodel name\t: AMD EPYC\nflags\t\t: fpu sse2 avx2 fma avx512f avx512_vnni\n"
AVX2 = "processor\t: 0\nmodel name\t: AMD EPYC 7B12\nflags\t\t: fpu sse2 avx2 fma\n"
XEON = "flags\t\t: avx2 avx512f avx512_vnni amx_bf16 amx_tile amx_int8\n"
GRACE = "processor\t: 0\nFeatures\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 asimddp\n"


@pytest.mark.parametrize(
    ("cpuinfo", "backend"),
    [(EPYC, "onnx-int8"), (XEON, "onnx-int8"), (GRACE, "onnx-int8"), (AVX2, "onnx"), ("", "onnx")],
)
def test_auto_backend_follows_the_cpu_flags(tmp_path, cpuinfo, backend):
    path = tmp_path / "cpuinfo"
    path.write_text(cpuinfo)
    flags = cpu_flags.__wrapped__(path)
    assert auto_backend(flags) == backend
    assert int8_is_fast(flags) == (backend == "onnx-int8")


def test_no_cpuinfo_means_no_flags(tmp_path):
    assert cpu_flags.__wrapped__(tmp_path / "missing") == frozenset()


def test_the_variable_overrides_auto(monkeypatch, tmp_path):
    monkeypatch.setattr("assistant.embedding.cpu.int8_is_fast", lambda flags=None: True)
    assert embedding.resolve_backend(Settings(data_dir=tmp_path)) == "onnx-int8"
    monkeypatch.setenv("PODCAST_ASSISTANT_EMBED_BACKEND", "onnx")
    assert embedding.resolve_backend(Settings(data_dir=tmp_path)) == "onnx"
    monkeypatch.setattr("assistant.embedding.cpu.int8_is_fast", lambda flags=None: False)
    monkeypatch.delenv("PODCAST_ASSISTANT_EMBED_BACKEND")
    assert embedding.resolve_backend(Settings(data_dir=tmp_path)) == "onnx"


def test_a_new_data_dir_reuses_the_exported_model(tmp_path, onnx_cache, monkeypatch):
    """The model cache is shared: a second data dir loads the same file, exporting nothing."""
    monkeypatch.setattr(embedding, "_loaded", {})  # a fresh process, as far as loading goes
    # Not `.lock`: every worker's (and every concurrent run's) `onnx_cache` fixture opens it.
    before = {p.name: p.stat().st_mtime_ns for p in onnx_cache.iterdir() if p.name != ".lock"}
    for name in ("first", "second"):
        settings = Settings(data_dir=tmp_path / name, embed_backend="onnx")
        assert embedding.models_dir(settings) == onnx_cache
        embedding._loaded.clear()
        embedding.load_embedder(settings)
        assert not (tmp_path / name / "models").exists()
    after = {p.name: p.stat().st_mtime_ns for p in onnx_cache.iterdir()}
    assert {k: v for k, v in after.items() if k in before} == before  # nothing rebuilt


def test_an_unwritable_cache_falls_back_to_the_data_dir(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    settings = Settings(data_dir=tmp_path / "data", model_cache_dir=blocked / "models")
    assert embedding.models_dir(settings) == (tmp_path / "data").resolve() / "models"
