"""Red-flag check: symptoms that need a doctor today, not an exercise, caught before retrieval.

The check is a set of patterns over a normalised question. Normalising folds case, apostrophes
("cant" = "can't") and misspellings of the key words ("bladdder", "incontinance") onto their
spelling, so paraphrases and typos match without one exact string. A misspelling is only
corrected when it is not itself an English word (the embedder's vocabulary decides), so "fewer"
never becomes "fever".
"""

import logging
import re
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz.distance import DamerauLevenshtein
from rapidfuzz.process import extractOne

from assistant.embedding.packaged import vocabulary_words

log = logging.getLogger(__name__)

# Only this much of a text is read: questions are capped upstream, but a follow-up joined with
# earlier turns is not, and the check must stay linear and bounded whatever arrives.
MAX_CHECKED_CHARS = 4_000

# Words the patterns key on; a token within a small edit distance of one is read as that word.
_KEY_WORD_LIST = """
    bladder bowel bowels control incontinence incontinent urinate urinating urine
    numbness genitals genital groin saddle perineum buttocks weakness weaker paralysed
    paralyzed paralysis fever feverish temperature cancer tumour tumor malignant chemotherapy
    unexplained unintentional weight constant unrelenting accident collision fracture
    fractured crash retention wetting leaking
"""
_KEY_WORDS = frozenset(_KEY_WORD_LIST.split())
_KEY_WORDS_SORTED = sorted(_KEY_WORDS)

_WORD = r"[a-z]+"


def _alternatives(*words: str) -> str:
    return "(?:" + "|".join(words) + ")"


_NEAR = r"\W+(?:\w+\W+){0,6}?"  # up to six words apart, same sentence or not
_CANT = (
    r"(?:can ?not|cant|could ?not|couldnt|unable to|not able to|no longer|struggl\w* to|hard to)"
)
# Weakness counts when it is in both legs; "my legs feel weak after squats" is ordinary.
_LEGS = r"(?:both legs|both of my legs|both feet|both my legs|both sides|both thighs)"

# (red flag name, pattern); the name is for logs and tests, the listener sees URGENT_CARE.
_PATTERNS: list[tuple[str, re.Pattern]] = [
    (
        "bladder or bowel control",
        re.compile(
            r"\b(?:incontinen\w*|wet(?:ting)? (?:my ?self|the bed|my pants)|"
            r"(?:peed|pooed|pooped|soiled|messed) (?:my ?self|my pants)|"
            r"(?:leak\w*|los\w*|lost|losing|no) (?:\w+ ){0,3}?(?:urine|pee|wee|poo|stool)|"
            r"urinary retention|retention of urine|"
            rf"{_CANT}{_NEAR}(?:pee|wee|urinate|poo|poop|empty my bladder|"
            r"go to the (?:toilet|loo|bathroom)|"
            r"hold (?:it|my (?:pee|wee|urine|bladder|bowels?))|feel (?:when|if) i need)|"
            r"(?:pee|wee|urine|urinating) (?:won'?t|will not|doesn'?t|does not) "
            r"(?:come|start|flow))\b"
            rf"|\b(?:bladder|bowels?)\b.{{0,60}}?\b(?:control|leak\w*|accidents?|retention|"
            r"emptying|empty|incontinen\w*|problems?|issues?|trouble|weird|changed?|not working|"
            r"gone|lost|numb)\b"
            rf"|\b(?:control|lost|losing|loss)\b.{{0,40}}?\b(?:bladder|bowels?)\b"
        ),
    ),
    (
        "saddle numbness",
        re.compile(
            r"\b(?:numb\w*|no feeling|can'?t feel|cannot feel|lost (?:the )?feeling|"
            r"loss of (?:feeling|sensation)|pins and needles|tingl\w*|dead)\b.{0,40}?"
            r"\b(?:down there|groin|genitals?|genital area|private (?:parts|area)|privates|"
            r"between (?:my|the) legs|saddle|crotch|perineum|anus|back passage|"
            r"(?:bum|butt) ?hole|when i wipe|inner thighs? and (?:groin|bottom))\b"
            r"|\bsaddle (?:an(?:a)?esthesia|numbness|area)\b"
            r"|\b(?:groin|genitals?|down there|crotch|between my legs)\b.{0,30}?\b(?:numb\w*|"
            r"no feeling|tingl\w*|(?:has )?gone dead)\b"
        ),
    ),
    (
        "progressive or both-sided leg weakness",
        re.compile(
            rf"\b{_LEGS}\b.{{0,40}}?\b(?:weak\w*|giving (?:way|out)|give (?:way|out)|"
            r"gave (?:way|out)|buckl\w*|collaps\w*|numb\w*|paraly\w*)"
            r"|\b(?:legs?|knees?)\b.{0,20}?\b(?:giv(?:es|ing)|gave|give) (?:way|out)\b"
            r"|\b(?:legs?|knees?)\b.{0,20}?\b(?:buckl\w*|collaps\w*|paraly\w*)"
            rf"|\b(?:weak\w*|numb\w*)\b.{{0,25}}?\bin {_LEGS}\b"
            r"|\b(?:leg|foot|feet|legs)\b.{0,40}?\b(?:getting|growing|becoming|gets|got|"
            r"more and more|"
            r"keeps getting|is getting) (?:weaker|worse and weaker|more weak|numb(?:er)?|floppy)\b"
            r"|\b(?:weakness|numbness)\b.{0,40}?\b(?:spreading|getting worse|progress\w*|"
            r"worse every day|worse each day|worsening)\b"
            r"|\bfoot ?drop\b|\bdrop ?foot\b|\b(?:foot|toes) (?:is |are )?(?:slapping|dragging)\b"
            rf"|\b{_CANT}\b.{{0,20}}?\b(?:lift|raise|pick up) my (?:foot|feet|toes)\b"
            rf"|\b{_CANT}\b.{{0,10}}?\b(?:walk|stand(?: up)?)\b (?:at all|any ?more)"
            r"|\b(?:tripping|trip) over my (?:own )?(?:foot|feet|toes)\b"
        ),
    ),
    (
        "back pain with fever",
        re.compile(
            r"\b(?:fever\w*|high temperature|running a temperature|a temperature|temp of|"
            r"chills|shivering|night sweats|sweats at night)\b"
        ),
    ),
    (
        "after major trauma",
        re.compile(
            r"\b(?:car (?:crash|accident|wreck)|road (?:traffic )?accident|motorbike accident|"
            r"(?:crash|collision|accident|wreck)\b.{0,30}?\b(?:car|motorbike|bike|bicycle|"
            r"motorcycle|truck|bus|work|ski\w*)|"
            r"(?:fell|fall(?:en)?|falling|came off|thrown) (?:\w+ ){0,3}?(?:off|from|down) "
            r"(?:\w+ ){0,3}?(?:ladder|roof|height|horse|stairs|steps|bike|motorbike|scaffold\w*|"
            r"tree|wall|balcony)|"
            r"(?:was |got )?hit by (?:a )?(?:car|bus|truck|van|bike)|"
            r"broken? (?:my )?(?:back|spine|vertebra\w*)|fractur\w*|major (?:fall|trauma|accident)|"
            r"serious (?:fall|accident|injury)|trauma(?:tic)?)\b"
        ),
    ),
    (
        "history of cancer",
        re.compile(
            r"\b(?:cancer\w*|tumou?rs?|malignan\w*|chemo\w*|radiotherapy|radiation therapy|"
            r"oncolog\w*|metasta\w*|lymphoma|myeloma|leuk(?:a)?emia|carcinoma)\b"
        ),
    ),
    (
        "unexplained weight loss",
        re.compile(
            r"\b(?:los(?:t|ing|e)|dropp(?:ed|ing)|shed) (?:\w+ ){0,4}?\d*\s?"
            r"(?:weight|kilos?|kg|pounds|"
            r"lbs|stone)\b(?=.{0,60}?\b(?:without (?:trying|dieting|meaning to)|"
            r"for no (?:\w+ )?reason|not (?:been )?(?:trying|dieting)|no idea why|"
            r"don'?t know why|unexplain\w*|by accident|not on a diet|no reason)\b)"
            r"|\b(?:unexplain\w*|unintentional\w*|unintended|mysterious|sudden|rapid)\b.{0,15}?"
            r"\bweight ?loss\b"
            r"|\bweight (?:keeps )?(?:dropping|falling off)\b"
            r"|\b(?:without (?:trying|dieting)|for no reason)\b.{0,40}?\blos(?:t|ing|e) "
            r"(?:\w+ ){0,3}?weight\b"
        ),
    ),
    (
        "constant night pain",
        re.compile(
            r"\b(?:constant|unrelenting|relentless|non ?stop|all night|every night|never stops|"
            r"doesn'?t (?:ease|stop|go away|let up)|won'?t (?:ease|stop|go away|let up)|"
            r"no position|whatever position|no matter (?:how|what|which))\b"
            r".{0,60}?\b(?:night|nights|nighttime|night time|in bed|lying down|at rest|resting|"
            r"sleep\w*)\b"
            r"|\b(?:night|nights|nighttime|night time|in bed|lying down|at rest|resting|sleep\w*)\b"
            r".{0,60}?\b(?:constant|unrelenting|relentless|non ?stop|never (?:stops|eases)|"
            r"doesn'?t (?:ease|stop|go away|let up)|won'?t (?:ease|stop|go away|let up)|"
            r"no position|in any position|whatever position|no matter (?:how|what|which) "
            r"(?:i|position))\b"
            r"|\b(?:pain|ache|hurts?)\b.{0,20}?\b(?:worse|worst) at night\b(?=.{0,40}?\b(?:rest|"
            r"lying|still|nothing helps|every night)\b)"
        ),
    ),
]


@dataclass(frozen=True)
class RedFlag:
    """A red-flag symptom found in a question: which one, and the words that matched."""

    name: str
    matched: str


def normalise(text: str) -> str:
    """Lower case, apostrophes dropped from contractions, key words' misspellings corrected."""
    text = text.lower().replace("’", "'").replace("‘", "'")
    text = re.sub(r"\b(can|don|won|doesn|isn|couldn|wouldn|didn)'t\b", r"\1t", text)
    text = text.replace("can ot", "cannot")
    words = re.split(f"({_WORD})", text)
    return "".join(_correct(w) if re.fullmatch(_WORD, w) else w for w in words)


def red_flags(question: str) -> list[RedFlag]:
    """Every red flag the question mentions (empty for an ordinary question)."""
    text = normalise(question[:MAX_CHECKED_CHARS])
    found = []
    for name, pattern in _PATTERNS:
        match = pattern.search(text)
        if match:
            found.append(RedFlag(name, match.group(0)))
    if found:
        log.debug("red flags: %s", [f.name for f in found])
    return found


@lru_cache(maxsize=8192)
def _correct(word: str) -> str:
    """The key word `word` is a misspelling of, or `word` itself."""
    if len(word) < 5 or word in _KEY_WORDS or word in vocabulary_words():
        return word
    budget = 1 if len(word) < 8 else 2
    best = extractOne(
        word, _KEY_WORDS_SORTED, scorer=DamerauLevenshtein.distance, score_cutoff=budget
    )
    return best[0] if best else word
