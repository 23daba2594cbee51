"""Answers from the shipped corpus: cited quotes, refusals, and questions that can't be taken.

What an answer says is the real model's work; its shape (verbatim cited quotes, streaming,
messages for questions that can't be taken) is the code's, tested on the fake embedder.
"""

import re

import pytest
from conftest import ARTICLE_TITLE

from assistant.answering.extractive import MAX_SCORED, ExtractiveAnswerer
from assistant.prompts import CANNOT_ANSWER
from assistant.text import normalize_space


def test_piriformis_question_quotes_the_article(assistant):
    answer = assistant.answer("why isn't my piriformis stretch working?")
    assert not answer.refused
    assert answer.sources and all(s.title == ARTICLE_TITLE for s in answer.sources)
    quotes = " ".join(s.quote for s in answer.sources)
    assert "bend the back" in quotes or "disc bulge at L4,L5" in quotes
    assert "[1]" in answer.text


def test_every_answer_sentence_is_a_verbatim_cited_quote(fake_assistant):
    store = fake_assistant.store
    answer = fake_assistant.answer("should I stretch my hamstrings?")
    source_text = normalize_space(store.get_record(answer.sources[0].source_id).text)
    pieces = re.findall(r"(.+?) \[(\d+)\](?: |$)", answer.text)
    assert 2 <= len(pieces) <= 5
    numbers = {s.n for s in answer.sources}
    for sentence, n in pieces:
        assert int(n) in numbers
        cited = next(s for s in answer.sources if s.n == int(n))
        assert normalize_space(sentence) in normalize_space(cited.quote)
        assert normalize_space(cited.quote) in source_text


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
    assert len(steps) >= 2
    for earlier, later in zip(steps, steps[1:], strict=False):
        assert later.text.startswith(earlier.text)
        assert {s.n for s in earlier.sources} <= {s.n for s in later.sources}


def test_stream_of_a_refusal_is_one_step(fake_assistant):
    steps = fake_assistant.stream("What is the capital of France?")
    assert [a.text for a in steps] == [CANNOT_ANSWER]


def test_an_answer_embeds_a_shortlist_of_sentences_once(assistant, embedder, encoded):
    """Encoding sentences is most of an answer's time: at most MAX_SCORED per question, each
    sentence once per process, and the question's vector is the one retrieval made."""
    question = "Why isn't my piriformis stretch working?"
    passages = assistant.retriever.passages(question)
    answerer = ExtractiveAnswerer(embedder, assistant.settings.min_relevance)
    encoded.clear()  # retrieval's own encoding above is not the answerer's
    first = answerer(question, passages)
    assert not first.refused and first.sources
    assert question not in encoded
    assert 0 < len(encoded) <= MAX_SCORED
    candidates = sum(len(re.findall(r"[.!?]", p.chunk.text)) for p in passages[:4])
    assert candidates > MAX_SCORED  # the shortlist was needed
    encoded.clear()
    assert answerer(question, passages) == first
    assert encoded == []
