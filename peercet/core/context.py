"""What code without a request needs to know, built once by each edge.

The web app (web.resources), the worker (workers.context) and the command line
(peercet.cli.main) each make one `Context` from their settings and clock and pass it,
or the piece a function needs (`tz`, `links`, `settings.cycles`), down as a parameter:
nothing reads settings off a session, so every email's link is absolute from BASE_URL
and every time is in TIMEZONE, whichever process wrote it.
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from peercet.core.clock import Clock
from peercet.core.settings import Settings


@dataclass(frozen=True)
class Links:
    """Absolute URLs from BASE_URL: a page's path ("/discussions/7") is no link in an email."""

    base_url: str

    def absolute(self, link: str) -> str:
        """A path gets BASE_URL in front of it; a full URL is left as it is."""
        return f"{self.base_url}{link}" if link.startswith("/") else link


@dataclass(frozen=True)
class Context:
    """The settings, the clock, scheme time and links of one process."""

    settings: Settings
    clock: Clock

    @property
    def tz(self) -> ZoneInfo:
        """Scheme time (TIMEZONE): cut-offs, working days, every time a person reads."""
        return self.settings.timezone

    @property
    def links(self) -> Links:
        return Links(self.settings.base_url)
