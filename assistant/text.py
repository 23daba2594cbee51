"""Sentence splitting shared by chunking (ingest) and quoting (answers)."""

import re

# A sentence ends at . ! ? or … (plus closing quotes/brackets) before whitespace and a capital,
# digit or opening quote. Lines are always boundaries: headings and paragraphs are lines.
_END = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9])")
_ABBREVIATIONS = frozenset(
    ["e.g", "i.e", "dr", "mr", "mrs", "ms", "prof", "st", "vs", "etc", "ep", "no", "fig"]
    + ["approx", "cf", "al", "jr", "sr", "inc", "ltd"]
)


def _is_abbreviation(line: str, dot: int) -> bool:
    word = re.search(r"([\w.]+)$", line[:dot])
    return bool(word) and word.group(1).lower().rstrip(".") in _ABBREVIATIONS


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences in `text`, whitespace trimmed, in order."""
    spans: list[tuple[int, int]] = []

    def add(start: int, end: int) -> None:
        piece = text[start:end]
        stripped = piece.strip()
        if stripped:
            lead = len(piece) - len(piece.lstrip())
            spans.append((start + lead, start + lead + len(stripped)))

    for line in re.finditer(r"[^\n]+", text):
        start = line.start()
        for end in _END.finditer(text, line.start(), line.end()):
            if text[end.start()] == "." and _is_abbreviation(text, end.start()):
                continue
            add(start, end.end())
            start = end.end()
        add(start, line.end())
    return spans


def split_sentences(text: str) -> list[str]:
    """The sentences of `text`, in order."""
    return [text[a:b] for a, b in sentence_spans(text)]


def normalize_space(text: str) -> str:
    """Collapse runs of whitespace to single spaces (for comparing quotes with sources)."""
    return " ".join(text.split())
