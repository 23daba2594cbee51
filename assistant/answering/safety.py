"""Red-flag check: symptoms that need a doctor today, not an exercise, caught before retrieval.

The check is a set of patterns (`red_flag_patterns`) over a normalised question, read in context.
Normalising folds look-alike letters from other scripts, case, apostrophes ("cant" = "can't") and
misspellings of the key words ("bladdder", "incontinance") onto their spelling, so paraphrases
and typos match without one exact string. A misspelling is only corrected when it is not itself
an English word (the embedder's vocabulary decides), so "fewer" never becomes "fever".

A match is then read in its clause: a negated mention ("no fever", "never had cancer"), an
acute event in the distant or resolved past ("car accident 10 years ago, fine since") and a
general question with no first person in it ("can liver cancer be seen on an upper GI?") are
not urgent. A history of cancer stays urgent when past, as long as back pain comes with it.
"""

import logging
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz.distance import DamerauLevenshtein
from rapidfuzz.process import extractOne

from assistant.answering.red_flag_patterns import KEY_WORDS, NEEDS_PAIN, PAST_STILL_COUNTS, PATTERNS
from assistant.embedding.packaged import vocabulary_words

log = logging.getLogger(__name__)

# Only this much of a text is read: questions are capped upstream, but a follow-up joined with
# earlier turns is not, and the check must stay linear and bounded whatever arrives.
MAX_CHECKED_CHARS = 4_000
_KEY_WORDS_SORTED = sorted(KEY_WORDS)  # ties in the correction go to the first in this order
_MAX_MATCHES = 20  # dismissed mentions of one flag looked past before giving up on it

# Cyrillic and Greek letters that look like Latin ones ("blаdder" with a Cyrillic а).
_LOOKALIKES = (
    "аa еe оo рp сc уy хx іi јj ѕs ԁd ɡg ԛq ԝw һh ӏl "
    "АA ВB ЕE КK МM НH ОO РP СC ТT ХX УY ІI ЈJ ЅS "
    "αa οo ιi νv κk τt υu χx ΑA ΒB ΕE ΖZ ΗH ΙI ΚK ΜM ΝN ΟO ΡP ΤT ΥY ΧX"
)
_CONFUSABLES = str.maketrans(dict(_LOOKALIKES.split()))
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
_WORD = r"[a-z]+"

_CLAUSE_BREAK = re.compile(r"[.!?;]+|\b(?:but|though|although|however|now)\b")
_NEGATION = re.compile(
    r"\b(?:no|not|never|without|nor|neither|none|dont|doesnt|didnt|havent|hasnt|hadnt|isnt|"
    r"arent|wasnt|werent|deny|denies|denied|free of|ruled out)\b"
)
_NEGATION_REACH = 4  # words: "i dont have any tingling or numbness", "no loss of bladder control"
# A negated ability is the symptom itself: "i dont have control of my bladder".
_ABILITY = re.compile(r"(?:control|feel|feeling|sensation|able)\b")
_RESOLVED = re.compile(
    r"\b(?:(?:years?|decades?|long time|long) (?:ago|back)|last year|as a (?:kid|child|teen\w*)|"
    r"when i was (?:a kid|a child|young\w*|little|at school|a teen\w*)|in my (?:teens|youth)|"
    r"used to|(?:long|all|its|it was|completely|totally) gone|gone now|went away|resolved|"
    r"cleared(?: up)?|sorted|fine since|fine ever since|fine now|better now|all clear|"
    r"(?:been|was) (?:totally |completely |absolutely )?(?:fine|ok|okay|good)|"
    r"recovered|healed|fixed|no problems since)\b"
)
# "it never went away", "wont clear up": a resolution cue that is negated says the opposite.
_UNRESOLVED = re.compile(
    r"\b(?:not|never|wont|doesnt|didnt|hasnt|havent|isnt|hardly)\W+(?:\w+\W+)?$"
)
# A negation reaches across a list of symptoms ("no fever or chills") but not into a new
# statement ("no fever, i cant pee"; "no fever and i cant pee").
_NEGATION_STOP = re.compile(r",|\band (?:i|im|ive|my|it|its|now|then|the)\b")
_FIRST_PERSON = re.compile(r"\b(?:i|me|my|mine|myself|im|ive)\b")
_QUESTION_OPENING = re.compile(
    r"\s*(?:what|whats|which|who|why|how|when|where|can|could|does|do|did|is|are|was|were|"
    r"should|would|will|may|might)\b"
)
_PAIN = re.compile(
    r"\b(?:pain\w*|ache\w*|aching|hurt\w*|sore\w*|agony|stiff\w*|killing|throbb\w*)\b"
)


@dataclass(frozen=True)
class RedFlag:
    """A red-flag symptom found in a question: which one, and the words that matched."""

    name: str
    matched: str


def normalise(text: str) -> str:
    """Look-alike letters folded to Latin, lower case, apostrophes dropped from contractions,
    key words' misspellings corrected."""
    text = unicodedata.normalize("NFKC", text).translate(_ZERO_WIDTH).translate(_CONFUSABLES)
    text = text.lower().replace("’", "'").replace("‘", "'")
    text = re.sub(r"\b(\w+)n't\b", r"\1nt", text)
    text = re.sub(r"\b(i|he|she|it)'(m|ve|s)\b", r"\1\2", text)
    text = re.sub(r"\bcan not\b", "cannot", text)
    text = text.replace("can ot", "cannot")
    words = re.split(f"({_WORD})", text)
    return "".join(_correct(w) if re.fullmatch(_WORD, w) else w for w in words)


def red_flags(question: str) -> list[RedFlag]:
    """Every red flag the question mentions as the listener's own, current problem (empty for
    an ordinary question, a negated or resolved symptom, or a general question)."""
    text = normalise(question[:MAX_CHECKED_CHARS])
    if _is_general_question(text):
        return []
    found = []
    for name, pattern in PATTERNS:
        match = _current_mention(name, pattern, text)
        if match and (name not in NEEDS_PAIN or _PAIN.search(text)):
            found.append(RedFlag(name, match.group(0)))
    if found:
        log.debug("red flags: %s", [f.name for f in found])
    return found


def _current_mention(name: str, pattern: re.Pattern, text: str) -> re.Match | None:
    """The first match of `pattern` that is neither negated nor (for acute flags) resolved."""
    pos = 0
    for _ in range(_MAX_MATCHES):
        match = pattern.search(text, pos)
        if match is None:
            return None
        clause, rest = _clause_around(text, match.start())
        before = text[clause : match.start()]
        resolved = name not in PAST_STILL_COUNTS and _is_resolved(
            before + " " + text[match.end() : rest]
        )
        if not _is_negated(before, match.group(0)) and not resolved:
            return match
        pos = max(match.end(), match.start() + 1)  # "no tingling or numbness down there"
    return None


def _clause_around(text: str, at: int) -> tuple[int, int]:
    """Where the clause holding `at` starts, and where the clause after it ends."""
    start, ends = 0, []
    for brk in _CLAUSE_BREAK.finditer(text):
        if brk.end() <= at or brk.start() == at:  # a match may open its clause ("now its both")
            start = min(brk.end(), at)
        elif brk.start() > at:
            ends.append(brk.start())
            if len(ends) == 2:
                break
    return start, ends[-1] if len(ends) == 2 else len(text)


def _is_negated(before: str, matched: str) -> bool:
    """Whether a negation cue stands just before the match in its statement ("no fever")."""
    if _ABILITY.match(matched):
        return False
    before = _NEGATION_STOP.split(before)[-1]
    window = " ".join(re.findall(r"[a-z]+(?: of)?", before)[-_NEGATION_REACH:])
    return bool(_NEGATION.search(window))


def _is_resolved(span: str) -> bool:
    """Whether the span puts the event in the distant or resolved past ("fine since")."""
    return any(not _UNRESOLVED.search(span[: cue.start()]) for cue in _RESOLVED.finditer(span))


def _is_general_question(text: str) -> bool:
    """A question about a condition in general: opens like a question, no "I" or "my" in it."""
    return bool(_QUESTION_OPENING.match(text)) and not _FIRST_PERSON.search(text)


@lru_cache(maxsize=8192)
def _correct(word: str) -> str:
    """The key word `word` is a misspelling of, or `word` itself."""
    if len(word) < 5 or word in KEY_WORDS or word in vocabulary_words():
        return word
    budget = 1 if len(word) < 8 else 2
    best = extractOne(
        word, _KEY_WORDS_SORTED, scorer=DamerauLevenshtein.distance, score_cutoff=budget
    )
    return best[0] if best else word
