"""Signed tokens (itsdangerous) on the injected clock, with key rotation.

`SECRET_KEYS` lists the newest key first: tokens are signed with it, and a token
signed with any older key still in the list is accepted. Each use has its own
salt, so a session cookie can never pass for a certificate link or the reverse.
"""

from __future__ import annotations

from typing import Any

from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer

from peercet.core.clock import Clock, SystemClock

SESSION = "session"
CSRF = "csrf"
CERTIFICATE = "certificate"
VERIFY = "certificate-verify"


def _signer_on(clock: Clock) -> type[TimestampSigner]:
    class ClockSigner(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(clock.now().timestamp())

    return ClockSigner


def serializer(
    secret_keys: list[str], salt: str, clock: Clock | None = None
) -> URLSafeTimedSerializer:
    # itsdangerous signs with the LAST key and accepts all of them.
    return URLSafeTimedSerializer(
        list(reversed(secret_keys)), salt=salt, signer=_signer_on(clock or SystemClock())
    )


def dumps(secret_keys: list[str], salt: str, data: Any, clock: Clock | None = None) -> str:
    token: str = serializer(secret_keys, salt, clock).dumps(data)
    return token


def loads(
    secret_keys: list[str],
    salt: str,
    token: str,
    max_age: int | None = None,
    clock: Clock | None = None,
) -> Any | None:
    """The signed data, or None when the token is tampered with, expired or foreign."""
    try:
        return serializer(secret_keys, salt, clock).loads(token, max_age=max_age)
    except BadSignature:  # SignatureExpired and BadTimeSignature are subclasses
        return None
