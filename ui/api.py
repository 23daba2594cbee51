"""The JSON API's requests and responses as pydantic models, and the one serialiser from an
`Answer` to them: what `/openapi.json` describes, what the chat page reads, what `ask --json`
prints (a subset)."""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from assistant.links import moment_label, web_url
from assistant.prompts import STANDING_NOTE
from assistant.records import Answer, Citation
from ui.render import source_link


class Question(BaseModel):
    """Body of `POST /api/ask` and `POST /api/chat`."""

    question: str = Field(description="What the listener asks.")
    history: list[tuple[str, str]] = Field(
        default_factory=list,
        description="Earlier turns as [question, answer] pairs, oldest first; at most "
        "`PODCAST_ASSISTANT_MAX_HISTORY_TURNS` (10) of them, each question no longer than a "
        "question and each answer at most `PODCAST_ASSISTANT_MAX_HISTORY_ANSWER_CHARS` (20,000) "
        "characters. The last five are used; the answers only steer retrieval and are never "
        "taken as the assistant's own words.",
    )


class Source(BaseModel):
    """A numbered source under an answer: `[n]` in the answer's text points here."""

    n: int = Field(description="The number its `[n]` markers carry, from 1.")
    source_id: str
    title: str
    url: str | None = Field(description="The article or episode page, when it has one.")
    quote: str = Field(description="The passage quoted, its whitespace collapsed.")
    link: str = Field(
        description="Where to read or hear it: the moment in the episode, the page, or "
        "this server's page for the source."
    )
    start_seconds: float | None = Field(description="Where a transcript passage starts.")
    moment: str | None = Field(description='A transcript moment\'s label: "Ep. 42 · 12:34".')
    section: str | None = Field(description="The heading of the article section quoted.")


class AnswerBody(BaseModel):
    """An answer (possibly still growing) as the chat page renders it: all of it is text."""

    answer: str = Field(
        description="The answer, a `[n]` marker after what each source backs; extractive "
        "answers are excerpts in a light markup (README: how an extractive answer reads)."
    )
    refused: bool = Field(description="The podcast doesn't cover the question.")
    exact: bool = Field(
        True,
        description="False when the question names something the podcast never mentions: the "
        "answer is the nearest it covers, labelled as such.",
    )
    sources: list[Source]
    urgent: bool = Field(description="A red-flag symptom: the answer is the urgent-care message.")
    note: str = Field(description="The standing note shown under every answer.")


class AskResponse(AnswerBody):
    """Response of `POST /api/ask`: the answer and the id its votes refer to."""

    id: str = Field(description="Send it back with `POST /api/feedback`.")


class ChatPartial(AnswerBody):
    """A line of `POST /api/chat`'s NDJSON stream while the answer grows."""

    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    type: Literal["partial"] = "partial"


class ChatFinal(AnswerBody):
    """The last line of `POST /api/chat`'s NDJSON stream: the whole answer and its id."""

    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    type: Literal["final"] = "final"
    id: str = Field(description="Send it back with `POST /api/feedback`.")


ChatEvent = Annotated[ChatPartial | ChatFinal, Field(discriminator="type")]


class ErrorBody(BaseModel):
    """Why a question is not answered (HTTP 400, 413 or 429)."""

    error: str = Field(description="A message for the listener.")
    retry_after: int | None = Field(
        default=None, description="With 429: seconds to wait (also the Retry-After header)."
    )


class FeedbackRequest(BaseModel):
    """Body of `POST /api/feedback`: the id an answer came with, and 1 (up) or -1 (down)."""

    id: str = Field(max_length=64)
    vote: int = Field(description="1 (helpful) or -1 (not helpful).")


class FeedbackResponse(BaseModel):
    """The vote as stored."""

    id: str
    vote: int


class Health(BaseModel):
    """Response of `GET /healthz`."""

    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    status: Literal["ok"] = "ok"
    chunks: int = Field(description="Chunks in the store.")


# `ask --json` prints these fields of `AnswerBody` (its documented shape).
SUMMARY_FIELDS = {
    "answer": True,
    "refused": True,
    "sources": {"__all__": {"n", "source_id", "title", "url", "quote"}},
    "urgent": True,
}


def source_body(citation: Citation) -> Source:
    """A citation as the API shows it."""
    return Source(
        n=citation.n,
        source_id=citation.source_id,
        title=citation.title,
        url=web_url(citation.url),  # a store from before ingest checked links may hold others
        quote=" ".join(citation.quote.split()),
        link=source_link(citation),
        start_seconds=citation.start_seconds,
        moment=moment_label(citation.episode, citation.start_seconds),
        section=citation.section,
    )


def answer_body(answer: Answer) -> AnswerBody:
    """An answer as the API shows it: the one serialiser every response starts from."""
    return AnswerBody(
        answer=answer.text,
        refused=answer.refused,
        exact=answer.exact,
        sources=[source_body(c) for c in answer.sources],
        urgent=answer.urgent,
        note=STANDING_NOTE,
    )


def answer_summary(answer: Answer) -> dict:
    """The `ask --json` shape: `{"answer", "refused", "sources": [{"n", "source_id", "title",
    "url", "quote"}], "urgent"}`."""
    return answer_body(answer).model_dump(include=SUMMARY_FIELDS)
