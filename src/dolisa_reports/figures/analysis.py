"""Computed figures: achievement against plan, year-on-year change and the verdict.

Everything a report prints is derived here from raw values: ratios are never typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import pandas as pd

from ..inputs.catalogue import Catalogue, Direction, Indicator, TargetKind
from ..inputs.numbers import Target


class Verdict(StrEnum):
    EXCEEDED = "vượt"
    ACHIEVED = "đạt"
    NOT_ACHIEVED = "chưa đạt"


VERDICT_LABEL = {Verdict.EXCEEDED: "Vượt", Verdict.ACHIEVED: "Đạt", Verdict.NOT_ACHIEVED: "Chưa đạt"}


class Pace(StrEnum):
    """Mid-year: a cumulative figure against the share of the year's plan the period should have reached
    (50% at six months, 75% at nine)."""

    ON_TRACK = "đạt tiến độ"
    BEHIND = "chậm tiến độ"


PACE_LABEL = {Pace.ON_TRACK: "Đạt tiến độ", Pace.BEHIND: "Chậm tiến độ"}


def _tol(decimals: int) -> float:
    return 0.5 * 10 ** (-max(decimals, 0)) + 1e-12


def _cmp(a: float, b: float, decimals: int) -> int:
    """-1, 0, 1 with a tolerance of half the last printed digit."""
    if abs(a - b) <= _tol(decimals):
        return 0
    return 1 if a > b else -1


def verdict(ind: Indicator, actual: float | None, plan: Target | None) -> Verdict | None:
    """Vượt / đạt / chưa đạt, respecting direction and how the target is expressed."""
    if plan is None or actual is None or pd.isna(actual) or ind.direction == Direction.NONE:
        return None
    sign = 1 if ind.direction == Direction.UP else -1
    d = ind.value_decimals
    if plan.kind in (TargetKind.AMOUNT, TargetKind.AT_LEAST):
        c = _cmp(actual, plan.low, d) * sign
        if plan.kind == TargetKind.AT_LEAST and ind.direction == Direction.DOWN:
            c = _cmp(actual, plan.low, d)  # "at least" is a floor whatever the direction
        return {1: Verdict.EXCEEDED, 0: Verdict.ACHIEVED, -1: Verdict.NOT_ACHIEVED}[c]
    if plan.kind == TargetKind.BELOW:
        return Verdict.ACHIEVED if _cmp(actual, plan.high, d) < 0 else Verdict.NOT_ACHIEVED
    if plan.kind == TargetKind.RANGE:
        lo, hi = _cmp(actual, plan.low, d), _cmp(actual, plan.high, d)
        if lo >= 0 and hi <= 0:
            return Verdict.ACHIEVED
        better = (hi > 0) if sign > 0 else (lo < 0)
        return Verdict.EXCEEDED if better else Verdict.NOT_ACHIEVED
    return None


def ratio_pct(actual: float | None, plan: Target | None) -> float | None:
    """% TH/KH: actual over the planned amount (or the floor of an "at least" target)."""
    if plan is None or actual is None or pd.isna(actual):
        return None
    base = plan.low if plan.kind in (TargetKind.AMOUNT, TargetKind.AT_LEAST) else None
    if base is None or base == 0:
        return None
    return float(actual) / float(base) * 100.0


def yoy_pct(actual: float | None, previous: float | None) -> float | None:
    """% so với cùng kỳ: this year over last year."""
    if actual is None or previous is None or pd.isna(actual) or pd.isna(previous) or previous == 0:
        return None
    return float(actual) / float(previous) * 100.0


def _target_from(rec, prefix: str) -> Target | None:
    kind = rec.get(f"{prefix}_kind")
    if kind is None or pd.isna(kind):
        return None

    def f(v):
        return None if v is None or pd.isna(v) else float(v)

    return Target(TargetKind(kind), f(rec.get(f"{prefix}_low")), f(rec.get(f"{prefix}_high")))


@dataclass(frozen=True)
class Row:
    """One line of the indicator table, every figure computed."""

    tt: int
    indicator: Indicator
    plan: Target | None
    actual: float | None
    previous: float | None
    target_next: Target | None
    ratio: float | None
    yoy: float | None
    verdict: Verdict | None
    nature: str
    previous_nature: str | None
    note: str
    pace: Pace | None = None  # six- and nine-month reports only (the verdict is then None)

    @property
    def code(self) -> str:
        return self.indicator.code

    @property
    def illustrative(self) -> bool:
        return self.nature == "illustrative"

    @property
    def previous_illustrative(self) -> bool:
        return self.previous is not None and self.previous_nature == "illustrative"


def _none(v):
    return None if v is None or pd.isna(v) else float(v)


def pace(ind: Indicator, ratio: float | None, months: int) -> Pace | None:
    """On track or behind, for a cumulative figure (not a rate) with a ratio against the year's plan."""
    if months >= 12 or ratio is None or not ind.is_count or ind.direction == Direction.NONE:
        return None
    c = _cmp(ratio, months / 12 * 100, ind.ratio_decimals)
    ahead = c <= 0 if ind.direction == Direction.DOWN else c >= 0
    return Pace.ON_TRACK if ahead else Pace.BEHIND


def compute_rows(
    current: pd.DataFrame,
    previous: pd.DataFrame | None,
    catalogue: Catalogue,
    domain: str,
    year: int,
    months: int = 12,
) -> list[Row]:
    """Rows in catalogue order; an indicator with no figure at all this year is left out.

    ``months`` < 12 (a six- or nine-month report): the plan is the year's, so no figure is judged
    achieved or not; a cumulative one is judged on or behind the pace instead (``pace``)."""
    cur = {r["code"]: r for r in current.to_dict("records")} if not current.empty else {}
    prev = {}
    if previous is not None and not previous.empty:
        prev = {r["code"]: r for r in previous.to_dict("records")}
    rows: list[Row] = []
    for ind in catalogue.for_domain(domain, year):
        rec = cur.get(ind.code)
        if rec is None:
            continue
        plan = _target_from(rec, "plan")
        actual = _none(rec.get("actual"))
        target = _target_from(rec, "target")
        if plan is None and actual is None and target is None:
            continue
        p = prev.get(ind.code)
        previous_value = _none(p.get("actual")) if p else None
        ratio = ratio_pct(actual, plan)
        rows.append(
            Row(
                tt=len(rows) + 1,
                indicator=ind,
                plan=plan,
                actual=actual,
                previous=previous_value,
                target_next=target,
                ratio=ratio,
                yoy=yoy_pct(actual, previous_value),
                verdict=verdict(ind, actual, plan) if months >= 12 else None,
                nature=str(rec.get("nature") or "official"),
                previous_nature=str(p.get("nature")) if p else None,
                note=str(rec.get("note") or ""),
                pace=pace(ind, ratio, months),
            )
        )
    return rows


def counts(rows: list[Row]) -> dict[Verdict, int]:
    return {v: sum(1 for r in rows if r.verdict == v) for v in Verdict}


def shortfalls(rows: list[Row]) -> list[Row]:
    return [r for r in rows if r.verdict == Verdict.NOT_ACHIEVED]
