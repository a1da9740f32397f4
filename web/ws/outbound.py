"""A socket's outbound side: its send queue, its joined discussions and the order.

The sender task is started when there is something to send, so an idle socket holds
no second task. It owns the order: per joined discussion it remembers the last `seq`
sent, drops what it already sent and fills any gap from the database first, so a
socket sees each message once, in order, whichever process stored it.
"""

from __future__ import annotations

import asyncio
import logging
import math
import uuid
from collections import deque
from dataclasses import dataclass
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect

from discussion import reads
from discussion.frames import FrameError, Join, dumps
from discussion.reads import Access, Role, Who, authorise
from discussion.wire import Present, joined_frame, presence_frame
from peercet.accounts.registrants import SESSIONS_ENDED
from peercet.core import keys
from peercet.core.errors import DomainError
from peercet.core.publish import Delivery, deliver_now
from web.auth import session_alive
from web.resources import Resources
from web.ws.hub import Routed
from web.ws.live import Live

SEND_QUEUE = 512  # frames waiting for one socket; a client this far behind is dropped
CLOSE_OVERLOADED = 1013
CLOSE_ERROR = 1011
CLOSE_SESSION_ENDED = 4401  # signed out, password changed, account disabled
log = logging.getLogger(__name__)


@dataclass(slots=True)
class Text:
    text: str


@dataclass(slots=True)
class Msg:
    discussion: int
    seq: int
    text: str
    mode: str = "live"  # "live" (fan-out), "ack" (own, new), "answer" (own, repeated)


@dataclass(slots=True)
class JoinReq:
    frame: Join


@dataclass(slots=True)
class Resync:
    pass


Item = Text | Msg | JoinReq | Resync


@dataclass(slots=True)
class Joined:
    access: Access
    last: int
    people: frozenset[int]  # the participants (fixed once paired): for presence frames


class Outbound:
    """One open socket's sending side: its joined discussions, its send queue, its sender,
    and what it may read (the access to each discussion, asked once).

    The sender task exists only while there is something to send, and the queue is a
    plain deque: an idle socket costs little memory (see the idle benchmark)."""

    __slots__ = ("access", "close_code", "epoch", "items", "joined", "live", "member",
                 "registrant", "res", "rid", "sending", "stopping", "task",
                 "ws")  # fmt: skip

    def __init__(self, ws: WebSocket, registrant: Who, res: Resources) -> None:
        self.ws = ws
        self.registrant = registrant
        self.rid = registrant.id
        self.res = res
        self.live: Live = res.extras["live"]
        self.items: deque[Item] = deque()
        self.sending: asyncio.Task[None] | None = None
        self.task: asyncio.Task[Any] | None = None  # the receiving task (the endpoint's)
        self.stopping = False
        self.joined: dict[int, Joined] = {}
        self.access: dict[int, Access] = {}
        self.member = f"{self.rid}:{uuid.uuid4().hex[:12]}"
        self.close_code = 1000
        self.epoch = 0  # the session's, from the cookie the handshake carried

    # -- called by the hub ---------------------------------------------------
    def route(self, frame: Routed, text: str) -> None:
        if frame["type"] == SESSIONS_ENDED:  # for the server only: never sent on
            if frame.get("epoch", 0) > self.epoch:
                self.stop(CLOSE_SESSION_ENDED)
        elif frame["type"] == "message":
            self.put(Msg(frame["discussion"], frame["seq"], text))
        elif frame["type"] != "typing" or frame.get("author") != self.rid:
            self.put(Text(text))

    def message(self, discussion_id: int, seq: int, text: str) -> None:
        self.put(Msg(discussion_id, seq, text))

    def resync(self) -> None:
        self.put(Resync())

    def put(self, item: Item) -> None:
        if self.stopping:
            return
        if len(self.items) >= SEND_QUEUE:
            self.stop(CLOSE_OVERLOADED)
            return
        self.items.append(item)
        if self.sending is None:
            self.sending = asyncio.get_running_loop().create_task(self._drain())

    def stop(self, code: int) -> None:
        """Close this socket: the receiving task is cancelled and cleans up."""
        if self.stopping:
            return
        self.stopping, self.close_code = True, code
        if self.task is not None:
            self.task.cancel()

    # -- the sender ----------------------------------------------------------
    async def _drain(self) -> None:
        try:
            while self.items:
                await self._handle(self.items.popleft())
        except WebSocketDisconnect:
            self.stop(1000)
        except Exception:
            log.exception("sending to registrant %s failed", self.rid)
            self.stop(CLOSE_ERROR)
        finally:
            self.sending = None

    async def _handle(self, item: Item) -> None:
        if isinstance(item, Text):
            await self.ws.send_text(item.text)
        elif isinstance(item, Msg):
            await self._deliver(item)
        elif isinstance(item, JoinReq):
            await self._join(item.frame)
        else:
            await self._resync()

    async def _resync(self) -> None:
        """After a pub/sub outage: what was published meanwhile is lost, a session's
        end included, so ask the database about both."""
        if not await session_alive(self.res, self.rid, self.epoch):
            self.stop(CLOSE_SESSION_ENDED)
            return
        for discussion_id, joined in list(self.joined.items()):
            await self._fill(discussion_id, joined, math.inf)

    async def _deliver(self, msg: Msg) -> None:
        joined = self.joined.get(msg.discussion)
        if msg.mode == "answer" or (joined is None and msg.mode == "ack"):
            await self.ws.send_text(msg.text)
            return
        if joined is None or msg.seq <= joined.last:
            return
        if msg.seq > joined.last + 1:
            await self._fill(msg.discussion, joined, msg.seq - 1)
        await self.ws.send_text(msg.text)
        joined.last = msg.seq

    async def _fill(self, discussion_id: int, joined: Joined, upto: float) -> None:
        """Send from the database what comes after `joined.last`, up to `upto`."""
        while joined.last < upto:
            limit = int(min(reads.MESSAGES_MAX, upto - joined.last))
            async with self.res.sessions() as session:
                frames = await reads.messages_after(session, discussion_id, joined.last, limit)
            for frame in frames:
                await self.ws.send_text(dumps(frame))
                joined.last = frame["seq"]
            if len(frames) < limit:
                return

    async def _join(self, frame: Join) -> None:
        try:
            access = await self.authorised(frame.discussion)
        except FrameError as exc:
            await self.ws.send_text(dumps(exc.frame()))
            return
        self.live.hub.add(keys.discussion_channel(frame.discussion), self)
        async with self.res.sessions() as session:
            view = await reads.discussion_view(session, frame.discussion)
        await self.live.presence.enter(frame.discussion, self.member)
        people = frozenset(p["id"] for p in view["participants"])
        present = await self.presence_changed(frame.discussion, people)
        await self.ws.send_text(dumps(joined_frame(frame.discussion, present, view)))
        self.joined[frame.discussion] = state = Joined(access, frame.after, people)
        await self._fill(frame.discussion, state, math.inf)

    async def presence_changed(self, discussion_id: int, people: frozenset[int]) -> Present:
        """Tell the room who is there: `online` participants, and `moderators` watching.
        Ephemeral, so the light path: no database, straight to the publisher."""
        here = await self.live.presence.online(discussion_id)
        present = Present(
            online=[i for i in here if i in people],
            moderators=[i for i in here if i not in people],
        )
        frame = presence_frame(discussion_id, present)
        await deliver_now(self.live.publisher, Delivery(frame, discussion_id=discussion_id))
        return present

    # -- what this registrant may read ---------------------------------------
    async def authorised(self, discussion_id: int, cmid: str | None = None) -> Access:
        access = self.access.get(discussion_id)
        if access is None:
            try:
                async with self.res.sessions() as session:
                    access = await authorise(session, self.registrant, discussion_id)
            except DomainError:
                raise FrameError(
                    "not_participant", "not your discussion", discussion_id, cmid
                ) from None
            self.access[discussion_id] = access
        return access

    async def participant(self, discussion_id: int, cmid: str | None = None) -> Access:
        access = await self.authorised(discussion_id, cmid)
        if access.role is not Role.PARTICIPANT:
            raise FrameError("not_participant", "moderators read only", discussion_id, cmid)
        return access
