"""Reporting periods: the year-end report (``nam``) and the six- and nine-month reports (``6t``, ``9t``).

A period report has its own workbooks (``data/raw/<year>/<period>/``) and outputs
(``outputs/<year>/<period>/``), compares with the same period of the comparison year and states its
figures against the *year's* plan ("đạt 48,2% kế hoạch năm"). Nothing here imports anything heavy: the
build plans with it.
"""

from __future__ import annotations

from dataclasses import dataclass

from .problems import UserError

YEAR = "nam"


@dataclass(frozen=True)
class Period:
    code: str  # nam, 6t, 9t: the folder name and the --period value
    months: int
    name: str  # "6 tháng đầu năm", "" for the year

    @property
    def is_year(self) -> bool:
        return self.months == 12

    def when(self, year: int) -> str:
        """'năm 2021' / '6 tháng đầu năm 2021' (what a title and a caption say)."""
        return f"{self.name} {year}" if self.name else f"năm {year}"

    def when_cap(self, year: int) -> str:
        text = self.when(year)
        return text[0].upper() + text[1:]

    @property
    def plan_words(self) -> str:
        """What a ratio is against: the period's own plan at year end, the year's plan mid-year."""
        return "kế hoạch" if self.is_year else "kế hoạch năm"

    @property
    def expected_share(self) -> float:
        """The share of a year's plan a cumulative figure should have reached by the period's end (%)."""
        return self.months / 12 * 100


PERIODS: dict[str, Period] = {
    YEAR: Period(YEAR, 12, ""),
    "6t": Period("6t", 6, "6 tháng đầu năm"),
    "9t": Period("9t", 9, "9 tháng đầu năm"),
}


class PeriodError(UserError):
    """An unknown --period."""


def get(code: str | None) -> Period:
    key = (code or YEAR).strip().lower()
    if key not in PERIODS:
        choices = ", ".join(f"{p.code} ({p.name or 'cả năm'})" for p in PERIODS.values())
        raise PeriodError(f"Kỳ báo cáo '{code}' không có. Chọn một trong: {choices}.")
    return PERIODS[key]
