"""Every route of the registrants' side (API, pages, static files), for web.app in one line."""

from __future__ import annotations

from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from web import (
    api_catalogue,
    api_completions,
    pages_account,
    pages_accounts,
    pages_catalogue,
    pages_certificates,
)
from web.templating import STATIC_DIR

routes: list[BaseRoute] = [
    *api_catalogue.routes,
    *api_completions.routes,
    *pages_accounts.routes,
    *pages_catalogue.routes,
    *pages_account.routes,
    *pages_certificates.routes,
    Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
]
