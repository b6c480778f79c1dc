"""``outputs/index.html``: every year and report, with links, build status and date."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from .. import DOMAINS
from ..atomic import atomic_write_text
from ..inputs.params import ParamsError, load_params
from ..paths import Layout
from ..presentation.render import render
from .status import StatusStore

FORMAT_LABEL = {"html": "HTML", "pdf": "PDF", "docx": "Word", "ipynb": "Notebook", "xlsx": "Excel"}


def _fmt_time(iso: str | None) -> str:
    if not iso:
        return "—"
    from datetime import datetime

    from ..presentation.vnformat import datetime_text

    try:
        return datetime_text(datetime.fromisoformat(iso))
    except ValueError:
        return iso


def _by_area(params, reports: list[dict], order: dict[str, int]) -> dict:
    """Per-area reports as a table: one row per area (params/<year>.yaml order), one column per domain."""
    if not reports:
        return {"area_domains": [], "area_rows": []}
    domains = sorted({r["kind"] for r in reports}, key=lambda k: order.get(k, 99))
    titles = {r["kind"]: r["title"] for r in reports}
    known = [a.code for a in params.areas.items] if params else []
    rank = {code: i for i, code in enumerate(known)}
    codes = sorted({r["area"] for r in reports}, key=lambda c: (rank.get(c, len(known)), c))
    cells = {(r["area"], r["kind"]): r for r in reports}
    rows = []
    for code in codes:
        area = params.areas.by_code(code) if params else None
        name = area.name if area else code
        rows.append({"code": code, "name": name, "cells": [cells.get((code, d)) for d in domains]})
    return {
        "area_domains": [titles[d] for d in domains],
        "area_rows": rows,
        "area_label": params.areas.level_label if params else "Địa bàn",
    }


def write_index(layout: Layout, store: StatusStore, built_at: str) -> Path:
    years: dict[int, list] = defaultdict(list)
    order = {d: i for i, d in enumerate(("summary", *DOMAINS))}
    for st in store.items.values():
        links = [
            {"label": FORMAT_LABEL.get(fmt, fmt), "href": rel}
            for fmt, rel in sorted(
                st.outputs.items(),
                key=lambda kv: list(FORMAT_LABEL).index(kv[0]) if kv[0] in FORMAT_LABEL else 99,
            )
            if fmt in FORMAT_LABEL and (layout.outputs / rel).exists()  # not the results files
        ]
        years[st.year].append(
            {
                "key": st.key,
                "title": st.title or st.kind,
                "kind": st.kind,
                "area": st.area,
                "state": st.state,
                "attempted": _fmt_time(st.attempted_at),
                "last_good": _fmt_time(st.last_good_at),
                "error": st.error,
                "links": links,
            }
        )
    sections = []
    for year in sorted(years, reverse=True):
        try:
            params = load_params(year, layout)
            org = f"{params.organisation.name} – {params.province}"
        except ParamsError:
            params, org = None, ""
        items = sorted((r for r in years[year] if r["area"] is None), key=lambda r: order.get(r["kind"], 99))
        areas = _by_area(params, [r for r in years[year] if r["area"] is not None], order)
        sections.append({"year": year, "org": org, "reports": items, **areas})
    html = render("index.html.j2", sections=sections, built_at=_fmt_time(built_at))
    path = layout.outputs / "index.html"
    atomic_write_text(path, html)
    return path
