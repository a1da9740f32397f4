"""Every Redis key and channel the service uses, named in one place."""

from __future__ import annotations

PREFIX = "peercet:"


def registrant_channel(registrant_id: int) -> str:
    """Events for every open socket of one registrant (matched, completion...)."""
    return f"{PREFIX}registrant:{registrant_id}"


def discussion_channel(discussion_id: int) -> str:
    """A discussion room's messages, typing and presence, across web processes."""
    return f"{PREFIX}discussion:{discussion_id}"


def course_queue(course_id: int) -> str:
    """The waiting registrants' completions of one course, scored by deadline."""
    return f"{PREFIX}queue:{course_id}"


def deadline_job_id(completion_id: int, deadline_ts: int) -> str:
    """Unique per deadline, so a re-scheduled deadline is never refused as a duplicate."""
    return f"{PREFIX}deadline:{completion_id}:{deadline_ts}"


def rebuild_queues_job_id(token: str) -> str:
    """An asked-for rebuild of the queues (the command line asks; a token per ask)."""
    return f"{PREFIX}rebuild-queues:{token}"


def presence(discussion_id: int) -> str:
    """Sorted set of `registrant:socket` members scored by expiry (time.time())."""
    return f"{PREFIX}presence:{discussion_id}"


def frame_budget(registrant_id: int) -> str:
    """Hash {tokens, at}: the registrant's WebSocket frame budget (web.ws.limits)."""
    return f"{PREFIX}frames:{registrant_id}"


def signin_failures(email: str, address: str) -> str:
    """Failed sign-ins on one account from one client address (an address has no
    blank, so the first one ends it)."""
    return f"{PREFIX}signin-failures:{address} {email}"


def signin_wait(email: str, address: str) -> str:
    """When that address may try that account again (a Unix time), while it waits."""
    return f"{PREFIX}signin-wait:{address} {email}"


def signin_failures_client(address: str) -> str:
    """Failed sign-ins from one client address, across emails."""
    return f"{PREFIX}signin-failures-client:{address}"


REGISTRANT_PATTERN = f"{PREFIX}registrant:*"
DISCUSSION_PATTERN = f"{PREFIX}discussion:*"


def met_pairs(course_id: int, cet_year: int) -> str:
    """Registrant pairs already made for one course in one CET year (fairness)."""
    return f"{PREFIX}met:{course_id}:{cet_year}"


def course_queue_pattern() -> str:
    """Every course queue (SCAN match), for the rebuild's pruning pass."""
    return f"{PREFIX}queue:*"


MESSAGES_CHANNEL = f"{PREFIX}messages"
"""Every stored message, one publication per committed batch, for every web process
(`peercet.core.publish.MessageBatch`)."""


def sockets(registrant_id: int) -> str:
    """Sorted set of a registrant's open sockets (`registrant:socket` members) scored by
    the expiry of each one's lease (time.time()): the socket limit (web.ws.sockets)."""
    return f"{PREFIX}sockets:{registrant_id}"


def quota(name: str, registrant_id: int) -> str:
    """Sorted set of one registrant's uses of a limited action (reports...), scored by
    when (the injected clock): a sliding window (peercet.core.quota)."""
    return f"{PREFIX}quota:{name}:{registrant_id}"
