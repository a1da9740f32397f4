"""What a discussion sends on the WebSocket: one TypedDict per frame `type` (API.md's
"Server → client"), and the builders of the frames the room hears.

The field names are the wire's; mypy checks every frame against its type, so a frame
cannot drift from API.md without a change here. `completion` frames belong to
`peercet.completions.frames`, the server-only `sessions_ended` to `peercet.accounts`.
"""

from __future__ import annotations

from typing import Literal, NotRequired, TypedDict

from discussion.views import DiscussionView, ParticipantView, PromptView, ValidationView
from peercet.completions.frames import CompletionFrame


class MessageFrame(TypedDict):
    """A live delivery, a replay and the sender's acknowledgement alike."""

    type: Literal["message"]
    discussion: int
    seq: int
    id: int
    author: int | None
    kind: str  # "peer" | "notice" | "system"
    body: str
    prompt: int | None
    client_msg_id: str | None
    sent_at: str


class ErrorFrame(TypedDict):
    """About one client frame (echoing its discussion and client_msg_id); the socket
    stays open."""

    type: Literal["error"]
    code: str
    message: str
    discussion: NotRequired[int]
    client_msg_id: NotRequired[str]


class Present(TypedDict):
    """Who is in the room: participants `online`, and `moderators` watching."""

    online: list[int]
    moderators: list[int]


class PresenceFrame(Present):
    type: Literal["presence"]
    discussion: int


class JoinedFrame(Present):
    """The answer to `join`, before the messages after the client's `after`."""

    type: Literal["joined"]
    discussion: int
    participants: list[ParticipantView]
    last_seq: int
    state: str
    prompts: list[PromptView]
    validations: list[ValidationView]
    closes_at: str | None


class TypingFrame(TypedDict):
    type: Literal["typing"]
    discussion: int
    author: int


class ValidationFrame(TypedDict):
    type: Literal["validation"]
    discussion: int
    validations: list[ValidationView]
    state: str
    closed_reason: str | None


class MatchedFrame(TypedDict):
    """To both registrants the moment they are paired."""

    type: Literal["matched"]
    completion: int
    discussion: int
    closes_at: str


class ClosedFrame(TypedDict):
    type: Literal["closed"]
    discussion: int
    reason: str | None


class PongFrame(TypedDict):
    type: Literal["pong"]


def presence_frame(discussion_id: int, present: Present) -> PresenceFrame:
    """To the room whenever someone joins or leaves it."""
    return {"type": "presence", "discussion": discussion_id, **present}


def typing_frame(discussion_id: int, author: int) -> TypingFrame:
    """To the room; the author's own sockets skip it (web.ws.endpoint routes it)."""
    return {"type": "typing", "discussion": discussion_id, "author": author}


def closed_frame(discussion_id: int, reason: str | None) -> ClosedFrame:
    """To the room when it closes without both validations (void, no-show, fallback)."""
    return {"type": "closed", "discussion": discussion_id, "reason": reason}


def joined_frame(discussion_id: int, present: Present, view: DiscussionView) -> JoinedFrame:
    """`joined`: who is there, and as much of the discussion as the room page needs."""
    return {
        "type": "joined",
        "discussion": discussion_id,
        **present,
        "participants": view["participants"],
        "last_seq": view["last_seq"],
        "state": view["state"],
        "prompts": view["prompts"],
        "validations": view["validations"],
        "closes_at": view["closes_at"],
    }


# Every frame a socket sends a client.
ServerFrame = (
    MessageFrame
    | ErrorFrame
    | JoinedFrame
    | PresenceFrame
    | TypingFrame
    | ValidationFrame
    | MatchedFrame
    | ClosedFrame
    | PongFrame
    | CompletionFrame
)
