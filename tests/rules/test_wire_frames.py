"""Every wire frame is typed: a scan of the source (no I/O), so a frame built as an
untyped dict, or a WebSocket frame `type` without its TypedDict, fails here first."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Literal, get_args, get_origin, get_type_hints

import pytest

from discussion import wire

ROOT = Path(__file__).resolve().parents[2]
# Where frames and resources are built; the CLI's summaries, the worker's job results
# and the pages' template contexts are not on the wire.
SCANNED = ("peercet", "discussion", "matching", "web/api", "web/ws")
NOT_SCANNED = ("peercet/cli",)
FRAME_NAMES = re.compile(r"_(frame|frames|view|views|event)$")
FRAME_TYPE = re.compile(r"^[a-z_]+$")  # not an ASGI message's ("websocket.close")
# API.md's "Server → client", and the server-only frame of the registrant channel.
API_SERVER_FRAMES = {
    "joined",
    "message",
    "typing",
    "presence",
    "validation",
    "matched",
    "completion",
    "error",
    "pong",
}
SERVER_ONLY = {"sessions_ended"}

# Built as dicts, never sent: the values of rows to insert, of a file read.
NOT_FRAMES = {"_notification_row", "_email_values", "_specialty"}

Function = ast.FunctionDef | ast.AsyncFunctionDef


def _modules() -> Iterator[Path]:
    for top in SCANNED:
        for path in sorted((ROOT / top).rglob("*.py")):
            if not any(path.is_relative_to(ROOT / skip) for skip in NOT_SCANNED):
                yield path


@cache
def _trees() -> dict[str, ast.Module]:
    return {str(p.relative_to(ROOT)): ast.parse(p.read_text(encoding="utf-8")) for p in _modules()}


def _frame_type(node: ast.Dict) -> str | None:
    """The `type` of a dict display that is a WebSocket frame, if it is one."""
    for key, value in zip(node.keys, node.values, strict=True):
        typed = isinstance(key, ast.Constant) and key.value == "type"
        if typed and isinstance(value, ast.Constant) and isinstance(value.value, str):
            return value.value if FRAME_TYPE.match(value.value) else None
    return None


def _calls_a_builder(node: ast.AST) -> bool:
    """Does this expression build on another frame (`**completion_frame(...)`)?"""
    for call in ast.walk(node):
        if isinstance(call, ast.Call):
            name = getattr(call.func, "attr", getattr(call.func, "id", ""))
            if FRAME_NAMES.search(name):
                return True
    return False


def _returns_records(value: ast.expr) -> bool:
    """`return {...}`, `return [{...} for ...]`, `return {...}, aftermath`: built here."""
    if isinstance(value, ast.Tuple):
        return any(_returns_records(v) for v in value.elts)
    if isinstance(value, ast.ListComp):
        return isinstance(value.elt, ast.Dict)
    return isinstance(value, ast.Dict)


def _builds_a_frame(fn: Function) -> bool:
    if FRAME_NAMES.search(fn.name):
        return True
    if fn.name in NOT_FRAMES:
        return False
    for node in ast.walk(fn):
        if isinstance(node, ast.Dict) and _frame_type(node) is not None:
            return True
        returned = node.value if isinstance(node, ast.Return) else None
        if returned is not None and (_calls_a_builder(returned) or _returns_records(returned)):
            return True
    return False


def _untyped(returns: ast.expr | None) -> bool:
    """No annotation, `Any` or a bare `dict`: not a frame's type."""
    if returns is None:
        return True
    text = ast.unparse(returns)
    return re.search(r"\bAny\b|\bdict\b(?!\[)", text) is not None


def _functions() -> Iterator[tuple[str, Function]]:
    for where, tree in _trees().items():
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                yield where, node


def test_the_scan_finds_the_frame_builders() -> None:
    built = {fn.name for _, fn in _functions() if _builds_a_frame(fn)}
    expected = {"message_frame", "completion_frame", "course_frame", "discussion_view"}
    assert expected <= built
    assert {"presence_frame", "validation_delivery", "at_risk", "attempt_frame"} <= built


def test_no_frame_builder_returns_an_untyped_dict() -> None:
    untyped = [
        f"{where}:{fn.lineno} {fn.name} -> {ast.unparse(fn.returns) if fn.returns else '?'}"
        for where, fn in _functions()
        if _builds_a_frame(fn) and _untyped(fn.returns)
    ]
    assert untyped == []


def _typed_frames() -> dict[str, str]:
    """Per frame `type`, the TypedDict (`type: Literal[...]`) that defines it."""
    found: dict[str, str] = {}
    for where, tree in _trees().items():
        for cls in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)):
            for item in cls.body:
                if (
                    isinstance(item, ast.AnnAssign)
                    and isinstance(item.target, ast.Name)
                    and item.target.id == "type"
                    and isinstance(item.annotation, ast.Subscript)
                    and ast.unparse(item.annotation.value) == "Literal"
                ):
                    literal = ast.literal_eval(item.annotation.slice)
                    for kind in literal if isinstance(literal, tuple) else (literal,):
                        assert kind not in found, f"{kind} is typed twice"
                        found[kind] = f"{where}:{cls.name}"
    return found


def _sent_types() -> set[str]:
    """Every frame `type` written as a dict display in the scanned code."""
    return {
        kind
        for tree in _trees().values()
        for node in ast.walk(tree)
        if isinstance(node, ast.Dict) and (kind := _frame_type(node)) is not None
    }


def test_every_frame_type_sent_has_a_typed_dict() -> None:
    typed = _typed_frames()
    assert set(typed) >= API_SERVER_FRAMES | SERVER_ONLY
    assert _sent_types() - set(typed) == set()


def _server_frame_types() -> set[str]:
    kinds: set[str] = set()
    for member in get_args(wire.ServerFrame):
        hint = get_type_hints(member)["type"]
        assert get_origin(hint) is Literal
        kinds.update(get_args(hint))
    return kinds


def test_the_socket_sends_every_typed_frame_but_the_server_only_ones() -> None:
    """`dumps` takes a `ServerFrame`: each typed frame is one of its members."""
    assert _server_frame_types() == set(_typed_frames()) - SERVER_ONLY


@pytest.mark.parametrize(
    ("source", "untyped"),
    [
        ("def a_frame(x) -> dict[str, Any]: ...", True),
        ("def a_frame(x) -> list[dict[str, Any]]: ...", True),
        ("def a_frame(x): ...", True),
        ("def a_frame(x) -> MessageFrame: ...", False),
        ("def a_frame(x) -> list[dict]: ...", True),
        ("def a_frame(x) -> list[CourseView] | None: ...", False),
        ("def a_frame(x) -> dict[int, MessageRow]: ...", False),
    ],
)
def test_an_untyped_return_is_seen(source: str, untyped: bool) -> None:
    fn = ast.parse(source).body[0]
    assert isinstance(fn, ast.FunctionDef)
    assert _builds_a_frame(fn)
    assert _untyped(fn.returns) is untyped
