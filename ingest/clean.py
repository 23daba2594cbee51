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
_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f]")  # Unicode's Cc, but the newline
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")


def _key(line: str) -> str:
    return re.sub(r"[^a-z ]", "", line.lower()).strip()


def normalize_text(text: str) -> str:
    """Unicode NFC, plain spaces and newlines, no control or zero-width characters, and lists
    flattened into one line by an export put back on lines of their own."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = _ZERO_WIDTH.sub("", text).replace("\u00a0", " ").replace("\t", " ")
    text = _CONTROL.sub("", text)
    text = unfold_lists(text)
    lines = [re.sub(r" {2,}", " ", line).strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# A list item flattened into running text: a dash with two or more spaces before it
# ("include the following:     - Fever.    - Weight loss."), as health-site exports have it.
_INLINE_ITEM = re.compile(r" {2,}-[ ]+(?=\S)")
_LIST_LINE = re.compile(r"^- ")


def unfold_lists(text: str) -> str:
    """Inline list items on lines of their own ("- Fever."), and the run of the items' words
    that some exports repeat after a list ("- walk - climb stairs. walk climb stairs.") gone."""
    if not _INLINE_ITEM.search(text):
        return text
    lines = _INLINE_ITEM.sub("\n- ", text).split("\n")
    for i in range(len(lines) - 1):
        # The first item often has a single space before its dash ("helps you - walk").
        if _LIST_LINE.match(lines[i + 1]) and not _LIST_LINE.match(lines[i]) and " - " in lines[i]:
            head, item = lines[i].rsplit(" - ", 1)
            lines[i] = f"{head}\n- {item}"
    lines = [x for x in "\n".join(lines).split("\n") if x.strip() != "-"]
    items: list[str] = []
    for i, line in enumerate(lines):
        if not _LIST_LINE.match(line):
            items = []
            continue
        items.append(line[2:])
        lines[i] = _end_of_list(line, items)
    return "\n".join(lines)


def _end_of_list(line: str, items: list[str]) -> str:
    """A list line with what runs on after the list's last item moved to a line of its own
    (the export's spacing tells where: ".   These") and a repeat of the items' words dropped."""
    # An item ends at a full stop, or where the export's spacing starts a sentence without one.
    for stop in re.finditer(r"\.(?= |$)|(?= {2,}[A-Z])", line):
        rest = line[stop.end() :]
        first = items[0].split()[:1]
        echo = None
        if first and rest.split()[:1] == first:  # cheap test before building the pattern
            before = [*items[:-1], line[2 : stop.start()]]
            words = " ".join(x.rstrip(".") for x in before).split()
            echo = re.match(r"\s*" + r"\s+".join(map(re.escape, words)) + r"\.?", rest)
        if echo:
            rest = rest[echo.end() :]
        elif not re.match(r" {2,}\S", rest):
            continue
        head = line[: stop.end()]
        return f"{head}\n{rest.strip()}" if rest.strip() else head
    return line


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
