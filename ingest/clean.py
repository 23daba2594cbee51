"""Clean text: normalised whitespace, no page furniture (share bars, related posts, comments)."""

import logging
import re
import unicodedata

from assistant.links import web_url

log = logging.getLogger(__name__)

# Whole lines that are navigation or calls to action on the podcast's pages, never content.
FURNITURE_LINES = frozenset(
    {
        "watch the podcast",
        "listen to the podcast",
        "watch the video",
        "listen now",
        "share this",
        "share this article",
        "share this post",
        "subscribe",
        "read more",
        "previous post",
        "next post",
        "table of contents",
    }
)
# Headings after which the rest of a page is furniture: related links, comment threads.
TAIL_MARKERS = frozenset(
    {
        "related articles",
        "related posts",
        "you may also like",
        "responses",
        "comments",
        "leave a reply",
        "leave a comment",
    }
)
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")


def _key(line: str) -> str:
    return re.sub(r"[^a-z ]", "", line.lower()).strip()


def normalize_text(text: str) -> str:
    """Unicode NFC, plain spaces and newlines, no control or zero-width characters."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = _ZERO_WIDTH.sub("", text).replace("\u00a0", " ").replace("\t", " ")
    text = "".join(ch for ch in text if ch == "\n" or unicodedata.category(ch) != "Cc")
    lines = [re.sub(r" {2,}", " ", line).strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


TITLE_MAX_CHARS = 150  # at most ~150 model tokens: room is left for the passage in a chunk


def cut_title(title: str, max_chars: int = TITLE_MAX_CHARS) -> str:
    """`title` on one line, cut at a word boundary with "…" when longer than `max_chars` (a
    page whose title is a whole paragraph still gets chunks that fit the model)."""
    title = " ".join(title.split())
    if len(title) <= max_chars:
        return title
    head = title[: max_chars - 1]
    if " " in head and not title[max_chars - 1].isspace():
        head = head.rsplit(" ", 1)[0]
    return head.rstrip(" ,;:-–—") + "…"


def strip_furniture(text: str, title: str | None = None) -> str:
    """Drop the title line, furniture lines, and everything after a related-posts/comments heading.

    A tail marker only cuts in the second half of a page, so a real section called
    "Comments" early in an article survives.
    """
    lines = normalize_text(text).split("\n")
    if title and lines and _key(lines[0]) == _key(title):
        lines = lines[1:]
    kept: list[str] = []
    total = sum(len(line) for line in lines) or 1
    seen = 0
    for line in lines:
        seen += len(line)
        key = _key(line)
        if key in TAIL_MARKERS and seen / total > 0.5:
            break
        if key in FURNITURE_LINES:
            continue
        kept.append(line)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()


_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_MARKS = re.compile(r"(\*\*|__|`)")


def markdown_to_text(text: str) -> tuple[str, str | None]:
    """Plain text of a Markdown document and its first `#` heading (the title), if any."""
    title = None
    out = []
    for line in text.replace("\r\n", "\n").split("\n"):
        heading = re.match(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$", line)
        if heading:
            line = heading.group(1)
            if title is None:
                title = line
        line = re.sub(r"^\s{0,3}(?:[-*+]|\d+[.)])\s+", "", line)  # list markers
        line = re.sub(r"^\s{0,3}>\s?", "", line)  # block quotes
        out.append(_MD_MARKS.sub("", _MD_LINK.sub(r"\1", line)))
    return "\n".join(out), title


def web_link(value: object, what: str, origin: str) -> str | None:
    """`value` if it is an http(s) link, else None with a warning: a `javascript:` or `data:`
    URL from a sidecar or a feed must never be stored, let alone shown as a link."""
    if value is None or value == "":
        return None
    url = web_url(value)
    if url is None:
        log.warning("%s: %s %r is not an http(s) link; dropped", origin, what, str(value)[:60])
    return url
