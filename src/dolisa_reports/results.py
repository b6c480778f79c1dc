"""Results recorded by each domain notebook, for the year-end summary and the Excel appendix.

A notebook calls ``report.record_results(ctx)``, which displays one output with the MIME type
``application/vnd.dolisa.results+json`` (the way scrapbook "glued" values, without its dependency). The
build reads that output from the executed notebook and writes ``outputs/<year>/results/<domain>.json``
next to the report, atomically and only when the whole notebook succeeded. The summary reads these
files; it never recomputes or re-reads the workbooks.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from . import vnformat as vn
from .analysis import Row, counts, shortfalls

MIME = "application/vnd.dolisa.results+json"
SCHEMA_VERSION = 1


def _num(v):
    if v is None:
        return None
    v = float(v)
    return None if math.isnan(v) else v


def _row(r: Row) -> dict:
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
        "target_next": r.target_next.as_record() if r.target_next else None,
        "target_next_text": r.target_next.text(d) if r.target_next else None,
        "nature": r.nature,
        "previous_nature": r.previous_nature,
        "note": r.note,
    }


def payload(ctx) -> dict:
    """Everything the summary needs from one domain report, as plain JSON values."""
    c = counts(ctx.rows)
    return {
        "schema": SCHEMA_VERSION,
        "year": ctx.year,
        "previous_year": ctx.previous_year,
        "next_year": ctx.params.next_year,
        "domain": ctx.domain,
        "area": ctx.area.code if ctx.area else None,
        "title": ctx.title,
        "rows": [_row(r) for r in ctx.rows],
        "counts": {v.value: n for v, n in c.items()},
        "shortfalls": [r.code for r in shortfalls(ctx.rows)],
        "illustrative": any(r.illustrative or r.previous_illustrative for r in ctx.rows),
    }


def extract(nb) -> dict | None:
    """The recorded results of an executed notebook (the last one recorded), or None."""
    found = None
    for cell in nb.cells:
        for out in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            data = out.get("data") or {}
            if MIME in data:
                value = data[MIME]
                found = json.loads(value) if isinstance(value, str) else dict(value)
    return found


def dumps(data: dict) -> str:
    """Stable JSON: sorted keys, fixed separators, UTF-8 text (byte-identical for identical results)."""
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def path_for(outputs_year: Path, domain: str) -> Path:
    return outputs_year / "results" / f"{domain}.json"


def load_year(outputs_year: Path, domains) -> dict[str, dict]:
    out = {}
    for d in domains:
        p = path_for(outputs_year, d)
        if p.is_file():
            out[d] = json.loads(p.read_text(encoding="utf-8"))
    return out
