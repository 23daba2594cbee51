"""The polite fetcher against a real HTTP server on 127.0.0.1."""

import pytest
from httpsite import serve

from assistant.settings import Settings
from ingest.errors import SourceError
from ingest.fetch import Fetcher


@pytest.fixture
def site(tmp_path):
    root = tmp_path / "site"
    root.mkdir()
    (root / "page.html").write_text("<html><body><p>Hello.</p></body></html>")
    site, server = serve(root)
    yield site
    server.shutdown()


def settings(tmp_path, **kw) -> Settings:
    return Settings(data_dir=tmp_path / "data", **kw)


def test_etag_makes_the_second_fetch_a_304_with_the_cached_body(site, tmp_path):
    with Fetcher(settings(tmp_path)) as fetcher:
        first = fetcher.fetch(site.url("page.html"))
    with Fetcher(settings(tmp_path)) as fetcher:  # a later run: the cache is on disk
        second = fetcher.fetch(site.url("page.html"))
    assert not first.not_modified and second.not_modified
    assert second.body == first.body and b"Hello." in second.body
    assert site.downloads("page.html") == 1 and site.hits("page.html") == 2
    (site.root / "page.html").write_text("<html><body><p>Changed.</p></body></html>")
    with Fetcher(settings(tmp_path)) as fetcher:
        third = fetcher.fetch(site.url("page.html"))
    assert not third.not_modified and b"Changed." in third.body


def test_without_validators_every_fetch_downloads(site, tmp_path):
    site.etags = False
    for _ in range(2):
        with Fetcher(settings(tmp_path)) as fetcher:
            fetcher.fetch(site.url("page.html"))
    assert site.downloads("page.html") == 2


def test_size_cap_with_and_without_content_length(site, tmp_path):
    (site.root / "big.html").write_bytes(b"<p>" + b"x" * 5000 + b"</p>")
    with Fetcher(settings(tmp_path, fetch_max_bytes=1000)) as fetcher:
        with pytest.raises(SourceError, match="over the 1,000-byte limit"):
            fetcher.fetch(site.url("big.html"))
        site.huge_bytes = 10_000_000
        with pytest.raises(SourceError, match="more than the 1,000-byte limit"):
            fetcher.fetch(site.url("huge.html"))


def test_timeouts_404s_and_concurrency(site, tmp_path):
    site.slow_seconds = 2
    with Fetcher(settings(tmp_path, fetch_timeout=0.5, fetch_concurrency=2)) as fetcher:
        results = fetcher.fetch_many(
            [site.url("page.html"), site.url("slow"), site.url("nope.html"), site.url("page.html")]
        )
    assert len(results) == 3  # the duplicate URL is fetched once
    assert b"Hello." in results[site.url("page.html")].body
    assert "timed out after 0.5s" in str(results[site.url("slow")])
    assert "HTTP 404" in str(results[site.url("nope.html")])
    agents = {h.get("User-Agent") for _, _, h in site.requests}
    assert agents == {Settings().user_agent}
