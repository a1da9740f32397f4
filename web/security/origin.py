"""Refuse unsafe requests and WebSocket handshakes from an `Origin` not allowed.

Starlette checks neither; this runs before any endpoint (and before `accept()`).
A request without `Origin` (a script, not a browser) is judged by its cookie alone.
The allowed origins are `ALLOWED_ORIGINS`, by default the origin of `BASE_URL`: never
the request's own `Host`, which whoever sends the request writes.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from peercet.core.settings import Settings

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
REFUSAL = json.dumps(
    {"error": {"code": "bad_origin", "message": "this origin may not make changes"}}
).encode()


def origin_of(url: str) -> str:
    """`https://cet.example/path` -> `https://cet.example`."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def allowed_origins(settings: Settings) -> list[str]:
    return [o.rstrip("/") for o in settings.allowed_origins] or [origin_of(settings.base_url)]


class OriginCheck:
    def __init__(self, app: ASGIApp, allowed: list[str]) -> None:
        self.app = app
        self.allowed = {o.rstrip("/") for o in allowed}

    def _allowed(self, scope: Scope) -> bool:
        origin = Headers(scope=scope).get("origin")
        return origin is None or origin.rstrip("/") in self.allowed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        guarded = scope["type"] == "websocket" or (
            scope["type"] == "http" and scope["method"] in UNSAFE
        )
        if not guarded or self._allowed(scope):
            await self.app(scope, receive, send)
            return
        kind = "http"
        if scope["type"] == "websocket":
            if "websocket.http.response" not in scope.get("extensions", {}):
                await send({"type": "websocket.close", "code": 1008, "reason": "bad origin"})
                return
            kind = "websocket.http"  # a 403 with a body and the security headers
        headers = [(b"content-type", b"application/json")]
        await send({"type": f"{kind}.response.start", "status": 403, "headers": headers})
        await send({"type": f"{kind}.response.body", "body": REFUSAL})
