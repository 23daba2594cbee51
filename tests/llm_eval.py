"""How often the post-check keeps something of the test model's answers (a script, not a test).

    PYTHONPATH=. python tests/llm_eval.py [N]

Serves SmolLM2-135M (tests/llm_server.py) on 127.0.0.1, points an assistant over the shipped
corpus at it the way an owner would (PODCAST_ASSISTANT_LLM, _LLM_BASE_URL, a dummy key, top_k 2),
asks the first N (20) answerable questions of evals/questions.jsonl, and prints for each whether
the post-check kept at least one of the model's sentences, then the model's raw text beside what
the listener was shown for the first answer that kept one.
"""

import json
import os
import sys
import tempfile
import time
from pathlib import Path

from conftest import (
    CORPUS,
    MACHINE_CACHE,
    MODEL_CACHE,
    REPO,
    ingest_folder,
    make_settings,
    share_onnx_cache,
)
from llm_server import TinyModel, chat_server

from assistant.answering import Assistant
from assistant.embedding import load_embedder
from assistant.store import Store


def questions(n: int) -> list[str]:
    rows = [json.loads(line) for line in (REPO / "evals" / "questions.jsonl").open()]
    return [row["question"] for row in rows if row.get("kind") == "answerable"][:n]


def main(n: int = 20) -> None:
    root = Path(tempfile.mkdtemp(prefix="llm-eval-"))
    cache = Path(MODEL_CACHE["PODCAST_ASSISTANT_MODEL_CACHE_DIR"])
    if cache.is_dir():
        share_onnx_cache(root / "data", cache)
    started = time.monotonic()
    # The tests' converted copy of the model, made here if they have not made it yet.
    converted = MACHINE_CACHE / "smollm2"
    with chat_server(lambda: TinyModel(converted)) as server:
        server.model()
        print(f"model loaded in {time.monotonic() - started:.1f} s")
        os.environ.update(
            PODCAST_ASSISTANT_LLM="openai:smollm2-135m",
            PODCAST_ASSISTANT_LLM_BASE_URL=server.base_url,
            PODCAST_ASSISTANT_LLM_API_KEY="dummy",
            PODCAST_ASSISTANT_LLM_TIMEOUT="900",  # a busy machine's prefill is slow
            PODCAST_ASSISTANT_TOP_K="2",
        )
        settings = make_settings(root, CORPUS)
        store = Store(settings)
        embedder = load_embedder(settings)
        ingest_folder(settings, store, embedder)
        assistant = Assistant.from_settings(settings, store=store, embedder=embedder)
        fallbacks: list[str] = []
        extractive = assistant.answerer.fallback

        def fallback(question, passages, seen=frozenset(), repeat_best=False):
            fallbacks.append(question)
            return extractive(question, passages, seen, repeat_best)

        assistant.answerer.fallback = fallback
        kept, shown_example = 0, None
        for question in questions(n):
            before, t = len(fallbacks), time.monotonic()
            server.requests.clear()
            answer = assistant.answer(question)
            if server.requests:  # the server's bookkeeping may end a moment after the client's
                server.requests[-1].done.wait(30)
            raw = server.requests[-1].text if server.requests else ""
            ended = server.requests[-1].ended if server.requests else "not asked"
            ok = ended == "done" and len(fallbacks) == before and not answer.refused
            kept += ok
            verdict = "kept" if ok else "refused" if answer.refused else "extractive"
            print(f"{time.monotonic() - t:5.1f} s  {verdict:10} model: {ended:11}  {question}")
            print(f"          raw: {raw!r}")
            if ok and shown_example is None:
                shown_example = (question, raw, answer.text)
        print(f"\nthe post-check kept at least one sentence in {kept} of {n} answers")
        if shown_example:
            question, raw, text = shown_example
            print(f"\nQUESTION: {question}\n\nMODEL'S RAW TEXT:\n{raw}\n\nSHOWN:\n{text}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
