"""Only `peercet/completions/moves.py` writes a completion's state (the lifecycle table's
guards, `moves.move`): the application's source is read with `ast`, never imported.

A write is `update(Completion)...values(...)` naming `state` (or splatting `**` values
it cannot be shown not to hold), `completion.state = ...`, or `setattr(..., "state", ...)`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("peercet", "discussion", "matching", "workers", "web", "scripts")
MOVES = Path("peercet/completions/moves.py")


def _roots(call: ast.Call) -> Iterator[ast.expr]:
    """Down a chain `update(X).where(...).values(...)`: each receiver in turn."""
    node: ast.expr = call.func
    while isinstance(node, ast.Attribute | ast.Call):
        node = node.value if isinstance(node, ast.Attribute) else node.func
        yield node


def _updates_completions(call: ast.Call) -> bool:
    for node in _roots(call):
        if isinstance(node, ast.Call) and ast.unparse(node.func).split(".")[-1] == "update":
            return [ast.unparse(a) for a in node.args][:1] == ["Completion"]
    return False


def _names_state(call: ast.Call) -> bool:
    if any(k.arg in ("state", None) for k in call.keywords):  # None: a ** splat
        return True
    return any(
        isinstance(a, ast.Dict) and any(ast.literal_eval(k) == "state" for k in a.keys if k)
        for a in call.args
    )


def _state_assigned(node: ast.AST) -> bool:
    if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return any(
            isinstance(t, ast.Attribute) and t.attr == "state" and "completion" in
            ast.unparse(t.value).lower()
            for t in targets
        )  # fmt: skip
    if isinstance(node, ast.Call) and ast.unparse(node.func) == "setattr":
        return len(node.args) > 1 and ast.unparse(node.args[1]) in ("'state'", '"state"')
    return False


def _writes_state(node: ast.AST) -> bool:
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr == "values" and _updates_completions(node) and _names_state(node)
    return _state_assigned(node)


def state_writes(source: str) -> list[int]:
    """The lines of `source` that write a completion's state."""
    nodes = ast.walk(ast.parse(source))
    return sorted(
        n.lineno for n in nodes if isinstance(n, ast.stmt | ast.expr) and _writes_state(n)
    )


def _modules() -> list[Path]:
    return sorted(
        path.relative_to(ROOT) for package in PACKAGES for path in (ROOT / package).rglob("*.py")
    )


def test_no_module_but_moves_writes_a_completions_state() -> None:
    found = {
        str(path): lines
        for path in _modules()
        if path != MOVES and (lines := state_writes((ROOT / path).read_text()))
    }
    assert found == {}


def test_moves_does_write_it() -> None:
    assert state_writes((ROOT / MOVES).read_text())


@pytest.mark.parametrize(
    "write",
    [
        "update(Completion).where(w).values(state=s)",
        "sa.update(Completion).values(state=s).returning(Completion.id)",
        "update(Completion).where(w).values(**values)",
        "update(Completion).values({'state': s})",
        "completion.state = State.SEEKING_PEER.value",
        "setattr(completion, 'state', s)",
    ],
)
def test_each_way_of_writing_the_state_is_seen(write: str) -> None:
    assert state_writes(f"async def f():\n    {write}\n") == [2]


@pytest.mark.parametrize(
    "other",
    [
        "update(Completion).where(w).values(upload_flagged_at=now)",
        "update(Discussion).where(w).values(state=s)",
        "invitation.state = ACCEPTED",
        "select(Completion).where(Completion.state == s)",
    ],
)
def test_other_writes_are_not_state_writes(other: str) -> None:
    assert state_writes(f"async def f():\n    {other}\n") == []
