"""One record per indicator row: the figures and the texts a report prints, built once.

The domain report's indicator table, the results file a domain notebook records (``results.py``) and the
year-end summary's key-indicator table all come from :func:`record` and :func:`table_view`, so the three
can never print a row differently.
"""

from __future__ import annotations

import math

from ..presentation import vnformat as vn
from .analysis import PACE_LABEL, VERDICT_LABEL, Pace, Row, Verdict

ILLUSTRATIVE = "illustrative"
ESTIMATE = "estimate"
PERCENT_UNITS = ("%", "điểm %")
PACE_CLASS = {Pace.ON_TRACK.value: "achieved", Pace.BEHIND.value: "not-achieved"}
VERDICT_CLASS = {
    Verdict.EXCEEDED: "exceeded",
    Verdict.ACHIEVED: "achieved",
    Verdict.NOT_ACHIEVED: "not-achieved",
}


def _num(v):
    if v is None:
        return None
    v = float(v)
    return None if math.isnan(v) else v


def record(r: Row) -> dict:
    """The row as plain JSON values: raw figures for computing, texts as printed."""
    ind = r.indicator
    d = ind.value_decimals
    return {
        "tt": r.tt,
        "code": r.code,
        "name": ind.name_vi,
        "unit": ind.unit,
        "direction": ind.direction.value,
        "key": ind.key,
        "value_decimals": d,
        "ratio_decimals": ind.ratio_decimals,
        "plan": r.plan.as_record() if r.plan else None,
        "plan_text": r.plan.text(d) if r.plan else None,
        "actual": _num(r.actual),
        "actual_text": vn.number(r.actual, d) if r.actual is not None else None,
        "previous": _num(r.previous),
        "ratio": _num(r.ratio),
        "ratio_text": vn.percent(r.ratio, ind.ratio_decimals) if r.ratio is not None else None,
        "yoy": _num(r.yoy),
        "yoy_text": vn.percent(r.yoy, 1) if r.yoy is not None else None,
        "verdict": r.verdict.value if r.verdict else None,
        **({"pace": r.pace.value} if r.pace else {}),
        "target_next": r.target_next.as_record() if r.target_next else None,
        "target_next_text": r.target_next.text(d) if r.target_next else None,
        "nature": r.nature,
        "previous_nature": r.previous_nature,
        "note": r.note,
    }


def text(value: str | None) -> str:
    return value if value else vn.MISSING


def verdict_of(rec: dict) -> Verdict | None:
    return Verdict(rec["verdict"]) if rec.get("verdict") else None


def verdict_label(rec: dict) -> str:
    v = verdict_of(rec)
    if v is None and rec.get("pace"):
        return PACE_LABEL[Pace(rec["pace"])]
    return VERDICT_LABEL[v] if v else vn.MISSING


def previous_text(rec: dict) -> str:
    return vn.number(rec.get("previous"), rec.get("value_decimals", 0))


def _ratio_cell(rec: dict) -> str:
    """% TH/KH with the catalogue's decimals kept in the table (100,0% beside 101,3%)."""
    if rec.get("ratio") is None:
        return vn.MISSING
    return vn.percent(rec["ratio"], rec.get("ratio_decimals", 1), keep_zeros=True)


def _yoy_cell(rec: dict) -> str:
    """The change against the comparison year: a ratio for counts (103,4%), percentage points for a %
    indicator (+1,2 điểm %), as its running text says it."""
    if rec.get("unit") in PERCENT_UNITS:
        if rec.get("actual") is None or rec.get("previous") is None:
            return vn.MISSING
        diff = rec["actual"] - rec["previous"]
        text = vn.number(abs(diff), rec.get("value_decimals", 1), keep_zeros=True)
        sign = "+" if diff > 0 else ("−" if diff < 0 else "±")
        return f"{sign}{text} điểm %"
    if rec.get("yoy") is None:
        return vn.MISSING
    return vn.percent(rec["yoy"], 1, keep_zeros=True)


def table_view(rec: dict, tt=None) -> dict:
    """A row of the indicator table (indicator_table.html.j2 / yearend_key_table.html.j2): TT, chỉ tiêu,
    ĐVT, KH, TH, % TH/KH, TH năm trước, so với cùng kỳ, KH năm sau, đánh giá."""
    v = verdict_of(rec)
    return {
        "tt": rec["tt"] if tt is None else tt,
        "code": rec["code"],
        "name": rec["name"],
        "unit": rec["unit"],
        "plan": text(rec.get("plan_text")),
        "actual": text(rec.get("actual_text")),
        "ratio": _ratio_cell(rec),
        "previous": previous_text(rec),
        "yoy": _yoy_cell(rec),
        "target_next": text(rec.get("target_next_text")),
        "verdict": verdict_label(rec),
        "verdict_class": VERDICT_CLASS.get(v, "none") if v else PACE_CLASS.get(rec.get("pace"), "none"),
        "illustrative": rec.get("nature") == ILLUSTRATIVE,
        "estimate": rec.get("nature") == ESTIMATE,
        "previous_illustrative": rec.get("previous_nature") == ILLUSTRATIVE,
    }
