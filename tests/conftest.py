"""Shared fixtures: a clean environment, the real embedder (loaded once, its ONNX file built once
per machine), settings and stores in temp dirs."""

import atexit
import fcntl
import functools
import gc
import os
import shutil
import sys
from pathlib import Path

import pytest
from fake_embedder import FakeEmbedder, assistant_with
from platformdirs import user_cache_path

from assistant.embedding import Embedder, OnnxEmbedder, load_embedder
from assistant.embedding import embedder as embedding
from assistant.embedding.onnx_export import onnx_model
from assistant.settings import Settings
from assistant.store import Store
from ingest.files import load_files
from ingest.pipeline import ingest_sources

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "corpus"
ARTICLE = CORPUS / "why-your-hips-are-breaking-your-back.txt"
ARTICLE_TITLE = "Why Your Hips Are Breaking Your Back?"
TEST_DATA = REPO / "tests" / "data"
SHARED_TESTDATA = REPO.parent / "shared" / "testdata"

# Store tests run on the embedded store and on a real `chroma run` server (see chroma_server.py);
# pytester runs a pytest inside a test (test_clean_env.py).
pytest_plugins = ["chroma_server", "postgres_server", "pytester"]

# What a developer's shell may hold that would send a test to a real server or a paid model.
SHELL_PREFIXES = ("PODCAST_ASSISTANT_",)
SHELL_VARIABLES = (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "OPENAI_API_BASE",
    "ANTHROPIC_API_KEY",
    "OLLAMA_HOST",
)


def shell_variables() -> list[str]:
    """Names in os.environ that tests must not see."""
    return [
        name for name in os.environ if name.startswith(SHELL_PREFIXES) or name in SHELL_VARIABLES
    ]


# What the tests derive from the pinned model packages (exported ONNX models, the test LLM in
# transformers' format) is made once per machine and user, not once per clone: a folder of the
# user's cache dir of its own, apart from the product's cache.
MACHINE_CACHE = user_cache_path("podcast-assistant-tests")
MODEL_CACHE = {"PODCAST_ASSISTANT_MODEL_CACHE_DIR": str(MACHINE_CACHE / "onnx-models")}


def pytest_configure(config: pytest.Config) -> None:
    # Before any fixture runs: session fixtures build Settings too, and subprocesses inherit.
    for name in shell_variables():
        del os.environ[name]
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    if workers > 1:
        # The cores shared out among pytest-xdist's workers (and the programs their tests
        # start): torch's OpenMP threads, as many per worker as the machine has cores, wait
        # for each other when they outnumber the cores, and the LLM tests ran 7× slower.
        os.environ.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // workers)))
    os.environ.update(MODEL_CACHE)
    # Bytecode caches are written and read even where the shell asks Python not to write them:
    # every worker, and every program a test starts (`serve`, `ingest`, `chroma run`, ...),
    # would otherwise compile the project's sources again (the tests' too, which pytest
    # rewrites), about 2 CPU-s a worker. Python makes a cache anew when its source changes.
    if os.environ.pop("PYTHONDONTWRITEBYTECODE", None):
        sys.dont_write_bytecode = False
    # A process that imported torch, transformers, gradio and chromadb holds millions of
    # objects; at exit Python's garbage collector went through them all once more, 1.5-4 s a
    # worker that the whole run waited for. Frozen, they are left to the operating system.
    # This runs after pytest's own last collections (they look for unraisable exceptions) and
    # before the exit handlers registered earlier, which still run.
    atexit.register(gc.freeze)
    share_tls_context()


def share_tls_context() -> None:
    """Every httpx client made in a test process (one per `httpx.get`, one per Chroma HTTP
    store, ~400 in a run) built an SSL context of its own, reading the system's CA bundle again:
    ~17 ms of CPU each, ~6 CPU-s a run. Nothing here speaks TLS (every server is on 127.0.0.1),
    and an SSL context is made to be shared: the same arguments now give the same context."""
    import httpx._transports.default as transports

    transports.create_ssl_context = functools.cache(transports.create_ssl_context)


# The modules that take longest, slowest first, run before the rest. pytest-xdist hands each
# worker whole modules (`--dist loadfile`, in this order): one of these started last would keep
# one worker busy long after the other ran out of work. The first worker also takes the third
# module at once (xdist tops up a worker holding two tests or fewer, and test_bench is one):
# test_bench and test_llm_server then share a process, and with it the ~3 CPU-s of importing
# torch and transformers, which both need (on two workers; with more, each goes its own way).
SLOW_FIRST = (
    "test_bench",
    "test_web_browser",
    "test_llm_server",
    "test_embedder",
    "test_web_browser_ux",
    "test_web_ratelimit",
    "test_feed_ingest",
    "test_asr",
    "test_crash",
    "test_replicas",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: n for n, name in enumerate(SLOW_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.stem, len(rank)))  # stable: the rest as found


def pytest_collection_finish() -> None:
    # What collecting imported (the test modules and the libraries they import) lives until
    # the end: frozen, the garbage collector stops going through it again in every full
    # collection of the run.
    gc.collect()
    gc.freeze()


@pytest.fixture(autouse=True)
def clean_env(monkeypatch) -> None:
    """Every test starts without the shell's settings (and without any a test leaked); the
    model cache is the tests' machine cache."""
    for name in shell_variables():
        monkeypatch.delenv(name)
    for name, value in MODEL_CACHE.items():
        monkeypatch.setenv(name, value)


@pytest.fixture(scope="session")
def onnx_cache() -> Path:
    """Where the exported ONNX models are kept: the machine cache, so the export (most of a
    minute) happens once per machine, not once per run or clone. Both models are built here,
    by one pytest-xdist worker while the others wait: on a new machine each worker would
    otherwise export the same model at the same time."""
    folder = Path(MODEL_CACHE["PODCAST_ASSISTANT_MODEL_CACHE_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed
        onnx_model(folder, quantized=True)  # the plain model first, then its int8 copy
    return folder


def share_onnx_cache(data_dir: Path, onnx_cache: Path) -> None:
    """Let a data dir's `models/` be the shared cache, so nothing there exports the model again
    (`onnx_model` names its files by a hash of weights and recipe)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "models").symlink_to(onnx_cache, target_is_directory=True)


def embed_threads() -> int:
    """onnxruntime threads for the tests' in-process embedders: the worker's share of the
    cores, as for torch (0: onnxruntime's default, every core, when one process runs them)."""
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    return max(1, (os.cpu_count() or 1) // workers) if workers > 1 else 0


@pytest.fixture(scope="session")
def embedder(tmp_path_factory, onnx_cache) -> Embedder:
    """The real model on the default backend, loaded once for the process."""
    data_dir = tmp_path_factory.mktemp("embedder")
    share_onnx_cache(data_dir, onnx_cache)
    settings = Settings(data_dir=data_dir)
    backend = embedding.resolve_backend(settings)
    if backend != "torch" and embed_threads():
        # Every other in-process load of this backend (the CLI through CliRunner, an assistant
        # from settings) gets this embedder too. With two workers on two cores, onnxruntime's
        # threads (one a core, spinning while they wait for work) cost 25-40% more CPU per text
        # than one thread a worker, and slowed the other worker's tests.
        model = onnx_model(onnx_cache, quantized=backend == "onnx-int8")
        loaded = embedding._loaded
        loaded.setdefault(backend, OnnxEmbedder(model, backend, threads=embed_threads()))
    return load_embedder(settings)


@pytest.fixture
def encoded(embedder, monkeypatch) -> list[str]:
    """Every text the shared embedder encodes during the test, in order."""
    texts: list[str] = []
    real = embedder.encode

    def counting(batch, *args, **kwargs):
        texts.extend(batch)
        return real(batch, *args, **kwargs)

    monkeypatch.setattr(embedder, "encode", counting)
    return texts


def make_settings(root: Path, corpus: Path, **overrides) -> Settings:
    return Settings(data_dir=root / "data", corpus_dir=corpus, **overrides)


def ingest_folder(settings: Settings, store: Store, embedder: Embedder, *paths: Path, **kw):
    sources, failures = load_files(paths or [settings.corpus_dir], settings.max_file_bytes)
    return ingest_sources(
        sources,
        store,
        embedder,
        chunk_tokens=settings.chunk_tokens,
        failures=failures,
        progress=False,
        **kw,
    )


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    """A writable copy of the shipped corpus plus the test articles."""
    target = tmp_path / "corpus"
    shutil.copytree(CORPUS, target)
    shutil.copytree(TEST_DATA / "articles", target, dirs_exist_ok=True)
    return target


@pytest.fixture(scope="session")
def shipped(tmp_path_factory, embedder, chroma_overrides):
    """Settings and a store holding the shipped corpus, ingested once for the session."""
    root = tmp_path_factory.mktemp("shipped")
    settings = make_settings(root, CORPUS, **chroma_overrides)
    store = Store(settings)
    ingest_folder(settings, store, embedder)
    return settings, store


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    """A fresh fake embedder (its `encoded` list starts empty)."""
    return FakeEmbedder()


@pytest.fixture(scope="session")
def fake_shipped(tmp_path_factory):
    """Settings, an embedded store and the fake embedder that filled it with the shipped
    corpus: for tests of logic (citation shape, streaming, the eval harness), not of the model."""
    embedder = FakeEmbedder()
    # A question shares a few words with a passage of a hundred: the fake's cosines run lower
    # than the model's, and so does its gate (France still scores 0.13, hamstrings 0.29).
    settings = make_settings(tmp_path_factory.mktemp("fake-shipped"), CORPUS, min_relevance=0.2)
    store = Store(settings)
    ingest_folder(settings, store, embedder)
    return settings, store, embedder


@pytest.fixture(scope="session")
def fake_assistant(fake_shipped):
    """An assistant over the shipped corpus on the fake embedder."""
    return assistant_with(fake_shipped[2], *fake_shipped[:2])


@pytest.fixture(scope="session")
def assistant(shipped):
    from assistant.answering import Assistant

    settings, store = shipped
    return Assistant.from_settings(settings, store=store)


CHROMIUM = Path("/usr/bin/chromium")
# Launched through a script that hands Chromium one --disable-features list (see the script).
CHROMIUM_LAUNCHER = REPO / "tests" / "chromium.sh"
# Debian's chromium, kept off the closed network (background fetches are refused there).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # The address bar's suggestion popups, web pages of their own that headless Chromium
    # loads in a renderer process for every window (each browser context opens one) and no
    # test can see: half of the browser's CPU time for a context with one small page.
    "--disable-features=WebUIOmniboxPopup,WebUIOmniboxAimPopup",
]


# Per module, not per session: while sync Playwright runs, its event loop sits on the main
# thread, and a later test's asyncio.run (test_bench, test_retention) or another module's
# Playwright would fail.
@pytest.fixture(scope="module")
def browser():
    """One headless Chromium for the browser tests of a module."""
    if not CHROMIUM.exists():
        pytest.skip(
            "BROWSER TESTS SKIPPED: /usr/bin/chromium is missing. Install Debian's chromium "
            "(`make test` does this when run as root: apt-get install chromium)."
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM_LAUNCHER), args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


def ask(scope, question: str):
    """Type a question into the chat in `scope` (a page or frame) and wait for the answer."""
    answers = scope.locator(".message.answer")
    before = answers.count()
    scope.locator("#question").fill(question)
    scope.locator("#question").press("Enter")
    scope.locator(".message.answer:not(.pending)").nth(before).wait_for()
    return answers.nth(before)
