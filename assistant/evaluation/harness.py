"""The evaluation harness: a question set run through the assistant, scored against thresholds.

A question set is JSON Lines, one case a line:
`{"id", "kind", "question", "history"?, "expected"?, "expected_sources"?, "key_phrases"?}`
where `kind` is `answerable`, `off_topic`, `near_domain` (close to the podcast's topics but not
covered: refused like off-topic), `red_flag` or `near_miss`; `history` lists earlier questions
of the conversation (asked first, their answers become the chat history); `expected` lists
phrases of which a retrieved passage must contain one and `expected_sources` the source ids it
must come from (either or both); `key_phrases` lists phrases of which a useful answer holds one.
"""

import json
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from assistant.citations import cited_pieces, strip_markers
from assistant.markup import body_lines, plain, unmarked
from assistant.records import Answer
from assistant.text import normalize_space, split_sentences

log = logging.getLogger(__name__)

KINDS = ("answerable", "off_topic", "near_domain", "red_flag", "near_miss")


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
    key_phrases: tuple[str, ...] = ()

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
    exact: bool = True  # the answer is not labelled as only the nearest the podcast covers
    first_expected: bool | None = None  # the first excerpt quotes an expected passage
    key_phrase: bool | None = None  # the answer holds one of the key phrases
    novel: bool | None = None  # a follow-up's answer quotes something the last one did not


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
    first_excerpt_expected: float = 0.0
    key_phrase_present: float = 0.0
    near_domain_refusals: float = 0.0
    followup_novelty: float = 0.0


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
                key_phrases=tuple(row.get("key_phrases", ())),
            )
        except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
            raise EvalFileError(f"{path}:{number}: not a question case ({exc})") from exc
        if case.kind not in KINDS:
            raise EvalFileError(f"{path}:{number}: kind must be one of {', '.join(KINDS)}")
        cases.append(case)
    if not cases:
        raise EvalFileError(f"{path}: no questions in the file")
    return cases


def citation_problems(
    answer: Answer,
    source_text: Callable[[str], str | None],
    chunks_of: Callable[[str], list] | None = None,
) -> list[str]:
    """What is wrong with an answer's citations: a sentence without `[n]` (an excerpt of several
    sentences counts as one when it stands verbatim in what it cites), numbers with no source,
    sources never cited, quotes not found verbatim in their source, and (given the source's
    chunks) a quote outside the chunk it cites, where its link points."""
    if answer.refused or answer.urgent:
        return []
    problems = []
    by_number = {s.n: s for s in answer.sources}
    pieces, uncited_tail = cited_pieces(answer.text)
    if not pieces or uncited_tail:
        problems.append("a sentence without a citation")
    for text, numbers in pieces:
        if len(split_sentences(unmarked(text))) > 1 and not _is_excerpt(
            text, [by_number[n] for n in numbers if n in by_number], source_text
        ):
            problems.append("a sentence without a citation")
    cited = {n for _, numbers in pieces for n in numbers}
    listed = set(by_number)
    problems += [f"[{n}] cites no source" for n in sorted(cited - listed)]
    problems += [f"source {n} is listed but never cited" for n in sorted(listed - cited)]
    for source in answer.sources:
        text = source_text(source.source_id)
        folded = normalize_space(text) if text is not None else ""
        if text is None or normalize_space(source.quote) not in folded:
            problems.append(f"the quote of [{source.n}] is not in {source.source_id}")
        elif chunks_of is not None and not _in_chunk(source, text, folded, chunks_of):
            problems.append(f"the quote of [{source.n}] is outside the chunk it cites")
    return problems


def _in_chunk(source, text: str, folded: str, chunks_of: Callable[[str], list]) -> bool:
    """Whether the quote (found verbatim in `folded`, the source's text with spacing folded)
    shares text with the chunk it cites (a quote read across chunks is cited as the one
    holding its answering sentence)."""
    chunk = next((c for c in chunks_of(source.source_id) if c.chunk_id == source.chunk_id), None)
    if chunk is None:
        return False
    # The chunk's offsets are the raw text's, so they are folded the same way (give or take a
    # space at its edges).
    quote = normalize_space(source.quote)
    start = len(normalize_space(text[: chunk.start_char]))
    end = len(normalize_space(text[: chunk.end_char]))
    at = folded.find(quote)
    while at != -1:  # the same words may stand more than once in a source
        if at < end and at + len(quote) > start:
            return True
        at = folded.find(quote, at + 1)
    return False


def _is_excerpt(text: str, cited: list, source_text: Callable[[str], str | None]) -> bool:
    """Whether a multi-sentence piece is a verbatim excerpt of one of the sources it cites."""
    quoted = normalize_space(" ".join(body_lines(text)))
    return any(quoted in normalize_space(source_text(c.source_id) or "") for c in cited)


def _matches(case: Case, source_id: str, text: str) -> bool:
    """Whether a passage is one the case expects: from an expected source (if any are named)
    and holding an expected phrase (if any are named)."""
    if case.expected_sources and source_id not in case.expected_sources:
        return False
    if not case.expected:
        return bool(case.expected_sources)
    lowered = normalize_space(text).lower()
    return any(normalize_space(e).lower() in lowered for e in case.expected)


def _rank(case: Case, passages: list) -> int | None:
    for rank, p in enumerate(passages, 1):
        if _matches(case, p.chunk.source_id, p.chunk.text):
            return rank
    return None


def _answer_figures(case: Case, reply: Answer, previous: str | None, store) -> dict:
    """First excerpt from an expected passage, key phrase held, a follow-up's novelty."""
    figures: dict = {}
    answered = not reply.refused and not reply.urgent
    if case.kind == "answerable" and case.has_target:
        figures["first_expected"] = first_excerpt_expected(case, reply, store)
    if case.kind == "answerable" and case.key_phrases:
        said = normalize_space(plain(reply.text)).lower() if answered else ""
        figures["key_phrase"] = any(normalize_space(k).lower() in said for k in case.key_phrases)
    if previous is not None and case.kind == "answerable":
        before = {_key(s) for s in split_sentences(plain(strip_markers(previous)))}
        said = split_sentences(plain(strip_markers(reply.text))) if answered else []
        figures["novel"] = any(_key(s) not in before for s in said)
    return figures


def first_excerpt_expected(case: Case, reply: Answer, store) -> bool:
    """Whether an answer's first excerpt (not a refusal's or the urgent message's) quotes a
    passage `case` expects."""
    if reply.refused or reply.urgent or not reply.sources:
        return False
    first = reply.sources[0]
    return _matches(case, first.source_id, first.quote) or _matches(
        case, first.source_id, _chunk_text(store, first)
    )


def _key(sentence: str) -> str:
    return " ".join(sentence.lower().split())


def _chunk_text(store, citation) -> str:
    """The text of the passage an excerpt quotes from: its cited chunk and, for an excerpt read
    across chunks (cited as the chunk of its answering sentence), the chunk it starts in."""
    record = store.get_record(citation.source_id)
    at = record.text.find(citation.quote) if record and citation.quote else -1
    return " ".join(
        c.text
        for c in store.chunks_of(citation.source_id)
        if c.chunk_id == citation.chunk_id or c.start_char <= at < c.end_char
    )


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
        result.refused, result.urgent, result.exact = reply.refused, reply.urgent, reply.exact
        result.citation_problems = citation_problems(
            reply, _source_texts(assistant.store), assistant.store.chunks_of
        )
        previous = history[-1][1] if history else None
        for name, value in _answer_figures(case, reply, previous, assistant.store).items():
            setattr(result, name, value)
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


def _share(hits: list[bool]) -> float | None:
    return round(sum(hits) / len(hits), 4) if hits else None


def summarize(results: list[CaseResult], answered: bool = True) -> dict:
    """Figures from case results (each a fraction; None where no case measures it)."""
    targets = [r for r in results if r.scored]
    ranks = [r.rank for r in targets]
    figures = {
        "recall_at_1": _share([r is not None and r <= 1 for r in ranks]),
        "recall_at_5": _share([r is not None and r <= 5 for r in ranks]),
        "mrr": round(sum(1 / r for r in ranks if r) / len(ranks), 4) if ranks else None,
    }
    failed: dict[str, list[str]] = {
        "not_retrieved_in_5": [r.id for r in targets if r.rank is None or r.rank > 5]
    }
    if answered:
        more_figures, more_failed = _answer_summary(results)
        figures |= more_figures
        failed |= more_failed
    counts = {k: sum(r.kind == k for r in results) for k in KINDS}
    return {"figures": figures, "counts": counts, "failed": {k: v for k, v in failed.items() if v}}


def _answer_summary(results: list[CaseResult]) -> tuple[dict, dict]:
    """The answer figures and the ids of the cases that failed each."""
    by_kind = {k: [r for r in results if r.kind == k] for k in KINDS}
    answers = [r for r in results if not r.refused and not r.urgent]
    measured = {
        name: [r for r in results if getattr(r, name) is not None]
        for name in ("first_expected", "key_phrase", "novel")
    }
    not_urgent = [r for r in results if r.kind != "red_flag"]
    figures = {
        "answered": _share([not r.refused for r in by_kind["answerable"]]),
        "refusal_accuracy": _share([r.refused and not r.urgent for r in by_kind["off_topic"]]),
        # Refused, or labelled as only the nearest thing the podcast covers.
        "near_domain_refusals": _share([r.refused or not r.exact for r in by_kind["near_domain"]]),
        "answerable_labelled_nearest": _share([not r.exact for r in by_kind["answerable"]]),
        "red_flag_accuracy": _share([r.urgent for r in by_kind["red_flag"]]),
        "near_miss_accuracy": _share([not r.urgent for r in by_kind["near_miss"]]),
        "false_urgent": _share([r.urgent for r in not_urgent]),
        "citation_validity": _share([not r.citation_problems for r in answers]),
        "first_excerpt_expected": _share([r.first_expected for r in measured["first_expected"]]),
        "key_phrase_present": _share([r.key_phrase for r in measured["key_phrase"]]),
        "followup_novelty": _share([r.novel for r in measured["novel"]]),
    }
    failed = {
        "not_answered": [r.id for r in by_kind["answerable"] if r.refused],
        "not_refused": [r.id for r in by_kind["off_topic"] if not r.refused or r.urgent],
        "near_domain_answered": [r.id for r in by_kind["near_domain"] if not r.refused and r.exact],
        "answerable_labelled_nearest": [r.id for r in by_kind["answerable"] if not r.exact],
        "red_flag_missed": [r.id for r in by_kind["red_flag"] if not r.urgent],
        "false_red_flag": [r.id for r in not_urgent if r.urgent],
        "bad_citations": [
            f"{r.id}: {'; '.join(r.citation_problems)}" for r in answers if r.citation_problems
        ],
        "first_excerpt_not_expected": [
            r.id for r in measured["first_expected"] if not r.first_expected
        ],
        "key_phrase_missing": [r.id for r in measured["key_phrase"] if not r.key_phrase],
        "followup_not_novel": [r.id for r in measured["novel"] if not r.novel],
    }
    return figures, failed


def below(report: dict, thresholds: Thresholds) -> list[str]:
    """The figures under their threshold, as readable lines (empty when all pass)."""
    lines = []
    for name, least in asdict(thresholds).items():
        value = report["figures"].get(name)
        if value is not None and value < least:
            lines.append(f"{name} {value:.3f} is below {least:.3f}")
    return lines
