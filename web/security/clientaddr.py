"""The client's address, the one every throttle counts by.

`X-Forwarded-For` is believed only from `TRUSTED_PROXIES` (web.app wraps the app in
uvicorn's ProxyHeadersMiddleware with exactly those; the Procfile turns uvicorn's own
off), so by the time a handler runs, `conn.client` is the address to count.
"""

from __future__ import annotations

from starlette.requests import HTTPConnection


def client_address(conn: HTTPConnection) -> str:
    return conn.client.host if conn.client else "unknown"
