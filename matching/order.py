"""Who is paired with whom: the queue's order and fairness as pure rules.

Earliest deadline first: the head of a course's queue is paired first, with the
next-earliest registrant who fits. Never with themselves. Never twice with the same
registrant in one CET year for one course: a pair only comes back to the queue when
their discussion failed (a no-show, a moderator's void or re-pair), and handing
them straight back to each other, which a quiet course would otherwise do at once,
is the one thing a re-pair must not do. So "a partner" below means someone not
yet met, and nobody waits while such a partner waits. `matching/queue.py` runs the
same rule inside Redis, atomically; a test holds the two to agreement.
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
    for a, b in combinations(queue_order(waiting)[:window], 2):
        if a.registrant_id != b.registrant_id and not met(a.registrant_id, b.registrant_id):
            return a, b
    return None


def met_from(pairs: set[tuple[int, int]]) -> Met:
    """A `met` check from a set of registrant pairs (either order)."""
    return lambda a, b: pair_key(a, b) in pairs
