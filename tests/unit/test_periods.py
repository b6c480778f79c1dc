"""Reporting periods: paths, words, and the pace of a cumulative figure against the year's plan."""

from __future__ import annotations

from pathlib import Path

import pytest

from dolisa_reports import periods
from dolisa_reports.figures.analysis import Pace, pace
from dolisa_reports.inputs.catalogue import Direction, Indicator, TargetKind
from dolisa_reports.paths import Layout
from dolisa_reports.pipeline.tasks import ReportTask, ValidateTask


def _ind(unit="người", direction=Direction.UP) -> Indicator:
    return Indicator(
        code="LD01", domain="labour", order=1, name_vi="x", name_en="x", unit=unit,
        direction=direction, target_kind=TargetKind.AMOUNT,
    )  # fmt: skip


def test_a_period_has_its_own_folders_and_keys():
    year = Layout(Path("/p"), Path("/p/outputs"))
    six = year.for_period("6t")
    assert year.workbook(2021, "labour") == Path("/p/data/raw/2021/labour.xlsx")
    assert six.workbook(2021, "labour") == Path("/p/data/raw/2021/6t/labour.xlsx")
    assert six.processed_year(2021) == Path("/p/data/processed/2021/6t")
    assert six.out_year(2021) == Path("/p/outputs/2021/6t")
    assert six.issue_record(2021) == Path("/p/params/2021.6t.issued.yaml")
    assert six.issued_dir(2021) == Path("/p/issued/2021/6t")
    assert six.params_file(2021) == year.params_file(2021)  # one year, one params file
    assert ReportTask(2021, "labour").key == "2021/labour"
    assert ReportTask(2021, "labour", period="6t").key == "2021/6t/labour"
    assert ReportTask(2021, "labour", "D1", "d1", "9t").index_href == "../../../../index.html"
    assert ValidateTask(2021, "labour", "6t").key != ValidateTask(2021, "labour").key


def test_words():
    assert periods.get("6t").when(2022) == "6 tháng đầu năm 2022"
    assert periods.get("9t").when(2022) == "9 tháng đầu năm 2022"
    assert periods.get(None).when(2022) == "năm 2022"
    assert periods.get("NAM").plan_words == "kế hoạch"
    assert periods.get("6t").plan_words == "kế hoạch năm"
    with pytest.raises(periods.PeriodError, match="Chọn một trong"):
        periods.get("q1")


@pytest.mark.parametrize(
    ("ratio", "months", "direction", "expected"),
    [
        (51.8, 6, Direction.UP, Pace.ON_TRACK),
        (50.0, 6, Direction.UP, Pace.ON_TRACK),
        (49.9, 6, Direction.UP, Pace.BEHIND),
        (70.0, 9, Direction.UP, Pace.BEHIND),
        (40.0, 6, Direction.DOWN, Pace.ON_TRACK),  # fewer accidents than half the year's ceiling
        (60.0, 6, Direction.DOWN, Pace.BEHIND),
        (30.0, 12, Direction.UP, None),  # the year: judged by the verdict, not the pace
        (None, 6, Direction.UP, None),
    ],
)
def test_pace(ratio, months, direction, expected):
    assert pace(_ind(direction=direction), ratio, months) == expected


def test_a_rate_has_no_pace():
    assert pace(_ind(unit="%"), 30.0, 6) is None
