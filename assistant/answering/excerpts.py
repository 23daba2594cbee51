"""An excerpt: a passage's own consecutive sentences around the one that answers, in order,
with list lines kept as lines, its section heading above it and the answering sentences marked.

Sentences are never taken out of their place: a sentence that leans on the one before it
("This…", "Which is why…") brings that one along, a list announced with a colon brings its
items, and a sentence that turns the thought ("But…", "However…") right after the window is
kept, so an excerpt does not say the opposite of its page. An excerpt short of its length is
rounded out from its own paragraph first (in a transcript, the speaker's turn), not from the
next one, which often starts another subject.
"""

import re
from dataclasses import dataclass

from assistant import markup
from assistant.records import Chunk
from assistant.text import sentence_spans

# Openers that lean on the sentence before: quoted alone they dangle.
_LEANS_BACK = re.compile(
    r"^(?:this|that|these|those|it|its|they|them|which|so|thus|hence|therefore|also|and|"
    r"but|or|then|here|there|such|both|another|again|however|because|as a result|"
    r"(?:as|when|if|since|once|while|after|before|until) (?:they|it|this|that|these|those))\b",
    re.I,
)
# Openers that turn or finish the thought of the sentence before.
_TURNS = re.compile(
    r"^(?:but|however|instead|yet|that said|actually|in fact|rather|although|though|"
    r"the (?:truth|reality|problem) is)\b",
    re.I,
)
_CREDIT = re.compile(r"^[A-Z]{2,6}: [A-Z][^.!?]*$")
_LIST_ITEM = re.compile(r"^\s*(?:[-•*]|\d+[.)])\s+")
_INLINE_ITEM = re.compile(r" [-•] ")  # a list run into a line: "…bone loss. - Pills can…"
_HEADING_MAX_WORDS = 12
MIN_EXCERPT_WORDS = 80  # an excerpt shorter than this takes the sentences after it
MAX_UNITS = 7  # sentences or list lines in one excerpt at most
MAX_WORDS = 160
LIST_ITEM_SHARE = 1 / 3
MIN_REPEAT = 20  # characters a sentence needs to count as said again ("Yes." may well be)


@dataclass(frozen=True)
class Unit:
    """A sentence or list line of a chunk: where it is, and whether it is a heading line."""

    start: int
    end: int
    text: str
    heading: bool
    paragraph: int  # units of one paragraph share it
    # Its pieces long enough to count as said again (see `_repeats`), made once per unit.
    said: frozenset[str] = frozenset()


def units(chunk: Chunk) -> list[Unit]:
    """The sentences and lines of a chunk, headings flagged."""
    text = chunk.text
    found: list[Unit] = []
    paragraph = 0
    spoken = chunk.kind == "transcript"  # a transcript has no headings of its own
    for a, b in sentence_spans(text):
        piece = text[a:b]
        if found and "\n" in text[found[-1].end : a]:
            paragraph += 1
        whole_line = (a == 0 or text[a - 1] == "\n") and (b == len(text) or text[b] == "\n")
        # A credit line ("NIH: National Cancer Institute") names who wrote the page: like a
        # heading, it closes an excerpt rather than being quoted as if it said something.
        # In a transcript a short turn ("Right") is speech, not a heading.
        heading = (
            whole_line
            and (_is_section(piece, chunk.section) if spoken else is_heading(piece, chunk.section))
        ) or bool(_CREDIT.match(piece))
        found.append(Unit(a, b, piece, heading, paragraph, _said(piece)))
    return found


def is_heading(line: str, section: str | None) -> bool:
    """A line that names a section rather than says something."""
    if _is_section(line, section):
        return True
    words = line.split()
    if _LIST_ITEM.match(line):
        return False
    return 0 < len(words) <= _HEADING_MAX_WORDS and not re.search(r"[.!?:;,\"”'’)]$", line)


def _is_section(line: str, section: str | None) -> bool:
    return bool(section) and " ".join(line.split()) == " ".join(section.split())


def window(found: list[Unit], best: int, marked: set[int]) -> tuple[int, int]:
    """The [first, last] unit indexes of the excerpt around unit `best`."""
    first = last = best
    while first > 0 and _LEANS_BACK.match(found[first].text) and not found[first - 1].heading:
        first -= 1
    # Another marked sentence comes along when the excerpt can hold both, so the two
    # sentences that answer best are quoted together rather than one of them left out.
    near = [
        i
        for i in sorted(marked)
        if _units(found, min(i, first), max(i, best)) <= MAX_UNITS
        and _words(found, min(i, first), max(i, best)) <= MAX_WORDS
        and not any(found[j].heading for j in range(min(i, first), max(i, best) + 1))
        and not _repeats(found, min(i, first), max(i, best))
    ]
    first, last = min([first, *near]), max([last, *near])
    keep_from = first
    if _leads_into_list(found, last):
        # A list follows: keep its items (a list without its items, or cut short, misleads).
        while (
            last + 1 < len(found)
            and not found[last + 1].heading
            and _units(found, first, last) < MAX_UNITS
            and not _repeats(found, first, last + 1)
        ):
            last += 1
            if _in_list(found, last) and not _in_list(found, last + 1):
                break  # the list's last item
    first, last = _rounded(found, first, last, same_paragraph=True)
    first, last = _rounded(found, first, last, same_paragraph=False)
    while first < best and _LEANS_BACK.match(found[first].text):
        first += 1  # an opener with nothing before it to lean on would dangle
    first = _outside_list(found, first, best)
    # Trimming the front stops at what the answer needs, a list's lead-in included.
    keep_from = min(keep_from, _outside_list(found, keep_from, best))
    if (
        last + 1 < len(found)
        and _TURNS.match(found[last + 1].text)
        and not _repeats(found, first, last + 1)
    ):
        last += 1
    while _units(found, first, last) > MAX_UNITS or _words(found, first, last) > MAX_WORDS:
        if first < keep_from:
            # The sentences before the answer only round it out; what follows it finishes
            # it ("Treatments include…" after "Doctors diagnose…", a list's last items).
            first += 1
            while first < keep_from and (
                _LEANS_BACK.match(found[first].text) or _in_list(found, first)
            ):
                first += 1
        elif last > best:
            last -= 1
        else:
            break
    while last > best and last + 1 < len(found) and _announces(found[last]):
        last -= 1  # a lead-in whose words are left out ("Here's what I tell people:") says nothing
    last = _before_cut_list(found, best, last)
    return _filled_back(found, first, last), last


def _filled_back(found: list[Unit], first: int, last: int) -> int:
    """Where an excerpt still short of MIN_EXCERPT_WORDS starts instead: on the sentences before
    it in its paragraph, within the budget (what followed it was cut, a list too long to
    quote, or it ran into the paragraph's end or a repeat)."""
    start = first
    while (
        start > 0
        and _words(found, start, last) < MIN_EXCERPT_WORDS
        and _joins(found, start, start - 1, same_paragraph=True)
        and not _in_list(found, start - 1)
        and not _repeats(found, start - 1, last)
        and _units(found, start - 1, last) <= MAX_UNITS
        and _words(found, start - 1, last) <= MAX_WORDS
    ):
        start -= 1
    while start < first and _LEANS_BACK.match(found[start].text):
        start += 1  # an opener with nothing before it to lean on would dangle
    return start


def _leads_into_list(found: list[Unit], i: int) -> bool:
    """Whether a list starts or goes on after unit `i` (its lead-in ends in ":", or an item
    comes next)."""
    return _announces(found[i]) or _in_list(found, i + 1)


def _announces(unit: Unit) -> bool:
    """Whether `unit` is a lead-in ending in ":" (what it announces follows it)."""
    return unit.text.rstrip().endswith(":")


def _rounded(found: list[Unit], first: int, last: int, same_paragraph: bool) -> tuple[int, int]:
    """[first, last] grown to MIN_EXCERPT_WORDS: the sentences after round out the point, and at
    a section's end the sentences before do (and what they lean on). `same_paragraph` keeps to
    the paragraph (a speaker's turn, in a transcript) the excerpt ends or starts in."""
    last = _rounded_on(found, first, last, same_paragraph)
    if same_paragraph and _announces(found[last]):
        # What a lead-in announces comes with it, wherever it stands ("Here's what I tell
        # people:" and, after the host's "Mm-hmm.", the advice).
        last = _rounded_on(found, first, last, same_paragraph=False)
    while (
        first > 0
        and _joins(found, first, first - 1, same_paragraph)
        and not _repeats(found, first - 1, last)
        and (_words(found, first, last) < MIN_EXCERPT_WORDS or _LEANS_BACK.match(found[first].text))
        # Within the budget: what it cannot hold would only be trimmed off again, after the
        # sentences beyond the answer (or a list's end) had been passed over for it.
        and (_units(found, first - 1, last) <= MAX_UNITS or not same_paragraph)
    ):
        first -= 1
    return first, last


def _rounded_on(found: list[Unit], first: int, last: int, same_paragraph: bool) -> int:
    """Where [first, last] ends once the sentences after it round it out (see `_rounded`)."""
    given = last
    while (
        last + 1 < len(found)
        and _joins(found, last, last + 1, same_paragraph)
        and not _repeats(found, first, last + 1)
        and (
            _words(found, first, last) < MIN_EXCERPT_WORDS
            # A list the excerpt has reached comes whole ("…if you" and its items).
            or (_in_list(found, last + 1) and _units(found, first, last) < MAX_UNITS)
        )
    ):
        last += 1
    if last + 1 < len(found) and _repeats(found, first, last + 1):
        # A page that says its words again often heads the copy with a label ("Genetics."):
        # the excerpt ends before the label too.
        while last > given and len(found[last].text) < MIN_REPEAT:
            last -= 1
    return last


def _joins(found: list[Unit], a: int, b: int, same_paragraph: bool) -> bool:
    """Whether unit `b` can join an excerpt at its unit `a`: never a heading, and with
    `same_paragraph` only from a's own paragraph (a list's items stand on lines of their own,
    yet they belong to their lead-in)."""
    near = found[a].paragraph == found[b].paragraph or (
        b == a + 1 and _in_list(found, b) and _leads_into_list(found, a)
    )
    return not found[b].heading and (not same_paragraph or near)


def _repeats(found: list[Unit], first: int, last: int) -> bool:
    """Whether words stand twice in [first, last]: a page that repeats itself (a list then the
    same words as prose, "- Item. Item." run into one line, a pull quote) is quoted with each
    sentence once."""
    seen: set[str] = set()
    for i in range(first, last + 1):
        if found[i].said & seen:
            return True
        seen |= found[i].said
    return False


def _said(text: str) -> frozenset[str]:
    """A unit's sentence, or the items a list run into one line holds, that are long enough to
    count as said again, spacing folded."""
    spaced = " ".join(_LIST_ITEM.sub("", text).split())  # one space: a linear split
    return frozenset(p.strip() for p in _INLINE_ITEM.split(spaced) if len(p.strip()) >= MIN_REPEAT)


def _before_cut_list(found: list[Unit], best: int, last: int) -> int:
    """Where an excerpt cut inside a list (or right after its lead-in) ends instead: before
    the lead-in, when that keeps the answering sentence; a list cut short reads as whole."""
    if not _in_list(found, last + 1):
        return last
    lead = last
    while lead > best and _in_list(found, lead):
        lead -= 1
    if lead <= best or _TURNS.match(found[lead].text):
        return last  # the answer, or a turn of the thought ("However, …:"), needs the list
    return lead - 1


def _outside_list(found: list[Unit], first: int, best: int) -> int:
    """Where an excerpt that would open inside a list opens instead: at the list's lead-in
    ("Other causes are"), or, where the chunk starts mid-list, after the list."""
    if not _in_list(found, first):
        return first
    lead = first
    while lead > 0 and _in_list(found, lead - 1):
        lead -= 1
    if lead > 0 and not found[lead - 1].heading:
        return lead - 1
    while first < best and _in_list(found, first):
        first += 1
    return first


def _item(found: list[Unit], i: int) -> bool:
    """Whether unit `i` opens a list item."""
    return 0 <= i < len(found) and bool(_LIST_ITEM.match(found[i].text))


def _line_start(found: list[Unit], i: int) -> int:
    while i > 0 and found[i - 1].paragraph == found[i].paragraph:
        i -= 1
    return i


def _in_list(found: list[Unit], i: int) -> bool:
    """Whether unit `i` is in a list: on a line that opens with a list marker (an item can hold
    more than one sentence) next to another such line or after a lead-in ending in ":". A lone
    paragraph that happens to open with "- " is prose."""
    if not 0 <= i < len(found) or not _item(found, start := _line_start(found, i)):
        return False
    after = next(
        (j for j in range(i + 1, len(found)) if found[j].paragraph != found[i].paragraph), None
    )
    return (
        start > 0 and (_item(found, _line_start(found, start - 1)) or _announces(found[start - 1]))
    ) or (after is not None and _item(found, after))


def _units(found: list[Unit], first: int, last: int) -> float:
    """How much of the excerpt's unit budget [first, last] takes: a list item, a few words on
    a line, counts for a third of a sentence."""
    return sum(LIST_ITEM_SHARE if _item(found, i) else 1 for i in range(first, last + 1))


def _words(found: list[Unit], first: int, last: int) -> int:
    return sum(len(found[i].text.split()) for i in range(first, last + 1))


def render(chunk: Chunk, found: list[Unit], span: tuple[int, int], marked: set[int]) -> str:
    """The excerpt as answer text: heading line, then the units as the source lays them out
    (a line break where the source has one), the marked ones in bold."""
    first, last = span
    lines: list[str] = []
    if chunk.section and not any(found[i].heading for i in range(first, last + 1)):
        lines.append(markup.heading(chunk.section))
    current = ""
    for i in range(first, last + 1):
        unit = found[i]
        piece = markup.bold(unit.text) if i in marked else unit.text
        if unit.heading:
            piece = markup.heading(unit.text)
        if current and "\n" in chunk.text[found[i - 1].end : unit.start]:
            lines.append(current)
            current = ""
        current = f"{current} {piece}" if current else piece
        if unit.heading:
            lines.append(current)
            current = ""
    if current:
        lines.append(current)
    return "\n".join(lines)


def quote(chunk: Chunk, found: list[Unit], span: tuple[int, int]) -> str:
    """The excerpt's words exactly as they stand in the chunk (and so in its source)."""
    return chunk.text[found[span[0]].start : found[span[1]].end]
