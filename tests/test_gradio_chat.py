"""The Gradio chat answers several listeners at once."""

import threading
from concurrent.futures import ThreadPoolExecutor

import gradio as gr
from fastapi import FastAPI
from webserver import serve_app

from assistant.records import Answer
from assistant.settings import Settings
from ui.gradio_chat import CONCURRENT_ANSWERS, build_gradio_chat


class WaitsForCompany:
    """An assistant whose answer comes only once two questions are being answered together."""

    def __init__(self) -> None:
        self.together = threading.Barrier(2, timeout=10)

    def stream(self, question: str, history=()):
        self.together.wait()  # broken (an error) if the second question waits in the queue
        yield Answer(text=f"answer to {question}", refused=False, sources=[])


def _chat(assistant) -> gr.Blocks:
    return build_gradio_chat(assistant, [], lambda client, q: None, Settings(), 5)


def test_the_chat_event_runs_more_than_one_at_a_time():
    blocks = _chat(WaitsForCompany())
    limits = [fn.concurrency_limit for fn in blocks.fns.values() if fn.api_name == "chat"]
    assert limits == [CONCURRENT_ANSWERS] and CONCURRENT_ANSWERS > 1


def test_two_listeners_are_answered_at_the_same_time():
    from gradio_client import Client

    app = FastAPI()
    app.get("/healthz")(lambda: {"ok": True})
    app = gr.mount_gradio_app(app, _chat(WaitsForCompany()), path="/gradio")
    with serve_app(app) as url, ThreadPoolExecutor(2) as pool:
        clients = [Client(url + "/gradio/", verbose=False) for _ in range(2)]
        replies = pool.map(lambda c: c[1].predict(f"q{c[0]}", api_name="/chat"), enumerate(clients))
        first, second = replies
        assert first.startswith("answer to q0") and second.startswith("answer to q1")


def test_listener_text_is_shown_as_typed_and_read_back_exactly():
    from ui.gradio_chat import escape_markdown, history_pairs, unescape_markdown

    typed = "<img src=x onerror=alert(1)> **why** [1] # 5 \\ & done_"
    shown = escape_markdown(typed)
    assert "<img" not in shown and "**" not in shown and unescape_markdown(shown) == typed
    chat = _chat(WaitsForCompany())
    (message,) = chat._message_as_message_dict(typed, "user")
    assert message["content"] == shown  # what Gradio renders for the listener's own message
    assert chat._message_as_message_dict("**bold**", "assistant")[0]["content"] == "**bold**"
    history = [message, {"role": "assistant", "content": "An answer."}]
    assert history_pairs(history, 5, 1000, 1000) == [(typed, "An answer.")]


def test_citation_markers_link_to_their_sources():
    from assistant.records import Citation
    from ui.gradio_chat import answer_markdown

    cited = Citation(1, "file:a.md", "Hips", None, "Hold it.", "c1", section="Hinge")
    text = answer_markdown(Answer("Hold it. [1] Not handed out. [7]", False, [cited]))
    assert "Hold it. [\\[1\\]](/sources/file%3Aa.md?chunk=c1#passage)" in text
    assert "Not handed out. \\[7\\]" in text  # a number nobody handed out is no link
    assert "1. [Hips (Hinge)](/sources/" in text
