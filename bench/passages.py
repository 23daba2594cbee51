"""The benchmark's data: MedQuAD passages as sources, and its known-item questions."""

import json
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MEDQUAD = REPO.parent / "shared" / "testdata" / "medquad"


def load_passages(limit: int | None):
    """MedQuAD passages as Sources: the known-item answers first, then the corpus in order."""
    from assistant.records import Source

    wanted = {
        line.split("\t")[1]
        for line in (MEDQUAD / "test.tsv").read_text().splitlines()[1:]
        if line.strip()
    }
    first, rest = [], []
    with (MEDQUAD / "corpus.jsonl").open(encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            source = Source(
                source_id=f"medquad:{row['_id']}",
                kind="document",
                title=row.get("title") or row["_id"],
                text=row["text"],
                origin=f"medquad/corpus.jsonl#{row['_id']}",
            )
            (first if row["_id"] in wanted else rest).append(source)
    passages = first + rest
    return passages[:limit] if limit else passages


def load_queries() -> list[tuple[str, str]]:
    """(question, id of the passage that answers it) for the known-item set."""
    answers = dict(
        line.split("\t")[:2]
        for line in (MEDQUAD / "test.tsv").read_text().splitlines()[1:]
        if line.strip()
    )
    queries = []
    for line in (MEDQUAD / "msk_queries.jsonl").read_text().splitlines():
        row = json.loads(line)
        if row["_id"] in answers:
            queries.append((row["text"], f"medquad:{answers[row['_id']]}"))
    return queries
