"""Reading requests: every body, query string and form through one typed schema.

A handler declares what it accepts as a small schema class and makes one call:

    class Choice(Body):
        mode: Text

    choice = await read_body(request, Choice)      # JSON body
    query = read_query(request, Listing)           # query string (bad_query)
    form = read_form(await csrf.checked_form(request), Login)  # a page's form (csrf.py)

Whatever a client sends, the handler gets checked data or the client gets a 400
naming the field: `{"error": {"code", "message", "field"}}`. Malformed JSON (and
JSON nested deeper than MAX_DEPTH) is `bad_json`, a body over MAX_BODY is 413.
Fields not in the schema are ignored: add a field to the schema to read it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic_core import ErrorDetails
from starlette.datastructures import FormData
from starlette.requests import Request

from peercet.core.errors import BadInput, NotFound, TooLarge
from peercet.core.numbers import is_id, whole
from peercet.core.text import storable
from peercet.cycles.standing import cycle_of
from web.resources import resources

MAX_BODY = 64 * 1024
MAX_DEPTH = 32
BIG = 10**40  # a number of more digits reads as this: out of range for every field
STRINGS = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
S = TypeVar("S", bound=BaseModel)


class Body(BaseModel):
    """A JSON body's schema: strict types (`true` is not 1, `1.0` is not a whole number).
    `error_code` is the code of its 400s (an endpoint's documented code, if it has one);
    `field_codes` a field's own documented code, where it has one."""

    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)
    error_code: ClassVar[str] = "bad_input"
    field_codes: ClassVar[Mapping[str, str]] = {}


class Query(Body):
    """A query string's schema: text in, read by web/fields.py's types."""

    error_code: ClassVar[str] = "bad_query"


def _depth(body: bytes) -> int:
    level = peak = 0
    for byte in STRINGS.sub(b"", body):
        if byte in b"[{":
            level += 1
            peak = max(peak, level)
        elif byte in b"]}":
            level -= 1
    return peak


def _int(digits: str) -> int:
    if len(digits) <= 40:
        return int(digits)
    return -BIG if digits.startswith("-") else BIG


def _constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def decode_json(body: bytes) -> Any:
    """JSON as Python values, or bad_json: never a RecursionError or a 4,300-digit int."""
    if body.count(b"[") + body.count(b"{") > MAX_DEPTH and _depth(body) > MAX_DEPTH:
        raise BadInput(f"the body is nested deeper than {MAX_DEPTH} levels", "bad_json")
    try:
        return json.loads(body or b"null", parse_int=_int, parse_constant=_constant)
    except (ValueError, RecursionError) as exc:
        raise BadInput(f"the body is not valid JSON: {exc}", "bad_json") from None


async def read_json(request: Request) -> dict[str, Any]:
    """The request's JSON object, or a clear 400/413."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise TooLarge(f"the request body is over {MAX_BODY} bytes")
    data = decode_json(body)
    if not isinstance(data, dict):
        raise BadInput("the body must be a JSON object", "bad_json")
    return data


MESSAGES = {
    "missing": "is required",
    "string_type": "must be text",
    "int_type": "must be a whole number",
    "bool_type": "must be true or false",
    "list_type": "must be a list",
    "dict_type": "must be an object",
    "model_type": "must be an object",
    "literal_error": "must be one of {expected}",
    "greater_than_equal": "must be at least {ge}",
    "less_than_equal": "must be at most {le}",
    "less_than": "is out of range",
    "string_too_short": "must be at least {min_length} characters",
    "string_too_long": "must be at most {max_length} characters",
    "too_short": "must have at least {min_length} items",
    "too_long": "must have at most {max_length} items",
}


def _path(loc: tuple[int | str, ...]) -> str:
    """`ids[3]`, `answers.12`: where in the body. A key that is itself wrong is not
    repeated (it is the client's text): the object holding it is named."""
    parts: list[str] = []
    for part in loc:
        if part == "[key]":
            parts.pop()
        elif isinstance(part, int):
            parts.append(f"[{part}]")
        else:
            name = part if storable(part) else part.encode("utf-8", "replace").decode()
            parts.append(("." if parts else "") + name[:40])
    return "".join(parts) or "body"


def _message(error: ErrorDetails) -> str:
    template = MESSAGES.get(error["type"])
    if template is None:
        return error["msg"]
    try:
        return template.format(**error.get("ctx", {}))
    except (KeyError, IndexError):
        return error["msg"]


def checked(schema: type[S], data: Any) -> S:
    """`data` as `schema`, or a 400 naming the first field that is wrong."""
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        error = exc.errors(include_url=False, include_input=False)[0]
        field = _path(error["loc"])
        key = " (a key)" if "[key]" in error["loc"] else ""
        top = error["loc"][0] if error["loc"] else ""
        codes: Mapping[str, str] = getattr(schema, "field_codes", {})
        code = codes.get(str(top), getattr(schema, "error_code", "bad_input"))
        raise BadInput(f"`{field}`{key} {_message(error)}", code, field=field) from None


async def read_body(request: Request, schema: type[S]) -> S:
    """The JSON body as `schema`."""
    return checked(schema, await read_json(request))


def read_query(request: Request, schema: type[S]) -> S:
    """The query string as `schema`; an empty value means the field's default."""
    params = {k: v for k, v in request.query_params.items() if v != ""}
    return checked(schema, params)


def read_form(form: FormData | Mapping[str, Any], schema: type[S]) -> S:
    """A page's form post as `schema` (a file where text is expected is refused)."""
    return checked(schema, dict(form.items()))


def path_int(request: Request, name: str) -> int:
    """An id in the path; anything that cannot be one is simply not found."""
    value = whole(request.path_params.get(name))
    if value is None or not is_id(value):
        raise NotFound(f"no such {name}")
    return value


def path_text(request: Request, name: str) -> str:
    """A name in the path (a course ref, a token); one that cannot be stored names nothing."""
    value = request.path_params.get(name)
    if not isinstance(value, str) or not storable(value):
        raise NotFound(f"no such {name}")
    return value


class CycleQuery(Query):
    """`?cycle=2025-2027`: one of the configured cycles (peercet.cycles.standing.cycle_of)."""

    cycle: str | None = None  # any text: cycle_of refuses what names no cycle


def asked_cycle(request: Request, query: CycleQuery | None = None) -> tuple[str, list[int]]:
    """The cycle a request asks for (label and CET years), the current one by default."""
    query = query or read_query(request, CycleQuery)
    res = resources(request)
    return cycle_of(res.settings, query.cycle, res.clock.now())
