"""How a listener's spelling of a word relates to the store's: a short form ("physio"), a
British spelling ("paediatrician") or an inflection ("safer") of a word the store spells
otherwise."""

import re

# Listeners' short forms of words a health store spells out, each with the words it may
# stand for there.
SHORT_FORMS: dict[str, tuple[str, ...]] = {
    "butt": ("buttocks",),
    "bum": ("buttocks",),
    "glute": ("gluteal",),
    "glutes": ("gluteal",),
    "quad": ("quadriceps",),
    "quads": ("quadriceps",),
    "hammy": ("hamstring",),
    "hammies": ("hamstrings",),
    # MedlinePlus calls the physio a physical therapist.
    "physio": ("physiotherapy", "physiotherapist", "therapist"),
    "physios": ("physiotherapy", "physiotherapist", "therapist"),
    "chiro": ("chiropractor", "chiropractic"),
    # A chat's own short forms.
    "doc": ("doctor",),
    "docs": ("doctors",),
    "meds": ("medicines", "medications", "medicine"),
    "mins": ("minutes",),
    "hrs": ("hours",),
    "wks": ("weeks",),
    "yrs": ("years",),
    "appt": ("appointment",),
    # A British name for what American pages call otherwise.
    "paracetamol": ("acetaminophen",),
}
_ENDINGS = ("s", "es", "d", "ed", "r", "er", "st", "est", "n", "en", "ing", "y", "ly")
MIN_BASE = 4  # letters left once an ending is taken off ("safe", not "bu" of "bus")
# British spellings made American (MedlinePlus and most health sites write American English,
# many listeners do not), by the parts of words that are spelt otherwise: "paediatrician",
# "haemorrhage", "anaesthetic", "oedema", "oestrogen", "diarrhoea", "foetus", "tumours",
# "centre", "fibre", "immobilised", "paralysed", "programme", "practising", "defence",
# "manoeuvre". Tied to those parts, so "canoes", "heroes" or "mangoes" are never read as
# "canes", "heres" or "manges", nor "fence" or "silence" changed.
_AMERICAN = (
    (re.compile(r"^practis(?=e$|es$|ed$|ing$)"), "practic"),  # before "ise" becomes "ize"
    (re.compile(r"^(?=licen|defen|offen|preten)(\w+)ce(?=s?$)"), r"\1se"),
    (re.compile(r"^manoeuvred$"), "maneuvered"),
    (re.compile(r"^manoeuvre(?=s?$)|^manoeuvr(?=ing$)"), "maneuver"),
    (re.compile(r"paed"), "ped"),
    (re.compile(r"aem"), "em"),
    (re.compile(r"(?<=an)aes|(?<=^c)aes|^aes"), "es"),
    (re.compile(r"(?<=gyn)aec|(?<=^f)aec"), "ec"),
    (re.compile(r"^aet"), "et"),
    (re.compile(r"^oe(?=[dst])"), "e"),
    (re.compile(r"(?<=[hn])oea(?=s?$)"), "ea"),
    (re.compile(r"^foet"), "fet"),
    (re.compile(r"^coel"), "cel"),
    (re.compile(r"(?<=\w{3})our(?=s?$|ed$|ing$|ite)"), "or"),
    (re.compile(r"(?<=[bt])re(?=s?$)"), "er"),
    (re.compile(r"is(?=e$|es$|ed$|ing$|ation)"), "iz"),
    (re.compile(r"ys(?=e$|es$|ed$|ing$)"), "yz"),
    (re.compile(r"amme(?=s?$)"), "am"),
)


def bases(word: str) -> list[str]:
    """`word` without an inflection's ending ("safer" → "safe", "bendy" → "bend")."""
    return [
        word[: -len(end)]
        for end in _ENDINGS
        if word.endswith(end) and len(word) - len(end) >= MIN_BASE
    ]


def american(word: str) -> str | None:
    """`word` (lower case) spelt the American way, when that differs ("paediatrician" →
    "pediatrician"); None when it does not."""
    spelt = word
    for pattern, replacement in _AMERICAN:
        spelt = pattern.sub(replacement, spelt)
    return spelt if spelt != word else None
