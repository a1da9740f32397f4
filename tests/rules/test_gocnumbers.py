"""GOC numbers read loosely, kept in one form (peercet.accounts.gocnumbers)."""

from __future__ import annotations

import pytest

from peercet.accounts.gocnumbers import normalise_goc_number

WRITTEN = [
    ("01-12345", "01-12345"),
    ("  01-12345\t", "01-12345"),
    ("01 12345", "01-12345"),
    ("01  -  12345", "01-12345"),
    ("0112345", "01-12345"),
    ("01\u201312345", "01-12345"),  # en dash
    ("01\u201412345", "01-12345"),  # em dash
    ("01\u221212345", "01-12345"),  # minus sign
    ("01\u201112345", "01-12345"),  # non-breaking hyphen
    ("01\u00a012345", "01-12345"),  # no-break space
    ("01-12 345", "01-12345"),
    ("10-4567", "10-4567"),
    ("10-456789", "10-456789"),
    ("00123456", "00-123456"),
]
NOT_NUMBERS = [
    "", "   ", "12345", "1-12345", "001-12345", "01-123", "01-1234567", "01--12345",
    "01-12a45", "AB-12345", "01/12345", "01.12345", "\u0660\u0661-12345", "01-1234\u00b2",
    "01-12345-", "-01-12345", "GOC 01-12345",
]  # fmt: skip


@pytest.mark.parametrize(("written", "canonical"), WRITTEN)
def test_common_ways_of_writing_a_number_are_one_number(written: str, canonical: str) -> None:
    assert normalise_goc_number(written) == canonical


@pytest.mark.parametrize("written", NOT_NUMBERS)
def test_anything_else_is_not_a_goc_number(written: str) -> None:
    assert normalise_goc_number(written) is None


@pytest.mark.parametrize(("written", "canonical"), WRITTEN)
def test_the_canonical_form_is_its_own_canonical_form(written: str, canonical: str) -> None:
    assert normalise_goc_number(canonical) == canonical
