"""The web app: the Gradio chat at `/`, full sources at `/sources/…`, JSON at `/api/ask`."""

import logging
from collections.abc import Iterator

import gradio as gr
from fastapi import FastAPI, HTTPException
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

from assistant.answer import Assistant
from ui.render import answer_markdown, source_page

log = logging.getLogger(__name__)

EXAMPLES = [
    "Why isn't my piriformis stretch working?",
    "Should I stretch my hamstrings with a disc bulge?",
    "How do strong hips help my lower back?",
]


class AskRequest(BaseModel):
    """Body of `POST /api/ask`."""

    question: str
    history: list[tuple[str, str]] = []


def _history_pairs(history: list[dict]) -> list[tuple[str, str]]:
    """Gradio's message list as (question, answer) pairs."""
    pairs: list[tuple[str, str]] = []
    question = None
    for message in history:
        content = message.get("content")
        text = content if isinstance(content, str) else str(content)
        if message.get("role") == "user":
            question = text
        elif question is not None:
            pairs.append((question, text))
            question = None
    return pairs


def build_chat(assistant: Assistant) -> gr.Blocks:
    """The chat page: answers with `[n]` markers and their numbered sources."""

    def respond(message: str, history: list[dict]) -> Iterator[str]:
        for partial in assistant.stream(message, _history_pairs(history)):
            yield answer_markdown(partial)

    return gr.ChatInterface(
        respond,
        title="Ask the Back In Shape podcast",
        description=(
            "Answers come only from the podcast's articles and episodes, with sources. "
            "This is information, not medical advice."
        ),
        examples=EXAMPLES,
        cache_examples=False,
        api_name="chat",
    )


def build_app(assistant: Assistant) -> FastAPI:
    """One ASGI app: health check, source pages, the JSON API and the chat."""
    app = FastAPI(title="podcast-assistant")

    @app.get("/healthz")
    def healthz() -> dict:
        return {"status": "ok", "chunks": assistant.store.count()}

    @app.post("/api/ask")
    def ask(request: AskRequest) -> dict:
        return assistant.answer(request.question, request.history).to_json()

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

    return gr.mount_gradio_app(app, build_chat(assistant), path="/")
