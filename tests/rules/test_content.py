"""The course's own text (peercet/catalogue/content.py): raw HTML shown as text, no link that runs
script, nothing that needs inline style, and the reading time."""

from __future__ import annotations

import re

import pytest

from peercet.catalogue.content import reading_minutes, to_html, word_count


@pytest.mark.parametrize(
    ("markdown", "shown", "never"),
    [
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;", "<script"),
        ('<img src=x onerror="alert(1)">', "&lt;img src=x onerror=", "<img"),
        ("a <b onclick=x>bold</b>", "&lt;b onclick=x&gt;", "<b "),
        ("<!-- hidden -->", "&lt;!-- hidden --&gt;", "<!--"),
        ("[x](javascript:alert(1))", "[x](javascript:alert(1))", "<a"),
        ("[x](JavaScript:alert(1))", "[x](JavaScript:alert(1))", "<a"),
        ("[x](vbscript:msgbox)", "[x](vbscript:msgbox)", "<a"),
        ("[x](data:text/html,<script>)", "[x](data:text/html,", "<a"),
        ("[x](data:image/png;base64,AAAA)", "[x](data:image/png;base64,AAAA)", "<a"),
        ("<javascript:alert(1)>", "&lt;javascript:alert(1)&gt;", "<a"),
        ("![x](https://example.com/a.png)", '<a href="https://example.com/a.png">x</a>', "<img"),
        ("[NICE NG81](https://www.nice.org.uk/guidance/ng81)",
         '<a href="https://www.nice.org.uk/guidance/ng81">NICE NG81</a>', "javascript"),
        ("see https://example.com", "see https://example.com</p>", "<a"),  # no linkify
        ("# Glaucoma\n\n## Risk", "<h2>Glaucoma</h2>\n<h3>Risk</h3>", "<h1"),
        ("###### Six", "<h6>Six</h6>", "<h7"),
        ("- age\n- myopia", "<ul>\n<li>age</li>\n<li>myopia</li>\n</ul>", "<script"),
        ("1. repeat\n2. refer", "<ol>\n<li>repeat</li>\n<li>refer</li>\n</ol>", "<script"),
        ("*thin* and **thick**", "<em>thin</em> and <strong>thick</strong>", "<script"),
        ("| a | b |\n|:--|--:|\n| 1 | 2 |",
         '<th class="align-left">a</th>\n<th class="align-right">b</th>', "style="),
        ("| a |\n|:-:|\n| <i>x</i> |", '<td class="align-center">&lt;i&gt;x&lt;/i&gt;</td>', "<i>"),
        ("`<b>`", "<code>&lt;b&gt;</code>", "<b>"),
    ],
)  # fmt: skip
def test_the_rendered_course_is_safe_markup(markdown: str, shown: str, never: str) -> None:
    html = to_html(markdown)
    assert shown in html
    assert never not in html.lower()


def test_nothing_rendered_needs_an_inline_style_or_script() -> None:
    markdown = "\n\n".join(
        ["# T", "| a | b | c |\n|:-|:-:|-:|\n| 1 | 2 | 3 |", "> quote", "```\ncode\n```",
         "[a](https://a.test 'title') <https://b.test>", "---", "*a* **b** `c`"]
    )  # fmt: skip
    html = to_html(markdown)
    assert not re.search(r"\s(style|on\w+)=", html)
    assert "<script" not in html and "javascript:" not in html


@pytest.mark.parametrize(
    ("words", "minutes"),
    [(0, 1), (1, 1), (199, 1), (200, 1), (201, 2), (400, 2), (401, 3), (2000, 10)],
)
def test_reading_time_is_words_at_200_a_minute_rounded_up_at_least_one(
    words: int, minutes: int
) -> None:
    assert reading_minutes(" ".join(["word"] * words)) == minutes


@pytest.mark.parametrize(
    ("markdown", "words"),
    [
        ("## Risk factors\n\n- age\n- myopia", 4),  # markup is not words
        ("| a | b |\n|---|---|", 2),
        ("don't cross-check 24 mmHg", 4),
        ("don\u2019t \u2014 well, *really* _so_", 4),
        ("[NICE](https://www.nice.org.uk)", 6),  # an address counts, roughly, as its parts
        ("", 0),
    ],
)
def test_markup_and_punctuation_are_not_counted_as_words(markdown: str, words: int) -> None:
    assert word_count(markdown) == words
