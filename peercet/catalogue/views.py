"""The catalogue's API resources, typed (API.md's Catalogue and exams): a course in a
list, a course in full, and the answer to an exam attempt."""

from __future__ import annotations

from typing import TypedDict

from peercet.completions.frames import CompletionView


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


class CourseDetail(CourseView, ContentView, AllowanceView):
    """GET /api/courses/{ref}: with its exam and the asker's completion this cycle."""

    summary: str
    pass_mark: int
    questions: list[QuestionView]
    completion: CompletionView | None


class AttemptView(AllowanceView):
    """POST /api/courses/{ref}/attempts: `score` says how many, never which."""

    passed: bool
    score: int
    total: int
    pass_mark: int
    completion: CompletionView | None
