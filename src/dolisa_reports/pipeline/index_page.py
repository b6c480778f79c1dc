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


def _years_with_params(layout: Layout) -> list[int]:
    folder = layout.params_dir
    return [int(p.stem) for p in folder.glob("*.yaml") if p.stem.isdigit()] if folder.is_dir() else []


def _as_of(built_at: str | None):
    """The date submissions are judged against: the build's (two builds of the same inputs agree)."""
    from datetime import date, datetime

    try:
        return datetime.fromisoformat(built_at).date() if built_at else date.today()
    except ValueError:
        return date.today()


def _submissions(layout: Layout, year: int, today, store: StatusStore) -> dict:
    from ..presentation.vnformat import date
    from .submissions import year_submissions

    try:
        subs = year_submissions(layout, year, today, store.items)
    except Exception:  # a broken params file is said elsewhere; the index still lists the reports
        import logging

        logging.getLogger("dolisa_reports.pipeline").warning("submissions of %s", year, exc_info=True)
        return {}
    rows = [
        {
            "domain": s.domain,
            "title": s.title,
            "unit": s.unit,
            "deadline": date(s.deadline) if s.deadline else "—",
            "state": s.state,
            "text": s.text(),
        }
        for s in subs
    ]
    return {"submissions": rows, "as_of": date(today), "n_received": sum(s.received for s in subs)}


def refresh_index(layout: Layout) -> Path | None:
    """Rewrite outputs/index.html outside a build (after ``new-year`` or ``validate``), so the office sees
    the year's submissions at once; nothing is written when the outputs folder cannot take it."""
    from datetime import datetime

    from .clock import VN_TZ

    try:
        layout.outputs.mkdir(parents=True, exist_ok=True)
        store = StatusStore(layout.outputs / "status.json")
        return write_index(layout, store, datetime.now(VN_TZ).replace(microsecond=0).isoformat())
    except OSError:
        return None


def write_index(layout: Layout, store: StatusStore, built_at: str) -> Path:
    """Every year, newest first; in each, the year-end reports, then its nine- and six-month reports."""
    from ..periods import PERIODS

    years: dict[tuple[int, str], list] = defaultdict(list)
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
        years[(st.year, st.period)].append(
            {
                "key": st.key,
                "title": st.title or st.kind,
                "kind": st.kind,
                "area": st.area,
                "state": st.state,
                "attempted": _fmt_time(st.attempted_at),
                "last_good": _fmt_time(st.last_good_at),
                "error": st.error,
                "issued": st.issued,
                "links": links,
            }
        )
    sections = []
    today = _as_of(built_at)
    for year in sorted({y for y, _ in years} | set(_years_with_params(layout)), reverse=True):
        try:
            params = load_params(year, layout)
            org = f"{params.organisation.name} – {params.province}"
        except ParamsError:
            params, org = None, ""
        parts = []
        for period in sorted(PERIODS.values(), key=lambda p: -p.months):  # the year, 9 months, 6 months
            reports = years.get((year, period.code), [])
            in_period = layout.for_period(period.code)
            if not period.is_year and not reports and not in_period.has_data(year):
                continue
            items = sorted((r for r in reports if r["area"] is None), key=lambda r: order.get(r["kind"], 99))
            areas = _by_area(params, [r for r in reports if r["area"] is not None], order)
            subs = _submissions(in_period, year, today, store) if params is not None else {}
            heading = None if period.is_year else f"Báo cáo {period.when(year)}"
            anchor = "" if period.is_year else f"-{period.code}"  # so-lieu-2021, so-lieu-2021-6t
            parts.append({"anchor": anchor, "heading": heading, "when": period.when(year), "reports": items,
                          **areas, **subs})  # fmt: skip
        sections.append({"year": year, "org": org, "parts": parts})
    html = render("index.html.j2", sections=sections, built_at=_fmt_time(built_at))
    path = layout.outputs / "index.html"
    atomic_write_text(path, html)
    return path
