"""Server mode: the store on a real `chroma run`, shared by machines with different data dirs."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from chroma_server import unique_collection
from conftest import ingest_folder, make_settings
from webserver import POLL

from assistant.settings import Settings
from assistant.store import Store, StoreError


def test_records_live_on_the_server_so_ingest_works_from_anywhere(
    tmp_path, corpus_copy, embedder, chroma_server
):
    shared = {"chroma_url": chroma_server, "collection": unique_collection()}
    laptop = make_settings(tmp_path / "laptop", corpus_copy, **shared)
    first = ingest_folder(laptop, Store(laptop), embedder)
    assert first.added == 3 and first.chunks_embedded > 10
    assert not (laptop.data_dir / "chroma").exists()
    assert not laptop.records_path.exists()

    # Another machine, another (empty) data dir, same server: nothing to redo.
    server_box = make_settings(tmp_path / "server-box", corpus_copy, **shared)
    store = Store(server_box)
    again = ingest_folder(server_box, store, embedder)
    assert (again.added, again.unchanged, again.chunks_embedded) == (0, 3, 0)
    record = store.get_record("file:core-five.md")
    assert record is not None and set(record.chunk_ids) <= {c.chunk_id for c in store.all_chunks()}
    assert "ten seconds" in record.text
    assert store.count() == first.chunks_embedded


@pytest.mark.parametrize("mode", ["embedded", "server"])
def test_get_records_fetches_many_at_once(tmp_path, corpus_copy, embedder, chroma_server, mode):
    server = {"chroma_url": chroma_server, "collection": unique_collection()}
    settings = make_settings(tmp_path, corpus_copy, **(server if mode == "server" else {}))
    store = Store(settings)
    ingest_folder(settings, store, embedder)
    ids = [r.source_id for r in store.records()]
    assert len(ids) == 3
    found = store.get_records([*ids, "file:never-ingested.md"])
    assert sorted(found) == sorted(ids)
    assert found[ids[0]] == store.get_record(ids[0])


def test_an_unreachable_server_is_a_clear_error(tmp_path):
    settings = Settings(data_dir=tmp_path, chroma_url="http://127.0.0.1:9")
    with pytest.raises(StoreError, match=r"Chroma server at http://127\.0\.0\.1:9"):
        Store(settings)


@pytest.mark.parametrize("url", ["127.0.0.1:8000", "ftp://host:1", "http://host:1/some/path"])
def test_a_malformed_url_is_a_clear_error(tmp_path, url):
    with pytest.raises(StoreError, match="http://host:port"):
        Store(Settings(data_dir=tmp_path, chroma_url=url))


class _Refuser(BaseHTTPRequestHandler):
    """A server that wants a different token: records what it was sent and answers 401."""

    seen: list[dict] = []

    def do_GET(self):  # noqa: N802 - http.server's naming
        self.seen.append(dict(self.headers))
        body = b'{"error":"Unauthorized","message":"bad token"}'
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET

    def log_message(self, *args):
        pass


@pytest.mark.parametrize(
    ("header", "sent"),
    [("Authorization", "Bearer s3cret"), ("X-Chroma-Token", "s3cret")],
)
def test_the_token_is_sent_and_a_refusal_is_a_clear_error(tmp_path, monkeypatch, header, sent):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Refuser)
    threading.Thread(target=server.serve_forever, args=(POLL,), daemon=True).start()
    _Refuser.seen.clear()
    monkeypatch.setenv("PODCAST_ASSISTANT_CHROMA_URL", f"http://127.0.0.1:{server.server_port}")
    monkeypatch.setenv("PODCAST_ASSISTANT_CHROMA_AUTH_HEADER", header)
    monkeypatch.setenv("PODCAST_ASSISTANT_CHROMA_AUTH_TOKEN", "s3cret")
    try:
        with pytest.raises(StoreError, match="Chroma server"):
            Store(Settings(data_dir=tmp_path))
    finally:
        server.shutdown()
        server.server_close()
    assert _Refuser.seen, "the client never reached the server"
    assert all(h.get(header) == sent for h in _Refuser.seen)
    assert "s3cret" not in repr(Settings(data_dir=tmp_path))  # a secret, not logged by accident
