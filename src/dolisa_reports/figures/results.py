"""Results recorded by each domain notebook, for the year-end summary and the Excel appendix.

A notebook calls ``report.record_results(ctx)``, which displays one output with the MIME type
``application/vnd.dolisa.results+json`` (the way scrapbook "glued" values, without its dependency). The
build reads that output from the executed notebook and writes ``outputs/<year>/results/<domain>.json``
next to the report, atomically and only when the whole notebook succeeded. The summary reads these
files; it never recomputes or re-reads the workbooks.
"""

from __future__ import annotations

import json
from pathlib import Path

from .analysis import counts, shortfalls
from .rows import record

MIME = "application/vnd.dolisa.results+json"
SCHEMA_VERSION = 1


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
        "rows": [record(r) for r in ctx.rows],
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
