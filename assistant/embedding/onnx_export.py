"""Build the ONNX embedders once, offline, from the packaged weights; cache them for every data dir.

The graph is the transformer plus the model's mean pooling and L2 normalisation, so one
`session.run` gives the same unit vectors sentence-transformers does. onnxruntime's transformer
optimiser then fuses attention, LayerNorm and GELU; the int8 variant quantises that graph's
weights dynamically (activations stay float, scaled per batch at run time).
"""

import hashlib
import json
import logging
import os
import tempfile
from pathlib import Path

from assistant.embedding.packaged import model_path, offline

log = logging.getLogger(__name__)

# Bump when a recipe changes, so cached files built the old way are not reused.
RECIPE = "1"
INT8_RECIPE = "2"
_INPUTS = ["input_ids", "attention_mask", "token_type_ids"]


def onnx_model(cache_dir: Path, quantized: bool = False) -> Path:
    """Path of the (optimised, optionally int8) ONNX model, building it on first use."""
    import onnxruntime

    weights = model_path() / "model.safetensors"
    key = hashlib.sha256(
        f"{RECIPE}|{onnxruntime.__version__}|{_digest(weights)}".encode()
    ).hexdigest()[:12]
    cache_dir.mkdir(parents=True, exist_ok=True)
    fp32 = cache_dir / f"all-MiniLM-L6-v2-{key}.onnx"
    int8 = cache_dir / f"all-MiniLM-L6-v2-{key}-int8v{INT8_RECIPE}.onnx"
    if not fp32.exists():
        log.warning("building the ONNX embedder in %s (once; about a minute)", cache_dir)
        with _atomic(fp32) as tmp_plain, _atomic(fp32) as tmp_fused:
            _export(model_path(), tmp_plain)
            _optimise(tmp_plain, tmp_fused)
            _publish(tmp_fused, fp32)
    if quantized and not int8.exists():
        log.warning("quantising the ONNX embedder to int8 in %s (once)", cache_dir)
        with _atomic(int8) as tmp:
            _quantise(fp32, tmp)
            _publish(tmp, int8)
    return int8 if quantized else fp32


def _publish(tmp: Path, target: Path) -> None:
    tmp.chmod(0o644)  # mkstemp makes it private; the model is not a secret
    os.replace(tmp, target)  # atomic: a reader sees the old state or the whole file


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class _atomic:  # noqa: N801 - used as a context manager like a function
    """A temp path beside `target`, removed on exit if it was not moved into place."""

    def __init__(self, target: Path) -> None:
        fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        os.close(fd)
        self.path = Path(name)

    def __enter__(self) -> Path:
        return self.path

    def __exit__(self, *exc) -> None:
        self.path.unlink(missing_ok=True)


def _export(model_dir: Path, target: Path) -> None:
    offline()
    import torch
    from transformers import AutoModel, AutoTokenizer

    class Pooled(torch.nn.Module):
        """Transformer, mean pooling over real tokens, unit length: the sentence-transformer."""

        def __init__(self, bert: torch.nn.Module) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):
            hidden = self.bert(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, p=2.0, dim=1)

    tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
    # Eager attention traces to plain MatMul/Softmax, which the optimiser knows how to fuse.
    bert = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager").eval()
    sample = tokenizer(
        ["a short one", "and a somewhat longer sample"], padding=True, return_tensors="pt"
    )
    axes = {name: {0: "batch", 1: "tokens"} for name in _INPUTS}
    with torch.no_grad():
        torch.onnx.export(
            Pooled(bert),
            tuple(sample[name] for name in _INPUTS),
            str(target),
            input_names=_INPUTS,
            output_names=["embedding"],
            dynamic_axes={**axes, "embedding": {0: "batch"}},
            opset_version=17,
            dynamo=False,  # the TorchScript exporter needs no onnxscript and handles this model
        )


def _optimise(source: Path, target: Path) -> None:
    from onnxruntime.transformers.optimizer import optimize_model

    config = json.loads((model_path() / "config.json").read_text())
    model = optimize_model(
        str(source),
        model_type="bert",
        num_heads=config["num_attention_heads"],
        hidden_size=config["hidden_size"],
    )
    model.save_model_to_file(str(target))


def _quantise(source: Path, target: Path) -> None:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(
        str(source),
        str(target),
        weight_type=QuantType.QInt8,
        # Per-channel scales and the dense layers only (the fused attention stays float): a
        # per-tensor int8 graph measured mean cosine 0.95 to torch, this one 0.995.
        per_channel=True,
        op_types_to_quantize=["MatMul"],
        # Shape inference can't see through the fused (contrib) ops; their outputs are float.
        extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
    )
