"""Limits that protect everyone: a slow client is dropped, an idle one too."""

from __future__ import annotations

import asyncio
import socket

import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from peercet.core.publish import Delivery, RedisPublisher
from peercet.core.settings import Settings
from tests.support.factories import paired
from tests.support.live import client, cookie, serve
from web.ws import conn, outbound
from web.ws import endpoint as ws


async def test_a_client_that_cannot_keep_up_is_disconnected_and_others_go_on(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(outbound, "SEND_QUEUE", 8)
    p = await paired(sessions)
    redis = Redis.from_url(settings.redis_url)
    with serve(settings) as base:
        url = base.replace("http://", "ws://") + "/ws"
        headers = {"Cookie": cookie(settings, p.b)}
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # no kernel autotuning
        sock.connect(("127.0.0.1", int(base.rsplit(":", 1)[1])))
        async with (
            connect(url, additional_headers=headers, max_queue=1, sock=sock) as slow,
            client(base, settings, p.a) as a,
        ):
            await slow.send('{"type": "ping"}')
            slow.transport.pause_reading()  # a client that stops reading
            big = {"type": "notice", "body": "x" * 1000}
            for _ in range(5):  # more, and faster, than the client takes
                await RedisPublisher(redis).deliver([Delivery(big, registrant_id=p.b)] * 400)
                await a.send(type="ping")  # meanwhile, another socket is served at once
                assert (await a.expect("pong", timeout=5)) == {"type": "pong"}
            slow.transport.resume_reading()
            with pytest.raises(ConnectionClosed) as closed:
                while True:
                    await asyncio.wait_for(slow.recv(), 10)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == ws.CLOSE_OVERLOADED
    await redis.aclose()


async def test_an_idle_socket_is_closed(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(conn, "IDLE_TIMEOUT", 0.2)
    p = await paired(sessions)
    with serve(settings) as base:
        async with client(base, settings, p.a) as a:
            with pytest.raises(ConnectionClosed) as closed:
                await a.recv(timeout=5)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == ws.CLOSE_IDLE
