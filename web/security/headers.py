"""Security headers on every response (API.md; issue 17.8), set in one place.

Outermost in the app (see `web.app.Peercet`), so pages, JSON, static files, 404s,
errors, even the 500s of Starlette's last-resort handler, and a WebSocket handshake
refused with an HTTP answer all carry them:

- `Content-Security-Policy`: everything from the service itself; scripts only from
  its files (no inline script, no `eval`), styles only from its stylesheets (no
  inline `style`), images also as `data:`, the socket on the service's own origins
  (`ws(s)://`, for browsers where `'self'` does not cover them), no plugins, no
  `<base>`, forms posted only here, and never framed (`frame-ancestors 'none'`, with
  `X-Frame-Options: DENY` for older browsers);
- `X-Content-Type-Options: nosniff`, `Referrer-Policy: same-origin`;
- over https (`BASE_URL` https, or the request's scheme as a trusted proxy gave it),
  `Strict-Transport-Security` for a year.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HSTS = "max-age=31536000; includeSubDomains"
STARTS = ("http.response.start", "websocket.http.response.start")


def socket_origin(origin: str) -> str:
    """`https://cet.example` -> `wss://cet.example`: where its pages open /ws."""
    parts = urlsplit(origin)
    scheme = "wss" if parts.scheme == "https" else "ws"
    return f"{scheme}://{parts.netloc}"


def content_security_policy(origins: Iterable[str]) -> str:
    sockets = " ".join(sorted({socket_origin(o) for o in origins}))
    directives = [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        f"connect-src 'self' {sockets}".rstrip(),
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
    return "; ".join(directives)


class SecurityHeaders:
    def __init__(self, app: ASGIApp, origins: Iterable[str], https: bool) -> None:
        self.app = app
        self.https = https
        self.headers = {
            "content-security-policy": content_security_policy(origins),
            "x-content-type-options": "nosniff",
            "referrer-policy": "same-origin",
            "x-frame-options": "DENY",
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        https = self.https or scope.get("scheme") in ("https", "wss")

        async def send_with_headers(message: Message) -> None:
            if message["type"] in STARTS:
                message.setdefault("headers", [])
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    headers.setdefault(name, value)
                if https:
                    headers.setdefault("strict-transport-security", HSTS)
            await send(message)

        await self.app(scope, receive, send_with_headers)
