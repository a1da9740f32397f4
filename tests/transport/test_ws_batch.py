"""One participant's bad message never fails another's (web.ws.writer.Writer's group commit),
on both databases with a real Redis."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from redis.asyncio import Redis
from sqlalchemy import select, text
from sqlalchemy.exc import (
    DataError,
    IntegrityError,
    InterfaceError,
    InternalError,
    OperationalError,
    StatementError,
)
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from discussion.actions import Post, Stored
from peercet.core.clock import FixedClock
from peercet.core.db import create_engine, create_sync_sqlite_engine, session_factory
from peercet.core.publish import Effects, RedisPublisher
from peercet.core.settings import Settings
from peercet.core.tables import Message
from tests.support import factories as f
from tests.support.context import context
from tests.support.factories import paired
from tests.support.live import Client, client, serve
from web.resources import Resources
from web.ws.hub import Hub
from web.ws.writer import Writer, unavailable

POISON = "poison"  # a body the database refuses (a trigger), for no reason a frame shows
SQLITE_POISON = [
    f"CREATE TRIGGER poison BEFORE INSERT ON messages WHEN NEW.body = '{POISON}'"
    " BEGIN SELECT RAISE(ABORT, 'poisoned row'); END"
]
POSTGRES_POISON = [
    "CREATE FUNCTION poisoned() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
    f" IF NEW.body = '{POISON}' THEN RAISE EXCEPTION 'poisoned row'; END IF;"
    " RETURN NEW; END $$",
    "CREATE TRIGGER poison BEFORE INSERT ON messages FOR EACH ROW EXECUTE FUNCTION poisoned()",
]
SQLITE_UNPOISON = ["DROP TRIGGER poison"]
POSTGRES_UNPOISON = ["DROP TRIGGER poison ON messages", "DROP FUNCTION poisoned()"]


@pytest.fixture
async def poison(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> AsyncIterator[None]:
    """A trigger that makes the database refuse one row: an insert of a `poison` body."""
    sqlite = settings.is_sqlite
    async with sessions() as session, session.begin():
        for statement in SQLITE_POISON if sqlite else POSTGRES_POISON:
            await session.execute(text(statement))
    yield
    async with sessions() as session, session.begin():  # the PostgreSQL template is shared
        for statement in SQLITE_UNPOISON if sqlite else POSTGRES_UNPOISON:
            await session.execute(text(statement))


async def answers(socket: Client) -> dict[str, dict[str, Any]]:
    """The next two frames (presence and typing aside), by type: the refusal of one's own
    message and the peer's message come in either order."""
    frames = []
    while len(frames) < 2:
        frame = await socket.recv()
        if frame["type"] not in ("presence", "typing"):
            frames.append(frame)
    return {frame["type"]: frame for frame in frames}


async def bodies(sessions: async_sessionmaker[AsyncSession], discussion: int) -> list[str]:
    async with sessions() as session:
        rows = await session.scalars(
            select(Message.body).where(Message.discussion_id == discussion).order_by(Message.seq)
        )
        return list(rows)


@pytest.mark.parametrize(
    ("error", "away"),
    [
        (OperationalError("SELECT 1", {}, Exception("database is locked")), True),
        (InterfaceError("SELECT 1", {}, Exception("connection closed")), True),
        (OSError("connection refused"), True),
        (TimeoutError(), True),
        (IntegrityError("INSERT", {}, Exception("UNIQUE")), False),
        (DataError("INSERT", {}, Exception("invalid byte sequence")), False),
        (InternalError("INSERT", {}, Exception("poisoned row")), False),
        (StatementError("encode", "INSERT", {}, UnicodeEncodeError("utf-8", "\ud800", 0, 1, "")),
         False),
    ],
)  # fmt: skip
def test_a_database_away_fails_every_row_one_refusing_a_row_does_not(
    error: Exception, away: bool
) -> None:
    assert unavailable(error) is away


async def test_the_row_the_database_refuses_is_the_only_one_refused(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], poison: None
) -> None:
    """Four messages of two participants in one batch; the second fails in the database.
    The other three are stored, in the order sent, and acknowledged; that one is refused."""
    p = await paired(sessions)
    engine = create_engine(settings.database_url)
    redis = Redis.from_url(settings.redis_url)
    sqlite = create_sync_sqlite_engine(settings.database_url) if settings.is_sqlite else None
    res = Resources(
        context(settings, FixedClock(f.T0)), engine, session_factory(engine), redis,
        Effects(RedisPublisher(redis)), {},
    )  # fmt: skip
    writer = Writer(res, Hub(settings.redis_url), sqlite)
    posts = [
        Post(p.discussion, p.a, "a-1", "first"),
        Post(p.discussion, p.b, "b-1", POISON),
        Post(p.discussion, p.a, "a-2", "second"),
        Post(p.discussion, p.b, "b-2", "third"),
    ]
    futures = [writer.submit(post) for post in posts]  # queued before the writer runs: one batch
    running = asyncio.create_task(writer.run())
    try:
        results: list[Stored] = await asyncio.wait_for(asyncio.gather(*futures), 10)
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        await redis.aclose()
        await engine.dispose()
        if sqlite is not None:
            sqlite.dispose()
    assert [r.error for r in results] == [None, "refused", None, None]
    assert [(r.frame or {}).get("seq") for r in results] == [1, None, 2, 3]
    assert all(r.new for r in results if r.frame is not None)
    assert await bodies(sessions, p.discussion) == ["first", "second", "third"]


@pytest.fixture
def batched(monkeypatch: pytest.MonkeyPatch) -> None:
    """The writer takes the first two `say`s of the test as one batch, whenever each comes."""
    held: list[tuple[Post, asyncio.Future[Stored]]] = []

    def submit(self: Writer, post: Post) -> asyncio.Future[Stored]:
        future: asyncio.Future[Stored] = asyncio.get_running_loop().create_future()
        held.append((post, future))
        if len(held) >= 2:
            for item in held[:2] if len(held) == 2 else held[-1:]:
                self.queue.put_nowait(item)
        return future

    monkeypatch.setattr(Writer, "submit", submit)


@pytest.mark.usefixtures("batched")
async def test_a_message_the_database_refuses_never_fails_the_peers_in_its_batch(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], poison: None
) -> None:
    p = await paired(sessions)
    with serve(settings) as base:
        async with client(base, settings, p.a) as a, client(base, settings, p.b) as b:
            await a.join(p.discussion)
            await b.join(p.discussion)
            await a.say(p.discussion, "a-bad", POISON)
            await b.say(p.discussion, "b-good", "a good message")
            ack = await b.expect("message")
            assert (ack["client_msg_id"], ack["seq"]) == ("b-good", 1)
            seen = await answers(a)
            assert (seen["error"]["code"], seen["error"]["client_msg_id"]) == ("refused", "a-bad")
            assert seen["message"] == ack
            for socket in (a, b):  # both still open
                await socket.send(type="ping")
                assert await socket.expect("pong") == {"type": "pong"}
            await a.say(p.discussion, "a-again", "better")
            assert (await a.expect("message"))["seq"] == 2
    assert await bodies(sessions, p.discussion) == ["a good message", "better"]


@pytest.mark.parametrize("bad", ["lone \ud800 surrogate", "a NUL \x00 character"])
async def test_text_no_database_stores_is_refused_before_the_batch(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], bad: str
) -> None:
    """A lone surrogate or NUL is `bad_frame` at once; the peer's message sent at the
    same moment is stored and acknowledged, and both sockets stay open."""
    p = await paired(sessions)
    with serve(settings) as base:
        async with client(base, settings, p.a) as a, client(base, settings, p.b) as b:
            await a.join(p.discussion)
            await b.join(p.discussion)
            await asyncio.gather(
                a.say(p.discussion, "a-bad", bad), b.say(p.discussion, "b-good", "fine")
            )
            seen = await answers(a)
            assert (seen["error"]["code"], seen["error"]["client_msg_id"]) == ("bad_frame", "a-bad")
            assert "`body`" in seen["error"]["message"]
            assert seen["message"]["client_msg_id"] == "b-good"
            assert (await b.expect("message"))["client_msg_id"] == "b-good"
            for socket in (a, b):
                await socket.send(type="ping")
                assert await socket.expect("pong") == {"type": "pong"}
    assert await bodies(sessions, p.discussion) == ["fine"]
