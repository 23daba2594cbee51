"""Who the client is: the peer address, or X-Forwarded-For only when the peer is one of the
trusted proxies (`PODCAST_ASSISTANT_TRUSTED_PROXIES`), and the uvicorn config `serve` runs."""

from collections.abc import Sequence

import uvicorn
from starlette.applications import Starlette
from starlette.types import ASGIApp
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware


def add_trusted_proxies(app: Starlette, trusted: Sequence[str]) -> None:
    """Take the client address (and scheme) from X-Forwarded-For (and -Proto) when the peer is
    in `trusted` (addresses or CIDR ranges), by uvicorn's rules: the rightmost address that is
    not itself a trusted proxy. With nothing trusted, the headers are ignored."""
    if trusted:  # added last, so outermost: every route and the Gradio app see the client
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=list(trusted))


def server_config(app: ASGIApp, host: str, port: int, **options) -> uvicorn.Config:
    """The uvicorn config `serve` runs `app` with. uvicorn's own proxy handling is off: it
    would trust X-Forwarded-For from 127.0.0.1, so anything on the host could pick its own
    address (and dodge the rate limit); `build_app` applies the trusted proxies instead."""
    return uvicorn.Config(app, host=host, port=port, proxy_headers=False, **options)
