"""Every table, in one place. Rules live in the pure modules; these are only rows."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on SQLite (which keeps no offset) too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass an aware one")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON}


def _fk(target: str, **kw: Any) -> Any:
    return mapped_column(ForeignKey(target, ondelete="CASCADE"), **kw)


class Registrant(Base):
    __tablename__ = "registrants"
    # One account per GOC number (canonical, peercet.accounts.gocnumbers); the accounts found
    # sharing one when this came in keep it with duplicate 1, 2... until corrected.
    __table_args__ = (
        Index("uq_registrants_goc_number", "goc_number", "goc_number_duplicate", unique=True),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(120))
    goc_number: Mapped[str] = mapped_column(String(20), index=True)
    profession: Mapped[str] = mapped_column(String(40))
    role: Mapped[str] = mapped_column(String(20), default="registrant")
    created_at: Mapped[datetime]
    # In every session cookie; signing out raises it, so a copied cookie stops working.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    goc_number_duplicate: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    disabled_at: Mapped[datetime | None] = mapped_column(default=None)  # by a moderator


class Course(Base):
    __tablename__ = "courses"
    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(20), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    # The course itself, in Markdown (up to 100,000 characters): loaded only when asked for
    # (courses.course_content, undefer), not with every course a search or a room loads.
    content: Mapped[str] = mapped_column(
        Text, default="", server_default="", deferred=True, deferred_raiseload=True
    )
    professions: Mapped[list[Any]]
    competencies: Mapped[list[Any]]
    points: Mapped[int] = mapped_column(Integer, default=1)
    interactive: Mapped[bool] = mapped_column(Boolean, default=False)
    pass_mark: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime]


class CoursePrompt(Base):
    __tablename__ = "course_prompts"
    __table_args__ = (UniqueConstraint("course_id", "position"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = _fk("courses.id")
    position: Mapped[int]
    text: Mapped[str] = mapped_column(Text)


class ExamQuestion(Base):
    """One multiple-choice question; an option's id is its index in `options`."""

    __tablename__ = "exam_questions"
    __table_args__ = (UniqueConstraint("course_id", "position"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = _fk("courses.id")
    position: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    options: Mapped[list[Any]]
    answer: Mapped[int]


class ExamAttempt(Base):
    __tablename__ = "exam_attempts"
    id: Mapped[int] = mapped_column(primary_key=True)
    registrant_id: Mapped[int] = _fk("registrants.id", index=True)
    course_id: Mapped[int] = _fk("courses.id")
    score: Mapped[int]
    total: Mapped[int]
    passed: Mapped[bool]
    at: Mapped[datetime]


class Completion(Base):
    """One registrant's result for one course in one cycle (rule 1): `cycle` is the label
    of the cycle of `cet_year` ("2025-2027"). `legacy_repeat` is 0 for every completion since
    migration 0005; 1, 2... only for a second or third completion of a course in one cycle
    made before once-per-cycle (kept: their points were earned and may be uploaded)."""

    __tablename__ = "completions"
    __table_args__ = (
        UniqueConstraint(
            "registrant_id",
            "course_id",
            "cycle",
            "legacy_repeat",
            name="uq_completions_once_per_cycle",
        ),
        Index("ix_completions_state_deadline", "state", "deadline"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    registrant_id: Mapped[int] = _fk("registrants.id", index=True)
    course_id: Mapped[int] = _fk("courses.id", index=True)
    cet_year: Mapped[int]
    cycle: Mapped[str] = mapped_column(String(20))
    legacy_repeat: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    state: Mapped[str] = mapped_column(String(32))
    passed_at: Mapped[datetime]
    deadline: Mapped[datetime]
    fallback: Mapped[bool] = mapped_column(Boolean, default=False)
    discussion_id: Mapped[int | None] = mapped_column(
        ForeignKey("discussions.id", ondelete="SET NULL"), default=None
    )
    queued_at: Mapped[datetime | None] = mapped_column(default=None)
    completed_at: Mapped[datetime | None] = mapped_column(default=None, index=True)
    upload_batch_id: Mapped[int | None] = mapped_column(
        ForeignKey("upload_batches.id"), default=None, index=True
    )
    uploaded_at: Mapped[datetime | None] = mapped_column(default=None)
    upload_flagged_at: Mapped[datetime | None] = mapped_column(default=None)


class PointRecord(Base):
    """Rule 6: the unique completion_id makes a second point record impossible."""

    __tablename__ = "point_records"
    id: Mapped[int] = mapped_column(primary_key=True)
    completion_id: Mapped[int] = _fk("completions.id", unique=True)
    registrant_id: Mapped[int] = _fk("registrants.id", index=True)
    kind: Mapped[str] = mapped_column(String(20))
    points: Mapped[int]
    awarded_at: Mapped[datetime]


class Certificate(Base):
    """A completion's certificate, issued when first asked for: its random verification
    code (peercet.goc.verification: valid whatever the signing keys) and, once a moderator
    revokes it, when, by whom and why."""

    __tablename__ = "certificates"
    id: Mapped[int] = mapped_column(primary_key=True)
    completion_id: Mapped[int] = _fk("completions.id", unique=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    issued_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_by: Mapped[int | None] = mapped_column(ForeignKey("registrants.id"), default=None)
    revoke_reason: Mapped[str | None] = mapped_column(Text, default=None)


class Invitation(Base):
    __tablename__ = "invitations"
    # the expiry sweep looks for pending invitations due (matching.invitation_expiry.expire_due)
    __table_args__ = (Index("ix_invitations_state_expires_at", "state", "expires_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    completion_id: Mapped[int] = _fk("completions.id", index=True)
    # each looked up when the invitee chooses to discuss (matching.invitations)
    invitee_email: Mapped[str | None] = mapped_column(String(254), default=None, index=True)
    invitee_goc_number: Mapped[str | None] = mapped_column(String(20), default=None, index=True)
    invitee_id: Mapped[int | None] = mapped_column(
        ForeignKey("registrants.id", ondelete="SET NULL"), default=None, index=True
    )
    state: Mapped[str] = mapped_column(String(20), default="pending")
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]  # matching.invitation_rules.expires_at
    ended_at: Mapped[datetime | None] = mapped_column(default=None)


class Discussion(Base):
    __tablename__ = "discussions"
    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = _fk("courses.id")
    state: Mapped[str] = mapped_column(String(20), default="open", index=True)
    closed_reason: Mapped[str | None] = mapped_column(String(40), default=None)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    last_message_at: Mapped[datetime | None] = mapped_column(default=None)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)


class DiscussionPrompt(Base):
    __tablename__ = "discussion_prompts"
    id: Mapped[int] = mapped_column(primary_key=True)
    discussion_id: Mapped[int] = _fk("discussions.id", index=True)
    position: Mapped[int]
    text: Mapped[str] = mapped_column(Text)


class Participant(Base):
    __tablename__ = "discussion_participants"
    discussion_id: Mapped[int] = _fk("discussions.id", primary_key=True)
    registrant_id: Mapped[int] = _fk("registrants.id", primary_key=True, index=True)
    completion_id: Mapped[int] = _fk("completions.id")


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("discussion_id", "seq"),
        UniqueConstraint("discussion_id", "author_id", "client_msg_id", name="uq_messages_client"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    discussion_id: Mapped[int] = _fk("discussions.id")
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
    discussion_id: Mapped[int] = _fk("discussions.id")
    registrant_id: Mapped[int] = _fk("registrants.id")
    peer_took_part: Mapped[bool]
    reflection: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime]


class Report(Base):
    __tablename__ = "reports"
    id: Mapped[int] = mapped_column(primary_key=True)
    discussion_id: Mapped[int] = _fk("discussions.id", index=True)
    reporter_id: Mapped[int] = _fk("registrants.id")
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
    discussion_id: Mapped[int] = _fk("discussions.id", index=True)
    disputer_id: Mapped[int] = _fk("registrants.id")
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("registrants.id"), default=None)
    award: Mapped[bool | None] = mapped_column(default=None)
    decision_reason: Mapped[str | None] = mapped_column(Text, default=None)


class Notification(Base):
    __tablename__ = "notifications"
    id: Mapped[int] = mapped_column(primary_key=True)
    registrant_id: Mapped[int] = _fk("registrants.id", index=True)
    completion_id: Mapped[int | None] = _fk("completions.id", default=None)
    kind: Mapped[str] = mapped_column(String(30))
    body: Mapped[str] = mapped_column(Text)
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True, default=None)
    created_at: Mapped[datetime]
    read_at: Mapped[datetime | None] = mapped_column(default=None)


class OutgoingEmail(Base):
    """The outbox: written in the same transaction as what caused it, sent by a worker."""

    __tablename__ = "outgoing_emails"
    id: Mapped[int] = mapped_column(primary_key=True)
    to_addr: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True, default=None)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None] = mapped_column(default=None, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    # not before: a sender's claim (lease) or the back-off after a failed attempt
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=None)


class UploadBatch(Base):
    __tablename__ = "upload_batches"
    id: Mapped[int] = mapped_column(primary_key=True)
    file_path: Mapped[str | None] = mapped_column(String(500), default=None)
    rows: Mapped[int] = mapped_column(Integer, default=0)
    final: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]


class AuditEntry(Base):
    """Append-only: nothing in the code updates or deletes these rows."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(80))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("registrants.id"), default=None)
    action: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(80))
    reason: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
