"""How excerpts appear in an answer's text: a light Markdown the chat page, the widget, Gradio
and the terminal all read.

An extractive answer is one to three excerpts separated by a blank line. An excerpt may open
with its section heading on a line of its own (`### Heading`); then come the source's own
consecutive sentences and list lines, verbatim, with the ones that carry the answer wrapped in
`**…**`; the excerpt ends with its citation marker (`[1]`). Nothing else is added, so removing
the markup gives back text that stands verbatim in the cited source.
"""

import re

HEADING = "### "
_BOLD = re.compile(r"\*\*(.+?)\*\*", re.S)


def heading(text: str) -> str:
    """A heading line for an excerpt."""
    return HEADING + " ".join(text.split())


def bold(text: str) -> str:
    """`text` marked as carrying the answer."""
    return f"**{text}**"


def unmarked(text: str) -> str:
    """`text` without bold marks."""
    return _BOLD.sub(r"\1", text)


def body_lines(excerpt: str) -> list[str]:
    """An excerpt's lines of quoted text: its heading line left out, bold marks removed."""
    return [unmarked(line) for line in excerpt.splitlines() if not line.startswith(HEADING)]


def plain(text: str) -> str:
    """An answer's words as a reader sees them: headings kept as text, marks removed."""
    lines = [line.removeprefix(HEADING) for line in text.splitlines()]
    return unmarked("\n".join(lines))
