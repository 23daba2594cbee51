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

# Shown under every answer, whatever its kind.
STANDING_NOTE = (
    "This is information from the Back In Shape podcast, not medical advice. "
    "If you are worried about your symptoms, see a doctor or physiotherapist."
)

# The whole answer when the question mentions a red-flag symptom: no exercise advice at all.
URGENT_CARE = (
    "What you describe can be a sign of a serious problem that needs a doctor today, not an "
    "exercise or a stretch. Please get urgent medical help now: call your doctor or an urgent-"
    "care line (NHS 111 in the UK), or go to an emergency department. If you have lost control "
    "of your bladder or bowels, feel numb between your legs, or your legs are getting weaker, "
    "go to an emergency department or call your local emergency number straight away."
)
