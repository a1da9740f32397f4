"""`moves.move` builds exactly the lifecycle table's guards (DOMAIN.md rules 1-6).

Pure: the UPDATE is built and inspected, never sent. For every transition, the WHERE
accepts the states the table moves it from and no other, its deadline rule is the
table's (`lifecycle.in_time`), the SET is the table's target state, and a transition
the table forbids from a given state is refused before any SQL exists.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import BinaryExpression, BindParameter, ColumnElement
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql import operators
from sqlalchemy.sql.dml import ReturningUpdate
from sqlalchemy.sql.operators import OperatorType
from sqlalchemy.sql.visitors import iterate

from peercet.completions import lifecycle, moves
from peercet.completions.lifecycle import TRANSITIONS, Event, InvalidTransition, State
from peercet.core.tables import Completion

NOW = datetime(2026, 5, 1, 9, tzinfo=UTC)
ROWS = [
    st.lists(st.integers(min_value=1, max_value=10**6), min_size=1, max_size=4),
    st.just(Completion.discussion_id.in_([7])),
]
sources = st.one_of(st.none(), st.sampled_from(list(State)))
instants = st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2030, 1, 1))


def _comparisons(statement: ReturningUpdate[int]) -> list[BinaryExpression[bool]]:
    assert statement.whereclause is not None
    return [e for e in iterate(statement.whereclause) if isinstance(e, BinaryExpression)]


def _column(element: ColumnElement[object]) -> str:
    """The column a comparison is on, seen through `moves.ByKey`."""
    inner = element.column if isinstance(element, moves.ByKey) else element
    return str(getattr(inner, "name", ""))


def _states_allowed(statement: ReturningUpdate[int]) -> set[str]:
    [allowed] = [c for c in _comparisons(statement) if _column(c.left) == "state"]
    assert allowed.operator is operators.in_op and isinstance(allowed.right, BindParameter)
    return set(allowed.right.value or ())


def _deadline_rule(statement: ReturningUpdate[int]) -> tuple[OperatorType, datetime]:
    [rule] = [c for c in _comparisons(statement) if _column(c.left) == "deadline"]
    assert isinstance(rule.right, BindParameter) and isinstance(rule.right.value, datetime)
    return rule.operator, rule.right.value


@given(event=st.sampled_from(list(Event)), source=sources, rows=st.one_of(*ROWS))
def test_a_move_builds_the_tables_guards_or_refuses(
    event: Event, source: State | None, rows: list[int] | ColumnElement[bool]
) -> None:
    table = {state for state, happened in TRANSITIONS if happened is event}
    if source is not None and source not in table:
        with pytest.raises(InvalidTransition):
            moves.statement(rows, event, NOW, source)
        return
    statement = moves.statement(rows, event, NOW, source)
    assert _states_allowed(statement) == ({source} if source else table)
    to = {TRANSITIONS[(state, event)] for state in table}
    assert statement.compile().params["state"] == to.pop() and not to
    rule = operators.le if event is Event.DEADLINE else operators.gt  # reached, or ahead
    assert _deadline_rule(statement) == (rule, NOW)


@given(
    event=st.sampled_from(list(Event)),
    state=st.sampled_from(list(State)),
    due=instants,
    later=st.timedeltas(min_value=-timedelta(days=30), max_value=timedelta(days=30)),
)
def test_the_sql_guard_and_the_pure_rule_are_one_rule(
    event: Event, state: State, due: datetime, later: timedelta
) -> None:
    """What `move` would accept for a row is what `lifecycle.allowed` says of it."""
    due, now = due.replace(tzinfo=UTC), due.replace(tzinfo=UTC) + later
    statement = moves.statement([1], event, now)
    operator, at = _deadline_rule(statement)
    in_time = due <= at if operator is operators.le else due > at  # the SQL's comparison
    accepted = state.value in _states_allowed(statement) and in_time
    assert accepted == lifecycle.allowed(state, event, due, now)
    assert lifecycle.is_due(state, due, now) == lifecycle.allowed(state, Event.DEADLINE, due, now)


def test_a_move_never_takes_its_state_from_the_caller() -> None:
    with pytest.raises(ValueError, match="lifecycle table"):
        moves.statement([1], Event.PAIRED, NOW, state=State.COMPLETED_INTERACTIVE.value)


def test_rows_named_by_id_are_looked_up_by_key_on_sqlite() -> None:
    """By id, SQLite must not take the (state, deadline) index (`+deadline`); by a
    condition, and on PostgreSQL, the deadline is the plain column."""
    by_id = moves.statement([1, 2], Event.PAIRED, NOW, discussion_id=3)
    by_room = moves.statement(Completion.discussion_id.in_([3]), Event.PEER_LOST, NOW)
    assert "+completions.deadline > ?" in str(by_id.compile(dialect=sqlite.dialect()))
    assert "+completions" not in str(by_room.compile(dialect=sqlite.dialect()))
    assert "+completions" not in str(by_id.compile(dialect=postgresql.dialect()))
