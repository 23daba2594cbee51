"""What a question asks of its subject (its treatment, cause, outlook…) and what a heading
says its passage tells of one: the sections of a page share their subject, so the subject
words that decide a passage's relevance cannot tell them apart, and this can."""

import re

# Cue words, as a question asks and as a heading names: "how is it treated" and "What are the
# treatments for …", "will it ever go away" and "What is the outlook for …". No "why" (asked
# as often of a reason given as of a cause: "why does it matter so much"), no diagnosis
# ("after a bone scan" tells what the listener had done more often than it asks) and no
# "avoid" ("what should I avoid with osteoporosis" asks what is safe, not how to prevent it).
_CUES = {
    "treatment": r"treat\w*|cures?|cured|help(?:s|ed)?(?! (?:me|us) (?:understand|know))"
    r"|fix(?:es|ed)?|reliev\w*|relief|remed(?:y|ies)|therap(?:y|ies)"
    r"|manag(?:e|es|ed|ing|ement)|get rid|what (?:can|should|do) (?:i|you|we) do|to do for",
    "cause": r"caus\w*|reasons?|trigger(?:s|ed)?|going on",
    "symptoms": r"symptoms?|signs?",
    "prevention": r"prevent\w*|stop it (?:coming back|happening)|happening again",
    "outlook": r"outlook|prognosis|go away|get better|permanent|recover\w*",
    "risk": r"at risk|risk factors?|who gets",
}
_PATTERNS = {aspect: re.compile(rf"\b(?:{cue})\b", re.I) for aspect, cue in _CUES.items()}


def aspects(text: str) -> frozenset[str]:
    """The aspects of a subject that `text` names ("treatment", "outlook"…)."""
    spaced = " ".join(text.split())  # the cues' phrases are written with one space
    return frozenset(aspect for aspect, cue in _PATTERNS.items() if cue.search(spaced))


def own_heading(title: str | None, section: str | None) -> str:
    """The heading that says what one passage tells: its section's; else a title that asks a
    question ("What are the treatments for …?"), which a record answers. Another title (a
    page's, an episode's) heads the whole source, and says nothing of one part of it."""
    if section:
        return section
    return title if title and title.rstrip().endswith("?") else ""
