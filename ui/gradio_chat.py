"""The same chat as a Gradio app at `/gradio`: Gradio's chat UI and its `gradio_client` API.

Answers are Markdown here, so every piece of source text, and the listener's own messages,
are HTML-escaped and their Markdown syntax backslash-escaped before Gradio renders them (Gradio
sanitises HTML as a second guard). It wears the chat page's colours and system fonts.
"""

import html
import re
from collections.abc import Callable, Iterator

import gradio as gr

from assistant import markup
from assistant.answering import Assistant
from assistant.citations import segments
from assistant.links import moment_label
from assistant.prompts import STANDING_NOTE
from assistant.records import Answer
from assistant.settings import Settings
from ui.render import source_link

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_LIST_ITEM = re.compile(r"^\s*(?:[-•*]|\d+[.)])\s+(.*)$")
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]#|~])")
# Listeners answered at once. Gradio's queue runs one event at a time by default, so one long
# answer made everyone else wait; the JSON API has no such limit, and the rate limit still holds.
CONCURRENT_ANSWERS = 8
ACCENT = "#0a7a5a"  # the chat page's accent (ui/static/chat.css)
ACCENT_DARK = "#075c44"
SYSTEM_FONTS = ["system-ui", "-apple-system", "Segoe UI", "Roboto", "sans-serif"]
_ESCAPED = re.compile(r"\\([\\`*_{}\[\]#|~])")


def escape_markdown(text: str) -> str:
    """Text shown literally in Markdown: HTML escaped, Markdown syntax backslash-escaped."""
    return _MD_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))


def unescape_markdown(text: str) -> str:
    """The text `escape_markdown` was given."""
    return html.unescape(_ESCAPED.sub(r"\1", text))


def _web_link(citation) -> str:
    """A citation's link for Markdown: only web links, never `javascript:` and co."""
    link = source_link(citation)
    return link if re.match(r"^(https?://|/)", link) else "#"


def answer_markdown(answer: Answer) -> str:
    """The answer with its `[n]` markers linking to the sources, then the numbered sources with
    their section or moment, quote and link."""
    links = {c.n: _web_link(c) for c in answer.sources}
    lines = (line for line in answer.text.splitlines() if line.strip())
    body = "\n\n".join(_markdown_line(line, links) for line in lines)
    if answer.urgent:
        body = f"**{body}**"
    if not answer.sources:
        return f"{body}\n\n*{escape_markdown(STANDING_NOTE)}*"
    lines = [body, "", "**Sources**", ""]
    for c in answer.sources:
        where = moment_label(c.episode, c.start_seconds) or c.section
        label = f"{c.title} ({where})" if where else c.title
        lines.append(f"{c.n}. [{escape_markdown(label)}]({links[c.n]})")
        lines.append(f"   > {escape_markdown(' '.join(c.quote.split()))}")
    lines += ["", f"*{escape_markdown(STANDING_NOTE)}*"]
    return "\n".join(lines)


def _marker(n: int, links: dict[int, str]) -> str:
    """`[n]` as a link to its source; a number that was not handed out stays plain text."""
    return f"[\\[{n}\\]]({links[n]})" if n in links else f"\\[{n}\\]"


def _inline(text: str, links: dict[int, str]) -> str:
    """Text with its `[n]` markers as links and `**marked**` parts bold; all else literal."""
    out = []
    for i, part in enumerate(_BOLD.split(text)):
        shown = "".join(
            _marker(p, links) if isinstance(p, int) else escape_markdown(p) for p in segments(part)
        )
        out.append(f"**{shown.strip()}** " if i % 2 and shown.strip() else shown)
    return "".join(out).strip()


def _markdown_line(line: str, links: dict[int, str]) -> str:
    """One line of the answer's markup (assistant/markup.py) as Gradio Markdown."""
    if line.startswith(markup.HEADING):
        return "#### " + escape_markdown(line.removeprefix(markup.HEADING))
    if line.startswith(markup.NOTE):
        return "*" + escape_markdown(line.removeprefix(markup.NOTE)) + "*"
    item = _LIST_ITEM.match(line)
    if item:
        return "- " + _inline(item.group(1), links)
    return _inline(line, links)


def history_pairs(
    history: list[dict], turns: int, max_question: int, max_answer: int
) -> list[tuple[str, str]]:
    """Gradio's message list as its last `turns` (question, answer) pairs, each part cut to its
    cap: the client sends this list, so it is bounded here, not trusted."""
    pairs: list[tuple[str, str]] = []
    question = None
    for message in history[-4 * turns :]:  # a turn is a few messages: the last ones suffice
        content = message.get("content")
        text = content if isinstance(content, str) else str(content)
        if message.get("role") == "user":
            question = unescape_markdown(text)  # shown escaped (ListenerTextChat)
        elif question is not None:
            pairs.append((question[:max_question], text[:max_answer]))
            question = None
    return pairs[-turns:] if turns else []


class ListenerTextChat(gr.ChatInterface):
    """Gradio's chat with the listener's own messages shown as typed: a `<img>` or `**` in a
    question is text, never Markdown or HTML."""

    def _message_as_message_dict(self, message, role):
        if role == "user" and isinstance(message, str):
            message = escape_markdown(message)
        return super()._message_as_message_dict(message, role)


def page_options(settings: Settings) -> dict:
    """How the Gradio page looks, for `gr.mount_gradio_app`: the chat's colours, system fonts
    (no web fonts fetched) and no Gradio footer."""
    theme = gr.themes.Base(
        primary_hue=gr.themes.colors.emerald,
        neutral_hue=gr.themes.colors.slate,
        font=SYSTEM_FONTS,
        font_mono=["ui-monospace", "Menlo", "Consolas", "monospace"],
    ).set(
        button_primary_background_fill=ACCENT,
        button_primary_background_fill_hover=ACCENT_DARK,
        button_primary_text_color="#ffffff",
        link_text_color=ACCENT,
        link_text_color_visited=ACCENT,
        link_text_color_hover=ACCENT_DARK,
        color_accent=ACCENT,
        color_accent_soft="#e3f4ee",
    )
    # Gradio's Markdown styles its own links and headings; these carry the chat's accent.
    css = f"h1, .prose a, .message a {{ color: {ACCENT} !important; }}"
    return {"theme": theme, "css": css, "footer_links": []}


def build_gradio_chat(
    assistant: Assistant,
    examples: list[str],
    refuse: Callable[[str, str], str | None],
    settings: Settings,
    history_turns: int,
) -> gr.Blocks:
    """A Gradio ChatInterface over `assistant`; `refuse(client, question)` applies the same
    length check and rate limit as the JSON APIs and returns the message to show instead.
    Gradio sends the whole chat each time, so its history is cut to the caps, not refused."""
    caps = (
        min(history_turns, settings.max_history_turns),
        settings.max_question_chars,
        settings.max_history_answer_chars,
    )

    def respond(message: str, history: list[dict], request: gr.Request) -> Iterator[str]:
        client = request.client.host if request and request.client else "unknown"
        problem = refuse(client, message)
        if problem:
            yield escape_markdown(problem)
            return
        for partial in assistant.stream(message, history_pairs(history, *caps)):
            yield answer_markdown(partial)

    return ListenerTextChat(
        respond,
        chatbot=gr.Chatbot(label="Conversation", show_label=False, scale=1),
        title=settings.title,
        description="Answers come only from the podcast's articles and episodes, with sources.",
        examples=examples,
        cache_examples=False,
        api_name="chat",
        concurrency_limit=CONCURRENT_ANSWERS,
    )
