"""What the API and the pages both read: one schema per input, so a form and its
JSON twin are judged alike (web/http.py reads them)."""

from __future__ import annotations

from peercet.catalogue import search
from web.fields import Flag, Text, Whole
from web.http import Body, Query


class Registration(Body):
    """Text fields; `registrants.check_registration` judges them (all problems at once)."""

    email: Text | None = None
    password: Text | None = None
    name: Text | None = None
    goc_number: Text | None = None
    profession: Text | None = None


class Credentials(Body):
    email: Text
    password: Text


class CourseSearch(Query):
    """GET /api/courses and the /courses page: see peercet/catalogue/search.py."""

    q: Text = ""
    profession: Text = ""
    competency: Text = ""
    interactive: Flag | None = None
    page: Whole = 1

    def query(self) -> search.CourseQuery:
        return search.course_query(**self.model_dump())


class Attempt(Body):
    """`{answers: {question_id: option_id}}`; `exams` checks them against the exam."""

    error_code = "bad_answer"
    answers: dict[Text, Whole]


class Choice(Body):
    """`peercet.completions.choosing.mode_of` judges the mode (`bad_mode`)."""

    error_code = "bad_mode"
    mode: Text | None = None


class Watch(Query):
    """The moderators' console filters: a discussion state (one that none is in finds
    none), and only those reported."""

    state: Text = ""
    reported: Flag = False
