"""Demo data: the catalogue file shipped with the package and three accounts."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from peercet.accounts.registrants import NewRegistrant, create_registrant
from peercet.catalogue.loading import import_catalogue
from peercet.cli.demo_history import load_history
from peercet.core.context import Context
from peercet.core.tables import Registrant

CATALOGUE = Path(__file__).with_name("data") / "catalogue.json"

ACCOUNTS = [
    NewRegistrant("olivia@demo.peercet.test", "olivia-demo-1", "Olivia Okafor", "01-23456",
                  "optometrist"),
    NewRegistrant("theo@demo.peercet.test", "theo-demo-1", "Theo Marsh", "01-34567",
                  "therapeutic_prescriber"),
    NewRegistrant("dina@demo.peercet.test", "dina-demo-1", "Dina Shah", "10-45678",
                  "dispensing_optician"),
    NewRegistrant("mo@demo.peercet.test", "mod-demo-1", "Morgan Reid", "01-99999",
                  "optometrist", role="moderator"),
]  # fmt: skip


def catalogue() -> Any:
    return json.loads(CATALOGUE.read_text(encoding="utf-8"))


async def load(session: AsyncSession, now: datetime, ctx: Context) -> dict[str, Any]:
    """Idempotent: courses are upserted by ref, accounts created only when missing, and
    the demo registrant's history (peercet.cli.demo_history) made once, as of `now`."""
    courses = await import_catalogue(session, catalogue(), now)
    created = 0
    for account in ACCOUNTS:
        exists = await session.scalar(
            select(Registrant.id).where(Registrant.email == account.email)
        )
        if exists is None:
            await create_registrant(session, account, now)
            created += 1
    history = await load_history(session, now, ctx)
    return {
        "courses": courses,
        "accounts_created": created,
        "history": history,
        "accounts": [
            {"email": a.email, "password": a.password, "role": a.role, "profession": a.profession}
            for a in ACCOUNTS
        ],
    }
