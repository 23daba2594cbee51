"""What kind of word a listener typed: an everyday one, one that can name a subject ("stenosis",
"rowing"), or only a doing ("switched"). English's word classes come from lemminflect's lexicon."""

import threading

from lemminflect import getAllLemmas
from wordfreq import zipf_frequency

from assistant.text import FUNCTION_WORDS, STOPWORDS, terms

EVERYDAY_ZIPF = 4.3  # words at least this frequent in English are everyday words
MAX_WORD = 30  # longer "words" ("aaaa…") are keyboard noise, not a subject to name
# Words after a verb that make it a doing, not a thing done: "wrecking my back".
_OBJECT_LIST = "my the a an your his her their our its it them me this that these those"
_OBJECTS = frozenset(_OBJECT_LIST.split())
_LOADING = threading.Lock()
# Words that name no subject, compared in capitals: a chat's ("OK", "TBH", "IM"), places and
# things ("UK", "PC"), units ("KG"), who a listener sees ("GP", "PT", "ER"), which answers call
# a doctor or a physical therapist, who the listener asks for ("my nan", "my nephew"), and
# what they call a claim they doubt ("a myth", "an old wives' tale", "the odds", "placebo").
_NAMES_NOTHING_LIST = """
    OK LOL BTW IMO IMHO TBH FYI ASAP PLS PLZ THX OMG IM TV PC UK USA PM AM DIY
    KG MG ML CM MM KM LB LBS GP PT DR OT ER
    MUM MOM DAD NAN NANA GRAN GRANNY GRANDMA GRANDAD GRANDPA HUBBY NEPHEW NIECE MATE
    GRANDKID GRANDSON GRANDDAUGHTER GRANDCHILD GRANDCHILDREN
    MYTH TALE ODDS GIMMICK HYPE PLACEBO"""
NAMES_NOTHING = frozenset(_NAMES_NOTHING_LIST.split())
# Not "this" or "that": in "is this hereditary?" they stand for a thing, not before one.
_DETERMINER_LIST = "a an the my your his her their our another"
_DETERMINERS = frozenset(_DETERMINER_LIST.split())


def names_nothing(word: str) -> bool:
    """Whether `word` is one of `NAMES_NOTHING`, in any case, one or many ("my nephews")."""
    upper = word.upper()
    return upper in NAMES_NOTHING or upper.removesuffix("S") in NAMES_NOTHING


def everyday(word: str) -> bool:
    """Whether `word` is too common in English to say anything of a subject ("said", "idea")."""
    return zipf_frequency(word, "en") >= EVERYDAY_ZIPF


def subject_word(word: str, next_word: str = "") -> bool:
    """Whether `word` can name a subject worth naming: no keyboard noise, not everyday English
    as it stands or as a noun's singular ("mornings"), and a word that can name a thing (see
    `names_a_thing`)."""
    return (
        len(word) <= MAX_WORD
        and not any(everyday(base) for base in {word, *_kinds(word).get("NOUN", ())})
        and names_a_thing(word, next_word)
    )


def describes(word: str, before: str = "", after: str = "") -> bool:
    """Whether `word` describes rather than names: English knows it as an adjective ("is
    sore", "really stiff", "my sore lower back", "hereditary"), unless it ends a phrase a
    determiner opens, where such a word names a thing ("an antidepressant for…")."""
    if "ADJ" not in _kinds(word):
        return False
    ends_phrase = not after or after in FUNCTION_WORDS or after in STOPWORDS
    return not (before in _DETERMINERS and ends_phrase)


def names_a_thing(word: str, next_word: str = "") -> bool:
    """Whether `word` can name a subject: a noun, an adjective ("postpartum", "thoracic"), an
    activity ("is rowing bad"), or a word English does not know ("amlodipine"); not a verb
    form ("switched", "settles") or a verb with its object ("without wrecking my back")."""
    kinds = _kinds(word)
    if not kinds or "NOUN" in kinds or "VERB" not in kinds:
        return True
    return word.endswith("ing") and next_word not in _OBJECTS


def names_a_noun(word: str) -> bool:
    """Whether `word` can be a noun: English knows it as one, as an activity ("riding"), or not
    at all ("creatine"); not "pretty" or "usually", nor a verb form alone ("switched")."""
    kinds = _kinds(word)
    return not kinds or "NOUN" in kinds or ("VERB" in kinds and word.endswith("ing"))


def only_an_adverb(word: str) -> bool:
    """Whether English knows `word` only as an adverb ("though", "ever", "usually"): it says
    how, never what."""
    return set(_kinds(word)) == {"ADV"}


def is_english(word: str) -> bool:
    """Whether English knows `word` in any word class ("HURTS" does; "ACL" does not)."""
    return bool(_kinds(word.lower().strip("?!.,")))


def forms(word: str) -> set[str]:
    """`word` and its base forms ("bent" → "bend", "weaker" → "weak"), each also stemmed, so
    two forms of one word share a member ("bending" and "bent" share "bend")."""
    found = {word, *_bases_of(word)}
    return found | {stem for f in found for stem in terms(f)}


def warm_up() -> None:
    """Load the lexicon (half a second) and the word frequencies, so no question waits."""
    names_a_thing("warming")
    everyday("warming")


def _bases_of(word: str) -> set[str]:
    """The base forms English knows of `word` ("mornings" → "morning")."""
    return {base for bases in _kinds(word).values() for base in bases}


def _kinds(word: str) -> dict:
    """The word classes English knows `word` in (lemminflect's lexicon), by class."""
    with _LOADING:  # the lexicon loads on first use; one thread loads it
        return getAllLemmas(word)
