"""Client frames parsed into typed messages, in one place; server frames built from rows.

Anything a client sends is checked here (size, nesting, text, shape, types) before
the transport acts on it; a bad frame becomes a `FrameError` that the socket answers
with an `error` frame and stays open.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypedDict

from discussion.wire import ErrorFrame, MessageFrame, ServerFrame
from peercet.core.numbers import MAX_ID, is_id

# Characters in one client text frame: room for a 4,000-character body however its
# JSON is written (every character escaped, as "\ud83d\ude00" for one emoji, is 48,000).
# Larger frames, up to uvicorn's --ws-max-size of 1 MiB (Procfile), are `too_large`;
# only past that does uvicorn close the socket (1009).
MAX_FRAME = 60 * 1024
MAX_BODY = 4000  # characters in one message body
MAX_CLIENT_MSG_ID = 64
MAX_DEPTH = 32  # nesting of arrays and objects; a frame of ours has 1
# A JSON string (skipped whole) or a bracket: enough to measure nesting without parsing.
_NESTING = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


@dataclass(frozen=True)
class Join:
    discussion: int
    after: int


@dataclass(frozen=True)
class Say:
    discussion: int
    client_msg_id: str
    body: str
    prompt: int | None


@dataclass(frozen=True)
class Typing:
    discussion: int


@dataclass(frozen=True)
class Leave:
    discussion: int


@dataclass(frozen=True)
class Ping:
    pass


ClientFrame = Join | Say | Typing | Leave | Ping


class FrameError(Exception):
    """One frame refused; the socket answers with an `error` frame and stays open."""

    def __init__(
        self,
        code: str,
        message: str,
        discussion: int | None = None,
        client_msg_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.discussion = discussion
        self.client_msg_id = client_msg_id

    def frame(self) -> ErrorFrame:
        out: ErrorFrame = {"type": "error", "code": self.code, "message": self.message}
        if self.discussion is not None:
            out["discussion"] = self.discussion
        if self.client_msg_id is not None:
            out["client_msg_id"] = self.client_msg_id
        return out


def _int(
    data: dict[str, Any], name: str, low: int, default: int | None = None, **about: Any
) -> int:
    """An integer from `low` to MAX_ID (not a bool, not a float): an id or a seq."""
    value = data.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= MAX_ID:
        raise FrameError("bad_frame", f"`{name}` must be an integer from {low}", **about)
    return value


def clean(text: str) -> bool:
    """No NUL and no lone surrogate: json.loads lets both through, PostgreSQL stores
    neither (and a database error would fail every message of the writer's batch)."""
    if "\x00" in text:
        return False
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _too_deep(text: str) -> bool:
    """Nested past MAX_DEPTH? Measured before parsing: json.loads recurses per level."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return False  # the common case, two scans in C
    depth = 0
    for token in _NESTING.finditer(text):
        bracket = token.group()
        if bracket in ("[", "{"):
            depth += 1
            if depth > MAX_DEPTH:
                return True
        elif bracket in ("]", "}"):
            depth -= 1
    return False


class About(TypedDict):
    """What an error about a frame echoes of it."""

    discussion: int | None
    client_msg_id: str | None


def _about(data: dict[str, Any]) -> About:
    """What an error about this frame can echo: its discussion and client_msg_id, if
    they are readable at all."""
    discussion, cmid = data.get("discussion"), data.get("client_msg_id")
    readable = isinstance(cmid, str) and 0 < len(cmid) <= MAX_CLIENT_MSG_ID and clean(cmid)
    return {
        "discussion": discussion if is_id(discussion) else None,
        "client_msg_id": cmid if readable else None,
    }


def _check_text(data: dict[str, Any], about: About) -> None:
    """Every text field (and field name) of the frame is text a database can store."""
    for name, value in data.items():
        if not clean(name):
            raise FrameError("bad_frame", "a field name has a NUL or lone surrogate", **about)
        if isinstance(value, str) and not clean(value):
            message = f"`{name}` has a NUL or lone surrogate character"
            raise FrameError("bad_frame", message[:100], **about)


def _say(data: dict[str, Any], discussion: int) -> Say:
    cmid = data.get("client_msg_id")
    if not isinstance(cmid, str) or not 0 < len(cmid) <= MAX_CLIENT_MSG_ID:
        raise FrameError("bad_frame", "`client_msg_id` must be a string of 1 to 64 characters")
    body = data.get("body")
    if not isinstance(body, str) or not body.strip():
        raise FrameError("bad_frame", "`body` must be 1 to 4000 characters", discussion, cmid)
    if len(body) > MAX_BODY:
        raise FrameError("too_large", f"`body` is over {MAX_BODY} characters", discussion, cmid)
    prompt = data.get("prompt")
    if prompt is not None and not is_id(prompt):
        raise FrameError("bad_frame", "`prompt` must be a prompt id or absent", discussion, cmid)
    return Say(discussion, cmid, body, prompt)


def _load(text: str) -> dict[str, Any]:
    """The frame's JSON object: size and nesting checked before json.loads runs."""
    if len(text) > MAX_FRAME:
        raise FrameError("too_large", f"frames are at most {MAX_FRAME} characters")
    if _too_deep(text):
        raise FrameError("bad_frame", f"frames are nested at most {MAX_DEPTH} deep")
    try:
        data = json.loads(text)
    except ValueError:  # malformed, or a number of more than 4,300 digits
        raise FrameError("bad_frame", "frames are JSON objects") from None
    if not isinstance(data, dict):
        raise FrameError("bad_frame", "frames are JSON objects")
    return data


def parse(text: str) -> ClientFrame:
    """One client text frame → a typed message, or FrameError."""
    data = _load(text)
    about = _about(data)
    _check_text(data, about)
    kind = data.get("type")
    if kind == "ping":
        return Ping()
    if kind not in ("join", "say", "typing", "leave"):
        shown = repr(kind) if isinstance(kind, str) and len(kind) <= 20 else "of `type`"
        raise FrameError("bad_frame", f"unknown frame type {shown}", **about)
    discussion = _int(data, "discussion", 1, **about)
    if kind == "join":
        return Join(discussion, _int(data, "after", 0, 0, **about))
    if kind == "say":
        return _say(data, discussion)
    return Typing(discussion) if kind == "typing" else Leave(discussion)


class MessageRow(Protocol):
    """A stored message: an ORM `Message`, a Core row or a `NewMessage`."""

    @property
    def id(self) -> int: ...
    @property
    def discussion_id(self) -> int: ...
    @property
    def seq(self) -> int: ...
    @property
    def author_id(self) -> int | None: ...
    @property
    def kind(self) -> str: ...
    @property
    def body(self) -> str: ...
    @property
    def prompt_id(self) -> int | None: ...
    @property
    def client_msg_id(self) -> str | None: ...
    @property
    def sent_at(self) -> datetime: ...


def message_frame(message: MessageRow) -> MessageFrame:
    """The `message` frame: a live delivery, a replay and the sender's acknowledgement."""
    return {
        "type": "message",
        "discussion": message.discussion_id,
        "seq": message.seq,
        "id": message.id,
        "author": message.author_id,
        "kind": message.kind,
        "body": message.body,
        "prompt": message.prompt_id,
        "client_msg_id": message.client_msg_id,
        "sent_at": message.sent_at.isoformat(),
    }


def dumps(frame: ServerFrame) -> str:
    """A server frame as the compact JSON text the socket sends."""
    return json.dumps(frame, separators=(",", ":"), default=str)
