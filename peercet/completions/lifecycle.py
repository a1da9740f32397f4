"""The completion lifecycle as pure rules: states, transitions, deadlines, fallback.

No I/O here: the caller passes in the time. DOMAIN.md rules 1, 2, 4 and 5. The code
obeys this table: `moves.move` builds every state change's UPDATE from `TRANSITIONS`
(the states an event is allowed from) and `in_time` (its deadline rule).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from typing import Protocol, TypeVar
from zoneinfo import ZoneInfo

DISCUSSION_WINDOW = timedelta(days=14)
CUTOFF_DAY = (12, 30)  # 30 December
CUTOFF_TIME = time(12, 0)


class State(StrEnum):
    AWAITING_CHOICE = "awaiting_choice"
    SEEKING_PEER = "seeking_peer"
    IN_DISCUSSION = "in_discussion"
    COMPLETED_INTERACTIVE = "completed_interactive"
    COMPLETED_NON_INTERACTIVE = "completed_non_interactive"


class Event(StrEnum):
    CHOOSE_INTERACTIVE = "choose_interactive"
    CHOOSE_NON_INTERACTIVE = "choose_non_interactive"
    PAIRED = "paired"
    PEER_LOST = "peer_lost"
    DISPUTED = "disputed"  # this registrant said their peer did not take part
    VALIDATED = "validated"
    AWARDED = "awarded"  # a moderator's decision stands in for the peer's confirmation
    DEADLINE = "deadline"


class Mode(StrEnum):
    INTERACTIVE = "interactive"
    NON_INTERACTIVE = "non_interactive"


class DiscussionState(StrEnum):
    """A discussion is open until both validate (completed) or it ends without that
    (closed). When one says the other did not take part it is disputed: read-only, the
    disputer gone back to the queue, until a moderator decides or the deadline ends it
    (closed then too, its closed_reason saying how)."""

    OPEN = "open"
    DISPUTED = "disputed"
    COMPLETED = "completed"
    CLOSED = "closed"


# Discussions that can still end either way: a fallback, a void or a re-pair closes them.
UNDECIDED_DISCUSSIONS = frozenset({DiscussionState.OPEN, DiscussionState.DISPUTED})

# How a dispute ended its discussion (its closed_reason; DOMAIN.md rule 3).
DISPUTE_AWARDED = "dispute_awarded"  # a moderator: the other earns the interactive point
DISPUTE_REFUSED = "dispute_refused"  # a moderator: no point from it; the other is re-queued
DISPUTE_EXPIRED = "dispute_expired"  # the other's deadline came first: non-interactive
DISPUTED_BY_BOTH = "disputed_by_both"  # each said the other did not take part: both re-queued


OPEN_STATES = frozenset({State.AWAITING_CHOICE, State.SEEKING_PEER, State.IN_DISCUSSION})
COMPLETED_STATES = frozenset({State.COMPLETED_INTERACTIVE, State.COMPLETED_NON_INTERACTIVE})

TRANSITIONS: dict[tuple[State, Event], State] = {
    (State.AWAITING_CHOICE, Event.CHOOSE_INTERACTIVE): State.SEEKING_PEER,
    (State.AWAITING_CHOICE, Event.CHOOSE_NON_INTERACTIVE): State.COMPLETED_NON_INTERACTIVE,
    (State.AWAITING_CHOICE, Event.DEADLINE): State.COMPLETED_NON_INTERACTIVE,
    (State.SEEKING_PEER, Event.CHOOSE_NON_INTERACTIVE): State.COMPLETED_NON_INTERACTIVE,
    (State.SEEKING_PEER, Event.PAIRED): State.IN_DISCUSSION,
    (State.SEEKING_PEER, Event.DEADLINE): State.COMPLETED_NON_INTERACTIVE,
    (State.IN_DISCUSSION, Event.PEER_LOST): State.SEEKING_PEER,
    (State.IN_DISCUSSION, Event.DISPUTED): State.SEEKING_PEER,
    (State.IN_DISCUSSION, Event.VALIDATED): State.COMPLETED_INTERACTIVE,
    (State.IN_DISCUSSION, Event.AWARDED): State.COMPLETED_INTERACTIVE,
    (State.IN_DISCUSSION, Event.DEADLINE): State.COMPLETED_NON_INTERACTIVE,
}


class InvalidTransition(Exception):
    """The event is not allowed from the completion's current state (HTTP 409)."""

    def __init__(self, state: State, event: Event) -> None:
        super().__init__(f"cannot {event.value.replace('_', ' ')} from {state.value}")
        self.state = state
        self.event = event


def transition(state: State, event: Event) -> State:
    try:
        return TRANSITIONS[(state, event)]
    except KeyError:
        raise InvalidTransition(state, event) from None


def sources(event: Event) -> frozenset[State]:
    """The states the table allows `event` from (what a move's WHERE accepts)."""
    return frozenset(state for state, happened in TRANSITIONS if happened is event)


def target(event: Event) -> State:
    """Where `event` leads: one state, whichever state it starts from."""
    [reached] = {reached for (_, happened), reached in TRANSITIONS.items() if happened is event}
    return reached


def initial_state(interactive_course: bool) -> State:
    """Rule 1: a pass of an interactive course awaits the choice; any other completes at once."""
    return State.AWAITING_CHOICE if interactive_course else State.COMPLETED_NON_INTERACTIVE


def is_open(state: State) -> bool:
    return state in OPEN_STATES


# --- the choice (rule 2) -------------------------------------------------------------


@dataclass(frozen=True)
class ChoiceOutcome:
    state: State
    changed: bool
    leaves_queue: bool = False


def current_choice(state: State, fallback: bool) -> Mode | None:
    """What the registrant chose, derived from where the completion stands."""
    if state in (State.SEEKING_PEER, State.IN_DISCUSSION, State.COMPLETED_INTERACTIVE):
        return Mode.INTERACTIVE
    if state is State.COMPLETED_NON_INTERACTIVE and not fallback:
        return Mode.NON_INTERACTIVE
    return None


CHOICE_EVENTS = {
    Mode.INTERACTIVE: Event.CHOOSE_INTERACTIVE,
    Mode.NON_INTERACTIVE: Event.CHOOSE_NON_INTERACTIVE,
}


def choose(state: State, fallback: bool, mode: Mode) -> ChoiceOutcome:
    """Apply a registrant's choice: repeating it changes nothing; `non_interactive`
    while waiting gives up the queue; anything else after a choice is refused."""
    if current_choice(state, fallback) is mode:
        return ChoiceOutcome(state, changed=False)
    new_state = transition(state, CHOICE_EVENTS[mode])
    leaves_queue = mode is Mode.NON_INTERACTIVE and state is State.SEEKING_PEER
    return ChoiceOutcome(new_state, changed=True, leaves_queue=leaves_queue)


# --- deadlines (rules 4 and 5) -------------------------------------------------------


def cutoff(year: int, tz: ZoneInfo) -> datetime:
    """Noon on 30 December of `year`, scheme time: the last moment of that CET year."""
    month, day = CUTOFF_DAY
    return datetime(year, month, day, CUTOFF_TIME.hour, CUTOFF_TIME.minute, tzinfo=tz)


def cet_year(passed_at: datetime, tz: ZoneInfo) -> int:
    """The CET year a pass belongs to: a pass at or after the cut-off counts for the next."""
    local = passed_at.astimezone(tz)
    return local.year + 1 if local >= cutoff(local.year, tz) else local.year


@dataclass(frozen=True)
class Cycles:
    """The GOC's CET cycles: consecutive blocks of `years` CET years from `first_year`
    (CYCLE_FIRST_YEAR, CYCLE_YEARS), so 2025-2027, 2028-2030, and 2022-2024 before."""

    first_year: int = 2025
    years: int = 3

    def start_of(self, year: int) -> int:
        """The first CET year of the cycle `year` belongs to (floor division: before
        `first_year` too)."""
        return self.first_year + (year - self.first_year) // self.years * self.years

    def label(self, year: int) -> str:
        """The cycle of CET year `year` as the API writes it: "2025-2027"."""
        start = self.start_of(year)
        return f"{start}-{start + self.years - 1}"

    def years_of(self, label: str) -> list[int] | None:
        """The CET years of a cycle label, or None if `label` names no cycle."""
        start, _, end = label.partition("-")
        if not (start.isascii() and start.isdigit() and end.isascii() and end.isdigit()):
            return None
        first = int(start)
        if self.label(first) != label:
            return None
        return list(range(first, first + self.years))


def deadline(passed_at: datetime, tz: ZoneInfo) -> datetime:
    """14 x 24 hours after the pass, or the year-end cut-off if that comes first."""
    return min(passed_at + DISCUSSION_WINDOW, cutoff(cet_year(passed_at, tz), tz))


Answer_co = TypeVar("Answer_co", covariant=True)


class Deadline(Protocol[Answer_co]):
    """A deadline, or the column holding them: compared with `now` it answers a bool, or
    the SQL condition a move's WHERE needs (the same rule either way)."""

    def __gt__(self, now: datetime, /) -> Answer_co: ...

    def __le__(self, now: datetime, /) -> Answer_co: ...


Answer = TypeVar("Answer")


def within_deadline(due_at: Deadline[Answer], now: datetime) -> Answer:
    """Still before the deadline: what every move but the deadline's own needs."""
    return due_at > now


def deadline_reached(due_at: Deadline[Answer], now: datetime) -> Answer:
    return due_at <= now


def in_time(event: Event, due_at: Deadline[Answer], now: datetime) -> Answer:
    """The table's deadline rule: the deadline event needs the deadline reached (rule 4);
    every other needs it still ahead (a choice, a pairing, a validation, a re-queue)."""
    if event is Event.DEADLINE:
        return deadline_reached(due_at, now)
    return within_deadline(due_at, now)


def allowed(state: State, event: Event, due_at: datetime, now: datetime) -> bool:
    """The whole table for one completion: the state it is in and its deadline."""
    return (state, event) in TRANSITIONS and in_time(event, due_at, now)


def is_due(state: State, due_at: datetime, now: datetime) -> bool:
    """Rule 4: an open completion falls back at its deadline."""
    return allowed(state, Event.DEADLINE, due_at, now)


# --- the pair's one deadline (rule 4) ------------------------------------------------


@dataclass(frozen=True)
class Seat:
    """A participant's completion as the discussion sees it: its deadline, and whether
    it is still in this discussion (a dispute sends the disputer back to the queue)."""

    deadline: datetime
    present: bool = True


def closes_at(seats: Iterable[Seat]) -> datetime | None:
    """When a discussion falls back, the date every page and message about the pair
    states: the earlier deadline of those still in it (both, from pairing until a
    dispute); once nobody is (closed, completed), the earlier of all the deadlines."""
    seats = list(seats)
    present = [s.deadline for s in seats if s.present]
    deadlines = present or [s.deadline for s in seats]
    return min(deadlines, default=None)
