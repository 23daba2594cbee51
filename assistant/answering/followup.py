"""Follow-ups: a question that leans on the chat so far becomes one that stands alone.

Without an LLM a deterministic rule carries the previous turn's topic into a question that
refers back ("what should I do instead?"); with one, the model rewrites the question and the
rule is the fallback when the rewrite comes back unusable.
"""

import json
import logging
import re
from collections.abc import Callable, Sequence

from langchain_core.language_models import BaseChatModel

from assistant.answering.condense import DUMMY_IT
from assistant.answering.word_kinds import names_a_thing, only_an_adverb
from assistant.prompts import CANNOT_ANSWER, CONDENSE_PROMPT, CONDENSE_TEMPLATE
from assistant.text import ASKS_FOR_MORE, FUNCTION_WORDS, VAGUE_WORDS, terms

log = logging.getLogger(__name__)

History = Sequence[tuple[str, str]]  # (question, answer) pairs, oldest first

# Words that point back at an earlier turn, and openings that continue one.
_REFERS = re.compile(
    r"\b(?:it|its|it's|that|this|those|these|they|them|their|theirs|there|instead|else|"
    r"another|other|others|same|such|one|ones|more|also|too|either|then|again|mine)\b"
)
_CONTINUES = re.compile(
    r"^\s*(?:and|but|so|or|also|what about|how about|what if|then|ok(?:ay)?|and if|plus)\b"
)
# A pronoun that stands for a subject said before (not "there", "one", "more": "is there a
# stretch for plantar fasciitis?" starts a topic of its own).
_POINTS_BACK = re.compile(r"\b(?:it|its|it's|that|this|they|them|their|those|these|mine)\b")
# The same, less "they": a listener's "they" is as often the doctors ("what do they try before
# a knee replacement") as something said before.
_STANDS_FOR = re.compile(r"\b(?:it|its|it's|that|this|them|those|these|mine)\b", re.I)
# Before a word that names a thing these point at it, not back: "these exercises", "i heard
# that turmeric helps", "this morning".
_DETERMINERS = frozenset({"this", "that", "these", "those"})
# Turns a follow-up carries at most: the topic's own question and the latest follow-ups (a
# fourth "what else?" is still about the question that started the topic).
MAX_TOPIC_TURNS = 3
MAX_CONTENT_WORDS = 3  # a question that refers back but says more than this stands alone
# "what can go wrong", "surgery ever needed?": this few words that name something (adverbs
# don't) and no subject of their own lean on the chat too.
MAX_BARE_WORDS = 2
# A question whose pronoun has nothing before it to stand for ("will it go away for good
# though?") leans on the chat up to this many content words; longer, it tells its own story.
MAX_POINTING_WORDS = 6
MAX_QUOTED_ANSWER_CHARS = 600  # of an earlier answer quoted to the rewrite: its topic, no more


def content_words(text: str) -> list[str]:
    """The words of `text` that carry its topic (not function words)."""
    return terms(text, drop=FUNCTION_WORDS, stem=False)


def is_followup(question: str, specific: Callable[[str], bool] | None = None) -> bool:
    """Whether `question` leans on an earlier turn: it says nearly nothing of its own ("why?"),
    refers back or continues and says little, or (given `specific`, which tells a word that
    names a subject from an ordinary one) names no subject of its own and is a few words, or
    has a pronoun with no word before it to stand for ("will it go away for good though?")."""
    question = question.replace("’", "'")  # a phone's apostrophe
    own = content_words(question)
    if len(own) <= 1:
        return True
    lowered = question.lower()
    # "what can go wrong" names nothing, nor does "ever" or "though".
    named = [w for w in own if w not in VAGUE_WORDS and not only_an_adverb(w)]
    names_none = specific is not None and not any(map(specific, named))
    if len(own) <= MAX_POINTING_WORDS:
        pronoun = _pronoun_with_nothing_before(question)
        # "mine" stands for something said before whatever follows it.
        if pronoun == "mine" or (pronoun and names_none):
            return True
    if _REFERS.search(lowered) or _CONTINUES.search(lowered):
        # "Is it bad to stretch my hamstrings?" leans only in form: it names its subject.
        return len(own) <= MAX_BARE_WORDS or (len(own) <= MAX_CONTENT_WORDS and names_none)
    return len(named) <= MAX_BARE_WORDS and names_none


def _pronoun_with_nothing_before(question: str) -> str | None:
    """The question's first pronoun, lower-cased, when no word before it could be what it
    stands for: "will it go away for good though?" points at the chat; "osteoporosis
    symptoms? does it hurt" and "changes that help neuropathy" at their own words; "is it ok
    to…" at nothing; "these exercises" and "IT band" hold no pronoun."""
    text = DUMMY_IT.sub(" ", question)
    for found in _STANDS_FOR.finditer(text):
        word = found[0].lower()
        after = content_words(text[found.end() :])[:1]
        if found[0] == "IT" or (
            word in _DETERMINERS
            and after
            and after[0] not in VAGUE_WORDS
            and names_a_thing(after[0])
            and text[found.end() :].lstrip()[:1].isalnum()  # "that, and…" ends the phrase
        ):
            continue
        before = [w for w in content_words(text[: found.start()]) if w not in VAGUE_WORDS]
        return None if any(map(names_a_thing, before)) else word
    return None


def _points_back(question: str) -> bool:
    """A short question with a pronoun for something said before ("is that why I have it?")."""
    return bool(_POINTS_BACK.search(question.lower())) and (
        len(content_words(question)) <= MAX_CONTENT_WORDS
    )


def asks_its_own(question: str) -> bool:
    """Whether a follow-up asks something of its own ("will I be able to run again?"), not
    only for more ("what else?", "tell me more")."""
    return any(w not in ASKS_FOR_MORE for w in content_words(question))


def answers_not_to_repeat(question: str, history: History) -> History:
    """The turns whose answers a follow-up should not quote again: all of them for a bare "what
    else?" or "tell me more", which want anything not yet shown; only the last for a follow-up
    that asks something of its own ("will I be able to run again?"), whose answer an older turn
    may have shown."""
    return history[-1:] if asks_its_own(question) else history


def topic_turns(history: History, specific: Callable[[str], bool] | None = None) -> list[str]:
    """The questions of the chat's current topic, oldest first: the last one that stood alone
    and the latest follow-ups after it (MAX_TOPIC_TURNS in all at most)."""
    topic: list[str] = []
    for earlier, _ in history:
        # A turn that points back ("i kneel a lot, is that why i have it?") stays on the topic
        # even when it names something of its own: a later "what if it doesn't get better?"
        # is still about what it pointed back at.
        if topic and (is_followup(earlier, specific) or _points_back(earlier)):
            follow_ups = [*topic[1:], earlier][-(MAX_TOPIC_TURNS - 1) :]
            topic = [topic[0], *follow_ups]
        else:
            topic = [earlier]
    return topic


def carry_topic(
    question: str, history: History, specific: Callable[[str], bool] | None = None
) -> str:
    """A follow-up prefixed with the turns of the topic it follows, word for word: what the
    safety check reads ("no fever" must keep its "no")."""
    topic = topic_turns(history, specific)
    if not topic or not is_followup(question, specific):
        return question
    return " ".join([*(t.strip() for t in topic), question.strip()])


def topic_query(
    question: str, history: History, specific: Callable[[str], bool] | None = None
) -> str:
    """The rule's standalone form of a follow-up, for retrieval: the question that opened the
    topic, the things later follow-ups named ("mine presses on a nerve root"), then the
    follow-up. What later turns asked ("how is it treated", "who gets it") is left out: it
    pulled in passages on what was asked before ("how's it diagnosed" found who gets it)."""
    topic = topic_turns(history, specific)
    if not topic or not is_followup(question, specific):
        return question
    opening = topic[0].strip()
    said = set(content_words(opening))
    added = [
        w
        for later in topic[1:]
        for w in content_words(later)
        if w not in VAGUE_WORDS and names_a_thing(w) and not (w in said or said.add(w))
    ]
    return " ".join([opening, *added, question.strip()])


def one_line(text: str, limit: int | None = None) -> str:
    """`text` on one line (so it cannot start a line of its own in a prompt), cut to `limit`."""
    flat = " ".join(text.split())
    return flat if limit is None or len(flat) <= limit else flat[:limit].rstrip() + "…"


def conversation_lines(history: History) -> str:
    """The chat so far for the rewrite prompt. The answers come from the client, so they are
    quoted and labelled as what the listener's browser sent back, never as the assistant's
    own turns (a forged "answer" must not pass for something the model said)."""
    lines = []
    for earlier, answer in history:
        quoted = json.dumps(one_line(answer, MAX_QUOTED_ANSWER_CHARS), ensure_ascii=False)
        lines += [
            f"Listener: {one_line(earlier)}",
            f"Reply as the listener's browser sent it back: {quoted}",
        ]
    return "\n".join(lines)


def rewrite_with_llm(model: BaseChatModel, question: str, history: History) -> str:
    """The model's standalone form of `question`, or the rule's when the rewrite is unusable."""
    if not history:
        return question
    messages = CONDENSE_TEMPLATE.format_messages(
        history=conversation_lines(history[-MAX_TOPIC_TURNS:]), question=one_line(question)
    )
    try:
        reply = model.invoke(messages).text.strip()
    except Exception:  # a flaky server must not lose the question; the rule still works
        log.warning("follow-up rewrite failed; using the topic rule", exc_info=True)
        return topic_query(question, history)
    first = reply.splitlines()[0].strip().strip('"') if reply else ""
    if not usable_rewrite(first, question, history):
        return topic_query(question, history)
    return first


def usable_rewrite(rewrite: str, question: str, history: History) -> bool:
    """Whether a rewrite can stand for the question: not empty, not the refusal, not a line
    of our own prompt (a small model copies "The conversation was sent back…"), and sharing
    a word with what the listener asked, now or before."""
    if not rewrite or CANNOT_ANSWER in rewrite or len(rewrite) > 4 * len(question) + 200:
        return False
    if rewrite in CONDENSE_PROMPT:
        return False
    asked = set(terms(" ".join([question, *(q for q, _ in history)]), FUNCTION_WORDS))
    return bool(asked & set(terms(rewrite, FUNCTION_WORDS)))
