"""The evaluation room: question sets run through the assistant and scored."""

from assistant.evaluation.harness import (
    Case,
    CaseResult,
    EvalFileError,
    Thresholds,
    below,
    citation_problems,
    evaluate,
    load_cases,
    run_case,
    summarize,
)

__all__ = [
    "Case",
    "CaseResult",
    "EvalFileError",
    "Thresholds",
    "below",
    "citation_problems",
    "evaluate",
    "load_cases",
    "run_case",
    "summarize",
]
