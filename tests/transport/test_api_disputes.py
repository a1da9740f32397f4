"""A dispute and its decision over HTTP, served by uvicorn, with the frames both
participants' sockets receive (DOMAIN.md rule 3, API.md validation and decision)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from peercet.core.clock import FixedClock
from peercet.core.settings import Settings
from tests.support import factories as f
from tests.support.factories import paired, someone
from tests.support.live import client, serve
from tests.transport.test_api_discussions import chat, http

CLOCK = FixedClock(f.T0 + timedelta(days=1))
BLAME = {"peer_took_part": False, "reason": "Bob pasted the same line on both prompts"}


async def test_a_dispute_needs_a_reason_naming_the_field(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    p = await paired(sessions)
    await chat(sessions, p)
    url = f"/api/discussions/{p.discussion}/validation"
    with serve(settings, CLOCK) as base:
        async with http(base, settings, p.a, CLOCK) as api:
            for body in (
                {"peer_took_part": False, "reflection": "He said nothing"},
                {"peer_took_part": False, "reason": "   "},  # blank is missing
                {"peer_took_part": False, "reason": ["a list"]},
            ):
                refused = await api.post(url, json=body)
                assert refused.status_code == 400, body
                assert "`reason`" in refused.json()["error"]["message"]
            view = (await api.get(f"/api/discussions/{p.discussion}")).json()
            assert view["state"] == "open" and view["dispute"] is None


async def test_a_dispute_and_an_award_reach_both_participants(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    p = await paired(sessions)
    await chat(sessions, p)
    mod = await someone(sessions, "moderator")
    did = p.discussion
    decision = f"/api/moderation/discussions/{did}/decision"
    with serve(settings, CLOCK) as base:
        async with (
            http(base, settings, p.a, CLOCK) as api_a,
            http(base, settings, p.b, CLOCK) as api_b,
            http(base, settings, mod, CLOCK) as api_m,
            client(base, settings, p.a, clock=CLOCK) as a,
            client(base, settings, p.b, clock=CLOCK) as b,
        ):
            await a.join(did, after=4)
            await b.join(did, after=4)
            disputed = await api_a.post(f"/api/discussions/{did}/validation", json=BLAME)
            assert disputed.status_code == 200, disputed.text
            view = disputed.json()
            assert (view["state"], view["dispute"]["by"], view["dispute"]["decision"]) == (
                "disputed", p.a, None,
            )  # fmt: skip
            assert "reason" not in view["dispute"]  # the disputer's reason is for moderators
            assert (await a.expect("validation"))["state"] == "disputed"
            assert (await a.expect("completion"))["completion"]["state"] == "seeking_peer"
            assert (await b.expect("validation"))["state"] == "disputed"

            waiting = (await api_m.get("/api/moderation/discussions?state=disputed")).json()
            assert [d["id"] for d in waiting["discussions"]] == [did]
            detail = (await api_m.get(f"/api/moderation/discussions/{did}")).json()
            assert detail["disputes"][0]["reason"] == BLAME["reason"]
            assert (
                await api_a.post(decision, json={"award": True, "reason": "x"})
            ).status_code == 403
            early = await api_m.post(decision, json={"award": True, "reason": "He did"})
            assert (early.status_code, early.json()["error"]["code"]) == (409, "not_taken_part")
            confirm = {"peer_took_part": True, "reflection": "We covered both prompts"}
            still = await api_b.post(f"/api/discussions/{did}/validation", json=confirm)
            assert still.status_code == 200 and still.json()["state"] == "disputed"
            for bad in (
                {"award": "yes", "reason": "x"},
                {"award": True},
                {"award": True, "reason": ""},
            ):
                assert (await api_m.post(decision, json=bad)).status_code == 400, bad

            awarded = await api_m.post(decision, json={"award": True, "reason": "Bob took part"})
            assert awarded.status_code == 200, awarded.text
            assert (awarded.json()["state"], awarded.json()["closed_reason"]) == (
                "closed", "dispute_awarded",
            )  # fmt: skip
            await b.expect("validation")  # B's own confirmation, then the decision
            closed = await b.expect("validation")
            assert (closed["state"], closed["closed_reason"]) == ("closed", "dispute_awarded")
            done = (await b.expect("completion"))["completion"]
            assert (done["state"], done["points"]["interactive"]) == ("completed_interactive", 1)
            await a.expect("validation")
            assert (await a.expect("validation"))["closed_reason"] == "dispute_awarded"

            again = await api_m.post(decision, json={"award": False, "reason": "second look"})
            assert (again.status_code, again.json()["error"]["code"]) == (409, "already_decided")
            seen = (await api_b.get(f"/api/discussions/{did}")).json()["dispute"]["decision"]
            assert (seen["award"], seen["reason"]) == (True, "Bob took part")
            certificate = await api_b.get(f"/api/completions/{done['id']}/certificate")
            assert certificate.headers["content-type"] == "application/pdf"
            [entry, *_] = (await api_m.get("/api/moderation/audit")).json()["entries"]
            assert (entry["action"], entry["reason"]) == ("dispute_award", "Bob took part")
            notes = (await api_a.get("/api/me")).json()["notifications"]
            assert any("Bob took part" in n["body"] for n in notes)
