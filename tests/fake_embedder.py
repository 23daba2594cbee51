"""A deterministic stand-in for the embedding model, for tests of logic rather than of the model.

Same interface as `assistant.embedding.Embedder`: a text's vector is its bag of stemmed words
(`assistant.text.terms`) hashed into a fixed number of signed buckets, scaled to unit length.
Texts sharing words are close; no model is loaded, so a test using it starts at once and gives
the same vectors on every machine. Tokens are counted as words and punctuation plus the
model's two markers, close enough to the real tokenizer for chunk sizes.
"""

import hashlib
import re
from collections.abc import Sequence

import numpy as np

from assistant.embedding import Embedder
from assistant.text import terms

_TOKEN = re.compile(r"\w+|[^\w\s]")


def _bucket(word: str, dim: int) -> tuple[int, float]:
    # blake2b, not hash(): Python salts str hashes per process.
    digest = hashlib.blake2b(word.encode(), digest_size=8).digest()
    value = int.from_bytes(digest, "little")
    return value % dim, 1.0 if (value >> 63) else -1.0


class FakeEmbedder(Embedder):
    """Hashed bag-of-words unit vectors; records every text it encodes in `encoded`.

    A subclass only so that code checking for an `Embedder` takes it: it loads no model.
    """

    backend = "fake"

    def __init__(self, dim: int = 384, window: int = 256) -> None:
        self.dim = dim
        self.window = window
        self.encoded: list[str] = []

    @property
    def max_tokens(self) -> int:
        return self.window

    def count_tokens(self, text: str) -> int:
        """Words and punctuation marks, plus [CLS] and [SEP]."""
        return len(_TOKEN.findall(text)) + 2

    def count_tokens_batch(self, texts: list[str]) -> list[int]:
        return [self.count_tokens(t) for t in texts]

    def vector(self, text: str) -> np.ndarray:
        """The unit vector of one text (a text with no words gets a fixed vector of its own)."""
        out = np.zeros(self.dim, dtype=np.float32)
        for word in terms(text) or ["\0empty"]:
            index, sign = _bucket(word, self.dim)
            out[index] += sign
        norm = np.linalg.norm(out)
        if norm == 0:  # signs cancelled out exactly: still a unit vector, still deterministic
            out[_bucket("\0cancelled", self.dim)[0]] = norm = 1.0
        return out / norm

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        texts = list(texts)
        self.encoded.extend(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.vstack([self.vector(t) for t in texts])

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.encode(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.query_vector(text).tolist()

    def query_vector(self, text: str) -> np.ndarray:
        return self.encode([text])[0]


def assistant_with(embedder, settings, store, answerer=None):
    """An `Assistant` as `Assistant.from_settings` builds it, on the given embedder (and,
    if given, answerer) instead of the packaged model."""
    from dataclasses import replace

    from assistant.answering import Assistant

    built = Assistant.from_settings(settings, store=store, embedder=embedder)
    return replace(built, answerer=answerer) if answerer else built
