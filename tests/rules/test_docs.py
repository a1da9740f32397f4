"""The docs name only what exists: every path and every dotted name of the project that
README.md, docs/*.md and each package's README give in backquotes (the code moves;
the docs must move with it)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tests.support.source import ROOT, TOP, module_names, modules

DOCS = sorted([ROOT / "README.md", *ROOT.glob("docs/*.md"), *ROOT.glob("*/README.md")])
QUOTED = re.compile(r"`([^`\n]+)`")
PATH = re.compile(rf"(?<![\w./-])((?:{'|'.join(TOP)}|tests|scripts|docs)/[\w./-]*\w/?)")
DOTTED = re.compile(rf"(?<![\w./@-])((?:{'|'.join(TOP)})(?:\.\w+)+)")
NOT_CODE = {"md", "png", "js", "css", "html", "db", "json", "test", "invalid", "example"}


def _quoted(doc: Path) -> list[str]:
    return QUOTED.findall(doc.read_text())


def _defined(module: str) -> set[str]:
    """The names a module defines or imports at its top level, and its submodules."""
    (found,) = [m for m in modules() if m.name == module]
    names = {n.split(".")[-1] for n in module_names() if n.startswith(module + ".")}
    for node in found.tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {t.id for t in targets if isinstance(t, ast.Name)}
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
    return names


def _resolves(dotted: str) -> bool:
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        module = ".".join(parts[:cut])
        if module in module_names():
            return cut == len(parts) or parts[cut] in _defined(module)
    return False


@pytest.mark.parametrize("doc", DOCS, ids=lambda d: str(d.relative_to(ROOT)))
def test_every_path_the_docs_give_exists(doc: Path) -> None:
    paths = {p for q in _quoted(doc) for p in PATH.findall(q) if "*" not in p and "{" not in q}
    assert sorted(p for p in paths if not (ROOT / p).exists()) == []


@pytest.mark.parametrize("doc", DOCS, ids=lambda d: str(d.relative_to(ROOT)))
def test_every_dotted_name_the_docs_give_exists(doc: Path) -> None:
    names = {n for q in _quoted(doc) for n in DOTTED.findall(q)}
    names = {n for n in names if n.split(".")[-1] not in NOT_CODE}
    assert sorted(n for n in names if not _resolves(n)) == []
