"""Configuration, read once from the environment (and an optional `.env`)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from zoneinfo import ZoneInfo

from peercet.accounts.passwords import Cost
from peercet.completions.lifecycle import Cycles
from peercet.cycles.requirements import Requirements, bundled_requirements, load

MAKE_A_KEY = "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"
NO_SECRET_KEYS = (
    "SECRET_KEYS is not set: Peercet signs sessions, links and certificates with it and "
    f"has no default. Make one with\n    export SECRET_KEYS=$({MAKE_A_KEY})\n"
    "(or put SECRET_KEYS=... in .env); scripts/start makes one and keeps it in var/secret-key."
)


class MissingSecretKeys(SystemExit):
    """Raised by `require_secret_keys`: the process exits non-zero with the message."""


def _read_dotenv(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    values: dict[str, str] = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        values[key.strip()] = value.strip().strip("'\"")
    return values


def _split(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite+aiosqlite:///var/peercet.db"
    redis_url: str = "redis://127.0.0.1:6379/0"
    secret_keys: list[str] = field(default_factory=list)
    allowed_origins: list[str] = field(default_factory=list)
    trusted_proxies: list[str] = field(default_factory=list)  # whose X-Forwarded-* we believe
    smtp_url: str | None = None
    upload_dir: Path = Path("var/uploads")
    outbox_dir: Path = Path("var/outbox")
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/London"))
    base_url: str = "http://127.0.0.1:8000"
    # workers: the weekly GOC upload (Friday, scheme time), the provider in its rows, email sender
    upload_time: time = time(9, 0)
    provider_name: str = "Peercet CET"
    provider_goc_id: str = "P-DEMO-0000"  # the provider's GOC approval number, on certificates
    mail_from: str = "Peercet <no-reply@peercet.invalid>"
    # each registrant's budget of WebSocket frames, across web processes (web.ws.limits)
    frame_rate: float = 10.0
    frame_burst: float = 40.0
    # failed attempts at one course's exam allowed in any 24 hours (peercet.catalogue.attempts)
    exam_attempts: int = 2
    cycles: Cycles = field(default_factory=Cycles)
    password_cost: Cost = field(default_factory=Cost)  # argon2id; tests make it cheap
    # each profession's cycle requirements (CET_REQUIREMENTS, read and checked at start-up)
    cet_requirements: Requirements = field(default_factory=bundled_requirements)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def _at_least_one(value: str, name: str) -> int:
    if not (value.isascii() and value.isdigit()) or int(value) < 1:
        raise ValueError(f"{name} must be a whole number of at least 1, not {value!r}")
    return int(value)


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Build settings from `environ` (default: `.env` overlaid by the process environment)."""
    if environ is None:
        environ = {**_read_dotenv(Path(".env")), **os.environ}
    keys = _split(environ.get("SECRET_KEYS", ""))
    port = environ.get("PORT", "8000")
    host = environ.get("HOST", "127.0.0.1")
    base_url = environ.get("BASE_URL", f"http://{host}:{port}")
    return Settings(
        database_url=environ.get("DATABASE_URL", Settings.database_url),
        redis_url=environ.get("REDIS_URL", Settings.redis_url),
        secret_keys=keys,
        allowed_origins=_split(environ.get("ALLOWED_ORIGINS", "")),
        trusted_proxies=_split(environ.get("TRUSTED_PROXIES", "")),
        smtp_url=environ.get("SMTP_URL") or None,
        upload_dir=Path(environ.get("UPLOAD_DIR", "var/uploads")),
        outbox_dir=Path(environ.get("OUTBOX_DIR", "var/outbox")),
        timezone=ZoneInfo(environ.get("TIMEZONE", "Europe/London")),
        base_url=base_url.rstrip("/"),
        upload_time=time.fromisoformat(environ.get("UPLOAD_TIME", "09:00")),
        provider_name=environ.get("PROVIDER_NAME", Settings.provider_name),
        provider_goc_id=environ.get("PROVIDER_GOC_ID", Settings.provider_goc_id),
        mail_from=environ.get("MAIL_FROM", Settings.mail_from),
        frame_rate=float(environ.get("FRAME_RATE", Settings.frame_rate)),
        frame_burst=float(environ.get("FRAME_BURST", Settings.frame_burst)),
        exam_attempts=_at_least_one(environ.get("EXAM_ATTEMPTS", "2").strip(), "EXAM_ATTEMPTS"),
        cycles=_cycles(environ),
        cet_requirements=_requirements(environ),
        password_cost=_password_cost(environ),
    )


def _password_cost(environ: dict[str, str]) -> Cost:
    """PASSWORD_TIME_COST, PASSWORD_MEMORY_KIB, PASSWORD_PARALLELISM (argon2id)."""
    default = Cost()
    return Cost(
        time_cost=int(environ.get("PASSWORD_TIME_COST", default.time_cost)),
        memory_kib=int(environ.get("PASSWORD_MEMORY_KIB", default.memory_kib)),
        parallelism=int(environ.get("PASSWORD_PARALLELISM", default.parallelism)),
    )


def _requirements(environ: dict[str, str]) -> Requirements:
    path = environ.get("CET_REQUIREMENTS", "").strip()
    return load(Path(path)) if path else bundled_requirements()


def _cycles(environ: dict[str, str]) -> Cycles:
    first, years = environ.get("CYCLE_FIRST_YEAR", "2025"), environ.get("CYCLE_YEARS", "3")
    if not (first.isascii() and first.isdigit() and years.isascii() and years.isdigit()):
        raise ValueError("CYCLE_FIRST_YEAR and CYCLE_YEARS must be whole numbers")
    if int(years) < 1:
        raise ValueError("CYCLE_YEARS must be at least 1")
    return Cycles(int(first), int(years))


def require_secret_keys(settings: Settings) -> Settings:
    """`web`, `worker` and the commands that sign refuse to run without SECRET_KEYS."""
    if not settings.secret_keys:
        raise MissingSecretKeys(NO_SECRET_KEYS)
    return settings
