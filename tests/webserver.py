"""Helpers for tests that need real HTTP servers on 127.0.0.1: free ports, an app in a thread."""

import contextlib
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import uvicorn

from ui.proxies import server_config

# How often a stdlib server's loop checks for shutdown(): the default half second, waited once
# per server, added seconds to the suite.
POLL = 0.02


@contextlib.contextmanager
def serve_app(app, port: int | None = None) -> Iterator[str]:
    """Run an ASGI app with uvicorn in a thread; yields its base URL once /healthz answers."""
    # Bind here and hand uvicorn the socket: a port picked and bound later can be taken meanwhile.
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port or 0))
    port = sock.getsockname()[1]
    # A client may hold a stream open for ever (gradio_client's heartbeat does): give open
    # requests a moment to finish on shutdown, then cancel them rather than wait for the client.
    # The config `serve` runs with (no uvicorn proxy handling of its own).
    config = server_config(app, "127.0.0.1", port, log_level="warning", timeout_graceful_shutdown=1)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{url}/healthz").status_code == 200:
                break
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def without_gradio(settings):
    """`settings` with the Gradio app left out (PODCAST_ASSISTANT_GRADIO=false), for apps
    whose tests never ask /gradio/: building and starting it took ~0.3 CPU-s an app. test_web,
    test_web_browser_ux, test_startup and test_gradio_chat are where the Gradio app is tested."""
    return settings.model_copy(update={"gradio": False})


@contextlib.contextmanager
def serve_page(html: str | Callable[[], str], port: int | None = None) -> Iterator[str]:
    """Serve one HTML page at every path (a stand-in for a listener-facing website); `html`
    may be a function, for a page that names a server started after this one."""

    class Page(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the stdlib's name)
            body = (html() if callable(html) else html).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):  # keep test output quiet
            pass

    with serve_handler(Page, port) as url:
        yield url


@contextlib.contextmanager
def serve_handler(handler: type[BaseHTTPRequestHandler], port: int | None = None) -> Iterator[str]:
    """Serve `handler` on 127.0.0.1 (a free port unless `port`) in a thread; yields its URL."""
    server = ThreadingHTTPServer(("127.0.0.1", port or 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(POLL,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


HOSTILE_MD = (
    "# Evil <img src=x onerror=alert(1)> title\n\n"
    "Kettlebell swings <script>alert(2)</script> build strong glutes that protect the lower "
    "back. Swinging a kettlebell <img src=x onerror=alert(3)> with a neutral spine trains the "
    "hips to hinge while the lower back stays still.\n"
)
HOSTILE_QUESTION = "Do kettlebell swings protect the lower back?"
_hostile: dict = {}


def hostile_assistant(tmp_path_factory, embedder):
    """An assistant over the shipped corpus plus an article with HTML in its title and text.

    Ingested once per test session, however many modules ask for it.
    """
    if "assistant" not in _hostile:
        from conftest import CORPUS, ingest_folder, make_settings

        from assistant.answering import Assistant
        from assistant.store import Store

        root = tmp_path_factory.mktemp("web")
        corpus = root / "corpus"
        corpus.mkdir()
        (corpus / "evil.md").write_text(HOSTILE_MD)
        settings = make_settings(root, corpus)
        store = Store(settings)
        ingest_folder(settings, store, embedder, CORPUS, corpus)
        _hostile["assistant"] = Assistant.from_settings(settings, store=store)
    return _hostile["assistant"]


def stop_process(process: subprocess.Popen, timeout: float) -> None:
    """Stop a server started as a subprocess: asked to end, killed if it has not by `timeout`."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
