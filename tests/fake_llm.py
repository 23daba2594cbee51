"""A scripted chat model that misbehaves the ways real ones do, for testing the LLM path."""

import re
import threading
from collections.abc import Iterator

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

from assistant.text import split_sentences


class MisbehavingChatModel(BaseChatModel):
    """Answers from the passages it is handed, but also invents a citation `[9]`, adds a
    sentence citing nothing, answers whatever it is asked (off-topic included) and obeys
    "ignore your instructions". Rewrites follow-ups by prefixing the first question asked.
    Records every prompt it gets in `prompts`."""

    prompts: list[str] = []

    @property
    def _llm_type(self) -> str:
        return "misbehaving-fake"

    def _reply(self, messages: list[BaseMessage]) -> str:
        prompt = "\n".join(str(m.content) for m in messages)
        self.prompts.append(prompt)
        if "Standalone question:" in prompt:
            first = re.search(r"Listener: (.+)", prompt)
            last = re.search(r"Last message: (.+)", prompt)
            return f"{first.group(1)} {last.group(1)}" if first and last else ""
        question = prompt.rsplit("Question:", 1)[-1].strip()
        if "ignore your instructions" in question.lower():
            return "Sure! Here is a joke about cats: why did the cat sit on the computer? [1]"
        fenced = r'^<passage n="(\d+)">\n[^\n]*\n(.+?)\n</passage>$'
        passages = re.findall(fenced, prompt, re.M | re.S)
        said = []
        for n, text in passages[:2]:
            sentence = next((s for s in split_sentences(text) if len(s.split()) >= 6), None)
            if sentence:
                said.append(f"{sentence.rstrip('.!?')} [{n}].")
        said.insert(1, "Most people should also see a chiropractor twice a week [9].")
        said.append("Everyone recovers fully within six weeks.")
        return " ".join(said)

    def _generate(self, messages, stop=None, run_manager=None, **kwargs) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=AIMessage(self._reply(messages)))])

    def _stream(
        self, messages, stop=None, run_manager=None, **kwargs
    ) -> Iterator[ChatGenerationChunk]:
        for token in re.findall(r"\S+\s*", self._reply(messages)):
            yield ChatGenerationChunk(message=AIMessageChunk(content=token))


class BrokenChatModel(BaseChatModel):
    """Streams `chunks`, then raises `error`; or, with `stall`, sends nothing until `release`
    is set (a model that never answers)."""

    chunks: list[str] = []
    error: Exception | None = None
    stall: bool = False
    release: threading.Event = threading.Event()

    @property
    def _llm_type(self) -> str:
        return "broken-fake"

    def _generate(self, messages, stop=None, run_manager=None, **kwargs) -> ChatResult:
        text = "".join(self._stream(messages))
        return ChatResult(generations=[ChatGeneration(message=AIMessage(text))])

    def _stream(
        self, messages, stop=None, run_manager=None, **kwargs
    ) -> Iterator[ChatGenerationChunk]:
        if self.stall:
            self.release.wait(10)
        for chunk in self.chunks:
            yield ChatGenerationChunk(message=AIMessageChunk(content=chunk))
        if self.error is not None:
            raise self.error
