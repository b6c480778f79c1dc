"""How a row of the indicator table prints (figures/rows.py): one column, one number of decimals."""

from __future__ import annotations

from dolisa_reports.figures.rows import table_view


def _rec(**kw) -> dict:
    base = {
        "tt": 1, "code": "XX01", "name": "Chỉ tiêu", "unit": "người", "value_decimals": 0, "ratio_decimals": 1,
        "plan_text": "100", "actual_text": "100", "actual": 100.0, "previous": 80.0, "ratio": 100.0,
        "yoy": 125.0, "target_next_text": None, "verdict": "đạt", "nature": "official", "previous_nature": None,
    }  # fmt: skip
    base.update(kw)
    return base


def test_ratios_keep_their_decimals_in_a_column():
    assert table_view(_rec(ratio=100.0))["ratio"] == "100,0%"
    assert table_view(_rec(ratio=101.25))["ratio"] == "101,3%"
    assert table_view(_rec(ratio=26.333, ratio_decimals=2))["ratio"] == "26,33%"
    assert table_view(_rec(ratio=None))["ratio"] == "—"


def test_a_percent_indicator_compares_in_percentage_points():
    row = table_view(_rec(unit="%", value_decimals=1, actual=66.8, previous=65.6, yoy=101.8))
    assert row["yoy"] == "+1,2 điểm %"  # as the running text says it, not 101,8%
    assert (
        table_view(_rec(unit="điểm %", value_decimals=2, actual=0.45, previous=0.5))["yoy"] == "−0,05 điểm %"
    )
    assert table_view(_rec(yoy=125.0))["yoy"] == "125,0%"


def test_estimates_are_flagged():
    assert table_view(_rec(nature="estimate"))["estimate"] is True
    assert table_view(_rec())["estimate"] is False
