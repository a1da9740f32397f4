"""Catalogue search as pure rules (rule 10): a table of queries against a tiny catalogue."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from peercet.catalogue import search
from peercet.core.errors import BadInput
from peercet.core.tables import Course


def course(ref: str, title: str, professions: list[str], competencies: list[str],
           interactive: bool, summary: str = "") -> Course:  # fmt: skip
    return Course(ref=ref, title=title, summary=summary, professions=professions,
                  competencies=competencies, interactive=interactive)  # fmt: skip


CATALOGUE = search.index([
    course("C-10002", "Glaucoma referral", ["optometrist"], ["Ocular disease"], True),
    course("C-10001", "Frame fitting", ["dispensing_optician"], ["Optical appliances"], False,
           "Discussing frames is not interactive here."),
    course("C-10003", "Kératocône et lentilles", ["contact_lens_optician"],
           ["Contact lenses", "Communication"], True),
    course("C-10004", "Prescribing for dry eye", ["therapeutic_prescriber"], ["Ocular disease"],
           False),
])  # fmt: skip


@pytest.mark.parametrize(
    ("params", "refs"),
    [
        ({}, ["C-10001", "C-10002", "C-10003", "C-10004"]),
        ({"q": "glaucoma"}, ["C-10002"]),
        ({"q": "c-10004"}, ["C-10004"]),
        ({"q": "interactive"}, ["C-10002", "C-10003"]),  # not the summary that says the word
        ({"q": "Non-Interactive"}, ["C-10001", "C-10004"]),
        ({"q": "keratocone"}, ["C-10003"]),  # accents folded
        ({"q": "ocular disease"}, ["C-10002", "C-10004"]),
        ({"q": "ocular fitting"}, []),  # every word must match
        ({"competency": "communication"}, ["C-10003"]),
        ({"competency": " CONTACT  lenses "}, ["C-10003"]),
        ({"competency": "Ocular examination"}, []),  # in the list, on no course here
        # rule 10: "interactive" is the mark, every other word must match; CET is every course
        ({"q": "Interactive CET"}, ["C-10002", "C-10003"]),
        ({"q": "interactive cet points"}, ["C-10002", "C-10003"]),
        ({"q": "INTERACTIVE glaucoma"}, ["C-10002"]),
        ({"q": "interactive dry"}, []),  # C-10004 is about dry eye, but not interactive
        ({"q": "CET"}, ["C-10001", "C-10002", "C-10003", "C-10004"]),
        ({"q": "CET courses"}, ["C-10001", "C-10002", "C-10003", "C-10004"]),
        ({"q": "glaucoma, interactive."}, ["C-10002"]),  # punctuation is not part of a word
        ({"q": "(interactive) ?"}, ["C-10002", "C-10003"]),
        ({"q": "non-interactive CET"}, ["C-10001", "C-10004"]),
        ({"interactive": False}, ["C-10001", "C-10004"]),
        ({"profession": "optometrist"}, ["C-10002"]),
        ({"profession": "therapeutic_prescriber"}, ["C-10002", "C-10004"]),
        ({"profession": "contact_lens_optician"}, ["C-10001", "C-10003"]),
        ({"profession": "dispensing_optician", "q": "interactive"}, []),
    ],
)
def test_queries(params: dict[str, Any], refs: list[str]) -> None:
    found = search.search(CATALOGUE, search.course_query(**params))
    assert [c.ref for c in found.items] == refs and not found.has_next


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"page": 0}, "page"),
        ({"page": -1}, "page"),
        ({"profession": "x"}, "profession"),
        ({"q": "x" * 201}, "q"),
        ({"competency": "Ocular"}, "competency"),  # a whole name from the list, not part of one
        ({"competency": "Clinical management"}, "competency"),  # no profession's competency
    ],
)
def test_bad_queries(params: dict[str, Any], field: str) -> None:
    with pytest.raises(BadInput) as bad:
        search.course_query(**params)
    assert bad.value.field == field and bad.value.code == "bad_query"


@pytest.mark.parametrize(
    ("q", "words"),
    [
        ("Interactive CET", ("interactive",)),
        ("  Glaucoma,   IOP. ", ("glaucoma", "iop")),
        ("C-10421", ("c-10421",)),
        ("cet Point POINTS course Courses", ()),
        ("“.” , ;", ("“.”",)),  # only ASCII punctuation is stripped
    ],
)
def test_the_words_a_query_matches(q: str, words: tuple[str, ...]) -> None:
    assert search.words(q) == words


@given(st.integers(min_value=0, max_value=70), st.integers(min_value=1, max_value=5))
def test_pages_cover_every_match_once(count: int, page: int) -> None:
    entries = search.index(
        [course(f"C-{n:05d}", "T", ["optometrist"], [], False) for n in range(count)]
    )
    found = search.search(entries, search.CourseQuery(page=page))
    start = (page - 1) * search.PAGE_SIZE
    assert [c.ref for c in found.items] == [f"C-{n:05d}" for n in range(count)][
        start : start + search.PAGE_SIZE
    ]
    assert found.has_next == (count > start + search.PAGE_SIZE)
