"""Bounds on what one request can make the server read or send back: a body over
`max_request_bytes` is refused with 413 before it is read whole (declared length or chunks), and
a 422 names what is wrong without echoing the input."""

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.prompts import REQUEST_TOO_LARGE
from ui.api import ErrorBody


def size_label(n: int) -> str:
    """`n` bytes for a listener: "512 KB", "20.0 MB"."""
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MB"
    return f"{max(1, round(n / 1024)):,} KB"


class BodyLimit:
    """ASGI middleware: 413 with a JSON `{"error": ...}` for a body over `max_bytes`."""

    def __init__(self, app: ASGIApp, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None:
            length = int(declared) if declared.isdigit() else self.max_bytes + 1
            if length > self.max_bytes:
                await self.refuse(send, size_label(length))
                return
            await self.app(scope, receive, send)
            return
        if scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        # No length declared (chunked): read it here, up to the cap, then hand it on.
        body = await self.read_capped(receive)
        if body is None:
            await self.refuse(send, f"over {size_label(self.max_bytes)}")
            return
        await self.app(scope, replay(body, receive), send)

    async def read_capped(self, receive: Receive) -> list[Message] | None:
        """The body's messages, or None once they pass the cap (the rest is never read)."""
        messages, size = [], 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                return messages
            size += len(message.get("body", b""))
            if size > self.max_bytes:
                return None
            if not message.get("more_body", False):
                return messages

    async def refuse(self, send: Send, length: str) -> None:
        """The 413 response, closing the connection (the rest of the body is not read)."""
        error = REQUEST_TOO_LARGE.format(length=length, limit=size_label(self.max_bytes))
        body = ErrorBody(error=error).model_dump_json(exclude_none=True).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def replay(messages: list[Message], receive: Receive) -> Receive:
    """A `receive` that gives `messages` first, then whatever the client sends next."""
    pending = list(messages)

    async def replayed() -> Message:
        return pending.pop(0) if pending else await receive()

    return replayed


MAX_VALIDATION_ERRORS = 10  # listed in a 422; a 10,000-turn history gets ten, not ten thousand
MAX_LOC_CHARS = 60  # of a name in an error's location (a key can be the client's own text)


def add_validation_errors(app: FastAPI) -> None:
    """422 bodies in FastAPI's shape (`{"detail": [{"loc", "msg", "type"}]}`) without the
    `input` pydantic would echo back (540 KB for a 10,000-turn history), at most ten errors."""

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        detail = [
            {
                "loc": [p[:MAX_LOC_CHARS] if isinstance(p, str) else p for p in e.get("loc", ())],
                "msg": str(e.get("msg", ""))[:200],
                "type": e.get("type", ""),
            }
            for e in errors[:MAX_VALIDATION_ERRORS]
        ]
        if len(errors) > MAX_VALIDATION_ERRORS:
            more = len(errors) - MAX_VALIDATION_ERRORS
            detail.append({"loc": [], "msg": f"and {more:,} more errors", "type": "more"})
        return JSONResponse(jsonable_encoder({"detail": detail}), status_code=422)
