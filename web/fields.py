"""The types a request schema is written in (web/http.py reads bodies into them).

Each says what a client may send and fails with a message a person can act on;
web/http.py names the field. Bodies are strict (JSON's `true` is not a number,
`1.0` is not a whole number); query strings and forms arrive as text, so their
numbers and flags are read from text here, by the project's own rules
(peercet/core/numbers.py), not by a library's idea of "lax".
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field
from pydantic_core import PydanticCustomError

from peercet.core.numbers import MAX_DIGITS, MAX_ID, whole
from peercet.core.text import text_problem

FLAGS = {"true": True, "1": True, "yes": True, "on": True,
         "false": False, "0": False, "no": False, "off": False}  # fmt: skip


def _storable(value: str) -> str:
    problem = text_problem(value)
    if problem is not None:
        raise PydanticCustomError("bad_text", problem)
    return value


def _whole(value: Any) -> Any:
    """ASCII digits read as a number; an int passes to the int check (a bool does not)."""
    if isinstance(value, str):
        number = whole(value.strip())
        if number is None:
            digits = value.strip().isascii() and value.strip().isdigit()
            problem = "is out of range" if digits else "must be a whole number (ASCII digits)"
            raise PydanticCustomError("bad_number", problem)
        return number
    return value


def _trim(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _flag(value: Any) -> Any:
    if isinstance(value, str):
        if value.strip().lower() not in FLAGS:
            raise PydanticCustomError("bad_flag", "must be true or false")
        return FLAGS[value.strip().lower()]
    return value


# Text that can be stored and sent back: no NUL, no lone surrogate.
Text = Annotated[str, AfterValidator(_storable)]
# Text a person writes (a reflection, a reason): trimmed, 1 to 4,000 characters.
Prose = Annotated[Text, Field(min_length=1, max_length=4000), BeforeValidator(_trim)]
# Text a person may leave blank (an optional reason): trimmed, at most 4,000 characters.
Remark = Annotated[Text, Field(max_length=4000), BeforeValidator(_trim)]
# A whole number from JSON, or from text in ASCII digits.
Whole = Annotated[int, BeforeValidator(_whole), Field(ge=0, lt=10**MAX_DIGITS)]
# The id of a row, or a message's seq: what the databases' INTEGER holds.
Id = Annotated[int, BeforeValidator(_whole), Field(ge=1, le=MAX_ID)]
# true or false; in a query string or a form also 1/0, yes/no, on/off.
Flag = Annotated[bool, BeforeValidator(_flag)]
