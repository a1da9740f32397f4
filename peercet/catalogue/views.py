"""The catalogue's API resources, typed (API.md's Catalogue and exams): a course in a
list and the parts of a course in full (which, carrying the asker's completion, with the
answer to an exam attempt, is `peercet.completions.course_view`'s)."""

from __future__ import annotations

from typing import TypedDict


class CourseView(TypedDict):
    """API.md's `course`, as `GET /api/courses` lists it."""

    ref: str
    title: str
    professions: list[str]
    competencies: list[str]
    interactive: bool
    points: int


class OptionView(TypedDict):
    id: int
    text: str


class QuestionView(TypedDict):
    """A question as the registrant sees it: never its answer."""

    id: int
    text: str
    options: list[OptionView]


class ContentView(TypedDict):
    """The course itself (all null when it has none)."""

    content: str | None
    content_html: str | None
    reading_minutes: int | None


class AllowanceView(TypedDict):
    """Attempts left at an exam (null when signed out), and when the next is allowed."""

    attempts_left: int | None
    retry_at: str | None
