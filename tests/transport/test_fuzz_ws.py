"""Hostile frames to /ws (issue 17, "Done when"): after every bad frame the socket is
still open (a ping gets its pong), and a well-behaved peer chatting at the same time
has every message stored, acknowledged and delivered. Both databases, a real Redis,
uvicorn really serving.

Each example pairs two new registrants, so no budget or state carries over between
examples; `derandomize=True` makes the frames the same on every run.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from websockets.exceptions import ConnectionClosed

from peercet.core.db import create_engine, session_factory
from peercet.core.settings import Settings
from peercet.core.tables import Message
from tests.support import hostile
from tests.support.factories import paired
from tests.support.live import Client, client, serve

FUZZ = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# Frames the transport does not survive yet, each tried on its own below as xfail and
# left out of the random fuzz until it passes. Empty: discussion/frames.py caps nesting
# and refuses NUL and lone surrogates, and the writer isolates a row the database refuses.
PENDING: list[str] = []
SETTLED = [f for f in hostile.RAW_FRAMES if f not in PENDING]
FRAMES = st.lists(hostile.ws_frames(range(1, 60), SETTLED), min_size=1, max_size=6)


async def until_pong(ws: Client, after: str) -> list[dict[str, Any]]:
    """The frames before the pong that answers our ping; the socket must still be open."""
    await ws.send(type="ping")
    got = []
    try:
        while (frame := await ws.recv()) != {"type": "pong"}:
            got.append(frame)
    except ConnectionClosed as closed:
        raise AssertionError(f"the socket closed ({closed.rcvd}) after {after[:200]!r}") from None
    return got


async def messages_until(ws: Client, cmids: set[str], author: int) -> None:
    """Read `ws` until it has had `author`'s message for each of `cmids`."""
    missing = set(cmids)
    while missing:
        frame = await ws.recv()
        assert frame["type"] != "error" or frame.get("client_msg_id") not in missing, frame
        if frame["type"] == "message" and frame["author"] == author:
            missing.discard(frame["client_msg_id"])


async def stored(settings: Settings, discussion: int, author: int) -> set[str]:
    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            rows = await session.scalars(
                select(Message.client_msg_id).where(
                    Message.discussion_id == discussion, Message.author_id == author
                )
            )
            return {r for r in rows if r is not None}
    finally:
        await engine.dispose()


async def exchange(
    base: str, settings: Settings, frames: list[hostile.Frame], figures: Counter[str]
) -> None:
    engine = create_engine(settings.database_url)
    try:
        p = await paired(session_factory(engine))
    finally:
        await engine.dispose()
    said: set[str] = set()
    async with (
        client(base, settings, p.a) as attacker,
        client(base, settings, p.a) as watcher,  # the attacker's other tab, well-behaved
        client(base, settings, p.b) as peer,
    ):
        for ws in (attacker, watcher, peer):
            await ws.join(p.discussion)
        for i, fuzzed in enumerate(frames):
            real = str(p.discussion)
            frame = fuzzed.text.replace('"DISCUSSION"', real).replace("DISCUSSION", real)
            await attacker.conn.send(frame)
            said.add(f"peer-{i}")
            await peer.say(p.discussion, f"peer-{i}", f"Message {i}", p.prompts[0])
            errors = [f for f in await until_pong(attacker, frame) if f["type"] == "error"]
            figures["frames"] += 1
            figures["error frames"] += len(errors)
        await asyncio.wait_for(messages_until(peer, said, p.b), 10)
        await asyncio.wait_for(messages_until(watcher, said, p.b), 10)
    assert await stored(settings, p.discussion, p.b) == said
    figures["peer messages"] += len(said)


def test_the_socket_survives_hostile_frames_and_the_peer_keeps_chatting(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    figures: Counter[str] = Counter()
    with serve(settings) as base:

        @FUZZ
        @given(FRAMES)
        @example([hostile.Frame(f) for f in SETTLED])  # each of them, every run
        def fuzz(frames: list[hostile.Frame]) -> None:
            asyncio.run(exchange(base, settings, frames, figures))

        fuzz()
    with capsys.disabled():
        backend = settings.database_url.split(":")[0]
        print(f"\nfuzz /ws [{backend}]: {json.dumps(dict(figures))}, sockets dropped: 0")


@pytest.mark.parametrize(
    "frame",
    [
        pytest.param(f, id=f"raw{i}", marks=[pytest.mark.xfail(
            reason="the ws helper's part of issue 17 (discussion/frames.py, web/ws/endpoint.py)",
            strict=False,  # a bad row fails its batch only when the peer's message shares it
        )] if f in PENDING else [])
        for i, f in enumerate(hostile.RAW_FRAMES)
    ],
)  # fmt: skip
def test_each_raw_frame_alone(settings: Settings, frame: str) -> None:
    with serve(settings) as base:
        asyncio.run(exchange(base, settings, [hostile.Frame(frame)], Counter()))
