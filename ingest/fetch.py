"""Polite downloads: timeouts, a size cap, a User-Agent, bounded concurrency and conditional GETs;
redirects followed by hand (at most `MAX_REDIRECTS`), every hop checked by `HostPolicy`.

ETag and Last-Modified validators, with the body they describe, are kept in a SQLite file in
the data dir, so an unchanged page answers 304 and is not downloaded again; its cached body is
used instead. A cached body is only a copy of what the server sent: losing the file costs one
full download, never correctness.
"""

import hashlib
import logging
import sqlite3
import threading
import time
from collections.abc import Collection, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx

from assistant.settings import Settings
from ingest.errors import SourceError
from ingest.hosts import HostPolicy, host_and_port

log = logging.getLogger(__name__)

MAX_REDIRECTS = 5

_SCHEMA = """
CREATE TABLE IF NOT EXISTS http_cache (
    url TEXT PRIMARY KEY,
    etag TEXT,
    last_modified TEXT,
    content_type TEXT NOT NULL,
    body BLOB NOT NULL,
    fetched_at REAL NOT NULL
)
"""


@dataclass(frozen=True)
class Fetched:
    """A downloaded (or, on 304, cached) response body."""

    url: str
    body: bytes
    content_type: str
    not_modified: bool = False  # true when the server said 304 and the body is the cached one


@dataclass(frozen=True)
class Downloaded:
    """Media streamed to a file (or not, on 304), with its validators and sha256."""

    not_modified: bool
    etag: str | None = None
    last_modified: str | None = None
    sha256: str | None = None
    size: int = 0


def _save(url: str, response: httpx.Response, dest: Path, max_bytes: int, timeout: float):
    if response.status_code == 304:
        return Downloaded(not_modified=True)
    if response.status_code >= 400:
        raise SourceError(f"{url}: HTTP {response.status_code} {response.reason_phrase}".rstrip())
    declared = response.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise SourceError(f"{url}: {int(declared):,} bytes is over the {max_bytes:,}-byte limit")
    deadline = time.monotonic() + timeout
    digest, size = hashlib.sha256(), 0
    partial = dest.with_name(dest.name + ".partial")
    with partial.open("wb") as out:
        for part in response.iter_bytes(1 << 16):
            size += len(part)
            if size > max_bytes:
                raise SourceError(f"{url}: more than the {max_bytes:,}-byte limit")
            if time.monotonic() > deadline:
                raise SourceError(f"{url}: timed out after {timeout:g}s downloading")
            digest.update(part)
            out.write(part)
    partial.replace(dest)
    etag, modified = response.headers.get("etag"), response.headers.get("last-modified")
    return Downloaded(False, etag, modified, digest.hexdigest(), size)


def cache_path(settings: Settings) -> Path:
    """The SQLite file holding validators and bodies of earlier downloads."""
    return settings.data_dir / "http_cache.sqlite3"


class Fetcher:
    """An HTTP client for feeds, pages and transcripts; use as a context manager."""

    def __init__(self, settings: Settings, use_cache: bool = True) -> None:
        self.max_bytes = settings.fetch_max_bytes
        self.timeout = settings.fetch_timeout
        self.concurrency = settings.fetch_concurrency
        self._client = httpx.Client(
            headers={"User-Agent": settings.user_agent},
            timeout=httpx.Timeout(settings.fetch_timeout),
            follow_redirects=False,  # each hop is checked before it is fetched
            limits=httpx.Limits(max_connections=settings.fetch_concurrency),
        )
        self.policy = HostPolicy(settings.fetch_allow_hosts)
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        if use_cache:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(cache_path(settings), check_same_thread=False)
            self._db.execute(_SCHEMA)
            self._db.commit()

    def __enter__(self) -> "Fetcher":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool and the cache."""
        self._client.close()
        if self._db is not None:
            self._db.close()

    def fetch(self, url: str, trusted: Collection[tuple[str, int]] | None = None) -> Fetched:
        """The body at `url`, or `SourceError` saying why not (refused host, status, timeout,
        too big). `trusted` (host, port) pairs skip the address check; by default only `url`'s
        own host, which the owner gave. Every other hop must resolve to public addresses."""
        trusted = {host_and_port(url)} if trusted is None else trusted
        cached = self._cached(url)
        headers = {}
        if cached:
            if cached[0]:
                headers["If-None-Match"] = cached[0]
            if cached[1]:
                headers["If-Modified-Since"] = cached[1]
        # The validators belong to the first URL: a redirect's target is asked afresh.
        return self._follow(url, headers, trusted, lambda r: self._result(url, r, cached), False)

    def _follow(self, url, headers, trusted, handle, keep_validators: bool):
        """GET `url`, following redirects, every hop checked against the host policy; `handle`
        reads the final response while it streams."""
        hop = url
        try:
            for _ in range(MAX_REDIRECTS + 1):
                self.policy.check(hop, trusted)
                with self._client.stream("GET", hop, headers=headers) as response:
                    if response.has_redirect_location:
                        hop = str(response.url.join(response.headers["location"]))
                        headers = headers if keep_validators else {}
                        continue
                    return handle(response)
        except httpx.TimeoutException as exc:
            raise SourceError(f"{url}: timed out after {self.timeout:g}s") from exc
        except httpx.HTTPError as exc:
            raise SourceError(f"{url}: download failed ({exc.__class__.__name__}: {exc})") from exc
        raise SourceError(f"{url}: more than {MAX_REDIRECTS} redirects")

    def _result(self, url: str, response: httpx.Response, cached) -> Fetched:
        if response.status_code == 304 and cached:
            log.debug("%s: not modified", url)
            return Fetched(url, cached[3], cached[2], not_modified=True)
        if response.status_code >= 400:
            raise SourceError(
                f"{url}: HTTP {response.status_code} {response.reason_phrase}".rstrip()
            )
        body = self._read_capped(url, response)
        content_type = response.headers.get("content-type", "")
        self._store(url, response.headers, content_type, body)
        return Fetched(url, body, content_type)

    def download(
        self,
        url: str,
        dest: Path,
        *,
        max_bytes: int,
        timeout: float,
        validators: tuple[str | None, str | None] = (None, None),
        trusted: Collection[tuple[str, int]] | None = None,
    ) -> Downloaded:
        """Stream `url` to the file `dest` (media: never held in memory or in the cache), with
        the same host checks as `fetch`; `validators` (ETag, Last-Modified) make it
        conditional, and a 304 writes nothing. `SourceError` when refused, failing, over
        `max_bytes` or slower than `timeout` seconds in all (then `dest` is removed)."""
        trusted = {host_and_port(url)} if trusted is None else trusted
        headers = {
            k: v
            for k, v in zip(("If-None-Match", "If-Modified-Since"), validators, strict=True)
            if v
        }
        try:
            # A redirect keeps the validators: they still describe this URL's body.
            return self._follow(
                url, headers, trusted, lambda r: _save(url, r, dest, max_bytes, timeout), True
            )
        finally:
            dest.with_name(dest.name + ".partial").unlink(missing_ok=True)

    def fetch_many(
        self, urls: Iterable[str], trusted: Collection[tuple[str, int]] | None = None
    ) -> dict[str, Fetched | SourceError]:
        """Each of `urls` fetched, at most `fetch_concurrency` at a time; failures as values.
        `trusted` as for `fetch`: links found in a feed pass the feed's own host."""
        unique = list(dict.fromkeys(urls))

        def one(url: str) -> Fetched | SourceError:
            try:
                return self.fetch(url, trusted)
            except SourceError as exc:
                return exc

        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            return dict(zip(unique, pool.map(one, unique), strict=True))

    def _read_capped(self, url: str, response: httpx.Response) -> bytes:
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > self.max_bytes:
            limit = f"{self.max_bytes:,}-byte limit"
            raise SourceError(f"{url}: {int(declared):,} bytes is over the {limit}")
        # A server that trickles bytes never trips the read timeout; bound the whole download.
        deadline = time.monotonic() + self.timeout * 3
        parts, size = [], 0
        for part in response.iter_bytes():
            size += len(part)
            if size > self.max_bytes:
                raise SourceError(f"{url}: more than the {self.max_bytes:,}-byte limit")
            if time.monotonic() > deadline:
                raise SourceError(f"{url}: timed out after {self.timeout * 3:g}s downloading")
            parts.append(part)
        return b"".join(parts)

    def _cached(self, url: str) -> tuple[str | None, str | None, str, bytes] | None:
        if self._db is None:
            return None
        with self._lock:
            return self._db.execute(
                "SELECT etag, last_modified, content_type, body FROM http_cache WHERE url = ?",
                (url,),
            ).fetchone()

    def _store(self, url: str, headers: httpx.Headers, content_type: str, body: bytes) -> None:
        etag, modified = headers.get("etag"), headers.get("last-modified")
        if self._db is None or not (etag or modified):
            return
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO http_cache VALUES (?, ?, ?, ?, ?, ?)",
                (url, etag, modified, content_type, body, time.time()),
            )
            self._db.commit()
