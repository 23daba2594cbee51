"""What a question asks of its subject (its treatment, cause, outlook…) and what a heading
says its passage tells of one: the sections of a page share their subject, so the subject
words that decide a passage's relevance cannot tell them apart, and this can."""

import re

# Cue words, as a question asks and as a heading names: "how is it treated" and "What are the
# treatments for …", "will it ever go away" and "What is the outlook for …". No "why" (asked
# as often of a reason given as of a cause: "why does it matter so much") and no diagnosis
# ("after a bone scan" tells what the listener had done more often than it asks).
_CUES = {
    "treatment": r"treat\w*|cures?|cured|helps?|fix|fixes|relieve|relief|remed\w+|therap\w+"
    r"|manag\w+|get rid|what (?:can|should|do) (?:i|you|we) do|to do for",
    "cause": r"caus\w*|reasons?|triggers?|going on",
    "symptoms": r"symptoms?|signs?",
    "prevention": r"prevent\w*|avoid\w*|stop it (?:coming back|happening)|happening again",
    "outlook": r"outlook|prognosis|go away|get better|permanent|recover\w*|chances",
    "risk": r"at risk|risks?|who gets",
}
_PATTERNS = {aspect: re.compile(rf"\b(?:{cue})\b", re.I) for aspect, cue in _CUES.items()}


def aspects(text: str) -> frozenset[str]:
    """The aspects of a subject that `text` names ("treatment", "outlook"…)."""
    return frozenset(aspect for aspect, cue in _PATTERNS.items() if cue.search(text))
