"""Per-year parameters (``params/<year>.yaml``): organisation, units and areas of that year.

Vietnam's organisation changes (ministries merged in 2025, the district level abolished), so all of
it is data, validated here with pydantic.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .. import DOMAINS
from ..paths import Layout
from ..periods import YEAR
from ..problems import UserError


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Organisation(_Strict):
    parent: str
    name: str
    short_name: str
    abbreviation: str


class Signatory(_Strict):
    title: str
    name: str
    illustrative: bool = False


class DomainInfo(_Strict):
    title: str
    unit: str
    recipients: tuple[str, ...] | None = None  # "Nơi nhận" of this report (default: the year's)
    signatory: Signatory | None = None  # who signs this report (default: the year's)
    deadline: dt.date | None = None  # hạn nộp: the date the unit's workbook is due


class PeriodInfo(_Strict):
    """A six- or nine-month report (``periods: {6t: …}``): its date and when the workbooks are due."""

    report_date: dt.date | None = None  # the report's date (default: the year's report_date)
    deadline: dt.date | None = None  # hạn nộp of every unit's period workbook


class Programme(_Strict):
    """A multi-year target (giai đoạn): e.g. 1.590 houses for meritorious persons in 2021–2023, counted
    by an indicator of the catalogue summed over the years of the period."""

    domain: str
    code: str  # the catalogue indicator that counts it each year
    title: str
    start: int
    end: int
    target: float
    source: str = ""


class SummaryInfo(_Strict):
    """The year-end summary's closing block (defaults: the year's recipients and signatory)."""

    recipients: tuple[str, ...] | None = None
    signatory: Signatory | None = None


class Unit(_Strict):
    code: str
    name: str


class Area(_Strict):
    code: str = Field(pattern=r"^[A-Z0-9_]+$")
    name: str

    @property
    def slug(self) -> str:
        """Its folder name (outputs/<year>/areas/<slug>/): the code, which is unique and never changes with
        the spelling of the name (two names can slug alike, e.g. 'Phú Lộc' and 'Phù Lộc'; some have no
        Latin letter at all)."""
        return self.code.lower()


class Areas(_Strict):
    level: str
    level_label: str
    items: tuple[Area, ...] = ()

    def by_code(self, code: str) -> Area | None:
        return next((a for a in self.items if a.code == code), None)

    def by_name(self, name: str) -> Area | None:
        key = normalise(name)
        return next((a for a in self.items if normalise(a.name) == key or a.code == name.strip()), None)


class YearParams(_Strict):
    year: int
    comparison_year: int
    next_year: int
    province: str
    province_kind: str
    organisation: Organisation
    place: str
    report_date: dt.date
    signatory: Signatory
    recipients: tuple[str, ...] = ()  # "Nơi nhận" of every report, before the responsible units
    domains: dict[str, DomainInfo]
    summary: SummaryInfo = SummaryInfo()
    programmes: tuple[Programme, ...] = ()
    units: tuple[Unit, ...] = ()
    areas: Areas
    periods: dict[str, PeriodInfo] = {}  # 6t, 9t (periods.py)
    notes: str = ""

    @model_validator(mode="after")
    def _check(self) -> YearParams:
        odd = [p for p in self.periods if p not in ("6t", "9t")]
        if odd:
            raise ValueError(f"kỳ báo cáo không hợp lệ trong 'periods': {', '.join(odd)} (chọn 6t, 9t)")
        missing = [d for d in DOMAINS if d not in self.domains]
        if missing:
            raise ValueError(f"thiếu mục 'domains' cho: {', '.join(missing)}")
        unknown = [d for d in self.domains if d not in DOMAINS]
        if unknown:
            raise ValueError(f"lĩnh vực không hợp lệ trong 'domains': {', '.join(unknown)}")
        seen_code: dict[str, Area] = {}
        seen_name: dict[str, Area] = {}
        for a in self.areas.items:
            first = seen_code.get(a.code)
            if first is not None:
                raise ValueError(
                    f"mã địa bàn '{a.code}' bị trùng trong 'areas': '{first.name}' và '{a.name}'"
                )
            seen_code[a.code] = a
            same = seen_name.get(normalise(a.name))
            if same is not None:
                raise ValueError(
                    f"tên địa bàn bị trùng trong 'areas': '{same.name}' ({same.code}) và '{a.name}' ({a.code})"
                )
            seen_name[normalise(a.name)] = a
        return self

    def domain_title(self, domain: str) -> str:
        return self.domains[domain].title

    def report_date_for(self, period: str) -> dt.date:
        info = self.periods.get(period)
        return info.report_date if info and info.report_date else self.report_date

    def deadline_for(self, domain: str, period: str) -> dt.date | None:
        """When the unit's workbook for the period is due (the domain's own deadline at year end)."""
        if period == YEAR:
            return self.domains[domain].deadline
        info = self.periods.get(period)
        return info.deadline if info else None

    def closing(self, domain: str | None) -> tuple[tuple[str, ...], Signatory]:
        """("Nơi nhận" lines, signatory) of a domain's report, or of the summary (``None``): its own
        entries in params, else the year's; with no recipients at all, the department's leadership."""
        own = self.summary if domain is None or domain == "summary" else self.domains[domain]
        recipients = own.recipients if own.recipients is not None else self.recipients
        if not recipients:
            recipients = (f"Lãnh đạo {self.organisation.short_name}",)
        return tuple(recipients), own.signatory or self.signatory


class ParamsError(UserError):
    pass


def normalise(text: str) -> str:
    """Case- and space-insensitive comparison key, keeping Vietnamese letters (NFC)."""
    return " ".join(unicodedata.normalize("NFC", str(text)).casefold().split())


def _display(path: Path) -> str:
    return f"params/{path.name}"


def _field_errors(exc: ValidationError) -> list[str]:
    out = []
    for e in exc.errors(include_url=False):
        loc = ".".join(str(p) for p in e["loc"])
        msg = e["msg"].removeprefix("Value error, ")
        out.append(f"{loc}: {msg}" if loc else msg)
    return out


@lru_cache(maxsize=32)
def _load(path: Path, mtime: float) -> YearParams:
    from .textio import TextFileError, read_text

    display = _display(path)
    try:
        text = read_text(path, display)
    except TextFileError as exc:
        raise ParamsError(str(exc)) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", dòng {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "cú pháp không đúng"
        raise ParamsError(
            f"{display}{where}: không đọc được YAML ({problem}): kiểm tra dấu ':' và thụt lề bằng dấu cách"
        ) from None
    if not isinstance(data, dict):
        raise ParamsError(f"{display}: tệp tham số phải là các mục 'tên: giá trị' (year, organisation, …)")
    try:
        params = YearParams.model_validate(data)
    except ValidationError as exc:
        raise ParamsError(f"{display}: tham số không hợp lệ:\n  " + "\n  ".join(_field_errors(exc))) from None
    if params.year != int(path.stem):
        raise ParamsError(f"{display}: 'year: {params.year}' không khớp với tên tệp")
    return params


def load_params(year: int, layout: Layout | None = None) -> YearParams:
    path = (layout or Layout.default()).params_file(year)
    try:
        mtime = path.stat().st_mtime
    except OSError:
        raise ParamsError(f"Chưa có tệp tham số năm {year}: {_display(path)}") from None
    return _load(path, mtime)
