"""The completion lifecycle as pure rules (DOMAIN.md 1, 2, 4, 5): tables and Hypothesis."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from peercet.completions import lifecycle
from peercet.completions.lifecycle import Event, InvalidTransition, Mode, State

LONDON = ZoneInfo("Europe/London")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("interactive", "state"),
    [(True, State.AWAITING_CHOICE), (False, State.COMPLETED_NON_INTERACTIVE)],
)
def test_a_pass_awaits_the_choice_only_for_interactive_courses(
    interactive: bool, state: State
) -> None:
    assert lifecycle.initial_state(interactive) is state


ALLOWED = {
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


@pytest.mark.parametrize("state", list(State))
@pytest.mark.parametrize("event", list(Event))
def test_every_transition_is_allowed_or_refused_exactly_as_listed(
    state: State, event: Event
) -> None:
    if (state, event) in ALLOWED:
        assert lifecycle.transition(state, event) is ALLOWED[(state, event)]
    else:
        with pytest.raises(InvalidTransition):
            lifecycle.transition(state, event)


@pytest.mark.parametrize("state", sorted(lifecycle.COMPLETED_STATES))
@pytest.mark.parametrize("event", list(Event))
def test_a_completed_cet_never_changes(state: State, event: Event) -> None:
    with pytest.raises(InvalidTransition):
        lifecycle.transition(state, event)


CHOICES = [
    # state, fallback, mode -> new state, changed, leaves_queue (None: 409)
    (State.AWAITING_CHOICE, False, Mode.INTERACTIVE, (State.SEEKING_PEER, True, False)),
    (State.AWAITING_CHOICE, False, Mode.NON_INTERACTIVE,
     (State.COMPLETED_NON_INTERACTIVE, True, False)),
    (State.SEEKING_PEER, False, Mode.INTERACTIVE, (State.SEEKING_PEER, False, False)),
    (State.SEEKING_PEER, False, Mode.NON_INTERACTIVE,
     (State.COMPLETED_NON_INTERACTIVE, True, True)),
    (State.IN_DISCUSSION, False, Mode.INTERACTIVE, (State.IN_DISCUSSION, False, False)),
    (State.IN_DISCUSSION, False, Mode.NON_INTERACTIVE, None),
    (State.COMPLETED_NON_INTERACTIVE, False, Mode.NON_INTERACTIVE,
     (State.COMPLETED_NON_INTERACTIVE, False, False)),
    (State.COMPLETED_NON_INTERACTIVE, False, Mode.INTERACTIVE, None),
    (State.COMPLETED_NON_INTERACTIVE, True, Mode.INTERACTIVE, None),
    (State.COMPLETED_NON_INTERACTIVE, True, Mode.NON_INTERACTIVE, None),
    (State.COMPLETED_INTERACTIVE, False, Mode.INTERACTIVE,
     (State.COMPLETED_INTERACTIVE, False, False)),
    (State.COMPLETED_INTERACTIVE, False, Mode.NON_INTERACTIVE, None),
]  # fmt: skip


@pytest.mark.parametrize(("state", "fallback", "mode", "expected"), CHOICES)
def test_the_choice_is_final_and_repeating_it_changes_nothing(
    state: State, fallback: bool, mode: Mode, expected: tuple[State, bool, bool] | None
) -> None:
    if expected is None:
        with pytest.raises(InvalidTransition):
            lifecycle.choose(state, fallback, mode)
        return
    outcome = lifecycle.choose(state, fallback, mode)
    assert (outcome.state, outcome.changed, outcome.leaves_queue) == expected


@pytest.mark.parametrize(
    ("passed_at", "deadline", "year"),
    [
        # 14 x 24 hours, across the spring clock change (29 March 2026): still 336 hours
        (utc(2026, 3, 20, 9), utc(2026, 4, 3, 9), 2026),
        # across the autumn change (25 October 2026)
        (utc(2026, 10, 20, 9), utc(2026, 11, 3, 9), 2026),
        # capped by the cut-off: noon London = 12:00 UTC in winter
        (utc(2026, 12, 20, 9), utc(2026, 12, 30, 12), 2026),
        (utc(2026, 12, 30, 11, 59), utc(2026, 12, 30, 12), 2026),
        # at or after the cut-off: the next CET year, a full 14 days
        (utc(2026, 12, 30, 12), utc(2027, 1, 13, 12), 2027),
        (utc(2026, 12, 31, 8), utc(2027, 1, 14, 8), 2027),
        # a pass 14 days before the cut-off exactly
        (utc(2026, 12, 16, 12), utc(2026, 12, 30, 12), 2026),
    ],
)
def test_deadline_is_14_days_or_the_cutoff_if_sooner(
    passed_at: datetime, deadline: datetime, year: int
) -> None:
    assert lifecycle.deadline(passed_at, LONDON) == deadline
    assert lifecycle.cet_year(passed_at, LONDON) == year


def test_cutoff_is_noon_scheme_time_whatever_the_offset() -> None:
    assert lifecycle.cutoff(2026, LONDON) == utc(2026, 12, 30, 12)
    # a scheme on summer time in December (southern hemisphere) shows the zone is honoured
    assert lifecycle.cutoff(2026, ZoneInfo("Australia/Sydney")) == utc(2026, 12, 30, 1)


@given(st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1)))
def test_deadline_properties(naive: datetime) -> None:
    passed_at = naive.replace(tzinfo=UTC)
    due = lifecycle.deadline(passed_at, LONDON)
    year = lifecycle.cet_year(passed_at, LONDON)
    cut = lifecycle.cutoff(year, LONDON)
    assert passed_at < due <= passed_at + timedelta(days=14)
    assert due <= cut
    assert passed_at < cut  # a pass always belongs to a year whose cut-off is still ahead
    assert due == passed_at + timedelta(days=14) or due == cut


@pytest.mark.parametrize("state", list(State))
def test_only_open_completions_fall_back_and_only_at_the_deadline(state: State) -> None:
    due = utc(2026, 5, 1, 9)
    assert not lifecycle.is_due(state, due, due - timedelta(microseconds=1))
    assert lifecycle.is_due(state, due, due) is (state in lifecycle.OPEN_STATES)


class CompletionMachine(RuleBasedStateMachine):
    """Any sequence of events: points at most once, fallback final, interactive only validated."""

    def __init__(self) -> None:
        super().__init__()
        self.state = State.AWAITING_CHOICE
        self.fallback = False
        self.awards: list[str] = []

    def _apply(self, event: Event) -> None:
        try:
            new = lifecycle.transition(self.state, event)
        except InvalidTransition:
            assert (self.state, event) not in ALLOWED
            return
        if new in lifecycle.COMPLETED_STATES:
            self.awards.append(new.value)
            self.fallback = event is Event.DEADLINE
        self.state = new

    @rule(mode=st.sampled_from(list(Mode)))
    def choose(self, mode: Mode) -> None:
        try:
            outcome = lifecycle.choose(self.state, self.fallback, mode)
        except InvalidTransition:
            assert self.state not in (State.AWAITING_CHOICE,)
            return
        if outcome.changed and outcome.state in lifecycle.COMPLETED_STATES:
            self.awards.append(outcome.state.value)
        self.state = outcome.state

    @rule(event=st.sampled_from([e for e in Event if not e.value.startswith("choose")]))
    def happen(self, event: Event) -> None:
        self._apply(event)

    @precondition(lambda self: self.fallback)
    @rule()
    def a_fallback_can_never_become_interactive(self) -> None:
        for mode in Mode:
            with pytest.raises(InvalidTransition):
                lifecycle.choose(self.state, self.fallback, mode)

    @invariant()
    def points_at_most_once(self) -> None:
        assert len(self.awards) <= 1
        assert (len(self.awards) == 1) is (self.state in lifecycle.COMPLETED_STATES)

    @invariant()
    def fallback_is_non_interactive(self) -> None:
        if self.fallback:
            assert self.state is State.COMPLETED_NON_INTERACTIVE


CompletionMachine.TestCase.settings = settings(max_examples=300, stateful_step_count=20)
TestCompletionMachine = CompletionMachine.TestCase


EARLY, LATE = datetime(2026, 3, 16, 9, tzinfo=UTC), datetime(2026, 3, 20, 9, tzinfo=UTC)


@pytest.mark.parametrize(
    ("seats", "closes"),
    [
        ([lifecycle.Seat(EARLY), lifecycle.Seat(LATE)], EARLY),  # the earlier of the two
        ([lifecycle.Seat(LATE), lifecycle.Seat(EARLY)], EARLY),  # whatever the order
        ([lifecycle.Seat(EARLY, present=False), lifecycle.Seat(LATE)], LATE),  # a disputer left
        ([lifecycle.Seat(EARLY), lifecycle.Seat(LATE, present=False)], EARLY),
        ([lifecycle.Seat(EARLY, False), lifecycle.Seat(LATE, False)], EARLY),  # over: as paired
        ([lifecycle.Seat(LATE)], LATE),
        ([], None),
    ],
)
def test_a_discussion_closes_at_the_earlier_deadline_of_those_still_in_it(
    seats: list[lifecycle.Seat], closes: datetime | None
) -> None:
    assert lifecycle.closes_at(seats) == closes


@pytest.mark.parametrize(
    ("first", "years", "cet_year", "label"),
    [
        (2025, 3, 2025, "2025-2027"),
        (2025, 3, 2026, "2025-2027"),
        (2025, 3, 2027, "2025-2027"),
        (2025, 3, 2028, "2028-2030"),
        (2025, 3, 2030, "2028-2030"),
        (2025, 3, 2031, "2031-2033"),
        (2025, 3, 2024, "2022-2024"),  # before CYCLE_FIRST_YEAR: the blocks run backwards too
        (2025, 3, 2022, "2022-2024"),
        (2025, 3, 2021, "2019-2021"),
        (2019, 3, 2021, "2019-2021"),
        (2019, 3, 2022, "2022-2024"),
        (2025, 1, 2026, "2026-2026"),
        (2024, 2, 2027, "2026-2027"),
    ],
)
def test_cycles_are_consecutive_blocks_of_cet_years(
    first: int, years: int, cet_year: int, label: str
) -> None:
    cycles = lifecycle.Cycles(first, years)
    assert cycles.label(cet_year) == label
    assert cycles.years_of(label) == list(range(int(label[:4]), int(label[-4:]) + 1))
    assert cet_year in (cycles.years_of(label) or [])


@pytest.mark.parametrize(
    "label",
    ["2026-2028", "2025-2026", "2025", "", "2025-2027-", "\uff12\uff10\uff12\uff15-2027", "x-y"],
)
def test_a_label_that_is_no_cycle_names_no_years(label: str) -> None:
    assert lifecycle.Cycles(2025, 3).years_of(label) is None


@given(st.integers(1, 9999), st.integers(1, 10), st.integers(1, 9999))
def test_every_cet_year_is_in_exactly_its_cycle(first: int, years: int, year: int) -> None:
    cycles = lifecycle.Cycles(first, years)
    start = cycles.start_of(year)
    assert start <= year < start + years
    assert (start - first) % years == 0
