"""Pure rules of a discussion: taking part, when validation is allowed, rate limits.

"Taking part" (API.md, DOMAIN.md rule 3): a participant has written at least one
message on every prompt of the discussion (a `say` naming the prompt); in a
discussion without prompts, at least one message.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Set
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from peercet.lifecycle import DiscussionState

DISPUTED = "disputed"  # the reason a discussion closes when a peer says the other did not take part


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
    if state != DiscussionState.OPEN:
        return ValidationCheck("discussion_closed", "this discussion is closed")
    if me in validated:
        return ValidationCheck("already_validated", "you have already validated")
    if not all(took.values()):  # API.md: before both have taken part, 409, whatever is claimed
        return ValidationCheck(
            "not_taken_part", "both participants must write on every prompt before validating"
        )
    return ValidationCheck(None)


def completes(validated: Set[int], participants: Set[int]) -> bool:
    """The second validation (of two who both confirmed) completes the discussion."""
    return validated == participants


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
