"""The web app: the chat at `/`, its iframe form at `/embed`, `/widget.js`, the JSON APIs
(described at `/openapi.json`), and the same chat as a Gradio app (with its `gradio_client`
API) at `/gradio`.

The chat is a small page of our own (no framework) over a streaming NDJSON endpoint, so that
every title, quote and question reaches the DOM as text, and the pages can carry a strict
Content-Security-Policy (scripts and styles from this origin only, framing as configured).
"""

import asyncio
import logging
import math
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles
from pydantic.json_schema import models_json_schema

from assistant.answering import Assistant, check_history, check_question
from assistant.records import Answer
from assistant.settings import Settings
from ui.admin import add_admin
from ui.api import (
    AnswerBody,
    AskResponse,
    ChatFinal,
    ChatPartial,
    ErrorBody,
    FeedbackRequest,
    FeedbackResponse,
    Health,
    Question,
    answer_body,
)
from ui.database import memory_engine
from ui.feedback import FeedbackStore
from ui.limits import BodyLimit, add_validation_errors
from ui.proxies import add_trusted_proxies
from ui.ratelimit import RateLimiter, client_key, question_limiter, wait_message
from ui.render import STATIC_DIR, chat_page, read_static, source_page
from ui.retention import retention_lifespan
from ui.streaming import until_gone

log = logging.getLogger(__name__)

EXAMPLES = [
    "Why isn't my piriformis stretch working?",
    "Should I stretch my hamstrings with a disc bulge?",
    "How do strong hips help my lower back?",
]
GRADIO_PATH = "/gradio"
HISTORY_TURNS = 5  # earlier (question, answer) pairs passed along with a question
REFUSALS = {
    400: {
        "model": ErrorBody,
        "description": "The question is empty or too long, or so are its earlier turns.",
    },
    413: {"model": ErrorBody, "description": "The request body is over the size accepted."},
    429: {
        "model": ErrorBody,
        "description": "Too many questions from this client; `retry_after` seconds to wait.",
        "headers": {"Retry-After": {"schema": {"type": "integer"}}},
    },
}


def page_policy(frame_ancestors: list[str]) -> str:
    """The Content-Security-Policy of our HTML pages."""
    return (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        # Media from anywhere on the web: a cited episode moment plays in place from its host.
        "connect-src 'self'; media-src http: https:; base-uri 'none'; form-action 'self'; "
        f"frame-ancestors {' '.join(frame_ancestors)}"
    )


class QuestionGate:
    """The length check and the per-client rate limit every question passes, whether it comes
    through the JSON APIs or the Gradio app."""

    def __init__(self, settings: Settings, limiter: RateLimiter | None = None):
        self.max_chars = settings.max_question_chars
        self.history_limits = (
            settings.max_history_turns,
            settings.max_question_chars,
            settings.max_history_answer_chars,
        )
        self.limiter = limiter or question_limiter(memory_engine(), settings)

    def problem(
        self, client: str, question: str, history: Sequence[tuple[str, str]] = ()
    ) -> tuple[int, str, float] | None:
        """Why a question may not be answered: (HTTP status, message, seconds to wait)."""
        problem = check_question(question, self.max_chars) or check_history(
            history, *self.history_limits
        )
        if problem:
            return 400, problem, 0.0
        wait = self.limiter.check(client_key(client))
        if wait:
            log.info("rate limit reached by a client; %.1f s to wait", wait)
            return 429, wait_message(wait), wait
        return None

    def refusal(self, request: Request, body: Question) -> JSONResponse | None:
        """Why this request may not be answered (too long, empty, too many), as JSON."""
        client = request.client.host if request.client else "unknown"
        problem = self.problem(client, body.question, body.history)
        if problem is None:
            return None
        status, message, wait = problem
        if status != 429:
            body = ErrorBody(error=message).model_dump(exclude_none=True)
            return JSONResponse(body, status_code=status)
        seconds = max(1, math.ceil(wait))
        return JSONResponse(
            ErrorBody(error=message, retry_after=seconds).model_dump(),
            status_code=429,
            headers={"Retry-After": str(seconds)},
        )

    def message(self, client: str, question: str) -> str | None:
        """Why a question may not be answered, as the message to show (for Gradio)."""
        problem = self.problem(client, question)
        return problem[1] if problem else None


def add_security_headers(app: FastAPI, own_page_policy: str) -> None:
    """Headers on every response; our HTML pages get `own_page_policy` unless a route sets its
    own (`/embed`), Gradio's pages a policy of their own."""

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        is_html = response.headers.get("content-type", "").startswith("text/html")
        if is_html and request.url.path.startswith(GRADIO_PATH):
            # Gradio's page needs inline scripts and styles; it still may not be framed.
            response.headers.setdefault("Content-Security-Policy", "frame-ancestors 'self'")
        elif is_html:
            response.headers.setdefault("Content-Security-Policy", own_page_policy)
        if request.url.path.startswith("/api/"):  # answers, refusals and votes: never cached
            response.headers.setdefault("Cache-Control", "no-store")
        return response


def add_pages(app: FastAPI, assistant: Assistant, settings: Settings) -> None:
    """The chat (`/`), its iframe form (`/embed`), `/widget.js` and the source pages."""
    embed_policy = page_policy(["'self'", *settings.allowed_origins])

    # GET and HEAD: uptime checkers ask with HEAD (uvicorn sends the headers only).
    @app.api_route(
        "/", methods=["GET", "HEAD"], response_class=HTMLResponse, include_in_schema=False
    )
    def home() -> str:
        return chat_page(
            title=settings.title,
            examples=EXAMPLES,
            max_chars=settings.max_question_chars,
            compact=False,
            color=None,
        )

    @app.get("/embed", response_class=HTMLResponse, include_in_schema=False)
    def embed(color: str | None = None) -> HTMLResponse:
        # The heading is the server's: a `title` in the query is ignored, so no link to this
        # domain can show words of its own choosing ("OFFICIAL: call …") as the page's heading.
        page = chat_page(
            title=settings.title,
            examples=EXAMPLES,
            max_chars=settings.max_question_chars,
            compact=True,
            color=color,
        )
        return HTMLResponse(page, headers={"Content-Security-Policy": embed_policy})

    @app.api_route("/widget.js", methods=["GET", "HEAD"], include_in_schema=False)
    def widget() -> Response:
        return Response(
            read_static("widget.js"),
            media_type="text/javascript",
            headers={"Cache-Control": "public, max-age=300"},
        )

    @app.get("/sources/{source_id:path}", response_class=HTMLResponse, include_in_schema=False)
    def source(source_id: str, chunk: str | None = None) -> str:
        record = assistant.store.get_record(source_id)
        if record is None:
            raise HTTPException(404, "No such source")
        start = end = None
        chunks = assistant.store.chunks_of(source_id)
        found = [c for c in chunks if chunk and c.chunk_id == chunk]
        if found:
            start, end = found[0].start_char, found[0].end_char
        headings = {c.section for c in chunks if c.section}
        return source_page(record.title, record.text, start, end, headings)


def add_question_routes(
    app: FastAPI, assistant: Assistant, feedback: FeedbackStore, gate: QuestionGate
) -> None:
    """`POST /api/ask` (one JSON answer) and `POST /api/chat` (the answer streamed as NDJSON)."""

    def keep(question: str, answer: Answer, body: AnswerBody) -> str:
        """Store the final answer for feedback and the owner's report; its id for votes."""
        sources = [s.model_dump() for s in body.sources]
        return feedback.record(question.strip(), answer, sources)

    @app.post("/api/ask", response_model=AskResponse, responses=REFUSALS)
    def ask(body: Question, request: Request) -> AskResponse | JSONResponse:
        refusal = gate.refusal(request, body)
        if refusal:
            return refusal
        log.debug("question of %d characters", len(body.question))
        answer = assistant.answer(body.question, body.history[-HISTORY_TURNS:])
        shown = answer_body(answer)
        return AskResponse(**dict(shown), id=keep(body.question, answer, shown))

    @app.post(
        "/api/chat",
        response_class=StreamingResponse,
        response_description="NDJSON: a `partial` event per line as the answer grows, then "
        "one `final` event with the answer's id.",
        responses=REFUSALS,
    )
    def chat(body: Question, request: Request) -> Response:
        refusal = gate.refusal(request, body)
        if refusal:
            return refusal
        log.debug("question of %d characters (streamed)", len(body.question))

        def lines() -> Iterator[str]:
            final = shown = None
            for final in assistant.stream(body.question, body.history[-HISTORY_TURNS:]):
                shown = answer_body(final)
                yield ChatPartial(**dict(shown)).model_dump_json() + "\n"
            if final is not None and shown is not None:
                exchange_id = keep(body.question, final, shown)
                yield ChatFinal(**dict(shown), id=exchange_id).model_dump_json() + "\n"

        return StreamingResponse(
            until_gone(lines()),
            media_type="application/x-ndjson",
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )


def add_api(
    app: FastAPI, assistant: Assistant, feedback: FeedbackStore, gate: QuestionGate
) -> None:
    """The JSON API: questions, votes and `/healthz`."""
    add_question_routes(app, assistant, feedback, gate)

    @app.post(
        "/api/feedback",
        response_model=FeedbackResponse,
        responses={404: {"description": "No such answer"}},
    )
    def vote(body: FeedbackRequest) -> FeedbackResponse:
        if body.vote not in (1, -1):
            raise HTTPException(422, "vote is 1 (helpful) or -1 (not helpful)")
        if not feedback.vote(body.id, body.vote):
            raise HTTPException(404, "No such answer")
        return FeedbackResponse(id=body.id, vote=body.vote)

    # Async, counting on a thread of its own: a health check must not queue behind answers
    # for the threads sync routes run on.
    counting = ThreadPoolExecutor(max_workers=1, thread_name_prefix="healthz")

    @app.get("/healthz", response_model=Health)
    async def healthz() -> Health:
        count = await asyncio.get_running_loop().run_in_executor(counting, assistant.store.count)
        return Health(chunks=count)

    app.head("/healthz", include_in_schema=False)(healthz)


def document_chat_stream(app: FastAPI) -> None:
    """Describe `/api/chat`'s NDJSON lines in `/openapi.json`: FastAPI knows a streamed
    response only as bytes, so the event models are added to the components here."""
    generate = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is None:
            schema = generate()
            refs, defs = models_json_schema(
                [(ChatPartial, "serialization"), (ChatFinal, "serialization")],
                ref_template="#/components/schemas/{model}",
            )
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            for name, definition in defs["$defs"].items():
                components.setdefault(name, definition)
            partial, final = (refs[(m, "serialization")] for m in (ChatPartial, ChatFinal))
            event = {
                "oneOf": [partial, final],
                "discriminator": {
                    "propertyName": "type",
                    "mapping": {"partial": partial["$ref"], "final": final["$ref"]},
                },
            }
            ok = schema["paths"]["/api/chat"]["post"]["responses"]["200"]
            ok["content"] = {"application/x-ndjson": {"schema": event}}
        return app.openapi_schema

    app.openapi = openapi


def build_app(
    assistant: Assistant,
    feedback: FeedbackStore | None = None,
    settings: Settings | None = None,
    gradio_later: bool = False,
) -> FastAPI:
    """One ASGI app: the chat pages, the widget script, the JSON APIs and source pages.

    `gradio_later` (what `serve` does) builds the Gradio app on a thread once the server is
    up, answering 503 at `/gradio/` meanwhile, so the chat need not wait for Gradio's imports.
    """
    from ui.startup import Deferred

    settings = settings or assistant.settings
    feedback = feedback or FeedbackStore(settings.feedback_url)
    gate = QuestionGate(settings, question_limiter(feedback.engine, settings))
    lifespan = retention_lifespan(feedback, settings.retention_days)  # stored questions

    def gradio_parts() -> tuple[FastAPI, object]:
        holder = _mount_gradio(FastAPI(), assistant, gate, settings)
        return holder, holder.routes[-1].app  # the holder runs Gradio's start-up

    deferred = Deferred(gradio_parts) if gradio_later and settings.gradio else None
    if deferred:
        lifespan = deferred.around(lifespan)
    app = FastAPI(title="podcast-assistant", docs_url=None, redoc_url=None, lifespan=lifespan)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_middleware(BodyLimit, max_bytes=settings.max_request_bytes)
    add_validation_errors(app)
    add_security_headers(app, page_policy(["'self'"]))
    add_pages(app, assistant, settings)
    add_api(app, assistant, feedback, gate)
    add_admin(app, assistant, feedback, settings)  # the owner's dashboard, when a token is set
    document_chat_stream(app)
    if deferred:
        app.mount(GRADIO_PATH, deferred)
    elif settings.gradio:
        app = _mount_gradio(app, assistant, gate, settings)
    add_trusted_proxies(app, settings.trusted_proxies)
    return app


def _mount_gradio(app: FastAPI, assistant: Assistant, gate, settings: Settings) -> FastAPI:
    """The Gradio chat mounted at GRADIO_PATH of `app`, in the podcast's look; Gradio is
    imported here, not at start-up."""
    import gradio as gr

    from ui.gradio_chat import build_gradio_chat, page_options

    blocks = build_gradio_chat(assistant, EXAMPLES, gate.message, settings, HISTORY_TURNS)
    return gr.mount_gradio_app(app, blocks, path=GRADIO_PATH, **page_options(settings))
