"""Who is asking: the client's address, in one place.

The connection's peer address for now; believing `X-Forwarded-For` from
TRUSTED_PROXIES only is decided here too when it comes (one function to swap).
"""

from __future__ import annotations

from starlette.requests import HTTPConnection


def client_address(conn: HTTPConnection) -> str:
    return conn.client.host if conn.client else "unknown"
