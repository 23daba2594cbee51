"""The chat and source pages as HTML (every piece of text escaped first), and where a citation
links to."""

import functools
import html
import re
from collections.abc import Collection
from pathlib import Path
from string import Template
from urllib.parse import quote

from assistant.links import moment_url, web_url
from assistant.records import Citation

STATIC_DIR = Path(__file__).resolve().parent / "static"
# A paragraph: text up to a blank line (its own line breaks kept).
_PARAGRAPH = re.compile(r"(?:[^\n]|\n(?![ \t]*\n))+")
_COLOR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")


@functools.cache
def read_static(name: str) -> str:
    """The text of one file in ui/static (read once per process)."""
    return (STATIC_DIR / name).read_text(encoding="utf-8")


def safe_color(color: str | None) -> str:
    """`color` if it is a #rgb or #rrggbb colour, else empty (the page's own colour)."""
    return color if color and _COLOR.match(color) else ""


def source_link(citation: Citation) -> str:
    """Where a citation points: the moment in the episode (`#t=754`) for a transcript passage,
    the episode or article URL, else our page for the source."""
    link = moment_url(web_url(citation.url), web_url(citation.audio_url), citation.start_seconds)
    if link:
        return link
    return f"/sources/{quote(citation.source_id, safe='')}?chunk={quote(citation.chunk_id)}#passage"


def chat_page(
    *, title: str, examples: list[str], max_chars: int, compact: bool, color: str | None
) -> str:
    """The chat page (`/`), or its compact form for an iframe (`/embed`)."""
    buttons = "".join(
        f'<li><button type="button" class="example">{html.escape(q)}</button></li>'
        for q in examples
    )
    return Template(read_static("chat.html")).substitute(
        title=html.escape(title),
        mode="compact" if compact else "full",
        color=safe_color(color),
        max_chars=int(max_chars),
        examples=buttons,
    )


def _marked(text: str, offset: int, start: int | None, end: int | None, first: bool) -> str:
    """One paragraph (at `offset` in the source) escaped, its part of `start`..`end` marked."""
    if start is None or end is None or end <= offset or start >= offset + len(text):
        return html.escape(text)
    a, b = max(start - offset, 0), min(end - offset, len(text))
    anchor = ' id="passage"' if first else ""
    return (
        html.escape(text[:a])
        + f"<mark{anchor}>{html.escape(text[a:b])}</mark>"
        + html.escape(text[b:])
    )


def source_page(
    title: str,
    text: str,
    start: int | None,
    end: int | None,
    headings: Collection[str] = (),
) -> str:
    """A whole source as a page: paragraphs, the lines in `headings` as headings (a line that
    repeats the title is dropped), the cited passage (chars `start`..`end`) marked in every
    paragraph it spans, the first mark the page's `#passage` anchor."""
    if not (start is not None and end is not None and 0 <= start < end <= len(text)):
        start = end = None
    parts, marked = [], False
    for match in _PARAGRAPH.finditer(text):
        paragraph = match.group().strip()
        if not paragraph or (not parts and paragraph == title.strip()):
            continue
        offset = match.start() + len(match.group()) - len(match.group().lstrip())
        inner = _marked(paragraph, offset, start, end, first=not marked)
        marked = marked or "<mark" in inner
        is_heading = paragraph in headings and "\n" not in paragraph
        parts.append(f"<h2>{inner}</h2>" if is_heading else f"<p>{inner}</p>")
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{html.escape(title)}</title>"
        "<link rel='stylesheet' href='/static/source.css'></head><body><main>"
        f"<p><a href='/'>&larr; Back to the chat</a></p><h1>{html.escape(title)}</h1>"
        f"{''.join(parts)}</main></body></html>"
    )
