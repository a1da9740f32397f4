"""Factories, not shared rows: each test makes what it needs."""

from __future__ import annotations

import functools
import itertools
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from discussion.opening import open_discussion
from peercet.accounts.passwords import Cost, passwords
from peercet.catalogue.loading import CourseSpec, QuestionSpec, upsert_course
from peercet.completions.actions import choose, record_pass
from peercet.completions.lifecycle import Mode
from peercet.core.tables import Completion, Course, Registrant
from tests.support.context import context

LONDON = ZoneInfo("Europe/London")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
_numbers = itertools.count(1)


PASSWORD = "correct-horse-1"


# argon2id made cheap for tests (the settings fixture and web processes use it too)
CHEAP = Cost(time_cost=1, memory_kib=8, parallelism=1)
CHEAP_PASSWORDS = {
    "PASSWORD_TIME_COST": str(CHEAP.time_cost),
    "PASSWORD_MEMORY_KIB": str(CHEAP.memory_kib),
    "PASSWORD_PARALLELISM": str(CHEAP.parallelism),
}


@functools.cache
def _password_hash() -> str:
    return passwords(CHEAP).hash(PASSWORD)


async def registrant(
    session: AsyncSession, profession: str = "optometrist", role: str = "registrant", **kw: Any
) -> Registrant:
    """A registrant whose password is PASSWORD."""
    n = next(_numbers)
    person = Registrant(
        email=kw.get("email", f"person{n}@example.test"),
        password_hash=_password_hash(),
        name=kw.get("name", f"Person {n}"),
        goc_number=kw.get("goc_number", f"04-{n:06d}"),
        profession=profession,
        role=role,
        created_at=kw.get("now", T0),
    )
    session.add(person)
    await session.flush()
    return person


def course_spec(interactive: bool = True, **kw: Any) -> CourseSpec:
    n = next(_numbers)
    questions = [QuestionSpec(f"Question {i}?", ["a", "b", "c"], i % 3) for i in range(5)]
    return CourseSpec(
        ref=kw.get("ref", f"C-{20000 + n}"),
        title=kw.get("title", f"Course {n}"),
        summary="A course.",
        professions=kw.get("professions", ["optometrist", "dispensing_optician"]),
        competencies=kw.get("competencies", ["Communication"]),
        points=kw.get("points", 1),
        interactive=interactive,
        prompts=kw.get("prompts", ["First prompt?", "Second prompt?"] if interactive else []),
        questions=questions,
        pass_mark=4,
        content=kw.get("content", ""),
    )


async def course(session: AsyncSession, interactive: bool = True, **kw: Any) -> Course:
    spec = course_spec(interactive, **kw)
    await upsert_course(session, spec, T0)

    found = await session.scalar(select(Course).where(Course.ref == spec.ref))
    assert found is not None
    return found


async def reprice(session: AsyncSession, ref: str, points: int) -> None:
    """The course re-imported worth other points (`peercet courses import`), as after
    some completions were awarded: those keep what they were awarded (rules 6, 9)."""
    await session.execute(update(Course).where(Course.ref == ref).values(points=points))


async def completion(
    session: AsyncSession, who: Registrant, what: Course, passed_at: datetime = T0
) -> Completion:
    result = await record_pass(session, who, what, passed_at, context())
    return result.completion


async def waiting(
    session: AsyncSession, who: Registrant, what: Course, passed_at: datetime = T0
) -> Completion:
    """A completion whose registrant chose the interactive discussion."""

    done = await completion(session, who, what, passed_at)
    await choose(session, done, what, Mode.INTERACTIVE, passed_at, context())
    return done


async def pair(
    session: AsyncSession, what: Course, passed_at: datetime = T0
) -> tuple[Completion, Completion, int]:
    """Two registrants of `what` in one open discussion; returns both completions and its id."""

    first = await waiting(session, await registrant(session), what, passed_at)
    second = await waiting(session, await registrant(session), what, passed_at)
    discussion, _ = await open_discussion(session, [first, second], passed_at, context())
    return first, second, discussion.id
