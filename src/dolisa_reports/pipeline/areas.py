"""Which per-area reports a ``--per-area`` build plans: the areas of ``params/<year>.yaml`` that have at
least one figure in the domain's area sheet ("Theo địa bàn").

Only ``--per-area`` builds call this, after the validation step: it reads the validated datasets
(``dataset.py``), never the workbooks, so planning any number of areas reads each dataset once. An area without any figure gets no
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
        from ..inputs import dataset
        from ..inputs.params import ParamsError, load_params
        from .runlog import log

        layout = self.layout
        try:
            params = load_params(year, layout)
        except ParamsError as exc:  # the year's validation reports it
            log.info("per-area %s/%s: no area list (%s)", year, domain, exc)
            return []
        try:
            raw = dataset.load(year, domain, layout)  # validated before planning: never the workbook
        except dataset.DatasetError as exc:  # the provincial report fails with the reason; no area report
            log.info("per-area %s/%s: no validated dataset (%s)", year, domain, str(exc).splitlines()[0])
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
