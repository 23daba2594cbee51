"""The red-flag check: paraphrases and typos caught, ordinary back-pain questions left alone."""

import json

import pytest

from assistant.answering.safety import normalise, red_flags
from assistant.prompts import STANDING_NOTE, URGENT_CARE
from assistant.records import Answer
from ui.api import answer_body, answer_summary
from ui.gradio_chat import answer_markdown, escape_markdown

RED_FLAGS = [
    ("cant control my bladder", "bladder or bowel control"),
    ("i cnat controll my bladdder anymore", "bladder or bowel control"),
    ("I've lost control of my bowels since my back went", "bladder or bowel control"),
    ("can't pee properly since the sciatica started", "bladder or bowel control"),
    ("I have incontinance and back pain", "bladder or bowel control"),
    ("numb down there", "saddle numbness"),
    ("my groin and inner thighs feel numb", "saddle numbness"),
    ("numbnes in my genitals", "saddle numbness"),
    ("both legs are getting weaker", "progressive or both-sided leg weakness"),
    ("my leg is getting weaker every week", "progressive or both-sided leg weakness"),
    ("my foot is dragging when i walk", "progressive or both-sided leg weakness"),
    ("back hurts and ive been feverish", "back pain with fever"),
    ("back pain with a high temperature and chills", "back pain with fever"),
    ("hurt my back after a car crash", "after major trauma"),
    ("fell off a ladder and now my back hurts", "after major trauma"),
    ("I had breast cancer 5 years ago and now back pain", "history of cancer"),
    ("lost 10kg without trying and my back aches", "unexplained weight loss"),
    ("unexplained weight loss and back pain", "unexplained weight loss"),
    ("constant pain at night, nothing helps", "constant night pain"),
    ("pain all night no matter how I lie", "constant night pain"),
]

ORDINARY = [
    "tingling down my leg when I sit",
    "why isn't my piriformis stretch working?",
    "my hips are weak and stiff, what should I do?",
    "is there any position I can sleep in that eases sciatica?",
    "will losing weight help my back pain?",
    "burning and pins and needles in my buttock",
    "my leg feels numb after sitting for an hour",
    "I have fewer flare ups now, should I keep stretching?",
    "I can't stand for long without back pain",
    "numbness in my foot from sciatica",
    "I want to lose some weight, is running ok with sciatica",
    "my legs feel tired after walking",
]


@pytest.mark.parametrize(("question", "flag"), RED_FLAGS)
def test_red_flags_are_caught_in_paraphrase_and_with_typos(question, flag):
    assert flag in [f.name for f in red_flags(question)]


@pytest.mark.parametrize("question", ORDINARY)
def test_ordinary_sciatica_questions_raise_no_flag(question):
    assert red_flags(question) == []


def test_misspellings_are_corrected_but_real_words_are_not():
    assert normalise("Bladdder controll") == "bladder control"
    assert normalise("fewer flare ups") == "fewer flare ups"  # a word, though one edit from fever


def test_urgent_answer_replaces_retrieval_and_carries_no_advice(assistant, monkeypatch):
    question = "which stretch helps my sciatica? i cant control my bladder"
    assert assistant.retrieve(question)  # the article has passages for the exercise part

    def no_retrieval(self, query):
        raise AssertionError(f"retrieved for an urgent question: {query!r}")

    monkeypatch.setattr(type(assistant.retriever), "passages", no_retrieval)
    answer = assistant.answer(question)
    assert answer == Answer(text=URGENT_CARE, refused=False, sources=[], urgent=True)
    assert list(assistant.stream("numb down there since yesterday")) == [answer]


def test_ordinary_answers_are_not_urgent(assistant):
    answer = assistant.answer("tingling down my leg when I sit, which stretch helps?")
    assert not answer.urgent
    assert json.loads(json.dumps(answer_summary(answer)))["urgent"] is False


@pytest.mark.parametrize(
    "question", ["numb down there", "What is the capital of France?", "why do my hips ache?"]
)
def test_every_kind_of_answer_is_shown_with_the_standing_note(assistant, question):
    answer = assistant.answer(question)
    assert answer_body(answer).note == STANDING_NOTE
    assert answer_markdown(answer).endswith(f"*{escape_markdown(STANDING_NOTE)}*")
    assert "not medical advice" in STANDING_NOTE and "podcast" in STANDING_NOTE
