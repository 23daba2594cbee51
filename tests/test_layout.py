"""The house rule on size: no module over 400 lines and no function over 60, outside tests."""

import ast

from conftest import REPO

PACKAGES = ("assistant", "ingest", "ui", "bench", "evals")
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60


def oversized(root=REPO) -> list[str]:
    """Every module and function over its limit, as `path: what (lines)`; a function's lines
    run from its `def` to its last line (decorators not counted, docstring counted)."""
    found = []
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            name = path.relative_to(root).as_posix()
            text = path.read_text(encoding="utf-8")
            lines = len(text.splitlines())
            if lines > MAX_MODULE_LINES:
                found.append(f"{name}: module ({lines} lines)")
            for node in ast.walk(ast.parse(text, filename=name)):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    length = node.end_lineno - node.lineno + 1
                    if length > MAX_FUNCTION_LINES:
                        found.append(f"{name}:{node.lineno}: {node.name}() ({length} lines)")
    return found


def test_no_module_or_function_is_too_long():
    found = oversized()
    assert not found, "split these (STYLE.md, point 7):\n" + "\n".join(found)
