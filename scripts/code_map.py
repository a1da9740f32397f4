"""README.md's code map, written from the code: a row for every package (its docstring's
first paragraph) and every module (its docstring's first sentence), then the parts that
are not Python. tests/rules/test_code_map.py fails when the README's differs.

    .venv/bin/python scripts/code_map.py          # print the map
    .venv/bin/python scripts/code_map.py --write  # put it into README.md
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.source import first_paragraph, modules  # noqa: E402

HEADING = "## Code map"
INTRO = (
    "Every package and module, each described by its own docstring (a package's docstring\n"
    "also says what it may import; `tests/rules/test_layout.py` holds it to that). Written by\n"
    "`scripts/code_map.py`; `tests/rules/test_code_map.py` fails when a module is added, moved\n"
    "or renamed and this is not rewritten: `.venv/bin/python scripts/code_map.py --write`."
)
NOT_PYTHON = [
    ("peercet/migrations/", "Alembic migrations, one per schema change (`peercet db upgrade`)"),
    ("peercet/*/data/", "the bundled competency lists, cycle requirements and demo catalogue"),
    ("web/templates/", "the pages' Jinja2 templates"),
    ("web/static/", "the pages' scripts and styles, served from `/static`"),
    (
        "docs/",
        "`registrants.md`, `discussion.md`, `moderation.md`, `workers.md`: what each part decided",
    ),
    ("scripts/", "`start`, `test`, `setup`, the benchmarks and this map"),
    (
        "tests/",
        "`rules` (pure), `flows` (database and Redis), `transport` (HTTP and WebSocket),"
        " `browser` (Chromium), `processes` (real processes); helpers in `support/`",
    ),
]
SENTENCE = re.compile(r"^(.+?[.!?])(?:\s|$)")


def first_sentence(text: str) -> str:
    """Up to the first full stop that ends a sentence (not one inside `a.b` or `e.g.`)."""
    paragraph = first_paragraph(text)
    found = SENTENCE.match(paragraph.replace("e.g. ", "e.g.\u00a0").replace("i.e. ", "i.e.\u00a0"))
    return (found.group(1) if found else paragraph).replace("\u00a0", " ")


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def rows() -> list[tuple[str, str]]:
    """(where, what) for every package, then its modules, in path order."""
    found: list[tuple[str, str]] = []
    for module in modules():
        text = ast.get_docstring(module.tree) or ""
        if module.path.endswith("__init__.py"):
            where = module.path.removesuffix("__init__.py")
            found.append((where, first_paragraph(text)))
        else:
            found.append((module.path, first_sentence(text)))
    return found


def code_map() -> str:
    """The whole section, heading included, as README.md has it."""
    lines = [HEADING, "", INTRO, "", "| where | what |", "|---|---|"]
    lines += [f"| `{where}` | {_cell(what)} |" for where, what in rows() + NOT_PYTHON]
    return "\n".join(lines) + "\n"


def readme_section(readme: str) -> str:
    """README.md's code map: from its heading to the next heading or the end."""
    start = readme.index(HEADING)
    after = readme.find("\n## ", start + len(HEADING))
    return readme[start:] if after == -1 else readme[start : after + 1]


def main() -> None:
    if "--write" not in sys.argv[1:]:
        print(code_map(), end="")
        return
    path = ROOT / "README.md"
    readme = path.read_text()
    path.write_text(readme.replace(readme_section(readme), code_map()))


if __name__ == "__main__":
    main()
