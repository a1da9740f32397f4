"""Small helpers every JSON endpoint uses: reading a body, reading an id."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request

from peercet.errors import BadInput, NotFound, TooLarge
from peercet.numbers import is_id, whole

MAX_BODY = 64 * 1024


async def read_json(request: Request) -> dict[str, Any]:
    """The request's JSON object, or a clear 400/413."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise TooLarge(f"the request body is over {MAX_BODY} bytes")
    try:
        data = json.loads(body or b"null")
    except ValueError as exc:
        raise BadInput(f"the body is not valid JSON: {exc}", "bad_json") from exc
    if not isinstance(data, dict):
        raise BadInput("the body must be a JSON object", "bad_json")
    return data


def path_int(request: Request, name: str) -> int:
    """An id in the path; anything that cannot be one is simply not found."""
    value = whole(request.path_params.get(name))
    if value is None or not is_id(value):
        raise NotFound(f"no such {name}")
    return value
