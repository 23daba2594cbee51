"""Does the podcast cover what was asked, or only something near it?

A question that names a thing the podcast never mentions ("mattress", "amlodipine", "pilates")
is not answered as if it were covered: the answer says plainly that the podcast does not
mention it and offers the nearest passage it does have, labelled as such. A word counts when
it is in the asking part of the question, the store has neither it nor a near spelling of it
("piriformus" is "piriformis") nor what a short form stands for ("butt"), and it is not an
everyday English word (wordfreq's Zipf scale: "said", "idea" and "went" say nothing of a
subject). The same label goes on an answer that names nothing the question asks about, though
the store mentions it somewhere ("pillow", "cortisone shot"): that answer is only near.
"""

import re
from collections.abc import Callable, Sequence

import numpy as np

from assistant.answering.condense import asking_part
from assistant.answering.word_kinds import (
    NAMES_NOTHING,
    describes,
    everyday,
    forms,
    is_english,
    names_a_noun,
    names_nothing,
    subject_word,
)
from assistant.records import Passage
from assistant.retrieval.spelling import SHORT_FORMS
from assistant.text import FUNCTION_WORDS, STOPWORDS, terms

MAX_NAMED = 2  # words named in the label at most
# A question that names what the podcast never mentions, or that its answer never names, is
# refused instead when no passage comes this close to it (cosine, keywords aside) nor holds
# all its words: nothing near is left to offer ("my office chair squeaks", "glue for the spine
# of a paperback"). Answerable questions on the listener sets start at 0.32 and labelled
# ones at 0.47; off-topic ones that name something new sit at 0.24–0.34.
NEAREST_MIN_COSINE = 0.35
# Cosine of two words' embeddings at which they mean the same: "hereditary" and "inherited"
# 0.77, "discs" and "disks" 0.89; "cortisone" and "corticosteroid" (0.70) or "pillow" and
# "neck" (0.59) are only related.
SAME_MEANING = 0.75
MIN_INSIDE = 5  # letters a word needs to count when inside a longer one ("osteoarthritis")
# A letter or two and a number name a thing: a vertebra ("L5", "S1"), a vitamin ("B12").
_NAMED_BY_NUMBER = re.compile(r"[a-z]{1,2}\d{1,2}")

_DROP = FUNCTION_WORDS | STOPWORDS
_ABBREVIATION = re.compile(r"\b[A-Z]{2,5}s?\b")


def unmentioned(question: str, known: Callable[[str], bool]) -> list[str]:
    """The subject words of the question's asking part that the store never mentions;
    `known(word)` tells whether the store has the word or a near spelling of it."""
    asked = _asked(question)
    words = terms(asked, frozenset(), stem=False, tails=False)
    after: dict[str, str] = {}  # each word's next word, where it first stands
    for w, next_word in zip(words, [*words[1:], ""], strict=True):
        after.setdefault(w, next_word)
    found: list[str] = []
    for w in dict.fromkeys(terms(asked, _DROP, stem=False, tails=False)):
        if len(found) == MAX_NAMED:
            break  # a long question of made-up words costs no more than a short one
        w = w.removesuffix("'s")  # "my chiro's adjustments" names the chiro
        if names_nothing(w):  # "my nan swears by…" asks about something else
            continue
        if len(w) >= 3 and not w.isdigit() and subject_word(w, after.get(w, "")) and not known(w):
            found.append(_as_typed(w, asked))
    return found


# Who the listener is ("I'm a tiler", "I'm a keen cyclist"): how they came to ask, not what
# they ask about. Not "as a …", which is as often "as a side effect".
_WHO_THEY_ARE = re.compile(r"\b(?:i['’]?m|i am) an? (?:\w+ )?\w+", re.I)


def _asked(question: str) -> str:
    """The question's asking part (see `asking_part`) without who the listener says they are."""
    return _WHO_THEY_ARE.sub(" ", asking_part(question))


def _as_typed(word: str, asked: str) -> str:
    """`word` as the listener typed it: "e-bikes" for the word "ebikes" (see `terms`)."""
    typed = re.search(rf"\b{re.escape(word[0])}-{re.escape(word[1:])}\b", asked, re.I)
    return typed[0].lower() if typed else word


def unanswered_subjects(
    question: str,
    answer: str,
    rare: Callable[[str], bool],
    encode: Callable[[Sequence[str]], np.ndarray],
    spell: Callable[[str], str] = str,
) -> list[str]:
    """The question's subject words the store seldom uses (`rare`), when the `answer` (its
    text, titles and headings) names none of the question's subject words: in any form ("bent"
    for "bending"), as the store spells it (`spell`: "sciatia", "paediatrician"), by what a
    short form stands for ("physio"), inside a longer word ("arthritis" in "osteoarthritis") or
    by a word of the same meaning (`encode` embeds words). A word the store uses often
    ("exercises") the answer may say in other words ("movements"), so it alone never labels an
    answer. Words are named as the listener typed them."""
    asked = {}
    for w in _subjects(_asked(question)):
        spelt = spell(w).lower()
        # A typo of a word that names nothing ("actualy") names nothing either.
        if spelt == w or subject_word(spelt):
            asked[w] = spelt
    if not asked:
        return []
    said = set(terms(answer, STOPWORDS, stem=False))
    said_forms = {f for w in said for f in forms(w)}

    def named(store_word: str) -> bool:
        return _named(store_word, said, said_forms)

    def seldom_used(store_word: str) -> bool:  # a short form by what it stands for
        return all(rare(m) for m in SHORT_FORMS.get(store_word, (store_word,)))

    missing = [w for w, store_word in asked.items() if not named(store_word)]
    if len(missing) < len(asked) or not any(seldom_used(asked[w]) for w in missing):
        return []
    if _said_alike([asked[w] for w in missing], said, encode):
        return []
    return [_as_typed(w, question) for w in missing if seldom_used(asked[w])][:MAX_NAMED]


_NSAID = ("nsaids", "nsaid", "inflammatory", "inflammatories")
_PAIN_MEDICINE = ("medications", "medication", "medicines", "medicine", "relievers", "analgesics")
# A medicine or aid a listener calls by its brand, its generic name or their own word, and
# what the store's passages call its kind: "naproxen (Aleve) … are NSAIDs". Not a cortisone
# shot for a corticosteroid: "corticosteroid therapy for transverse myelitis" is no answer to
# a shot in the shoulder.
KIND_NAMES: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(("ibuprofen", "naproxen", "aspirin", "diclofenac"), _NSAID),
    **dict.fromkeys(("advil", "motrin", "nurofen", "aleve", "voltaren"), _NSAID),
    **dict.fromkeys(("anti-inflammatories", "antiinflammatories", "inflammatories"), _NSAID),
    **dict.fromkeys(("tylenol", "paracetamol", "panadol"), ("acetaminophen",)),
    **dict.fromkeys(("painkillers", "painkiller", "killers"), _PAIN_MEDICINE),
    "stick": ("cane", "canes"),  # a walking stick, in the store's American
    "frame": ("walker", "walkers"),  # a walking frame
}


def _named(word: str, said: set[str], said_forms: set[str]) -> bool:
    """Whether the words `said` name `word`: in any form, by what a short form stands for or
    the kind a medicine belongs to, or inside a longer word."""
    meant = {word, *SHORT_FORMS.get(word, ()), *KIND_NAMES.get(word, ())}
    if any(forms(m) & said_forms for m in meant):
        return True
    return len(word) >= MIN_INSIDE and any(word in w for w in said)


def _said_alike(
    words: list[str],
    said: set[str],
    encode: Callable[[Sequence[str]], np.ndarray],
    everyday_too: bool = False,
) -> bool:
    """Whether any of `words` has a word of the same meaning among those `said`; an everyday
    one ("pain" is near everything) only with `everyday_too`, for words that are everyday too."""
    others = sorted(
        w for w in said if len(w) >= 3 and not w.isdigit() and (everyday_too or not everyday(w))
    )
    return bool(others) and bool((encode(words) @ encode(others).T >= SAME_MEANING).any())


def _subjects(asked: str) -> list[str]:
    """The words of an asking part that name its subject, in order, each once: not a word that
    describes ("is sore", "stiff", "hereditary"), which an answer says its own way ("pain",
    "stiffness", "inherited"), nor a short form of an everyday word ("mins", "yrs")."""
    words = terms(asked, frozenset(), stem=False, tails=False, shortest=1)  # "a" before a word
    found: list[str] = []
    for before, w, after in zip(["", *words[:-1]], words, [*words[1:], ""], strict=True):
        w = w.removesuffix("'s")
        if w in _DROP or w in found or names_nothing(w):
            continue
        if any(everyday(meant) for meant in SHORT_FORMS.get(w, ())):
            continue
        if _NAMED_BY_NUMBER.fullmatch(w) or (
            len(w) >= 3
            and not w.isdigit()
            and subject_word(w, after)
            and not describes(w, before, after)
        ):
            found.append(w)
    return found


# "is it ok to sit in a hot tub with …", "are massage guns any good for …", "does fish oil help
# …", "can i still go horse riding with …": the thing asked about comes before what it is for,
# and an answer on what it is for (a herniated disc) is only near. A few words, not opening on
# a pronoun: "will it go away for good" asks about no thing.
_OK = r"(?:ok|okay|safe|fine|alright|good|bad|wise|dangerous|harmful)"
_THING = r"(?P<thing>(?!(?:it|that|this|they|you|i|he|she|we|there) )[a-z'-]+(?: [a-z'-]+){0,4}?)"
_FOR = r"(?:with|if|when|while|after|for|on)"
_DOING_ASKED = [  # a doing, whose first word is its verb: "sit in a hot tub"
    re.compile(rf"\b(?:is|are|would|will) (?:it )?{_OK} (?:for me )?to {_THING} {_FOR}\b"),
    re.compile(
        rf"^(?:can|should|could|may) i (?:(?:still|safely|just|really) )*(?:keep )?"
        rf"{_THING} {_FOR}\b"
    ),
]
_THING_ASKED = [
    re.compile(
        rf"^(?:is|are|do|does|can|could|will|would) {_THING} "
        rf"(?:any good|{_OK}|helps?|causes?|worsen|damage|harm|cure|work)\b"
    ),
    re.compile(rf"^do i need {_THING} (?:if|with|for|when)\b"),
]


def thing_asked(question: str) -> list[str]:
    """The words of the thing a question asks is good for something or safe with it, ending
    on the word that names it ("is it ok to sit in a hot tub with…": "hot", "tub"), or none."""
    asked = " ".join(_asked(question).replace("’", "'").lower().split())
    for patterns, doing in ((_DOING_ASKED, True), (_THING_ASKED, False)):
        for pattern in patterns:
            if found := pattern.search(asked):
                return _the_thing(found["thing"].split()[1 if doing else 0 :])
    return []


def _the_thing(words: list[str]) -> list[str]:
    """`words` up to the one that names the thing: "stretches" of "stretches in the morning",
    "inversion tables" of "inversion tables actually"."""
    while words and (words[0] in _DROP or words[0] == "being"):
        words = words[1:]
    for i, w in enumerate(words):  # what follows a preposition says when or where, not what
        if w in _PREPOSITIONS and i:
            words = words[:i]
            break
    while words and not _can_name_the_thing(words[-1]):
        words = words[:-1]
    return words


_PREPOSITIONS = frozenset(
    {"in", "on", "at", "for", "with", "after", "before", "during", "to", "of"}
)
# Words that can be nouns but say when or how much, never what: "all day", "do nothing".
_NO_THING = frozenset(
    {"day", "days", "week", "weeks", "morning", "mornings", "night", "nights", "time", "times"}
    | {"nothing", "something", "anything", "everything", "all", "lot", "lots", "bit", "much"}
)


def _can_name_the_thing(word: str) -> bool:
    """Whether `word` can be the word that names a thing asked about."""
    return (
        word not in _DROP
        and word not in _NO_THING
        and not names_nothing(word)
        and names_a_noun(word)
    )


def unanswered_thing(
    question: str,
    answer: str,
    rare: Callable[[str], bool],
    encode: Callable[[Sequence[str]], np.ndarray],
    spell: Callable[[str], str] = str,
) -> list[str]:
    """The thing the question asks about (see `thing_asked`) when the `answer` names none of
    its words that say what it is, and the store seldom uses the word that names it (`rare`)."""
    words = [spell(w).lower() for w in thing_asked(question)]
    # A listener's short form ("physio", "meds") stands for what the store may say in several
    # ways ("physical therapy"); whether an answer names it is `unanswered_subjects`' to judge.
    if not words or not rare(words[-1]) or words[-1] in SHORT_FORMS:
        return []
    # "tens machine" is named by "TENS"; "hot tub" only by the tub, "hot" says nothing alone.
    telling = [w for w in words if not everyday(w)] or words[-1:]
    said = set(terms(answer, STOPWORDS, stem=False))
    said_forms = {f for w in said for f in forms(w)}
    if any(_named(w, said, said_forms) for w in telling):
        return []
    if _said_alike(telling, said, encode, everyday_too=True):  # "sex" and "sexual"
        return []
    # Named by the words that run up to it: "hot tub", "horse riding".
    return [" ".join(_as_typed(w, question) for w in words[-2:])]


def unanswered_abbreviations(question: str, answer: str) -> list[str]:
    """Abbreviations the listener typed in capitals ("ACL", "CBD") that the answer's text never
    names: the store may mention them elsewhere, but this answer is not about them."""
    asked = asking_part(question)
    words = asked.split()
    if sum(w.isupper() and is_english(w) for w in words) * 2 > len(words):
        return []  # a question typed in capitals throughout ("WHY DOES IT HURT") names nothing
    missing = []
    for found in dict.fromkeys(_ABBREVIATION.findall(asked)):
        bare = found.removesuffix("s")
        # "HURTS" and "NOT" in capitals are emphasis, not abbreviations.
        if bare in NAMES_NOTHING or is_english(bare):
            continue
        if not re.search(rf"\b{re.escape(bare)}s?\b", answer, re.I):
            missing.append(found)
    return missing[:MAX_NAMED]


def nearest_label(words: list[str], exactly: bool = False) -> str:
    """The label above an answer that is only the nearest thing the podcast covers: to a
    question naming what the podcast never mentions, or (`exactly`) what this answer does not."""
    named = " or ".join(f"“{w}”" for w in words)
    if exactly:
        return f"The podcast doesn't cover {named} exactly. The nearest it covers:"
    return f"The podcast doesn't mention {named}. The nearest it covers:"


def nothing_near(passages: Sequence[Passage]) -> bool:
    """Whether no passage is close enough to a question to offer as the nearest thing the
    podcast covers (see `NEAREST_MIN_COSINE`)."""
    return all(p.about == 0 and p.similarity < NEAREST_MIN_COSINE for p in passages)
