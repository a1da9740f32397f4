"""Registrant accounts (peercet.accounts)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from peercet.core.tables.base import Base


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
