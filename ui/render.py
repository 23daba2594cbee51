"""Answers and sources as Markdown and HTML; every piece of source text is escaped first."""

import html
import re
from urllib.parse import quote

from assistant.links import moment_label, moment_url
from assistant.records import Answer, Citation

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]#|~])")


def escape_markdown(text: str) -> str:
    """Text shown literally in Markdown: HTML escaped, Markdown syntax backslash-escaped."""
    return _MD_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))


def source_link(citation: Citation) -> str:
    """Where a citation points: the moment in the episode (`#t=754`) for a transcript passage,
    the episode or article URL, else our page for the source."""
    if citation.url:
        if citation.start_seconds is not None and "#" not in citation.url:
            return moment_url(citation.url, None, citation.start_seconds) or citation.url
        return citation.url
    return f"/sources/{quote(citation.source_id, safe='')}?chunk={quote(citation.chunk_id)}#passage"


def answer_markdown(answer: Answer) -> str:
    """The answer with its `[n]` markers, then the numbered sources with quote and link."""
    body = escape_markdown(answer.text)
    body = re.sub(r"\\\[(\d+)\\\]", r"[\1]", body)  # keep citation markers readable
    if not answer.sources:
        return body
    lines = [body, "", "**Sources**", ""]
    for c in answer.sources:
        moment = moment_label(c.episode, c.start_seconds)
        label = f"{c.title} ({moment})" if moment else c.title
        lines.append(f"{c.n}. [{escape_markdown(label)}]({source_link(c)})")
        lines.append(f"   > {escape_markdown(' '.join(c.quote.split()))}")
    return "\n".join(lines)


def source_page(title: str, text: str, start: int | None, end: int | None) -> str:
    """A whole source as a page, the cited passage (chars `start`..`end`) marked."""
    if start is not None and end is not None and 0 <= start < end <= len(text):
        before, passage, after = text[:start], text[start:end], text[end:]
        body = (
            html.escape(before)
            + f'<mark id="passage">{html.escape(passage)}</mark>'
            + html.escape(after)
        )
    else:
        body = html.escape(text)
    paragraphs = "".join(f"<p>{p}</p>" for p in body.split("\n\n"))
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{html.escape(title)}</title><style>"
        "body{font-family:system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem;"
        "line-height:1.6;color:#222}mark{background:#fff3b0;padding:.1em 0}"
        "p{white-space:pre-line}</style></head><body>"
        f"<p><a href='/'>&larr; Back to the chat</a></p><h1>{html.escape(title)}</h1>"
        f"{paragraphs}</body></html>"
    )
