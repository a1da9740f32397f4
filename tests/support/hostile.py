"""Hostile input as Hypothesis strategies, for any test that wants to throw it.

Text that breaks drivers (NUL, lone surrogates), numbers past every column, JSON
nested past any recursion limit, wrong types, malformed bodies and headers. Each
strategy mixes in plausible values (`plausible`), so that generated requests also
get past the first check and reach the code behind it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from hypothesis import strategies as st

MAX_ID = 2**31 - 1

NASTY_TEXT = [
    "", " ", "\x00", "a\x00b", "\ud800", "x\udfffy", "\ud83d", "\u0000\ud800",
    "²", "٣", "\uff11\uff12", "-1", "0", "1.0", "1e3", " 1", "+1", "0x10", "NaN", "true",
    "9" * 5000, "9" * 19, str(2**63), str(2**64), str(MAX_ID + 1), "-" + "9" * 40,
    "x" * 4001, "\u202e\u200b", "😀" * 50, "<script>alert(1)</script>", "'; DROP TABLE x;--",
    "../../etc/passwd", "%00", "\\", "=HYPERLINK(\"x\")", "\r\n", "\t", "\ufeff",
]  # fmt: skip

NASTY_NUMBERS: list[Any] = [
    0, -1, 1, MAX_ID, MAX_ID + 1, 2**63 - 1, 2**63, 2**64, -(2**63) - 1, 10**40, 10**400,
    1.0, 0.5, -0.0, 1e308, True, False, None,
]  # fmt: skip

FIELD_NAMES = [
    "email", "password", "name", "goc_number", "profession", "mode", "ids", "answers",
    "peer_took_part", "reflection", "reason", "seq", "outcome", "body", "award", "state",
    "csrf_token", "next", "cycle", "format", "q", "page", "after", "limit", "interactive",
    "reported", "competency", "score", "total", "role", "id", "type", "discussion",
]  # fmt: skip

QUERY_NAMES = [
    "page", "after", "limit", "cycle", "format", "interactive", "reported", "state", "q",
    "profession", "competency", "score", "total", "next", "ids", "mode",
]  # fmt: skip

PLAUSIBLE = [
    "interactive", "non_interactive", "void", "repair", "optometrist", "dispensing_optician",
    "01-12345", "someone@example.test", "correct-horse-1", "Ann Example", "A reflection.",
    "open", "disputed", "csv", "pdf", "2025-2027", "2026", "1", "2", "true", "false",
]  # fmt: skip

# Bodies that are not JSON objects, or are and nest past any limit.
RAW_BODIES = [
    b"", b"null", b"[]", b'"x"', b"1", b"{", b"{nope", b"\xff\xfe\x00", b"NaN",
    b'{"a": NaN}', b'{"a": Infinity}', b'{"email": "\xed\xa0\x80"}',
    b'{"email": "\\ud800", "password": "\\udfff"}', b'{"body": "a\\u0000b"}',
    b"[" * 100_000 + b"]" * 100_000, b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
    b'{"email": ' + b"[" * 5_000 + b"]" * 5_000 + b"}",
    b'{"ids": [' + b"9" * 5_000 + b"]}", b'{"ids": [' + b",".join([b"1"] * 20_000) + b"]}",
    b'{"seq": 1' + b"0" * 400 + b"}", b'{"a": 1, "a": [2]}', b'{"x": "' + b"y" * 70_000 + b'"}',
]  # fmt: skip

# /ws frames that are not JSON, nest past any limit, or are too large to be a message;
# a test replaces DISCUSSION with the id of a discussion its sender is in.
RAW_FRAMES = [
    "", "{", "null", "[]", "1", '"ping"', "[" * 100_000 + "]" * 100_000,
    '{"type":"say","body":' + "[" * 5_000 + "]" * 5_000 + "}",
    '{"type":"say","discussion":1' + "0" * 5_000 + "}",
    '{"type":"say","body":"\\ud800","client_msg_id":"x","discussion":DISCUSSION}',
    '{"type":"say","body":"a\\u0000b","client_msg_id":"y","discussion":DISCUSSION}',
    '{"type":"say","body":"ok","client_msg_id":"\\udfff","discussion":DISCUSSION}',
    '{"type": "ping", "x": NaN}', '{"type":"say","body":"' + "y" * 70_000 + '"}',
]  # fmt: skip

CONTENT_TYPES = [
    "application/json", "application/json; charset=latin-1", "text/plain",
    "application/x-www-form-urlencoded", "multipart/form-data", "multipart/form-data; boundary=",
    "multipart/form-data; boundary=xyz", "application/octet-stream", "\u00e9/\u00e9", "",
]  # fmt: skip


def texts(extra: Sequence[str] = ()) -> st.SearchStrategy[str]:
    """Hostile text, plausible words, and any text at all (surrogates included)."""
    return st.one_of(
        st.sampled_from(NASTY_TEXT),
        st.sampled_from([*PLAUSIBLE, *extra]),
        st.text(max_size=30),
        st.text(st.characters(codec=None, categories=["Cs", "Cc"]), max_size=5),
    )


def numbers() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.sampled_from(NASTY_NUMBERS),
        st.integers(),
        st.floats(allow_nan=True, allow_infinity=True),
    )


def json_values(extra: Sequence[str] = ()) -> st.SearchStrategy[Any]:
    """Any JSON value, nested a little, built from hostile leaves."""
    leaves = st.one_of(texts(extra), numbers(), st.booleans(), st.none())
    return st.recursive(
        leaves,
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(texts(extra), inner, max_size=3)
        ),
        max_leaves=6,
    )


def json_objects(extra: Sequence[str] = ()) -> st.SearchStrategy[dict[str, Any]]:
    """An object whose keys are mostly the API's own field names."""
    keys = st.one_of(st.sampled_from(FIELD_NAMES), texts())
    return st.dictionaries(keys, json_values(extra), max_size=6)


def json_bodies(extra: Sequence[str] = ()) -> st.SearchStrategy[bytes]:
    """Request bodies: JSON (with `\\ud800` escapes as json.dumps writes them) or raw bytes."""
    encoded = json_objects(extra).map(lambda obj: json.dumps(obj).encode())
    return st.one_of(encoded, encoded, st.sampled_from(RAW_BODIES), st.binary(max_size=40))


def form_fields(extra: Sequence[str] = ()) -> st.SearchStrategy[dict[str, str]]:
    keys = st.one_of(st.sampled_from(FIELD_NAMES), st.sampled_from(["q1", "q2", "q99999"]), texts())
    return st.dictionaries(keys, texts(extra), max_size=6)


def encode(text: str) -> str:
    """Percent-encoded as a browser would, lone surrogates as their (invalid) UTF-8 bytes."""
    return quote(text.encode("utf-8", "surrogatepass"), safe="")


def query_strings(extra: Sequence[str] = ()) -> st.SearchStrategy[str]:
    pairs = st.lists(
        st.tuples(st.one_of(st.sampled_from(QUERY_NAMES), texts()), texts(extra)), max_size=4
    )
    return pairs.map(lambda ps: "&".join(f"{encode(k)}={encode(v)}" for k, v in ps))


def path_values(real: Sequence[str]) -> st.SearchStrategy[str]:
    """What goes where a path names an id, a ref or a token: real ones, and not."""
    nasty = ["0", "-1", str(MAX_ID + 1), "9" * 5000, "²", "1.0", "abc", " 1", "\x00", "\ud800",
             "%", "..", "C-99999", "x" * 300]  # fmt: skip
    return st.one_of(st.sampled_from(list(real) or ["1"]), st.sampled_from(nasty), texts())


def header_values() -> st.SearchStrategy[str]:
    """Header text that can travel (latin-1, no line breaks), hostile inside that."""
    return st.one_of(
        st.sampled_from(["", "garbage", "peercet_session=x.y.z", "\x7f", "a" * 5000, "é"]),
        st.text(st.characters(min_codepoint=32, max_codepoint=255, exclude_characters="\x7f"),
                max_size=30),
    )  # fmt: skip


class Frame:
    """A frame's text, shown short when Hypothesis reports a failing example."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        text = self.text
        return repr(text) if len(text) <= 80 else f"{text[:60]!r}... ({len(text)} characters)"


def ws_frames(
    extra_ids: Sequence[int] = (),
    raw: Sequence[str] | None = None,
) -> st.SearchStrategy[Frame]:
    """Text frames for /ws: wrong types, unknown kinds, deep nesting, bad text, huge ones."""
    kinds = st.sampled_from(["join", "say", "typing", "leave", "ping", "nope", "", "SAY"])
    real: list[Any] = ["DISCUSSION"] * 3 + list(extra_ids)  # see RAW_FRAMES
    ids = st.one_of(st.sampled_from(real), numbers(), texts())
    frame = st.fixed_dictionaries(
        {"type": st.one_of(kinds, json_values())},
        optional={
            "discussion": ids, "after": ids, "prompt": ids, "client_msg_id": json_values(),
            "body": st.one_of(texts(), json_values(), st.sampled_from(["x" * 4001, "ok"])),
        },
    )  # fmt: skip
    text = st.one_of(
        frame.map(json.dumps), frame.map(json.dumps), st.sampled_from(raw or RAW_FRAMES),
        st.text(max_size=20),
    )  # fmt: skip
    return text.map(Frame)
