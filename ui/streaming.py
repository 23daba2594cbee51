"""Streamed answers that stop when the listener leaves.

Starlette runs a streamed response's iterator a step at a time on a worker thread, and on
`http.disconnect` cancels the response, but a step already running (a model writing a sentence
the post-check then drops, say) would run to its end, and the model with it. Here the wait for
a step is abandoned at once, and an event (`STOP`, seen by the LLM answerer's reader within a
tenth of a second) tells the step to stop reading the model, which closes its connection.
"""

import threading
from collections.abc import AsyncIterator, Iterator

import anyio

from assistant.answering.llm import STOP

_DONE = object()


async def until_gone(lines: Iterator[str]) -> AsyncIterator[str]:
    """`lines`, each produced on a worker thread; when the stream ends early (the client went
    away, or the server is shutting down), the answer being produced stops."""
    gone = threading.Event()
    # Set in this response's own context (a copy per task), so only its steps see it; each
    # step's thread gets a copy of this context, and with it the event.
    STOP.set(gone)
    try:
        while True:
            line = await anyio.to_thread.run_sync(next, lines, _DONE, abandon_on_cancel=True)
            if line is _DONE:
                return
            yield line
    finally:
        gone.set()
