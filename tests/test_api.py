"""The JSON API's schema: `/openapi.json` describes every field the chat page reads and sends,
and the real responses are exactly their models (nothing lost, nothing extra)."""

import copy
import json
import re

import httpx
import pytest
from pydantic import TypeAdapter
from webserver import hostile_assistant, serve_app, without_gradio

from assistant.records import Answer, Citation
from ui.api import AskResponse, ChatEvent, ChatFinal, ChatPartial, ErrorBody, answer_summary
from ui.app import build_app
from ui.feedback import FeedbackStore
from ui.render import STATIC_DIR

PIRIFORMIS = "why isn't my piriformis stretch working?"
# The chat page's scripts that read the API: the conversation (chat.js) and one answer (answer.js).
CHAT_JS = "\n".join((STATIC_DIR / f).read_text(encoding="utf-8") for f in ("chat.js", "answer.js"))
# What chat.js calls each object the server sends: a streamed event (partial or final), the
# final event, one of an answer's sources, and the JSON body of a refused request.
RESPONSE_NAMES = ("data", "final", "source", "body")
_READ = re.compile(r"(?<![\w.])(" + "|".join(RESPONSE_NAMES) + r")\.(\w+)")
_SENT = re.compile(r'fetch\("(/api/\w+)",\s*\{.*?JSON\.stringify\(\{([^}]*)\}\)', re.S)


@pytest.fixture(scope="module")
def server(tmp_path_factory, embedder):
    assistant = hostile_assistant(tmp_path_factory, embedder)
    feedback = FeedbackStore(tmp_path_factory.mktemp("api-feedback") / "feedback.sqlite3")
    with serve_app(build_app(assistant, feedback, without_gradio(assistant.settings))) as url:
        yield url


@pytest.fixture(scope="module")
def openapi(server) -> dict:
    response = httpx.get(f"{server}/openapi.json")
    assert response.status_code == 200
    return response.json()


def fields_read(script: str) -> dict[str, set[str]]:
    """The fields `script` reads from each server object, by the name it gives the object."""
    reads: dict[str, set[str]] = {name: set() for name in RESPONSE_NAMES}
    for name, field in _READ.findall(script):
        reads[name].add(field)
    return reads


def fields_sent(script: str) -> dict[str, set[str]]:
    """The keys of the JSON body `script` posts to each API path."""
    return {path: set(re.findall(r"(\w+)\s*:", keys)) for path, keys in _SENT.findall(script)}


def schema_of(openapi: dict, ref: str) -> dict:
    return openapi["components"]["schemas"][ref.rsplit("/", 1)[-1]]


def response_schemas(openapi: dict) -> dict[str, list[dict]]:
    """The schemas behind each name chat.js gives a server object, found from the paths."""
    chat = openapi["paths"]["/api/chat"]["post"]
    stream = chat["responses"]["200"]["content"]["application/x-ndjson"]["schema"]
    events = [schema_of(openapi, one["$ref"]) for one in stream["oneOf"]]
    final = schema_of(openapi, stream["discriminator"]["mapping"]["final"])
    source = schema_of(openapi, final["properties"]["sources"]["items"]["$ref"])
    error = chat["responses"]["400"]["content"]["application/json"]["schema"]["$ref"]
    return {
        "data": events,
        "final": [final],
        "source": [source],
        "body": [schema_of(openapi, error)],
    }


def request_schema(openapi: dict, path: str) -> dict:
    body = openapi["paths"][path]["post"]["requestBody"]["content"]["application/json"]
    return schema_of(openapi, body["schema"]["$ref"])


def unknown_fields(openapi: dict, script: str) -> set[str]:
    """Fields `script` reads or sends that the schema does not have, as `object.field`."""
    schemas = response_schemas(openapi)
    unknown = {
        f"{name}.{field}"
        for name, fields in fields_read(script).items()
        for field in fields
        for schema in schemas[name]
        if field not in schema["properties"]
    }
    for path, keys in fields_sent(script).items():
        properties = request_schema(openapi, path)["properties"]
        unknown |= {f"{path}:{key}" for key in keys if key not in properties}
    return unknown


def test_the_chat_page_reads_and_sends_only_fields_of_the_schema(openapi):
    reads = fields_read(CHAT_JS)
    # The parse found what the page uses (so an empty parse cannot pass).
    assert {"answer", "sources", "refused", "urgent", "note", "type"} <= reads["data"]
    assert {"answer", "id"} <= reads["final"]
    assert {"n", "title", "link", "quote", "moment", "start_seconds"} <= reads["source"]
    assert reads["body"] == {"error"}
    assert fields_sent(CHAT_JS) == {
        "/api/feedback": {"id", "vote"},
        "/api/chat": {"question", "history"},
    }
    assert unknown_fields(openapi, CHAT_JS) == set()


def test_a_renamed_field_is_caught(openapi):
    renamed = copy.deepcopy(openapi)
    source = response_schemas(renamed)["source"][0]["properties"]
    source["href"] = source.pop("link")
    final = response_schemas(renamed)["final"][0]["properties"]
    final["exchange_id"] = final.pop("id")
    request_schema(renamed, "/api/feedback")["properties"].pop("vote")
    assert unknown_fields(renamed, CHAT_JS) == {
        "source.link",
        "final.id",
        "/api/feedback:vote",
    }


def test_openapi_documents_every_api_route(openapi):
    paths = openapi["paths"]
    assert set(paths) == {"/api/ask", "/api/chat", "/api/feedback", "/healthz"}
    ask = paths["/api/ask"]["post"]["responses"]
    assert ask["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/AskResponse")
    assert ask["429"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorBody")
    stream = paths["/api/chat"]["post"]["responses"]["200"]["content"]
    assert list(stream) == ["application/x-ndjson"]  # not described as one JSON document
    schemas = openapi["components"]["schemas"]
    assert schemas["ChatFinal"]["properties"]["type"]["const"] == "final"
    assert set(schemas["ChatFinal"]["required"]) == set(ChatFinal.model_fields)
    assert set(schemas["ChatPartial"]["required"]) == set(ChatPartial.model_fields)
    assert {"section", "link", "moment"} <= set(schemas["Source"]["properties"])


def test_ask_answers_exactly_its_model(server):
    body = httpx.post(f"{server}/api/ask", json={"question": PIRIFORMIS}).json()
    answer = AskResponse.model_validate(body)
    assert answer.model_dump(mode="json") == body  # no key lost, none extra
    assert answer.sources and not answer.refused and answer.id


def test_streamed_events_and_refusals_are_exactly_their_models(server):
    with httpx.stream("POST", f"{server}/api/chat", json={"question": PIRIFORMIS}) as response:
        lines = [json.loads(line) for line in response.iter_lines() if line]
    events = [TypeAdapter(ChatEvent).validate_python(line) for line in lines]
    assert [e.model_dump(mode="json") for e in events] == lines
    assert {type(e) for e in events[:-1]} == {ChatPartial} and isinstance(events[-1], ChatFinal)
    refused = httpx.post(f"{server}/api/chat", json={"question": "  "})
    assert refused.status_code == 400
    assert set(refused.json()) == {"error"}  # retry_after only comes with 429
    assert ErrorBody.model_validate(refused.json()).error.startswith("Please type a question")


def test_ask_json_of_the_cli_is_the_documented_subset():
    citation = Citation(1, "file:a.md", "A", None, "Hold  it.", "c1", section="Hips")
    summary = answer_summary(Answer("Hold it. [1]", False, [citation]))
    assert summary == {
        "answer": "Hold it. [1]",
        "refused": False,
        "sources": [
            {"n": 1, "source_id": "file:a.md", "title": "A", "url": None, "quote": "Hold it."}
        ],
        "urgent": False,
    }
