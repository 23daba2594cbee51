"""The answering room: red flags, follow-ups, the extractive and LLM answerers, the Assistant."""

from assistant.answering.assistant import (
    Assistant,
    check_history,
    check_question,
    urgent_answer,
)

__all__ = ["Assistant", "check_history", "check_question", "urgent_answer"]
