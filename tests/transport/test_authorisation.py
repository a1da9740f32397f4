"""Every endpoint of API.md (and the /ws handshake), as four people: anonymous, the
owner (a participant of the discussion, owner of the completions), another registrant,
and a moderator. Each answer is checked against the contract: 401 not signed in, 403
not yours (or moderators only), 404 unknown (or not yours, where saying it exists
would leak), 2xx otherwise; a refusal never carries the owner's data; a moderator
neither posts nor validates as a registrant."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from discussion.actions import Post, report, store_messages
from matching.invitations import parse_target
from peercet.core.clock import FixedClock
from peercet.core.settings import Settings
from peercet.core.tables import Registrant
from tests.support import factories as f
from tests.support.live import cookie
from tests.support.web_helpers import app_client, run_db

ANON, OWNER, OTHER, MOD = "anonymous", "owner", "other", "moderator"
RUN_ORDER = (ANON, OTHER, MOD, OWNER)  # refusals first: the owner's success may change state
CLOCK = FixedClock(f.T0)
_emails = itertools.count(1)


@dataclass
class World:
    ids: dict[str, int]  # registrant id per role (no anonymous)
    email: str  # the owner's
    owner_name: str
    fmt: dict[str, Any]  # what the paths name: discussion, completion, course, ...


async def _seed(session: AsyncSession) -> World:
    course = await f.course(session, prompts=["Only prompt?"])
    other_course = await f.course(session)
    mine, peers, discussion = await f.pair(session, course)
    owner = await session.get_one(Registrant, mine.registrant_id)
    other = await f.registrant(session, name="Olive Other")
    moderator = await f.registrant(session, role="moderator", name="Maud Moderator")
    await f.completion(session, other, course)
    seeking = await f.waiting(session, owner, other_course)
    invitation, _ = await f.invitation(
        session, seeking, parse_target({"email": "friend@example.test"})
    )
    post = Post(discussion, peers.registrant_id, "m1", "a word from the peer")
    await store_messages(session, [post], f.T0)
    flagged = await report(session, peers.registrant_id, discussion, "rude", 1, f.T0)
    return World(
        ids={OWNER: owner.id, OTHER: other.id, MOD: moderator.id},
        email=owner.email,
        owner_name=owner.name,
        fmt={
            "discussion": discussion, "completion": mine.id, "seeking": seeking.id,
            "invitation": invitation.id, "report": flagged.id, "course": course.ref,
        },
    )  # fmt: skip


Body = dict[str, Any] | Callable[[str], dict[str, Any]] | None


@dataclass(frozen=True)
class Case:
    method: str
    path: str
    expect: tuple[int, int, int, int]  # anonymous, owner, other, moderator
    body: Body = None


def new_account(role: str) -> dict[str, Any]:
    n = next(_emails)  # one account per email and per GOC number
    return {
        "email": f"new-{role}-{n}@example.test", "password": f.PASSWORD,
        "name": "New Person", "goc_number": f"05-{n:06d}", "profession": "optometrist",
    }  # fmt: skip


D = "/api/discussions/{discussion}"
C = "/api/completions/{completion}"
M = "/api/moderation"
REPLY = {"peer_took_part": True, "reflection": "We both did"}
VOID = {"outcome": "void", "reason": "testing"}
AWARD = {"award": True, "reason": "read the transcript"}
FIX = {"goc_number": "01-1234", "reason": "as on the register"}
RV = {"reason": "issued in error"}  # a revocation
CASES = [
    Case("GET", "/healthz", (200, 200, 200, 200)),
    # Registrants and session
    Case("POST", "/api/registrants", (201, 201, 201, 201), new_account),
    Case("POST", "/api/session", (401, 401, 401, 401), {"password": "wrong-password"}),
    Case("POST", "/api/session", (200, 200, 200, 200), {"password": f.PASSWORD}),
    Case("GET", "/api/me", (401, 200, 200, 200)),
    Case("GET", "/api/me/record", (401, 200, 200, 200)),
    Case("GET", "/api/me/record?format=pdf", (401, 200, 200, 200)),
    Case("GET", "/api/me/cycle", (401, 200, 200, 200)),
    # Catalogue and exams
    Case("GET", "/api/courses", (200, 200, 200, 200)),
    Case("GET", "/api/courses/{course}", (200, 200, 200, 200)),
    Case("GET", "/api/courses/C-00000", (404, 404, 404, 404)),
    Case("POST", "/api/courses/{course}/attempts", (401, 201, 201, 201), {"answers": {}}),
    # Completions: someone else's is unknown to you (404), whoever you are
    Case("GET", "/api/completions", (401, 200, 200, 200)),
    Case("GET", C, (401, 200, 404, 404)),
    Case("GET", "/api/completions/999999", (401, 404, 404, 404)),
    Case("POST", f"{C}/choice", (401, 200, 404, 404), {"mode": "interactive"}),
    Case("GET", f"{C}/certificate", (401, 409, 404, 404)),
    # Invitations and waiting: someone else's completion is "not found", as above
    Case("POST", f"{C}/invitations", (401, 409, 404, 404), {"email": "x@example.test"}),
    Case("GET", "/api/completions/{seeking}/waiting", (401, 200, 404, 404)),
    Case("DELETE", "/api/completions/{seeking}/invitations/{invitation}", (401, 204, 404, 404)),
    Case("GET", "/api/notifications", (401, 200, 200, 200)),
    # Discussions: a moderator reads, never validates; may file a report (a note to colleagues)
    Case("GET", D, (401, 200, 403, 200)),
    Case("GET", f"{D}/messages", (401, 200, 403, 200)),
    Case("GET", "/api/discussions/999999", (401, 404, 404, 404)),
    Case("POST", f"{D}/validation", (401, 409, 403, 403), REPLY),
    Case("POST", f"{D}/reports", (401, 201, 403, 201), {"reason": "spam", "seq": 1}),
    # Moderation: moderators only
    Case("GET", f"{M}/discussions", (401, 403, 403, 200)),
    Case("GET", f"{M}/discussions?state=open&reported=true", (401, 403, 403, 200)),
    Case("GET", f"{M}/discussions/{{discussion}}", (401, 403, 403, 200)),
    Case("GET", f"{M}/discussions/999999", (401, 403, 403, 404)),
    Case("GET", f"{M}/at-risk", (401, 403, 403, 200)),
    Case("GET", f"{M}/audit", (401, 403, 403, 200)),
    Case("GET", f"{M}/cycle", (401, 403, 403, 200)),
    Case("POST", f"{M}/discussions/{{discussion}}/notices", (401, 403, 403, 201), {"body": "Hi"}),
    Case("POST", f"{M}/reports/{{report}}/resolve", (401, 403, 403, 200), {"outcome": "ok"}),
    # (the completion is in its discussion: it has no certificate to revoke yet)
    Case("POST", f"{M}/completions/{{completion}}/certificate/revoke", (401, 403, 403, 409), RV),
    # (the discussion is open, not disputed: a moderator's decision is 409 not_disputed)
    Case("POST", f"{M}/discussions/{{discussion}}/decision", (401, 403, 403, 409), AWARD),
    Case("POST", f"{M}/discussions/{{discussion}}/close", (401, 403, 403, 200), VOID),
    Case("GET", f"{M}/registrants?q=person", (401, 403, 403, 200)),
    Case("PATCH", f"{M}/registrants/999999", (401, 403, 403, 404), FIX),
    Case("POST", f"{M}/registrants/999999/disable", (401, 403, 403, 404), {"reason": "x"}),
    # Last: signing out ends every session of the account, these cookies included
    Case("DELETE", "/api/session", (204, 204, 204, 204)),
    Case("GET", "/api/me", (401, 401, 401, 401)),
]


@pytest.fixture
def world(settings: Settings) -> World:
    return run_db(settings.database_url, _seed)


@pytest.fixture
def client(settings: Settings, world: World) -> Iterator[TestClient]:
    with app_client(settings, CLOCK) as client:
        yield client


def call(client: TestClient, settings: Settings, world: World, case: Case, role: str) -> Any:
    client.cookies.clear()  # each call stands alone: only the cookie given here counts
    headers = {} if role == ANON else {"Cookie": cookie(settings, world.ids[role], CLOCK)}
    body = case.body(role) if callable(case.body) else case.body
    if case.path == "/api/session" and body is not None:
        body = {"email": world.email, **body}
    path = case.path.format(**world.fmt)
    return client.request(case.method, path, json=body, headers=headers)


def check(client: TestClient, settings: Settings, world: World, case: Case) -> list[str]:
    """What is wrong with one row of the table (nothing, one hopes)."""
    expected = dict(zip((ANON, OWNER, OTHER, MOD), case.expect, strict=True))
    got = {role: call(client, settings, world, case, role) for role in RUN_ORDER}
    wrong = [
        f"{case.method} {case.path} as {role}: {got[role].status_code}, expected {status}"
        for role, status in expected.items()
        if got[role].status_code != status
    ]
    for role, response in got.items():
        if response.status_code >= 400 and (
            set(response.json()) != {"error"} or world.owner_name in response.text
        ):
            wrong.append(f"{case.method} {case.path} as {role}: refusal says {response.text}")
        listing = case.path in ("/api/completions", "/api/notifications")
        if role == OTHER and listing and str(world.fmt["completion"]) in _ids(response.json()):
            wrong.append(f"{case.path}: the other registrant sees the owner's")
    return wrong


def test_each_endpoint_for_each_role(client: TestClient, settings: Settings, world: World) -> None:
    """One app and one world for the whole table (in order: closing the room, then signing
    out, come last)."""
    wrong = [problem for case in CASES for problem in check(client, settings, world, case)]
    assert wrong == []


def _ids(data: dict[str, Any]) -> set[str]:
    lists = [v for v in data.values() if isinstance(v, list)]
    return {str(item.get("id")) for items in lists for item in items}


def test_the_table_covers_every_endpoint_of_the_contract() -> None:
    documented = {
        ("POST", "/api/registrants"), ("POST", "/api/session"), ("DELETE", "/api/session"),
        ("GET", "/api/me"), ("GET", "/api/me/record"),
        ("GET", "/api/courses"), ("GET", "/api/courses/{course}"),
        ("POST", "/api/courses/{course}/attempts"), ("GET", "/api/completions"),
        ("GET", C), ("POST", f"{C}/choice"), ("GET", f"{C}/certificate"),
        ("POST", f"{C}/invitations"),
        ("DELETE", "/api/completions/{seeking}/invitations/{invitation}"),
        ("GET", D), ("GET", f"{D}/messages"), ("POST", f"{D}/validation"),
        ("POST", f"{D}/reports"), ("GET", f"{M}/discussions"),
        ("GET", f"{M}/discussions/{{discussion}}"),
        ("POST", f"{M}/discussions/{{discussion}}/notices"),
        ("POST", f"{M}/discussions/{{discussion}}/close"), ("GET", f"{M}/at-risk"),
        ("POST", f"{M}/discussions/{{discussion}}/decision"),
        ("GET", f"{M}/audit"), ("GET", "/healthz"),
    }  # fmt: skip
    assert documented <= {(c.method, c.path) for c in CASES}


def test_a_notice_is_the_moderators_never_a_participants(
    client: TestClient, settings: Settings, world: World
) -> None:
    notice = Case("POST", f"{M}/discussions/{{discussion}}/notices", (0, 0, 0, 0), {"body": "Hi"})
    frame = call(client, settings, world, notice, MOD).json()
    assert (frame["kind"], frame["author"]) == ("notice", world.ids[MOD])


def _ws(client: TestClient, settings: Settings, world: World, role: str) -> Any:
    client.cookies.clear()
    headers = {} if role == ANON else {"Cookie": cookie(settings, world.ids[role], CLOCK)}
    return client.websocket_connect("/ws", headers=headers)


def test_the_websocket_handshake_and_joining(
    client: TestClient, settings: Settings, world: World
) -> None:
    with pytest.raises(WebSocketDisconnect) as refused, _ws(client, settings, world, ANON):
        pass
    assert refused.value.code == 1008
    did = world.fmt["discussion"]
    say = {"type": "say", "discussion": did, "client_msg_id": "c1", "body": "as you"}
    for role, joins in ((OTHER, False), (MOD, True), (OWNER, True)):
        with _ws(client, settings, world, role) as ws:
            ws.send_json({"type": "join", "discussion": did, "after": 0})
            first = ws.receive_json()
            assert (first["type"] == "joined") is joins, (role, first)
            if role != OWNER:
                ws.send_json(say)
                while (frame := ws.receive_json())["type"] != "error":
                    pass
                assert frame["code"] == "not_participant", role
