"""Listeners' text made safe for the owner's terminal: `report` prints questions anyone could
have typed, so escape sequences (clear screen, colours, OSC 8 links, window titles) and other
control and invisible characters are taken out, and long questions are cut."""

import re
import unicodedata

MAX_SHOWN_CHARS = 200  # of one question in `report`; the rest is "…"

# ESC sequences and their 8-bit (C1) forms: CSI ("ESC [ … m", "ESC [ 2 J"); OSC, DCS, SOS, PM
# and APC strings up to their terminator (BEL or ST), or to the end when a listener left it
# open; any other ESC plus its intermediate and final bytes.
_ESCAPES = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f]).*?(?:\x07|\x1b\\|\x9c|\Z)"
    r"|\x1b[ -/]*[0-~]?",
    re.S,
)
# Characters that draw nothing or move the cursor: controls, formats (zero-width, bidi
# overrides), line and paragraph separators, private use, surrogates, unassigned.
_INVISIBLE = frozenset({"Cc", "Cf", "Zl", "Zp", "Co", "Cs", "Cn"})
# Inside a JSON string these are legal but can still act on a terminal or reorder the line.
_JSON_UNSAFE = re.compile(r"[\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")


def printable(text: str, limit: int = MAX_SHOWN_CHARS) -> str:
    """`text` as one plain line: escape sequences and invisible characters removed, whitespace
    collapsed, cut to `limit` characters; a question of only invisible characters is shown as
    such, by its code points."""
    without = _ESCAPES.sub("", text)
    visible = "".join(
        " " if ch.isspace() else ch
        for ch in without
        if ch.isspace() or unicodedata.category(ch) not in _INVISIBLE
    )
    line = " ".join(visible.split())
    if not line:
        points = sorted({f"U+{ord(ch):04X}" for ch in text})
        shown = ", ".join(points[:5]) + (", …" if len(points) > 5 else "")
        return f"(only invisible characters: {len(text)} of {shown})"
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def json_for_terminal(dumped: str) -> str:
    """JSON text (from `json.dumps(..., ensure_ascii=False)`) with C1 controls, zero-width and
    bidi characters written as `\\uXXXX` escapes: the same JSON, harmless when printed."""
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", dumped)
