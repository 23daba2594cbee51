"""The red-flag check reads context: negated, resolved and general mentions are not urgent,
look-alike letters don't hide a symptom, and a huge text is checked in bounded time."""

import pytest

from assistant.answering import safety
from assistant.answering.safety import MAX_CHECKED_CHARS, normalise, red_flags

URGENT = [
    # bladder and bowels
    "ive been leaking wee all day and my lower back is in bits",
    "since friday i cant seem to empty my bladder properly, sciatica is awful",
    "my bowels have been weird since the disc went, i had an accident at night",
    "Quick one - I've had no control over my bladder since this morning. back still sore",
    "i dont have control of my bowels anymore and my back is agony",
    "I can not hold my pee since i hurt my back lifting the sofa",
    "went to the loo and nothing would come, havent been able to wee since yesterday",
    "peeing feels strange, like i cant tell when im finished, back pain down both legs",
    # saddle numbness
    "my bum feels numb when i wipe, is that from the sciatica",
    "tingling in my privates since the back spasm on monday",
    "I can't feel the toilet seat under me properly, back went two days ago",
    "lost the feeling between my legs this morning, lower back is screaming",
    "saddle anaesthesia?? my back has been bad and now the inside of my thighs feel dead",
    "numbness around my back passage since lifting a wardrobe",
    # legs
    "both of my legs feel weak and wobbly since the weekend",
    "my knees keep buckling when i walk and my back is killing me",
    "my right foot is getting weaker and weaker, i keep catching my toes on the carpet",
    "sciatica has moved into both legs now and its getting hard to walk",
    "i cant lift my toes on the left side, it started with my back pain",
    "weakness in my leg is spreading up to my thigh",
    "the other leg is going numb too now",
    # fever
    "lower back ache and i feel feverish and achy all over",
    "had an epidural last week, now a temperature of 38.5 and my back hurts more",
    "back pain, shivering, night sweats. what stretch should i do",
    "back pain and fever and chills",
    "had a fever years ago that was fine, but now i have a fever again with back pain",
    # trauma
    "got t-boned at a junction yesterday and my neck and back are sore",
    "I fell from a horse on sunday and landed on my back, it's getting worse",
    "my mum is 84 and tripped on the rug, now she says her back hurts",
    "took a nasty fall down the stairs this morning, back pain",
    "was hit by a van on my bike last week, back still really painful",
    # cancer history
    "I had bowel cancer 3 years ago and my back has started aching at night",
    "had chemo for lymphoma in 2020, now my mid back is sore all the time",
    "my wife had breast cancer and now has bad back pain that wont settle",
    "I was treated for prostate cancer, now new back pain. safe to do deadlifts?",
    "I had сancer two years ago and my back hurts",
    # weight loss
    "dropped 6 kilos in two months without trying and my back aches",
    "unexplained weight loss, tired all the time and lower back pain",
    "im losing weight for no reason and my back is sore",
    # night pain
    "the pain at night is relentless, i cant find any position to sleep in",
    "back pain all night, every night, nothing touches it",
    # mixed script, zero width, typos
    "numbnеss in my grоin",
    "back pain and a high temperature",
    "i've been incontinant since my back went",
    "bladdr control is gone",
]

NOT_URGENT = [
    # negated
    "no fever and no numbness, just a stiff lower back after gardening",
    "i've never had cancer but my back aches when i stand for long",
    "without any numbness or tingling, is it still sciatica?",
    "I don't have bladder problems, just a sharp pain when I bend",
    "no loss of bladder or bowel control, just pain down my left leg",
    "patient denies fever, back pain for a week. which exercises?",
    "no tingling or numbness down there, just a sore back",
    "I do not have a temperature, the ache is only when I twist",
    "no history of cancer in my family, back is just stiff",
    "my GP ruled out cauda equina, it's a disc bulge",
    # past and resolved
    "I had a fever last month but it went away, my back is still tight",
    "had a car crash years ago, been fine since, now my lower back is stiff after running",
    "used to have some bladder leaking after my second baby but it cleared up with physio",
    "fell off a trampoline as a kid, could that explain my back now",
    "had a high temperature a few weeks ago, all gone now, my hamstrings are tight",
    "broke my back in a motorbike crash decades ago, fully recovered. best core exercises?",
    "I fractured my wrist skiing, my arm is stiff after the cast came off",
    # general questions without a first person
    "what is saddle anaesthesia?",
    "is fever a symptom of a slipped disc?",
    "does weight loss help back pain?",
    "can a tumour in the spine cause sciatica?",
    "how is cauda equina syndrome treated",
    "what does urinary retention mean",
    "why do night sweats happen",
    "are people who had chemotherapy more likely to get osteoporosis?",
    "should someone with a fracture avoid stretching",
    "which cancers spread to the spine?",
    # ordinary
    "my legs feel heavy after a long run",
    "my hip clicks when i do the clamshell",
    "is it ok to stretch when my back is sore in the morning",
    "I want to lose weight to help my knees, what is safe",
    "the pain is worse in the morning and eases as i move",
    "i sleep on my side, is a pillow between my knees a good idea",
    "lost my footing on a wet step but caught myself, hamstring feels tight",
    "how many reps of the bird dog should i do",
    "fewer flare ups lately, can i go back to running",
    "my legs feel weak after squats, normal?",
    "I have tingling in my foot when I sit cross legged",
    "running a 10k for a cancer charity, how do i train without hurting my back",
    "my physio asked about red flags and i had none",
    "I eat a lot of bran, does fibre matter for back pain",
]


@pytest.mark.parametrize("question", URGENT)
def test_red_flags_written_as_people_write_are_urgent(question):
    assert red_flags(question), question


@pytest.mark.parametrize("question", NOT_URGENT)
def test_negated_resolved_and_general_mentions_are_not_urgent(question):
    assert red_flags(question) == [], question


def test_cancer_history_counts_when_past_but_not_when_negated():
    assert red_flags("I had breast cancer 5 years ago and now my back aches at night")
    assert not red_flags("never had breast cancer, and my back aches at night")


def test_look_alike_letters_and_zero_width_characters_are_folded():
    assert normalise("blаdder") == "bladder"  # Cyrillic а
    assert normalise("ԁrop ΑND b\u200bowel") == "drop and bowel"
    assert normalise("ｆｅｖｅｒ") == "fever"  # full width, folded by NFKC


def test_a_red_flag_at_the_start_of_a_huge_text_is_found():
    text = "I cant control my bladder since my back went. " + "blah " * 40_000
    assert len(text) > 200_000
    assert [f.name for f in red_flags(text)] == ["bladder or bowel control"]


def test_only_a_bounded_prefix_of_a_huge_text_is_read(monkeypatch):
    seen = []
    real = safety.normalise
    monkeypatch.setattr(safety, "normalise", lambda text: seen.append(len(text)) or real(text))
    red_flags("x" * 200_000 + " and i cant feel down there")
    assert seen and max(seen) <= MAX_CHECKED_CHARS


def test_misspellings_are_corrected_once_per_word():
    safety._correct.cache_clear()
    normalise("bladdder bladdder bladdder")
    assert safety._correct.cache_info().misses == 1
