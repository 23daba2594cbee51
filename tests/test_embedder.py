"""The ONNX backends give the torch model's vectors and its exact token counting."""

import json
import os

import numpy as np
import pytest
from conftest import ARTICLE, SHARED_TESTDATA

from assistant.embedding import Embedder, OnnxEmbedder, load_embedder
from assistant.embedding.onnx_export import onnx_model
from assistant.settings import Settings

MEDQUAD = SHARED_TESTDATA / "medquad" / "corpus.jsonl"


@pytest.fixture(scope="session")
def torch_embedder(tmp_path_factory) -> Embedder:
    """The reference: sentence-transformers on torch, whatever the default backend is."""
    embedder = load_embedder(Settings(data_dir=tmp_path_factory.mktemp("t"), embed_backend="torch"))
    assert embedder.backend == "torch"
    return embedder


@pytest.fixture(scope="session")
def onnx_embedders(onnx_cache) -> dict[str, OnnxEmbedder]:
    return {
        "onnx": OnnxEmbedder(onnx_model(onnx_cache), "onnx"),
        "onnx-int8": OnnxEmbedder(onnx_model(onnx_cache, quantized=True), "onnx-int8"),
    }


def _texts() -> list[str]:
    texts = [p.strip() for p in ARTICLE.read_text(encoding="utf-8").split("\n\n") if p.strip()]
    if MEDQUAD.exists():
        with MEDQUAD.open(encoding="utf-8") as f:
            texts += [json.loads(next(f))["text"][:1000] for _ in range(60)]
    long = " ".join(texts)  # far past the 256-token window: truncation must agree too
    return [*texts, long, "piriformis", "Why does my back hurt when I sit?", ""]


@pytest.fixture(scope="module")
def torch_vectors(torch_embedder: Embedder) -> np.ndarray:
    """The reference vectors of `_texts()`, encoded once for both ONNX backends."""
    return torch_embedder.encode(_texts())


@pytest.mark.parametrize(
    ("backend", "mean_floor", "worst_floor"), [("onnx", 0.999, 0.999), ("onnx-int8", 0.99, 0.97)]
)
def test_onnx_vectors_match_torch(torch_vectors, onnx_embedders, backend, mean_floor, worst_floor):
    ours = onnx_embedders[backend].encode(_texts())
    ref = torch_vectors
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


def test_token_counting_and_window_are_unchanged(torch_embedder: Embedder, onnx_embedders):
    for onnx in onnx_embedders.values():
        assert onnx.max_tokens == torch_embedder.max_tokens == 256
        for text in _texts():
            assert onnx.count_tokens(text) == torch_embedder.count_tokens(text)


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
