"""Factories, not shared rows: each test makes what it needs, through the actions
(registrants, courses, completions, pairs, waiting completions, discussions,
invitations); `bulk` makes many rows at once for volume tests."""

from tests.support.factories.completions import completion, passed, passes, waiting
from tests.support.factories.courses import course, course_spec, reprice
from tests.support.factories.discussions import Pair, Room, pair, paired, prompt_ids, watched
from tests.support.factories.invitations import invitation
from tests.support.factories.people import (
    CHEAP,
    CHEAP_PASSWORDS,
    PASSWORD,
    registrant,
    someone,
)
from tests.support.factories.scheme import LONDON, T0

__all__ = [
    "CHEAP",
    "CHEAP_PASSWORDS",
    "LONDON",
    "PASSWORD",
    "T0",
    "Pair",
    "Room",
    "completion",
    "course",
    "course_spec",
    "invitation",
    "pair",
    "paired",
    "passed",
    "passes",
    "prompt_ids",
    "registrant",
    "reprice",
    "someone",
    "waiting",
    "watched",
]
