"""The live discussion (discussion/): its prompts, participants, messages, validations,
reports and disputes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from peercet.core.tables.base import Base, owned_by


class Discussion(Base):
    __tablename__ = "discussions"
    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = owned_by("courses.id")
    state: Mapped[str] = mapped_column(String(20), default="open", index=True)
    closed_reason: Mapped[str | None] = mapped_column(String(40), default=None)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    last_message_at: Mapped[datetime | None] = mapped_column(default=None)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)


class DiscussionPrompt(Base):
    __tablename__ = "discussion_prompts"
    id: Mapped[int] = mapped_column(primary_key=True)
    discussion_id: Mapped[int] = owned_by("discussions.id", index=True)
    position: Mapped[int]
    text: Mapped[str] = mapped_column(Text)


class Participant(Base):
    __tablename__ = "discussion_participants"
    discussion_id: Mapped[int] = owned_by("discussions.id", primary_key=True)
    registrant_id: Mapped[int] = owned_by("registrants.id", primary_key=True, index=True)
    completion_id: Mapped[int] = owned_by("completions.id")


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("discussion_id", "seq"),
        UniqueConstraint("discussion_id", "author_id", "client_msg_id", name="uq_messages_client"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    discussion_id: Mapped[int] = owned_by("discussions.id")
    seq: Mapped[int]
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("registrants.id", ondelete="SET NULL"), default=None
    )
    kind: Mapped[str] = mapped_column(String(10), default="peer")
    body: Mapped[str] = mapped_column(Text)
    prompt_id: Mapped[int | None] = mapped_column(
        ForeignKey("discussion_prompts.id", ondelete="SET NULL"), default=None
    )
    client_msg_id: Mapped[str | None] = mapped_column(String(64), default=None)
    sent_at: Mapped[datetime]


class Validation(Base):
    __tablename__ = "validations"
    __table_args__ = (UniqueConstraint("discussion_id", "registrant_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    discussion_id: Mapped[int] = owned_by("discussions.id")
    registrant_id: Mapped[int] = owned_by("registrants.id")
    peer_took_part: Mapped[bool]
    reflection: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime]


class Report(Base):
    __tablename__ = "reports"
    id: Mapped[int] = mapped_column(primary_key=True)
    discussion_id: Mapped[int] = owned_by("discussions.id", index=True)
    reporter_id: Mapped[int] = owned_by("registrants.id")
    seq: Mapped[int | None] = mapped_column(default=None)
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None] = mapped_column(default=None)
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("registrants.id"), default=None)
    outcome: Mapped[str | None] = mapped_column(Text, default=None)


class Dispute(Base):
    """A participant's "my peer did not take part", with why, and a moderator's decision
    (one per discussion: the decision is taken only while the discussion is disputed)."""

    __tablename__ = "disputes"
    __table_args__ = (UniqueConstraint("discussion_id", "disputer_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    discussion_id: Mapped[int] = owned_by("discussions.id", index=True)
    disputer_id: Mapped[int] = owned_by("registrants.id")
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("registrants.id"), default=None)
    award: Mapped[bool | None] = mapped_column(default=None)
    decision_reason: Mapped[str | None] = mapped_column(Text, default=None)
