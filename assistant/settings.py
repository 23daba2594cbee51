"""The one settings object, read from PODCAST_ASSISTANT_* environment variables."""

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything configurable, documented in the README; built once at the entry point."""

    model_config = SettingsConfigDict(env_prefix="PODCAST_ASSISTANT_", extra="ignore")

    data_dir: Path = Field(
        Path(".data"), description="Where the vector store and the ingest records live."
    )
    corpus_dir: Path = Field(
        Path("corpus"), description="Folder ingested when `ingest` is given no paths."
    )
    collection: str = Field("podcast", description="Name of the Chroma collection.")
    chunk_tokens: int = Field(
        200,
        ge=32,
        le=256,
        description="Target size of a chunk in model tokens (the embedder's hard limit is 256).",
    )
    top_k: int = Field(6, ge=1, le=50, description="Passages retrieved per question.")
    min_relevance: float = Field(
        0.33,
        description="Cosine similarity the best passage must reach, or the question is refused.",
    )
    max_question_chars: int = Field(
        1000, ge=10, description="Longest question accepted, in characters."
    )
    max_file_bytes: int = Field(
        20_000_000, description="Largest source file ingested; bigger files are reported."
    )
    host: str = Field("127.0.0.1", description="Address `serve` listens on.")
    port: int = Field(7860, description="Port `serve` listens on.")
    chroma_url: str | None = Field(
        None,
        description="URL of a Chroma server (http://host:port); unset, the store is embedded "
        "in the data dir. With a server, chunks and source records both live there.",
    )
    chroma_auth_header: str = Field(
        "Authorization",
        description="Header that carries `chroma_auth_token` (`Authorization` sends "
        "`Bearer TOKEN`; e.g. `X-Chroma-Token` sends the token as is).",
    )
    chroma_auth_token: SecretStr | None = Field(
        None, description="Token for a Chroma server that requires one."
    )
    embed_backend: Literal["torch", "onnx", "onnx-int8"] = Field(
        "onnx",
        description="How the embedding model runs: `torch` (sentence-transformers), `onnx` "
        "(onnxruntime, same vectors, faster) or `onnx-int8` (quantised, fastest, near-same "
        "vectors). ONNX models are exported once from the packaged weights into the data dir.",
    )

    @property
    def chroma_path(self) -> Path:
        """Folder of the embedded Chroma store."""
        return self.data_dir / "chroma"

    @property
    def records_path(self) -> Path:
        """SQLite file with one record per ingested source."""
        return self.data_dir / "sources.sqlite3"
