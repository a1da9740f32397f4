"""GET /ws: one socket per tab, carrying every discussion of its registrant.

The endpoint is thin: authenticate on the handshake (Origin is checked before this
runs, by web.security.origin), take one of the registrant's sockets, then read frames
(web/ws/conn.py) while a sender task writes them (web/ws/outbound.py); at the end,
leave every room within `FAREWELL_TIMEOUT`.
"""

from __future__ import annotations

import asyncio
from contextlib import suppress

from starlette.routing import WebSocketRoute
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect

from discussion.reads import Who
from peercet.core import keys
from web.auth import current_registrant, session_alive
from web.resources import resources
from web.security.origin import OriginCheck
from web.ws.conn import CLOSE_IDLE, Conn
from web.ws.live import FAREWELL_TIMEOUT
from web.ws.outbound import CLOSE_ERROR, CLOSE_OVERLOADED, CLOSE_SESSION_ENDED
from web.ws.sockets import CLOSE_TOO_MANY, MAX_SOCKETS

__all__ = [  # the endpoint, and every close code a socket of it may end with
    "CLOSE_ERROR",
    "CLOSE_IDLE",
    "CLOSE_OVERLOADED",
    "CLOSE_SESSION_ENDED",
    "CLOSE_TOO_MANY",
    "PATH",
    "Conn",
    "Direct",
    "endpoint",
    "routes",
]


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
