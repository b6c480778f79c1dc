"""Computed figures: % of plan, year on year, and the verdict (vượt / đạt / chưa đạt) for every
direction and every way a target is written."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from conftest import REPO

from dolisa_reports.figures.analysis import (
    Verdict,
    compute_rows,
    counts,
    ratio_pct,
    shortfalls,
    verdict,
    yoy_pct,
)
from dolisa_reports.inputs.catalogue import Direction, Indicator, TargetKind, load_catalogue
from dolisa_reports.inputs.numbers import Target
from dolisa_reports.inputs.validate import processed_table, validate_domain
from dolisa_reports.paths import Layout
from dolisa_reports.presentation.vnformat import percent

EXCEEDED, ACHIEVED, NOT_ACHIEVED = Verdict.EXCEEDED, Verdict.ACHIEVED, Verdict.NOT_ACHIEVED


def indicator(direction: str, kind: str = "amount", decimals: int = 0, unit: str = "người") -> Indicator:
    return Indicator(
        code="ZZ01",
        domain="labour",
        order=1,
        name_vi="Chỉ tiêu thử",
        name_en="Test indicator",
        unit=unit,
        direction=direction,
        target_kind=kind,
        value_decimals=decimals,
    )


def amount(x):
    return Target(TargetKind.AMOUNT, x)


def at_least(x):
    return Target(TargetKind.AT_LEAST, x)


def below(x):
    return Target(TargetKind.BELOW, None, x)


def between(lo, hi):
    return Target(TargetKind.RANGE, lo, hi)


VERDICTS = [
    # direction, decimals, target, actual, expected
    ("up", 0, amount(16000), 15939, NOT_ACHIEVED),
    ("up", 0, amount(16000), 16000, ACHIEVED),
    ("up", 0, amount(16000), 16000.4, ACHIEVED),  # within half the last printed digit
    ("up", 0, amount(16000), 16001, EXCEEDED),
    ("up", 1, at_least(68), 68.0, ACHIEVED),
    ("up", 1, at_least(68), 68.04, ACHIEVED),
    ("up", 1, at_least(68), 68.5, EXCEEDED),
    ("up", 1, at_least(68), 67.9, NOT_ACHIEVED),
    ("up", 2, at_least(0.4), 0.45, EXCEEDED),  # poor-household rate cut by 0,45 points, target ≥ 0,4
    ("up", 2, between(1.0, 1.5), 1.2, ACHIEVED),
    ("up", 2, between(1.0, 1.5), 1.0, ACHIEVED),
    ("up", 2, between(1.0, 1.5), 1.5, ACHIEVED),
    ("up", 2, between(1.0, 1.5), 1.6, EXCEEDED),
    ("up", 2, between(1.0, 1.5), 0.9, NOT_ACHIEVED),
    ("up", 2, below(2.3), 2.1, ACHIEVED),
    ("up", 2, below(2.3), 2.4, NOT_ACHIEVED),
    ("down", 2, below(2.3), 2.1, ACHIEVED),  # urban unemployment under 2,3%
    ("down", 2, below(2.3), 2.3, NOT_ACHIEVED),  # "dưới 2,3" is not met by 2,3
    ("down", 2, below(2.3), 2.5, NOT_ACHIEVED),
    ("down", 0, amount(8), 6, EXCEEDED),  # fewer accidents than planned: better
    ("down", 0, amount(8), 8, ACHIEVED),
    ("down", 0, amount(8), 9, NOT_ACHIEVED),
    ("down", 1, at_least(5), 6, EXCEEDED),  # "at least" is a floor whatever the direction
    ("down", 1, at_least(5), 4, NOT_ACHIEVED),
    ("down", 2, between(1.0, 1.5), 0.9, EXCEEDED),
    ("down", 2, between(1.0, 1.5), 1.2, ACHIEVED),
    ("down", 2, between(1.0, 1.5), 1.6, NOT_ACHIEVED),
]


@pytest.mark.parametrize(("direction", "decimals", "target", "actual", "expected"), VERDICTS)
def test_verdict(direction, decimals, target, actual, expected):
    assert verdict(indicator(direction, target.kind.value, decimals), actual, target) == expected


@pytest.mark.parametrize(
    ("ind", "actual", "target"),
    [
        (indicator("none", "none"), 343, amount(300)),  # a context figure: no verdict
        (indicator("up"), None, amount(300)),
        (indicator("up"), float("nan"), amount(300)),
        (indicator("up"), 300, None),
    ],
)
def test_no_verdict(ind, actual, target):
    assert verdict(ind, actual, target) is None


PUBLISHED_RATIOS = [
    # actual, plan, ratio decimals, as printed in the 2021 report
    (15939, 16000, 1, "99,6%"),
    (492, 1800, 1, "27,3%"),
    (14400, 14200, 1, "101,4%"),
    (2037, 2500, 1, "81,5%"),
    (1225, 1800, 1, "68,1%"),
    (11138, 9900, 1, "112,5%"),
    (436, 1656, 2, "26,33%"),
    (20, 20, 1, "100%"),
]


@pytest.mark.parametrize(("actual", "plan", "decimals", "printed"), PUBLISHED_RATIOS)
def test_ratio_from_raw_values(actual, plan, decimals, printed):
    assert percent(ratio_pct(actual, amount(plan)), decimals) == printed


def test_ratio_bases():
    assert ratio_pct(0.45, at_least(0.4)) == pytest.approx(112.5)  # against the floor
    assert ratio_pct(2.1, below(2.3)) is None  # a bound, not an amount: no % of plan
    assert ratio_pct(1.2, between(1.0, 1.5)) is None
    assert ratio_pct(5, amount(0)) is None
    assert ratio_pct(None, amount(5)) is None
    assert ratio_pct(float("nan"), amount(5)) is None
    assert ratio_pct(5, None) is None


def test_year_on_year():
    assert yoy_pct(15, 19) == pytest.approx(78.947368, rel=1e-6)
    assert yoy_pct(6, 8) == 75.0
    assert yoy_pct(5, 0) is None
    assert yoy_pct(None, 8) is None
    assert yoy_pct(5, float("nan")) is None


@pytest.fixture(scope="module")
def layout(tmp_path_factory) -> Layout:
    """The repository's own inputs, read only; nothing is written."""
    return Layout(REPO, tmp_path_factory.mktemp("outputs"))


def _table(layout: Layout, year: int, domain: str) -> pd.DataFrame:
    result = validate_domain(year, domain, layout)
    assert result.ok
    return processed_table(result, load_catalogue(layout))


def test_rows_of_the_2021_sample(layout):
    catalogue = load_catalogue(layout)
    rows = compute_rows(
        _table(layout, 2021, "vocational_training"),
        _table(layout, 2020, "vocational_training"),
        catalogue,
        "vocational_training",
        2021,
    )
    assert [r.code for r in rows] == ["GD01", "GD02", "GD03", "GD04", "GD05"]
    assert [r.tt for r in rows] == [1, 2, 3, 4, 5]
    by_code = {r.code: r for r in rows}
    assert [percent(by_code[c].ratio, 1) for c in ("GD02", "GD03", "GD04", "GD05")] == [
        "101,4%",
        "81,5%",
        "68,1%",
        "112,5%",
    ]
    assert [by_code[c].verdict for c in ("GD02", "GD03", "GD04", "GD05")] == [
        EXCEEDED,
        NOT_ACHIEVED,
        NOT_ACHIEVED,
        EXCEEDED,
    ]
    gd01 = by_code["GD01"]
    assert gd01.plan is None and gd01.ratio is None and gd01.verdict is None
    assert gd01.target_next == Target(TargetKind.AT_LEAST, 68.0, None)
    assert counts(rows) == {EXCEEDED: 2, ACHIEVED: 0, NOT_ACHIEVED: 2}
    assert [r.code for r in shortfalls(rows)] == ["GD03", "GD04"]
    assert gd01.previous is not None and gd01.previous_illustrative  # 2020 figure marked Minh họa
    assert gd01.yoy == pytest.approx(gd01.actual / gd01.previous * 100)


def test_rows_skip_indicators_without_any_figure(layout):
    catalogue = load_catalogue(layout)
    current = _table(layout, 2021, "labour")
    current.loc[current["code"] == "LD03", ["actual", "plan_kind", "target_kind"]] = [math.nan, None, None]
    rows = compute_rows(current, None, catalogue, "labour", 2021)
    codes = [r.code for r in rows]
    assert "LD03" not in codes
    assert [r.tt for r in rows] == list(range(1, len(rows) + 1))
    ld01 = next(r for r in rows if r.code == "LD01")
    assert (percent(ld01.ratio, 1), ld01.verdict, ld01.previous, ld01.yoy) == (
        "99,6%",
        NOT_ACHIEVED,
        None,
        None,
    )
    ld09 = next(r for r in rows if r.code == "LD09")
    assert ld09.indicator.direction == Direction.DOWN
    assert ld09.target_next == Target(TargetKind.BELOW, None, 2.3)
