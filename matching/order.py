"""Who is paired with whom: the queue's order and fairness as pure rules.

Earliest deadline first: the head of a course's queue is paired first, with the
next-earliest registrant who fits. Never with themselves. Two registrants who have
already been paired this CET year are paired again only when no fresh pair can be
made from those waiting (so a lost peer is not handed straight back while someone
else could take their place). `matching/queue.py` runs the same rule inside Redis,
atomically; a test holds the two to agreement.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import combinations

# How many of the earliest waiting a pairing step considers: plenty for fairness,
# and it bounds the work of the atomic step however long the queue grows.
WINDOW = 64


@dataclass(frozen=True)
class Waiting:
    completion_id: int
    registrant_id: int
    deadline: float  # POSIX seconds: the sort key, as in the Redis score


Met = Callable[[int, int], bool]


def pair_key(a: int, b: int) -> tuple[int, int]:
    """Two registrants' pair, the same whichever way round."""
    return (a, b) if a <= b else (b, a)


def queue_order(waiting: Sequence[Waiting]) -> list[Waiting]:
    """Earliest deadline first; equal deadlines by who entered the system first."""
    return sorted(waiting, key=lambda w: (w.deadline, w.completion_id))


def next_pair(
    waiting: Sequence[Waiting], met: Met, window: int = WINDOW
) -> tuple[Waiting, Waiting] | None:
    """The pair to make now from one course's queue, or None if nobody can be paired."""
    candidates = [
        (a, b)
        for a, b in combinations(queue_order(waiting)[:window], 2)
        if a.registrant_id != b.registrant_id
    ]
    for a, b in candidates:
        if not met(a.registrant_id, b.registrant_id):
            return a, b
    return candidates[0] if candidates else None


def met_from(pairs: set[tuple[int, int]]) -> Met:
    """A `met` check from a set of registrant pairs (either order)."""
    return lambda a, b: pair_key(a, b) in pairs
