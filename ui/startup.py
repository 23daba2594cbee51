"""Start-up for `serve`: listen at once, load the assistant on a thread, report readiness.

`/healthz` answers from the first moment (`{"status": "starting"}`, then the app's own answer),
so an uptime checker or orchestrator sees a live process while the model, the store and the
keyword index load; `/readyz` answers 503 until the app can answer questions, then 200. Every
other request gets 503 with `Retry-After` while starting. The app is built once, on a thread,
and its lifespan (retention schedule, Gradio's start-up) runs inside ours.
"""

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

log = logging.getLogger(__name__)

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict]]
Send = Callable[[dict], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

RETRY_AFTER_SECONDS = 2
STARTING_MESSAGE = "The assistant is starting; please try again in a few seconds."


class Starting:
    """An ASGI app that answers health checks at once and the rest once `build()` is done."""

    def __init__(self, build: Callable[[], ASGIApp], on_failure: Callable[[str], None]) -> None:
        self.build = build
        self.on_failure = on_failure
        self.app: ASGIApp | None = None  # set once built and its lifespan has started
        self.failed: str | None = None
        self.started = time.perf_counter()
        self.ready_after: float | None = None
        self._task: asyncio.Task | None = None
        self._inner: _Lifespan | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(scope, receive, send)
            return
        path = scope.get("path", "")
        if path == "/readyz":
            await self._readyz(scope, send)
        elif self.app is not None:
            await self.app(scope, receive, send)
        elif scope["type"] != "http":  # a websocket before we are up: refuse it
            await send({"type": "websocket.close", "code": 1013})
        elif path == "/healthz":
            await _json(send, 200, {"status": "starting"}, head=scope["method"] == "HEAD")
        else:
            body = {"error": self.failed or STARTING_MESSAGE}
            headers = [(b"retry-after", str(RETRY_AFTER_SECONDS).encode())]
            await _json(send, 503, body, headers, head=scope["method"] == "HEAD")

    async def _readyz(self, scope: Scope, send: Send) -> None:
        if self.app is not None:
            body = {"status": "ready", "seconds": round(self.ready_after or 0.0, 2)}
            await _json(send, 200, body, head=scope["method"] == "HEAD")
        else:
            body = {"status": "failed" if self.failed else "starting"}
            await _json(send, 503, body, head=scope["method"] == "HEAD")

    async def _lifespan(self, scope: Scope, receive: Receive, send: Send) -> None:
        message = await receive()  # lifespan.startup
        self._task = asyncio.create_task(self._start(scope.get("state", {})))
        await send({"type": "lifespan.startup.complete"})
        message = await receive()  # lifespan.shutdown
        assert message["type"] == "lifespan.shutdown", message
        if self._task and not self._task.done():
            self._task.cancel()  # the build thread runs on, but nothing waits for it
        if self._inner is not None:
            await self._inner.stop()
        await send({"type": "lifespan.shutdown.complete"})

    async def _start(self, state: dict) -> None:
        try:
            app = await asyncio.to_thread(self.build)
            inner = _Lifespan(app, state)
            await inner.start()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - reported, and the server is stopped
            self.failed = str(exc) or type(exc).__name__
            log.debug("serve could not start: %s", self.failed)
            self.on_failure(self.failed)
            return
        self._inner = inner
        self.ready_after = time.perf_counter() - self.started
        self.app = app
        log.info("ready to answer after %.1f s", self.ready_after)


class _Lifespan:
    """Runs an inner app's lifespan protocol, as a server would, inside ours."""

    def __init__(self, app: ASGIApp, state: dict) -> None:
        self.app = app
        self.state = state
        self.inbox: asyncio.Queue = asyncio.Queue()
        self.started = asyncio.get_running_loop().create_future()
        self.stopped = asyncio.get_running_loop().create_future()
        self.task: asyncio.Task | None = None

    async def start(self) -> None:
        scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": self.state}
        self.task = asyncio.create_task(self.app(scope, self.inbox.get, self._send))
        await self.inbox.put({"type": "lifespan.startup"})
        await asyncio.wait({self.started, self.task}, return_when=asyncio.FIRST_COMPLETED)
        if not self.started.done():  # the app ended its lifespan without starting
            self.task.result()  # its exception, if it raised one
            raise RuntimeError("the app did not start")
        self.started.result()

    async def stop(self) -> None:
        await self.inbox.put({"type": "lifespan.shutdown"})
        try:
            await asyncio.wait_for(asyncio.shield(self.stopped), timeout=10)
        except (TimeoutError, RuntimeError):
            log.warning("the app's shutdown did not finish in time")

    async def _send(self, message: dict) -> None:
        kind = message["type"]
        if kind == "lifespan.startup.complete":
            self.started.set_result(None)
        elif kind == "lifespan.startup.failed":
            self.started.set_exception(RuntimeError(message.get("message") or "start-up failed"))
        elif kind == "lifespan.shutdown.complete":
            self.stopped.set_result(None)
        elif kind == "lifespan.shutdown.failed":
            self.stopped.set_exception(RuntimeError(message.get("message") or "shutdown failed"))


async def _json(
    send: Send, status: int, body: dict, headers: list | None = None, head: bool = False
) -> None:
    data = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(data)).encode()),
                (b"cache-control", b"no-store"),
                (b"x-content-type-options", b"nosniff"),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": b"" if head else data})


class Deferred:
    """An ASGI app (mounted where it will live) that is built on a thread once the server is up:
    503 until then. Gradio takes seconds to import and build; questions need not wait for it."""

    def __init__(self, build: Callable[[], tuple[ASGIApp, ASGIApp]]) -> None:
        self.build = build  # gives (app whose lifespan to run, app that answers requests)
        self.app: ASGIApp | None = None
        self._lifespan: _Lifespan | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.app is not None:
            await self.app(scope, receive, send)
        elif scope["type"] == "http":
            headers = [(b"retry-after", str(RETRY_AFTER_SECONDS).encode())]
            await _json(send, 503, {"error": STARTING_MESSAGE}, headers)
        else:
            await send({"type": "websocket.close", "code": 1013})

    def around(self, lifespan: Callable) -> Callable:
        """`lifespan` with this app built in the background once it has started."""

        @contextlib.asynccontextmanager
        async def both(app: object) -> AsyncIterator[None]:
            async with lifespan(app):
                task = asyncio.create_task(self._start())
                try:
                    yield
                finally:
                    task.cancel()
                    if self._lifespan is not None:
                        await self._lifespan.stop()

        return both

    async def _start(self) -> None:
        try:
            owner, app = await asyncio.to_thread(self.build)
            lifespan = _Lifespan(owner, {})
            await lifespan.start()
        except asyncio.CancelledError:
            raise
        except Exception:  # the rest of the app serves on without it
            log.exception("a part of the app could not be started")
            return
        self._lifespan, self.app = lifespan, app


def warmed(assistant):
    """The assistant with its keyword index built, the model run once and the word lexicon
    loaded, so the first question does not pay for them."""
    from assistant.answering import word_kinds

    assistant.retriever.keyword.refresh()
    assistant.embedder.encode(["warming up"])
    word_kinds.warm_up()
    return assistant


def serve_until_stopped(settings, host: str, port: int, grace: float) -> None:
    """Listen on `host:port` at once and build the app on a thread; `ClickException` if it
    can't be built (nothing ingested, a broken store), after the server has stopped."""
    import click
    import uvicorn

    from ui.proxies import server_config

    held = contextlib.ExitStack()

    def build() -> ASGIApp:
        from assistant.store.sharing import serving
        from ui.app import build_app
        from ui.cli import _open_assistant

        # An ingest in another process is refused while this holds the store (and one under
        # way finishes first: readiness waits for it).
        held.enter_context(serving(settings))
        return build_app(warmed(_open_assistant(settings)), gradio_later=True)

    def stop(message: str) -> None:
        server.should_exit = True

    starting = Starting(build, stop)
    # On a stop, open streams (a chat mid-answer, Gradio's event stream) get a few seconds to
    # finish, not forever: a restart must not hang on one idle browser tab.
    config = server_config(
        starting, host, port, log_level="warning", timeout_graceful_shutdown=grace
    )
    server = uvicorn.Server(config)
    with held:
        server.run()
    if starting.failed:
        raise click.ClickException(starting.failed)
