"""Completions and the points they earn (peercet.completions, rules 1 to 6)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from peercet.core.tables.base import Base, owned_by


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
    registrant_id: Mapped[int] = owned_by("registrants.id", index=True)
    course_id: Mapped[int] = owned_by("courses.id", index=True)
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
    completion_id: Mapped[int] = owned_by("completions.id", unique=True)
    registrant_id: Mapped[int] = owned_by("registrants.id", index=True)
    kind: Mapped[str] = mapped_column(String(20))
    points: Mapped[int]
    awarded_at: Mapped[datetime]
