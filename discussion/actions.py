"""Actions: store messages (many per transaction), validate, report.

Each changes state inside a session the caller owns and returns what to publish
after the commit. `seq` is allocated under the discussion row's lock (BEGIN
IMMEDIATE on SQLite, SELECT ... FOR UPDATE on PostgreSQL), so it is gapless and
one order for everyone, whichever web process wrote it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from discussion import disputes, reads, rules
from discussion.frames import MessageRow, message_frame
from discussion.rules import Step
from discussion.wire import MessageFrame
from peercet.completions.awards import complete_interactive, notify_completed
from peercet.completions.frames import completion_delivery
from peercet.completions.lifecycle import DiscussionState
from peercet.core.context import Context
from peercet.core.errors import BadInput, Conflict, Forbidden
from peercet.core.publish import Aftermath, Delivery
from peercet.core.tables import (
    Course,
    Discussion,
    Message,
    Registrant,
    Report,
    Validation,
)

Key = tuple[int, int | None, str | None]

MESSAGES: Table = Message.__table__  # type: ignore[assignment]
DISCUSSIONS: Table = Discussion.__table__  # type: ignore[assignment]
EXISTING = select(MESSAGES).where(
    MESSAGES.c.discussion_id.in_(bindparam("ds", expanding=True)),
    MESSAGES.c.client_msg_id.in_(bindparam("cs", expanding=True)),
)


@dataclass(frozen=True)
class Post:
    """One message to store: a participant's `say` (or a moderator's notice)."""

    discussion_id: int
    author_id: int | None
    client_msg_id: str | None
    body: str
    prompt_id: int | None = None
    kind: str = "peer"

    @property
    def key(self) -> Key:
        return (self.discussion_id, self.author_id, self.client_msg_id)


@dataclass(frozen=True)
class Stored:
    """The stored message's frame; `new` is False for a repeated client_msg_id."""

    frame: MessageFrame | None
    new: bool = False
    error: str | None = None


def _existing(db: Connection, posts: Sequence[Post]) -> dict[Key, MessageRow]:
    """The messages already stored under these keys (one cached statement whatever
    the batch size; the exact match is made here)."""
    keys = {p.key for p in posts if p.client_msg_id is not None}
    if not keys:
        return {}
    rows = db.execute(
        EXISTING,
        {"ds": sorted({k[0] for k in keys}), "cs": sorted({str(k[2]) for k in keys})},
    )
    found: dict[Key, MessageRow] = {}
    for m in rows:
        key = (m.discussion_id, m.author_id, m.client_msg_id)
        if key in keys:
            found[key] = m
    return found


def _lock_open(db: Connection, ids: set[int]) -> dict[int, int]:
    """last_seq of each open discussion among `ids`, its row locked until commit."""
    rows = db.execute(
        select(DISCUSSIONS.c.id, DISCUSSIONS.c.last_seq)
        .where(DISCUSSIONS.c.id.in_(sorted(ids)), DISCUSSIONS.c.state == DiscussionState.OPEN.value)
        .order_by(DISCUSSIONS.c.id)
        .with_for_update()
    )
    return {row.id: row.last_seq for row in rows}


@dataclass
class NewMessage:
    discussion_id: int
    seq: int
    author_id: int | None
    kind: str
    body: str
    prompt_id: int | None
    client_msg_id: str | None
    sent_at: datetime
    id: int = 0


async def store_messages(
    db: AsyncSession | AsyncConnection, posts: Sequence[Post], now: datetime
) -> list[Stored]:
    """`store_batch` from async code, in the caller's transaction."""
    conn = await db.connection() if isinstance(db, AsyncSession) else db
    return await conn.run_sync(store_batch, posts, now)


def store_batch(db: Connection, posts: Sequence[Post], now: datetime) -> list[Stored]:
    """Store a batch (group commit); a repeated client_msg_id returns the stored one.

    Synchronous Core, four statements per batch whatever its size: this is the hot
    path, run in one thread hop on SQLite (see web.ws.writer.Writer)."""
    existing = _existing(db, posts)
    first_of: dict[Key, int] = {}
    fresh = [
        i
        for i, p in enumerate(posts)
        if p.key not in existing and (p.client_msg_id is None or first_of.setdefault(p.key, i) == i)
    ]
    last = _lock_open(db, {posts[i].discussion_id for i in fresh})
    made: dict[int, NewMessage] = {}
    for i in fresh:
        p = posts[i]
        if p.discussion_id in last:
            last[p.discussion_id] += 1
            made[i] = NewMessage(
                p.discussion_id, last[p.discussion_id], p.author_id, p.kind, p.body, p.prompt_id,
                p.client_msg_id, now,
            )  # fmt: skip
    _insert(db, list(made.values()))
    if last:
        db.execute(
            update(DISCUSSIONS)
            .where(DISCUSSIONS.c.id == bindparam("d"))
            .values(last_seq=bindparam("s"), last_message_at=bindparam("at")),
            [{"d": d, "s": s, "at": now} for d, s in last.items()],
        )
    return [_result(i, p, existing, first_of, made) for i, p in enumerate(posts)]


def _insert(db: Connection, messages: list[NewMessage]) -> None:
    if not messages:
        return
    rows = [{k: v for k, v in vars(m).items() if k != "id"} for m in messages]
    ids = db.scalars(insert(MESSAGES).returning(MESSAGES.c.id, sort_by_parameter_order=True), rows)
    for message, message_id in zip(messages, ids, strict=True):
        message.id = message_id


def _result(
    i: int, post: Post, existing: dict[Key, MessageRow], first_of: dict[Key, int],
    made: dict[int, NewMessage],
) -> Stored:  # fmt: skip
    if post.key in existing:
        return Stored(message_frame(existing[post.key]))
    if i in made:
        return Stored(message_frame(made[i]), new=True)
    first = first_of.get(post.key, i)
    if first != i and first in made:
        return Stored(message_frame(made[first]))
    return Stored(None, error="discussion_closed")


def message_deliveries(stored: Sequence[Stored]) -> list[Delivery]:
    """New messages as deliveries on their discussion's channel (a notice, say); the
    writer's batches go out as the publisher's `fan_out` (web.ws.writer)."""
    return [
        Delivery(s.frame, discussion_id=s.frame["discussion"])
        for s in stored
        if s.new and s.frame is not None
    ]


async def validate(
    session: AsyncSession, registrant_id: int, discussion_id: int, peer_took_part: bool,
    reflection: str, now: datetime, ctx: Context, reason: str = "",
) -> Aftermath:  # fmt: skip
    """Record one validation: the second confirmation completes both completions; "my
    peer did not take part", with a reason, is a dispute (`discussion.disputes`).

    Locks the completions before the discussion, in the order a deadline's fallback
    takes them, so the two never deadlock and the loser sees the winner's result."""
    if not peer_took_part and not reason.strip():
        raise BadInput("`reason` is required when peer_took_part is false", "reason_required")
    people = await disputes.participants(session, discussion_id)
    if registrant_id not in people:
        raise Forbidden("this is not your discussion", "not_participant")
    discussion = await disputes.lock(session, people, discussion_id)
    rows = await session.execute(
        select(Validation.registrant_id, Validation.peer_took_part).where(
            Validation.discussion_id == discussion_id
        )
    )
    given = {row.registrant_id: row.peer_took_part for row in rows}
    took = await reads.taking_part(session, discussion_id)
    validated = set(given)
    check = rules.check_validation(discussion.state, registrant_id, took, validated, peer_took_part)
    if check.code is not None:
        raise Conflict(check.message, check.code)
    [peer] = [rid for rid in people if rid != registrant_id]
    step = rules.after_validation(discussion.state, peer_took_part, given.get(peer))
    session.add(
        Validation(
            discussion_id=discussion_id, registrant_id=registrant_id,
            peer_took_part=peer_took_part, reflection=reflection, at=now,
        )
    )  # fmt: skip
    await session.flush()
    aftermath = await _take(
        session, step, discussion, registrant_id, people, reason.strip(), now, ctx
    )
    aftermath.deliveries.insert(0, await disputes.validation_delivery(session, discussion_id))
    return aftermath


async def _take(
    session: AsyncSession, step: Step, discussion: Discussion, registrant_id: int,
    people: dict[int, int], reason: str, now: datetime, ctx: Context,
) -> Aftermath:  # fmt: skip
    """What the validation does beyond being recorded (rules.after_validation)."""
    if step is Step.DISPUTE:
        return await disputes.open_dispute(
            session, discussion, registrant_id, people, reason, now, ctx.links
        )
    if step is Step.CLOSE:
        return await disputes.dispute_back(
            session, discussion, registrant_id, reason, now, ctx.links
        )
    aftermath = Aftermath()
    if step is Step.COMPLETE:
        await _complete(session, discussion, list(people.values()), now, ctx, aftermath)
    return aftermath


async def _complete(
    session: AsyncSession, discussion: Discussion, completion_ids: list[int], now: datetime,
    ctx: Context, aftermath: Aftermath,
) -> None:  # fmt: skip
    completed = await complete_interactive(session, completion_ids, now)
    await session.execute(
        update(Discussion)
        .where(Discussion.id == discussion.id)
        .values(state=DiscussionState.COMPLETED.value, closed_at=now, closed_reason="validated")
    )
    course = await session.get_one(Course, discussion.course_id)
    for completion, award in completed:
        registrant = await session.get_one(Registrant, completion.registrant_id)
        await notify_completed(session, registrant, completion, course, now, ctx)
        aftermath.deliveries.append(completion_delivery(completion, course, award))


async def report(
    session: AsyncSession, reporter: int, discussion_id: int, reason: str, seq: int | None,
    now: datetime,
) -> Report:  # fmt: skip
    if seq is not None:
        last = await session.scalar(
            select(Discussion.last_seq).where(Discussion.id == discussion_id)
        )
        if not 0 < seq <= (last or 0):
            raise BadInput(f"there is no message {seq} in this discussion", "unknown_message")
    row = Report(
        discussion_id=discussion_id, reporter_id=reporter, seq=seq, reason=reason, created_at=now
    )
    session.add(row)
    await session.flush()
    return row
