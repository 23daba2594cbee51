import pytest

from assistant.answering.small_talk import small_talk_reply
from assistant.prompts import CANNOT_ANSWER, GOODBYE_REPLY, GREETING_REPLY, THANKS_REPLY


@pytest.mark.parametrize(
    ("message", "reply"),
    [
        ("hi", GREETING_REPLY),
        ("Hello there!", GREETING_REPLY),
        ("thanks!", THANKS_REPLY),
        ("Thank you so much 🙏", THANKS_REPLY),
        ("great, that helps a lot", THANKS_REPLY),
        ("ok cheers, bye", THANKS_REPLY),
        ("bye", GOODBYE_REPLY),
    ],
)
def test_a_message_of_chat_words_only_gets_a_friendly_reply(message, reply):
    assert small_talk_reply(message) == reply


@pytest.mark.parametrize(
    "message",
    [
        "hi, why does my back hurt?",
        "thanks, but what about my knee?",
        "morning stiffness",
        "is it ok",
        "ok",  # a follow-up's "ok" goes on with the topic
        "why?",
        "",
        "hi " * 20,
    ],
)
def test_a_message_that_asks_something_is_no_small_talk(message):
    assert small_talk_reply(message) is None


def test_the_assistant_answers_thanks_in_kind_not_with_a_refusal(fake_assistant):
    question = "why isn't my piriformis stretch working?"
    history = [(question, fake_assistant.answer(question).text)]
    answer = fake_assistant.answer("thanks!", history)
    assert answer.text == THANKS_REPLY != CANNOT_ANSWER
    assert not answer.refused and not answer.sources
