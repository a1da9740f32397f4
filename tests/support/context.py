"""The context a test passes where an edge would pass its own (peercet.core.context).

Every action that writes an email or reads scheme time takes one explicitly: a test
builds it here, from the test settings (keys, BASE_URL, Europe/London by default) or
from the `settings` fixture, with its own clock when the code reads one.
"""

from __future__ import annotations

from peercet.core.clock import Clock, SystemClock
from peercet.core.context import Context, Links
from peercet.core.settings import Settings

TEST_SETTINGS = Settings(secret_keys=["test-key-new", "test-key-old"])


def context(settings: Settings | None = None, clock: Clock | None = None) -> Context:
    """The test settings (or `settings`) and the system clock (or `clock`)."""
    return Context(settings or TEST_SETTINGS, clock or SystemClock())


def links(settings: Settings | None = None) -> Links:
    return context(settings).links
