"""The ONNX backends give the torch model's vectors and its exact token counting."""

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pytest
from conftest import ARTICLE, MACHINE_CACHE, SHARED_TESTDATA, embed_threads

import assistant.embedding.embedder
import assistant.embedding.packaged
from assistant.embedding import OnnxEmbedder, load_embedder, model_path
from assistant.embedding.onnx_export import onnx_model
from assistant.settings import Settings

MEDQUAD = SHARED_TESTDATA / "medquad" / "corpus.jsonl"
# What the torch reference is made from besides the model's files and the texts: a new
# version of any of these, or an edit of the torch backend's code, makes it anew.
REFERENCE_LIBRARIES = ("torch", "sentence-transformers", "transformers", "tokenizers")
REFERENCE_CODE = (assistant.embedding.embedder, assistant.embedding.packaged)


@dataclass
class TorchReference:
    """What sentence-transformers on torch makes of `_texts()`: vectors, token counts, window."""

    vectors: np.ndarray
    counts: list[int]
    max_tokens: int


@pytest.fixture(scope="session")
def onnx_embedders(onnx_cache) -> dict[str, OnnxEmbedder]:
    threads = embed_threads()  # the worker's share of the cores (see conftest)
    return {
        "onnx": OnnxEmbedder(onnx_model(onnx_cache), "onnx", threads),
        "onnx-int8": OnnxEmbedder(onnx_model(onnx_cache, quantized=True), "onnx-int8", threads),
    }


def _texts() -> list[str]:
    texts = [p.strip() for p in ARTICLE.read_text(encoding="utf-8").split("\n\n") if p.strip()]
    if MEDQUAD.exists():
        with MEDQUAD.open(encoding="utf-8") as f:
            texts += [json.loads(next(f))["text"][:1000] for _ in range(60)]
    long = " ".join(texts)  # far past the 256-token window: truncation must agree too
    return [*texts, long, "piriformis", "Why does my back hurt when I sit?", ""]


def reference_key(texts: list[str]) -> str:
    """A digest of everything the torch reference is made from."""
    digest = hashlib.sha256()
    folder = model_path()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    for library in REFERENCE_LIBRARIES:
        digest.update(f"{library}=={version(library)}".encode())
    for module in REFERENCE_CODE:
        digest.update(Path(module.__file__).read_bytes())
    digest.update(json.dumps(texts).encode())
    return digest.hexdigest()[:16]


def encode_with_torch(texts: list[str], data_dir: Path) -> TorchReference:
    """The reference, made by the torch backend itself (sentence-transformers)."""
    embedder = load_embedder(Settings(data_dir=data_dir, embed_backend="torch"))
    assert embedder.backend == "torch"
    counts = [embedder.count_tokens(text) for text in texts]
    return TorchReference(embedder.encode(texts), counts, embedder.max_tokens)


@pytest.fixture(scope="module")
def torch_reference(tmp_path_factory) -> TorchReference:
    """The torch model's reference for `_texts()`, made once per machine: loading torch and
    encoding the texts took most of this module's time, and the result is the same until an
    input changes (see `reference_key`), when it is made again."""
    texts = _texts()
    cached = MACHINE_CACHE / "torch-reference" / f"{reference_key(texts)}.npz"
    if cached.exists():
        with np.load(cached) as saved:
            return TorchReference(
                saved["vectors"], saved["counts"].tolist(), int(saved["max_tokens"])
            )
    reference = encode_with_torch(texts, tmp_path_factory.mktemp("t"))
    cached.parent.mkdir(parents=True, exist_ok=True)
    # Written aside, then renamed: another worker or run never reads half a file.
    with tempfile.NamedTemporaryFile(dir=cached.parent, suffix=".npz", delete=False) as tmp:
        np.savez(
            tmp, vectors=reference.vectors, counts=reference.counts, max_tokens=reference.max_tokens
        )
    os.replace(tmp.name, cached)
    return reference


@pytest.mark.parametrize(
    ("backend", "mean_floor", "worst_floor"), [("onnx", 0.999, 0.999), ("onnx-int8", 0.99, 0.97)]
)
def test_onnx_vectors_match_torch(
    torch_reference, onnx_embedders, backend, mean_floor, worst_floor
):
    ours = onnx_embedders[backend].encode(_texts())
    ref = torch_reference.vectors
    assert ours.shape == ref.shape
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-3)
    cosine = (ours * ref).sum(axis=1)
    assert cosine.mean() >= mean_floor, f"{backend}: mean cosine {cosine.mean():.4f}"
    assert cosine.min() >= worst_floor, f"{backend}: worst cosine {cosine.min():.4f}"


def test_batches_of_any_size_and_order_give_the_same_rows(onnx_embedders):
    onnx = onnx_embedders["onnx"]
    texts = _texts()[:20]
    whole = onnx.encode(texts)
    one_by_one = np.vstack([onnx.encode([t]) for t in texts])
    assert np.allclose(whole, one_by_one, atol=1e-5)
    assert onnx.encode([]).shape == (0, 384)


def test_token_counting_and_window_are_unchanged(torch_reference, onnx_embedders):
    for onnx in onnx_embedders.values():
        assert onnx.max_tokens == torch_reference.max_tokens == 256
        for text, count in zip(_texts(), torch_reference.counts, strict=True):
            assert onnx.count_tokens(text) == count


def test_the_exported_model_is_built_once_and_reused(onnx_cache):
    first = onnx_model(onnx_cache)
    stamp = os.stat(first).st_mtime_ns
    assert onnx_model(onnx_cache) == first
    assert os.stat(first).st_mtime_ns == stamp
    assert not [p for p in onnx_cache.iterdir() if p.name.endswith(".tmp")]


def test_encoding_from_token_ids_gives_the_same_rows(onnx_embedders):
    """Ingest embeds from the ids its size check computed: the very vectors of `encode`,
    a text past the window cut the same way."""
    onnx = onnx_embedders["onnx-int8"]
    texts = [*_texts()[:8], *_texts()[-4:]]  # the last four: one far too long, one empty
    assert len(onnx.token_ids([texts[-4]])[0]) > onnx.max_tokens
    assert np.array_equal(onnx.encode_tokenized(texts, onnx.token_ids(texts)), onnx.encode(texts))
