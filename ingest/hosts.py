"""Which hosts a feed may make us fetch: the owner's feed host and `FETCH_ALLOW_HOSTS` freely,
anything else only when every address it resolves to is public (no loopback, private,
link-local, reserved or multicast address: a feed must not reach the metadata service or the
Chroma server through us)."""

import ipaddress
import socket
from collections.abc import Callable, Collection, Sequence
from urllib.parse import urlsplit

from ingest.errors import SourceError

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolve = Callable[[str, int], list[str]]

ALLOW_SETTING = "PODCAST_ASSISTANT_FETCH_ALLOW_HOSTS"


def resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (the system resolver; nothing is connected to)."""
    return [info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]


def host_and_port(url: str) -> tuple[str, int]:
    """The lower-case host and the port (80/443 when none is given) of an http(s) URL;
    `SourceError` for any other scheme or a URL without a host."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise SourceError(f"{url}: only http and https links are fetched")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError as exc:
        raise SourceError(f"{url}: not a valid port") from exc
    if not parts.hostname:
        raise SourceError(f"{url}: no host in the link")
    return parts.hostname.lower().rstrip("."), port


def why_not_public(address: Address) -> str | None:
    """What kind of non-public address `address` is, or None when it is public."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    for label, flag in (
        ("a loopback address", address.is_loopback),
        ("a link-local address", address.is_link_local),
        ("a multicast address", address.is_multicast),
        ("an unspecified address", address.is_unspecified),
        ("a reserved address", address.is_reserved),
        ("a private address", address.is_private),
        ("not a public address", not address.is_global),
    ):
        if flag:
            return label
    return None


class HostPolicy:
    """Decides, before any connection, whether a URL may be fetched."""

    def __init__(self, allow: Sequence[str] = (), resolver: Resolve = resolve) -> None:
        self.names: set[str] = set()
        self.networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
        for entry in allow:
            try:
                self.networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                self.names.add(entry.lower().rstrip("."))
        self.resolver = resolver

    def check(self, url: str, trusted: Collection[tuple[str, int]] = ()) -> None:
        """Return if `url` may be fetched, else raise `SourceError` saying why. `trusted` are
        (host, port) pairs fetched without an address check (the feed's own host)."""
        host, port = host_and_port(url)
        if (host, port) in trusted or host in self.names:
            return
        for address in self._addresses(url, host, port):
            if any(address in network for network in self.networks):
                continue
            why = why_not_public(address)
            if why:
                raise SourceError(
                    f"{url}: refused, {host} is {why} ({address}); "
                    f"list it in {ALLOW_SETTING} to fetch it"
                )

    def _addresses(self, url: str, host: str, port: int) -> list[Address]:
        try:
            return [ipaddress.ip_address(host.strip("[]"))]
        except ValueError:
            pass
        try:
            found = self.resolver(host, port)
        except OSError as exc:
            raise SourceError(f"{url}: cannot resolve {host} ({exc})") from exc
        if not found:
            raise SourceError(f"{url}: {host} resolves to no address")
        return [ipaddress.ip_address(a.split("%")[0]) for a in found]
