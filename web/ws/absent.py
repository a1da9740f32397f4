"""After the commit: tell an absent partner of a first message or a validation
(discussion.absent), off the message path.

The writer hands over every stored batch; only a (discussion, author) pair this process
has not seen yet costs anything: a task that asks the database whether that message is the
author's first in the discussion (one indexed lookup, once per author and discussion per
process), and if so reads presence from Redis and, in a short transaction, emails whoever
is away. Steady chatter costs a set lookup per message.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Sequence
from typing import Any, Protocol

from discussion.absent import Happened, first_message_seq, tell_absent_partner
from discussion.actions import Stored
from peercet.core.db import transaction
from web.resources import Resources

log = logging.getLogger(__name__)
SEEN_MAX = 200_000  # (discussion, author) pairs remembered; forgetting only costs a lookup


class Online(Protocol):
    async def online(self, discussion_id: int) -> list[int]: ...


class AbsentPartners:
    def __init__(self, res: Resources, presence: Online) -> None:
        self.res = res
        self.presence = presence
        self.seen: set[tuple[int, int]] = set()
        self.tasks: set[asyncio.Task[None]] = set()

    def stored(self, results: Sequence[Stored]) -> None:
        """The writer's batch, just committed: look at each author's first message."""
        for result in results:
            frame = result.frame
            if not result.new or frame is None or frame["kind"] != "peer" or not frame["author"]:
                continue
            key = (frame["discussion"], frame["author"])
            if key not in self.seen:
                if len(self.seen) >= SEEN_MAX:
                    self.seen.clear()
                self.seen.add(key)
                self._spawn(self._first(*key, frame["seq"]))

    async def _first(self, discussion_id: int, author_id: int, seq: int) -> None:
        async with self.res.sessions() as session:
            first = await first_message_seq(session, discussion_id, author_id)
        if first == seq:
            await self.tell(discussion_id, author_id, Happened.WROTE)

    async def tell(self, discussion_id: int, actor_id: int, happened: Happened) -> list[int]:
        """Email the partner of `actor_id` if no socket of theirs is in the discussion."""
        online = set(await self.presence.online(discussion_id))
        async with transaction(self.res.sessions) as session:
            return await tell_absent_partner(
                session, discussion_id, actor_id, happened, online, self.res.clock.now(),
                self.res.context,
            )  # fmt: skip

    async def validated(self, discussion_id: int, actor_id: int) -> None:
        """After a validation's commit (the HTTP edge): an email lost is logged, never
        turned into an error for the validation, which stands."""
        await self._logged(self.tell(discussion_id, actor_id, Happened.VALIDATED))

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(self._logged(work))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    @staticmethod
    async def _logged(work: Coroutine[Any, Any, object]) -> None:
        try:
            await work
        except Exception:  # an email lost is no message lost: log it and carry on
            log.exception("telling an absent partner failed")

    async def idle(self) -> None:
        """Wait for what is under way (the app's shutdown, and tests)."""
        while self.tasks:
            await asyncio.wait(set(self.tasks))
