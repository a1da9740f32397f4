"""Two `web` processes as the Procfile starts them, one Redis, one database."""

from __future__ import annotations

import signal
from dataclasses import replace

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from websockets.exceptions import ConnectionClosed

from peercet.core.settings import Settings
from peercet.core.tables import Message
from tests.support.factories import paired
from tests.support.live import Client, client, web_process

pytestmark = pytest.mark.slow


async def stored(sessions: async_sessionmaker[AsyncSession], discussion: int) -> list[str]:
    async with sessions() as session:
        rows = await session.scalars(
            select(Message.client_msg_id)
            .where(Message.discussion_id == discussion)
            .order_by(Message.seq)
        )
        return [r or "" for r in rows]


async def acks_until_closed(a: Client, seen: list[dict[str, object]]) -> None:
    try:
        while True:
            frame = await a.recv()
            if frame["type"] == "message":
                seen.append(frame)
    except ConnectionClosed:
        return


async def test_chat_across_processes_survives_a_killed_process(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    p = await paired(sessions)
    d = p.discussion
    settings = replace(settings, frame_burst=1000)  # a budget the resends cannot exhaust
    with web_process(settings) as (one, proc_one), web_process(settings) as (two, _):
        async with client(two, settings, p.b) as b:
            await b.join(d)
            seen_by_a: list[dict[str, object]] = []
            async with client(one, settings, p.a) as a:
                await a.join(d)
                for i in range(5):  # a conversation across processes
                    await a.say(d, f"a{i}", f"from one {i}")
                    seen_by_a.append(await a.expect("message"))
                    assert (await b.expect("message"))["client_msg_id"] == f"a{i}"
                    await b.say(d, f"b{i}", f"from two {i}")
                    assert (await b.expect("message"))["client_msg_id"] == f"b{i}"
                    seen_by_a.append(await a.expect("message"))
                    assert seen_by_a[-1]["client_msg_id"] == f"b{i}"
                for i in range(5, 35):  # then process one dies mid-flight
                    try:
                        await a.say(d, f"a{i}", f"in flight {i}")
                    except ConnectionClosed:  # the kill is already seen: the rest is resent
                        break
                    if i == 20:
                        proc_one.send_signal(signal.SIGKILL)
                await acks_until_closed(a, seen_by_a)
            acked = {str(m["client_msg_id"]) for m in seen_by_a}
            db = await stored(sessions, d)
            assert acked <= set(db)  # nothing acknowledged was lost
            last = int(str(seen_by_a[-1]["seq"]))
            assert [m["seq"] for m in seen_by_a] == list(range(1, last + 1))
            async with client(two, settings, p.a) as again:  # resume on the other process
                await again.join(d, after=last)
                replay = await again.messages(len(db) - last)
                assert [m["seq"] for m in replay] == list(range(last + 1, len(db) + 1))
                retry = [f"a{i}" for i in range(5, 35) if f"a{i}" not in acked]
                for cmid in retry:  # the client sends again what was not acknowledged
                    await again.say(d, cmid, "retried")
                answers = await again.messages(len(retry))
                assert sorted(str(m["client_msg_id"]) for m in answers) == sorted(retry)
            final = await stored(sessions, d)
            expected = {*(f"a{i}" for i in range(35)), *(f"b{i}" for i in range(5))}
            assert len(final) == len(expected) and set(final) == expected
            got = await b.messages(len(final) - 10)  # the peer saw each once, in order
            assert [m["seq"] for m in got] == list(range(11, len(final) + 1))
            assert await b.quiet() == []


async def test_a_registrant_on_two_processes_has_one_frame_budget(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """40 frames in a burst, whichever web processes carry them (web.ws.limits)."""
    p = await paired(sessions)
    settings = replace(settings, frame_rate=0.01)  # no refill worth a frame while it runs
    with web_process(settings) as (one, _), web_process(settings) as (two, _):
        async with client(one, settings, p.a) as a1, client(two, settings, p.a) as a2:
            for socket in (a1, a2):
                await socket.join(p.discussion)
            for _ in range(45):  # 90 frames in all, 45 through each process
                await a1.send(type="typing", discussion=p.discussion)
                await a2.send(type="typing", discussion=p.discussion)
            refused = [f for s in (a1, a2) for f in await s.quiet(1.0) if f["type"] == "error"]
    assert {f["code"] for f in refused} == {"rate_limited"}
    # the burst of 40 between both processes; a budget per process would let 80 by
    assert 90 - len(refused) <= 40
