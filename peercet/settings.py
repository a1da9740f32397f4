"""Configuration, read once from the environment (and an optional `.env`)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from zoneinfo import ZoneInfo

from peercet.passwords import Cost

DEV_SECRET_KEY = "peercet-dev-key-do-not-use-in-production"


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
    secret_keys: list[str] = field(default_factory=lambda: [DEV_SECRET_KEY])
    allowed_origins: list[str] = field(default_factory=list)
    smtp_url: str | None = None
    upload_dir: Path = Path("var/uploads")
    outbox_dir: Path = Path("var/outbox")
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/London"))
    base_url: str = "http://127.0.0.1:8000"
    # workers: the weekly GOC upload (Friday, scheme time), the provider in its rows, email sender
    upload_time: time = time(9, 0)
    provider_name: str = "Peercet CET"
    mail_from: str = "Peercet <no-reply@peercet.invalid>"
    password_cost: Cost = field(default_factory=Cost)  # argon2id; tests make it cheap

    @property
    def uses_dev_key(self) -> bool:
        return DEV_SECRET_KEY in self.secret_keys

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Build settings from `environ` (default: `.env` overlaid by the process environment)."""
    if environ is None:
        environ = {**_read_dotenv(Path(".env")), **os.environ}
    keys = _split(environ.get("SECRET_KEYS", ""))
    if not keys:
        keys = [DEV_SECRET_KEY]
    port = environ.get("PORT", "8000")
    host = environ.get("HOST", "127.0.0.1")
    base_url = environ.get("BASE_URL", f"http://{host}:{port}")
    return Settings(
        database_url=environ.get("DATABASE_URL", Settings.database_url),
        redis_url=environ.get("REDIS_URL", Settings.redis_url),
        secret_keys=keys,
        allowed_origins=_split(environ.get("ALLOWED_ORIGINS", "")),
        smtp_url=environ.get("SMTP_URL") or None,
        upload_dir=Path(environ.get("UPLOAD_DIR", "var/uploads")),
        outbox_dir=Path(environ.get("OUTBOX_DIR", "var/outbox")),
        timezone=ZoneInfo(environ.get("TIMEZONE", "Europe/London")),
        base_url=base_url.rstrip("/"),
        upload_time=time.fromisoformat(environ.get("UPLOAD_TIME", "09:00")),
        provider_name=environ.get("PROVIDER_NAME", Settings.provider_name),
        mail_from=environ.get("MAIL_FROM", Settings.mail_from),
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
