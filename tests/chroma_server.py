"""Pytest plugin: a real `chroma run` server on 127.0.0.1, and the store tests run on both backends.

Tests in `BOTH_BACKENDS` modules run twice: once with the embedded store, once against the
server. The switch is the same one users flip, the `PODCAST_ASSISTANT_CHROMA_URL` setting, set in
the environment for the test (so `make_settings` and the CLI pick it up) with a collection of its
own, so tests sharing the one server never see each other's chunks.
"""

import itertools
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from webserver import stop_process

# Answering reads the store through the same calls either way (and the CLI tests ask too), so
# test_answer runs on the embedded store only.
BOTH_BACKENDS = {"test_ingest", "test_cli"}
_names = itertools.count()


def _chroma_cli() -> str:
    # The CLI ships with chromadb, next to this interpreter; PATH may not include the venv.
    beside = Path(sys.executable).parent / "chroma"
    return str(beside) if beside.exists() else (shutil.which("chroma") or "chroma")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_chroma(path: Path, timeout: float = 60.0) -> tuple[subprocess.Popen, str]:
    """Start `chroma run` on a free 127.0.0.1 port and wait for its heartbeat."""
    port = _free_port()
    log = open(path.parent / f"chroma-{port}.log", "wb")  # noqa: SIM115 - lives with the server
    proc = subprocess.Popen(
        [_chroma_cli(), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"chroma run exited with {proc.returncode}; see {log.name}")
        try:
            if httpx.get(f"{url}/api/v2/heartbeat", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"chroma run did not answer within {timeout}s; see {log.name}")


def stop_chroma(proc: subprocess.Popen) -> None:
    """Stop a server started by `start_chroma`."""
    stop_process(proc, timeout=10)


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory) -> str:
    """URL of a real Chroma server for the session (started on first use)."""
    root = tmp_path_factory.mktemp("chroma-server")
    proc, url = start_chroma(root / "db")
    yield url
    stop_chroma(proc)


def unique_collection(prefix: str = "t") -> str:
    """A collection name no other test uses (tests share one server)."""
    return f"{prefix}{os.getpid()}-{next(_names)}"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if metafunc.module.__name__.rsplit(".", 1)[-1] in BOTH_BACKENDS:
        metafunc.parametrize("chroma_mode", ["embedded", "server"], indirect=True, scope="session")


@pytest.fixture(scope="session")
def chroma_mode(request) -> str:
    """Which store backend the test runs on: "embedded" (default) or "server"."""
    return getattr(request, "param", "embedded")


@pytest.fixture(scope="session")
def chroma_overrides(request, chroma_mode) -> dict:
    """Settings overrides for the backend, for session fixtures that build their own Settings."""
    if chroma_mode != "server":
        return {}
    return {
        "chroma_url": request.getfixturevalue("chroma_server"),
        "collection": unique_collection("s"),
    }


@pytest.fixture(autouse=True)
def _chroma_env(request, chroma_mode, monkeypatch, clean_env) -> None:
    if chroma_mode == "server":
        monkeypatch.setenv("PODCAST_ASSISTANT_CHROMA_URL", request.getfixturevalue("chroma_server"))
        monkeypatch.setenv("PODCAST_ASSISTANT_COLLECTION", unique_collection())
