"""The web app: the chat at `/`, its iframe form at `/embed`, `/widget.js`, the JSON APIs,
and the same chat as a Gradio app (with its `gradio_client` API) at `/gradio`.

The chat is a small page of our own (no framework) over a streaming NDJSON endpoint, so that
every title, quote and question reaches the DOM as text, and the pages can carry a strict
Content-Security-Policy (scripts and styles from this origin only, framing as configured).
"""

import json
import logging
import math
from collections.abc import Iterator

import gradio as gr
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field

from assistant.answering import Assistant, check_question
from assistant.records import Answer
from assistant.settings import Settings
from ui.feedback import FeedbackStore
from ui.gradio_chat import build_gradio_chat
from ui.ratelimit import RateLimiter, wait_message
from ui.render import STATIC_DIR, answer_json, chat_page, read_static, source_page

log = logging.getLogger(__name__)

TITLE = "Ask the Back In Shape podcast"
EXAMPLES = [
    "Why isn't my piriformis stretch working?",
    "Should I stretch my hamstrings with a disc bulge?",
    "How do strong hips help my lower back?",
]
GRADIO_PATH = "/gradio"
HISTORY_TURNS = 5  # earlier (question, answer) pairs passed along with a question


class AskRequest(BaseModel):
    """Body of `POST /api/ask` and `POST /api/chat`."""

    question: str
    history: list[tuple[str, str]] = Field(default_factory=list, max_length=50)


class FeedbackRequest(BaseModel):
    """Body of `POST /api/feedback`: the id an answer came with, and 1 (up) or -1 (down)."""

    id: str = Field(max_length=64)
    vote: int


def page_policy(frame_ancestors: list[str]) -> str:
    """The Content-Security-Policy of our HTML pages."""
    return (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'self'; "
        f"frame-ancestors {' '.join(frame_ancestors)}"
    )


def build_app(
    assistant: Assistant,
    feedback: FeedbackStore | None = None,
    settings: Settings | None = None,
) -> FastAPI:
    """One ASGI app: the chat pages, the widget script, the JSON APIs and source pages."""
    settings = settings or assistant.settings
    feedback = feedback or FeedbackStore(settings.feedback_path)
    limiter = RateLimiter(settings.rate_limit_questions, settings.rate_limit_window_seconds)
    own_page_policy = page_policy(["'self'"])
    embed_policy = page_policy(["'self'", *settings.allowed_origins])
    app = FastAPI(title="podcast-assistant", docs_url=None, redoc_url=None)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

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
        return response

    def question_problem(client: str, question: str) -> tuple[int, str, float] | None:
        """Why a question may not be answered: (HTTP status, message, seconds to wait)."""
        problem = check_question(question, settings.max_question_chars)
        if problem:
            return 400, problem, 0.0
        wait = limiter.check(client)
        if wait:
            log.info("rate limit reached by a client; %.1f s to wait", wait)
            return 429, wait_message(wait), wait
        return None

    def refuse_question(request: Request, question: str) -> JSONResponse | None:
        """Why this request may not be answered (too long, empty, too many), as JSON."""
        client = request.client.host if request.client else "unknown"
        problem = question_problem(client, question)
        if problem is None:
            return None
        status, message, wait = problem
        if status != 429:
            return JSONResponse({"error": message}, status_code=status)
        seconds = max(1, math.ceil(wait))
        return JSONResponse(
            {"error": message, "retry_after": seconds},
            status_code=429,
            headers={"Retry-After": str(seconds)},
        )

    def keep(question: str, answer: Answer, payload: dict) -> str:
        """Store the final answer for feedback and the owner's report; its id for votes."""
        return feedback.record(question.strip(), answer, payload["sources"])

    @app.get("/", response_class=HTMLResponse)
    def home() -> str:
        return chat_page(
            title=TITLE,
            examples=EXAMPLES,
            max_chars=settings.max_question_chars,
            compact=False,
            color=None,
        )

    @app.get("/embed", response_class=HTMLResponse)
    def embed(title: str = TITLE, color: str | None = None) -> HTMLResponse:
        page = chat_page(
            title=title[:80] or TITLE,
            examples=EXAMPLES,
            max_chars=settings.max_question_chars,
            compact=True,
            color=color,
        )
        return HTMLResponse(page, headers={"Content-Security-Policy": embed_policy})

    @app.get("/widget.js")
    def widget() -> Response:
        return Response(
            read_static("widget.js"),
            media_type="text/javascript",
            headers={"Cache-Control": "public, max-age=300"},
        )

    @app.get("/healthz")
    def healthz() -> dict:
        return {"status": "ok", "chunks": assistant.store.count()}

    @app.post("/api/ask")
    def ask(body: AskRequest, request: Request) -> Response:
        refusal = refuse_question(request, body.question)
        if refusal:
            return refusal
        log.debug("question of %d characters", len(body.question))
        answer = assistant.answer(body.question, body.history[-HISTORY_TURNS:])
        payload = answer_json(answer)
        exchange_id = keep(body.question, answer, payload)
        return JSONResponse({"id": exchange_id, **answer.to_json(), **payload})

    @app.post("/api/chat")
    def chat(body: AskRequest, request: Request) -> Response:
        refusal = refuse_question(request, body.question)
        if refusal:
            return refusal
        log.debug("question of %d characters (streamed)", len(body.question))

        def lines() -> Iterator[str]:
            final = payload = None
            for final in assistant.stream(body.question, body.history[-HISTORY_TURNS:]):
                payload = answer_json(final)
                yield json.dumps({"type": "partial", **payload}, ensure_ascii=False) + "\n"
            if final is not None and payload is not None:
                exchange_id = keep(body.question, final, payload)
                done = {"type": "final", "id": exchange_id, **payload}
                yield json.dumps(done, ensure_ascii=False) + "\n"

        return StreamingResponse(
            lines(),
            media_type="application/x-ndjson",
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )

    @app.post("/api/feedback")
    def vote(body: FeedbackRequest) -> dict:
        if body.vote not in (1, -1):
            raise HTTPException(422, "vote is 1 (helpful) or -1 (not helpful)")
        if not feedback.vote(body.id, body.vote):
            raise HTTPException(404, "No such answer")
        return {"id": body.id, "vote": body.vote}

    @app.get("/sources/{source_id:path}", response_class=HTMLResponse)
    def source(source_id: str, chunk: str | None = None) -> str:
        record = assistant.store.get_record(source_id)
        if record is None:
            raise HTTPException(404, "No such source")
        start = end = None
        if chunk:
            found = [c for c in assistant.store.chunks_of(source_id) if c.chunk_id == chunk]
            if found:
                start, end = found[0].start_char, found[0].end_char
        return source_page(record.title, record.text, start, end)

    def gradio_refusal(client: str, question: str) -> str | None:
        problem = question_problem(client, question)
        return problem[1] if problem else None

    chat_blocks = build_gradio_chat(assistant, EXAMPLES, gradio_refusal, HISTORY_TURNS)
    return gr.mount_gradio_app(app, chat_blocks, path=GRADIO_PATH)
