"""The discussion endpoints, served by uvicorn, with the events they push to sockets."""

from __future__ import annotations

from datetime import timedelta

import httpx2
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from discussion.actions import Post, store_messages
from peercet.core.clock import Clock, FixedClock
from peercet.core.settings import Settings
from tests.support import factories as f
from tests.support.factories import Pair, paired
from tests.support.live import HTTP_TIMEOUT, client, cookie, serve


def http(base: str, settings: Settings, rid: int, clock: Clock | None = None) -> httpx2.AsyncClient:
    return httpx2.AsyncClient(
        base_url=base, headers={"Cookie": cookie(settings, rid, clock)}, timeout=HTTP_TIMEOUT
    )


async def chat(sessions: async_sessionmaker[AsyncSession], p: Pair, n: int = 0) -> None:
    posts = [Post(p.discussion, p.a, f"m{i}", f"message {i}") for i in range(n)]
    posts += [Post(p.discussion, r, f"{r}-{q}", "on it", q) for r in (p.a, p.b) for q in p.prompts]
    async with sessions() as session, session.begin():
        await store_messages(session, posts, f.T0)


async def test_the_discussion_and_its_messages(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    p = await paired(sessions)
    await chat(sessions, p, 150)
    with serve(settings) as base:
        async with http(base, settings, p.a) as api:
            view = (await api.get(f"/api/discussions/{p.discussion}")).json()
            assert view["state"] == "open" and view["last_seq"] == 154
            assert [x["text"] for x in view["prompts"]] == ["Prompt 0?", "Prompt 1?"]
            people = {x["id"]: x for x in view["participants"]}
            assert people[p.b]["profession"] == "dispensing_optician"
            assert people[p.a]["took_part"] and people[p.b]["took_part"]
            page = (await api.get(f"/api/discussions/{p.discussion}/messages")).json()
            assert [m["seq"] for m in page["messages"]] == list(range(1, 101))
            url = f"/api/discussions/{p.discussion}/messages?after=140&limit=5"
            assert [m["seq"] for m in (await api.get(url)).json()["messages"]] == list(
                range(141, 146)
            )
            url = f"/api/discussions/{p.discussion}/messages?limit=100000"
            assert len((await api.get(url)).json()["messages"]) == 154  # capped at 500
            assert (await api.get("/api/discussions/999999")).status_code == 404
            report = await api.post(
                f"/api/discussions/{p.discussion}/reports", json={"reason": "rude", "seq": 3}
            )
            assert report.status_code == 201
            assert (await api.get(f"/discussions/{p.discussion}")).status_code == 200


async def test_dual_validation_over_http_pushes_validation_and_completion(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    p = await paired(sessions)
    url = f"/api/discussions/{p.discussion}/validation"
    body = {"peer_took_part": True, "reflection": "Useful."}
    clock = FixedClock(f.T0 + timedelta(days=1))
    with serve(settings, clock) as base:
        async with (
            http(base, settings, p.a, clock) as api_a,
            http(base, settings, p.b, clock) as api_b,
        ):
            early = await api_a.post(url, json=body)
            assert early.status_code == 409
            assert early.json()["error"]["code"] == "not_taken_part"
            assert (await api_a.post(url, json={"peer_took_part": "yes"})).status_code == 400
            await chat(sessions, p)
            async with client(base, settings, p.a, clock=clock) as a:
                await a.join(p.discussion, after=4)
                first = await api_a.post(url, json=body)
                assert first.status_code == 200 and first.json()["state"] == "open"
                event = await a.expect("validation")
                assert [v["registrant_id"] for v in event["validations"]] == [p.a]
                second = await api_b.post(url, json=body)
                assert second.status_code == 200 and second.json()["state"] == "completed"
                assert (await a.expect("validation"))["state"] == "completed"
                done = await a.expect("completion")
                assert done["completion"]["state"] == "completed_interactive"
                assert done["completion"]["points"]["interactive"] == 1
                await a.say(p.discussion, "after", "too late")
                assert (await a.expect("error"))["code"] == "discussion_closed"


async def test_reports_are_limited_per_registrant_per_hour(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """10 reports in any hour (peercet.core.quota.REPORTS); a refused or failed report does
    not count; the limit is the reporter's alone; an hour after the first, a place frees."""
    p = await paired(sessions)
    clock = FixedClock(f.T0 + timedelta(days=1))
    url = f"/api/discussions/{p.discussion}/reports"
    with serve(settings, clock) as base:
        async with http(base, settings, p.a, clock) as a, http(base, settings, p.b, clock) as b:
            for i in range(10):
                unknown = await a.post(url, json={"reason": "which?", "seq": 999})
                assert unknown.status_code == 400  # filed nothing: does not count
                assert (await a.post(url, json={"reason": f"report {i}"})).status_code == 201
                clock.advance(timedelta(minutes=5))  # the tenth at 45 minutes
            refused = await a.post(url, json={"reason": "one more"})  # at 50 minutes
            assert refused.status_code == 429
            assert refused.json()["error"]["code"] == "rate_limited"
            assert refused.headers["retry-after"] == "600"
            assert (await b.post(url, json={"reason": "the peer's own"})).status_code == 201
            clock.advance(timedelta(minutes=10))  # an hour after the first
            assert (await a.post(url, json={"reason": "next hour"})).status_code == 201
            again = await a.post(url, json={"reason": "and another"})
            assert again.status_code == 429 and again.headers["retry-after"] == "300"
