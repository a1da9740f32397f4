"""The edge's part of a change: one transaction around one flow, committed, then the
effects of its aftermath (published only after the commit, STYLE.md point 2)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from peercet.core.db import transaction
from peercet.core.publish import Aftermath
from web.resources import Resources


class Result(Protocol):
    @property
    def aftermath(self) -> Aftermath: ...


R = TypeVar("R", bound=Result)


async def commit(res: Resources, flow: Callable[[AsyncSession], Awaitable[R]]) -> R:
    """`flow` in one transaction; once it has committed, its aftermath's effects."""
    async with transaction(res.sessions) as session:
        result = await flow(session)
    await res.effects(result.aftermath)
    return result
