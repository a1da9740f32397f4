"""The pairing order as a pure rule, and the Lua step agreeing with it on real Redis."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest
from redis.asyncio import Redis

from matching.order import Waiting, met_from, next_pair, queue_order
from matching.queue import Entry, Queues, met_member
from peercet.core import keys
from peercet.core.publish import Paired

NOBODY_MET: set[tuple[int, int]] = set()


def w(cid: int, rid: int, deadline: float) -> Waiting:
    return Waiting(cid, rid, deadline)


A, B, C, D = w(1, 101, 10), w(2, 102, 20), w(3, 103, 30), w(4, 104, 40)

CASES = [
    # (name, waiting, met pairs, expected pair as completion ids or None)
    ("nobody", [], NOBODY_MET, None),
    ("alone", [A], NOBODY_MET, None),
    ("two", [B, A], NOBODY_MET, (1, 2)),
    ("earliest two first", [D, C, B, A], NOBODY_MET, (1, 2)),
    ("never self", [A, w(9, 101, 15)], NOBODY_MET, None),
    ("skip own second entry", [A, w(9, 101, 15), C], NOBODY_MET, (1, 3)),
    ("met pair passed over while another waits", [A, B, C], {(101, 102)}, (1, 3)),
    ("head met everyone: the next fresh pair", [A, B, C], {(101, 102), (101, 103)}, (2, 3)),
    ("never the same two again", [A, B], {(101, 102)}, None),
    ("all met: nobody", [A, B, C], {(101, 102), (101, 103), (102, 103)}, None),
    (
        "tie on deadline: lower completion first",
        [w(7, 107, 10), w(5, 105, 10), C],
        NOBODY_MET,
        (5, 7),
    ),
]


@pytest.mark.parametrize(("name", "waiting", "met", "expected"), CASES, ids=[c[0] for c in CASES])
def test_next_pair(
    name: str, waiting: list[Waiting], met: set[tuple[int, int]], expected: tuple[int, int] | None
) -> None:
    pair = next_pair(waiting, met_from(met))
    assert (None if pair is None else (pair[0].completion_id, pair[1].completion_id)) == expected


def test_queue_order_is_earliest_deadline_first() -> None:
    assert [x.completion_id for x in queue_order([D, B, C, A])] == [1, 2, 3, 4]


def test_only_the_window_is_considered() -> None:
    assert next_pair([A, B, C], met_from(NOBODY_MET), window=1) is None


def _random_case(rng: random.Random) -> tuple[list[Waiting], set[tuple[int, int]]]:
    people = rng.randint(1, 6)
    waiting = [
        w(cid, 100 + rng.randint(1, people), float(rng.randint(1, 1000))) for cid in range(1, 9)
    ][: rng.randint(0, 8)]
    rids = sorted({x.registrant_id for x in waiting})
    met = {(a, b) for a in rids for b in rids if a < b and rng.random() < 0.5}
    return waiting, met


async def test_the_lua_step_agrees_with_the_pure_rule(redis_url: str) -> None:
    """300 random queues: the atomic Redis step takes exactly the pair next_pair names."""
    redis = Redis.from_url(redis_url)
    queues, rng, now = Queues(redis), random.Random(5), datetime.fromtimestamp(0, UTC)
    try:
        for case in range(300):
            waiting, met = _random_case(rng)
            deadlines = {x.deadline for x in waiting}
            if len(deadlines) != len(waiting):
                continue  # Redis breaks deadline ties by member text, not completion id
            await redis.flushall()
            await queues.add(
                Entry(1, x.completion_id, x.registrant_id, datetime.fromtimestamp(x.deadline, UTC))
                for x in waiting
            )
            await queues.remember_met(Paired(1, 2026, a, b) for a, b in met)
            expected = next_pair(waiting, met_from(met))
            taken = await queues.take_pair(1, 2026, now)
            got = None if taken is None else (taken[0].completion_id, taken[1].completion_id)
            want = (
                None if expected is None else (expected[0].completion_id, expected[1].completion_id)
            )
            assert got == want, (case, waiting, met)
            if taken is not None:
                assert await redis.zcard(keys.course_queue(1)) == len(waiting) - 2
                first, second = taken
                pair = met_member(first.registrant_id, second.registrant_id)
                assert await redis.sismember(keys.met_pairs(1, 2026), pair)
                assert first.deadline.timestamp() == expected[0].deadline  # type: ignore[index]
    finally:
        await redis.aclose()


async def test_the_lua_step_drops_expired_entries(redis_url: str) -> None:
    redis = Redis.from_url(redis_url)
    queues = Queues(redis)
    try:
        await queues.add(
            [Entry(1, 1, 101, datetime(2026, 1, 1, tzinfo=UTC)),
             Entry(1, 2, 102, datetime(2026, 3, 1, tzinfo=UTC))]
        )  # fmt: skip
        assert await queues.take_pair(1, 2026, datetime(2026, 2, 1, tzinfo=UTC)) is None
        assert await queues.members(1) == [(2, 102)]
    finally:
        await redis.aclose()
