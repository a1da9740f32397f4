"""Hostile frames on /ws, served as the Procfile serves it (its --ws-max-size), on both
databases: each gets an error frame and the socket stays open; only a frame over 1 MiB
closes it (1009), and only that socket."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from websockets.exceptions import ConnectionClosed

from peercet.core.settings import Settings
from peercet.core.tables import Message
from tests.support.factories import paired
from tests.support.hostile_frames import HOSTILE, say
from tests.support.live import Client, client, web_process

pytestmark = pytest.mark.slow
MIB = 1024 * 1024


async def still_open(socket: Client) -> None:
    await socket.send(type="ping")
    assert await socket.expect("pong") == {"type": "pong"}


async def test_every_hostile_frame_gets_an_error_frame_and_the_socket_stays_open(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    p = await paired(sessions)
    with web_process(settings) as (base, _):
        async with client(base, settings, p.a) as a, client(base, settings, p.b) as b:
            await a.join(p.discussion)
            await b.join(p.discussion)
            for hostile in HOSTILE:
                text, code = hostile.values
                await a.conn.send(text)
                error = await a.expect("error")
                assert error["code"] == code, (hostile.id, error)
                await still_open(a)
            await a.say(p.discussion, "a-1", "after all that")
            assert (await a.expect("message"))["seq"] == 1
            await b.say(p.discussion, "b-1", "still here")
            assert [m["client_msg_id"] for m in await b.messages(2)] == ["a-1", "b-1"]
            await a.conn.send(say(discussion=p.discussion, body="z" * (MIB + 1)))
            with pytest.raises(ConnectionClosed) as closed:
                while True:
                    await a.recv()
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009
            await b.say(p.discussion, "b-2", "the peer goes on")
            assert (await b.expect("message"))["seq"] == 3
            await still_open(b)
    async with sessions() as session:
        stored = await session.scalars(
            select(Message.client_msg_id)
            .where(Message.discussion_id == p.discussion)
            .order_by(Message.seq)
        )
        assert list(stored) == ["a-1", "b-1", "b-2"]  # nothing hostile was stored
