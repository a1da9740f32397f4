"""What a registrant should do next with a completion, in plain words (pure)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from peercet.completions.lifecycle import State


def when(moment: datetime, tz: ZoneInfo) -> str:
    """A date and time as the scheme's clock shows it, e.g. "Mon 16 March 2026, 09:00 GMT"."""
    local = moment.astimezone(tz)
    return f"{local:%a} {local.day} {local:%B %Y, %H:%M} {local.tzname()}"


def time_left(deadline: datetime, now: datetime) -> str:
    """Days and hours (or minutes) until the deadline, or that it has passed."""
    left = deadline - now
    if left <= timedelta(0):
        return "the deadline has passed"
    days, rest = divmod(int(left.total_seconds()), 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts = []
    if days:
        parts.append(f"{days} day{'s' if days != 1 else ''}")
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if not days and (minutes or not parts):
        parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
    return " ".join(parts) + " left"


def next_step(
    state: State, deadline: datetime, uploaded_at: datetime | None, cet_year: int, tz: ZoneInfo
) -> str:
    by = when(deadline, tz)
    steps = {
        State.AWAITING_CHOICE: (
            "Choose how to finish this CET: take the non-interactive point now, or discuss "
            f"the course with a peer for an interactive point. Choose before {by}; "
            "your CET is not complete until you choose."
        ),
        State.SEEKING_PEER: (
            "We are finding you a peer who passed the same course; you will be told when you "
            f"are paired. If no discussion is validated by {by}, you get a non-interactive point."
        ),
        State.IN_DISCUSSION: (
            "Go to your discussion, write on every prompt, then confirm your peer took part "
            f"before {by}."
        ),
    }
    if state in steps:
        return steps[state]
    if uploaded_at is None:
        return (
            "Nothing to do: your CET is complete. We upload it to the GOC within "
            "10 working days; download your certificate at any time."
        )
    return (
        f"Uploaded to the GOC on {when(uploaded_at, tz)}. Accept your pending points in "
        f"MyGOC by midnight on 31 December {cet_year}."
    )
