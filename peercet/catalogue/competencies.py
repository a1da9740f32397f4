"""Each profession's competencies, as data (DOMAIN.md "course" and rule 10).

The bundled file `peercet/catalogue/data/competencies.json` names each profession's *own*
competencies. A specialty has its base profession's too, as it takes their courses
(a contact lens optician a dispensing optician's, a therapeutic prescriber an
optometrist's). A name may belong to several professions. Names match whatever
their case or spacing, and always come back spelt as the list spells them.

`competencies_of(profession)` is every competency of a profession: what a cycle
must cover, what the catalogue page offers to filter by.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from peercet.catalogue.professions import PROFESSIONS, TAKES_COURSES_OF

BUNDLED = Path(__file__).with_name("data") / "competencies.json"


def key(name: str) -> str:
    """How names are compared: case and runs of spaces do not matter."""
    return " ".join(name.split()).casefold()


@dataclass(frozen=True)
class Competency:
    name: str
    professions: tuple[str, ...]  # every profession whose list has it, in PROFESSIONS order


@dataclass(frozen=True)
class Framework:
    """Each profession's own list; `of` adds what a specialty's base profession has."""

    own: Mapping[str, tuple[str, ...]]

    def of(self, profession: str) -> tuple[str, ...]:
        """The base profession's names first, then the specialty's own, each once."""
        takes = TAKES_COURSES_OF[profession]
        names = [n for p in PROFESSIONS if p in takes and p != profession for n in self.own[p]]
        return tuple(dict.fromkeys([*names, *self.own[profession]]))

    def entries(self, profession: str | None = None) -> list[Competency]:
        """Every competency (or a profession's), in list order, with who has it."""
        owners: dict[str, list[str]] = {}
        for p in PROFESSIONS:
            for name in self.of(p):
                owners.setdefault(name, []).append(p)
        names = self.of(profession) if profession is not None else owners
        return [Competency(n, tuple(owners[n])) for n in names]

    def spelling(self, name: str, professions: Iterable[str] = PROFESSIONS) -> str | None:
        """The list's spelling of `name` when one of `professions` has it, else None."""
        wanted = key(name)
        for p in professions:
            for known in self.of(p):
                if key(known) == wanted:
                    return known
        return None


def _names(value: Any, profession: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise ValueError(f"competencies of {profession}: a non-empty list of names")
    if not all(isinstance(n, str) and n.strip() and n == n.strip() for n in value):
        raise ValueError(f"competencies of {profession}: each a non-empty name, unpadded")
    if len({key(n) for n in value}) != len(value):
        raise ValueError(f"competencies of {profession}: a name appears twice")
    return tuple(value)


def parse(data: Any) -> Framework:
    """The file's `professions` object checked: every profession, a list of names each."""
    lists = data.get("professions") if isinstance(data, dict) else None
    if not isinstance(lists, dict) or set(lists) != set(PROFESSIONS):
        raise ValueError("'professions' must name each of " + ", ".join(PROFESSIONS))
    return Framework({p: _names(lists[p], p) for p in PROFESSIONS})


@functools.cache
def bundled() -> Framework:
    """The list shipped with the package, read once."""
    return parse(json.loads(BUNDLED.read_text(encoding="utf-8")))


def competencies_of(profession: str) -> tuple[str, ...]:
    """Every competency of `profession` (its base profession's included)."""
    return bundled().of(profession)
