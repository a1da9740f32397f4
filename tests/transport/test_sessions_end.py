"""Ending a session ends it, on every web process: sign-out, a password change and a
moderator disabling the account close that registrant's open sockets with 4401; the
old cookie is then 401 over HTTP and refused at the handshake. Others are untouched."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx2
import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import HTTPConnection
from starlette.websockets import WebSocketDisconnect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from peercet.accounts import registrants as accounts
from peercet.core.db import transaction
from peercet.core.publish import RedisPublisher
from peercet.core.settings import Settings
from peercet.core.tables import Registrant
from tests.support.factories import PASSWORD, paired, someone
from tests.support.live import HTTP_TIMEOUT, Client, client, cookie, serve, web_process
from tests.support.web_helpers import app_client, register
from web.auth import COOKIE
from web.resources import resources
from web.ws import endpoint as ws
from web.ws.endpoint import CLOSE_SESSION_ENDED

Ending = Callable[[str, Settings, int], Awaitable[None]]


def http(base: str, settings: Settings, rid: int) -> httpx2.AsyncClient:
    return httpx2.AsyncClient(
        base_url=base, headers={"Cookie": cookie(settings, rid)}, timeout=HTTP_TIMEOUT
    )


async def close_code(socket: Client) -> int | None:
    """Read until the server closes the socket; its close code."""
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            await socket.recv()
    return None if closed.value.rcvd is None else closed.value.rcvd.code


async def sign_out(base: str, settings: Settings, rid: int) -> None:
    async with http(base, settings, rid) as api:
        assert (await api.delete("/api/session")).status_code == 204


async def change_password(base: str, settings: Settings, rid: int) -> None:
    body = {"current_password": PASSWORD, "new_password": "a-new-pass-2026"}
    async with http(base, settings, rid) as api:
        changed = await api.post("/api/me/password", json=body)
        assert changed.status_code == 200
        fresh = f"{COOKIE}={changed.cookies[COOKIE]}"
    async with httpx2.AsyncClient(
        base_url=base, headers={"Cookie": fresh}, timeout=HTTP_TIMEOUT
    ) as api:
        assert (await api.get("/api/me")).status_code == 200  # this session goes on


def disable_by(moderator: int) -> Ending:
    async def disable(base: str, settings: Settings, rid: int) -> None:
        url = f"/api/moderation/registrants/{rid}/disable"
        async with http(base, settings, moderator) as api:
            assert (await api.post(url, json={"reason": "impostor"})).status_code == 200

    return disable


@pytest.mark.slow
@pytest.mark.parametrize("how", ["sign_out", "change_password", "disable"])
async def test_ending_a_session_closes_its_sockets_on_every_process(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], how: str
) -> None:
    p = await paired(sessions)
    moderator = await someone(sessions, "moderator")
    end: Ending = {"sign_out": sign_out, "change_password": change_password}.get(
        how, disable_by(moderator)
    )
    with web_process(settings) as (one, _), web_process(settings) as (two, _):
        async with client(one, settings, p.a) as a, client(one, settings, p.b) as b:
            await a.join(p.discussion)
            await b.join(p.discussion)
            await end(two, settings, p.a)  # on the other process
            assert await close_code(a) == CLOSE_SESSION_ENDED == 4401
            await b.say(p.discussion, "still", "the peer's socket stays open")
            assert (await b.expect("message"))["client_msg_id"] == "still"
        async with http(one, settings, p.a) as api:
            assert (await api.get("/api/me")).status_code == 401  # the old cookie is dead
        with pytest.raises(InvalidStatus) as refused:
            async with client(one, settings, p.a):
                pass
        assert refused.value.response.status_code == 403
        async with http(two, settings, p.b) as api:
            assert (await api.get("/api/me")).status_code == 200


def test_a_session_ended_during_the_handshake_closes_the_socket(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Signed out between the handshake's check and the socket listening for it (so
    the event went unheard): the socket asks again, and closes with 4401."""
    real = ws.current_registrant

    async def then_signed_out(conn: HTTPConnection) -> Registrant | None:
        registrant = await real(conn)
        if registrant is not None:
            async with transaction(resources(conn).sessions) as session:
                await accounts.end_sessions(session, registrant.id)  # nothing published
        return registrant

    monkeypatch.setattr(ws, "current_registrant", then_signed_out)
    with app_client(settings) as client:
        register(client)
        with (
            client.websocket_connect("/ws") as socket,
            pytest.raises(WebSocketDisconnect) as closed,
        ):
            socket.receive_text()
    assert closed.value.code == 4401


async def test_a_session_ended_while_pubsub_was_away_closes_the_socket_after(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """The event is lost (the process's pub/sub connection was cut); when the hub
    comes back it re-checks every socket, and this one's session has ended."""
    p = await paired(sessions)
    with serve(settings) as base:
        async with client(base, settings, p.a) as a, client(base, settings, p.b) as b:
            await a.join(p.discussion)
            await b.join(p.discussion)
            redis = Redis.from_url(settings.redis_url)
            try:
                await redis.client_kill_filter(_type="pubsub")
                async with transaction(sessions) as session:
                    _, aftermath = await accounts.end_sessions(session, p.a)
                await RedisPublisher(redis).deliver(aftermath.deliveries)  # heard by nobody
            finally:
                await redis.aclose()
            assert await close_code(a) == CLOSE_SESSION_ENDED
            await b.say(p.discussion, "still", "the peer's socket stays open")
            assert (await b.expect("message"))["client_msg_id"] == "still"
