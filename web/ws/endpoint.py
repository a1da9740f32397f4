"""GET /ws: one socket per tab, carrying every discussion of its registrant.

The endpoint is thin: authenticate on the handshake (Origin is checked before this
runs, by web.origin), then this task reads frames while a sender task writes them
(started when there is something to send, so an idle socket holds no second task).
The sender owns the order: per joined discussion it remembers the last `seq` sent,
drops what it already sent and fills any gap from the database first, so a socket
sees each message once, in order, whichever process stored it.
"""

from __future__ import annotations

import asyncio
import logging
import math
import uuid
from collections import deque
from contextlib import suppress
from dataclasses import dataclass
from functools import partial
from typing import Any

from starlette.routing import WebSocketRoute
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect

from discussion import reads
from discussion.actions import Post, Stored
from discussion.frames import ClientFrame, FrameError, Join, Leave, Ping, Say, Typing, dumps, parse
from discussion.reads import Access, Role, Who, authorise
from discussion.wire import PongFrame, Present, joined_frame, presence_frame, typing_frame
from peercet.accounts.registrants import SESSIONS_ENDED
from peercet.core import keys
from peercet.core.errors import DomainError
from peercet.core.publish import Delivery, deliver_now
from web.auth import current_registrant, session_alive
from web.origin import OriginCheck
from web.resources import Resources, resources
from web.ws.live import FAREWELL_TIMEOUT, Live, Routed
from web.ws.sockets import CLOSE_TOO_MANY, MAX_SOCKETS

SEND_QUEUE = 512  # frames waiting for one socket; a client this far behind is dropped
MAX_INFLIGHT = 32  # unacknowledged `say`s per socket before we stop reading it
IDLE_TIMEOUT = 600.0  # seconds without a client frame (the page pings every 25 s)
PONG = dumps(PongFrame(type="pong"))
STORE_ERRORS = {
    "discussion_closed": "this discussion is closed",
    "refused": "the database refused this message; it is not stored",
    "unavailable": "not stored; send it again",
}
INTERNAL = dumps(FrameError("internal", "the server could not handle this frame").frame())
CLOSE_OVERLOADED = 1013
CLOSE_IDLE = 1001
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


class Conn:
    """One open socket: its joined discussions, its send queue, its sender.

    The sender task exists only while there is something to send, and the queue is a
    plain deque: an idle socket costs little memory (see the idle benchmark)."""

    __slots__ = ("access", "close_code", "epoch", "inflight", "items", "joined", "live",
                 "member", "registrant", "res", "rid", "sending", "stopping", "task",
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
        self.inflight = asyncio.Semaphore(MAX_INFLIGHT)
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
        people = frozenset(p["id"] for p in view["participants"])
        await self.live.presence.enter(frame.discussion, self.member)
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

    # -- the receiver --------------------------------------------------------
    async def receive_loop(self) -> None:
        while True:
            try:
                async with asyncio.timeout(IDLE_TIMEOUT):
                    message = await self.ws.receive()
            except TimeoutError:
                self.close_code = CLOSE_IDLE
                return
            if message["type"] == "websocket.disconnect":
                return
            text = message.get("text")
            if text is None:
                self.put(Text(dumps(FrameError("bad_frame", "send JSON text frames").frame())))
                continue
            await self._on_text(text)

    async def _on_text(self, text: str) -> None:
        try:
            frame = parse(text)
            if isinstance(frame, Ping):
                self.put(Text(PONG))
                return
            limiter = self.live.limiter
            if not (limiter.spend(self.rid) or await limiter.allow(self.rid)):
                raise FrameError("rate_limited", "slow down", *_about(frame))
            await self._act(frame)
        except FrameError as exc:
            self.put(Text(dumps(exc.frame())))
        except Exception:  # the last resort: one frame's failure never ends the socket
            log.exception("a frame from registrant %s failed", self.rid)
            self.put(Text(INTERNAL))

    async def _act(self, frame: ClientFrame) -> None:
        if isinstance(frame, Join):
            self.put(JoinReq(frame))
        elif isinstance(frame, Leave):
            await self.leave(frame.discussion)
        elif isinstance(frame, Typing):
            await self.participant(frame.discussion)
            typing = typing_frame(frame.discussion, self.rid)
            await deliver_now(self.live.publisher, Delivery(typing, discussion_id=frame.discussion))
        elif isinstance(frame, Say):
            await self._say(frame)

    async def _say(self, say: Say) -> None:
        access = await self.participant(say.discussion, say.client_msg_id)
        if say.prompt is not None and say.prompt not in access.prompt_ids:
            raise FrameError(
                "bad_frame", "no such prompt in this discussion", say.discussion, say.client_msg_id
            )
        await self.inflight.acquire()  # backpressure: stop reading while too many wait
        post = Post(say.discussion, self.rid, say.client_msg_id, say.body, say.prompt)
        self.live.writer.submit(post).add_done_callback(partial(self._stored, say))

    def _stored(self, say: Say, future: asyncio.Future[Stored]) -> None:
        self.inflight.release()
        if future.cancelled():
            return
        if future.exception() is not None:
            error = FrameError("unavailable", "not stored; send it again", *_about(say))
            self.put(Text(dumps(error.frame())))
            return
        stored = future.result()
        if stored.frame is None:
            code = stored.error or "discussion_closed"
            error = FrameError(code, STORE_ERRORS.get(code, "not stored"), *_about(say))
            self.put(Text(dumps(error.frame())))
            return
        mode = "ack" if stored.new else "answer"
        self.put(Msg(say.discussion, stored.frame["seq"], dumps(stored.frame), mode))

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

    async def leave(self, discussion_id: int) -> None:
        joined = self.joined.pop(discussion_id, None)
        self.live.hub.remove(keys.discussion_channel(discussion_id), self)
        if joined is not None:
            await self.live.presence.exit(discussion_id, self.member)
            await self.presence_changed(discussion_id, joined.people)


def _about(frame: ClientFrame) -> tuple[int | None, str | None]:
    discussion = getattr(frame, "discussion", None)
    return discussion, getattr(frame, "client_msg_id", None)


async def endpoint(websocket: WebSocket) -> None:
    registrant = await current_registrant(websocket)
    if registrant is None:
        await websocket.close(code=1008, reason="sign in first")  # before accept: HTTP 403
        return
    await websocket.accept()
    websocket.scope.pop("registrant", None)  # keep the id and role, not the ORM row
    conn = Conn(websocket, Who(registrant.id, registrant.role), resources(websocket))
    if not await conn.live.sockets.take(conn.rid, conn.member):  # the socket limit
        await websocket.close(CLOSE_TOO_MANY, f"at most {MAX_SOCKETS} sockets open at once")
        return
    conn.task = asyncio.current_task()
    conn.epoch = registrant.session_epoch
    conn.live.hub.add(keys.registrant_channel(conn.rid), conn)
    try:
        if not await session_alive(conn.res, conn.rid, conn.epoch):  # ended meanwhile
            conn.stop(CLOSE_SESSION_ENDED)
        await conn.receive_loop()
    except asyncio.CancelledError:
        if not conn.stopping:
            raise  # the server is shutting down
        if conn.task is not None:
            conn.task.uncancel()
    except WebSocketDisconnect:
        pass
    finally:
        conn.stopping = True
        farewell = conn.live.see_off(asyncio.wait_for(_cleanup(conn), FAREWELL_TIMEOUT))
        with suppress(Exception, asyncio.CancelledError):
            await asyncio.shield(farewell)


async def _cleanup(conn: Conn) -> None:
    sender = conn.sending
    if sender is not None:  # stopped and waited for: it may be reading the database
        sender.cancel()
        await asyncio.wait([sender])
    with suppress(Exception):
        await conn.live.sockets.give_back(conn.member)
    conn.live.hub.remove(keys.registrant_channel(conn.rid), conn)
    for discussion_id in conn.access:
        conn.live.hub.remove(keys.discussion_channel(discussion_id), conn)
    for discussion_id in list(conn.joined):
        with suppress(Exception):
            await conn.leave(discussion_id)
    with suppress(Exception):
        await conn.ws.close(conn.close_code)


class Direct:
    """Middleware that hands `/ws` handshakes straight to the endpoint, past
    Starlette's router and exception layers: each idle socket keeps its whole
    await chain alive, and every layer costs memory (see the idle benchmark).
    The Origin check still runs first."""

    def __init__(self, app: ASGIApp, allowed: list[str]) -> None:
        self.app = app
        self.socket = OriginCheck(_asgi, allowed)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket" and scope["path"] == PATH:
            await self.socket(scope, receive, send)
        else:
            await self.app(scope, receive, send)


async def _asgi(scope: Scope, receive: Receive, send: Send) -> None:
    await endpoint(WebSocket(scope, receive, send))


PATH = "/ws"
routes = [WebSocketRoute(PATH, endpoint)]  # what Direct serves, for the route list
