"""Helpers the claims-area emitters share: the Jinja2 template loader and value formatting."""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from pathlib import Path

import jinja2

CENT = Decimal("0.01")


@cache
def template(name: str) -> jinja2.Template:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=False,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template(name)


def money(value) -> str:
    return f"${Decimal(value or 0):,.2f}"


def cents(value) -> Decimal:
    return Decimal(value or 0).quantize(CENT)
