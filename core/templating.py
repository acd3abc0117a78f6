"""The one Jinja2 environment for drafted documents (plain text) and one for printable HTML pages.

Drafts are plain text a person edits, so they are not HTML-escaped; StrictUndefined makes a template that
names a field the draft function did not pass fail at once instead of printing an empty line."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import jinja2

from core.money import format_money
from core.settings import PROJECT_ROOT

TEXT_TEMPLATE_DIRS = (PROJECT_ROOT / "emitters" / "templates",)
HTML_TEMPLATE_DIRS = (PROJECT_ROOT / "dashboards" / "templates",)


def _environment(dirs: tuple[Path, ...], *, html: bool) -> jinja2.Environment:
    # Text drafts (letters, faxes, texts, X12) are never rendered as HTML, so escaping would corrupt them;
    # the HTML environment autoescapes.
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in dirs]),
        autoescape=html,  # noqa: S701
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=not html,
        lstrip_blocks=not html,
    )
    env.filters["money"] = format_money
    return env


@cache
def text_environment() -> jinja2.Environment:
    return _environment(TEXT_TEMPLATE_DIRS, html=False)


@cache
def html_environment() -> jinja2.Environment:
    return _environment(HTML_TEMPLATE_DIRS, html=True)


def render_text(template_name: str, **fields) -> str:
    return text_environment().get_template(template_name).render(**fields)


def render_html(template_name: str, **fields) -> str:
    return html_environment().get_template(template_name).render(**fields)
