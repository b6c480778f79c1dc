"""HTML fragments for the reports, rendered by jinja2 with autoescaping: text that comes from a
workbook (an indicator note, an area name) is always escaped, never interpreted."""

from __future__ import annotations

import base64
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from . import vnformat as vn

TEMPLATES = Path(__file__).resolve().parent / "templates"


@lru_cache(maxsize=1)
def env() -> Environment:
    e = Environment(
        loader=FileSystemLoader(str(TEMPLATES / "snippets")),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    e.filters.update(
        number=vn.number,
        percent=vn.percent,
        quantity=vn.quantity,
        vndate=vn.date,
        change=vn.signed_change,
    )
    return e


def render(name: str, **context) -> str:
    return env().get_template(name).render(**context)


def signature(params, units: list[str], domain: str | None = None) -> str:
    """The closing block: 'Nơi nhận' (from params, then the responsible units) and the signatory of the
    domain's report (``domain=None``: the year-end summary), both from params/<year>.yaml."""
    recipients, sig = params.closing(domain)
    return render(
        "signature.html.j2",
        recipients=list(dict.fromkeys([*recipients, *units])),
        unit_short=params.organisation.abbreviation,
        title=sig.title,
        signer_name=sig.name,
        illustrative=sig.illustrative,
    )


def figure(png: bytes, caption: str, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return render("figure.html.j2", src=Markup(f"data:image/png;base64,{data}"), caption=caption, alt=alt)
