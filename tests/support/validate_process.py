"""Run as a separate process by test_concurrency: validates pairs as fast as it can."""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import datetime

from peercet.completions.awards import complete_interactive
from peercet.core.db import create_engine, session_factory
from peercet.core.errors import Conflict


async def main(url: str, pairs: list[list[int]], now: datetime) -> int:
    engine = create_engine(url)
    sessions = session_factory(engine)
    won = 0
    for pair in pairs:
        try:
            async with sessions() as session, session.begin():
                await complete_interactive(session, pair, now)
            won += 1
        except Conflict:
            pass
    await engine.dispose()
    return won


if __name__ == "__main__":
    url, pairs, now = sys.argv[1], json.loads(sys.argv[2]), datetime.fromisoformat(sys.argv[3])
    print(json.dumps({"validated": asyncio.run(main(url, pairs, now))}))
