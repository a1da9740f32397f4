"""Hostile client frames and the error code each must get: one table, used by the pure
parsing tests (test_discussion_rules) and the transport's (test_ws_frames)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from discussion.frames import MAX_BODY

DEEP = 10_000


def frame(**data: Any) -> str:
    """A frame as JSON text (`ensure_ascii` writes a lone surrogate as its escape)."""
    return json.dumps(data)


def say(**fields: Any) -> str:
    """A good `say` with `fields` changed (a value of None leaves the field out)."""
    base: dict[str, Any] = {"type": "say", "discussion": 1, "client_msg_id": "u", "body": "hi"}
    return frame(**{k: v for k, v in (base | fields).items() if v is not None})


def join(**fields: Any) -> str:
    return frame(**({"type": "join", "discussion": 1, "after": 0} | fields))


def case(name: str, text: str | bytes, code: str = "bad_frame") -> Any:
    return pytest.param(text, code, id=name)


NOT_OBJECTS = [
    case("not json", "nope"),
    case("truncated", '{"type": "say", "body": "hi'),
    case("empty", ""),
    case("array", "[]"),
    case("string", '"x"'),
    case("number", "5"),
    case("null", "null"),
    case("no type", "{}"),
    case("unknown type", frame(type="dance")),
    case("type not text", frame(type=["say"])),
    case("type null", frame(type=None)),
]
DEEP_FRAMES = [
    case("arrays 10,000 deep", "[" * DEEP + "]" * DEEP),
    case("objects 10,000 deep", '{"a":' * DEEP + "1" + "}" * DEEP),
    case("deep inside a say", say(extra=None)[:-1] + ', "x": ' + "[" * DEEP + "]" * DEEP + "}"),
    case("unclosed, deep", '{"type": "ping", "x": ' + "[" * DEEP),
]
BAD_TEXT = [
    case("lone surrogate in body", say(body="hi \ud800")),
    case("lone low surrogate in body", say(body="\udfff")),
    case("lone surrogate in client_msg_id", say(client_msg_id="\ud800")),
    case("lone surrogate in type", frame(type="say\ud800")),
    case("lone surrogate in a field name", frame(type="ping", **{"\ud800": 1})),
    case("NUL in body", say(body="hi\x00there")),
    case("NUL in client_msg_id", say(client_msg_id="u\x00")),
    case("NUL in type", frame(type="ping\x00")),
]
WRONG_TYPES = [
    *(
        case(f"discussion {name}", say(discussion=value))
        for name, value in [
            ("as text", "1"),
            ("true", True),
            ("float", 1.0),
            ("list", [1]),
            ("object", {}),
            ("negative", -1),
            ("zero", 0),
            ("past INTEGER", 2**31),
            ("past BIGINT", 2**63),
            ("huge", 10**100),
        ]
    ),
    case("discussion missing", frame(type="join")),
    case("discussion null", frame(type="typing", discussion=None)),
    case("discussion of 5,000 digits", '{"type": "join", "discussion": ' + "9" * 5000 + "}"),
    case("discussion NaN", '{"type": "leave", "discussion": NaN}'),
    case("discussion Infinity", '{"type": "leave", "discussion": Infinity}'),
    case("discussion 1e400", '{"type": "leave", "discussion": 1e400}'),
    *(
        case(f"after {name}", join(after=value))
        for name, value in [
            ("negative", -1),
            ("as text", "0"),
            ("true", True),
            ("float", 0.5),
            ("list", []),
            ("past INTEGER", 2**31),
            ("huge", -(10**100)),
        ]
    ),
    *(
        case(f"client_msg_id {name}", say(client_msg_id=value))
        for name, value in [
            ("number", 5),
            ("empty", ""),
            ("list", ["u"]),
            ("65 characters", "u" * 65),
        ]
    ),
    case("client_msg_id missing", say(client_msg_id=None)),
    *(
        case(f"body {name}", say(body=value))
        for name, value in [("number", 5), ("empty", ""), ("blank", " \n\t"), ("list", ["hi"])]
    ),
    case("body missing", say(body=None)),
    *(
        case(f"prompt {name}", say(prompt=value))
        for name, value in [
            ("as text", "1"),
            ("true", True),
            ("false", False),
            ("float", 1.5),
            ("negative", -1),
            ("zero", 0),
            ("list", [1]),
            ("huge", 10**30),
        ]
    ),
]
TOO_LARGE = [
    case("body of 4,001 characters", say(body="x" * (MAX_BODY + 1)), "too_large"),
    case("frame over 64 KiB", say(body="y" * (64 * 1024 + 1)), "too_large"),
    case("frame of 1 MiB", say(body="z" * (1024 * 1024 - 100)), "too_large"),
]
TEXT_FRAMES = NOT_OBJECTS + DEEP_FRAMES + BAD_TEXT + WRONG_TYPES + TOO_LARGE
HOSTILE = [*TEXT_FRAMES, case("binary frame", b'{"type": "ping"}')]
