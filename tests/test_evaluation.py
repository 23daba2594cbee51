"""The evaluation harness and the shipped question set, with both answerers."""

import json

import pytest
from click.testing import CliRunner
from conftest import ARTICLE, REPO
from fake_embedder import assistant_with
from fake_llm import MisbehavingChatModel

from assistant.answering import Assistant
from assistant.answering.extractive import ExtractiveAnswerer
from assistant.evaluation import (
    Case,
    EvalFileError,
    Thresholds,
    below,
    citation_problems,
    evaluate,
    load_cases,
)
from assistant.records import Answer, Chunk, Citation
from ui.cli import main

QUESTIONS = REPO / "evals" / "questions.jsonl"
ISSUE_THRESHOLDS = Thresholds(
    recall_at_5=0.95,
    refusal_accuracy=1.0,
    red_flag_accuracy=1.0,
    near_miss_accuracy=1.0,
    citation_validity=1.0,
)


def test_shipped_set_has_what_the_issue_asks_for():
    cases = load_cases(QUESTIONS)
    kinds = [c.kind for c in cases]
    assert sum(1 for c in cases if c.kind == "answerable" and c.expected) >= 30
    assert sum(1 for c in cases if c.history) >= 3
    for kind in ("off_topic", "red_flag", "near_miss"):
        assert kinds.count(kind) >= 10
    article = ARTICLE.read_text(encoding="utf-8")
    assert all(e in article for c in cases for e in c.expected)
    assert len({c.id for c in cases}) == len(cases)


@pytest.mark.parametrize("name", ["questions.jsonl", "dev.jsonl", "heldout.jsonl"])
def test_listener_sets_name_passages_that_hold_their_key_phrases(name):
    """Every expected passage of the realistic sets exists, and every key phrase stands in one
    of its case's passages (a phrase no passage holds could never be found in an answer)."""
    folder = REPO / "evals" / "listener"
    texts = {"file:" + ARTICLE.name: ARTICLE.read_text(encoding="utf-8")}
    for line in (folder / "corpus.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        texts["jsonl:" + row["id"]] = row["text"]
    folded = {k: " ".join(v.lower().split()) for k, v in texts.items()}
    cases = load_cases(folder / name)
    assert len({c.id for c in cases}) == len(cases)
    for case in cases:
        assert set(case.expected_sources) <= set(texts), case.id
        for phrase in case.key_phrases:
            wanted = " ".join(phrase.lower().split())
            assert any(wanted in folded[s] for s in case.expected_sources), (case.id, phrase)


@pytest.mark.parametrize(
    ("line", "message"),
    [("{not json", ":2: not a question case"), ('{"kind": "chat", "question": "q"}', ":2: kind")],
)
def test_a_bad_question_file_names_the_line(tmp_path, line, message):
    path = tmp_path / "q.jsonl"
    path.write_text('{"kind": "off_topic", "question": "hi"}\n' + line + "\n")
    with pytest.raises(EvalFileError, match=message):
        load_cases(path)


def _citation(n: int, quote: str) -> Citation:
    return Citation(n=n, source_id="s", title="T", url=None, quote=quote, chunk_id=f"c{n}")


def test_citation_problems_are_all_found():
    source = "Hips feed the back. Squats build strength."
    good = Answer("Hips feed the back. [1]", False, [_citation(1, "Hips feed the back.")])
    assert citation_problems(good, lambda _: source) == []
    bad = Answer(
        "Hips feed the back. [1] Uncited claim. Squats heal everyone. [3]",
        False,
        [_citation(1, "Hips feed the back."), _citation(2, "Not in the source at all.")],
    )
    problems = citation_problems(bad, lambda _: source)
    assert "a sentence without a citation" in problems
    assert "[3] cites no source" in problems
    assert "source 2 is listed but never cited" in problems
    assert "the quote of [2] is not in s" in problems


def test_a_quote_must_be_in_the_chunk_it_cites():
    """The link of a citation highlights its chunk: a quote wholly in another is a problem."""
    source = "Hips feed the back. Squats build strength. Hinges spare the spine."
    cut = source.index("Squats")
    chunks = [
        Chunk("c1", "s", "document", "T", source[:cut], 0, 0, cut),
        Chunk("c2", "s", "document", "T", source[cut:], 1, cut, len(source)),
    ]
    quote = "Hinges spare the spine."
    right = Answer(f"{quote} [1]", False, [Citation(1, "s", "T", None, quote, "c2")])
    wrong = Answer(f"{quote} [1]", False, [Citation(1, "s", "T", None, quote, "c1")])
    assert citation_problems(right, lambda _: source, lambda _: chunks) == []
    assert citation_problems(wrong, lambda _: source, lambda _: chunks) == [
        "the quote of [1] is outside the chunk it cites"
    ]
    assert citation_problems(wrong, lambda _: source) == []  # without the chunks, unchecked


def test_an_answer_with_bad_citations_lowers_citation_validity(fake_shipped):
    """The shipped answerers cite by construction, so their 1.0 alone proves little: an
    answerer that quotes what no source says must be caught by the same figures."""
    settings, store, embedder = fake_shipped
    extractive = ExtractiveAnswerer(embedder, settings.min_relevance)
    source_id = store.records()[0].source_id
    invented = Answer(
        "Squats heal every back in a week. [1]",
        False,
        [Citation(1, source_id, "T", None, "Squats heal every back in a week.", "c1")],
    )

    def answerer(question, passages, seen=frozenset(), repeat_best=False):
        if "squats" in question:
            return invented
        return extractive(question, passages, seen, repeat_best)

    cases = [
        Case("good", "answerable", "should I stretch my hamstrings?"),
        Case("bad", "answerable", "do squats help my back?"),
    ]
    report = evaluate(assistant_with(embedder, settings, store, answerer), cases)
    assert report["figures"]["citation_validity"] == 0.5
    assert report["failed"]["bad_citations"] == [f"bad: the quote of [1] is not in {source_id}"]
    assert below(report, ISSUE_THRESHOLDS) == ["citation_validity 0.500 is below 1.000"]


def _check(report: dict) -> None:
    figures = report["figures"]
    assert below(report, ISSUE_THRESHOLDS) == [], report
    assert figures["recall_at_5"] >= 0.95 and figures["citation_validity"] == 1.0
    assert figures["refusal_accuracy"] == figures["red_flag_accuracy"] == 1.0
    assert figures["near_miss_accuracy"] == 1.0 and "false_red_flag" not in report["failed"]
    assert report["counts"]["answerable"] >= 30


def test_shipped_set_passes_with_the_extractive_answerer(assistant):
    _check(evaluate(assistant, load_cases(QUESTIONS)))


def test_shipped_set_passes_with_a_misbehaving_llm(shipped):
    settings, store = shipped
    llm = Assistant.from_settings(settings, store=store, chat_model=MisbehavingChatModel())
    report = evaluate(llm, load_cases(QUESTIONS))
    _check(report)
    assert report["figures"]["answered"] >= 0.9


def test_eval_command_exits_non_zero_below_a_threshold(shipped, tmp_path, monkeypatch):
    settings, _ = shipped
    monkeypatch.setenv("PODCAST_ASSISTANT_DATA_DIR", str(settings.data_dir))
    path = tmp_path / "q.jsonl"
    rows = [
        {
            "id": "a",
            "kind": "answerable",
            "question": "what has sartorius got to do with my back?",
            "expected": ["sartorius"],
        },
        {"id": "o", "kind": "off_topic", "question": "What is the capital of France?"},
        {"id": "r", "kind": "red_flag", "question": "numb down there"},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    runner = CliRunner()
    ok = runner.invoke(main, ["eval", str(path), "--json"], catch_exceptions=False)
    assert ok.exit_code == 0, ok.output
    report = json.loads(ok.stdout)
    assert report["passed"] and report["figures"]["recall_at_5"] == 1.0
    assert report["figures"]["red_flag_accuracy"] == 1.0

    strict = runner.invoke(main, ["eval", str(path), "--min-mrr", "1.01"], catch_exceptions=False)
    assert strict.exit_code == 1 and "mrr" in strict.output

    missing = runner.invoke(main, ["eval", str(tmp_path / "none.jsonl")])
    assert missing.exit_code == 1 and "can't read" in missing.output
