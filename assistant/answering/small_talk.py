"""Chat's own words: a message that only greets, thanks or says goodbye ("hi", "thanks!",
"ok cheers bye") gets a friendly reply, not "the podcast doesn't cover that"."""

import re

from assistant.prompts import GOODBYE_REPLY, GREETING_REPLY, THANKS_REPLY

_GREETING_LIST = "hi hello hey hiya howdy morning afternoon evening yo"
_THANKS_LIST = "thanks thank thx ty ta cheers appreciated appreciate"
_GOODBYE_LIST = "bye goodbye cya later night goodnight"
# Words that come along in such a message but ask nothing ("thank you so much", "ok great").
_FILLER_LIST = """
    you u so very much lots loads again there all everyone guys good great ok okay cool
    perfect brilliant lovely awesome nice that thats that's helps helped helpful really a
    lot for the it this info see and oh ah wow amazing super"""
_GREETING = frozenset(_GREETING_LIST.split())
_THANKS = frozenset(_THANKS_LIST.split())
_GOODBYE = frozenset(_GOODBYE_LIST.split())
_FILLER = frozenset(_FILLER_LIST.split())
_WORD = re.compile(r"[a-z']+")
MAX_WORDS = 8  # a longer message asks something, whatever its words


def small_talk_reply(message: str) -> str | None:
    """The reply to a message that is only chat's own words, or None when it asks something."""
    words = _WORD.findall(message.lower().replace("’", "'"))
    if not words or len(words) > MAX_WORDS:
        return None
    said = set(words)
    if not said <= _GREETING | _THANKS | _GOODBYE | _FILLER:
        return None
    if said & _THANKS:
        return THANKS_REPLY
    if said & _GOODBYE:
        return GOODBYE_REPLY
    if said & _GREETING:
        return GREETING_REPLY
    return THANKS_REPLY if said & {"helps", "helped", "helpful"} else None
