"""The catalogue file: every problem named by course and field, nothing half-loaded."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from peercet.catalogue.content import word_count
from peercet.catalogue.loading import check_catalogue, import_catalogue, may_take
from peercet.cli import demo
from peercet.core.errors import BadInput
from peercet.core.tables import Course, CoursePrompt, ExamQuestion
from tests.support import factories as f

GOOD: dict[str, Any] = {
    "ref": "C-10001",
    "title": "Glaucoma",
    "summary": "About glaucoma.",
    "professions": ["optometrist"],
    "competencies": ["Ocular disease"],
    "points": 1,
    "interactive": True,
    "prompts": ["What do you do first?"],
    "questions": [{"text": "IOP?", "options": ["a", "b"], "answer": 1}],
    "pass_mark": 1,
}


def with_(**changes: Any) -> dict[str, Any]:
    course = copy.deepcopy(GOOD)
    course.update(changes)
    return course


@pytest.mark.parametrize(
    ("course", "message"),
    [
        (with_(ref="C 12345"), "course 1 (C 12345): 'ref' must be 1 to 20 letters, digits"),
        (with_(ref="a/b"), "'ref' must be 1 to 20 letters"),  # a URL segment
        (with_(ref="-12"), "'ref' must be 1 to 20 letters"),
        (with_(ref="C-" + "1" * 19), "'ref' must be 1 to 20 letters"),
        (with_(title=""), "course 1 (C-10001): 'title' must be a non-empty string"),
        (with_(professions=["optician"]), "'professions' must be some of"),
        (with_(points=0), "'points' must be a whole number of at least 1"),
        (with_(interactive="yes"), "'interactive' must be true or false"),
        (with_(prompts=[]), "an interactive course needs at least one prompt"),
        (with_(questions=[]), "'questions' must be a non-empty list"),
        (with_(questions=[{"text": "q", "options": ["a", "b"], "answer": 2}]),
         "question 1: 'answer' must be the index of one of the options"),
        (with_(pass_mark=2), "'pass_mark' must be between 1 and the number of questions"),
        ("not a course", "course 1: must be an object"),
        (with_(competencies=["Clinical management"]),
         "course 1 (C-10001): competency 'Clinical management' is not in the competency list "
         "of optometrist"),
        (with_(professions=["dispensing_optician"]),  # an optometrists' competency
         "competency 'Ocular disease' is not in the competency list of dispensing_optician"),
        (with_(professions=["contact_lens_optician"]),  # a CLO has DOs' list, not optometrists'
         "competency 'Ocular disease' is not in the competency list of contact_lens_optician"),
        (with_(professions=["optometrist"], competencies=["Prescribing safely"]),  # a specialty's
         "competency 'Prescribing safely' is not in the competency list of optometrist"),
        (with_(competencies="Ocular disease"), "'competencies' must be a list of non-empty"),
        (with_(content=["# Glaucoma"]), "course 1 (C-10001): 'content' must be a string"),
        (with_(content=None), "course 1 (C-10001): 'content' must be a string"),
        (with_(content="x" * 100_001), "'content' must be at most 100,000 characters"),
        (with_(content="a\x00b"), "'content' must not contain NUL or lone surrogates"),
        (with_(content="a\ud800b"), "'content' must not contain NUL or lone surrogates"),
    ],
)  # fmt: skip
def test_a_bad_course_is_named_with_its_field(course: Any, message: str) -> None:
    with pytest.raises(BadInput) as error:
        check_catalogue([GOOD | {"ref": "C-99999"}, course])
    assert message.replace("course 1", "course 2") in error.value.message


@pytest.mark.parametrize(
    ("professions", "given", "stored"),
    [
        (["optometrist"], ["ocular  DISEASE"], ["Ocular disease"]),  # spelt as the list has it
        (["therapeutic_prescriber"], ["Binocular vision", "Prescribing safely"],
         ["Binocular vision", "Prescribing safely"]),  # an optometrist's and its own
        (["contact_lens_optician"], ["Low vision", "Contact lens fitting"],
         ["Low vision", "Contact lens fitting"]),  # a dispensing optician's and its own
        (["dispensing_optician", "optometrist"], ["Low vision", "Ocular disease"],
         ["Low vision", "Ocular disease"]),  # each from the list of one of its professions
        (["optometrist"], [], []),
    ],
)  # fmt: skip
def test_competencies_are_names_from_the_lists_of_the_courses_professions(
    professions: list[str], given: list[str], stored: list[str]
) -> None:
    [course] = check_catalogue([with_(professions=professions, competencies=given)])
    assert course.competencies == stored


@pytest.mark.parametrize("ref", ["C-12345", "OPT-101", "c-12345", "CET.2026_07", "X"])
def test_a_providers_own_reference_is_accepted(ref: str) -> None:
    assert [c.ref for c in check_catalogue([with_(ref=ref)])] == [ref]


def test_duplicate_refs_and_non_lists_are_refused() -> None:
    with pytest.raises(BadInput, match="C-10001 appears twice"):
        check_catalogue([GOOD, GOOD])
    with pytest.raises(BadInput, match="JSON list"):
        check_catalogue({"courses": []})


def test_the_demo_catalogue_is_realistic() -> None:
    courses = check_catalogue(demo.catalogue())
    assert len(courses) >= 10
    interactive = [c for c in courses if c.interactive]
    assert 0.5 <= len(interactive) / len(courses) <= 0.8
    assert {p for c in courses for p in c.professions} == {
        "optometrist", "dispensing_optician", "contact_lens_optician", "therapeutic_prescriber",
    }  # fmt: skip
    assert all(2 <= len(c.prompts) <= 3 for c in interactive)
    assert all(len(c.questions) >= 5 and c.summary for c in courses)


@pytest.mark.parametrize(
    ("profession", "course_professions", "allowed"),
    [
        ("optometrist", ["optometrist"], True),
        ("therapeutic_prescriber", ["optometrist"], True),
        ("optometrist", ["therapeutic_prescriber"], False),
        ("contact_lens_optician", ["dispensing_optician"], True),
        ("dispensing_optician", ["contact_lens_optician"], False),
        ("dispensing_optician", ["optometrist"], False),
    ],
)
def test_specialties_take_their_base_professions_courses(
    profession: str, course_professions: list[str], allowed: bool
) -> None:
    assert may_take(profession, course_professions) is allowed


async def test_import_is_idempotent_and_updates_by_ref(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        assert await import_catalogue(session, [GOOD], f.T0) == 1
    async with sessions() as session, session.begin():
        assert await import_catalogue(session, [GOOD], f.T0) == 0
    changed = with_(title="Glaucoma, revised", prompts=["One?", "Two?"])
    async with sessions() as session, session.begin():
        assert await import_catalogue(session, [changed, with_(ref="C-10002")], f.T0) == 2
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Course)) == 2
        course = await session.scalar(select(Course).where(Course.ref == "C-10001"))
        assert course is not None and course.title == "Glaucoma, revised"
        prompts = await session.scalars(
            select(CoursePrompt.text).where(CoursePrompt.course_id == course.id)
        )
        assert sorted(prompts) == ["One?", "Two?"]
        assert await session.scalar(select(func.count()).select_from(ExamQuestion)) == 2


@pytest.mark.parametrize("bad", [with_(points=-1), with_(competencies=["Refraction"])])
async def test_a_bad_file_loads_nothing(
    sessions: async_sessionmaker[AsyncSession], bad: dict[str, Any]
) -> None:
    with pytest.raises(BadInput):
        async with sessions() as session, session.begin():
            await import_catalogue(session, [with_(ref="C-10003"), bad], f.T0)
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Course)) == 0


async def test_the_course_itself_is_stored_and_updated_by_a_re_import(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async def content() -> str | None:
        async with sessions() as session:
            return await session.scalar(select(Course.content).where(Course.ref == "C-10001"))

    async with sessions() as session, session.begin():
        assert await import_catalogue(session, [GOOD], f.T0) == 1
    assert await content() == ""  # optional
    first, second = "# Glaucoma\n\nRefer at 24 mmHg.", "# Glaucoma\n\nRepeat, then refer."
    for text, changed in [(first, 1), (first, 0), (second, 1), ("x" * 100_000, 1), ("", 1)]:
        async with sessions() as session, session.begin():
            assert await import_catalogue(session, [with_(content=text)], f.T0) == changed
        assert await content() == text


def test_every_demo_course_is_a_few_hundred_words_of_its_own() -> None:
    courses = check_catalogue(demo.catalogue())
    for course in courses:
        assert 300 <= word_count(course.content) <= 600, course.ref
        assert "\n## Key points\n" in course.content, course.ref  # headings
        assert re.search(r"\n(- |\d\. )", course.content), course.ref  # a list
    assert len({c.content for c in courses}) == len(courses)


def _plain(text: str) -> str:
    """Lower case, Markdown's emphasis gone, spaces as one."""
    return " ".join(text.replace("*", "").replace("_", "").lower().split())


@pytest.mark.parametrize("course", demo.catalogue(), ids=lambda c: c["ref"])
def test_every_demo_question_is_answered_in_its_course(course: dict[str, Any]) -> None:
    """Each right option's text is in the course's content, word for word."""
    content = _plain(course["content"])
    for question in course["questions"]:
        right = question["options"][question["answer"]]
        assert _plain(right) in content, (course["ref"], question["text"], right)
