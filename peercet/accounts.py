"""Registrant accounts: field checks, password hashing (scrypt) and creation."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from peercet.catalogue import PROFESSIONS
from peercet.errors import BadInput, Conflict
from peercet.tables import Registrant

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
GOC_NUMBER = re.compile(r"^\d{2}-\d{4,6}$")  # loosely: 01-12345
MIN_PASSWORD = 10
ROLES = ("registrant", "moderator")
SCRYPT = {"n": 2**14, "r": 8, "p": 1}


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **SCRYPT)
    return "scrypt$" + base64.b64encode(salt).decode() + "$" + base64.b64encode(digest).decode()


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, salt_b64, digest_b64 = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    salt = base64.b64decode(salt_b64)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **SCRYPT)
    return hmac.compare_digest(digest, base64.b64decode(digest_b64))


@dataclass(frozen=True)
class NewRegistrant:
    email: str
    password: str
    name: str
    goc_number: str
    profession: str
    role: str = "registrant"


def password_problem(password: str) -> str | None:
    if len(password) < MIN_PASSWORD:
        return f"must be at least {MIN_PASSWORD} characters"
    if len(password) > 200:
        return "must be at most 200 characters"
    if password.isalpha() or password.isdigit():
        return "must mix letters with digits or symbols"
    return None


def check_registration(data: dict[str, Any], role: str = "registrant") -> NewRegistrant:
    """Every field checked; all problems reported at once, keyed by field."""
    problems: dict[str, str] = {}
    fields = {k: data.get(k) for k in ("email", "password", "name", "goc_number", "profession")}
    for key, value in fields.items():
        if not isinstance(value, str) or not value.strip():
            problems[key] = "is required"
    email = str(fields["email"] or "").strip().lower()
    if "email" not in problems and (len(email) > 254 or not EMAIL.match(email)):
        problems["email"] = "is not an email address"
    password = str(fields["password"] or "")
    if "password" not in problems and (problem := password_problem(password)):
        problems["password"] = problem
    name = " ".join(str(fields["name"] or "").split())
    if "name" not in problems and len(name) > 120:
        problems["name"] = "must be at most 120 characters"
    goc = str(fields["goc_number"] or "").strip()
    if "goc_number" not in problems and not GOC_NUMBER.match(goc):
        problems["goc_number"] = "must look like 01-12345 (as on the GOC register)"
    profession = str(fields["profession"] or "")
    if "profession" not in problems and profession not in PROFESSIONS:
        problems["profession"] = "must be one of " + ", ".join(PROFESSIONS)
    if role not in ROLES:
        problems["role"] = "must be registrant or moderator"
    if problems:
        raise BadInput("; ".join(f"{k} {v}" for k, v in problems.items()), "invalid_registration")
    return NewRegistrant(email, password, name, goc, profession, role)


async def create_registrant(session: AsyncSession, new: NewRegistrant, now: datetime) -> Registrant:
    taken = await session.scalar(
        select(Registrant.id).where(func.lower(Registrant.email) == new.email)
    )
    if taken is not None:
        raise Conflict("an account with this email already exists", "email_taken")
    registrant = Registrant(
        email=new.email,
        password_hash=hash_password(new.password),
        name=new.name,
        goc_number=new.goc_number,
        profession=new.profession,
        role=new.role,
        created_at=now,
    )
    session.add(registrant)
    await session.flush()
    return registrant


def registrant_frame(registrant: Registrant) -> dict[str, Any]:
    return {
        "id": registrant.id,
        "email": registrant.email,
        "name": registrant.name,
        "goc_number": registrant.goc_number,
        "profession": registrant.profession,
        "role": registrant.role,
    }
