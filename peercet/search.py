"""Catalogue search as pure rules (DOMAIN.md rule 10): parse the query, match, page.

Matching runs in Python over the catalogue's few hundred rows: the same on SQLite
and PostgreSQL, accent- and case-insensitive, and free of JSON-in-SQL dialects.

- `q`: every word must appear in the ref, title, summary or a competency; the word
  "interactive" means "an interactive course" (and "non-interactive" the opposite),
  so searching "interactive" finds exactly the interactive courses.
- `profession`: courses a registrant of that profession may take (a therapeutic
  prescriber also sees optometrists' courses, a contact lens optician dispensing
  opticians').
- `competency`: a course naming that competency (case-insensitive, whole name).
- `interactive`: `true` or `false`.
- `page`: from 1, `PAGE_SIZE` courses a page, ordered by ref.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from peercet.catalogue import PROFESSIONS, may_take
from peercet.errors import BadInput
from peercet.tables import Course

PAGE_SIZE = 20
MAX_QUERY = 200
INTERACTIVE_WORDS = {"interactive": True, "non-interactive": False, "noninteractive": False}


class Searchable(Protocol):
    @property
    def ref(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def summary(self) -> str: ...
    @property
    def professions(self) -> list[Any]: ...
    @property
    def competencies(self) -> list[Any]: ...
    @property
    def interactive(self) -> bool: ...


@dataclass(frozen=True)
class CourseQuery:
    words: tuple[str, ...] = ()
    profession: str | None = None
    competency: str | None = None
    interactive: bool | None = None
    page: int = 1


def fold(text: str) -> str:
    """Lower case without accents, so "Ocular" finds "ocular" and "Mélanie" "melanie"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _bool(value: str, name: str) -> bool:
    if value.lower() in ("true", "1", "yes"):
        return True
    if value.lower() in ("false", "0", "no"):
        return False
    raise BadInput(f"'{name}' must be true or false", "bad_query")


def _page(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise BadInput("'page' must be a whole number from 1", "bad_query")
    return int(value)


def parse_query(params: Mapping[str, str]) -> CourseQuery:
    """The query string checked; empty values mean "any"."""
    q = params.get("q", "").strip()
    if len(q) > MAX_QUERY:
        raise BadInput(f"'q' must be at most {MAX_QUERY} characters", "bad_query")
    profession = params.get("profession", "").strip() or None
    if profession is not None and profession not in PROFESSIONS:
        raise BadInput("'profession' must be one of " + ", ".join(PROFESSIONS), "bad_query")
    interactive = params.get("interactive", "").strip()
    page = params.get("page", "").strip()
    return CourseQuery(
        words=tuple(fold(w) for w in q.split()),
        profession=profession,
        competency=fold(params.get("competency", "").strip()) or None,
        interactive=_bool(interactive, "interactive") if interactive else None,
        page=_page(page) if page else 1,
    )


def _word_matches(course: Searchable, word: str) -> bool:
    if word in INTERACTIVE_WORDS:
        return course.interactive is INTERACTIVE_WORDS[word]
    haystack = " ".join([course.ref, course.title, course.summary, *course.competencies])
    return word in fold(haystack)


def matches(course: Searchable, query: CourseQuery) -> bool:
    if query.interactive is not None and course.interactive is not query.interactive:
        return False
    if query.profession is not None and not may_take(query.profession, course.professions):
        return False
    if query.competency is not None and query.competency not in {
        fold(c) for c in course.competencies
    }:
        return False
    return all(_word_matches(course, word) for word in query.words)


@dataclass(frozen=True)
class Page:
    items: list[Course]
    has_next: bool


def search(courses: Sequence[Course], query: CourseQuery) -> Page:
    """The query's page of matching courses, by ref."""
    found = sorted((c for c in courses if matches(c, query)), key=lambda c: c.ref)
    start = (query.page - 1) * PAGE_SIZE
    return Page(found[start : start + PAGE_SIZE], has_next=len(found) > start + PAGE_SIZE)
