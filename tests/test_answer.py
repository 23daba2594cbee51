"""Answers from the shipped corpus: cited quotes, refusals, and questions that can't be taken.

What an answer says is the real model's work; its shape (verbatim cited quotes, streaming,
messages for questions that can't be taken) is the code's, tested on the fake embedder.
"""

import re
from dataclasses import replace

import numpy as np
import pytest
from conftest import ARTICLE_TITLE

from assistant import markup
from assistant.answering import excerpts, extractive, passage_runs
from assistant.answering.aspects import aspects
from assistant.answering.extractive import ExtractiveAnswerer, sentence_key
from assistant.citations import cited_pieces, strip_markers
from assistant.prompts import ALL_SAID, ALL_SAID_ABOUT, CANNOT_ANSWER
from assistant.records import Chunk, Passage
from assistant.text import normalize_space, split_sentences


def test_piriformis_question_quotes_the_article(assistant):
    answer = assistant.answer("why isn't my piriformis stretch working?")
    assert not answer.refused
    assert answer.sources and all(s.title == ARTICLE_TITLE for s in answer.sources)
    quotes = " ".join(s.quote for s in answer.sources)
    assert "bend the back" in quotes or "disc bulge at L4,L5" in quotes
    assert "[1]" in answer.text


def test_an_answer_is_verbatim_excerpts_with_the_answer_marked(fake_assistant):
    store = fake_assistant.store
    answer = fake_assistant.answer("should I stretch my hamstrings?")
    source_text = normalize_space(store.get_record(answer.sources[0].source_id).text)
    pieces, tail = cited_pieces(answer.text)
    assert not tail and 1 <= len(pieces) <= 3
    assert "**" in pieces[0][0]  # the sentence that answers is marked
    for text, numbers in pieces:
        assert len(numbers) == 1
        cited = next(s for s in answer.sources if s.n == numbers[0])
        quoted = normalize_space(" ".join(markup.body_lines(text)))
        assert quoted == normalize_space(cited.quote)
        assert normalize_space(cited.quote) in source_text
    assert len({s.source_id for s in answer.sources}) == len(answer.sources)


def test_a_sentence_that_leans_back_brings_the_one_before():
    chunk = Chunk("c", "s", "article", "T", "Hips matter a lot. This is why squats help.", 0, 0, 44)
    found = excerpts.units(chunk)
    assert excerpts.window(found, 1, {1})[0] == 0


def test_an_excerpt_never_opens_on_a_sentence_that_leans_on_one_left_out():
    text = (
        "As you age, the disks break down. As they do, they lose their cushioning. This can "
        "lead to pain. A herniated disk is a disk that ruptures."
    )
    chunk = Chunk("c", "s", "document", "Herniated disk", text, 0, 0, len(text))
    found = excerpts.units(chunk)
    assert excerpts.window(found, 3, {3})[0] == 0  # back to what "As they do" leans on
    text = text[text.index("This can") :]  # a chunk that starts on the leaning sentence
    chunk = Chunk("c", "s", "document", "Herniated disk", text, 1, 0, len(text))
    found = excerpts.units(chunk)
    assert excerpts.window(found, 1, {1})[0] == 1


def test_a_credit_line_closes_an_excerpt():
    text = "Most back pain gets better. See a doctor after 72 hours. NIH: National Cancer Institute"
    chunk = Chunk("c", "s", "document", "Back pain", text, 0, 0, len(text))
    found = excerpts.units(chunk)
    first, last = excerpts.window(found, 1, {1})
    assert excerpts.quote(chunk, found, (first, last)).endswith("after 72 hours.")


# Two speakers' turns of the Podcast Index namespace's example transcript (CC0): a turn is a
# paragraph of the chunk, as ingest lays it out.
TURNS = (
    "Creating good audio is really key to keeping your podcast listeners engaged because no "
    "matter how good the content is, if your audio quality isn't good. It's unfortunately just "
    "going to turn them away. I know what "
    "you're thinking is you probably think you have to spend thousands of dollars on equipment "
    "or rent a podcasting studio. And I'm here to tell you that's not true at all. I have "
    "created some pretty good audio from mic's that costs less than a hundred dollars. And I "
    "have also recorded in places like in my home office, even in the closet.\n\n"
    "Now, when you're creating your podcast intro, there's a couple of things that you want to "
    "make sure that you cover. The first one is who you are specifically, like, what is your "
    "name? So you can start. Your podcast is, Hey, welcome to my podcast."
)


def test_an_excerpt_is_rounded_out_within_its_paragraph_first():
    """Short of its length, an excerpt takes the sentences of its own paragraph (in a
    transcript, the speaker's turn) before it, not the next speaker's new subject after it;
    only a paragraph too short for an excerpt goes on into the next."""
    quoted = _excerpt_answering(TURNS, "I have created", "transcript")
    assert "that's not true at all" in quoted
    assert "podcast intro" not in quoted
    short = _excerpt_answering(TURNS[TURNS.index("I know") :], "I have created", "transcript")
    assert "podcast intro" in short


def test_a_list_reached_while_rounding_out_comes_whole():
    """MedlinePlus's gout page: the sentences after the answer reach a list's lead-in ("…if
    you"), and the list comes with it (its items are lines of their own, yet part of the
    paragraph) rather than being cut off for the paragraph's sentences before."""
    text = (
        "Gout is a common, painful form of arthritis. It causes swollen, red, hot and stiff "
        "joints. Gout happens when uric acid builds up in your body. Normally, uric acid "
        "dissolves in the blood. It passes through the kidneys and out of the body in urine. "
        "The crystals can also cause kidney stones. Often, gout first attacks your big toe. "
        "It can also attack ankles and knees. At first, gout attacks usually get better in "
        "days. Eventually, attacks last longer and happen "
        "more often. You are more likely to get gout if you\n- Are a man\n- Have family member "
        "with gout\n- Are overweight\n- Drink alcohol\n- Eat too many foods rich in purines\n"
        "Gout can be hard to diagnose. Your doctor may take a sample of fluid from a joint."
    )
    quoted = _excerpt_answering(text, "Often")
    assert quoted.endswith("- Eat too many foods rich in purines"), quoted


def test_a_lead_in_brings_what_it_announces_from_the_next_turn():
    """A guest's "Here's what I tell people:" is answered after the host's "Mm-hmm.": the
    excerpt goes on to the advice rather than ending on the colon."""
    text = (
        "Most of the people I see with a stiff lower back have hips that barely rotate at all. "
        "They sit all day at a desk and then drive home and sit on the sofa for the evening. "
        "The hip joint adapts to that and loses its range over months and years. The lower "
        "back then has to twist where the hip should have turned. Hip rotation "
        "drills done every morning bring that range back within a few weeks. Here's what I tell "
        "people:\n\nMm-hmm.\n\nTen slow rotations each side, every morning, before you sit down "
        "for the day. And do not push into pain."
    )
    quoted = _excerpt_answering(text, "Hip rotation", "transcript")
    assert quoted.endswith("And do not push into pain."), quoted


def test_an_excerpt_never_ends_on_a_lead_in_whose_words_it_left_out():
    text = (
        "Hip rotation drills done every morning bring that range back within a few weeks. "
        "Here is what to do:\nThe next steps\nTen slow rotations each side."
    )
    quoted = _excerpt_answering(text, "Hip rotation", "article")
    assert quoted.endswith("within a few weeks."), quoted


def test_rounding_out_within_a_paragraph_leaves_room_for_what_follows_the_answer():
    """A paragraph of short sentences before the answer fills the excerpt's budget only as far
    as it can hold them, so the sentence after the answer, in the next paragraph, still fits."""
    before = " ".join(f"Short point number {n} is here and says a bit more." for n in range(8))
    text = f"{before} The answer says the main thing.\nIt goes on in the next paragraph."
    quoted = _excerpt_answering(text, "The answer", "article")
    assert quoted.endswith("in the next paragraph."), quoted


def test_a_short_turn_in_a_transcript_is_speech_not_a_heading():
    text = "So what do you do first?\n\nRight\n\nYou start with the hip hinge."
    spoken = excerpts.units(Chunk("c", "s", "transcript", "Ep 1", text, 0, 0, len(text)))
    written = excerpts.units(Chunk("c", "s", "article", "Hips", text, 0, 0, len(text)))
    assert [u.heading for u in spoken] == [False, False, False]
    assert [u.heading for u in written] == [False, True, False]


def test_a_long_list_reached_while_rounding_out_still_comes_whole():
    """The answer and the list's lead-in are short, the list long: the excerpt holds the list
    (within its budget) rather than ending before its lead-in."""
    item = "a risk factor described in great detail with many words of explanation for it"
    text = (
        "Gout is a common, painful form of arthritis. Often, gout first attacks your big toe. "
        "You are more likely to get gout if you\n"
        + "".join(f"- {item} {n}\n" for n in range(6))
        + "Gout can be hard to diagnose. You can treat gout with medicines."
    )
    quoted = _excerpt_answering(text, "Often")
    assert quoted.endswith(f"- {item} 5"), quoted


def test_a_list_announced_with_a_colon_keeps_its_items():
    text = "Do these three things:\n- squat to a chair\n- hip hinge\n- step ups\nThat is all."
    chunk = Chunk("c", "s", "article", "T", text, 0, 0, len(text))
    found = excerpts.units(chunk)
    first, last = excerpts.window(found, 0, {0})
    rendered = excerpts.render(chunk, found, (first, last), {0})
    assert rendered.splitlines()[1:4] == ["- squat to a chair", "- hip hinge", "- step ups"]


CAUSES = (
    "Straining",
    "Dehydration",
    "Low minerals",
    "Poor blood flow",
    "Heat",
    "Age",
    "Drugs",
    "Cold",
)
CRAMPS = (
    "Muscle cramps are sudden spasms that often come at night. Other causes are\n"
    + "".join(f"- {cause}\n" for cause in CAUSES)
    + "Cramps can be very painful. Stretching or gently massaging the muscle can relieve this pain."
)


def test_a_list_without_a_colon_keeps_all_its_items():
    chunk = Chunk("c", "s", "document", "Cramps", CRAMPS, 0, 0, len(CRAMPS))
    found = excerpts.units(chunk)
    lead_in = next(i for i, u in enumerate(found) if u.text.startswith("Other causes"))
    first, last = excerpts.window(found, lead_in, {lead_in})
    quoted = excerpts.quote(chunk, found, (first, last))
    assert "\n".join(f"- {cause}" for cause in CAUSES) in quoted


def test_an_excerpt_too_long_for_its_list_ends_before_the_list():
    """Cut inside a list, an excerpt would read as if those were all the items: it ends before
    the list's lead-in instead, when the answering sentence comes before it."""
    many = "".join(f"- {cause} {n}\n" for n in range(3) for cause in CAUSES)
    text = (
        "Muscle cramps are sudden spasms. They often come at night after a long day. They can "
        "wake you up. Other causes are\n" + many + "Stretching can relieve this pain."
    )
    chunk = Chunk("c", "s", "document", "Cramps", text, 0, 0, len(text))
    found = excerpts.units(chunk)
    first, last = excerpts.window(found, 0, {0})
    quoted = excerpts.quote(chunk, found, (first, last))
    assert quoted.endswith("They can wake you up."), quoted


def test_a_list_that_turns_the_thought_is_kept_even_cut_short():
    """ "However, it does not help in these cases:" and its items turn the answer round: an
    excerpt keeps them (cut short) rather than end before them and say the opposite."""
    many = "".join(f"- {cause} {n}\n" for n in range(3) for cause in CAUSES)
    text = (
        "Surgery fixes most herniated discs. Recovery takes about six weeks. "
        "However, it does not help in these cases:\n" + many
    )
    chunk = Chunk("c", "s", "document", "Surgery", text, 0, 0, len(text))
    found = excerpts.units(chunk)
    first, last = excerpts.window(found, 0, {0})
    assert "However, it does not help" in excerpts.quote(chunk, found, (first, last))


def test_the_two_sentences_that_answer_best_are_quoted_together():
    """Two marked sentences four apart: the excerpt spans both rather than leave one out."""
    after = " ".join(
        f"Detail {n} of the condition is described here at some length for the reader today."
        for n in range(6)
    )
    text = (
        "Polymyalgia rheumatica causes pain and stiffness in your neck, shoulders and hips. "
        "It is most common in women over fifty. The main symptom is stiffness after resting. "
        "Other symptoms include fever and weight loss. "
        "In some cases it develops overnight. " + after
    )
    chunk = Chunk("c", "s", "document", "PMR", text, 0, 0, len(text))
    found = excerpts.units(chunk)
    best, other = 4, 0  # "…develops overnight" and the opening sentence
    assert found[best].text.startswith("In some cases")
    first, last = excerpts.window(found, best, {best, other})
    assert first == other and last > best


def _excerpt_answering(text: str, answer_starts: str, kind: str = "document") -> str:
    """The excerpt of a one-chunk passage around its sentence starting `answer_starts`."""
    chunk = Chunk("c", "s", kind, "T", text, 0, 0, len(text))
    found = excerpts.units(chunk)
    best = next(i for i, u in enumerate(found) if u.text.startswith(answer_starts))
    return excerpts.quote(chunk, found, excerpts.window(found, best, {best}))


def test_an_excerpt_over_its_budget_keeps_the_sentence_that_finishes_the_answer():
    """The sentences before the answer only round the excerpt out; the one after it often
    finishes the answer ("Treatments include…" after "Doctors diagnose…"): over the budget,
    the excerpt sheds the ones before."""
    text = (
        "Your spine protects your spinal cord and allows you to stand and bend. "
        "Spinal stenosis causes narrowing in your spine. "
        "Younger people with a spine injury are also at risk. "
        "Symptoms might appear gradually or not at all. They include\n"
        "- Pain in your neck or back\n- Numbness in your legs\n- Pain going down the leg\n"
        "Doctors diagnose spinal stenosis with a physical exam and imaging tests. "
        "Treatments include medications, physical therapy, braces, and surgery."
    )
    quoted = _excerpt_answering(text, "Doctors diagnose")
    assert quoted.endswith("braces, and surgery."), quoted
    assert not quoted.startswith(("They", "-")), quoted


def test_a_list_item_of_two_sentences_is_still_in_the_list():
    """A second sentence on an item's line ("It's often related to aging.") is part of the item:
    the excerpt keeps the rest of the list after it, rather than end there as if it were whole."""
    kinds = [
        "Autoimmune arthritis happens when your immune system attacks your joints by mistake. "
        "Rheumatoid arthritis is the most common form of this kind, and it tends to affect "
        "the same joints on both sides of the body, often the small joints of the hands and the "
        "feet first, with stiffness that lasts for an hour or more in the morning.",
        "Juvenile arthritis is a type of arthritis that happens in children.",
        "Infectious arthritis is an infection that has spread to the joint.",
        "Psoriatic arthritis affects people with psoriasis.",
        "Gout is a painful type of arthritis that comes from too much uric acid in the body.",
    ]
    text = (
        "Arthritis is joint pain. Types of arthritis include\n"
        "- Osteoarthritis is the most common type of arthritis. "
        "It's often related to aging or to an injury.\n" + "\n".join(f"- {k}" for k in kinds)
    )
    chunk = Chunk("c", "s", "document", "Arthritis", text, 0, 0, len(text))
    found = excerpts.units(chunk)
    best = next(i for i, u in enumerate(found) if u.text.startswith("- Osteoarthritis"))
    first, last = excerpts.window(found, best, {best})
    quoted = excerpts.quote(chunk, found, (first, last))
    assert "Types of arthritis include\n" in quoted, quoted
    assert quoted.endswith(kinds[-1]), quoted


def test_an_excerpt_never_opens_inside_a_list():
    """A chunk that starts mid-list: the excerpt starts after the list, not at "- Dehydration"."""
    text = CRAMPS[CRAMPS.index("- Dehydration") :]
    chunk = Chunk("c", "s", "document", "Cramps", text, 1, 0, len(text))
    found = excerpts.units(chunk)
    best = len(found) - 1  # "Stretching or gently massaging…"
    first, _ = excerpts.window(found, best, {best})
    assert found[first].text.startswith("Cramps can be very painful")


def test_a_follow_up_does_not_open_or_close_on_what_the_chat_just_showed(assistant):
    question = "why isn't my piriformis stretch working?"
    first = assistant.answer(question)
    shown = {normalize_space(s) for s in split_sentences(markup.plain(strip_markers(first.text)))}
    later = assistant.answer("what should i do instead", [(question, first.text)])
    assert not later.refused
    for source in later.sources:
        sentences = [normalize_space(s) for s in split_sentences(source.quote)]
        assert sentences[0] not in shown and sentences[-1] not in shown, source.quote


def test_a_follow_up_quotes_something_new_or_says_that_is_all(assistant):
    """Asked for more again and again, the chat quotes something new each time, until it says
    that is all the podcast says about the question the topic started with."""
    question = "why isn't my piriformis stretch working?"
    first = assistant.answer(question)
    history = [(question, first.text)]
    before = {normalize_space(s.quote) for s in first.sources}
    for follow_up in ("what else?", "and then?") * 4:
        later = assistant.answer(follow_up, history)
        if later.refused:
            break
        assert all(normalize_space(s.quote) not in before for s in later.sources)
        history.append((follow_up, later.text))
        before |= {normalize_space(s.quote) for s in later.sources}
    assert later.text == ALL_SAID_ABOUT.format(topic=question)


def test_a_question_asked_again_in_other_words_is_answered_again(assistant):
    first = assistant.answer("why isn't my piriformis stretch working?")
    history = [("why isn't my piriformis stretch working?", first.text)]
    again = assistant.answer(
        "Why does the piriformis figure 4 stretch not help my buttock?", history
    )
    assert not again.refused and again.sources  # not "that's all": it stands alone


@pytest.mark.parametrize(
    "question",
    ["What is the capital of France?", "Can you give me a recipe for sourdough bread?"],
)
def test_off_topic_questions_are_refused(assistant, question):
    answer = assistant.answer(question)
    assert answer.refused
    assert answer.text == CANNOT_ANSWER
    assert answer.sources == []


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("", "Please type a question"),
        ("   \n\t ", "Please type a question"),
        ("why " * 5000, "20,000 characters"),
    ],
)
def test_questions_that_cannot_be_taken_get_a_clear_message(fake_assistant, question, expected):
    answer = fake_assistant.answer(question)
    assert answer.refused and answer.sources == []
    assert expected in answer.text


def test_stream_grows_to_the_final_answer(fake_assistant):
    question = "why isn't my piriformis stretch working?"
    steps = list(fake_assistant.stream(question))
    final = fake_assistant.answer(question)
    assert steps[-1] == final
    assert len(steps) == len(cited_pieces(final.text)[0])
    for earlier, later in zip(steps, steps[1:], strict=False):
        assert later.text.startswith(earlier.text)
        assert {s.n for s in earlier.sources} <= {s.n for s in later.sources}


def test_stream_of_a_refusal_is_one_step(fake_assistant):
    steps = fake_assistant.stream("What is the capital of France?")
    assert [a.text for a in steps] == [CANNOT_ANSWER]


def test_an_answer_embeds_a_shortlist_of_sentences_once(assistant, embedder, encoded, monkeypatch):
    """Encoding sentences is most of an answer's time: at most MAX_SCORED per question, each
    sentence once per process, and the question's vector is the one retrieval made."""
    cap = 10  # below the shipped passages' sentence count, so the shortlist is exercised
    monkeypatch.setattr(extractive, "MAX_SCORED", cap)
    question = "Why isn't my piriformis stretch working?"
    passages = assistant.retriever.passages(question)
    answerer = ExtractiveAnswerer(embedder, assistant.settings.min_relevance)
    encoded.clear()  # retrieval's own encoding above is not the answerer's
    first = answerer(question, passages)
    assert not first.refused and first.sources
    assert question not in encoded
    relevant = [p for p in passages if p.score >= assistant.settings.min_relevance]
    assert 0 < len(encoded) <= cap + len(relevant)  # sentences, headings
    candidates = sum(len(re.findall(r"[.!?]", p.chunk.text)) for p in relevant)
    assert candidates > cap  # the shortlist was needed
    encoded.clear()
    assert answerer(question, passages) == first
    assert encoded == []


def test_holding_every_word_lets_a_passage_in_but_does_not_rank_it_first():
    """The whole-match bonus (`Passage.about`) is for the relevance gate: between two passages
    that both pass, the one that matches better leads, not the one that holds every word."""
    from fake_embedder import FakeEmbedder

    from assistant.records import Passage

    text = "Squats and hip hinges rebuild hip strength. Start light and add load slowly."
    lucky = Chunk("a", "lucky", "document", "Hips", text, 0, 0, len(text))
    better = Chunk("b", "better", "document", "Hips", text, 0, 0, len(text))
    answerer = ExtractiveAnswerer(FakeEmbedder(), min_relevance=0.2)
    passages = [Passage(lucky, 0.75, about=0.3), Passage(better, 0.5)]
    answer = answerer("which exercises rebuild hip strength", passages)
    assert answer.sources[0].source_id == "better"
    # Without the bonus, the order is the passages' own.
    plain = answerer("which exercises rebuild hip strength", [Passage(lucky, 0.75), passages[1]])
    assert plain.sources[0].source_id == "lucky"


FIBROMYALGIA = (
    "Fibromyalgia is a disorder that causes muscle pain and fatigue. People with fibromyalgia "
    'have "tender points" on the body. Tender points are specific places on the neck, '
    "shoulders, back, hips, arms, and legs. These points hurt when pressure is put on them. "
    "People with fibromyalgia may also have other symptoms, such as\n- Trouble sleeping\n"
    "- Morning stiffness\n- Headaches\n- Painful menstrual periods\n"
    "- Tingling or numbness in hands and feet\n"
    '- Problems with thinking and memory (sometimes called "fibro fog")\n'
    "No one knows what causes fibromyalgia. Anyone can get it, but it is most common in "
    "middle-aged women."
)


def test_the_sentence_that_holds_the_question_in_its_order_is_the_answer(embedder):
    """MedlinePlus's fibromyalgia page: the model scores "Fibromyalgia is a disorder that
    causes…" and "No one knows what causes fibromyalgia" within a hair of each other; the
    answer marks the one that says what causes it."""
    from assistant.records import Passage

    chunk = Chunk("c", "mplus", "document", "Fibromyalgia", FIBROMYALGIA, 0, 0, len(FIBROMYALGIA))
    answerer = ExtractiveAnswerer(embedder, min_relevance=0.2)
    answer = answerer("what causes fibromyalgia", [Passage(chunk, 0.9)])
    assert "**No one knows what causes fibromyalgia.**" in answer.text


def test_word_pairs_in_the_question_s_order_settle_a_tie(monkeypatch):
    """Two sentences of the same words (the fake embedder gives them one vector): only the one
    with "causes fibromyalgia" in the question's order is marked; without the pairs, the tie
    marks both."""
    from fake_embedder import FakeEmbedder

    from assistant.records import Passage

    text = (
        "Doctors know well what causes fibromyalgia pain in most people. "
        "Fibromyalgia pain in most people causes what doctors know well."
    )
    chunk = Chunk("c", "s", "document", "Pain", text, 0, 0, len(text))
    answerer = ExtractiveAnswerer(FakeEmbedder(), min_relevance=0.2)
    answer = answerer("what causes fibromyalgia", [Passage(chunk, 0.9)]).text
    assert "**Doctors know well what causes" in answer and "**Fibromyalgia pain" not in answer
    monkeypatch.setattr(extractive, "PHRASE_WEIGHT", 0.0)
    assert "**Fibromyalgia pain" in answerer("what causes fibromyalgia", [Passage(chunk, 0.9)]).text


def test_a_sentence_holds_the_question_s_word_pairs_in_order_or_not():
    held = extractive._pairs_held(
        "what causes fibromyalgia?",
        [
            "No one knows what causes fibromyalgia.",
            "Fibromyalgia is a disorder that causes muscle pain and fatigue.",
            "Doctors are not sure what causes the pain of fibromyalgia.",
        ],
    )
    assert held == [1.0, 0.0, 0.0]


def test_a_chunk_and_the_next_one_of_its_section_are_read_as_one_passage():
    """MedlinePlus's bursitis page in two chunks: the first ranks higher, the answer to "what
    if it doesn't improve" is in the second. Read as one passage, the excerpt quotes it, once."""
    from fake_embedder import FakeEmbedder

    from assistant.records import Passage

    text = (
        "Bursitis occurs when a bursa becomes inflamed. People get bursitis by overusing a "
        "joint. It usually occurs at the knee or elbow. Symptoms of bursitis include pain and "
        "swelling. Treatment of bursitis includes rest, pain medicines, or ice. If there is no "
        "improvement, your doctor may inject a drug into the area around the swollen bursa."
    )
    cut = text.index("Treatment of")
    one = Chunk(
        "b-0",
        "bursitis",
        "document",
        "Bursitis",
        text[: text.index(" If there")],
        0,
        0,
        text.index(" If there"),
    )
    two = Chunk("b-1", "bursitis", "document", "Bursitis", text[cut:], 1, cut, len(text))
    following = {"b-0": two}.get
    question = "will the doctor inject a drug into the bursa if there is no improvement"
    passages = [Passage(one, 0.8), Passage(two, 0.5)]
    alone = ExtractiveAnswerer(FakeEmbedder(), min_relevance=0.2)
    joined = ExtractiveAnswerer(FakeEmbedder(), 0.2, following=lambda c: following(c.chunk_id))
    answer = joined(question, passages)
    assert "**If there is no improvement" in answer.text
    assert len(answer.sources) == 1 and answer.sources[0].quote in text
    assert "If there is no improvement" not in alone(question, passages).sources[0].quote


RESTLESS_LEGS = (
    "Restless legs syndrome (RLS) causes a powerful urge to move your legs. Your legs become "
    "uncomfortable when you are lying down or sitting. Some people describe it as a creeping, "
    "crawling, tingling, or burning sensation. Moving makes your legs feel better, but not for "
    "long. RLS can make it hard to fall asleep and stay asleep. In most cases, there is no known "
    "cause for RLS. In other cases, RLS is caused by a disease or condition, such as anemia or "
    "pregnancy. Some medicines can also cause temporary RLS. Caffeine, tobacco, and alcohol may "
    "make symptoms worse. Lifestyle changes, such as regular sleep habits, relaxation "
    "techniques, and moderate exercise during the day can help. If those don't work, medicines "
    "may reduce the symptoms of RLS."
)


def test_the_clause_that_asks_picks_the_sentence_that_answers(embedder, monkeypatch):
    """MedlinePlus's restless legs page: the whole question is about restless legs and sleep,
    its last clause asks what helps without medication; the answer marks what helps."""
    question = "restless legs is stopping me sleeping, anything i can try without medication"
    answer = _page_answer(embedder, "Restless Legs", RESTLESS_LEGS, question)
    assert "**Lifestyle changes, such as regular sleep habits" in answer
    monkeypatch.setattr(extractive, "CLAUSE_WEIGHT", 0.0)
    assert "**Lifestyle changes" not in _page_answer(
        embedder, "Restless Legs", RESTLESS_LEGS, question
    )


def _page_answer(embedder, title: str, text: str, question: str) -> str:
    """The extractive answer to `question` from one page of `text`, the real model judging."""
    from assistant.records import Passage

    chunk = Chunk("c", "mplus", "document", title, text, 0, 0, len(text))
    return ExtractiveAnswerer(embedder, min_relevance=0.2)(question, [Passage(chunk, 0.9)]).text


SPINAL_STENOSIS = (
    "Your spine, or backbone, protects your spinal cord and allows you to stand and bend. "
    "Spinal stenosis causes narrowing in your spine. The narrowing puts pressure on your nerves "
    "and spinal cord and can cause pain.\nSpinal stenosis occurs mostly in people older than 50. "
    "Younger people with a spine injury or a narrow spinal canal are also at risk. Diseases such "
    "as arthritis and scoliosis can cause spinal stenosis, too. Symptoms might appear gradually "
    "or not at all. They include\n- Pain in your neck or back\n- Numbness, weakness, cramping, "
    "or pain in your arms or legs\n- Pain going down the leg\n- Foot problems\nDoctors diagnose "
    "spinal stenosis with a physical exam and imaging tests. Treatments include medications, "
    "physical therapy, braces, and surgery."
)


def test_a_clause_that_points_back_is_read_with_what_it_points_to(embedder, monkeypatch):
    """MedlinePlus's spinal stenosis page: "what is that exactly" alone fits any sentence
    about anything; read as asked of "spinal stenosis", it marks what stenosis is."""
    from assistant.answering import condense

    question = "his doctor mentioned spinal stenosis, what is that exactly"
    what_it_is = "**Spinal stenosis causes narrowing in your spine.**"
    assert what_it_is in _page_answer(embedder, "Spinal Stenosis", SPINAL_STENOSIS, question)
    monkeypatch.setattr(extractive, "asked_of", condense.asking_clause)
    assert what_it_is not in _page_answer(embedder, "Spinal Stenosis", SPINAL_STENOSIS, question)


SECTION = " ".join(
    f"Part {n} of the stretching section says one thing about hips and backs and knees."
    for n in range(9)
)


def _thirds() -> list[Chunk]:
    """SECTION in three chunks that meet: each starts where the one before ends."""
    cuts = [0, SECTION.index("Part 3"), SECTION.index("Part 6"), len(SECTION)]
    return [
        Chunk(f"k-{i}", "s", "document", "Hips", SECTION[a:b], i, a, b)
        for i, (a, b) in enumerate(zip(cuts, cuts[1:], strict=False))
    ]


def test_chunks_that_follow_each_other_are_read_as_one_whatever_their_order():
    from itertools import permutations

    from assistant.records import Passage

    chunks = _thirds()
    following = {c.chunk_id: n for c, n in zip(chunks, chunks[1:], strict=False)}
    for order in permutations(range(3)):
        passages = [Passage(chunks[i], 0.5 + 0.1 * i) for i in order]
        read = passage_runs.runs_joined(passages, lambda c: following.get(c.chunk_id))
        assert len(read) == 1, order
        assert read[0].chunk.text == SECTION and read[0].score == 0.7


def test_a_quote_read_across_chunks_is_cited_as_the_chunk_of_its_answering_sentence():
    """So its link highlights that sentence, not the chunk before."""
    from fake_embedder import FakeEmbedder

    from assistant.records import Passage

    chunks = _thirds()
    following = {c.chunk_id: n for c, n in zip(chunks, chunks[1:], strict=False)}
    whole = passage_runs.joined(passage_runs.joined(chunks[0], chunks[1]), chunks[2])
    follow = lambda c: following.get(c.chunk_id)  # noqa: E731
    for chunk in chunks:
        assert passage_runs.chunk_at(whole, chunk.start_char + 1, follow) == chunk.chunk_id
    answerer = ExtractiveAnswerer(FakeEmbedder(), 0.2, following=follow)
    passages = [Passage(chunks[2], 0.9), Passage(chunks[0], 0.6), Passage(chunks[1], 0.5)]
    answer = answerer("what does part 7 say", passages)
    marked = next(iter(markup.marked(answer.text)))
    assert marked.startswith("Part 7")
    cited = next(c for c in chunks if c.chunk_id == answer.sources[0].chunk_id)
    assert marked in cited.text


def test_trimming_an_excerpt_keeps_a_list_s_lead_in_and_its_last_items():
    items = [f"Symptom number {n}" for n in range(16)]
    text = (
        "Lumbar stenosis narrows the space in the lower spine and presses on the nerves there. "
        "Symptoms often come on slowly over many years. Common symptoms include\n"
        + "".join(f"- {i}\n" for i in items)
        + "These symptoms usually get better when you bend forward or sit down."
    )
    chunk = Chunk("c", "s", "document", "Stenosis", text, 0, 0, len(text))
    found = excerpts.units(chunk)
    span = excerpts.window(found, len(found) - 1, {len(found) - 1})
    assert excerpts.quote(chunk, found, span).startswith("Common symptoms include\n")
    treatments = [f"Treatment number {n}" for n in range(12)]
    text = (
        "Sciatica is pain along the sciatic nerve from the lower back down the leg. It usually "
        "affects one side of the body and can be mild or severe. Most people get better in a "
        "few weeks without surgery. Treatments that can help include:\n"
        + "\n".join(f"- {t}" for t in treatments)
    )
    chunk = Chunk("c", "s", "document", "Sciatica", text, 0, 0, len(text))
    found = excerpts.units(chunk)
    lead_in = next(i for i, u in enumerate(found) if u.text.startswith("Treatments that"))
    quoted = excerpts.quote(chunk, found, excerpts.window(found, lead_in, {lead_in}))
    assert quoted.endswith(treatments[-1]), quoted


def test_items_of_two_sentences_are_one_list_and_a_lone_dash_paragraph_is_prose():
    """An excerpt answering from a list's last item opens at the list's lead-in, not at the
    second sentence of the item before; a paragraph that only opens with "- " is prose."""
    text = (
        "Low back pain usually gets better on its own within a few weeks for most people who "
        "have it. Common treatments include:\n"
        "- Rest the back for a day or two when the pain first starts and is at its worst. "
        "Start moving gently again, a little more each day, as the pain allows you to, because "
        "staying in bed for longer tends to slow recovery rather than speed it up.\n"
        "- Ice the sore area for the first two days, twenty minutes at a time, several times a "
        "day. Heat helps after that, with a warm bath or a heating pad on a low setting, and it "
        "can loosen tight muscles in the lower back so that walking and bending feel easier.\n"
        "- Take pain relievers such as ibuprofen or acetaminophen if you need them to keep "
        "moving. Ask a pharmacist which one suits you best."
    )
    assert _excerpt_answering(text, "- Take pain").startswith("Common treatments include:")
    prose = "Sciatica has many causes.\n- " + " ".join(
        f"Cause {n} is described in this sentence." for n in range(14)
    )
    chunk = Chunk("c", "s", "document", "Sciatica", prose, 0, 0, len(prose))
    found = excerpts.units(chunk)
    best = next(i for i, u in enumerate(found) if u.text.startswith("Cause 5"))
    first, last = excerpts.window(found, best, {best})
    assert last - first + 1 <= excerpts.MAX_UNITS  # sentences of prose, not a list's lines


def test_chunks_read_as_one_still_go_on_into_the_next_chunk():
    """Two retrieved chunks read as one, the answer at their end: the excerpt goes on into the
    third chunk of the section, as it would from a single chunk."""
    from fake_embedder import FakeEmbedder

    from assistant.records import Passage

    chunks = _thirds()
    following = {c.chunk_id: n for c, n in zip(chunks, chunks[1:], strict=False)}
    answerer = ExtractiveAnswerer(
        FakeEmbedder(), 0.2, following=lambda c: following.get(c.chunk_id)
    )
    passages = [Passage(chunks[1], 0.9), Passage(chunks[0], 0.6)]
    answer = answerer("what does part 5 say", passages)
    assert "Part 6" in answer.sources[0].quote


def test_a_gap_between_two_chunks_ends_a_run_but_not_the_next_one():
    """A and B don't meet (a chunk left a space out), B and C do: B and C are still one."""
    from assistant.records import Passage

    a, b, c = _thirds()
    gap = replace(b, text=b.text[1:], start_char=b.start_char + 1)  # starts past A's end
    following = {a.chunk_id: gap, gap.chunk_id: c}
    passages = [Passage(a, 0.9), Passage(gap, 0.8), Passage(c, 0.7)]
    read = passage_runs.runs_joined(passages, lambda x: following.get(x.chunk_id))
    assert [p.chunk.chunk_id for p in read] == [a.chunk_id, gap.chunk_id]
    assert read[1].chunk.text == gap.text + c.text


def test_a_page_that_repeats_itself_is_quoted_with_each_sentence_once():
    """MedlinePlus pages often give a list, then the same words again as prose: the excerpt
    around the answer quotes each sentence once, though both copies fit the question."""
    text = (
        "Doctors use a history, an exam and x-rays. They include\n"
        "- A medical history is the patient's story of the pain.\n"
        "- X-rays are limited. X-rays often miss early joint damage.\n"
        "A medical history is the patient's story of the pain. X-rays are limited. "
        "X-rays often miss early joint damage. Bring a list of your medicines."
    )
    chunk = Chunk("c", "s", "document", "T", text, 0, 0, len(text))
    found = excerpts.units(chunk)
    copies = {i for i, u in enumerate(found) if u.text.startswith("X-rays often")}
    quoted = excerpts.quote(chunk, found, excerpts.window(found, max(copies), copies))
    assert quoted.count("X-rays often miss") == 1, quoted
    assert quoted.count("A medical history") <= 1, quoted
    # Or the page's list ran into one line, each item saying its words twice.
    inline = (
        "These medicines slow bone loss. They include - Pills can upset the stomach and cause "
        "heartburn. Pills can upset the stomach and cause heartburn. - A drip can cause fever "
        "for a few days. A drip can cause fever for a few days."
    )
    quoted = _excerpt_answering(inline, "They include")
    assert quoted.count("Pills can upset") == 1 and quoted.count("A drip can") <= 1, quoted


def test_an_excerpt_cut_before_a_long_list_takes_the_sentences_before_it():
    """A list too long to quote after the answer is cut with its lead-in; the excerpt is then
    rounded out from the sentences before the answer, not left at the answer alone."""
    asked = "the doctor may ask about where your pain is, when it started, what makes it worse"
    items = "".join(f"- Question {n}: {asked} and how you sleep?\n" for n in range(9))
    text = (
        "A physical exam checks your joints, skin, reflexes and muscle strength. "
        "The doctor watches you walk, bend and carry out everyday tasks. "
        "X-rays are limited in what they show of joint damage. "
        "X-rays often miss damage until much cartilage is lost. "
        "Your doctor may ask these questions:\n" + items
    )
    quoted = _excerpt_answering(text, "X-rays often miss")
    assert quoted.startswith("A physical exam") or quoted.startswith("The doctor"), quoted
    assert "Question 1" not in quoted and quoted.endswith("cartilage is lost."), quoted


def test_a_sentence_is_scored_the_same_whatever_was_encoded_beside_it(embedder):
    """The int8 model scales its activations by the whole batch: encoded beside others, a
    sentence's vector came out a little different, and so could the answer to one question,
    depending on what had been asked before it."""
    sentence = "Most injury to the low back occurs at the L4,L5 and L5,S1 segments."
    others = [  # as long as it, so they share its batch
        "Osteoarthritis breaks down the cartilage in your joints over many years of use.",
        "Gout attacks often start at night with sudden, severe pain in the big toe joint.",
    ]
    together = ExtractiveAnswerer(embedder, 0.3)._sentence_vectors([sentence, *others])
    alone = ExtractiveAnswerer(embedder, 0.3)._sentence_vectors([sentence])
    assert np.allclose(together[0], alone[0], atol=1e-5)


def test_a_copy_of_the_answer_under_its_own_label_is_left_out(embedder):
    """A page that repeats each item under its label ("- Genetics. Many people… Genetics.
    Many people…"): the excerpt ends before the copy's label, and another source whose best
    sentence the answer already quotes adds no second excerpt of it."""
    text = (
        "These risk factors are associated with gout. - Genetics. Many people with gout have a "
        "family history of the disease. Genetics. Many people with gout have a family history "
        "of the disease. - Weight. Being overweight increases the risk of developing gout."
    )
    quoted = _excerpt_answering(text, "Many people with gout")
    assert quoted.count("Many people with gout") == 1 and not quoted.endswith("Genetics."), quoted
    copy = (
        "Gout is a painful form of arthritis that often strikes the big toe at night, with "
        "swelling, redness and heat. Many people with gout have a family history of the disease."
    )
    passages = [
        Passage(
            Chunk("a", "gout-causes", "document", "What causes Gout?", text, 0, 0, len(text)), 0.9
        ),
        Passage(Chunk("b", "gout-risk", "document", "Who gets gout?", copy, 0, 0, len(copy)), 0.85),
    ]
    answer = ExtractiveAnswerer(embedder, 0.3)("does gout run in families", passages)
    assert len(answer.sources) == 1 and answer.text.count("Many people with gout") == 1, answer.text


def test_a_reference_to_read_more_is_never_the_answer(embedder):
    """Genetics Home Reference lists where to read more ("- MedlinePlus Encyclopedia: HLA-B27
    Antigen"): that line names the question's words but answers nothing."""
    links = (
        "These resources address the diagnosis or management of ankylosing spondylitis:\n"
        "- Genetic Testing Registry: Ankylosing spondylitis\n"
        "- MedlinePlus Encyclopedia: HLA-B27 Antigen\n"
    )
    genes = (
        "A variation of the HLA-B gene called HLA-B27 increases the risk of developing "
        "ankylosing spondylitis. Most people with this version of the gene never develop it."
    )
    passages = [
        Passage(Chunk("a", "as-links", "document", "AS resources", links, 0, 0, len(links)), 0.8),
        Passage(Chunk("b", "as-genes", "document", "AS genetics", genes, 0, 0, len(genes)), 0.7),
    ]
    answer = ExtractiveAnswerer(embedder, 0.3)(
        "whats hla-b27? my test came back positive", passages
    )
    assert answer.sources[0].source_id == "as-genes", answer.text
    assert "**- MedlinePlus" not in answer.text
    # A label and its content are no reference: they may well answer.
    for line in ("- Treatment: Rest and ice", "Other symptoms include : Pain during sex"):
        assert not extractive._REFERENCE.match(line), line


def test_every_passage_retrieval_returns_is_judged(embedder):
    """The passage that answers best may come last in retrieval's fused order ("Exercise for
    Seniors" came 6th of six for "what kind of exercise should a 70 year old be doing"): it is
    judged, and leads, all the same."""
    filler = [
        f"Children need {n} hours of sleep, and screens before bed keep them awake."
        for n in range(5)
    ]
    seniors = (
        "Exercise and physical activity are good for older adults. There are four main types: "
        "endurance, strength, balance and flexibility."
    )
    chunks = [
        Chunk(f"c{i}", f"s{i}", "document", "Sleep", text, 0, 0, len(text))
        for i, text in enumerate(filler)
    ]
    chunks.append(
        Chunk("c5", "seniors", "document", "Exercise for Seniors", seniors, 0, 0, len(seniors))
    )
    passages = [Passage(c, 0.6) for c in chunks]
    answer = ExtractiveAnswerer(embedder, 0.3)("what exercise should a 70 year old do", passages)
    assert answer.sources[0].source_id == "seniors", answer.text


def test_a_follow_up_quotes_its_best_answer_again_when_nothing_new_comes_close(embedder):
    """New material first, but not at the answer's cost: "will I recover fully?" after an
    answer that already said "most people recover" quotes that again, caveat and all, before
    anything new; a bare "what else?" still gets only what the chat has not shown."""
    outlook = (
        "With treatment, most people recover from pinched nerve. In some cases, the damage is "
        "irreversible."
    )
    other = "Research programs on pinched nerve study pain in the laboratory."
    chunks = [
        Chunk("c0", "outlook", "document", "Pinched nerve outlook", outlook, 0, 0, len(outlook)),
        Chunk("c1", "other", "document", "Pinched nerve", other, 0, 0, len(other)),
    ]
    passages = [Passage(chunks[0], 0.6), Passage(chunks[1], 0.5)]
    seen = frozenset(sentence_key(s) for s in split_sentences(outlook))
    answerer = ExtractiveAnswerer(embedder, 0.3)
    fresh = answerer("will i recover fully from a pinched nerve?", passages)
    assert fresh.sources[0].source_id == "outlook"
    again = answerer("will i recover fully from a pinched nerve?", passages, seen, True)
    assert again.sources[0].source_id == "outlook"
    assert "irreversible" in again.sources[0].quote  # quoted whole, not trimmed to what is new
    # Nothing new at all: the best passage again, not "that's all".
    alone = answerer("will i recover fully from a pinched nerve?", passages[:1], seen, True)
    assert [s.source_id for s in alone.sources] == ["outlook"]
    # "what else?" (no repeat_best) gets what is new, however far behind it is, or "that's all".
    more = answerer("what else?", [passages[0], Passage(chunks[1], 0.4)], seen)
    assert [s.source_id for s in more.sources] == ["other"]
    assert answerer("what else?", passages[:1], seen).text == ALL_SAID


def test_a_question_that_asks_for_treatment_leads_with_the_section_that_gives_it(embedder):
    """A page's sections share its subject, so the subject words that rank them cannot tell
    "what is it" from "how is it treated": the heading that names the aspect asked does."""
    what = (
        "A pinched nerve is pressure on a nerve from the tissue around it. It often starts in "
        "the neck or lower back, and brings numbness, tingling or burning pain along the nerve."
    )
    treat = (
        "Rest is the first step for most people. Anti-inflammatory medicines may ease the "
        "pain, and a collar or splint can take the pressure off for a while."
    )
    page = "Pinched nerves"
    chunks = [
        Chunk("c0", "p", "article", page, what, 0, 0, len(what), section="What it is"),
        Chunk("c1", "p", "article", page, treat, 1, 0, len(treat), section="How it is treated"),
    ]
    answerer = ExtractiveAnswerer(embedder, 0.3)
    passages = [Passage(chunks[0], 0.81), Passage(chunks[1], 0.78)]  # a close call
    treated = answerer("pinched nerve in my neck, how is it treated", passages)
    assert treated.sources[0].section == "How it is treated", treated.text
    # Asked what it is, the same two sections keep their order.
    asked = answerer("pinched nerve in my neck, what is that exactly", passages)
    assert asked.sources[0].section == "What it is", asked.text


def test_the_aspect_asked_is_read_from_the_asking_clause_and_the_passages_own_heading():
    def named(question, title, section=None):
        chunk = Chunk("c", "s", "article", title, "Some text.", 0, 0, 10, section=section)
        return extractive._aspect_named(question, [Passage(chunk, 0.5)])[0]

    records = "What are the treatments for Pinched Nerve ?"
    assert named("my neck is stiff, how is it treated", records)
    # "treatment" in the story is not what is asked.
    assert not named("the treatment did nothing. what is a pinched nerve?", records)
    # A section's heading says what its passage tells; a page's or an episode's title that
    # asks nothing says what the whole source is about.
    assert not named("how is it treated", records, section="What it is")
    assert named("how is it treated", "Pinched nerves", section="Treating it")
    assert not named("how is it treated", "How to treat a pinched nerve")


def test_aspects_are_named_by_cue_words_not_by_everything_near_them():
    assert aspects("how is it treated") == {"treatment"}
    assert aspects("What is the outlook for Pinched Nerve ?") == {"outlook"}
    assert aspects("anything that helps me recover") == {"treatment", "outlook"}
    # "why" asks for a reason given as often as for a cause; a scan is what the listener had;
    # a therapist is a person, a manager no management.
    for text in ("why does it matter so much", "after a bone scan", "my therapist", "my manager"):
        assert aspects(text) == frozenset(), text
