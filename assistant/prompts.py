"""Fixed texts the assistant says; shared by answerers, the UI and the tests."""

# The one "cannot answer" sentence: answerers return it, the UI and tests recognise it.
CANNOT_ANSWER = (
    "Sorry, the podcast doesn't cover that, so I can't answer it from the podcast's content."
)
EMPTY_QUESTION = "Please type a question, for example: why isn't my piriformis stretch working?"
QUESTION_TOO_LONG = (
    "That question is {length:,} characters long. Please shorten it to {limit:,} characters or "
    "fewer and ask again."
)
