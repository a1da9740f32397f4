"""A socket's inbound side: the frames its client sends, each parsed, limited and
acted on, one frame's failure never ending the socket (web/ws/outbound.py sends)."""

from __future__ import annotations

import asyncio
import logging
from functools import partial

from starlette.websockets import WebSocket

from discussion.actions import Post, Stored
from discussion.frames import ClientFrame, FrameError, Join, Leave, Ping, Say, Typing, dumps, parse
from discussion.reads import Who
from discussion.wire import PongFrame, typing_frame
from peercet.core import keys
from peercet.core.publish import Delivery, deliver_now
from web.resources import Resources
from web.ws.outbound import JoinReq, Msg, Outbound, Text

MAX_INFLIGHT = 32  # unacknowledged `say`s per socket before we stop reading it
IDLE_TIMEOUT = 600.0  # seconds without a client frame (the page pings every 25 s)
PONG = dumps(PongFrame(type="pong"))
STORE_ERRORS = {
    "discussion_closed": "this discussion is closed",
    "refused": "the database refused this message; it is not stored",
    "unavailable": "not stored; send it again",
}
INTERNAL = dumps(FrameError("internal", "the server could not handle this frame").frame())
CLOSE_IDLE = 1001
log = logging.getLogger(__name__)


class Conn(Outbound):
    """One open socket: what it sends (Outbound) and what its client sends it."""

    __slots__ = ("inflight",)

    def __init__(self, ws: WebSocket, registrant: Who, res: Resources) -> None:
        super().__init__(ws, registrant, res)
        self.inflight = asyncio.Semaphore(MAX_INFLIGHT)

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

    async def leave(self, discussion_id: int) -> None:
        joined = self.joined.pop(discussion_id, None)
        self.live.hub.remove(keys.discussion_channel(discussion_id), self)
        if joined is not None:
            await self.live.presence.exit(discussion_id, self.member)
            await self.presence_changed(discussion_id, joined.people)


def _about(frame: ClientFrame) -> tuple[int | None, str | None]:
    discussion = getattr(frame, "discussion", None)
    return discussion, getattr(frame, "client_msg_id", None)
