"""Every change of a completion's state: one guarded UPDATE built from the lifecycle table.

An action names the transition (a lifecycle `Event`), never the states: the WHERE
accepts only the states the table moves it from, and the table's deadline rule
(`lifecycle.in_time`), so a move the table forbids is refused before any SQL is sent.
`move` returns the ids it moved: of two writers racing (a validation and a deadline,
two deadline runs) each row moves for one only, and only that one awards its point
(rule 6).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.dml import ReturningUpdate
from sqlalchemy.sql.visitors import InternalTraversal

from peercet.completions import lifecycle
from peercet.completions.lifecycle import Deadline, Event, State
from peercet.core.tables import Completion

# The completions to move: their ids, or a condition on the table (a discussion's).
Rows = Sequence[int] | ColumnElement[bool]


class ByKey(ColumnElement[datetime]):
    """The deadline column when the rows are named by id. Without statistics SQLite
    would scan the (state, deadline) index, every open row, rather than look up a few
    primary keys: `+deadline` (a no-op) hides the column from its planner."""

    inherit_cache = True
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement)]

    def __init__(self, column: ColumnElement[datetime]) -> None:
        self.column = column
        self.type = column.type


@compiles(ByKey)
def _plain(element: ByKey, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.column, **kw)


@compiles(ByKey, "sqlite")
def _hidden_from_the_planner(element: ByKey, compiler: SQLCompiler, **kw: Any) -> str:
    return "+" + compiler.process(element.column, **kw)


def guard(
    event: Event, now: datetime, source: State | None = None, *, by_key: bool = False
) -> ColumnElement[bool]:
    """The table's WHERE for `event` at `now`: the states it is allowed from (`source`
    alone when the caller knows it, if the table allows it) and its deadline rule."""
    if source is not None:
        lifecycle.transition(source, event)  # a forbidden one: InvalidTransition
    states = {source} if source is not None else lifecycle.sources(event)
    column = Completion.deadline.expression
    deadline: Deadline[ColumnElement[bool]] = ByKey(column) if by_key else column
    return and_(Completion.state.in_(sorted(states)), lifecycle.in_time(event, deadline, now))


def statement(
    rows: Rows, event: Event, now: datetime, source: State | None = None, **values: Any
) -> ReturningUpdate[int]:
    """The guarded UPDATE of `rows` for `event`; `values` are the other columns it sets."""
    if "state" in values:
        raise ValueError("a move's state is the lifecycle table's, not the caller's")
    if isinstance(rows, ColumnElement):
        which, by_key = rows, False
    else:
        which, by_key = Completion.id.in_(list(rows)), True
    return (
        update(Completion)
        .where(which, guard(event, now, source, by_key=by_key))
        .values(state=lifecycle.target(event).value, **values)
        .returning(Completion.id)
    )


async def move(
    session: AsyncSession,
    rows: Rows,
    event: Event,
    now: datetime,
    *,
    source: State | None = None,
    **values: Any,
) -> list[int]:
    """Make `event` happen to those of `rows` the table allows it for: the ids moved."""
    moved = await session.execute(statement(rows, event, now, source, **values))
    return [row[0] for row in moved]


def due(now: datetime) -> ColumnElement[bool]:
    """What falls back at `now` (rule 4), for finding it by the (state, deadline) index."""
    return guard(Event.DEADLINE, now)


async def hold(session: AsyncSession, completion_id: int, state: State) -> bool:
    """Lock one completion's row while it stays in `state` (a write that changes
    nothing: a row lock on PostgreSQL, the write lock on SQLite); False if it left it."""
    held = await session.execute(
        update(Completion)
        .where(Completion.id == completion_id, Completion.state == state.value)
        .values(state=state.value)
        .returning(Completion.id)
    )
    return held.first() is not None
