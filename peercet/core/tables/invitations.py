"""Invitations to discuss a course (matching.invitations)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from peercet.core.tables.base import Base, owned_by


class Invitation(Base):
    __tablename__ = "invitations"
    # the expiry sweep looks for pending invitations due (matching.invitation_expiry.expire_due)
    __table_args__ = (Index("ix_invitations_state_expires_at", "state", "expires_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    completion_id: Mapped[int] = owned_by("completions.id", index=True)
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
