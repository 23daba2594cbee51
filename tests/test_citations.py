"""The `[n]` citation rule: Python's `segments()` and the chat page's `splitCitations()` split
the same cases the same way; and the rest of assistant/citations.py."""

import json
import shutil
import subprocess

import pytest

from assistant.citations import Claim, cited_pieces, marks, parse_claims, segments
from ui.render import STATIC_DIR

CASES = [
    "",
    "Plain text, no markers.",
    "[1]",
    "Hips move. [1]",
    "Hips move. [1][3] Backs rest. [2]",
    "[12]",
    "[ 1 ]",
    "[1, 2]",
    "[a]",
    "[]",
    "[1] opens the text",
    "the text ends with a marker [4]",
    "Brücke for the spine 🦴 — ça va [2] 背中 [3]",
    "[[2]]",
    "x[007]y",
    "Line one [1]\nline two\n[2]\n",
    "[1 ] [ 2] [-1] [1.5] [²]",
]


def split_in_node(texts: list[str]) -> list[list]:
    """`splitCitations()` of ui/static/citations.js, run by node over `texts`."""
    node = shutil.which("node") or shutil.which("/usr/bin/node")
    if node is None:
        pytest.skip("node is not installed: the chat page's citations.js is not checked")
    script = (
        "const { splitCitations } = require(process.argv[1]);"
        "let input = '';"
        "process.stdin.on('data', (chunk) => { input += chunk; });"
        "process.stdin.on('end', () => {"
        "  process.stdout.write(JSON.stringify(JSON.parse(input).map(splitCitations)));"
        "});"
    )
    done = subprocess.run(
        [node, "-e", script, str(STATIC_DIR / "citations.js")],
        input=json.dumps(texts),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=30,
        check=True,
    )
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def in_node() -> dict[str, list]:
    return dict(zip(CASES, split_in_node(CASES), strict=True))


@pytest.mark.parametrize("text", CASES)
def test_python_and_the_chat_page_split_alike(text, in_node):
    assert in_node[text] == segments(text)


# Only ASCII digits make a marker, on both sides (Python's \d would take any script's).
@pytest.mark.parametrize("text", ["[٣]", "[１]"])
def test_non_ascii_digits_split_alike(text):
    assert split_in_node([text]) == [segments(text)]


def test_segments_expected_values():
    assert segments("Plain.") == ["Plain."]
    assert segments("") == []
    assert segments("Hips move. [1][3] Backs rest. [12]") == [
        "Hips move. ",
        1,
        3,
        " Backs rest. ",
        12,
    ]
    assert segments("[1] first") == [1, " first"]
    assert segments("[ 1 ] [1, 2] [a] []") == ["[ 1 ] [1, 2] [a] []"]  # not markers here
    assert segments("[[2]]") == ["[", 2, "]"]
    assert segments("a\n[1]\nb") == ["a\n", 1, "\nb"]


def test_marks():
    assert marks([1]) == "[1]"
    assert marks([1, 3]) == "[1][3]"
    assert marks([]) == ""


def test_cited_pieces_and_what_trails_them():
    pieces, rest = cited_pieces("Hips move. [1] Backs rest. [2][3] Trailing words")
    assert pieces == [("Hips move. ", [1]), ("Backs rest. ", [2, 3])]
    assert rest == "Trailing words"
    assert cited_pieces("No markers here.") == ([], "No markers here.")
    assert cited_pieces("Last one. [4]") == ([("Last one. ", [4])], "")


def test_parse_claims_reads_lenient_markers():
    claims = parse_claims("Hips move [1, 3]. Backs rest [ 2 ]. Squat deep. [4][5]")
    assert claims == [
        Claim("Hips move.", (1, 3)),
        Claim("Backs rest.", (2,)),
        Claim("Squat deep.", (4, 5)),
    ]


def test_parse_claims_gives_a_marker_opening_a_sentence_to_the_one_before():
    claims = parse_claims("Hips move. [2] Backs rest.\n[3] Next line [4]")
    assert claims == [
        Claim("Hips move.", (2,)),
        Claim("Backs rest.", (3,)),
        Claim("Next line", (4,)),
    ]
    assert parse_claims("No citation at all.") == [Claim("No citation at all.", ())]
