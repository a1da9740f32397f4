"""The edges stay thin (STYLE.md point 2): web/ parses, calls a flow of a domain
package and renders. Read from the source (ast), so nothing is imported or run."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"
SQL = {"select", "update", "insert", "delete"}


def modules(*packages: str) -> list[Path]:
    return sorted(p for package in packages for p in (WEB / package).rglob("*.py"))


def imported_modules(tree: ast.AST) -> Iterator[str]:
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)


def sqlalchemy_names(tree: ast.AST) -> tuple[dict[str, str], set[str]]:
    """Local names of SQL verbs (name -> verb) and of sqlalchemy modules."""
    verbs: dict[str, str] = {}
    packages: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlalchemy"):
            for alias in node.names:
                local = alias.asname or alias.name
                if alias.name in SQL:
                    verbs[local] = alias.name
                else:
                    packages.add(local)
        elif isinstance(node, ast.Import):
            packages |= {
                a.asname or a.name.split(".")[0]
                for a in node.names
                if a.name.startswith("sqlalchemy")
            }
    return verbs, packages


def root(node: ast.expr) -> ast.expr:
    while isinstance(node, ast.Attribute):
        node = node.value
    return node


def sql_calls(tree: ast.AST) -> Iterator[str]:
    """Calls of SQLAlchemy's statement builders, however imported: `select(...)`,
    `sa.update(...)`, `postgresql.insert(...)`, an alias (`update as up`)."""
    verbs, packages = sqlalchemy_names(tree)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id in verbs:
            yield f"{verbs[func.id]}() at line {node.lineno}"
        elif isinstance(func, ast.Attribute) and func.attr in SQL:
            base = root(func.value)
            if isinstance(base, ast.Name) and base.id in packages:
                yield f"{func.attr}() at line {node.lineno}"


def parsed(path: Path) -> ast.AST:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


@pytest.mark.parametrize("path", modules("pages"), ids=lambda p: p.name)
def test_no_page_imports_the_api(path: Path) -> None:
    """What pages and API share lives in a small web/ module or in the domain."""
    wrong = [
        m for m in imported_modules(parsed(path)) if m == "web.api" or m.startswith("web.api.")
    ]
    assert wrong == []


@pytest.mark.parametrize("path", modules("api", "pages"), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_sql_in_endpoints(path: Path) -> None:
    """Statements are built in the domain packages; an endpoint calls a flow."""
    assert list(sql_calls(parsed(path))) == []


@pytest.mark.parametrize(
    "source, found",
    [
        ("from sqlalchemy import select\nselect(X)", ["select() at line 2"]),
        ("from sqlalchemy import update as up\nup(X)", ["update() at line 2"]),
        ("import sqlalchemy as sa\nsa.delete(X)", ["delete() at line 2"]),
        (
            "from sqlalchemy.dialects import postgresql\npostgresql.insert(X)",
            ["insert() at line 2"],
        ),
        ("from sqlalchemy import func\nfunc.count()", []),
        ("d = {}\nd.update(x=1)\nselect = max\nselect(1, 2)", []),
    ],
)
def test_the_scan_finds_sql_however_it_is_imported(source: str, found: list[str]) -> None:
    assert list(sql_calls(ast.parse(source))) == found


def test_the_scan_reads_every_endpoint() -> None:
    """A move of web/api or web/pages would make the tests above pass vacuously."""
    assert len(modules("api")) > 5 and len(modules("pages")) > 5
