"""Markdown to HTML for the site: the claims and study pages, and the board's legend sentences.

markdown-it-py (CommonMark, with GitHub tables and footnotes from mdit-py-plugins), raw HTML off.
A relative link to a file the site does not carry (a study's CSV or JSON) keeps its text and loses
its target, so that no link of the published site is broken; the file stays in the repository.
"""

from __future__ import annotations

from collections.abc import Callable

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin


def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False}).enable("table").use(footnote_plugin)


def _is_relative(href: str) -> bool:
    return not (href.startswith("#") or "://" in href or href.startswith("mailto:"))


def markdown_html(text: str, keep: Callable[[str], bool] = lambda href: True) -> str:
    """``text`` as HTML; a relative link whose target ``keep`` refuses becomes its plain text."""
    parser = _parser()
    tokens = parser.parse(text)
    for token in tokens:
        if token.type == "inline" and token.children:
            token.children = _drop_links(token.children, keep)
    return parser.renderer.render(tokens, parser.options, {})


def _drop_links(children: list[Token], keep: Callable[[str], bool]) -> list[Token]:
    kept, depth = [], 0
    for child in children:
        if child.type == "link_open" and _is_relative(str(child.attrGet("href") or "")) and not keep(str(child.attrGet("href"))):
            depth += 1
            continue
        if child.type == "link_close" and depth:
            depth -= 1
            continue
        kept.append(child)
    return kept


def inline_html(text: str) -> str:
    """One markdown sentence (backticks, emphasis) as inline HTML."""
    return _parser().renderInline(text)
