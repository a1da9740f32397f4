"""Server-rendered pages: one Jinja2 environment, one `render` that every page uses.

`render` adds what the base layout needs (who is signed in, the CSRF token, the
scheme's clock) and sets the CSRF cookie when the page made one.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from peercet.catalogue.loading import PROFESSIONS
from peercet.completions import guidance
from web.auth import current_registrant
from web.resources import resources
from web.security import csrf

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))
STATIC_DIR = Path(__file__).with_name("static")

STATES = {
    "awaiting_choice": "Waiting for your choice",
    "seeking_peer": "Looking for a peer",
    "in_discussion": "In discussion",
    "completed_interactive": "Completed (interactive)",
    "completed_non_interactive": "Completed (non-interactive)",
}


def profession_name(value: str) -> str:
    return value.replace("_", " ").capitalize()


TEMPLATES.env.globals.update(
    professions=PROFESSIONS, profession_name=profession_name, state_name=STATES.get
)


async def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status: int = 200
) -> Response:
    res = resources(request)
    now, tz = res.clock.now(), res.settings.timezone

    def when(moment: datetime | None) -> str:
        return "" if moment is None else guidance.when(moment, tz)

    def left(moment: datetime) -> str:
        return guidance.time_left(moment, now)

    base = {
        "me": await current_registrant(request),
        "csrf_token": csrf.token(request),
        "now": now,
        "when": when,
        "time_left": left,
    }
    response = TEMPLATES.TemplateResponse(request, name, {**base, **(context or {})}, status)
    csrf.remember(request, response)
    return response
