"""How a question is read before it is answered: long stories condensed, follow-ups that name no
subject of their own, and words the podcast never mentions."""

import numpy as np
from fake_llm import MisbehavingChatModel

from assistant.answering import Assistant, coverage
from assistant.answering.condense import asked_of, asking_clause, asking_part, condense
from assistant.answering.coverage import (
    NEAREST_MIN_COSINE,
    nearest_label,
    nothing_near,
    thing_asked,
    unanswered_abbreviations,
    unanswered_subjects,
    unanswered_thing,
    unmentioned,
)
from assistant.answering.followup import carry_topic
from assistant.markup import NOTE
from assistant.prompts import CANNOT_ANSWER, EMPTY_QUESTION
from assistant.records import Chunk, Passage

STORY = (
    "I'm 52, I've been running for about 20 years and since last spring I get this deep ache "
    "in my butt that goes down the back of my thigh. my physio says it's piriformis and gave "
    "me the figure 4 stretch. been doing it every day for 3 months and it's not getting any "
    "better. why isn't it working?"
)


def test_a_long_story_is_condensed_to_its_asking_sentence_and_rare_words():
    # "months" is the rarest in the store, but an everyday word: it comes last.
    shares = {"piriformis": 0.2, "stretch": 0.03, "thigh": 0.02, "running": 0.05, "months": 0.001}
    condensed = condense(STORY, lambda w: shares.get(w, 0.0))
    assert condensed.startswith("why isn't it working?")
    # Words the store holds, rarest in English first; words it lacks ("physio") are dropped.
    words = ["piriformis", "thigh", "stretch", "running", "months"]
    assert condensed.split("?", 1)[1].split() == words
    assert asking_part(STORY) == "why isn't it working?"


def test_a_short_questions_asking_part_runs_from_its_first_question_on():
    """What a listener tells before they ask is how they came to ask; what they add after it
    is what they ask about."""
    before = "I'm a keen cyclist. I've got piriformis syndrome. Do I have to stop riding?"
    assert asking_part(before) == "Do I have to stop riding?"
    after = "can my dog get sciatica? my labrador keeps dragging his back leg"
    assert asking_part(after) == after
    told = "im super bendy (did gymnastics). isnt being bendy meant to protect you"
    assert asking_part(told) == "isnt being bendy meant to protect you"
    # A question that says nothing of its own asks about the story; with no question, the
    # whole of what was typed is read.
    for whole in ("my dog has hip dysplasia. what helps?", "my office chair squeaks. need advice"):
        assert asking_part(whole) == whole
    # So a word of the story is no subject the podcast must mention.
    assert unmentioned(before, lambda w: w not in {"cyclist", "keen"}) == []
    assert unmentioned(after, lambda w: w != "labrador") == ["labrador"]


def test_what_a_story_says_the_listener_does_not_have_is_not_searched_for():
    story = (
        "I'm 45 and have had lower back pain for three weeks since moving house. No fever, no "
        "numbness anywhere, no problems with my bladder, it's just stiff in the mornings. "
        "What exercises actually help?"
    )
    condensed = condense(story, lambda w: 0.01)
    assert condensed.startswith("What exercises actually help?")
    assert not {"fever", "numbness", "bladder"} & set(condensed.split())
    assert "stiff" in condensed.split()


def test_a_short_question_is_left_as_it_is():
    assert condense("why isn't my piriformis stretch working?", lambda w: 0.01) == (
        "why isn't my piriformis stretch working?"
    )


def test_the_clause_that_asks_is_found_when_the_question_holds_more():
    assert asking_clause("calf cramps at night keep waking me up, how do i make them stop") == (
        "how do i make them stop"
    )
    story_end = "restless legs is stopping me sleeping, anything i can try without medication"
    assert asking_clause(story_end) == "anything i can try without medication"
    assert asking_clause("what causes fibromyalgia?") is None  # the question is all clause
    assert asking_clause("knee pain, stairs") is None  # nothing in it asks
    # "when", "where", "which" and "who" also set a scene: such a clause asks only when it
    # ends in "?" or ends the question.
    assert asking_clause("when i squat, my knee clicks") is None
    assert asking_clause("my back hurts - when should i see a doctor") == (
        "when should i see a doctor"
    )
    assert asking_clause("  ,,, ?!? ") is None


def test_a_clause_that_points_back_is_read_with_the_subject_it_points_to():
    # "it" is the hamstring: the last words before the clause that name a subject and are not
    # everyday English ("football", "sunday" are).
    assert asked_of(
        "pulled my hamstring playing football on sunday, how should i look after it"
    ) == ("how should i look after it hamstring")
    assert asked_of("my glutes switched off, is that normal") == "is that normal glutes"  # a doing
    # A condensed story puts its asking sentence first and its subject words after it.
    assert asked_of("What is that exactly? stenosis spinal shops") == (
        "What is that exactly stenosis spinal"
    )
    # A clause that names its own subject, or a question that is all one clause, is as it was.
    assert asked_of("is exercise good or bad for osteoarthritis, i thought it wears it out") == (
        "is exercise good or bad for osteoarthritis"
    )
    assert asked_of("why isn't my piriformis stretch working?") is None
    # Nothing before or after names a subject: the clause alone.
    assert asked_of("ok so, is it bad?") == "is it bad"
    assert (
        asked_of("my   tailbone  hurts,   anything that helps?") == "anything that helps tailbone"
    )


def test_what_a_pointing_clause_stands_for_is_never_what_the_listener_does_not_have():
    asked = asked_of("my lower back aches after gardening but no numbness or tingling, is that ok?")
    assert asked == "is that ok aches gardening"
    assert asked_of("my GP ruled out stenosis, what else could it be") == "what else could it be"
    # The "it" of "is it ok to" points at nothing; a measure ("5k") names no subject.
    question = "had achilles tendinitis before, is it ok to run with plantar fasciitis"
    assert asked_of(question) == "is it ok to run with plantar fasciitis"
    assert asked_of("ran a 5k, how do i stop it") == "how do i stop it"
    # The clause is read where it stands, not where its words come again.
    repeated = "sciatica flares, how do i stop it, my physio says how do i stop it is wrong"
    assert asked_of(repeated) == "how do i stop it sciatica flares"


def test_a_follow_up_without_a_pronoun_or_a_subject_carries_the_topic():
    history = [("my surgeon wants to do a knee replacement next year", "…")]
    subject = {"stenosis", "piriformis", "knee", "replacement"}.__contains__
    assert carry_topic("what can go wrong", history, subject).startswith("my surgeon wants")
    # A question that names a subject of its own stands alone.
    assert carry_topic("stenosis treatment?", history, subject) == "stenosis treatment?"
    assert carry_topic("Is it bad to stretch my piriformis?", history, subject) == (
        "Is it bad to stretch my piriformis?"
    )


def test_unmentioned_subjects_are_rare_words_the_store_lacks():
    known = {"back", "pain", "mattress"}.__contains__
    assert unmentioned("best mattress brand for lower back pain", known) == []
    assert unmentioned("can i take ibuprofen with my amlodipine pills", known) == [
        "ibuprofen",
        "amlodipine",
    ]
    # Everyday words ("said", "idea") name no subject, known or not.
    assert unmentioned("my doctor said it is a good idea", known) == []
    # Nor do verb forms ("settles") or a verb with its object ("wrecking my back"); a noun, an
    # adjective, an activity or a word English does not know at all does.
    new = {"settles", "wrecking", "rowing", "postpartum", "microdiscectomy", "mattress"}
    unknown = lambda w: w not in new  # noqa: E731
    assert unmentioned("should i rest until it settles, without wrecking my back", unknown) == []
    assert unmentioned("is rowing bad after a postpartum injury", unknown) == [
        "rowing",
        "postpartum",
    ]
    assert unmentioned("is a microdiscectomy or a mattress better", unknown) == [
        "microdiscectomy",
        "mattress",
    ]
    assert unmentioned("my chiro's adjustments", lambda w: w != "chiro") == ["chiro"]
    # A chat's contractions, with or without the apostrophe, name nothing.
    said = "they found she'd got osteopenia and shes worried, youve seen this?"
    assert unmentioned(said, lambda w: False) == ["osteopenia"]
    # Nor does who the listener asks for ("my nan", "my nephews"), any more than their GP.
    asked = "my nan, my nephews and my GP swear by copper bracelets"
    assert unmentioned(asked, lambda w: False) == ["copper", "bracelets"]
    # Nor who the listener says they are ("I'm a tiler"); "as a side effect" is no such thing.
    tiler = "knee bursitis from kneeling all day (im a tiler), how do i treat it"
    assert unmentioned(tiler, lambda w: w != "tiler") == []
    assert unmentioned("i'm a keen cyclist, does lycra help", lambda w: False) == ["lycra"]
    side = "is weight gain as a side effect of prednisone common"
    assert unmentioned(side, lambda w: w != "prednisone") == ["prednisone"]
    # Nor what the listener calls a claim they doubt: the claim's own words are the subject.
    doubted = "do heat packs help arthritic joints or is that an old wives tale, a myth?"
    assert unmentioned(doubted, lambda w: w in {"heat", "joints"}) == ["arthritic"]
    assert unmentioned("the odds of getting it, or is it hype or placebo", lambda w: False) == []
    # An "e-bike" is no "bike", and is named as typed, once.
    assert unmentioned("are e-bikes ok for bad knees", lambda w: w != "ebikes") == ["e-bikes"]
    unknown = {"afib", "fib"}
    assert unmentioned("is it a-fib or a heart attack", lambda w: w not in unknown) == ["a-fib"]


def test_an_abbreviation_the_answer_never_names_is_found():
    asked = "how long after ACL reconstruction before i can start jogging again"
    assert unanswered_abbreviations(asked, "Recovery from knee replacement…") == ["ACL"]
    assert unanswered_abbreviations(asked, "An ACL tear heals in…") == []
    assert unanswered_abbreviations("do MRIs show it", "An MRI can show…") == []
    # Capitals for emphasis, or a question typed in capitals, name nothing.
    assert unanswered_abbreviations("it HURTS, is that NOT normal", "…") == []
    assert unanswered_abbreviations("WHY DOES MY BACK HURT SO MUCH", "…") == []
    # Chat's own capitals, units and who a listener sees name nothing either; an abbreviation
    # is found anywhere in the question, and a short one is no shouting.
    assert unanswered_abbreviations("IM sitting at my PC, is running OK TBH", "…") == []
    assert unanswered_abbreviations("should i see my GP or a PT, can i lift 20 KG", "…") == []
    assert unanswered_abbreviations("I had ACL surgery, when can I start running?", "…") == ["ACL"]
    assert unanswered_abbreviations("MRI or CT?", "…") == ["MRI", "CT"]


def test_an_answer_that_never_names_the_abbreviation_asked_about_is_labelled(
    assistant, monkeypatch
):
    """A store that mentions "ACL" somewhere (as MedQuAD's does) gets no "doesn't mention"
    label; an answer from the article, which never names it, is labelled all the same."""
    keyword = assistant.retriever.keyword
    knows = keyword.knows
    monkeypatch.setattr(keyword, "knows", lambda w: w == "acl" or knows(w))
    question = "which exercises should i do to build my hips back up after ACL surgery"
    answer = assistant.answer(question)
    label = NOTE + "The podcast doesn't cover “ACL” exactly. The nearest it covers:"
    assert answer.text.startswith(label) and not answer.exact
    assert list(assistant.stream(question))[-1].text == answer.text


def test_an_answer_naming_none_of_the_subjects_asked_about_is_found(embedder):
    pillow = "best pillow for neck pain if i sleep on my side"
    neck = (
        "Neck pain is very common. Sometimes you can strain your neck muscles from sleeping "
        "in an awkward position."
    )
    rare = lambda w: True  # noqa: E731
    assert unanswered_subjects(pillow, neck, rare, embedder.encode) == ["pillow"]
    # A word the store uses often alone never labels: the answer may say it in other words.
    assert unanswered_subjects(pillow, neck, lambda w: False, embedder.encode) == []
    # One subject named is enough; everyday words ("neck", "side") are no subject.
    cortisone = "is a cortisone shot ok for knee arthritis"
    assert unanswered_subjects(cortisone, "Arthritis of the knee…", rare, embedder.encode) == []
    # A subject is named in any form, inside a longer word, or by a vertebra's name (each
    # checked with no two words alike in meaning), or by a word of the same meaning.
    basis: dict[str, int] = {}  # each word its own axis: no two words alike

    def unlike(words):
        return np.eye(64)[[basis.setdefault(w, len(basis)) for w in words]]

    named = {
        "is my lower back weaker when im bent forward": "Weak hips make bending forward hurt.",
        "which painkiller is best for arthritis": "For osteoarthritis, acetaminophen comes first.",
        "my l5 s1 disc and the pain down my leg": "Most injury occurs at the L5,S1 segment.",
    }
    for question, answer in named.items():
        assert unanswered_subjects(question, answer, rare, unlike) == [], question
    discs = "which discs in the lower back go most often"
    disks = "Herniated disks happen most often at L4."
    assert unanswered_subjects(discs, disks, rare, unlike) == ["discs"]
    assert unanswered_subjects(discs, disks, rare, embedder.encode) == []
    # Words that describe ("sore") the answer says its own way ("pain"), though after a
    # determiner such a word names a thing ("an antidepressant"); an everyday word stays one in
    # the plural ("mornings"), a chat's short form of one names nothing ("mins"); a short form
    # is named by what it stands for, a typo by the store's spelling (`fixed`).
    fixed = lambda w: {"sciatia": "sciatica", "actualy": "actually"}.get(w, w)  # noqa: E731
    cases = [
        ("my lower back is sore in the mornings", "Back pain is common.", str, []),
        ("is hugging my knees a good idea for my sore lower back", "Back pain eases.", str, []),
        ("i have 10 mins free, what stretches", "Stretch your hamstrings daily.", str, []),
        ("should i see a physio", "A physical therapist can help.", str, []),
        ("does sciatia go away", "Sciatica often gets better.", str, ["sciatia"]),
        ("does sciatia go away", "Sciatica often gets better.", fixed, []),
        (
            "should i take an antidepressant for back pain",
            "Back pain eases.",
            str,
            ["antidepressant"],
        ),
        ("should i take a diuretic", "Back pain eases.", str, ["diuretic"]),
        ("is this hereditary?", "Osteoarthritis of the hands runs in families.", str, []),
        # A typo of a word that names nothing ("actualy") is no subject to name.
        ("does acupuncture actualy work", "Back pain eases.", fixed, ["acupuncture"]),
    ]
    for question, answer, spell, expected in cases:
        assert unanswered_subjects(question, answer, rare, unlike, spell) == expected, question
    # A short form is seldom used by what it stands for: a store that says "therapist" often
    # may well answer a physio question without the word.
    often = lambda w: w != "therapist"  # noqa: E731
    assert unanswered_subjects("should i see a physio", "Rest helps.", often, unlike) == []
    assert unanswered_subjects("should i see a physio", "Rest helps.", rare, unlike) == ["physio"]
    # Related is not the same: a corticosteroid is named, a cortisone shot is not asked about.
    shot = "how long after a cortisone shot before lifting weights"
    myelitis = "Physicians often prescribe corticosteroid therapy for transverse myelitis."
    assert unanswered_subjects(shot, myelitis, rare, embedder.encode) == ["cortisone", "lifting"]


def test_an_answer_that_never_names_what_was_asked_is_labelled(assistant, monkeypatch):
    """A store that mentions "pillow" once (as MedQuAD's does) gets no "doesn't mention" label;
    an answer that never names it, nor anything else the question asks about, is labelled."""
    keyword = assistant.retriever.keyword
    knows = keyword.knows
    monkeypatch.setattr(keyword, "knows", lambda w: w == "pillow" or knows(w))
    monkeypatch.setattr(keyword, "names_a_subject", lambda w: w == "pillow")
    question = "which pillow is best for my back if i sleep on my side"
    # The one article has nothing near a pillow: the question is refused...
    assert assistant.answer(question).refused
    # ...unless any passage may be offered as the nearest.
    monkeypatch.setattr(coverage, "NEAREST_MIN_COSINE", -1.0)
    answer = assistant.answer(question)
    label = NOTE + "The podcast doesn't cover “pillow” exactly. The nearest it covers:"
    assert answer.text.startswith(label) and not answer.exact and answer.sources
    assert list(assistant.stream(question))[-1].text == answer.text
    # A word the store uses often is no label's reason: the answer may put it in other words.
    monkeypatch.setattr(keyword, "names_a_subject", lambda w: False)
    assert assistant.answer(question).exact


def test_the_thing_a_question_asks_is_good_or_safe_is_found():
    found = {
        "is it ok to sit in a hot tub with a herniated disc": ["hot", "tub"],
        "can i still go horse riding with a bulging disc, its my whole life": ["horse", "riding"],
        "are massage guns any good for tight calves": ["massage", "guns"],
        "does fish oil help stiff joints in the morning": ["fish", "oil"],
        "do inversion tables actually help a slipped disc": ["inversion", "tables"],
        "do i need special running shoes if i have flat feet": ["special", "running", "shoes"],
        "is incline walking on the treadmill good for a herniated disc": ["incline", "walking"],
        "does being overweight cause back pain": ["overweight"],
        "is it ok to do stretches in the morning for back pain": ["stretches"],
        # No thing: what "it" stands for, a verb alone, a word that only describes or says when.
        "will it go away for good though?": [],
        "how should i look after it for the first few days": [],
        "should i just keep reaching for my toes until i feel it": [],
        "strength or flexibility first if my back injury is pretty bad": [],
        "is it ok to sit all day with a herniated disc": [],
        "is it good to do nothing for back pain": [],
    }
    for question, words in found.items():
        assert thing_asked(question) == words, question


def test_an_answer_that_never_names_the_thing_asked_about_is_found(embedder):
    rare = lambda w: True  # noqa: E731
    tub = "is it ok to sit in a hot tub with a herniated disc"
    disc = "A herniated disk is a disk that ruptures. Most people recover with rest."
    assert unanswered_thing(tub, disc, rare, embedder.encode) == ["hot tub"]
    hot_tubs = disc + " Soaking in hot tubs eases pain."
    assert unanswered_thing(tub, hot_tubs, rare, embedder.encode) == []
    # A word the store uses often alone never labels: the answer may say it in other words.
    assert unanswered_thing(tub, disc, lambda w: False, embedder.encode) == []
    # Named by a word of the same meaning, even an everyday one; by a word that tells what the
    # thing is ("TENS", not "machine"; "vitamin").
    sex = "is it ok to have sex with a herniated disc"
    assert unanswered_thing(sex, "Sexual activity is fine.", rare, embedder.encode) == []
    tens = "does a tens machine help osteoarthritis"
    assert unanswered_thing(tens, "TENS uses a mild current.", rare, embedder.encode) == []
    vitamin = "does vitamin d help my bones"
    assert unanswered_thing(vitamin, "Vitamin D helps.", rare, embedder.encode) == []
    assert unanswered_thing(vitamin, "Calcium helps.", rare, embedder.encode) == ["vitamin d"]
    # As the store spells it; a listener's short form is left to `unanswered_subjects`.
    typo = "does acupunture help knee arthritis"
    fixed = lambda w: {"acupunture": "acupuncture"}.get(w, w)  # noqa: E731
    said = "Acupuncture may help."
    assert unanswered_thing(typo, said, rare, embedder.encode, fixed) == []
    # A medicine by the kind the store names it by; an aid by the store's American word.
    ibuprofen = "is ibuprofen ok for a pinched nerve"
    nsaids = "Nonsteroidal anti-inflammatory drugs (NSAIDs) may help."
    assert unanswered_thing(ibuprofen, nsaids, rare, embedder.encode) == []
    stick = "is a walking stick good for hip arthritis"
    assert unanswered_thing(stick, "A cane takes weight off the hip.", rare, embedder.encode) == []
    physio = "does physio help a herniated disc"
    assert unanswered_thing(physio, "Physical therapy helps.", rare, embedder.encode) == []
    assert unanswered_thing("will it go away for good though?", disc, rare, embedder.encode) == []


def test_an_answer_on_what_the_thing_is_for_is_labelled_as_only_near(assistant, monkeypatch):
    """The store knows "horse" and "riding" (say, from a list of sports), so the question gets
    no "doesn't mention" label; the article's answer on the back never names riding."""
    keyword = assistant.retriever.keyword
    knows = keyword.knows
    monkeypatch.setattr(keyword, "knows", lambda w: w in ("horse", "riding") or knows(w))
    monkeypatch.setattr(coverage, "NEAREST_MIN_COSINE", -1.0)
    question = "can i still go horse riding with my bad lower back"
    answer = assistant.answer(question)
    label = NOTE + "The podcast doesn't cover “horse riding” exactly. The nearest it covers:"
    assert answer.text.startswith(label) and not answer.exact and answer.sources
    assert list(assistant.stream(question))[-1].text == answer.text


def test_a_question_naming_what_the_podcast_never_mentions_is_labelled(assistant):
    answer = assistant.answer("should i stretch my hamstrings on a foam roller?")
    assert not answer.refused and answer.sources and answer.exact is False
    assert answer.text.startswith(NOTE + nearest_label(["foam", "roller"]))
    plain = assistant.answer("why isn't my piriformis stretch working?")
    assert plain.exact and not plain.text.startswith(NOTE)


def test_a_labelled_question_with_nothing_near_it_is_refused(assistant, monkeypatch):
    """A question naming what the podcast never mentions gets the nearest passage, labelled,
    only when that passage is near it; else ("my office chair squeaks") it is refused."""
    question = "do hip flexor stretches help with sciatica if i use a theraband"
    assert not assistant.answer(question).exact  # its passages are near: labelled
    monkeypatch.setattr(coverage, "NEAREST_MIN_COSINE", 0.99)  # as if nothing were near
    for answer in (assistant.answer(question), list(assistant.stream(question))[-1]):
        assert answer.refused and answer.text == CANNOT_ANSWER and not answer.sources
    # An answer that is not labelled is never refused so.
    assert not assistant.answer("why isn't my piriformis stretch working?").refused


def test_a_model_is_not_asked_for_an_answer_that_would_be_refused(shipped, monkeypatch):
    settings, store = shipped
    model = MisbehavingChatModel()
    llm = Assistant.from_settings(settings, store=store, chat_model=model)
    monkeypatch.setattr(coverage, "NEAREST_MIN_COSINE", 0.99)
    question = "do hip flexor stretches help with sciatica if i use a theraband"
    for answer in (llm.answer(question), list(llm.stream(question))[-1]):
        assert answer.refused and answer.text == CANNOT_ANSWER
    assert model.prompts == []


def test_nothing_is_near_when_no_passage_is_close_or_holds_every_word():
    chunk = Chunk("c", "s", "article", "T", "text", 0, 0, 4)
    far = Passage(chunk, 0.5, cosine=0.2)  # lifted by its keywords, not by its meaning
    assert nothing_near([far, Passage(chunk, 0.3)])
    assert not nothing_near([far, Passage(chunk, 0.6, cosine=NEAREST_MIN_COSINE)])
    assert not nothing_near([far, Passage(chunk, 0.6, about=0.3, cosine=0.1)])  # every word


def test_typos_the_store_can_correct_are_corrected_before_retrieval(assistant):
    keyword = assistant.retriever.keyword
    assert keyword.spelled("why isnt my piriformus strech working") == (
        "why isnt my piriformis stretch working"
    )
    # Words the store has, short words and words with no near spelling stay as typed.
    assert keyword.spelled("my back hurts, sourdough?") == "my back hurts, sourdough?"
    assert "piriformis" in assistant.standalone("piriformus")


def test_a_long_story_with_negated_red_flags_is_not_urgent(assistant, monkeypatch):
    # Condensing keeps a story's rare words ("fever", "bladder") but not their "no": the
    # red-flag check reads the listener's own words.
    story = (
        "I'm 45 and have had lower back pain for three weeks since moving house. No fever, no "
        "numbness anywhere, no problems with my bladder, it's just stiff and sore in the "
        "mornings and better once I get moving. What exercises actually help this kind of "
        "back pain?"
    )
    # As a store that knows both words would condense it: the words without their "no".
    condensed = "What exercises would help my back pain? fever bladder"
    monkeypatch.setattr(type(assistant), "standalone", lambda self, q, h=(): condensed)
    assert not assistant.answer(story).urgent
    follow = assistant.answer(
        "and now the other leg is going weak too", [("my left leg keeps getting weaker", "…")]
    )
    assert follow.urgent


def _index_of(tmp_path, text: str):
    """The keyword index of a store holding one article, `text`."""
    from conftest import ingest_folder, make_settings
    from fake_embedder import FakeEmbedder

    from assistant.retrieval.keyword import KeywordIndex
    from assistant.store import Store

    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "article.txt").write_text(text, encoding="utf-8")
    settings = make_settings(tmp_path, folder)
    store = Store(settings)
    ingest_folder(settings, store, FakeEmbedder())
    return KeywordIndex(store)


def test_a_word_counts_as_known_in_a_listeners_spelling(tmp_path):
    """A physio is the store's physical therapist, a British spelling its American one, and
    two letters swapped one typo ("cartlidge"); spelling correction writes the store's word."""
    index = _index_of(
        tmp_path,
        "Knee care\n\nA physical therapist can help. Cartilage covers the ends of bones. "
        "Edema is swelling; a pediatrician sees children with tumors. Kneeling hurts when "
        "confused; canes help. See the section on cells. Rest for ten minutes. Sciatica hurts. "
        "An X-ray shows bones. Practicing balance on a walker helps; acetaminophen eases pain; "
        "the immune defense.\n",
    )
    british = ("practising", "paracetamol", "defence")
    for word in ("physio", "oedema", "paediatrician", "tumours", "cartlidge", "mins", *british):
        assert index.knows(word), word
    assert not index.knows("fence") and not index.knows("zimmer")  # a frame, or an implant maker
    assert not index.knows("osteopath") and not index.knows("cortisone")
    assert index.spelled("my paediatrician says oedema, is cartlidge ok") == (
        "my pediatrician says edema, is cartilage ok"
    )
    # Words of their own stay so: no British spelling ("canoes" is no "canes"), no swap
    # ("kneading" is not "kneeling", two edits with no letters swapped), no typo of the word
    # after a letter ("C-section" is no "section").
    assert not index.knows("canoes") and not index.knows("csection")
    assert index.knows("ssciatica")  # a doubled first letter is a typo, not a letter before
    # "x-ray" is one word the question names, though it is the terms "xray" and "ray".
    ids = [c.chunk_id for c in index._built().chunks]
    assert index.holds_every_known_word("x-ray", ids) == [False] * len(ids)
    assert any(index.holds_every_known_word("x-ray bones", ids))
    typed = "Kneading or concussed, in canoes"
    assert index.spelled(typed) == typed


def test_noise_is_neither_a_question_nor_a_subject(assistant):
    assert assistant.answer("\u200b\u200d\ufeff").text == EMPTY_QUESTION
    assert unmentioned("a" * 400 + " sciatica", lambda w: False) == ["sciatica"]


def test_a_word_counts_as_known_only_a_typo_or_two_away(tmp_path):
    """A "microdiscectomy" is no typo of "discectomy", nor an English word ("stitch", "pill") a
    typo of another ("switch", "pillow"); "dicsectomy" and "piriformus" are typos, "safer" a
    form of "safe", and "butt" a short form of "buttocks"."""
    index = _index_of(
        tmp_path,
        "Disc surgery\n\nA discectomy removes the part of a disc that presses on a nerve. The "
        "piriformis muscle in the buttocks is not involved. Switch to a pillow that is safe. Bend "
        "your knees. Metal plates at the station. It is likely to help your back in the room.\n",
    )
    assert index.knows("discectomy") and index.knows("piriformis")
    assert index.knows("dicsectomy")  # two letters swapped in a long word
    assert index.knows("piriformus")  # one letter wrong
    assert not index.knows("microdiscectomy")  # five letters more: another word
    assert not index.knows("pirifxrmuss")  # three edits: too far for a typo
    assert not index.knows("stitch") and not index.knows("pill")  # English words of their own
    assert index.knows("safer") and index.knows("butt")
    assert index.knows("bendy")  # a form of "bend"
    # A swap in a short word whose stem is shorter still: "likley" is "likely" (stem "like").
    assert index.knows("likley") and not index.knows("lirkly")  # one swap; two edits
    assert index.spelled("is it likley to help") == "is it likely to help"
    # Short words are left alone: "hrt" is no "hurt", nor "rom" "room".
    assert index.spelled("hrt or rom, bak") == "hrt or rom, bak" and not index.knows("rom")
    # Spelling correction fixes typos only: English words are left as typed.
    assert index.spelled("piriformus and pilates, statins") == "piriformis and pilates, statins"


def test_the_clause_that_asks_searches_too_unless_the_question_is_a_follow_up(
    assistant, monkeypatch
):
    from assistant.retrieval.hybrid import HybridRetriever

    searched = []
    passages = HybridRetriever.passages

    def spy(self, query, asking=None):
        searched.append(asking)
        return passages(self, query, asking)

    monkeypatch.setattr(HybridRetriever, "passages", spy)
    story = "my lower back gets stiff at my desk every afternoon, which hip muscles matter"
    assistant.answer(story)
    assert searched[-1] == asked_of(story) == "which hip muscles matter"
    # A follow-up searches with the chat's topic; its own clause alone would lose it.
    history = [("why isn't my piriformis stretch working?", "…")]
    assistant.answer("and my hamstrings, which stretch should i do for those", history)
    assert searched[-1] is None
    # With an LLM every turn after the first is rewritten; a story that is no follow-up still
    # searches with its clause.
    monkeypatch.setattr(assistant, "condense", lambda question, history: question + " please")
    assistant.answer(story, history)
    assert searched[-1] == "which hip muscles matter"


def test_an_it_that_stands_for_the_story_keeps_its_subject():
    clause = asked_of("pulled my hamstring playing football, will it heal if i rest")
    assert clause.endswith("hamstring")
    assert asked_of("sciatica flares at my desk, is it worse when i sit").endswith("flares")
    # The "it" of "is it normal for … to" and "is it true that" stands for nothing.
    assert asked_of("my back clicks, is it normal for my back to click") == (
        "is it normal for my back to click"
    )
