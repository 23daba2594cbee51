"""Two `serve` processes behind one load balancer: one Chroma server, one PostgreSQL. A vote
stored through one shows in the other's report and dashboard, and the rate limit counts the
questions sent to both."""

import json
import os
import socket
import subprocess
import sys
import time
from contextlib import ExitStack

import httpx
from chroma_server import unique_collection
from click.testing import CliRunner
from conftest import CORPUS, REPO, ingest_folder, make_settings, share_onnx_cache
from postgres_server import new_database
from webserver import stop_process

from assistant.store import Store
from ui.cli import main

TOKEN = "replica-owner-token-42"
PIRIFORMIS = "why isn't my piriformis stretch working?"
PIZZA = "What is the best pizza in Naples?"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_serve(env: dict, data_dir, stack: ExitStack) -> tuple[str, subprocess.Popen]:
    """Start a `serve` process with `env`; its URL (not answering yet) and process."""
    port = _free_port()
    log = stack.enter_context(open(data_dir / "serve.log", "wb"))  # noqa: SIM115
    command = [sys.executable, "-m", "ui.cli", "--data-dir", str(data_dir), "serve"]
    process = subprocess.Popen(
        [*command, "--port", str(port)], cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    stack.callback(stop_process, process, 15)
    return f"http://127.0.0.1:{port}", process


def wait_until_up(url: str, process: subprocess.Popen, data_dir) -> str:
    """`url` once its /readyz answers 200 (/healthz answers from the first moment)."""
    deadline = time.monotonic() + 180  # loads the model; the machine may be busy
    while time.monotonic() < deadline:
        assert process.poll() is None, (data_dir / "serve.log").read_text()[-2000:]
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return url
            time.sleep(0.3)
        except httpx.HTTPError:
            time.sleep(0.3)
    raise AssertionError("serve did not start: " + (data_dir / "serve.log").read_text()[-2000:])


def ask(url: str, question: str) -> httpx.Response:
    return httpx.post(f"{url}/api/ask", json={"question": question}, timeout=60)


def test_two_serve_processes_share_votes_reports_and_the_limit(
    tmp_path, embedder, onnx_cache, chroma_server, postgres_server, monkeypatch
):
    collection = unique_collection("replicas")
    settings = make_settings(tmp_path, CORPUS, chroma_url=chroma_server, collection=collection)
    ingest_folder(settings, Store(settings), embedder)
    database = new_database(postgres_server)
    env = {
        **os.environ,
        "PODCAST_ASSISTANT_CHROMA_URL": chroma_server,
        "PODCAST_ASSISTANT_COLLECTION": collection,
        "PODCAST_ASSISTANT_DATABASE_URL": database,
        "PODCAST_ASSISTANT_RATE_LIMIT_QUESTIONS": "3",
        "PODCAST_ASSISTANT_ADMIN_TOKEN": TOKEN,
        # Nothing here asks Gradio (test_startup does): not loading it saves each replica ~2 s
        # of CPU that would be spent while the replicas answer.
        "PODCAST_ASSISTANT_GRADIO": "false",
    }
    with ExitStack() as stack:
        started = {}
        for name in ("a", "b"):  # both start at once: a model load each
            share_onnx_cache(tmp_path / name, onnx_cache)
            started[name] = start_serve(env, tmp_path / name, stack)
        a, b = (wait_until_up(*started[name], tmp_path / name) for name in ("a", "b"))
        assert httpx.get(f"{b}/gradio/").status_code == 404  # left out, as the setting says
        answered = ask(a, PIRIFORMIS)
        assert answered.status_code == 200 and not answered.json()["refused"]
        vote = {"id": answered.json()["id"], "vote": -1}
        assert httpx.post(f"{a}/api/feedback", json=vote).status_code == 200
        assert ask(b, PIZZA).json()["refused"]
        # The vote given through A, seen by B's dashboard and its CSV.
        page = httpx.get(f"{b}/admin", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60)
        groups = page.text.split('id="groups"')[1].split("</section>")[0]
        assert PIRIFORMIS.replace("'", "&#x27;") in groups and PIZZA in groups
        csv = httpx.get(f"{b}/admin/export.csv", headers={"Authorization": f"Bearer {TOKEN}"})
        assert "down" in [line for line in csv.text.splitlines() if "piriformis" in line][0]
        # Three questions per client in all, whichever replica they reach.
        assert ask(a, PIZZA).status_code == 200
        limited = ask(b, PIRIFORMIS)
        assert limited.status_code == 429 and "Retry-After" in limited.headers
        assert ask(a, PIRIFORMIS).status_code == 429
    monkeypatch.setenv("PODCAST_ASSISTANT_DATABASE_URL", database)
    shown = CliRunner().invoke(main, ["--data-dir", str(tmp_path / "a"), "report", "--json"])
    questions = {q for g in json.loads(shown.output)["groups"] for q in g["questions"]}
    assert questions == {PIRIFORMIS, PIZZA}
