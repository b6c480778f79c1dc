"""``outputs/index.html``: every year and report, with links, build status and date."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from .. import DOMAINS
from ..atomic import atomic_write_text
from ..params import ParamsError, load_params
from ..paths import Layout
from ..render import render
from .status import StatusStore

FORMAT_LABEL = {"html": "HTML", "pdf": "PDF", "ipynb": "Notebook", "xlsx": "Excel"}


def _fmt_time(iso: str | None) -> str:
    if not iso:
        return "—"
    from datetime import datetime

    from ..vnformat import datetime_text

    try:
        return datetime_text(datetime.fromisoformat(iso))
    except ValueError:
        return iso


def write_index(layout: Layout, store: StatusStore, built_at: str) -> Path:
    years: dict[int, list] = defaultdict(list)
    order = {d: i for i, d in enumerate(("summary", *DOMAINS))}
    for st in store.items.values():
        links = [
            {"label": FORMAT_LABEL.get(fmt, fmt), "href": rel}
            for fmt, rel in sorted(st.outputs.items(), key=lambda kv: list(FORMAT_LABEL).index(kv[0]) if kv[0] in FORMAT_LABEL else 99)
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
            org = ""
        items = sorted(years[year], key=lambda r: (r["area"] is not None, r["area"] or "", order.get(r["kind"], 99)))
        sections.append({"year": year, "org": org, "reports": items})
    html = render("index.html.j2", sections=sections, built_at=_fmt_time(built_at))
    path = layout.outputs / "index.html"
    atomic_write_text(path, html)
    return path
