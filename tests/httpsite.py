"""A real HTTP server on 127.0.0.1 serving a temp folder, with ETags, request counts and a few
misbehaving routes (slow, huge), for the feed and fetch tests."""

import contextlib
import hashlib
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote
from xml.sax.saxutils import escape

from webserver import POLL

TYPES = {
    ".xml": "application/rss+xml",
    ".html": "text/html; charset=utf-8",
    ".vtt": "text/vtt",
    ".srt": "application/x-subrip",
    ".json": "application/json",
    ".txt": "text/plain",
    ".m4a": "audio/mp4",
    ".mp3": "audio/mpeg",
}


@dataclass
class Site:
    """The server's state: its folder, what it was asked, and switches for the tests."""

    root: Path
    base: str = ""
    requests: list[tuple[str, int, dict]] = field(default_factory=list)
    etags: bool = True
    slow_seconds: float = 3.0
    huge_bytes: int = 50 * 1024 * 1024
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str) -> str:
        return f"{self.base}/{path.lstrip('/')}"

    def downloads(self, path: str) -> int:
        """How many times `path` was sent in full (status 200)."""
        with self.lock:
            return sum(1 for p, status, _ in self.requests if p == "/" + path and status == 200)

    def hits(self, path: str) -> int:
        with self.lock:
            return sum(1 for p, _, _ in self.requests if p == "/" + path)

    def reset(self) -> None:
        with self.lock:
            self.requests.clear()


def _handler(site: Site):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:  # keep test output quiet
            pass

        def _record(self, status: int) -> None:
            with site.lock:
                site.requests.append((self.path, status, dict(self.headers)))

        def do_GET(self) -> None:
            path = self.path.split("?")[0]
            if path == "/slow":
                time.sleep(site.slow_seconds)
                return self._send(200, b"<html><body><p>Too late.</p></body></html>", ".html")
            if path == "/huge.html":
                return self._huge()
            if path == "/redirect":  # /redirect?to=URL answers 302 to URL
                self._record(302)
                self.send_response(302)
                self.send_header("Location", unquote(self.path.split("?to=", 1)[1]))
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            target = (site.root / path.lstrip("/")).resolve()
            if site.root.resolve() not in target.parents or not target.is_file():
                return self._send(404, b"not found", ".txt")
            body = target.read_bytes()
            etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            if site.etags and self.headers.get("If-None-Match") == etag:
                self._record(304)
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            extra = {"ETag": etag} if site.etags else {}
            return self._send(200, body, target.suffix, extra)

        def _send(self, status: int, body: bytes, suffix: str, extra: dict | None = None) -> None:
            self._record(status)
            self.send_response(status)
            self.send_header("Content-Type", TYPES.get(suffix, "application/octet-stream"))
            self.send_header("Content-Length", str(len(body)))
            for key, value in (extra or {}).items():
                self.send_header(key, value)
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(body)  # the client may have given up (a timeout test)

        def _huge(self) -> None:
            # No Content-Length: the client must stop reading on its own size cap.
            self._record(200)
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Connection", "close")
            self.end_headers()
            block = b"<p>" + b"back pain " * 100 + b"</p>\n"
            sent = 0
            try:
                while sent < site.huge_bytes:
                    self.wfile.write(block)
                    sent += len(block)
            except (BrokenPipeError, ConnectionResetError):
                pass
            self.close_connection = True

    return Handler


def serve(root: Path, host: str = "127.0.0.1"):
    """Start a server for `root` on a free port of `host` (a loopback address); returns
    (site, server). Call server.shutdown()."""
    assert host.startswith("127."), "tests only serve on loopback"
    site = Site(root)
    server = ThreadingHTTPServer((host, 0), _handler(site))
    server.daemon_threads = True
    site.base = f"http://{host}:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, args=(POLL,), daemon=True).start()
    return site, server


@dataclass
class Item:
    """An item of a generated feed."""

    guid: str
    title: str
    page: str | None = None  # path of the article page on the site
    number: int | None = None
    audio: str | None = None
    transcript: str | None = None  # path of the transcript on the site
    transcript_type: str = "text/vtt"
    description: str = ""
    day: int = 1


def feed_xml(site: Site, items: list[Item]) -> str:
    """An RSS 2.0 podcast feed for `items`, in the Podcasting 2.0 namespace."""
    parts = []
    for item in items:
        date = format_datetime(datetime(2026, 1, item.day, 6, 0, tzinfo=UTC))
        lines = [
            f"<title>{escape(item.title)}</title>",
            f'<guid isPermaLink="false">{escape(item.guid)}</guid>',
            f"<pubDate>{date}</pubDate>",
            f"<description>{escape(item.description)}</description>",
            "<itunes:duration>41:05</itunes:duration>",
        ]
        if item.page:
            lines.append(f"<link>{site.url(item.page)}</link>")
        if item.number is not None:
            lines.append(f"<podcast:episode>{item.number}</podcast:episode>")
        if item.audio:
            lines.append(f'<enclosure url="{site.url(item.audio)}" length="1" type="audio/mpeg"/>')
        if item.transcript:
            lines.append(
                f'<podcast:transcript url="{site.url(item.transcript)}" '
                f'type="{item.transcript_type}"/>'
            )
        parts.append("<item>" + "".join(lines) + "</item>")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" '
        'xmlns:podcast="https://podcastindex.org/namespace/1.0"><channel>'
        "<title>Back In Shape</title><link>"
        + site.url("/")
        + "</link>"
        + "".join(parts)
        + "</channel></rss>"
    )
