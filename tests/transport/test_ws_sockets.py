"""At most 20 sockets per registrant (web.ws.sockets): across web processes, freed at a
close, and never lost for good to a process that died."""

from __future__ import annotations

import asyncio
import time
from contextlib import AsyncExitStack

import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from websockets.exceptions import ConnectionClosed

from peercet.core import keys
from peercet.core.settings import Settings
from tests.support.factories import someone
from tests.support.live import Client, client, serve, web_process
from web.ws.sockets import LEASE_TTL, MAX_SOCKETS, SocketLeases


async def open_sockets(
    stack: AsyncExitStack, bases: list[str], settings: Settings, rid: int, n: int
) -> list[Client]:
    """`n` sockets of `rid`, spread over the `bases` in turn, each answering a ping."""
    sockets = [
        await stack.enter_async_context(client(bases[i % len(bases)], settings, rid))
        for i in range(n)
    ]
    for socket in sockets:
        await still_open(socket)
    return sockets


async def still_open(socket: Client) -> None:
    await socket.send(type="ping")
    assert await socket.expect("pong") == {"type": "pong"}


async def refused(base: str, settings: Settings, rid: int) -> None:
    """The handshake is accepted, then closed at once with 1008."""
    async with client(base, settings, rid) as extra:
        with pytest.raises(ConnectionClosed) as closed:
            await extra.recv()
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008


async def open_count(settings: Settings, rid: int, expected: int) -> None:
    """Wait (up to 10 s) until Redis counts `expected` open sockets for `rid`: a closed
    socket gives its place back in its farewell, just after the close handshake."""
    redis = Redis.from_url(settings.redis_url)
    try:
        deadline = time.monotonic() + 10
        while await redis.zcard(keys.sockets(rid)) != expected:
            assert time.monotonic() < deadline, "the place was not given back"
            await asyncio.sleep(0.01)
    finally:
        await redis.aclose()


async def test_the_21st_socket_is_refused_while_the_20_stay_open(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    rid, other = await someone(sessions), await someone(sessions)
    with serve(settings) as base:
        async with AsyncExitStack() as stack:
            sockets = await open_sockets(stack, [base], settings, rid, MAX_SOCKETS)
            await refused(base, settings, rid)
            for socket in sockets:
                await still_open(socket)
            async with client(base, settings, other) as theirs:  # the limit is per registrant
                await still_open(theirs)
            await sockets.pop().conn.close()
            await open_count(settings, rid, MAX_SOCKETS - 1)
            async with client(base, settings, rid) as again:  # closing one freed a place
                await still_open(again)
                await refused(base, settings, rid)
        await open_count(settings, rid, 0)


@pytest.mark.slow
async def test_two_web_processes_share_one_count(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    rid = await someone(sessions)
    with web_process(settings) as (one, _), web_process(settings) as (two, _):
        async with AsyncExitStack() as stack:
            sockets = await open_sockets(stack, [one, two], settings, rid, MAX_SOCKETS)
            await refused(two, settings, rid)
            await refused(one, settings, rid)
            await sockets.pop(0).conn.close()  # one on process one
            await open_count(settings, rid, MAX_SOCKETS - 1)
            async with client(two, settings, rid) as again:
                await still_open(again)


async def test_the_leases_of_a_process_that_died_expire(redis_url: str) -> None:
    """Process A holds 20 leases and renews them; then it dies (no more renewals):
    within LEASE_TTL of its last renewal, process B can take them."""
    now = [1_000_000.0]
    redis = Redis.from_url(redis_url)
    a, b = SocketLeases(redis, lambda: now[0]), SocketLeases(redis, lambda: now[0])
    try:
        assert all([await a.take(7, f"7:a{i}") for i in range(MAX_SOCKETS)])
        assert not await b.take(7, "7:b")
        now[0] += LEASE_TTL - 1
        await a.renew()
        now[0] += LEASE_TTL - 1  # past the first lease's end, not the renewal's
        assert not await b.take(7, "7:b")
        await a.give_back("7:a0")  # a clean close frees a place at once
        assert await b.take(7, "7:b")
        assert not await b.take(7, "7:c")
        now[0] += 2  # A died after its renewal: its leases are over
        assert await b.take(7, "7:c")
        assert await redis.zcard(keys.sockets(7)) == 2  # b's two
    finally:
        await redis.aclose()
