"""The house's layout (STYLE.md, "What that means here" 1 and 7): small packages, small
modules, small functions, and each package importing only what its docstring says.

The exceptions below are today's, each naming who is splitting it: when one is split,
its entry must go (a test fails while an exception is no longer needed).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.source import (
    ROOT,
    TOP,
    Module,
    docstring,
    imported,
    module_names,
    modules,
    package_name,
    packages,
)

MAX_MODULES = 14  # per package, __init__.py not counted
MAX_LINES = 300  # per module
MAX_FUNCTION = 40  # lines of one function, its docstring included

LONG_MODULES: dict[str, str] = {}  # module -> the task splitting it (none: keep it so)
LONG_FUNCTIONS: dict[str, str] = {}  # module:function -> the task rewriting it (none)

# Imports between ruled packages that close a cycle today, each with why; every other
# edge of the package graph must leave it acyclic, and an entry goes once its edge does.
CYCLE_EDGES = {  # (importer, imported) -> why, and who removes it
    ("peercet.core", "peercet.accounts"): "settings carry argon2's Cost: to move into core",
    ("peercet.core", "peercet.completions"): "settings carry the Cycles rule: to move into core",
    ("peercet.core", "peercet.cycles"): "settings check CET_REQUIREMENTS at start-up",
    ("web", "web.api"): "the app package composes its edges (they use its resources and auth)",
    ("web", "web.pages"): "the app package composes its edges (they use its resources and auth)",
    ("web", "web.security"): "app, auth and templating use it; it uses the app's resources",
    ("web", "web.ws"): "the app package composes its edges (they use its resources and auth)",
}

# The packages whose docstrings state what they may import (STYLE.md point 1).
RULED = [
    "peercet.core",
    "peercet.catalogue",
    "peercet.accounts",
    "peercet.completions",
    "peercet.cycles",
    "peercet.goc",
    "peercet.notify",
    "peercet.cli",
    "discussion",
    "matching",
    "workers",
    "web",
    "web.api",
    "web.pages",
    "web.security",
    "web.ws",
]


def _ruled_package(name: str) -> str | None:
    """The deepest ruled package `name` (a module or package) belongs to."""
    owners = [p for p in RULED if name == p or name.startswith(p + ".")]
    return max(owners, key=len) if owners else None


def _paragraph(text: str, opening: str) -> list[str] | None:
    """The backquoted names after `opening` in its paragraph, but those in parentheses
    (which say why); None if no paragraph has it."""
    for paragraph in text.split("\n\n"):
        if opening in paragraph:
            names = re.sub(r"\([^)]*\)", "", paragraph.split(opening, 1)[1])
            return re.findall(r"`([\w.]+)`", names)
    return None


def _rule(package: str) -> tuple[list[str], list[str]]:
    text = docstring(ROOT / package.replace(".", "/"))
    may = _paragraph(text, "May import")
    assert may is not None, f"{package}/__init__.py: no 'May import' paragraph in its docstring"
    return may, _paragraph(text, "Never imports") or []


def _members(package: str) -> Iterator[Module]:
    return (m for m in modules() if _ruled_package(m.name) == package)


def _function_lengths(module: Module) -> Iterator[tuple[str, int]]:
    def walk(node: ast.AST, prefix: str) -> Iterator[tuple[str, int]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                assert child.end_lineno is not None
                yield prefix + child.name, child.end_lineno - child.lineno + 1
                yield from walk(child, f"{prefix}{child.name}.")
            elif isinstance(child, ast.ClassDef):
                yield from walk(child, f"{prefix}{child.name}.")

    return walk(module.tree, "")


def _grants(name: str, target: str) -> bool:
    """Whether a 'May import' name allows importing `target`: a package allows its own
    modules (not a ruled package inside it, which is named on its own), a module itself."""
    inside = target == name or target.startswith(name + ".")
    return inside and _ruled_package(target) == _ruled_package(name)


def test_every_module_is_in_a_ruled_package() -> None:
    strays = [m.path for m in modules() if m.name != "peercet" and _ruled_package(m.name) is None]
    assert strays == []


@pytest.mark.parametrize("package", packages(), ids=package_name)
def test_every_package_says_what_it_owns(package: Path) -> None:
    assert len(docstring(package).split()) >= 5, f"{package_name(package)}/__init__.py"


@pytest.mark.parametrize("package", packages(), ids=package_name)
def test_no_package_has_more_than_14_modules(package: Path) -> None:
    own = [f.name for f in package.glob("*.py") if f.name != "__init__.py"]
    assert len(own) <= MAX_MODULES, f"{package_name(package)}: {len(own)} modules"


def test_no_module_is_over_300_lines() -> None:
    long = {m.path: m.lines for m in modules() if m.lines > MAX_LINES}
    assert sorted(set(long) - set(LONG_MODULES)) == [], long
    assert sorted(set(LONG_MODULES) - set(long)) == [], "split: take them off LONG_MODULES"


def test_no_function_is_over_40_lines() -> None:
    long = {
        f"{m.path}:{name}": lines
        for m in modules()
        for name, lines in _function_lengths(m)
        if lines > MAX_FUNCTION
    }
    assert sorted(set(long) - set(LONG_FUNCTIONS)) == [], long
    assert sorted(set(LONG_FUNCTIONS) - set(long)) == [], "shortened: take off LONG_FUNCTIONS"


@pytest.mark.parametrize("package", RULED)
def test_a_package_imports_only_what_its_docstring_allows(package: str) -> None:
    may, never = _rule(package)
    unknown = [n for n in may if n not in module_names()]
    assert unknown == [], f"{package}: 'May import' names no such package or module"
    used: set[str] = set()
    wrong: list[str] = []
    for module in _members(package):
        for target in imported(module):
            if target.split(".")[0] not in TOP or _ruled_package(target) == package:
                continue
            grants = {n for n in may if _grants(n, target)}
            used |= grants
            if not grants:
                wrong.append(f"{module.path} imports {target}")
    assert wrong == [], f"not in {package}'s 'May import': add it there, or do without"
    assert sorted(set(may) - used) == [], f"{package}: 'May import' names what it never does"
    banned = [
        f"{m.path} imports {t}"
        for m in _members(package)
        for t in imported(m)
        if any(t == n or t.startswith(n + ".") for n in never)
    ]
    assert banned == []


def test_nothing_in_peercet_but_the_command_imports_workers_and_nothing_imports_web() -> None:
    """peercet/__init__.py's promise, across its packages."""
    edges = {
        f"{m.path} imports {t}"
        for m in modules()
        if m.name.startswith("peercet.")
        for t in imported(m)
        if t.split(".")[0] == "web" or (t.split(".")[0] == "workers" and ".cli" not in m.name)
    }
    assert edges == set()


def _package_graph() -> dict[str, set[str]]:
    """Which ruled packages each ruled package's modules import (itself left out)."""
    graph: dict[str, set[str]] = {p: set() for p in RULED}
    for module in modules():
        importer = _ruled_package(module.name)
        for target in imported(module):
            imported_package = _ruled_package(target)
            if importer and imported_package and imported_package != importer:
                graph[importer].add(imported_package)
    return graph


def _a_cycle(graph: dict[str, set[str]]) -> list[str]:
    """One cycle of `graph` as the packages along it (the first again at the end), or []."""
    done: set[str] = set()

    def walk(package: str, path: list[str]) -> list[str]:
        if package in path:
            return [*path[path.index(package) :], package]
        if package in done:
            return []
        for target in sorted(graph[package]):
            if found := walk(target, [*path, package]):
                return found
        done.add(package)
        return []

    return next((c for p in RULED if (c := walk(p, []))), [])


def test_the_packages_import_each_other_without_a_cycle() -> None:
    graph = _package_graph()
    gone = [edge for edge in CYCLE_EDGES if edge[1] not in graph[edge[0]]]
    assert gone == [], "no longer imported: take them off CYCLE_EDGES"
    for importer, target in CYCLE_EDGES:
        graph[importer].discard(target)
    assert _a_cycle(graph) == [], "a cycle between packages: break it (an outcome returned)"
