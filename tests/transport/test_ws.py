"""/ws with uvicorn really serving, a real Redis and both databases."""

from __future__ import annotations

import asyncio

import httpx2
import pytest
from redis import Redis
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from websockets.exceptions import InvalidStatus

from discussion.opening import close_discussions
from peercet.core import keys
from peercet.core.clock import FixedClock
from peercet.core.settings import Settings
from peercet.core.tables import Message
from tests.support import factories as f
from tests.support.context import links
from tests.support.factories import paired, someone
from tests.support.live import HTTP_TIMEOUT, client, cookie, serve
from tests.support.web_helpers import app_client, run_db

CLOCK = FixedClock(f.T0)


async def count_messages(sessions: async_sessionmaker[AsyncSession], discussion: int) -> int:
    async with sessions() as session:
        n = await session.scalar(
            select(func.count()).select_from(Message).where(Message.discussion_id == discussion)
        )
        return n or 0


async def test_handshake_needs_a_cookie_and_an_allowed_origin(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    rid = await someone(sessions)
    with serve(settings) as base:
        with pytest.raises(InvalidStatus) as refused:
            async with client(base, settings, None):
                pass
        assert refused.value.response.status_code == 403
        with pytest.raises(InvalidStatus) as bad_origin:
            async with client(base, settings, rid, origin="https://evil.example"):
                pass
        assert bad_origin.value.response.status_code == 403
        async with client(base, settings, rid, origin=base) as ws:
            await ws.send(type="ping")
            assert await ws.recv() == {"type": "pong"}


async def test_two_participants_chat_and_the_sender_is_acknowledged(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    p = await paired(sessions)
    with serve(settings) as base:
        async with client(base, settings, p.a) as a, client(base, settings, p.b) as b:
            joined = await a.join(p.discussion)
            assert joined["last_seq"] == 0
            assert [x["id"] for x in joined["participants"]] == [p.a, p.b]
            assert p.a in joined["online"]
            await b.join(p.discussion)
            await a.say(p.discussion, "m-1", "Hello Bob", p.prompts[0])
            ack = await a.expect("message")
            got = await b.expect("message")
            assert ack == got
            assert ack["seq"] == 1 and ack["author"] == p.a and ack["kind"] == "peer"
            assert (ack["client_msg_id"], ack["prompt"], ack["body"]) == (
                "m-1", p.prompts[0], "Hello Bob",
            )  # fmt: skip
            await b.say(p.discussion, "m-2", "Hi Alice")
            assert (await a.expect("message"))["seq"] == 2
            assert (await b.expect("message"))["seq"] == 2
    assert await count_messages(sessions, p.discussion) == 2


async def test_presence_and_typing_reach_the_peer_only(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    p = await paired(sessions)
    with serve(settings) as base:
        async with client(base, settings, p.a) as a:
            await a.join(p.discussion)
            async with client(base, settings, p.b) as b:
                joined = await b.join(p.discussion)
                assert joined["online"] == [p.a, p.b]
                while (frame := await a.recv())["type"] != "presence" or len(frame["online"]) < 2:
                    pass
                await a.send(type="typing", discussion=p.discussion)
                while (frame := await b.recv())["type"] == "presence":
                    pass
                assert frame == {"type": "typing", "discussion": p.discussion, "author": p.a}
            while (frame := await a.recv())["type"] != "presence" or frame["online"] != [p.a]:
                pass


async def test_a_repeated_client_msg_id_makes_one_message(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    p = await paired(sessions)
    with serve(settings) as base:
        async with client(base, settings, p.a) as a, client(base, settings, p.b) as b:
            await a.join(p.discussion)
            await b.join(p.discussion)
            await a.say(p.discussion, "same", "Once")
            first = await a.expect("message")
            assert (await b.expect("message"))["seq"] == 1
            await a.say(p.discussion, "same", "Once again")
            assert await a.expect("message") == first  # the stored one is the answer
            await a.say(p.discussion, "same", "Once more")
            await a.say(p.discussion, "same", "And again")  # in one batch, perhaps
            assert await a.messages(2) == [first, first]
            assert await b.quiet() == []  # the peer receives nothing again
    assert await count_messages(sessions, p.discussion) == 1


async def test_concurrent_say_gives_gapless_seq_in_one_order_for_both(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    p = await paired(sessions)
    n = 30  # within the rate limit burst
    with serve(settings) as base:
        async with client(base, settings, p.a) as a, client(base, settings, p.b) as b:
            await a.join(p.discussion)
            await b.join(p.discussion)

            async def burst(c: object, who: str) -> None:
                assert c is a or c is b
                for i in range(n):
                    await c.say(p.discussion, f"{who}-{i}", f"{who} says {i}")

            await asyncio.gather(burst(a, "a"), burst(b, "b"))
            seen_a = await a.messages(2 * n)
            seen_b = await b.messages(2 * n)
    assert [m["seq"] for m in seen_a] == list(range(1, 2 * n + 1))
    assert seen_a == seen_b
    for who in ("a", "b"):  # each author's messages keep the order they were sent in
        mine = [m["client_msg_id"] for m in seen_a if m["client_msg_id"].startswith(who)]
        assert mine == [f"{who}-{i}" for i in range(n)]


async def test_join_after_replays_what_was_missed_then_goes_live(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    p = await paired(sessions)
    with serve(settings) as base:
        async with client(base, settings, p.a) as a:
            await a.join(p.discussion)
            for i in range(5):
                await a.say(p.discussion, f"m{i}", f"message {i}")
            await a.messages(5)
        async with client(base, settings, p.b) as b:
            joined = await b.join(p.discussion, after=2)
            assert joined["last_seq"] == 5
            assert [m["seq"] for m in await b.messages(3)] == [3, 4, 5]
            async with client(base, settings, p.a) as a:
                await a.say(p.discussion, "m5", "live")
                assert (await b.expect("message"))["seq"] == 6


async def test_a_gap_in_the_fan_out_is_filled_from_the_database(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """A message stored but never published (Redis was away) still reaches the peer,
    before the next one, in order."""
    p = await paired(sessions)
    with serve(settings) as base:
        async with client(base, settings, p.a) as a, client(base, settings, p.b) as b:
            await a.join(p.discussion)
            await b.join(p.discussion)
            from discussion.actions import Post, store_messages

            async with sessions() as session, session.begin():
                await store_messages(session, [Post(p.discussion, p.a, "lost", "lost")], f.T0)
            await a.say(p.discussion, "next", "next")
            assert [m["body"] for m in await b.messages(2)] == ["lost", "next"]
            assert [m["seq"] for m in await a.messages(2)] == [1, 2]


async def test_errors_leave_the_socket_open(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    p = await paired(sessions)
    other = await paired(sessions)
    with serve(settings) as base:
        async with client(base, settings, p.a) as a:
            await a.join(p.discussion)

            async def error(code: str) -> dict[str, object]:
                frame = await a.expect("error")
                assert frame["code"] == code, frame
                await a.send(type="ping")
                assert await a.expect("pong") == {"type": "pong"}
                return frame

            await a.conn.send("not json")
            await error("bad_frame")
            await a.send(type="shout", discussion=p.discussion)
            await error("bad_frame")
            await a.say(p.discussion, "big", "x" * 4001)
            assert (await error("too_large"))["client_msg_id"] == "big"
            await a.send(type="say", discussion=p.discussion, client_msg_id="f", body="y" * 20000)
            await error("too_large")
            await a.send(type="join", discussion=other.discussion, after=0)
            assert (await error("not_participant"))["discussion"] == other.discussion
            await a.say(other.discussion, "theirs", "hello")
            assert (await error("not_participant"))["client_msg_id"] == "theirs"
            async with sessions() as session, session.begin():
                await close_discussions(session, [p.discussion], "test", f.T0, links())
            await a.say(p.discussion, "late", "too late")
            assert (await error("discussion_closed"))["client_msg_id"] == "late"
            for _ in range(60):
                await a.send(type="typing", discussion=p.discussion)
            while (frame := await a.recv())["type"] != "error":
                pass
            assert frame["code"] == "rate_limited"
            await a.quiet(0.2)  # read the rest, or the client's close waits behind them
    assert await count_messages(sessions, p.discussion) == 0


async def test_a_stranger_cannot_join_read_or_validate(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    p = await paired(sessions)
    stranger = await someone(sessions)
    with serve(settings) as base:
        headers = {"Cookie": cookie(settings, stranger)}
        async with httpx2.AsyncClient(base_url=base, headers=headers, timeout=HTTP_TIMEOUT) as http:
            d = f"/api/discussions/{p.discussion}"
            assert (await http.get(d)).status_code == 403
            assert (await http.get(f"{d}/messages")).status_code == 403
            body = {"peer_took_part": True, "reflection": "sneaky"}
            assert (await http.post(f"{d}/validation", json=body)).status_code == 403
            assert (await http.post(f"{d}/reports", json={"reason": "x"})).status_code == 403
        async with client(base, settings, stranger) as s:
            await s.send(type="join", discussion=p.discussion, after=0)
            assert (await s.expect("error"))["code"] == "not_participant"
            await s.say(p.discussion, "x", "hello")
            assert (await s.expect("error"))["code"] == "not_participant"


async def test_a_moderator_joins_read_only(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    p = await paired(sessions)
    moderator = await someone(sessions, role="moderator")
    with serve(settings) as base:
        async with client(base, settings, p.a) as a, client(base, settings, moderator) as m:
            await a.join(p.discussion)
            joined = await m.join(p.discussion)
            assert moderator not in joined["online"] and joined["moderators"] == [moderator]
            await a.say(p.discussion, "hi", "hello")
            assert (await m.expect("message"))["body"] == "hello"
            await m.say(p.discussion, "mod", "I speak")
            assert (await m.expect("error"))["code"] == "not_participant"


async def test_after_redis_drops_the_fan_out_sockets_recover_from_the_database(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """Pub/sub is at most once: once the hub is back, each socket re-checks the database."""
    from redis.asyncio import Redis

    from discussion.actions import Post, store_messages

    p = await paired(sessions)
    redis = Redis.from_url(settings.redis_url)
    with serve(settings) as base:
        async with client(base, settings, p.b) as b:
            await b.join(p.discussion)
            assert await redis.client_kill_filter(_type="pubsub") >= 1
            async with sessions() as session, session.begin():  # stored, never published
                await store_messages(
                    session, [Post(p.discussion, p.a, "while-away", "hello?")], f.T0
                )
            assert (await b.expect("message"))["client_msg_id"] == "while-away"
    await redis.aclose()


def test_a_socket_whose_handler_is_cancelled_still_leaves_its_room(settings: Settings) -> None:
    """Some servers cancel a closing socket's handler (Starlette's TestClient does, right
    after the close): the farewell (presence cleared, the room told) must still run to
    its end, and the app's shutdown waits for it, so no database call is cut off."""

    async def seed(session: AsyncSession) -> tuple[int, int]:
        mine, _, discussion = await f.pair(session, await f.course(session, prompts=["Why?"]))
        return mine.registrant_id, discussion

    rid, did = run_db(settings.database_url, seed)
    headers = {"Cookie": cookie(settings, rid, CLOCK)}
    with app_client(settings, CLOCK) as http:
        for _ in range(5):
            with http.websocket_connect("/ws", headers=headers) as ws:
                ws.send_json({"type": "join", "discussion": did, "after": 0})
                assert ws.receive_json()["type"] == "joined"
    with Redis.from_url(settings.redis_url) as redis:
        assert redis.zcard(keys.presence(did)) == 0


async def test_a_frame_the_server_fails_on_is_answered_internal_and_the_socket_stays_open(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The last resort: an exception no check foresaw ends neither the socket nor the
    frames after it."""
    from web.ws import endpoint as ws

    async def broken(self: ws.Conn, frame: object) -> None:
        raise RuntimeError("a bug")

    p = await paired(sessions)
    with serve(settings) as base:
        async with client(base, settings, p.a) as a:
            monkeypatch.setattr(ws.Conn, "_act", broken)
            await a.send(type="typing", discussion=p.discussion)
            assert (await a.expect("error"))["code"] == "internal"
            await a.send(type="ping")
            assert await a.expect("pong") == {"type": "pong"}
            monkeypatch.undo()
            await a.say(p.discussion, "after", "still works")
            assert (await a.expect("message"))["client_msg_id"] == "after"
