"""Each profession's cycle requirements, as data (CET_REQUIREMENTS; API.md `/api/me/cycle`).

The bundled file `peercet/cycles/data/requirements.json` holds the GOC's 2019-21 CET scheme,
each figure cited in its entry's `source`. A provider points CET_REQUIREMENTS at its
own file to change them without code; a bad file stops the process at start-up with
a message naming the entry at fault (`load_settings` reads it).

Specialty CET is decided from the competency lists: a course counts as a specialty's
CET when it covers one of the specialty's own competencies (the specialty's list in
competencies.json beyond its base profession's, unless the entry lists them).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from peercet.catalogue.competencies import Framework, bundled, key
from peercet.catalogue.professions import PROFESSIONS, TAKES_COURSES_OF

BUNDLED = Path(__file__).with_name("data") / "requirements.json"
ENTRY_KEYS = {"points", "interactive", "general_points", "specialty", "competencies", "source"}


class BadRequirements(ValueError):
    """The requirements file cannot be used; the message names the file and the entry."""


@dataclass(frozen=True)
class Requirement:
    """What one profession must earn in a cycle."""

    profession: str
    points: int
    interactive: int
    competencies: tuple[str, ...]
    general_points: int = 0  # from courses outside the specialty
    specialty_points: int = 0
    specialty_name: str | None = None
    specialty_competencies: tuple[str, ...] = ()
    source: str = ""

    def is_specialty(self, course_competencies: tuple[str, ...] | list[str]) -> bool:
        """Whether a course with these competencies counts as this specialty's CET."""
        own = {key(n) for n in self.specialty_competencies}
        return any(key(n) in own for n in course_competencies)


@dataclass(frozen=True)
class Requirements:
    scheme: str
    by_profession: Mapping[str, Requirement]

    def of(self, profession: str) -> Requirement:
        return self.by_profession[profession]


def _whole(entry: dict[str, Any], name: str, where: str, default: int | None = None) -> int:
    value = entry.get(name, default)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 1000:
        raise BadRequirements(f"{where}.{name}: a whole number from 0 to 1000")
    return value


def _names(value: Any, allowed: tuple[str, ...], where: str) -> tuple[str, ...]:
    """`"all"` is every allowed name; a list must name allowed ones (as they are spelt)."""
    if value == "all":
        return allowed
    if not isinstance(value, list) or not value or not all(isinstance(n, str) for n in value):
        raise BadRequirements(f'{where}: "all" or a non-empty list of competency names')
    spelt = {key(n): n for n in allowed}
    unknown = [n for n in value if key(n) not in spelt]
    if unknown:
        raise BadRequirements(f"{where}: {unknown[0]!r} is not a competency of the profession")
    return tuple(dict.fromkeys(spelt[key(n)] for n in value))


def own_competencies(framework: Framework, profession: str) -> tuple[str, ...]:
    """A specialty's own competencies: its list beyond its base profession's."""
    base = {key(n) for p in TAKES_COURSES_OF[profession] - {profession} for n in framework.of(p)}
    return tuple(n for n in framework.of(profession) if key(n) not in base)


def _specialty(entry: dict[str, Any], profession: str, framework: Framework, where: str) -> Any:
    raw = entry.get("specialty")
    if raw is None:
        return {}
    where = f"{where}.specialty"
    if not isinstance(raw, dict) or set(raw) - {"name", "points", "competencies"}:
        raise BadRequirements(f"{where}: an object of name, points and competencies")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise BadRequirements(f"{where}.name: the specialty CET's name")
    own = own_competencies(framework, profession) or framework.of(profession)
    listed = raw.get("competencies", "all")
    return {
        "specialty_name": name.strip(),
        "specialty_points": _whole(raw, "points", where),
        "specialty_competencies": _names(listed, own, f"{where}.competencies"),
    }


def _entry(raw: Any, profession: str, framework: Framework) -> Requirement:
    where = f"professions.{profession}"
    if not isinstance(raw, dict):
        raise BadRequirements(f"{where}: an object")
    if unknown := sorted(set(raw) - ENTRY_KEYS):
        raise BadRequirements(f"{where}: unknown field {unknown[0]!r}")
    points = _whole(raw, "points", where)
    found = Requirement(
        profession=profession,
        points=points,
        interactive=_whole(raw, "interactive", where),
        competencies=_names(raw.get("competencies", "all"), framework.of(profession), where),
        general_points=_whole(raw, "general_points", where, 0),
        source=str(raw.get("source", "")),
        **_specialty(raw, profession, framework, where),
    )
    if max(found.interactive, found.general_points + found.specialty_points) > points:
        raise BadRequirements(f"{where}: interactive, and general plus specialty, exceed points")
    return found


def parse(data: Any, framework: Framework | None = None) -> Requirements:
    """The file's object checked: every profession, each entry whole."""
    framework = framework or bundled()
    lists = data.get("professions") if isinstance(data, dict) else None
    if not isinstance(lists, dict) or set(lists) != set(PROFESSIONS):
        raise BadRequirements("'professions' must name each of " + ", ".join(PROFESSIONS))
    scheme = data.get("scheme", "")
    return Requirements(str(scheme), {p: _entry(lists[p], p, framework) for p in PROFESSIONS})


def load(path: Path) -> Requirements:
    """Read and check a requirements file; any fault names the file and the entry."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return parse(data)
    except (OSError, ValueError) as exc:  # BadRequirements and JSON errors are ValueErrors
        raise BadRequirements(f"CET_REQUIREMENTS {path}: {exc}") from exc


@functools.cache
def bundled_requirements() -> Requirements:
    """The GOC 2019-21 scheme shipped with the package, read once."""
    return load(BUNDLED)
