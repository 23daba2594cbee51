"""The one settings object, read from PODCAST_ASSISTANT_* environment variables."""

import ipaddress
import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# scheme://host[:port], the host optionally `*.`-prefixed: what CSP frame-ancestors accepts.
_ORIGIN = re.compile(r"^https?://(\*\.)?[A-Za-z0-9.-]+(:\d{1,5})?$")


def _network(value: str) -> str | None:
    """An IP address or a CIDR range (`10.0.0.0/8`) written the standard way; None otherwise."""
    try:
        if "/" in value:
            return str(ipaddress.ip_network(value, strict=False))
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


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
    top_k: int = Field(8, ge=1, le=50, description="Passages retrieved per question.")
    min_relevance: float = Field(
        0.33,
        description="Relevance (cosine similarity, plus the keyword bonus in hybrid mode) a "
        "passage must reach to be used; with none, the question is refused.",
    )
    max_question_chars: int = Field(
        1000, ge=10, description="Longest question accepted, in characters."
    )
    max_history_turns: int = Field(
        10,
        ge=0,
        description="Most earlier [question, answer] turns a request may send with a question "
        "(the last five are used).",
    )
    max_history_answer_chars: int = Field(
        20_000,
        ge=100,
        description="Longest earlier answer a request may send back, in characters (an earlier "
        "question may be as long as `max_question_chars`).",
    )
    max_request_bytes: int = Field(
        512 * 1024,
        ge=1024,
        description="Largest request body `serve` reads, in bytes; a bigger one is refused "
        "with 413.",
    )
    max_file_bytes: int = Field(
        20_000_000, description="Largest source file ingested; bigger files are reported."
    )
    title: str = Field(
        "Ask the Back In Shape podcast",
        min_length=1,
        max_length=120,
        description="The heading of the chat pages (`/`, `/embed`, Gradio's); no request can "
        "change it (an embedding site's `data-title` labels only the widget's button).",
    )
    host: str = Field("127.0.0.1", description="Address `serve` listens on.")
    port: int = Field(7860, description="Port `serve` listens on.")
    retrieval: Literal["hybrid", "dense"] = Field(
        "hybrid",
        description="`hybrid` fuses dense and BM25 keyword rankings; `dense` uses embeddings only.",
    )
    rrf_k: int = Field(
        60, ge=1, description="Reciprocal rank fusion constant; larger flattens the rank weights."
    )
    retrieval_candidates: int = Field(
        20, ge=1, le=200, description="Candidates each retriever contributes before fusion."
    )
    keyword_weight: float = Field(
        0.3,
        ge=0.0,
        description="In hybrid mode a passage's relevance is its cosine plus this times the "
        "share of the question's idf-weighted words it holds; compared with min_relevance.",
    )
    llm: str | None = Field(
        None,
        description="Chat model as `provider:model` (e.g. `openai:gpt-4o-mini`, "
        "`ollama:llama3.1`); unset, answers are extractive quotes.",
    )
    llm_base_url: str | None = Field(
        None, description="Base URL of an OpenAI-compatible server (vLLM, llama.cpp, LM Studio)."
    )
    llm_api_key: SecretStr | None = Field(
        None, description="API key passed to the chat model (else the provider's own variable)."
    )
    llm_temperature: float = Field(0.0, ge=0.0, le=2.0, description="Chat model temperature.")
    llm_timeout: float = Field(
        30.0,
        gt=0,
        description="Seconds to wait for the chat model's first (or next) piece of an answer; "
        "past it, or on any model error, the answer is extractive.",
    )
    llm_retries: int = Field(
        2,
        ge=0,
        le=5,
        description="Times a chat model server that refuses or drops the connection before the "
        "answer starts is tried again (half a second apart); never once it has started.",
    )
    fetch_timeout: float = Field(
        20.0, gt=0, description="Seconds to wait for a feed, page or transcript before giving up."
    )
    fetch_max_bytes: int = Field(
        10_000_000, ge=1, description="Largest feed, page or transcript downloaded, in bytes."
    )
    fetch_concurrency: int = Field(
        4, ge=1, le=32, description="Downloads in flight at once when ingesting a feed."
    )
    user_agent: str = Field(
        "podcast-assistant/0.1 (feed and article sync for a podcast chat assistant)",
        description="User-Agent header sent with every download.",
    )
    fetch_allow_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description=(
            "Hosts a feed's links may reach although they are not public (and not the feed's "
            "own host): comma-separated host names, addresses or CIDR ranges."
        ),
    )
    allowed_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description=(
            "Sites allowed to embed the chat (`/embed`, the widget), comma-separated, e.g. "
            "`https://backinshape.example`; the chat's own origin is always allowed."
        ),
    )
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description=(
            "Reverse proxies whose X-Forwarded-For names the client, comma-separated addresses "
            "or CIDR ranges (`127.0.0.1,10.0.0.0/8`); entries that are neither are ignored."
        ),
    )
    rate_limit_questions: int = Field(
        10, ge=1, description="Questions one client may ask per rate-limit window."
    )
    rate_limit_window_seconds: float = Field(
        60.0, gt=0, description="Length of the rate-limit window, in seconds."
    )

    gradio: bool = Field(
        True,
        description="Serve the same chat as a Gradio app at `/gradio/`; false: not mounted, and "
        "`serve` never imports Gradio (about 2 s of CPU at start and its memory saved).",
    )

    retention_days: int = Field(
        90,
        ge=0,
        description=(
            "Days a listener's question (with its answer and vote) is kept; older ones are "
            "deleted when `serve` starts and daily. 0 keeps them until `forget`."
        ),
    )

    database_url: SecretStr | None = Field(
        None,
        description="SQLAlchemy URL of the database of questions, votes and rate-limit windows, "
        "e.g. `postgresql+psycopg://user:password@host/db` for several replicas; unset, "
        "`feedback.sqlite3` in the data dir.",
    )
    admin_token: SecretStr | None = Field(
        None,
        min_length=16,
        description="Token that opens the owner's dashboard at /admin (16 characters or more); "
        "unset, there is no dashboard.",
    )

    @field_validator("allowed_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        """Accept `a, b` from the environment as well as a list."""
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if isinstance(value, list):
            value = [str(origin).rstrip("/") for origin in value]
            bad = [origin for origin in value if not _ORIGIN.match(origin)]
            if bad:
                raise ValueError(f"not an origin like https://example.com: {', '.join(bad)}")
        return value

    @field_validator("fetch_allow_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: object) -> object:
        """Accept `a, b` from the environment as well as a list."""
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_proxies(cls, value: object) -> object:
        """Accept `a, b` from the environment; keep only addresses and networks."""
        if isinstance(value, str):
            value = value.split(",")
        if isinstance(value, list):
            value = [net for part in value if (net := _network(str(part).strip()))]
        return value

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
    embed_backend: Literal["auto", "torch", "onnx", "onnx-int8"] = Field(
        "auto",
        description="How the embedding model runs: `auto` (`onnx-int8` on a CPU with int8 "
        "dot-product instructions (VNNI, AMX), else `onnx`), `torch` (sentence-transformers), "
        "`onnx` (onnxruntime, same vectors, faster) or `onnx-int8` (quantised, near-same "
        "vectors). ONNX models are exported once from the packaged weights.",
    )
    model_cache_dir: Path | None = Field(
        None,
        description="Where the exported ONNX models are kept, shared by every data dir; unset, "
        "the user's cache dir (`~/.cache/podcast-assistant/models` on Linux).",
    )

    # Speech-to-text (ingest/asr.py, ingest/transcribe.py).
    transcribe: bool = Field(
        True,
        description="Transcribe feed episodes that declare no readable transcript, and local "
        "media files, with the local Whisper model; false skips them.",
    )
    asr_model: str = Field(
        "tiny.en",
        description="Whisper model for transcription: `tiny.en` (packaged, default), `base` "
        "(packaged in two parts, joined once into the data dir) or a faster-whisper model folder.",
    )
    media_max_bytes: int = Field(
        2_000_000_000, ge=1, description="Largest episode media downloaded or read, in bytes."
    )
    media_timeout: float = Field(
        1800.0, gt=0, description="Seconds one episode's media may take to download in all."
    )

    @property
    def chroma_path(self) -> Path:
        """Folder of the embedded Chroma store."""
        return self.data_dir / "chroma"

    @property
    def records_path(self) -> Path:
        """SQLite file with one record per ingested source."""
        return self.data_dir / "sources.sqlite3"

    @property
    def models_path(self) -> Path:
        """Folder of the exported ONNX models: `model_cache_dir`, or the user's cache dir."""
        if self.model_cache_dir is not None:
            return self.model_cache_dir
        from platformdirs import user_cache_path

        return user_cache_path("podcast-assistant") / "models"

    @property
    def keyword_index_path(self) -> Path:
        """Folder where the built keyword index is kept between starts (safe to delete)."""
        return self.data_dir / "keyword-index"

    @property
    def feedback_path(self) -> Path:
        """SQLite file of answered questions and listeners' votes, when no database is set."""
        return self.data_dir / "feedback.sqlite3"

    @property
    def feedback_url(self) -> str:
        """SQLAlchemy URL of the database of questions, votes and rate limits."""
        if self.database_url:
            return self.database_url.get_secret_value()
        return f"sqlite:///{self.feedback_path.resolve()}"
