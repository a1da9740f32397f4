"""Catalogue search as pure rules (DOMAIN.md rule 10): the query, matching, paging.

Matching runs in Python over the catalogue's few hundred rows: the same on SQLite
and PostgreSQL, accent- and case-insensitive, and free of JSON-in-SQL dialects.

- `q`: every word must appear in the ref, title, summary or a competency; the word
  "interactive" means "an interactive course" (and "non-interactive" the opposite),
  so searching "interactive" finds exactly the interactive courses. Words that say
  what every course is ("CET", "point(s)", "course(s)") narrow nothing and are
  ignored: "Interactive CET" finds every interactive course, "CET" every course.
  Punctuation around a word is not part of it ("glaucoma," is "glaucoma").
- `profession`: courses a registrant of that profession may take (a therapeutic
  prescriber also sees optometrists' courses, a contact lens optician dispensing
  opticians').
- `competency`: a course naming that competency: a name from the competency list
  (peercet.catalogue.competencies, any case), else 400.
- `interactive`: `true` or `false`.
- `page`: from 1, `PAGE_SIZE` courses a page, ordered by ref.

The query string's types (text, a flag, a page number) are read at the edge
(web/api/catalogue.py's schema); `course_query` judges what they say.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from peercet.catalogue import competencies
from peercet.catalogue.loading import PROFESSIONS, may_take
from peercet.core.errors import BadInput
from peercet.core.tables import Course

PAGE_SIZE = 20
MAX_QUERY = 200
INTERACTIVE_WORDS = {"interactive": True, "non-interactive": False, "noninteractive": False}
# What every course in the catalogue is: a search for them narrows nothing.
IGNORED_WORDS = frozenset({"cet", "point", "points", "course", "courses"})
PUNCTUATION = ".,;:!?()[]{}\"'"


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


def read_profession(value: str) -> str | None:
    """A profession filter (`profession=`); empty means any."""
    profession = value.strip() or None
    if profession is not None and profession not in PROFESSIONS:
        problem = "'profession' must be one of " + ", ".join(PROFESSIONS)
        raise BadInput(problem, "bad_query", "profession")
    return profession


def words(q: str) -> tuple[str, ...]:
    """The words to match: folded, without surrounding punctuation or ignored words."""
    folded = (fold(w).strip(PUNCTUATION) for w in q.split())
    return tuple(w for w in folded if w and w not in IGNORED_WORDS)


def _competency(value: str) -> str | None:
    if not value:
        return None
    name = competencies.bundled().spelling(value)
    if name is None:
        problem = "'competency' must be a name from GET /api/competencies"
        raise BadInput(problem, "bad_query", "competency")
    return fold(name)


def course_query(
    q: str = "",
    profession: str = "",
    competency: str = "",
    interactive: bool | None = None,
    page: int = 1,
) -> CourseQuery:
    """The search asked for; empty values mean "any"."""
    q = q.strip()
    if len(q) > MAX_QUERY:
        raise BadInput(f"'q' must be at most {MAX_QUERY} characters", "bad_query", "q")
    chosen = read_profession(profession), _competency(competency.strip())
    if page < 1:
        raise BadInput("'page' must be a whole number from 1", "bad_query", "page")
    return CourseQuery(words(q), *chosen, interactive=interactive, page=page)


@dataclass(frozen=True)
class Entry:
    """A course with its searchable text folded once, when the catalogue is loaded."""

    course: Course
    text: str
    competencies: frozenset[str]


def index(courses: Sequence[Course]) -> list[Entry]:
    """The catalogue ready to search, by ref."""
    return [
        Entry(
            course,
            fold(" ".join([course.ref, course.title, course.summary, *course.competencies])),
            frozenset(fold(c) for c in course.competencies),
        )
        for course in sorted(courses, key=lambda c: c.ref)
    ]


def _word_matches(entry: Entry, word: str) -> bool:
    if word in INTERACTIVE_WORDS:
        return entry.course.interactive is INTERACTIVE_WORDS[word]
    return word in entry.text


def matches(entry: Entry, query: CourseQuery) -> bool:
    course = entry.course
    if query.interactive is not None and course.interactive is not query.interactive:
        return False
    if query.profession is not None and not may_take(query.profession, course.professions):
        return False
    if query.competency is not None and query.competency not in entry.competencies:
        return False
    return all(_word_matches(entry, word) for word in query.words)


@dataclass(frozen=True)
class Page:
    items: list[Course]
    has_next: bool


def search(entries: Sequence[Entry], query: CourseQuery) -> Page:
    """The query's page of matching courses, in the index's order (by ref)."""
    found = [e.course for e in entries if matches(e, query)]
    start = (query.page - 1) * PAGE_SIZE
    return Page(found[start : start + PAGE_SIZE], has_next=len(found) > start + PAGE_SIZE)
