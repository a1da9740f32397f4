"""The GOC's side (peercet.goc): certificates and upload batches."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from peercet.core.tables.base import Base, owned_by


class Certificate(Base):
    """A completion's certificate, issued when first asked for: its random verification
    code (peercet.goc.verification: valid whatever the signing keys) and, once a moderator
    revokes it, when, by whom and why."""

    __tablename__ = "certificates"
    id: Mapped[int] = mapped_column(primary_key=True)
    completion_id: Mapped[int] = owned_by("completions.id", unique=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    issued_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_by: Mapped[int | None] = mapped_column(ForeignKey("registrants.id"), default=None)
    revoke_reason: Mapped[str | None] = mapped_column(Text, default=None)


class UploadBatch(Base):
    __tablename__ = "upload_batches"
    id: Mapped[int] = mapped_column(primary_key=True)
    file_path: Mapped[str | None] = mapped_column(String(500), default=None)
    rows: Mapped[int] = mapped_column(Integer, default=0)
    final: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
