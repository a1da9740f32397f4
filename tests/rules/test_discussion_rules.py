"""Pure rules and frame parsing: no I/O."""

from __future__ import annotations

import json

import pytest

from discussion import rules
from discussion.frames import (
    MAX_BODY,
    MAX_FRAME,
    FrameError,
    Join,
    Leave,
    Ping,
    Say,
    Typing,
    clean,
    dumps,
    parse,
)
from tests.support.hostile_frames import TEXT_FRAMES


@pytest.mark.parametrize(
    ("prompts", "written", "expected"),
    [
        ({1, 2}, set(), False),
        ({1, 2}, {None}, False),
        ({1, 2}, {1}, False),
        ({1, 2}, {1, 2}, True),
        ({1, 2}, {1, 2, None}, True),
        (set(), set(), False),  # no prompts: at least one message
        (set(), {None}, True),
    ],
)
def test_taking_part_means_every_prompt(
    prompts: set[int], written: set[int | None], expected: bool
) -> None:
    assert rules.took_part(prompts, written) is expected


@pytest.mark.parametrize(
    ("state", "took", "validated", "peer_took_part", "code"),
    [
        ("open", {1: True, 2: True}, set(), True, None),
        ("open", {1: True, 2: False}, set(), True, "not_taken_part"),
        ("open", {1: True, 2: False}, set(), False, "not_taken_part"),  # API.md: 409 either way
        ("open", {1: False, 2: False}, set(), False, "not_taken_part"),
        ("open", {1: True, 2: True}, set(), False, None),  # a dispute, once both took part
        ("open", {1: True, 2: True}, {1}, True, "already_validated"),
        ("closed", {1: True, 2: True}, set(), True, "discussion_closed"),
        ("completed", {1: True, 2: True}, {2}, True, "discussion_closed"),
        ("disputed", {1: True, 2: True}, {2}, True, None),  # the other may still validate
        ("disputed", {1: True, 2: True}, {2}, False, None),  # ... or dispute back
        ("disputed", {1: True, 2: True}, {1, 2}, True, "already_validated"),  # the disputer
    ],
)
def test_when_a_validation_is_allowed(
    state: str, took: dict[int, bool], validated: set[int], peer_took_part: bool, code: str | None
) -> None:
    assert rules.check_validation(state, 1, took, validated, peer_took_part).code == code


def test_the_token_bucket_allows_bursts_then_the_rate() -> None:
    bucket = rules.TokenBucket(rate=2, capacity=3)
    assert [bucket.take(0.0) for _ in range(4)] == [True, True, True, False]
    assert bucket.take(0.5) is True and bucket.take(0.5) is False
    assert [bucket.take(100.0) for _ in range(4)] == [True, True, True, False]


def frame(**data: object) -> str:
    return json.dumps(data)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (frame(type="ping"), Ping()),
        (frame(type="join", discussion=3), Join(3, 0)),
        (frame(type="join", discussion=3, after=7), Join(3, 7)),
        (frame(type="leave", discussion=3), Leave(3)),
        (frame(type="typing", discussion=3), Typing(3)),
        (
            frame(type="say", discussion=3, client_msg_id="u", body="hi", prompt=9),
            Say(3, "u", "hi", 9),
        ),
        (frame(type="say", discussion=3, client_msg_id="u", body="hi"), Say(3, "u", "hi", None)),
    ],
)
def test_frames_parse_into_typed_messages(text: str, expected: object) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "code", "cmid"),
    [
        ("nope", "bad_frame", None),
        ("[1]", "bad_frame", None),
        (frame(type="dance"), "bad_frame", None),
        (frame(type="join"), "bad_frame", None),
        (frame(type="join", discussion="3"), "bad_frame", None),
        (frame(type="join", discussion=True), "bad_frame", None),
        (frame(type="join", discussion=3, after=-1), "bad_frame", None),
        (frame(type="join", discussion=2**31), "bad_frame", None),  # past any INTEGER id
        (frame(type="say", discussion="x", client_msg_id="u", body="hi"), "bad_frame", "u"),
        (frame(type="say", discussion=2**31, client_msg_id="u", body="hi"), "bad_frame", "u"),
        (frame(type="say", discussion=3, body="hi"), "bad_frame", None),
        (frame(type="say", discussion=3, client_msg_id="u", body=""), "bad_frame", "u"),
        (frame(type="say", discussion=3, client_msg_id="u", body=5), "bad_frame", "u"),
        (frame(type="say", discussion=3, client_msg_id="u", body="x", prompt="p"),
         "bad_frame", "u"),
        (frame(type="say", discussion=3, client_msg_id="u", body="x" * (MAX_BODY + 1)),
         "too_large", "u"),
        ("x" * (MAX_FRAME + 1), "too_large", None),
    ],
)  # fmt: skip
def test_bad_frames_are_refused_with_a_code(text: str, code: str, cmid: str | None) -> None:
    with pytest.raises(FrameError) as refused:
        parse(text)
    assert (refused.value.code, refused.value.client_msg_id) == (code, cmid)
    assert refused.value.frame()["type"] == "error"


@pytest.mark.parametrize(("text", "code"), TEXT_FRAMES)
def test_every_hostile_frame_is_refused_with_an_error_frame(text: str, code: str) -> None:
    """Not JSON, nested 10,000 deep, NUL or lone surrogates, wrong types, too large:
    a FrameError (never RecursionError or another exception), whose frame is JSON."""
    with pytest.raises(FrameError) as refused:
        parse(text)
    assert refused.value.code == code
    answer = refused.value.frame()
    assert answer["type"] == "error" and len(dumps(answer)) < 300
    assert all(clean(v) if isinstance(v, str) else isinstance(v, int) for v in answer.values())


@pytest.mark.parametrize(
    "body", ["naïve café", "\U0001f600 paired surrogates", "tab\tand\nnewline", "x" * MAX_BODY]
)
def test_text_that_a_database_stores_is_accepted(body: str) -> None:
    text = frame(type="say", discussion=1, client_msg_id="ü-1", body=body)
    assert parse(text) == Say(1, "ü-1", body, None)


def test_a_body_of_the_maximum_is_accepted_however_its_json_is_written() -> None:
    """Python's json.dumps escapes every non-ASCII character: 4,000 emoji are 48,000
    characters of frame, and still one valid `say`."""
    body = "\U0001f600" * MAX_BODY
    text = json.dumps({"type": "say", "discussion": 1, "client_msg_id": "u", "body": body})
    assert len(text) > 48_000 and parse(text) == Say(1, "u", body, None)


def test_a_body_of_exactly_the_maximum_is_accepted() -> None:
    text = frame(type="say", discussion=1, client_msg_id="u", body="x" * MAX_BODY)
    assert isinstance(parse(text), Say)
