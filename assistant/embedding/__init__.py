"""The embedding room: the packaged model's files, the embedder and its ONNX export."""

from assistant.embedding.embedder import Embedder, OnnxEmbedder, load_embedder
from assistant.embedding.packaged import model_path

__all__ = ["Embedder", "OnnxEmbedder", "load_embedder", "model_path"]
