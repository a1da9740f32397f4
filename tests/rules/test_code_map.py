"""README.md's code map is the code's: every package and module of the project in it,
each as its docstring describes it, and nothing that no longer exists
(scripts/code_map.py writes it)."""

from __future__ import annotations

import importlib.util
import re
from types import ModuleType

from tests.support.source import ROOT, modules


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("code_map", ROOT / "scripts" / "code_map.py")
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    return script


def _section() -> str:
    section: str = _script().readme_section((ROOT / "README.md").read_text())
    return section


def test_the_readme_code_map_is_the_one_the_code_describes() -> None:
    """Fails after a module is added, moved, renamed or re-described: run
    `.venv/bin/python scripts/code_map.py --write`."""
    assert _section() == _script().code_map()


def test_every_package_and_module_is_in_the_code_map() -> None:
    listed = set(re.findall(r"^\| `([^`]+)` \|", _section(), re.M))
    wanted = {m.path.removesuffix("__init__.py") for m in modules()}
    assert sorted(wanted - listed) == []


def test_the_code_map_names_nothing_that_does_not_exist() -> None:
    listed = re.findall(r"^\| `([^`]+)` \|", _section(), re.M)
    assert [p for p in listed if not any(ROOT.glob(p.rstrip("/")))] == []
