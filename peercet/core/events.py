"""One way to publish an event to a registrant's open sockets.

Actions return events; the edge publishes them after its transaction commits.
Redis carries them between processes in production; tests may use the memory one.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple, Protocol

from redis.asyncio import Redis

from peercet.core import keys

# A wire frame, as the publisher sees it: its TypedDict belongs to the package that
# sends it (`discussion.wire`, `peercet.completions.frames`, `peercet.accounts`).
Frame = Mapping[str, object]


@dataclass(frozen=True)
class Event:
    """A frame for one registrant (every socket of theirs) or one discussion room."""

    frame: Frame
    registrant_id: int | None = None
    discussion_id: int | None = None

    @property
    def channel(self) -> str:
        if self.registrant_id is not None:
            return keys.registrant_channel(self.registrant_id)
        if self.discussion_id is not None:
            return keys.discussion_channel(self.discussion_id)
        raise ValueError("an event needs a registrant or a discussion")


class Publisher(Protocol):
    async def publish(self, events: list[Event]) -> None: ...


class RedisPublisher:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    async def publish(self, events: list[Event]) -> None:
        if not events:
            return
        async with self.redis.pipeline(transaction=False) as pipe:
            for event in events:
                pipe.publish(event.channel, json.dumps(event.frame, default=str))
            await pipe.execute()


@dataclass
class MemoryPublisher:
    """Keeps what was published, by channel; for unit tests."""

    sent: dict[str, list[Frame]] = field(default_factory=lambda: defaultdict(list))

    async def publish(self, events: list[Event]) -> None:
        for event in events:
            self.sent[event.channel].append(event.frame)


class Met(NamedTuple):
    """Two registrants paired for a course in a CET year: never paired again that year."""

    course_id: int
    cet_year: int
    first: int  # registrant ids
    second: int


@dataclass
class Outcome:
    """What an action leaves for the edge to do after it commits."""

    events: list[Event] = field(default_factory=list)
    requeue: list[int] = field(default_factory=list)  # completions to put (back) in a queue
    dequeue: list[int] = field(default_factory=list)  # completions to take out of a queue
    deadlines: list[tuple[int, datetime]] = field(default_factory=list)  # (completion, due) to time
    met: list[Met] = field(default_factory=list)  # pairs made, whoever made them: to remember

    def extend(self, other: Outcome) -> Outcome:
        self.events.extend(other.events)
        self.requeue.extend(other.requeue)
        self.dequeue.extend(other.dequeue)
        self.deadlines.extend(other.deadlines)
        self.met.extend(other.met)
        return self
