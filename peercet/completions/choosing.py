"""A registrant's choice for their own completion (rule 2), as they send it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from peercet.completions import actions, own
from peercet.completions.lifecycle import InvalidTransition, Mode
from peercet.core.context import Context
from peercet.core.errors import BadInput, Conflict
from peercet.core.publish import Aftermath
from peercet.core.tables import Completion, Course, PointRecord


@dataclass(frozen=True)
class Chosen:
    completion: Completion
    course: Course
    award: PointRecord | None  # the point, once a non-interactive choice awarded it
    aftermath: Aftermath  # matching's queue and the `completion` frame, after the commit


def mode_of(value: Any) -> Mode:
    """The mode a registrant sent: interactive or non_interactive (400 `bad_mode`)."""
    try:
        return Mode(value)
    except ValueError:
        raise BadInput("'mode' must be interactive or non_interactive", "bad_mode") from None


async def choose_own(
    session: AsyncSession, registrant_id: int, completion_id: int, mode: Mode, now: datetime,
    ctx: Context,
) -> Chosen:  # fmt: skip
    """The choice for the registrant's own completion (anyone else's is not found); a
    second, different choice is 409 `already_chosen`."""
    completion, course = await own.own_completion(session, registrant_id, completion_id)
    try:
        aftermath = await actions.choose(session, completion, course, mode, now, ctx)
    except InvalidTransition as exc:
        raise Conflict(f"you have already chosen: {exc}", "already_chosen") from None
    award = await actions.award_of(session, completion.id)
    return Chosen(completion, course, award, aftermath)
