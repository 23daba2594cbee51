"""Feeds cannot make the server fetch internal addresses: a feed served on 127.0.0.2 links to
127.0.0.1 and to the cloud metadata address; only the feed's own host and listed hosts are
fetched, every redirect hop is checked, and a transcript must be served as what it claims."""

import shutil
import socket
from urllib.parse import quote

import pytest
from conftest import TEST_DATA
from httpsite import Item, feed_xml, serve

from assistant.settings import Settings
from assistant.store import Store
from ingest.errors import SourceError
from ingest.hosts import HostPolicy
from ingest.sync import run_ingest

METADATA = "http://169.254.169.254/latest/meta-data/iam/security-credentials/"


@pytest.fixture
def sites(tmp_path, monkeypatch):
    """The feed's site on 127.0.0.2 and an "internal" one on 127.0.0.1; any attempt to
    connect to 169.254.0.0/16 fails the test before a packet is sent."""
    real = socket.create_connection

    def guarded(address, *args, **kwargs):
        assert not str(address[0]).startswith("169.254."), f"connected to {address}"
        return real(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", guarded)
    started = []
    for name, host in (("feed", "127.0.0.2"), ("internal", "127.0.0.1")):
        root = tmp_path / name
        shutil.copytree(TEST_DATA / "site", root)
        started.append(serve(root, host))
    yield [site for site, _ in started]
    for _, server in started:
        server.shutdown()


def publish(feed_site, items: list[Item], links: dict[str, str]) -> str:
    """The feed for `items`, with each site path in `links` replaced by the URL given."""
    xml = feed_xml(feed_site, items)
    for path, url in links.items():
        xml = xml.replace(f">{feed_site.url(path)}<", f">{url}<")
        xml = xml.replace(f'"{feed_site.url(path)}"', f'"{url}"')
    (feed_site.root / "feed.xml").write_text(xml, encoding="utf-8")
    return feed_site.url("feed.xml")


def ingest(tmp_path, fake_embedder, feed: str, **kw):
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=tmp_path / "none", **kw)
    store = Store(settings)
    report = run_ingest(settings, [], [feed], store=store, embedder=fake_embedder, progress=False)
    return report, {r.source_id for r in store.records()}


def test_links_to_internal_addresses_are_refused_unless_allowed(sites, tmp_path, fake_embedder):
    feed_site, internal = sites
    items = [
        Item("own", "Own host", "ep1.html"),
        Item("local", "Internal page", "local.html"),
        Item("metadata", "Metadata", "meta.html", transcript="meta.vtt"),
    ]
    links = {"local.html": internal.url("ep2.html"), "meta.html": METADATA, "meta.vtt": METADATA}
    feed = publish(feed_site, items, links)

    report, ids = ingest(tmp_path / "a", fake_embedder, feed)
    assert ids == {"episode:own"}
    messages = " ".join(f.message for f in report.failed)
    assert "127.0.0.1 is a loopback address" in messages
    assert messages.count("169.254.169.254 is a link-local address") == 2
    assert internal.hits("ep2.html") == 0

    report, ids = ingest(tmp_path / "b", fake_embedder, feed, fetch_allow_hosts="127.0.0.1")
    assert ids == {"episode:own", "episode:local"}
    assert [f.source_id for f in report.failed] == [
        "episode:metadata",
        "episode:metadata#transcript",
    ]


def test_a_redirect_from_the_feeds_host_to_an_internal_one_is_refused(
    sites, tmp_path, fake_embedder
):
    feed_site, internal = sites
    hop = feed_site.url("redirect?to=" + quote(internal.url("ep2.html"), safe=""))
    feed = publish(feed_site, [Item("moved", "Moved", "moved.html")], {"moved.html": hop})
    report, ids = ingest(tmp_path, fake_embedder, feed)
    assert ids == set() and internal.hits("ep2.html") == 0
    assert "127.0.0.1 is a loopback address" in report.failed[0].message


def test_a_transcript_must_be_served_as_its_declared_format(sites, tmp_path, fake_embedder):
    feed_site, _ = sites
    (feed_site.root / "secrets.json").write_text('{"AccessKeyId": "AKIA-not-a-transcript"}')
    items = [
        Item("plain", "Plain", "ep1.html", transcript="secrets.json", transcript_type="text/plain"),
        Item("vtt", "Captions", "ep2.html", transcript="ep3.html", transcript_type="text/vtt"),
    ]
    report, ids = ingest(tmp_path, fake_embedder, publish(feed_site, items, {}))
    assert ids == {"episode:plain", "episode:vtt"}  # the pages, not the transcripts
    messages = " ".join(f.message for f in report.failed)
    assert len(report.failed) == 2 and "AKIA" not in messages
    assert "secrets.json: served as application/json, not a text transcript" in messages
    assert "ep3.html: served as text/html, not a vtt transcript" in messages


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://example.org/x", "only http and https"),
        ("http://[::ffff:169.254.169.254]/", "link-local"),
        ("http://10.1.2.3/", "private address"),
        ("http://224.0.0.1/", "multicast"),
        ("http://internal.example/", "private address"),
    ],
)
def test_the_policy_refuses_before_connecting(url, message):
    policy = HostPolicy(resolver=lambda host, port: ["192.168.1.9"])
    with pytest.raises(SourceError, match=message):
        policy.check(url)


def test_allowed_names_and_ranges_and_public_addresses_pass():
    policy = HostPolicy(["chroma.internal", "10.0.0.0/8"], resolver=lambda h, p: ["93.184.215.14"])
    for url in ("http://chroma.internal:8000/", "http://10.9.9.9/", "https://example.org/"):
        policy.check(url)
