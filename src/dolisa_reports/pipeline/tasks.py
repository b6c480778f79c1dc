"""What to build: one task per report (year × domain, optionally × area), with what it reads and writes.

A task names its inputs as *dependencies* and its files as *outputs*; deciding whether it is stale is
the manifest's job (``manifest.py``) and running it is the executor's (``executor.py``). Nothing here
imports pandas, papermill or nbconvert: planning an up-to-date build must stay cheap.

Dependencies (what the manifest hashes) are identified by short strings:

- ``file:<path relative to the project root>`` — the file's content (sha256), or its absence;
- ``tree:package`` — every file of the installed ``dolisa_reports`` package (code and templates);
- ``issue:<year>/<report>`` — the number and date of an issued report (params/<year>.issued.yaml);
- ``out:<path relative to the outputs folder>`` — a file written by another task (the year-end summary
  reads the domain reports' ``<year>/results/<domain>.json``); hashed when the task is about to run.

Each task also names the artefacts it ``reads`` and ``writes`` (``dataset:2021/labour``,
``results:2021/labour``, ``html:2021/labour``): the build's task graph (``graph.py``) draws its edges
from them, so a report runs after its validation, a year's validation after its comparison year's, and
the summary after its domain reports.

A task whose ``after`` names other tasks (the year's summary: its five domain reports) is an *aggregate*:
it is rebuilt whenever one of them is.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .. import DOMAINS
from ..paths import Layout
from ..periods import YEAR
from ..periods import get as get_period

PACKAGE_DIR = Path(__file__).resolve().parents[1]
PACKAGE_DEP = "tree:package"
LOCK_FILE = "requirements.lock"

_COMPARISON = re.compile(r"^comparison_year\s*:\s*['\"]?(\d{4})['\"]?\s*(?:#.*)?$", re.MULTILINE)


def edition(year: int, period: str = YEAR) -> str:
    """'2021', or '2021/6t' for the six-month report: the folder under outputs/ and the prefix of the
    keys in manifest.json and status.json."""
    return str(year) if period == YEAR else f"{year}/{period}"


def file_dep(layout: Layout, path: Path) -> str:
    return "file:" + path.relative_to(layout.root).as_posix()


def is_derived(layout: Layout, dep: str) -> bool:
    """A dependency the build makes itself (the validated datasets in data/processed/), not an input."""
    return dep.startswith(file_dep(layout, layout.processed) + "/")


def comparison_year(layout: Layout, year: int) -> int:
    """``comparison_year`` from params/<year>.yaml without loading the whole file (year − 1 if absent).

    The full, validated parameters are loaded by the build itself; this only has to name the files a
    report reads, and params/<year>.yaml is itself a dependency, so a change there is always seen.
    """
    try:
        text = layout.params_file(year).read_bytes().decode("utf-8", errors="replace")  # any encoding
    except OSError:
        return year - 1
    match = _COMPARISON.search(text)
    return int(match.group(1)) if match else year - 1


@dataclass(frozen=True)
class ReportTask:
    year: int
    domain: str
    area: str | None = None  # area code, for per-area reports
    slug: str | None = field(default=None, compare=False)  # its folder: outputs/<year>/areas/<slug>/
    period: str = YEAR  # nam, 6t, 9t (periods.py): outputs/<year>/<period>/ when not the year

    kind = "report"

    @property
    def edition(self) -> str:
        return edition(self.year, self.period)

    @property
    def key(self) -> str:
        return f"{self.edition}/{self.domain}" + (f"@{self.area}" if self.area else "")

    @property
    def label(self) -> str:
        when = str(self.year) if self.period == YEAR else f"{self.year} {self.period}"
        return f"{when} · {self.domain}" + (f" · {self.area}" if self.area else "")

    @property
    def after(self) -> tuple[str, ...]:
        """Keys of the tasks whose outputs this one reads (none for a domain report)."""
        return ()

    def out_dir(self, layout: Layout, area_slug: str | None = None) -> Path:
        base = layout.out_year(self.year)
        slug = area_slug or self.slug or (self.area.lower() if self.area else None)
        return base / "areas" / slug if self.area and slug else base

    @property
    def index_href(self) -> str:
        """outputs/index.html, from the report's HTML."""
        depth = 1 + (2 if self.area else 0) + (self.period != YEAR)
        return "../" * depth + "index.html"

    def notebook_in(self, layout: Layout) -> Path:
        return layout.notebook(self.domain)

    def heading(self, params) -> str:
        """The report's title (HTML <title>)."""
        title = (
            f"Báo cáo chuyên đề {params.domain_title(self.domain)} {get_period(self.period).when(self.year)}"
        )
        area = params.areas.by_code(self.area) if self.area else None
        return f"{title} – {area.name}" if area else title

    def index_title(self, params) -> str:
        """Its name in outputs/index.html."""
        return params.domain_title(self.domain)

    def parameters(self) -> dict:
        own = {"year": self.year, "area": self.area}  # the notebook's default period is the year
        return own if self.period == YEAR else {**own, "period": self.period}

    def dependencies(self, layout: Layout) -> list[str]:
        """Everything the report reads: change any of it (or delete it) and the report is rebuilt.

        The figures are the validated datasets (``data/processed/<year>/<domain>.*``, see ``dataset.py``),
        never the workbooks: a workbook saved again with the same figures rebuilds nothing."""
        prev = comparison_year(layout, self.year)
        paths = [
            layout.notebook(self.domain),
            layout.params_file(self.year),
            *dataset_files(layout, self.year, self.domain),
            layout.narrative(self.year, self.domain),
            layout.catalogue,
            layout.root / LOCK_FILE,
        ]
        if prev != self.year:  # last year's figures feed the year-on-year column
            paths += [layout.params_file(prev), *dataset_files(layout, prev, self.domain)]
        deps = [PACKAGE_DEP, *(file_dep(layout, p) for p in paths)]
        return deps if self.area else [*deps, self.issue_dep]

    @property
    def issue_dep(self) -> str:
        """The number and date it prints once issued (``issue:<year>/<report>``, see inputs/issues.py;
        a period's record is its own file, params/<year>.<period>.issued.yaml)."""
        return f"issue:{self.year}/{self.domain}"

    def reads(self, layout: Layout) -> tuple[str, ...]:
        """The artefacts of other tasks it reads, by id (the graph's edges, see ``graph.py``)."""
        prev = comparison_year(layout, self.year)
        ids = [dataset_id(self.year, self.domain)]
        if prev != self.year:
            ids.append(dataset_id(prev, self.domain))
        return tuple(ids)

    def writes(self) -> tuple[str, ...]:
        """The artefacts other tasks may read: the HTML (for its PDF) and, province-wide, the results."""
        return (f"html:{self.key}",) + (() if self.area else (f"results:{self.year}/{self.domain}",))

    def outputs(self, layout: Layout, formats: tuple[str, ...]) -> dict[str, Path]:
        """The files a successful build leaves, by format (the executed notebook always)."""
        out = self.out_dir(layout)
        files = {"html": out / f"{self.domain}.html", "ipynb": out / "notebooks" / f"{self.domain}.ipynb"}
        if self.area is None:  # the figures, for the year-end summary (see results.py)
            files["results"] = results_path(layout, self.year, self.domain)
        if "pdf" in formats:
            files["pdf"] = out / f"{self.domain}.pdf"
        if "docx" in formats:
            files["docx"] = out / f"{self.domain}.docx"
        return files


def dataset_id(year: int, domain: str) -> str:
    return f"dataset:{year}/{domain}"


def dataset_files(layout: Layout, year: int, domain: str) -> list[Path]:
    """The validated dataset of a workbook (same names as ``dataset.paths``, without importing pandas)."""
    folder = layout.processed_year(year)
    return [folder / f"{domain}.json", folder / f"{domain}.parquet", folder / f"{domain}.areas.parquet"]


@dataclass(frozen=True)
class ValidateTask:
    """The validation step of one workbook: ``data/raw/<year>/<domain>.xlsx`` → its validated dataset.

    Run once per build for every (year, domain) a report needs, the comparison year included, before any
    notebook; skipped when none of its inputs changed and its dataset is in place."""

    year: int
    domain: str
    period: str = YEAR

    kind = "validate"

    @property
    def key(self) -> str:
        return f"validate/{edition(self.year, self.period)}/{self.domain}"

    def dependencies(self, layout: Layout) -> list[str]:
        paths = [
            layout.workbook(self.year, self.domain),
            layout.params_file(self.year),
            layout.narrative(self.year, self.domain),  # checked for its encoding
            layout.catalogue,
        ]
        prev = comparison_year(layout, self.year)
        if prev != self.year:  # the plausibility check compares with last year's validated figures
            paths += dataset_files(layout, prev, self.domain)
        return [PACKAGE_DEP, *(file_dep(layout, p) for p in paths)]

    def reads(self, layout: Layout) -> tuple[str, ...]:
        prev = comparison_year(layout, self.year)
        return (dataset_id(prev, self.domain),) if prev != self.year else ()

    def writes(self) -> tuple[str, ...]:
        return (dataset_id(self.year, self.domain),)

    def outputs(self, layout: Layout) -> dict[str, Path]:
        meta, indicators, areas = dataset_files(layout, self.year, self.domain)
        files = {"meta": meta, "submission": layout.submission(self.year, self.domain)}
        if indicators.exists() or not meta.exists():  # a workbook with errors has no tables
            files.update({"indicators": indicators, "areas": areas})
        return files


WORK_PROGRAMME = "work_programme"


@dataclass(frozen=True)
class ValidateProgrammeTask(ValidateTask):
    """The validation step of the year's work programme (``inputs/work_programme.py``)."""

    domain: str = WORK_PROGRAMME

    def dependencies(self, layout: Layout) -> list[str]:
        paths = [layout.workbook(self.year, self.domain), layout.params_file(self.year)]
        return [PACKAGE_DEP, *(file_dep(layout, p) for p in paths)]

    def reads(self, layout: Layout) -> tuple[str, ...]:
        return ()

    def outputs(self, layout: Layout) -> dict[str, Path]:
        folder = layout.processed_year(self.year)
        files = {"meta": folder / f"{self.domain}.json"}
        tasks = folder / f"{self.domain}.parquet"
        if tasks.exists() or not files["meta"].exists():
            files["tasks"] = tasks
        return files


def has_programme(layout: Layout, year: int) -> bool:
    return layout.workbook(year, WORK_PROGRAMME).is_file()


def validation_plan(layout: Layout, years: list[int], domains) -> list[ValidateTask]:
    """Every workbook the reports of ``years`` read: theirs and their comparison years' (when present);
    with every domain in the build, the year's work programme too. A six- or nine-month build validates
    the workbooks its period folders hold (a domain without one has no period report)."""
    needed: list[int] = []
    for y in sorted(years):
        prev = comparison_year(layout, y)
        for year in (prev, y) if prev != y else (y,):
            if year not in needed and layout.params_file(year).is_file() and layout.has_data(year):
                needed.append(year)
    order = {d: i for i, d in enumerate(DOMAINS)}
    out = [
        ValidateTask(y, d, layout.period)
        for y in sorted(needed)
        for d in sorted(domains, key=lambda d: order.get(d, 99))
        if not layout.in_period or layout.workbook(y, d).is_file()
    ]
    if layout.in_period:
        return out
    if set(DOMAINS) <= set(domains):
        out += [ValidateProgrammeTask(y) for y in sorted(years) if y in needed and has_programme(layout, y)]
    return out


def results_path(layout: Layout, year: int, domain: str) -> Path:
    """``outputs/<year>/results/<domain>.json`` (same as results.path_for, without importing it)."""
    return layout.out_year(year) / "results" / f"{domain}.json"


@dataclass(frozen=True)
class SummaryTask(ReportTask):
    """The year-end summary (notebooks/summary.ipynb) and its Excel appendix, from the five domain
    reports' results files: never from the workbooks."""

    domain: str = "summary"

    kind = "summary"

    @property
    def after(self) -> tuple[str, ...]:
        return tuple(f"{self.year}/{d}" for d in DOMAINS)

    def parameters(self) -> dict:
        return {"year": self.year}

    def reads(self, layout: Layout) -> tuple[str, ...]:
        return tuple(f"results:{self.year}/{d}" for d in (*DOMAINS, WORK_PROGRAMME))

    def writes(self) -> tuple[str, ...]:
        return (f"html:{self.key}",)

    def heading(self, params) -> str:
        return f"Báo cáo tổng kết năm {self.year}"

    def index_title(self, params) -> str:
        return f"Báo cáo tổng kết năm {self.year} (và phụ lục số liệu)"

    def dependencies(self, layout: Layout) -> list[str]:
        paths = [
            layout.notebook(self.domain),
            layout.params_file(self.year),
            layout.narrative(self.year, "summary"),  # the department-level assessment
            layout.root / LOCK_FILE,
        ]
        results = [
            "out:" + results_path(layout, self.year, d).relative_to(layout.outputs).as_posix()
            for d in (*DOMAINS, WORK_PROGRAMME)  # the work programme's totals, when the year has one
        ]
        return [PACKAGE_DEP, *(file_dep(layout, p) for p in paths), *results, self.issue_dep]

    def outputs(self, layout: Layout, formats: tuple[str, ...]) -> dict[str, Path]:
        out = layout.out_year(self.year)
        files = {
            "html": out / "summary.html",
            "ipynb": out / "notebooks" / "summary.ipynb",
            "xlsx": out / appendix_name(self.year),
        }
        if "pdf" in formats:
            files["pdf"] = out / "summary.pdf"
        if "docx" in formats:
            files["docx"] = out / "summary.docx"
        return files


@dataclass(frozen=True)
class ProgrammeTask(ReportTask):
    """The work-programme report (notebooks/work_programme.ipynb), from its validated dataset."""

    domain: str = WORK_PROGRAMME

    kind = "programme"

    def parameters(self) -> dict:
        return {"year": self.year}

    def heading(self, params) -> str:
        return f"Báo cáo kết quả thực hiện chương trình công tác năm {self.year}"

    def index_title(self, params) -> str:
        return "Kết quả thực hiện chương trình công tác"

    def reads(self, layout: Layout) -> tuple[str, ...]:
        return (dataset_id(self.year, self.domain),)

    def dependencies(self, layout: Layout) -> list[str]:
        folder = layout.processed_year(self.year)
        paths = [
            layout.notebook(self.domain),
            layout.params_file(self.year),
            folder / f"{self.domain}.json",
            folder / f"{self.domain}.parquet",
            layout.root / LOCK_FILE,
        ]
        return [PACKAGE_DEP, *(file_dep(layout, p) for p in paths)]


def appendix_name(year: int) -> str:
    return f"phu_luc_{year}.xlsx"


def plan(
    layout: Layout,
    years: list[int],
    domains: list[str] | tuple[str, ...] = DOMAINS,
    areas: Callable[[int, str], list[tuple[str, str]]] | None = None,
    provincial: bool = True,
) -> list[ReportTask]:
    """The reports of a build, in a stable order (year, then the domains' order, then the summary).

    A year's summary is planned when the build covers every domain (no ``--domain``, or all five).
    With ``areas`` (``--per-area``: ``(year, domain) -> [(area code, slug), …]``, see ``areas.py``), each
    year then gets one report per domain and area, after its provincial reports (only those with
    ``provincial=False``: the build plans them once the year's data is validated).
    """
    order = {d: i for i, d in enumerate(DOMAINS)}
    every = set(DOMAINS) <= set(domains)
    tasks: list[ReportTask] = []
    period = layout.period
    yearly = not layout.in_period  # the summary and the work programme are year-end reports
    for y in sorted(years):
        ordered = sorted(domains, key=lambda d: order.get(d, 99))
        if not yearly:  # a six-month report for each domain that sent its period workbook
            ordered = [d for d in ordered if layout.workbook(y, d).is_file()]
        if provincial:
            tasks += [ReportTask(y, d, period=period) for d in ordered]
        if provincial and every and yearly and has_programme(layout, y):
            tasks.append(ProgrammeTask(y))
        if provincial and every and yearly:
            tasks.append(SummaryTask(y))
        if areas is not None:
            for d in ordered:
                tasks += [ReportTask(y, d, code, slug, period) for code, slug in areas(y, d)]
    return tasks
