"""How excerpts appear in an answer's text: a light Markdown the chat page, the widget, Gradio
and the terminal all read.

An extractive answer is one to three excerpts separated by a blank line, after a note line
(`> …`) when the question names something the podcast never mentions. An excerpt may open
with its section heading on a line of its own (`### Heading`); then come the source's own
consecutive sentences and list lines, verbatim, with the ones that carry the answer wrapped in
`**…**`; the excerpt ends with its citation marker (`[1]`). Nothing else is added, so removing
the markup gives back text that stands verbatim in the cited source.
"""

import re

HEADING = "### "
NOTE = "> "  # a line the assistant says about the excerpts, not a quote
_BOLD = re.compile(r"\*\*(.+?)\*\*", re.S)


def heading(text: str) -> str:
    """A heading line for an excerpt."""
    return HEADING + " ".join(text.split())


def note(text: str) -> str:
    """A line of the assistant's own (a label above the excerpts), not a quote."""
    return NOTE + " ".join(text.split())


def bold(text: str) -> str:
    """`text` marked as carrying the answer."""
    return f"**{text}**"


def unmarked(text: str) -> str:
    """`text` without bold marks."""
    return _BOLD.sub(r"\1", text)


def marked(text: str) -> list[str]:
    """The passages of `text` marked as carrying the answer, in order, marks removed."""
    return _BOLD.findall(text)


def body_lines(excerpt: str) -> list[str]:
    """An excerpt's lines of quoted text: heading and note lines left out, marks removed."""
    return [unmarked(line) for line in excerpt.splitlines() if not line.startswith((HEADING, NOTE))]


def plain(text: str) -> str:
    """An answer's words as a reader sees them: headings and notes kept as text, marks removed."""
    lines = [line.removeprefix(HEADING).removeprefix(NOTE) for line in text.splitlines()]
    return unmarked("\n".join(lines))
