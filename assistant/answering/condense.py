"""A listener's long story, condensed to what retrieval needs: the sentence that asks, and the
story's words that name a subject ("piriformis", "figure 4", "buttock"), rarest in English
first: the podcast's own subjects are common in its store, so how rare a word is there says
less about whether it names a subject than how rare it is in everyday English.

A four-sentence story ("I'm 52, I run, my physio says … why isn't it working?") buries its
question; searched whole, its incidental words ("52", "spring", "physio") pull in passages
about them. Without an LLM this is the rule; with one, the follow-up rewrite does the work.
"""

import re
from collections.abc import Callable

from wordfreq import zipf_frequency

from assistant.answering.word_kinds import names_nothing, subject_word
from assistant.text import FUNCTION_WORDS, STOPWORDS, VAGUE_WORDS, terms

LONG_WORDS = 30  # a question longer than this is a story to condense
KEY_WORDS = 8  # the story's subject words kept beside the asking sentence
# Listeners type in lower case, so a sentence ends at . ! ? before any next word.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
# "No fever, no numbness": what a story says the listener does not have is no subject to
# search for; such a phrase runs to the next comma or full stop.
_NEGATED = re.compile(
    r"\b(?:no|not|never|without|nor|don'?t have|haven'?t had|ruled out)\b[^.,;:!?]*", re.I
)
_ASKS = re.compile(
    r"^\s*(?:what|why|how|when|where|which|who|is|are|can|could|should|would|do|does|did|"
    r"will|any|anything)\b",
    re.I,
)
# "isnt being bendy meant to protect you": a question too, for finding where asking starts.
_ASKS_BACK = re.compile(r"^\s*(?:isn'?t|aren'?t)\b", re.I)


def asking_sentence(sentences: list[str]) -> str:
    """The sentence that asks: the last one with a question mark or a question's opening."""
    asked = [s for s in sentences if _asks(s)]
    return (asked or sentences)[-1]


def _sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(text.strip()) if s]


_CLAUSE = re.compile(r"([^,;.!?]+?)(?:\s+-\s+|([,;.!?]+)|$)")
# "when"/"where" and a subject set a scene ("when i squat, my knee clicks") as often as they
# ask ("when should i see a doctor"): such a clause asks only when it ends in "?" or ends the
# question.
_SCENE = re.compile(
    r"^\s*(?:when|where)\s+(?:i|i'm|im|my|we|our|you|your|it|it's|its|he|she|they|their|the|a|an|"
    r"this|that)\b",
    re.I,
)


def asking_clause(question: str) -> str | None:
    """The clause of a question that asks, when the question holds more than that ("calf
    cramps at night keep waking me up, how do i make them stop"); None when it is all one."""
    spaced = " ".join(question.split())  # one space between words keeps the scan linear
    span = _asking_span(spaced)
    return spaced[span[0] : span[1]] if span else None


def _asking_span(spaced: str) -> tuple[int, int] | None:
    """Where the asking clause stands in `spaced` (a question with single spaces)."""
    clauses = []
    for m in _CLAUSE.finditer(spaced):
        text = m[1].strip()
        if text:
            start = m.start(1) + len(m[1]) - len(m[1].lstrip())
            clauses.append((start, start + len(text), "?" in (m[2] or "")))
    asked = [
        (start, end)
        for n, (start, end, ends_in_question) in enumerate(clauses, 1)
        if _ASKS.match(clause := spaced[start:end])
        and len(clause.split()) >= 3
        and (ends_in_question or n == len(clauses) or not _SCENE.match(clause))
    ]
    if len(clauses) < 2 or not asked:
        return None
    return asked[-1]


# A clause that points back ("how do i make them stop") says nothing of its subject by itself;
# the "it" of "is it ok to run…", "is it true that…" or "is it normal for my back to…" points at
# nothing ("will it heal if i rest" and "is it worse when i sit" do point back).
_POINTS_BACK = re.compile(r"\b(?:it|that|them|they|this|these|those)\b", re.I)
DUMMY_IT = re.compile(
    r"\b(?:(?:is|was|isn['’]?t|will|would) it|it['’]?s) \w+ (?:to|that|for (?:\w+ ){1,3}to)\b",
    re.I,
)
SUBJECT_WORDS = 2  # words of what the pointing clause stands for, added to it


def asked_of(question: str) -> str | None:
    """The clause that asks (see `asking_clause`), with, when it points back with "it" or
    "them", the subject words that the pronoun stands for: the last ones before it ("pulled
    my hamstring playing football, how should i look after it hamstring"), or in a condensed
    story, its first ones. What the listener says they do not have ("no numbness") is none."""
    spaced = " ".join(question.split())  # one space between words keeps the scan linear
    span = _asking_span(spaced)
    if span is None:
        return None
    clause = spaced[span[0] : span[1]]
    if not _POINTS_BACK.search(DUMMY_IT.sub(" ", clause)):
        return clause
    own = set(terms(clause, frozenset(), stem=False))
    before = _subject_words(spaced[: span[0]], own)[-SUBJECT_WORDS:]
    named = before or _subject_words(spaced[span[1] :], own)[:SUBJECT_WORDS]
    return " ".join([clause, *named])


def _subject_words(text: str, own: set[str]) -> list[str]:
    """The words of `text` that can name a subject and are not everyday English, in order,
    leaving out those in `own` and what the text says the listener does not have."""
    words = terms(_NEGATED.sub(" ", text), frozenset(), stem=False)
    subjects: list[str] = []
    for i, w in enumerate(words):
        if (
            w in FUNCTION_WORDS
            or w in STOPWORDS
            or w in own
            or w in subjects
            or names_nothing(w)  # "my GP says": who the listener sees, not a subject
            or any(c.isdigit() for c in w)  # "5k", "2mm": a measure, not a subject
        ):
            continue
        if subject_word(w, words[i + 1] if i + 1 < len(words) else ""):
            subjects.append(w)
    return subjects


def asking_part(question: str) -> str:
    """The part of `question` that asks: a long story's asking sentence; else the question
    from its first asking sentence on, since what a listener tells before it is how they came
    to ask ("I'm a keen cyclist…"), and what they add after it, what they ask about ("can my
    dog get sciatica? my labrador keeps dragging his leg"). A question that says nothing of its
    own ("what helps?"), or none at all, is read whole."""
    sentences = _sentences(question)
    if len(question.split()) > LONG_WORDS:
        return asking_sentence(sentences)
    first = next((i for i, s in enumerate(sentences) if _asks(s, negated=True)), None)
    if first is None:
        return question
    part = " ".join(sentences[first:])
    # "my dog has hip dysplasia. what helps?": a question that says nothing of its own asks
    # about what the story told.
    says = [w for w in terms(part, FUNCTION_WORDS, stem=False) if w not in VAGUE_WORDS]
    return part if says else question


def _asks(sentence: str, negated: bool = False) -> bool:
    """Whether `sentence` asks: a question mark or a question's opening (with `negated`, also
    "isnt …", "arent …")."""
    return sentence.rstrip().endswith("?") or bool(
        _ASKS.match(sentence) or (negated and _ASKS_BACK.match(sentence))
    )


def condense(question: str, share: Callable[[str], float]) -> str:
    """`question` itself when short; else its asking sentence and the rest's subject words
    (the ones the store holds, rarest in English first; `share` gives a word's share of
    chunks, 0 for a word the store lacks)."""
    if len(question.split()) <= LONG_WORDS:
        return question
    sentences = _sentences(question)
    core = asking_sentence(sentences)
    rest = _NEGATED.sub(" ", " ".join(s for s in sentences if s is not core))
    words = dict.fromkeys(terms(rest, drop=FUNCTION_WORDS, stem=False))
    known = [(zipf_frequency(w, "en"), w) for w in words if not w.isdigit() and share(w) > 0]
    rare = [w for s, w in sorted(known)][:KEY_WORDS]
    return " ".join([core.strip(), *rare])
