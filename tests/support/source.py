"""The project's source as data, for the tests that read the code rather than run it
(the layout, the import rules, the README's code map): every package and module, parsed
once, and the project modules each one imports."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TOP = ("peercet", "discussion", "matching", "workers", "web")  # pyproject's packages


@dataclass(frozen=True)
class Module:
    """One .py file of a package: its path from the root, dotted name and syntax tree."""

    path: str
    name: str
    tree: ast.Module

    @property
    def lines(self) -> int:
        return len((ROOT / self.path).read_text().splitlines())


def _dotted(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def packages() -> tuple[Path, ...]:
    """Every directory of the project that Python imports as a package (an __init__.py
    in it and in each parent up to the top): peercet/migrations, say, is not one."""
    found: list[Path] = []
    for top in TOP:
        found.extend(
            d
            for d in sorted([ROOT / top, *(ROOT / top).rglob("*")])
            if d.is_dir() and _is_package(d)
        )
    return tuple(found)


def _is_package(directory: Path) -> bool:
    while directory != ROOT:
        if not (directory / "__init__.py").exists():
            return False
        directory = directory.parent
    return True


@cache
def modules() -> tuple[Module, ...]:
    """Every module of every package, its __init__.py included."""
    return tuple(
        Module(str(f.relative_to(ROOT)), _dotted(f), ast.parse(f.read_text()))
        for package in packages()
        for f in sorted(package.glob("*.py"))
    )


@cache
def module_names() -> frozenset[str]:
    return frozenset(m.name for m in modules())


def package_name(directory: Path) -> str:
    return ".".join(directory.relative_to(ROOT).parts)


def docstring(directory: Path) -> str:
    return ast.get_docstring(ast.parse((directory / "__init__.py").read_text())) or ""


def imported(module: Module) -> set[str]:
    """Every module `module` imports (at the top, in a function or under TYPE_CHECKING):
    `from a.b import c` is `a.b.c` when c is a module of the project, else `a.b`."""
    found: set[str] = set()
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(module, node)
            for alias in node.names:
                whole = f"{base}.{alias.name}"
                found.add(whole if whole in module_names() else base)
    return found


def _absolute(module: Module, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = module.name.split(".")
    if not module.path.endswith("__init__.py"):
        package = package[:-1]
    package = package[: len(package) - node.level + 1]
    return ".".join([*package, *([node.module] if node.module else [])])


def first_paragraph(text: str) -> str:
    """A docstring's first paragraph on one line: what the code map says of it."""
    return " ".join(text.strip().split("\n\n")[0].split())
