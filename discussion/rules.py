"""Pure rules of a discussion: taking part, when validation is allowed, rate limits.

"Taking part" (API.md, DOMAIN.md rule 3): a participant has written at least one
message on every prompt of the discussion (a `say` naming the prompt); in a
discussion without prompts, at least one message.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Set
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from peercet.completions.lifecycle import (
    DISPUTE_AWARDED,
    DISPUTE_REFUSED,
    UNDECIDED_DISCUSSIONS,
    DiscussionState,
)

DECIDED = frozenset({DISPUTE_AWARDED, DISPUTE_REFUSED})  # a moderator's decision closed it


def took_part(prompt_ids: Set[int], written_on: Set[int | None]) -> bool:
    """`written_on`: the prompt ids (None for none) of the participant's messages."""
    if not written_on:
        return False
    return prompt_ids <= {p for p in written_on if p is not None}


def taking_part(
    prompt_ids: Set[int], participants: Iterable[int], written: Mapping[int, Set[int | None]]
) -> dict[int, bool]:
    return {rid: took_part(prompt_ids, written.get(rid, set())) for rid in participants}


@dataclass(frozen=True)
class ValidationCheck:
    """Why a validation is refused (a code for the API), or None when it may go ahead."""

    code: str | None
    message: str = ""


def check_validation(
    state: str, me: int, took: Mapping[int, bool], validated: Set[int], peer_took_part: bool
) -> ValidationCheck:
    if state not in UNDECIDED_DISCUSSIONS:  # disputed: the other may still validate
        return ValidationCheck("discussion_closed", "this discussion is closed")
    if me in validated:
        return ValidationCheck("already_validated", "you have already validated")
    if not all(took.values()):  # API.md: before both have taken part, 409, whatever is claimed
        return ValidationCheck(
            "not_taken_part", "both participants must write on every prompt before validating"
        )
    return ValidationCheck(None)


class Step(StrEnum):
    """What a validation does to its discussion."""

    WAIT = "wait"  # recorded; the peer (or, once disputed, a moderator) still to come
    COMPLETE = "complete"  # the second confirmation: both completions become interactive
    DISPUTE = "dispute"  # "my peer did not take part": back to the queue; a moderator decides
    CLOSE = "close"  # both said so: nothing left to decide, both back to the queue


def after_validation(state: str, confirms: bool, peer_confirmed: bool | None) -> Step:
    """`confirms`: this validation says the peer took part; `peer_confirmed`: the peer's
    validation said so (None: the peer has not validated)."""
    if state == DiscussionState.DISPUTED:
        return Step.WAIT if confirms else Step.CLOSE
    if not confirms:
        return Step.DISPUTE
    return Step.COMPLETE if peer_confirmed else Step.WAIT


class Verdict(StrEnum):
    """What a moderator's decision on a dispute does to the other's completion."""

    AWARD = "award"  # completed_interactive: the decision stands in for the confirmation
    REQUEUE = "requeue"  # no point from it; back to the queue within the deadline
    FALL_BACK = "fall_back"  # no point from it, and the deadline has passed


@dataclass(frozen=True)
class DecisionCheck:
    """A decision refused (a code for the API), or the verdict to carry out."""

    code: str | None
    message: str = ""
    verdict: Verdict | None = None


def check_decision(
    state: str, closed_reason: str | None, award: bool, other_confirmed: bool, deadline_passed: bool
) -> DecisionCheck:
    """One decision per dispute; an award only for a participant who took part and
    confirmed their peer did (`other_confirmed`), within their deadline."""
    if closed_reason in DECIDED:
        return DecisionCheck("already_decided", "a moderator has already decided this dispute")
    if state != DiscussionState.DISPUTED:
        return DecisionCheck("not_disputed", "only a disputed discussion waits for a decision")
    if not award:
        verdict = Verdict.FALL_BACK if deadline_passed else Verdict.REQUEUE
        return DecisionCheck(None, verdict=verdict)
    if not other_confirmed:
        return DecisionCheck(
            "not_taken_part", "the participant has not taken part and confirmed their peer did"
        )
    if deadline_passed:
        return DecisionCheck("deadline_passed", "the participant's deadline has passed")
    return DecisionCheck(None, verdict=Verdict.AWARD)


@dataclass
class TokenBucket:
    """A rate limit: `rate` frames a second on average, bursts of `capacity`."""

    rate: float
    capacity: float
    tokens: float = field(default=-1.0)
    at: float = 0.0

    def take(self, now: float) -> bool:
        if self.tokens < 0:
            self.tokens, self.at = self.capacity, now
        self.tokens = min(self.capacity, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


ABSENT_EMAIL_GAP = timedelta(hours=1)  # at most one "your partner is active" email an hour


def tell_absent(online: bool, last_told: datetime | None, now: datetime) -> bool:
    """Email a participant about their partner's first message or validation only when no
    socket of theirs is in the discussion, and not within an hour of the last such email
    (per discussion and recipient)."""
    return not online and (last_told is None or now - last_told >= ABSENT_EMAIL_GAP)
