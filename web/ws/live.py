"""Process-wide machinery behind /ws, started for the app's lifetime: the Redis fan-out
(`web.ws.hub`), the message writer (`web.ws.writer`), presence (`web.ws.presence`),
the frame limits, absent partners and socket leases, held together as `Live`.

Everything this process publishes (message batches, and the typing and presence frames
of its sockets) goes through the one publisher of `peercet.core.publish`, the app's
(`Effects.publisher`).
"""

from __future__ import annotations

import asyncio
import gc
import os
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

from peercet.core.db import create_sync_sqlite_engine
from peercet.core.publish import Publisher
from web.resources import Resources
from web.ws.absent import AbsentPartners
from web.ws.hub import Hub
from web.ws.limits import Budget, Limiter
from web.ws.presence import Presence
from web.ws.sockets import SocketLeases
from web.ws.writer import Writer

FAREWELL_TIMEOUT = 5.0  # seconds a closing socket may spend leaving its rooms


@dataclass
class Live:
    hub: Hub
    writer: Writer
    presence: Presence
    limiter: Limiter
    absent: AbsentPartners
    sockets: SocketLeases
    publisher: Publisher  # for the sockets' ephemeral frames (typing, presence)
    farewells: set[asyncio.Task[None]] = field(default_factory=set)

    def see_off(self, farewell: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        """Run a closing socket's farewell in a task of its own: a server that cancels
        the socket's handler cannot cut it short, and the shutdown waits for it."""
        task = asyncio.create_task(farewell)
        self.farewells.add(task)
        task.add_done_callback(self.farewells.discard)
        return task


@asynccontextmanager
async def serve(res: Resources) -> AsyncIterator[Live]:
    """Start the hub, the writer and the presence refresher for the app's lifetime."""
    hub = Hub(res.settings.redis_url)
    sqlite = (
        create_sync_sqlite_engine(res.settings.database_url) if res.settings.is_sqlite else None
    )
    budget = Budget(res.settings.frame_rate, res.settings.frame_burst)
    limiter = Limiter(res.redis, budget=budget)
    presence = Presence(res.redis)
    absent = AbsentPartners(res, presence)
    writer = Writer(res, hub, sqlite, absent)
    leases = SocketLeases(res.redis)
    live = Live(hub, writer, presence, limiter, absent, leases, res.effects.publisher)
    res.extras["live"] = live
    tasks = [
        asyncio.create_task(live.hub.run(), name="hub"),
        asyncio.create_task(live.writer.run(), name="writer"),
        asyncio.create_task(live.presence.refresh(), name="presence"),
        asyncio.create_task(live.sockets.run(), name="socket-leases"),
    ]
    with suppress(asyncio.TimeoutError):
        await asyncio.wait_for(live.hub.ready.wait(), 5)
    _tune_gc()
    try:
        yield live
    finally:
        if live.farewells:
            await asyncio.wait(live.farewells, timeout=FAREWELL_TIMEOUT)
        with suppress(asyncio.TimeoutError):
            await asyncio.wait_for(absent.idle(), FAREWELL_TIMEOUT)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if sqlite is not None:
            sqlite.dispose()


def _tune_gc() -> None:
    """What is alive after start-up lives for good: keep the cyclic collector off it,
    and run it less often (it caused most p99 spikes; see the benchmark notes).
    PEERCET_GC_TUNE=0 leaves the defaults, to measure the difference."""
    if os.environ.get("PEERCET_GC_TUNE", "1") == "0":
        return
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
