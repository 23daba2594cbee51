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
