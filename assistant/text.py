"""Words and sentences: the one tokeniser (`terms`) and sentence splitter every stage shares."""

import re
import threading

import Stemmer
from bm25s.stopwords import STOPWORDS_EN

# A sentence ends at . ! ? or … (plus closing quotes/brackets) before whitespace and a capital,
# digit or opening quote. Lines are always boundaries: headings and paragraphs are lines.
_END = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9])")
_ABBREVIATIONS = frozenset(
    ["e.g", "i.e", "dr", "mr", "mrs", "ms", "prof", "st", "vs", "etc", "ep", "no", "fig"]
    + ["approx", "cf", "al", "jr", "sr", "inc", "ltd"]
)


_LOOK_BACK = 16  # characters before a dot searched for an abbreviation (longest: "approx.")


def _is_abbreviation(text: str, dot: int) -> bool:
    # Only a few characters back: slicing and searching all of `text` before each dot made
    # splitting quadratic (a 100,000-character line took seconds).
    word = re.search(r"([\w.]+)$", text[max(0, dot - _LOOK_BACK) : dot])
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


# Words of two or more characters; an inner apostrophe stays ("isn't", "hip's"), so chat
# contractions are one word, as the function-word list spells them.
_TERM = re.compile(r"\w+(?:'\w+)*")
# A letter and a hyphen before a word make one name ("x-ray", "e-bike", "T-cells"): read as one
# word ("xray"), then as the word after them too, as a text that spells it "T cells" or a
# listener's "t-spine" still shares that word ("spine").
_LETTER_PREFIX = re.compile(r"\b([a-z])-([a-z]{2,})")
# English stopwords (bm25s's list): what keyword search and sentence matching ignore.
STOPWORDS = frozenset(STOPWORDS_EN)
# Function words of chat questions: what says nothing of a topic ("what should I do instead?").
_FUNCTION_WORD_LIST = """
    a an the i me my we our you your he she it its is are was were be been am do does did
    doing have has had can could should would will shall may might must of in on at to for from
    with by about as into than then so and or but if not no what why how when where which who
    whom whose this that these those there here they them their it's im i'm i've i'd ive dont
    don't any some just very really also too more most much many else instead other another
    again same such one ones either ok okay please thanks thank get got isn't doesn't won't
    can't cant isnt doesnt wont aren't whats thats theyre youre theres
    she's shes he's hes she'd he'd we'd they'd you'd i'll you'll youll he'll she'll we'll
    they'll theyll we've weve you've youve they've theyve wasn't wasnt weren't werent didn't
    didnt hasn't hasnt haven't havent hadn't hadnt shouldn't shouldnt wouldn't wouldnt
    couldn't couldnt arent who's whos where's wheres how's hows what's there's here's mine"""
FUNCTION_WORDS = frozenset(_FUNCTION_WORD_LIST.split())
# Words of a follow-up that only ask for more of the same: "anything else?", "tell me more".
_MORE_WORD_LIST = """
    anything something everything tell tips advice info information go going else more next
    other options"""
ASKS_FOR_MORE = frozenset(_MORE_WORD_LIST.split())
# Words of a chat question that judge or happen but name no subject of their own: "what can go
# wrong", "is that normal". A named list rather than "common in English": "heart" and "blood"
# are common too, and do name a subject.
_VAGUE_WORD_LIST = """
    wrong right fine bad good better worse normal okay happen happens happened goes work works
    working help helps matter serious safe"""
VAGUE_WORDS = frozenset(_VAGUE_WORD_LIST.split()) | ASKS_FOR_MORE
# Words that turn a statement round: "never stretch", "don't", "avoid", "stop".
_NEGATION = re.compile(
    r"\b(?:no|not|never|nor|none|nothing|without|cannot|avoid(?:s|ed|ing)?|stop(?:s|ped|ping)?|"
    r"\w+n't|dont|doesnt|didnt|cant|wont|isnt|arent|shouldnt|wasnt|werent)\b"
)
_local = threading.local()  # a PyStemmer object is not thread-safe: one per thread


def _stemmer() -> Stemmer.Stemmer:
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = Stemmer.Stemmer("english")
    return stemmer


def negated(text: str) -> bool:
    """Whether `text` says no, not, never, avoid, stop or a "-n't" ("don't stretch")."""
    return bool(_NEGATION.search(text.lower().replace("’", "'")))


def terms(
    text: str,
    drop: frozenset[str] = STOPWORDS,
    stem: bool = True,
    tails: bool = True,
    shortest: int = 2,
) -> list[str]:
    """The words of `text` that carry meaning, in order: lower case, `drop` left out, words of
    fewer than `shortest` letters left out, and Snowball-stemmed unless `stem` is false
    ("stretches" and "stretching" → "stretch"). With `tails` false, "x-ray" is the one word
    "xray" (for counting what a question names)."""
    joined = r"\1\2 \2" if tails else r"\1\2"
    lowered = _LETTER_PREFIX.sub(joined, text.lower().replace("’", "'"))
    words = [w for w in _TERM.findall(lowered) if len(w) >= shortest and w not in drop]
    return _stemmer().stemWords(words) if stem and words else words
