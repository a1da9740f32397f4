"""Disputes as pure rules (DOMAIN.md rule 3): what a validation does, what a moderator's
decision may do, and a Hypothesis walk of a discussion through every order of events."""

from __future__ import annotations

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from discussion import rules
from discussion.rules import Step, Verdict
from peercet.completions import lifecycle
from peercet.completions.lifecycle import DiscussionState, State

OPEN, DISPUTED, CLOSED = "open", "disputed", "closed"


@pytest.mark.parametrize(
    ("state", "confirms", "peer_confirmed", "step"),
    [
        (OPEN, True, None, Step.WAIT),  # the first confirmation waits for the peer's
        (OPEN, True, True, Step.COMPLETE),  # the second completes both
        (OPEN, False, None, Step.DISPUTE),  # "my peer did not take part"
        (OPEN, False, True, Step.DISPUTE),  # ... even after the peer confirmed me
        (DISPUTED, True, False, Step.WAIT),  # the other confirms: a moderator decides
        (DISPUTED, False, False, Step.CLOSE),  # the other disputes back: nothing to decide
    ],
)
def test_what_a_validation_does(
    state: str, confirms: bool, peer_confirmed: bool | None, step: Step
) -> None:
    assert rules.after_validation(state, confirms, peer_confirmed) is step


@pytest.mark.parametrize(
    ("state", "closed_reason", "award", "confirmed", "late", "code", "verdict"),
    [
        (DISPUTED, None, True, True, False, None, Verdict.AWARD),
        (DISPUTED, None, True, False, False, "not_taken_part", None),
        (DISPUTED, None, True, True, True, "deadline_passed", None),
        (DISPUTED, None, False, False, False, None, Verdict.REQUEUE),
        (DISPUTED, None, False, True, False, None, Verdict.REQUEUE),
        (DISPUTED, None, False, True, True, None, Verdict.FALL_BACK),
        (OPEN, None, True, True, False, "not_disputed", None),
        ("completed", "validated", False, True, False, "not_disputed", None),
        (CLOSED, "voided", True, True, False, "not_disputed", None),
        (CLOSED, "dispute_expired", False, True, False, "not_disputed", None),
        (CLOSED, "disputed_by_both", True, True, False, "not_disputed", None),
        (CLOSED, "dispute_awarded", True, True, False, "already_decided", None),
        (CLOSED, "dispute_refused", True, True, False, "already_decided", None),
        (CLOSED, "dispute_refused", False, True, False, "already_decided", None),
    ],
)
def test_what_a_decision_may_do(
    state: str, closed_reason: str | None, award: bool, confirmed: bool, late: bool,
    code: str | None, verdict: Verdict | None,
) -> None:  # fmt: skip
    check = rules.check_decision(state, closed_reason, award, confirmed, late)
    assert (check.code, check.verdict) == (code, verdict)


def test_a_disputed_discussion_is_undecided_until_it_closes() -> None:
    assert DiscussionState.DISPUTED in lifecycle.UNDECIDED_DISCUSSIONS
    assert DiscussionState.CLOSED not in lifecycle.UNDECIDED_DISCUSSIONS


class DisputeMachine(RuleBasedStateMachine):
    """Two participants who both took part; validations, decisions and the deadline in any
    order. Each completion is completed at most once; interactive only by two confirmations
    or a moderator's award to one who confirmed; a disputer leaves at once."""

    def __init__(self) -> None:
        super().__init__()
        self.state, self.closed_reason = OPEN, None
        self.said: dict[int, bool] = {}
        self.completion = {1: State.IN_DISCUSSION, 2: State.IN_DISCUSSION}
        self.awards: dict[int, list[str]] = {1: [], 2: []}
        self.late = False

    def _complete(self, who: int, state: State) -> None:
        self.completion[who] = state
        self.awards[who].append(state.value)

    def _close(self, reason: str) -> None:
        self.state, self.closed_reason = CLOSED, reason
        for who, state in self.completion.items():
            if state is State.IN_DISCUSSION:
                self.completion[who] = State.SEEKING_PEER

    @rule(who=st.sampled_from([1, 2]), confirms=st.booleans())
    def validate(self, who: int, confirms: bool) -> None:
        took = {1: True, 2: True}
        check = rules.check_validation(self.state, who, took, set(self.said), confirms)
        if check.code is not None:
            return
        step = rules.after_validation(self.state, confirms, self.said.get(3 - who))
        self.said[who] = confirms
        if step is Step.COMPLETE:
            assert not self.late  # (the action refuses it: deadline_passed)
            self._complete(1, State.COMPLETED_INTERACTIVE)
            self._complete(2, State.COMPLETED_INTERACTIVE)
            self.state = "completed"
        elif step is Step.DISPUTE:
            self.state = DISPUTED
            self.completion[who] = State.SEEKING_PEER
        elif step is Step.CLOSE:
            self.completion[who] = State.SEEKING_PEER
            self._close(lifecycle.DISPUTED_BY_BOTH)

    @rule(award=st.booleans())
    def decide(self, award: bool) -> None:
        others = [w for w, s in self.completion.items() if s is State.IN_DISCUSSION]
        confirmed = bool(others) and self.said.get(others[0]) is True
        check = rules.check_decision(self.state, self.closed_reason, award, confirmed, self.late)
        if check.verdict is None:
            return
        [other] = others
        reason = lifecycle.DISPUTE_AWARDED if award else lifecycle.DISPUTE_REFUSED
        self.state, self.closed_reason = CLOSED, reason
        if check.verdict is Verdict.AWARD:
            self._complete(other, State.COMPLETED_INTERACTIVE)
        elif check.verdict is Verdict.FALL_BACK:
            self._complete(other, State.COMPLETED_NON_INTERACTIVE)
        else:
            self.completion[other] = State.SEEKING_PEER

    @rule()
    def deadline(self) -> None:
        """The pair's deadline: what is still in the discussion falls back."""
        self.late = True
        for who, state in self.completion.items():
            if state is State.IN_DISCUSSION:
                self._complete(who, State.COMPLETED_NON_INTERACTIVE)
        if self.state in lifecycle.UNDECIDED_DISCUSSIONS:
            was_disputed = self.state == DISPUTED
            self._close(lifecycle.DISPUTE_EXPIRED if was_disputed else "peer_fell_back")

    @invariant()
    def points_at_most_once(self) -> None:
        assert all(len(a) <= 1 for a in self.awards.values())

    @invariant()
    def interactive_only_confirmed(self) -> None:
        for who, state in self.completion.items():
            if state is State.COMPLETED_INTERACTIVE:
                assert self.said.get(who) is True  # they confirmed their peer took part
                peer_confirmed = self.said.get(3 - who) is True
                assert peer_confirmed or self.closed_reason == lifecycle.DISPUTE_AWARDED

    @invariant()
    def in_the_discussion_only_while_undecided(self) -> None:
        if self.state not in lifecycle.UNDECIDED_DISCUSSIONS:
            assert State.IN_DISCUSSION not in self.completion.values()

    @invariant()
    def a_disputer_is_never_in_the_disputed_discussion(self) -> None:
        for who, confirms in self.said.items():
            if not confirms:
                assert self.completion[who] is not State.IN_DISCUSSION


DisputeMachine.TestCase.settings = settings(max_examples=300, stateful_step_count=12)
TestDisputeMachine = DisputeMachine.TestCase
