"""Topic switches: does a chat's history pull a new question off its own subject?

Each short answerable question that stands alone in the given sets is asked twice, alone and
after an unrelated earlier turn (another case's question and its answer, with no expected
source in common); the script prints how many are answered from an expected passage each way.
A follow-up rule that carries a topic into questions that are no follow-ups shows up as the
second count falling below the first. Run on demand against an ingested store, never in the
test suite:

    PODCAST_ASSISTANT_DATA_DIR=D python evals/topic_switch.py evals/listener/questions.jsonl \
        evals/listener/dev.jsonl
"""

import random
import sys
from pathlib import Path

import click

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from assistant.answering import Assistant  # noqa: E402
from assistant.evaluation.harness import first_excerpt_expected, load_cases  # noqa: E402
from assistant.settings import Settings  # noqa: E402

MAX_WORDS = 12  # a question this short is the kind a follow-up rule could mistake
MAX_EARLIER_WORDS = 20
SEED = 7  # the same unrelated turn before each question, run after run


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
def main(files: tuple[Path, ...]) -> None:
    """Print first-excerpt hits of short standalone questions, alone and after another turn."""
    cases = [
        c
        for f in files
        for c in load_cases(f)
        if c.kind == "answerable" and c.has_target and not c.history
    ]
    short = [c for c in cases if len(c.question.split()) <= MAX_WORDS]
    assistant = Assistant.from_settings(Settings())
    store = assistant.store
    pick = random.Random(SEED)
    alone = after = 0
    changed = []
    for case in short:
        earlier = pick.choice(
            [
                c
                for c in cases
                if c is not case
                and set(c.expected_sources).isdisjoint(case.expected_sources)
                and len(c.question.split()) <= MAX_EARLIER_WORDS
            ]
        )
        history = [(earlier.question, assistant.answer(earlier.question).text)]
        hit_alone = first_excerpt_expected(case, assistant.answer(case.question), store)
        hit_after = first_excerpt_expected(case, assistant.answer(case.question, history), store)
        alone += hit_alone
        after += hit_after
        if hit_alone != hit_after:
            changed.append((case, earlier))
    click.echo(f"short standalone questions: {len(short)}")
    click.echo(f"first excerpt expected, asked alone: {alone}")
    click.echo(f"first excerpt expected, after an unrelated turn: {after}")
    for case, earlier in changed:
        click.echo(f"  changed: {case.id}: {case.question!r} after {earlier.question!r}")


if __name__ == "__main__":
    main()
