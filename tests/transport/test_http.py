"""The one way requests are read (web/http.py, web/fields.py): a table of hostile
values, each a 400 naming its field; then the same through the app, on both databases."""

from __future__ import annotations

from typing import Annotated, Any

import pytest
from pydantic import Field

from peercet.core.errors import BadInput
from peercet.core.settings import Settings
from peercet.core.text import text_problem
from tests.support.web_helpers import app_client, make_course, pass_exam, register
from web.api.discussions import Validation
from web.fields import Flag, Id, Prose, Text, Whole
from web.http import MAX_DEPTH, Body, Query, checked, decode_json


class Sample(Body):
    name: Text = ""
    note: Prose | None = None
    ids: Annotated[list[Id], Field(max_length=3)] = []
    count: Whole = 0
    flag: bool = False


class Listing(Query):
    page: Whole = 1
    shown: Flag | None = None


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "a\x00b"}, "name"),
        ({"name": "\ud800"}, "name"),
        ({"name": ["a"]}, "name"),
        ({"name": 1}, "name"),
        ({"note": " "}, "note"),
        ({"note": "x" * 4001}, "note"),
        ({"ids": [1, True]}, "ids[1]"),
        ({"ids": [2**31]}, "ids[0]"),
        ({"ids": [10**40]}, "ids[0]"),
        ({"ids": [1.0]}, "ids[0]"),
        ({"ids": [0]}, "ids[0]"),
        ({"ids": "1"}, "ids"),
        ({"ids": [1, 2, 3, 4]}, "ids"),
        ({"count": True}, "count"),
        ({"count": 1.5}, "count"),
        ({"count": -1}, "count"),
        ({"count": 2**63}, "count"),
        ({"count": "²"}, "count"),
        ({"flag": 1}, "flag"),
        ({"flag": "true"}, "flag"),
    ],
)
def test_a_bad_value_is_400_naming_its_field(data: dict[str, Any], field: str) -> None:
    with pytest.raises(BadInput) as bad:
        checked(Sample, data)
    assert (bad.value.code, bad.value.field) == ("bad_input", field)
    assert f"`{field}`" in bad.value.message


def test_good_values_pass_checked() -> None:
    got = checked(Sample, {"name": "Ann", "note": "  Fine.  ", "ids": [1, "2"], "count": 3})
    assert (got.name, got.note, got.ids, got.count, got.flag) == ("Ann", "Fine.", [1, 2], 3, False)


@pytest.mark.parametrize(
    ("params", "expected"),
    [({}, (1, None)), ({"page": "2"}, (2, None)), ({"shown": "true"}, (1, True)),
     ({"shown": "OFF"}, (1, False)), ({"page": " 3 "}, (3, None))],
)  # fmt: skip
def test_query_strings_are_read_from_text(params: dict[str, str], expected: tuple[Any]) -> None:
    got = checked(Listing, params)
    assert (got.page, got.shown) == expected


@pytest.mark.parametrize(
    ("params", "field"),
    [({"page": "x"}, "page"), ({"page": "9" * 5000}, "page"), ({"page": "1.0"}, "page"),
     ({"shown": "maybe"}, "shown"), ({"page": "-1"}, "page")],
)  # fmt: skip
def test_a_bad_query_is_bad_query(params: dict[str, str], field: str) -> None:
    with pytest.raises(BadInput) as bad:
        checked(Listing, params)
    assert (bad.value.code, bad.value.field) == ("bad_query", field)


class Coded(Body):
    error_code = "bad_thing"
    field_codes = {"award": "bad_award"}
    award: bool = False
    reason: Text = ""


@pytest.mark.parametrize(
    ("data", "code"),
    [({"award": "yes"}, "bad_award"), ({"reason": 1}, "bad_thing"), ({"award": None}, "bad_award")],
)
def test_a_field_may_have_its_own_code(data: dict[str, Any], code: str) -> None:
    with pytest.raises(BadInput) as bad:
        checked(Coded, data)
    assert bad.value.code == code


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"peer_took_part": True}, "reflection"),
        ({"peer_took_part": True, "reflection": "  ", "reason": "x"}, "reflection"),
        ({"peer_took_part": False, "reflection": "fine"}, "reason"),
        ({"peer_took_part": False, "reason": " "}, "reason"),
        ({"peer_took_part": False, "reason": ["a list"]}, "reason"),
        ({"peer_took_part": "no", "reason": "x"}, "peer_took_part"),
    ],
)
def test_a_validation_needs_a_reflection_and_a_dispute_a_reason(
    data: dict[str, Any], field: str
) -> None:
    with pytest.raises(BadInput) as bad:
        checked(Validation, data)
    assert bad.value.field == field and f"`{field}`" in bad.value.message


def test_a_dispute_may_leave_the_reflection_blank() -> None:
    got = checked(Validation, {"peer_took_part": False, "reason": " Absent "})
    assert (got.reflection, got.reason) == ("", "Absent")
    got = checked(Validation, {"peer_took_part": True, "reflection": "Both prompts"})
    assert (got.reflection, got.reason) == ("Both prompts", "")


@pytest.mark.parametrize(
    "body",
    [b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1), b"[" * 100_000, b'{"a": NaN}',
     b'{"a": Infinity}', b"\xff", b"{nope"],
)  # fmt: skip
def test_malformed_or_too_deep_json_is_bad_json(body: bytes) -> None:
    with pytest.raises(BadInput) as bad:
        decode_json(body)
    assert bad.value.code == "bad_json"


def test_json_within_limits_decodes_and_huge_numbers_stay_out_of_range() -> None:
    deep = b"[" * MAX_DEPTH + b"]" * MAX_DEPTH
    assert decode_json(deep) is not None
    assert decode_json(b'{"s": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}')["s"].startswith("[")
    assert decode_json(b"9" * 5000) == 10**40 and decode_json(b"-" + b"9" * 41) == -(10**40)
    assert decode_json(b'"\\ud800"') == "\ud800"  # kept here, refused by Text


@pytest.mark.parametrize(
    ("text", "problem"),
    [("ok", False), ("é😀", False), ("a\x00", True), ("\ud800", True), ("x\udfff", True)],
)
def test_text_that_cannot_be_stored(text: str, problem: bool) -> None:
    assert (text_problem(text) is not None) is problem


def test_the_app_names_the_field_and_never_echoes_a_surrogate(settings: Settings) -> None:
    ref = make_course(settings, True)
    with app_client(settings) as client:
        register(client)
        cid = pass_exam(client, ref)["id"]
        cases = [
            ("/api/session", b'{"email": "\\ud800", "password": "x"}', "email"),
            ("/api/registrants", b'{"name": "a\\u0000"}', "name"),
            ("/api/registrants", b'{"email": "\xed\xa0\x80"}', "email"),  # json.loads keeps it
            ("/api/notifications/read", b'{"ids": [' + b"9" * 5000 + b"]}", "ids[0]"),
            ("/api/notifications/read", b'{"ids": [' + b",".join([b"1"] * 501) + b"]}", "ids"),
            (f"/api/completions/{cid}/choice", b'{"mode": ["interactive"]}', "mode"),
            (f"/api/courses/{ref}/attempts", b'{"answers": {"\\ud800": 1}}', "answers"),
            (
                "/api/me/password",
                b'{"current_password": [], "new_password": ""}',
                "current_password",
            ),
        ]
        for path, body, field in cases:
            response = client.post(path, content=body, headers={"content-type": "application/json"})
            assert response.status_code == 400, (path, response.text)
            assert response.json()["error"]["field"] == field, (path, response.text)
        deep = client.post("/api/session", content=b"[" * 60_000)
        assert (deep.status_code, deep.json()["error"]["code"]) == (400, "bad_json")
        assert client.get("/api/courses?page=" + "9" * 5000).json()["error"]["field"] == "page"
        assert client.get("/api/courses/%00").status_code == 404
        assert client.get("/courses?interactive=maybe").status_code == 400
        unknown = client.get("/api/courses?competency=Ocular").json()["error"]
        assert (unknown["code"], unknown["field"]) == ("bad_query", "competency")
        listed = client.get("/api/competencies?profession=nope").json()["error"]
        assert (listed["code"], listed["field"]) == ("bad_query", "profession")
        assert client.get("/api/competencies?profession=%00").status_code == 400
