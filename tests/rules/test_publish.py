"""The one publish path (peercet.core.publish): nothing else writes to Redis pub/sub,
and what it carries keeps its shape."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from peercet.core import keys
from peercet.core.publish import (
    Aftermath,
    Delivery,
    MemoryPublisher,
    MessageBatch,
    Paired,
    deliver_now,
)

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("peercet", "discussion", "matching", "workers", "web", "scripts", "tests")
ALLOWED = {ROOT / "peercet" / "core" / "publish.py", Path(__file__).resolve()}  # and this scan
RAW_PUBLISH = re.compile(r"""call\(\s*['"]publish['"]""", re.IGNORECASE)  # Lua, redis.call


def sources() -> Iterator[Path]:
    for package in PACKAGES:
        yield from (p for p in (ROOT / package).rglob("*.py") if p not in ALLOWED)


def publishes(path: Path) -> list[int]:
    """Lines of `path` that publish other than through the publisher."""
    tree = ast.parse(path.read_text(), str(path))
    nodes = (node for node in ast.walk(tree) if isinstance(node, ast.expr))
    return sorted(node.lineno for node in nodes if _publishing(node))


def _publishing(node: ast.expr) -> bool:
    """A `.publish` or `.spublish` attribute (redis-py, a pipeline), a raw PUBLISH
    command or a Lua `redis.call('publish', ...)`."""
    if isinstance(node, ast.Attribute):
        return node.attr in {"publish", "spublish"}
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value.upper() == "PUBLISH" or bool(RAW_PUBLISH.search(node.value))
    return False


def test_only_the_publish_module_writes_to_redis_pub_sub() -> None:
    found = {str(p.relative_to(ROOT)): lines for p in sources() if (lines := publishes(p))}
    assert found == {}


def test_the_scan_sees_a_direct_publish(tmp_path: Path) -> None:
    direct = tmp_path / "direct.py"
    direct.write_text(
        "async def f(redis):\n"
        "    await redis.publish('peercet:messages', '{}')\n"
        "    await redis.execute_command('PUBLISH', 'c', 'm')\n"
        "LUA = \"redis.call('publish', KEYS[1], ARGV[1])\"\n"
    )
    assert publishes(direct) == [2, 3, 4]


@pytest.mark.parametrize(
    ("delivery", "channel"),
    [
        (Delivery({"type": "completion"}, registrant_id=7), keys.registrant_channel(7)),
        (Delivery({"type": "typing"}, discussion_id=3), keys.discussion_channel(3)),
    ],
)
def test_a_delivery_goes_to_its_registrant_or_its_room(delivery: Delivery, channel: str) -> None:
    assert delivery.channel == channel


def test_a_delivery_for_nobody_is_refused() -> None:
    with pytest.raises(ValueError, match="registrant or a discussion"):
        _ = Delivery({"type": "typing"}).channel


def test_a_message_batch_reads_back_as_written() -> None:
    batch = MessageBatch("origin-1", [(3, 1, '{"type":"message"}'), (4, 9, 'é "q"')])
    assert MessageBatch.decode(batch.encode().encode()) == batch
    assert batch.encode().startswith('{"o":"origin-1","m":[[3,1,')  # compact: the hot path


async def test_the_memory_publisher_keeps_both_kinds_apart() -> None:
    publisher = MemoryPublisher()
    await publisher.deliver([Delivery({"type": "typing"}, discussion_id=3)])
    await publisher.fan_out(MessageBatch("o", [(3, 1, "{}")]))
    assert publisher.sent == {keys.discussion_channel(3): [{"type": "typing"}]}
    assert publisher.batches == [MessageBatch("o", [(3, 1, "{}")])]


class AwayPublisher(MemoryPublisher):
    """A publisher whose Redis is away."""

    async def deliver(self, deliveries: Sequence[Delivery]) -> None:
        raise RedisConnectionError("away")


async def test_an_ephemeral_frame_is_lost_quietly_when_redis_is_away() -> None:
    await deliver_now(AwayPublisher(), Delivery({"type": "typing"}, discussion_id=3))


def test_an_aftermath_extends_every_part() -> None:
    due = datetime(2026, 3, 1, tzinfo=UTC)
    first = Aftermath([Delivery({"type": "a"}, registrant_id=1)], requeue=[1], paired=[])
    second = Aftermath(
        [Delivery({"type": "b"}, registrant_id=2)],
        dequeue=[2],
        deadlines=[(2, due)],
        paired=[Paired(5, 2026, 1, 2)],
    )
    assert first.extend(second) is first
    assert [d.frame["type"] for d in first.deliveries] == ["a", "b"]
    assert (first.requeue, first.dequeue, first.deadlines) == ([1], [2], [(2, due)])
    assert first.paired == [Paired(5, 2026, 1, 2)]
