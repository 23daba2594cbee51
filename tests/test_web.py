"""The web app over real HTTP on 127.0.0.1: the Gradio chat via gradio_client, and the pages."""

import socket
import threading
import time

import httpx
import pytest
import uvicorn
from conftest import ARTICLE_TITLE, ingest_folder, make_settings
from gradio_client import Client

from assistant.answer import Assistant
from assistant.store import Store
from ui.app import build_app


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory, embedder):
    """The app on a free port, over a corpus with a hostile test article."""
    root = tmp_path_factory.mktemp("web")
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "evil.md").write_text(
        "# Evil <img src=x onerror=alert(1)> title\n\n"
        "Squats <script>alert(2)</script> rebuild hip strength for a healthy lower back.\n"
    )
    from conftest import CORPUS

    settings = make_settings(root, corpus)
    store = Store(settings)
    ingest_folder(settings, store, embedder, CORPUS, corpus)
    app = build_app(Assistant.from_settings(settings, store=store))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz").status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    yield url
    server.should_exit = True
    thread.join(timeout=10)


def test_healthz_reports_the_store(server):
    body = httpx.get(f"{server}/healthz").json()
    assert body["status"] == "ok" and body["chunks"] > 10


def test_gradio_chat_answers_with_numbered_sources(server):
    client = Client(server + "/", verbose=False)
    reply = client.predict("why isn't my piriformis stretch working?", api_name="/chat")
    assert "[1]" in reply
    assert "**Sources**" in reply and ARTICLE_TITLE in reply
    assert "/sources/" in reply  # the article has no URL, so the link is to our source page


def test_json_api_and_the_cited_source_page(server):
    answer = httpx.post(
        f"{server}/api/ask", json={"question": "why isn't my piriformis stretch working?"}
    ).json()
    assert not answer["refused"]
    source_id = answer["sources"][0]["source_id"]
    page = httpx.get(f"{server}/sources/{source_id}")
    assert page.status_code == 200
    assert ARTICLE_TITLE in page.text
    assert "Watch The Podcast" not in page.text


def test_hostile_source_text_is_escaped(server):
    page = httpx.get(f"{server}/sources/file:evil.md").text
    assert "<script>alert(2)" not in page and "&lt;script&gt;" in page
    assert "<img src=x" not in page


def test_unknown_source_is_404(server):
    assert httpx.get(f"{server}/sources/file:nope.md").status_code == 404
