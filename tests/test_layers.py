"""The import contracts of pyproject.toml hold, and a forbidden import breaks them."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
LINT = Path(sys.executable).with_name("lint-imports")


def _lint(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT), "--no-cache"],
        cwd=root,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def copy_of_the_code(tmp_path: Path) -> Path:
    if not LINT.exists():
        pytest.skip("lint-imports is not installed (the dev extra brings it)")
    for package in ("assistant", "ingest", "ui"):
        shutil.copytree(REPO / package, tmp_path / package, ignore=shutil.ignore_patterns("static"))
    shutil.copy(REPO / "pyproject.toml", tmp_path)
    return tmp_path


def test_the_layers_hold(copy_of_the_code):
    result = _lint(copy_of_the_code)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "forbidden", "contract"),
    [
        ("assistant/text.py", "import ui.render", "ui above ingest above assistant"),
        ("assistant/records.py", "from ingest.errors import Failure", "ui above ingest"),
        ("ingest/clean.py", "import ui.ratelimit", "ui above ingest above assistant"),
        ("assistant/store/paging.py", "import assistant.retrieval.fusion", "assistant's rooms"),
    ],
)
def test_a_forbidden_import_breaks_a_contract(copy_of_the_code, module, forbidden, contract):
    target = copy_of_the_code / module
    target.write_text(target.read_text() + f"\n{forbidden}  # noqa\n")
    result = _lint(copy_of_the_code)
    assert result.returncode != 0
    assert f"{contract}" in result.stdout and "BROKEN" in result.stdout
