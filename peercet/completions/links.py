"""Signed links to a certificate, each signed with its own salt.

- The download link in the completion email works without signing in and expires
  after `DOWNLOAD_MAX_AGE`.
- The verification link printed on a certificate is no signature since migration 0014:
  it carries the certificate's stored random code (peercet.goc.verification), valid whatever
  happens to the keys. Certificates printed before it carry a signed verification token
  (`read_verify_token`), which still verifies while the key that signed it is in
  SECRET_KEYS.

Kept apart from the PDF so that sending an email does not load the PDF library.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from peercet.core import signing
from peercet.core.clock import Clock, FixedClock
from peercet.core.settings import Settings

DOWNLOAD_MAX_AGE = 30 * 24 * 3600


def download_token(keys: list[str], completion_id: int, clock: Clock | None = None) -> str:
    return signing.dumps(keys, signing.CERTIFICATE, {"c": completion_id}, clock)


def read_download_token(keys: list[str], token: str, clock: Clock | None = None) -> int | None:
    data = signing.loads(keys, signing.CERTIFICATE, token, DOWNLOAD_MAX_AGE, clock)
    return _completion_id(data)


def verify_token(keys: list[str], completion_id: int) -> str:
    """The verification token of a certificate printed before migration 0014 (tests make
    such old links with it)."""
    return signing.dumps(keys, signing.VERIFY, {"c": completion_id})


def read_verify_token(keys: list[str], token: str) -> int | None:
    return _completion_id(signing.loads(keys, signing.VERIFY, token))


def _completion_id(data: object) -> int | None:
    cid = data.get("c") if isinstance(data, dict) else None
    return cid if isinstance(cid, int) and not isinstance(cid, bool) else None


@dataclass(frozen=True)
class Links:
    download: str


def links(settings: Settings, completion_id: int, now: datetime) -> Links:
    """Absolute URLs, for emails; the download link is dated `now`."""
    keys, base = settings.secret_keys, settings.base_url
    token = download_token(keys, completion_id, FixedClock(now))
    return Links(download=f"{base}/certificates/{token}.pdf")
