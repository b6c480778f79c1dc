"""Which per-area reports a ``--per-area`` build plans: the areas of ``params/<year>.yaml`` that have at
least one figure in the domain's area sheet ("Theo địa bàn").

Only ``--per-area`` builds call this (it reads the YAML and opens the workbooks, so it imports pydantic,
pandas and openpyxl: an ordinary up-to-date build stays free of them). An area without any figure gets no
report; the run log says which areas were left out and why.
"""

from __future__ import annotations

from ..paths import Layout


class AreaLister:
    """``(year, domain) -> [(area code, slug), …]`` in the order of params/<year>.yaml."""

    def __init__(self, layout: Layout):
        self.layout = layout
        self.skipped: list[str] = []  # lines for the terminal: areas left out

    def __call__(self, year: int, domain: str) -> list[tuple[str, str]]:
        from ..catalogue import CatalogueError, load_catalogue
        from ..ingest import read_domain
        from ..params import ParamsError, load_params
        from .runlog import log

        layout = self.layout
        path = layout.workbook(year, domain)
        if not path.is_file():
            return []
        try:
            params = load_params(year, layout)
            catalogue = load_catalogue(layout)
        except (ParamsError, CatalogueError) as exc:  # the year's validation reports it
            log.info("per-area %s/%s: no area list (%s)", year, domain, exc)
            return []
        display = path.relative_to(layout.root).as_posix()
        try:
            raw = read_domain(path, year, domain, catalogue, params, display)
        except Exception as exc:  # an unreadable workbook fails the provincial report; no area report
            log.info("per-area %s/%s: workbook not read (%s: %s)", year, domain, type(exc).__name__, exc)
            return []
        with_figures = set()
        if not raw.areas.empty:
            with_figures = set(raw.areas.loc[raw.areas["value"].notna(), "area_code"])
        chosen = [(a.code, a.slug) for a in params.areas.items if a.code in with_figures]
        missing = [a.name for a in params.areas.items if a.code not in with_figures]
        if not raw.has_area_sheet:
            log.info("per-area %s/%s: the workbook has no area sheet: no area report", year, domain)
        elif missing:
            names = ", ".join(missing)
            log.info(
                "per-area %s/%s: %d areas without any figure, no report: %s",
                year,
                domain,
                len(missing),
                names,
            )
            self.skipped.append(
                f"{year} · {domain}: {len(missing)} địa bàn không có số liệu, không lập báo cáo"
            )
        log.info("per-area %s/%s: %d area reports", year, domain, len(chosen))
        return chosen
