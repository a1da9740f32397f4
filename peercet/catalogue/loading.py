"""The catalogue file: checked whole before anything is loaded, then upserted by `ref`.

Each competency of a course is a name from the competency list of one of its
professions (peercet.catalogue.competencies), stored as the list spells it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import undefer

from peercet.catalogue import competencies
from peercet.catalogue.content import MAX_CHARACTERS
from peercet.catalogue.professions import PROFESSIONS as PROFESSIONS  # re-exported
from peercet.catalogue.professions import TAKES_COURSES_OF as TAKES_COURSES_OF  # re-exported
from peercet.catalogue.professions import may_take as may_take  # re-exported
from peercet.core.errors import BadInput
from peercet.core.tables import Course, CoursePrompt, ExamQuestion

# A provider's own reference, such as C-12345: it is a URL segment (/courses/{ref}).
REF = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,19}$")
SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class QuestionSpec:
    text: str
    options: list[str]
    answer: int


@dataclass(frozen=True)
class CourseSpec:
    ref: str
    title: str
    summary: str
    professions: list[str]
    competencies: list[str]
    points: int
    interactive: bool
    prompts: list[str]
    questions: list[QuestionSpec]
    pass_mark: int
    content: str = ""  # Markdown; "" when the course has none


def _text(course: dict[str, Any], name: str, errors: list[str], where: str) -> str:
    value = course.get(name)
    if not isinstance(value, str) or not value.strip():
        errors.append(f"{where}: '{name}' must be a non-empty string")
        return ""
    return value.strip()


def _texts(value: Any, name: str, errors: list[str], where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        errors.append(f"{where}: '{name}' must be a list of non-empty strings")
        return []
    return [v.strip() for v in value]


def _question(q: Any, errors: list[str], where: str) -> QuestionSpec | None:
    if not isinstance(q, dict):
        errors.append(f"{where}: must be an object")
        return None
    text = _text(q, "text", errors, where)
    options = _texts(q.get("options"), "options", errors, where)
    if len(options) < 2:
        errors.append(f"{where}: 'options' needs at least two options")
    answer = q.get("answer")
    if not isinstance(answer, int) or isinstance(answer, bool) or not 0 <= answer < len(options):
        errors.append(f"{where}: 'answer' must be the index of one of the options")
        return None
    return QuestionSpec(text, options, answer)


def _competencies(value: Any, professions: list[str], errors: list[str], where: str) -> list[str]:
    """Each a name from the list of one of the course's professions, spelt as the list has it
    (not checked while the professions themselves are wrong)."""
    names = _texts(value, "competencies", errors, where)
    if not professions or any(p not in PROFESSIONS for p in professions):
        return names
    spelt = []
    for name in names:
        known = competencies.bundled().spelling(name, professions)
        if known is None:
            errors.append(
                f"{where}: competency '{name}' is not in the competency list of "
                + " or ".join(professions)
            )
        spelt.append(known or name)
    return spelt


def _content(raw: dict[str, Any], errors: list[str], where: str) -> str:
    """Optional Markdown, of a size a page can hold, with nothing a database refuses."""
    content = raw.get("content", "")
    if not isinstance(content, str):
        errors.append(f"{where}: 'content' must be a string (Markdown)")
        return ""
    if len(content) > MAX_CHARACTERS:
        errors.append(f"{where}: 'content' must be at most {MAX_CHARACTERS:,} characters")
    if "\x00" in content or SURROGATE.search(content):
        errors.append(f"{where}: 'content' must not contain NUL or lone surrogates")
    return content.strip()


def _points(raw: dict[str, Any], errors: list[str], where: str) -> tuple[int, bool]:
    points = raw.get("points")
    if not isinstance(points, int) or isinstance(points, bool) or points < 1:
        errors.append(f"{where}: 'points' must be a whole number of at least 1")
    interactive = raw.get("interactive")
    if not isinstance(interactive, bool):
        errors.append(f"{where}: 'interactive' must be true or false")
    return points, interactive  # type: ignore[return-value]  # checked above, by `errors`


def _exam(raw: dict[str, Any], errors: list[str], where: str) -> tuple[list[QuestionSpec], Any]:
    """The course's questions (each checked) and its pass mark, at most their number."""
    raw_questions = raw.get("questions")
    if not isinstance(raw_questions, list) or not raw_questions:
        errors.append(f"{where}: 'questions' must be a non-empty list")
        raw_questions = []
    questions = [
        _question(q, errors, f"{where} question {n + 1}") for n, q in enumerate(raw_questions)
    ]
    pass_mark = raw.get("pass_mark")
    if not isinstance(pass_mark, int) or not 1 <= pass_mark <= len(raw_questions):
        errors.append(f"{where}: 'pass_mark' must be between 1 and the number of questions")
    return [q for q in questions if q is not None], pass_mark


def _check_course(raw: Any, index: int, errors: list[str]) -> CourseSpec | None:
    where = f"course {index + 1}"
    if not isinstance(raw, dict):
        errors.append(f"{where}: must be an object")
        return None
    ref = raw.get("ref")
    if isinstance(ref, str):
        where = f"course {index + 1} ({ref})"
    if not isinstance(ref, str) or not REF.match(ref):
        errors.append(f"{where}: 'ref' must be 1 to 20 letters, digits, '.', '_' or '-'")
    before = len(errors)
    title = _text(raw, "title", errors, where)
    summary = raw.get("summary", "")
    if not isinstance(summary, str):
        errors.append(f"{where}: 'summary' must be a string")
    professions = _texts(raw.get("professions"), "professions", errors, where)
    unknown = [p for p in professions if p not in PROFESSIONS]
    if unknown or not professions:
        errors.append(f"{where}: 'professions' must be some of {', '.join(PROFESSIONS)}")
    competencies = _competencies(raw.get("competencies"), professions, errors, where)
    content = _content(raw, errors, where)
    points, interactive = _points(raw, errors, where)
    prompts = _texts(raw.get("prompts", []), "prompts", errors, where)
    if interactive is True and not prompts:
        errors.append(f"{where}: an interactive course needs at least one prompt")
    questions, pass_mark = _exam(raw, errors, where)
    if len(errors) > before or not isinstance(ref, str) or not isinstance(pass_mark, int):
        return None
    return CourseSpec(
        ref, title, summary, professions, competencies, points, interactive, prompts,
        questions, pass_mark, content,
    )  # fmt: skip


def check_catalogue(data: Any) -> list[CourseSpec]:
    """Every problem in the file, named by course and field; nothing is loaded if any."""
    if not isinstance(data, list):
        raise BadInput("the catalogue must be a JSON list of courses", "bad_catalogue")
    errors: list[str] = []
    specs = [_check_course(raw, i, errors) for i, raw in enumerate(data)]
    refs = [s.ref for s in specs if s is not None]
    errors.extend(
        f"'ref' {r} appears twice" for r in sorted({r for r in refs if refs.count(r) > 1})
    )
    if errors:
        raise BadInput("\n".join(errors), "bad_catalogue")
    return [s for s in specs if s is not None]


def _same(course: Course, spec: CourseSpec, prompts: list[str], questions: list[Any]) -> bool:
    return (
        (course.title, course.summary, course.content, course.professions, course.competencies)
        == (spec.title, spec.summary, spec.content, spec.professions, spec.competencies)
        and (course.points, course.interactive, course.pass_mark)
        == (spec.points, spec.interactive, spec.pass_mark)
        and prompts == spec.prompts
        and questions == [(q.text, q.options, q.answer) for q in spec.questions]
    )


async def _unchanged(session: AsyncSession, course: Course, spec: CourseSpec) -> bool:
    """Whether the stored course, its prompts and its questions are already `spec`."""
    prompts = list(
        await session.scalars(
            select(CoursePrompt.text)
            .where(CoursePrompt.course_id == course.id)
            .order_by(CoursePrompt.position)
        )
    )
    questions = [
        (q.text, q.options, q.answer)
        for q in await session.scalars(
            select(ExamQuestion)
            .where(ExamQuestion.course_id == course.id)
            .order_by(ExamQuestion.position)
        )
    ]
    return _same(course, spec, prompts, questions)


async def _write(session: AsyncSession, course: Course, spec: CourseSpec, now: datetime) -> None:
    """The course's fields from `spec`; its prompts and questions replaced by the spec's."""
    course.title, course.summary, course.content = spec.title, spec.summary, spec.content
    course.professions, course.competencies = spec.professions, spec.competencies
    course.points, course.interactive, course.pass_mark = (
        spec.points,
        spec.interactive,
        spec.pass_mark,
    )
    course.updated_at = now
    await session.flush()
    await session.execute(delete(CoursePrompt).where(CoursePrompt.course_id == course.id))
    await session.execute(delete(ExamQuestion).where(ExamQuestion.course_id == course.id))
    session.add_all(
        CoursePrompt(course_id=course.id, position=i, text=t) for i, t in enumerate(spec.prompts)
    )
    session.add_all(
        ExamQuestion(
            course_id=course.id, position=i, text=q.text, options=q.options, answer=q.answer
        )
        for i, q in enumerate(spec.questions)
    )


async def upsert_course(session: AsyncSession, spec: CourseSpec, now: datetime) -> bool:
    """Create or update one course by ref; False when nothing changed."""
    course = await session.scalar(
        select(Course).where(Course.ref == spec.ref).options(undefer(Course.content))
    )
    if course is not None:
        if await _unchanged(session, course, spec):
            return False
    else:
        course = Course(ref=spec.ref)
        session.add(course)
    await _write(session, course, spec, now)
    return True


async def import_catalogue(session: AsyncSession, data: Any, now: datetime) -> int:
    """Load or update every course of a checked catalogue; returns how many changed."""
    specs = check_catalogue(data)
    changed = 0
    for spec in specs:
        changed += await upsert_course(session, spec, now)
    return changed
