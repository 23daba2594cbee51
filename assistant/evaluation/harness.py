"""The evaluation harness: a question set run through the assistant, scored against thresholds.

A question set is JSON Lines, one case a line:
`{"id", "kind", "question", "history"?, "expected"?, "expected_sources"?}` where `kind` is
`answerable`, `off_topic`, `red_flag` or `near_miss`; `history` lists earlier questions of the
conversation (asked first, their answers become the chat history); `expected` lists phrases of
which a retrieved passage must contain one, `expected_sources` source ids it may come from.
"""

import json
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from assistant.citations import cited_pieces
from assistant.records import Answer
from assistant.text import normalize_space, split_sentences

log = logging.getLogger(__name__)

KINDS = ("answerable", "off_topic", "red_flag", "near_miss")


class EvalFileError(ValueError):
    """A question set that can't be read; the message names the file and line."""


@dataclass(frozen=True)
class Case:
    """One question of a set, with what a good answer looks like."""

    id: str
    kind: str
    question: str
    history: tuple[str, ...] = ()
    expected: tuple[str, ...] = ()
    expected_sources: tuple[str, ...] = ()

    @property
    def has_target(self) -> bool:
        """Whether retrieval can be scored for this case."""
        return bool(self.expected or self.expected_sources)


@dataclass
class CaseResult:
    """What the assistant did with one case."""

    id: str
    kind: str
    scored: bool = False  # whether the case names its expected passages
    rank: int | None = None  # 1-based rank of the first expected passage; None if not retrieved
    refused: bool = False
    urgent: bool = False
    citation_problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Thresholds:
    """The least each figure may be; below any of them the evaluation fails."""

    recall_at_1: float = 0.0
    recall_at_5: float = 0.95
    mrr: float = 0.0
    refusal_accuracy: float = 1.0
    red_flag_accuracy: float = 1.0
    near_miss_accuracy: float = 1.0
    citation_validity: float = 1.0


def load_cases(path: Path) -> list[Case]:
    """The cases of a JSON Lines question set; a bad line is an `EvalFileError`."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise EvalFileError(f"{path}: can't read the question set ({exc.strerror})") from exc
    cases = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            case = Case(
                id=str(row.get("id", f"line-{number}")),
                kind=row["kind"],
                question=row["question"],
                history=tuple(row.get("history", ())),
                expected=tuple(row.get("expected", ())),
                expected_sources=tuple(row.get("expected_sources", ())),
            )
        except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
            raise EvalFileError(f"{path}:{number}: not a question case ({exc})") from exc
        if case.kind not in KINDS:
            raise EvalFileError(f"{path}:{number}: kind must be one of {', '.join(KINDS)}")
        cases.append(case)
    if not cases:
        raise EvalFileError(f"{path}: no questions in the file")
    return cases


def citation_problems(answer: Answer, source_text: Callable[[str], str | None]) -> list[str]:
    """What is wrong with an answer's citations: sentences without `[n]`, numbers with no
    source, sources never cited, quotes not found verbatim in their source."""
    if answer.refused or answer.urgent:
        return []
    problems = []
    pieces, uncited_tail = cited_pieces(answer.text)
    if not pieces or uncited_tail or any(len(split_sentences(t)) > 1 for t, _ in pieces):
        problems.append("a sentence without a citation")
    cited = {n for _, numbers in pieces for n in numbers}
    listed = {s.n for s in answer.sources}
    problems += [f"[{n}] cites no source" for n in sorted(cited - listed)]
    problems += [f"source {n} is listed but never cited" for n in sorted(listed - cited)]
    for source in answer.sources:
        text = source_text(source.source_id)
        if text is None or normalize_space(source.quote) not in normalize_space(text):
            problems.append(f"the quote of [{source.n}] is not in {source.source_id}")
    return problems


def _rank(case: Case, passages: list) -> int | None:
    phrases = [normalize_space(e).lower() for e in case.expected]
    for rank, p in enumerate(passages, 1):
        text = normalize_space(p.chunk.text).lower()
        if p.chunk.source_id in case.expected_sources or any(e in text for e in phrases):
            return rank
    return None


def run_case(assistant, case: Case, answer: bool = True) -> CaseResult:
    """Ask one case (its history first) and record rank, refusal, urgency and citations."""
    history: list[tuple[str, str]] = []
    for earlier in case.history:
        history.append((earlier, assistant.answer(earlier, history).text))
    result = CaseResult(case.id, case.kind)
    if case.has_target:
        result.scored = True
        result.rank = _rank(case, assistant.retrieve(case.question, history))
    if answer:
        reply = assistant.answer(case.question, history)
        result.refused, result.urgent = reply.refused, reply.urgent
        result.citation_problems = citation_problems(reply, _source_texts(assistant.store))
    return result


def _source_texts(store) -> Callable[[str], str | None]:
    def text(source_id: str) -> str | None:
        record = store.get_record(source_id)
        return record.text if record else None

    return text


def evaluate(assistant, cases: list[Case], answer: bool = True) -> dict:
    """Run every case; the figures, their counts and the ids of the cases that failed."""
    results = [run_case(assistant, c, answer) for c in cases]
    return summarize(results, answered=answer)


def summarize(results: list[CaseResult], answered: bool = True) -> dict:
    """Figures from case results (each a fraction; None where no case measures it)."""

    def share(hits: list[bool]) -> float | None:
        return round(sum(hits) / len(hits), 4) if hits else None

    targets = [r for r in results if r.scored]
    by_kind = {k: [r for r in results if r.kind == k] for k in KINDS}
    ranks = [r.rank for r in targets]
    figures = {
        "recall_at_1": share([r is not None and r <= 1 for r in ranks]),
        "recall_at_5": share([r is not None and r <= 5 for r in ranks]),
        "mrr": round(sum(1 / r for r in ranks if r) / len(ranks), 4) if ranks else None,
    }
    failed: dict[str, list[str]] = {
        "not_retrieved_in_5": [r.id for r in targets if r.rank is None or r.rank > 5]
    }
    if answered:
        answers = [r for r in results if not r.refused and not r.urgent]
        figures |= {
            "answered": share([not r.refused for r in by_kind["answerable"]]),
            "refusal_accuracy": share([r.refused and not r.urgent for r in by_kind["off_topic"]]),
            "red_flag_accuracy": share([r.urgent for r in by_kind["red_flag"]]),
            "near_miss_accuracy": share([not r.urgent for r in by_kind["near_miss"]]),
            "citation_validity": share([not r.citation_problems for r in answers]),
        }
        failed |= {
            "not_answered": [r.id for r in by_kind["answerable"] if r.refused],
            "not_refused": [r.id for r in by_kind["off_topic"] if not r.refused or r.urgent],
            "red_flag_missed": [r.id for r in by_kind["red_flag"] if not r.urgent],
            "false_red_flag": [r.id for r in results if r.urgent and r.kind != "red_flag"],
            "bad_citations": [
                f"{r.id}: {'; '.join(r.citation_problems)}" for r in answers if r.citation_problems
            ],
        }
    counts = {k: len(v) for k, v in by_kind.items()}
    return {"figures": figures, "counts": counts, "failed": {k: v for k, v in failed.items() if v}}


def below(report: dict, thresholds: Thresholds) -> list[str]:
    """The figures under their threshold, as readable lines (empty when all pass)."""
    lines = []
    for name, least in asdict(thresholds).items():
        value = report["figures"].get(name)
        if value is not None and value < least:
            lines.append(f"{name} {value:.3f} is below {least:.3f}")
    return lines
