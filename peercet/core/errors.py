"""Domain errors carry the API's error code and the HTTP status that fits them."""

from __future__ import annotations


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, code: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field  # the input at fault, when one is (web/http.py names it)
        if code is not None:
            self.code = code


class BadInput(DomainError):
    status = 400
    code = "bad_input"


class NotSignedIn(DomainError):
    status = 401
    code = "not_signed_in"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class TooLarge(DomainError):
    status = 413
    code = "too_large"


class RateLimited(DomainError):
    status = 429
    code = "rate_limited"
