"""The packaged all-MiniLM-L6-v2 model, loaded offline, as a LangChain `Embeddings`.

Three ways to run the same model (`embed_backend`): `torch` (sentence-transformers), `onnx`
(the model exported to ONNX, fused by onnxruntime's transformer optimiser: same vectors, faster)
and `onnx-int8` (that graph with int8 weights: faster still, near-same vectors); `auto` picks
`onnx-int8` where the CPU multiplies int8 in one instruction, else `onnx`
(`assistant.embedding.cpu`). The ONNX files are built once, offline, from the packaged weights
and kept in the user's model cache (`assistant.embedding.onnx_export`). All backends share the
tokenizer, so token counts and truncation agree.
"""

import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

from assistant.embedding.packaged import max_seq_length, model_path, offline
from assistant.settings import Settings

log = logging.getLogger(__name__)

BACKENDS = ("torch", "onnx", "onnx-int8")
QUERY_CACHE = 256  # recent questions whose vectors are kept
PAD_SHARE = 0.8  # a text joins a batch if it is at least this share of the batch's longest


class Embedder(Embeddings):
    """Sentence embeddings (unit length, so dot product is cosine) and the model's token counter."""

    backend = "torch"
    takes_token_ids = False  # `encode_tokenized` gains nothing here: it tokenizes again

    def __init__(self, device: str = "cpu") -> None:
        offline()
        from sentence_transformers import SentenceTransformer

        self.model = SentenceTransformer(str(model_path()), device=device)
        self.tokenizer = self.model.tokenizer
        log.debug("loaded embedder from %s", model_path())

    @property
    def max_tokens(self) -> int:
        """The model's window; longer input would be silently truncated."""
        return int(self.model.max_seq_length)

    def count_tokens(self, text: str) -> int:
        """Tokens the model sees for `text`, including its [CLS] and [SEP] markers."""
        return len(self.tokenizer(text, add_special_tokens=True, verbose=False)["input_ids"])

    def count_tokens_batch(self, texts: list[str]) -> list[int]:
        """`count_tokens` of each text, in one tokenizer call (much faster for many texts)."""
        if not texts:
            return []
        ids = self.tokenizer(texts, add_special_tokens=True, verbose=False)["input_ids"]
        return [len(i) for i in ids]

    def token_ids(self, texts: list[str]) -> list[list[int]]:
        """The model's token ids of each text ([CLS] and [SEP] included, not truncated)."""
        return self.tokenizer(texts, add_special_tokens=True, verbose=False)["input_ids"]

    def encode_tokenized(self, texts: Sequence[str], ids: Sequence[list[int]]) -> np.ndarray:
        """`encode(texts)`, given their `token_ids` already: backends that can, skip a pass."""
        return self.encode(texts)

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
        return self.query_vector(text).tolist()

    def query_vector(self, text: str) -> np.ndarray:
        """Embedding of a question, remembered for a while: retrieval and the extractive
        answerer both need it, and a long question costs as much as a passage to encode."""
        cache = self.__dict__.setdefault("_queries", {})
        vector = cache.get(text)
        if vector is None:
            vector = self.encode([text])[0]
            if len(cache) >= QUERY_CACHE:
                cache.clear()
            cache[text] = vector
        return vector


class OnnxEmbedder(Embedder):
    """The same model run by onnxruntime from an exported graph (no torch at run time)."""

    takes_token_ids = True
    # Sorted by length, short texts share a batch and little is spent on padding; small batches
    # keep the attention matrices in cache on a CPU.
    BATCH = 32

    def __init__(self, onnx_file: Path, backend: str, threads: int = 0) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.backend = backend
        # The `tokenizers` library itself, not transformers' wrapper around the same file: the
        # same ids, and it imports in a tenth of the time (start-up of `serve` and `ask`).
        self.tokenizer = Tokenizer.from_file(str(model_path() / "tokenizer.json"))
        self.tokenizer.no_truncation()  # the file's 128-token settings are not the model's
        self.tokenizer.no_padding()
        self._max_tokens = max_seq_length()
        self._pad = self.tokenizer.token_to_id("[PAD]")
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        if threads:
            options.intra_op_num_threads = threads
        self.session = ort.InferenceSession(
            str(onnx_file), options, providers=["CPUExecutionProvider"]
        )
        self._inputs = {i.name for i in self.session.get_inputs()}
        # One run at a time: each already uses every core, and concurrent runs (50 chat
        # requests in `serve`) would each grow onnxruntime's memory arena for no speed-up.
        self._lock = threading.Lock()
        log.debug("loaded %s embedder from %s", backend, onnx_file)

    @property
    def max_tokens(self) -> int:
        """The model's window; longer input would be silently truncated."""
        return self._max_tokens

    def token_ids(self, texts: list[str]) -> list[list[int]]:
        """The model's token ids of each text ([CLS] and [SEP] included, not truncated)."""
        return [e.ids for e in self.tokenizer.encode_batch(texts)] if texts else []

    def count_tokens(self, text: str) -> int:
        """Tokens the model sees for `text`, including its [CLS] and [SEP] markers."""
        return len(self.tokenizer.encode(text).ids)

    def count_tokens_batch(self, texts: list[str]) -> list[int]:
        """`count_tokens` of each text, in one tokenizer call (much faster for many texts)."""
        return [len(i) for i in self.token_ids(texts)]

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """Unit-length embeddings of `texts`, one row each."""
        texts = list(texts)
        return self._run(self.token_ids(texts), batch_size)

    def encode_tokenized(self, texts: Sequence[str], ids: Sequence[list[int]]) -> np.ndarray:
        """`encode(texts)` from their `token_ids`: the tokenizer is not run again."""
        return self._run(list(ids), self.BATCH)

    def _run(self, ids: list[list[int]], batch_size: int) -> np.ndarray:
        out = np.zeros((len(ids), 384), dtype=np.float32)
        cut = self._max_tokens
        # The model's own truncation: the first tokens, then [SEP].
        ids = [i if len(i) <= cut else [*i[: cut - 1], i[-1]] for i in ids]
        for batch in _batches([len(i) for i in ids], min(batch_size, self.BATCH)):
            width = len(ids[batch[0]])
            tokens = np.full((len(batch), width), self._pad, dtype=np.int64)
            mask = np.zeros((len(batch), width), dtype=np.int64)
            for row, i in enumerate(batch):
                tokens[row, : len(ids[i])] = ids[i]
                mask[row, : len(ids[i])] = 1
            feed = {
                "input_ids": tokens,
                "attention_mask": mask,
                "token_type_ids": np.zeros_like(tokens),
            }
            feed = {k: v for k, v in feed.items() if k in self._inputs}
            with self._lock:
                out[batch] = self.session.run(None, feed)[0]
        return out


def _batches(lengths: list[int], size: int) -> list[list[int]]:
    """Indices grouped longest first into batches of similar length: padding a batch to its
    longest text costs as much as real tokens, and questions' sentences vary a lot."""
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    batches: list[list[int]] = []
    for i in order:
        current = batches[-1] if batches else None
        if current and len(current) < size and lengths[i] >= PAD_SHARE * lengths[current[0]]:
            current.append(i)
        else:
            batches.append([i])
    return batches


def resolve_backend(settings: Settings) -> str:
    """The backend the settings mean on this machine (`auto` decided by the CPU's flags)."""
    if settings.embed_backend == "auto":
        from assistant.embedding.cpu import auto_backend

        return auto_backend()
    return settings.embed_backend


def models_dir(settings: Settings) -> Path:
    """The shared model cache, or the data dir's `models/` where that cache can't be written."""
    shared = settings.models_path.expanduser()
    try:
        shared.mkdir(parents=True, exist_ok=True)
        if os.access(shared, os.W_OK):
            return shared
    except OSError:
        pass
    local = settings.data_dir.resolve() / "models"
    log.warning("can't write the model cache %s; keeping exported models in %s", shared, local)
    return local


def load_embedder(settings: Settings | None = None) -> Embedder:
    """The process-wide embedder for the settings' backend: loaded (or built) once per process."""
    settings = settings or Settings()
    backend = resolve_backend(settings)
    if backend not in _loaded:
        if backend == "torch":
            _loaded[backend] = Embedder()
        else:
            from assistant.embedding.onnx_export import onnx_model

            # Keyed by backend alone: the file is named by a hash of weights and recipe, so a
            # model already loaded from another cache dir gives the very same vectors.
            path = onnx_model(models_dir(settings), backend == "onnx-int8")
            _loaded[backend] = OnnxEmbedder(path, backend)
        log.info("embedder: %s", backend)
    return _loaded[backend]


_loaded: dict[str, Embedder] = {}
