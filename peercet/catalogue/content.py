"""A course's own text: Markdown from the catalogue file, rendered for the course page.

Raw HTML in the Markdown is shown as text, never as markup, and links that could run
script (javascript:, vbscript:, file:, data:) stay text, by markdown-it's validateLink
(and data: images, which it allows, are refused too).
The output needs no inline style or script (the site's CSP allows neither): table
alignment becomes a class. Images are off (the course is text; the CSP would block
most of them anyway), and headings sit one level below the page's own.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

MAX_CHARACTERS = 100_000
WORDS_PER_MINUTE = 200
WORD = re.compile(r"[^\W_]+(?:['\u2019-][^\W_]+)*")
ALIGNMENT = re.compile(r"^text-align:(left|center|right)$")


def word_count(markdown: str) -> int:
    """Words of the text: runs of letters and digits (with inner apostrophes and hyphens),
    so Markdown's own marks (#, -, |, *) are not words."""
    return len(WORD.findall(markdown))


def reading_minutes(markdown: str) -> int:
    """Minutes to read at about 200 words a minute, rounded up, at least one."""
    return max(1, math.ceil(word_count(markdown) / WORDS_PER_MINUTE))


def _lower_heading(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    """h1 → h2 … h5 → h6 (h6 stays): the page's title is the only h1."""
    token = tokens[idx]
    token.tag = f"h{min(6, int(token.tag[1]) + 1)}"
    return self.renderToken(tokens, idx, options, env)


def _aligned_cell(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    """A table cell's `style="text-align:…"` becomes `class="align-…"`."""
    token = tokens[idx]
    style = token.attrGet("style")
    if isinstance(style, str):
        token.attrs.pop("style")
        found = ALIGNMENT.match(style)
        if found:
            token.attrSet("class", f"align-{found.group(1)}")
    return self.renderToken(tokens, idx, options, env)


class _Parser(MarkdownIt):
    def validateLink(self, url: str) -> bool:
        """markdown-it's check, and no data: links either (it lets data: images through)."""
        return super().validateLink(url) and not url.strip().lower().startswith("data:")


def _parser() -> MarkdownIt:
    md = _Parser("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table").disable("image")
    for name in ("heading_open", "heading_close"):
        md.add_render_rule(name, _lower_heading)
    for name in ("th_open", "td_open"):
        md.add_render_rule(name, _aligned_cell)
    return md


PARSER = _parser()


@lru_cache(maxsize=64)
def to_html(markdown: str) -> str:
    """The course's HTML: safe to put in the page as it is."""
    html: str = PARSER.render(markdown)
    return html
