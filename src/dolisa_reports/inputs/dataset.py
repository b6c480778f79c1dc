"""The validated dataset: what ``validate`` passed, and the only figures a notebook reads.

Per year and domain, in ``data/processed/<year>/``:

- ``<domain>.parquet`` — the indicator rows (typed columns, see ``INDICATORS``);
- ``<domain>.areas.parquet`` — the figures by area ("Theo địa bàn"), possibly no rows;
- ``<domain>.json`` — whether the workbook passed, its problems (file › sheet › cell), and where it came
  from (the workbook's name, the reporting unit). Written for a failing workbook too, without the tables.

Parquet (pyarrow) keeps the types a CSV loses (a code stays text, a missing plan stays missing) and carries
``SCHEMA_VERSION`` in its metadata; the bytes depend only on the figures, so a workbook saved again with the
same figures gives the same files and rebuilds no report. Reading needs pandas and pyarrow only: no kernel
opens a workbook or imports openpyxl or pandera.

In Jupyter: ``from dolisa_reports.inputs import dataset; df = dataset.frame(2021, "labour")``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..paths import Layout
from ..problems import Problem, Severity, UserError, errors

SCHEMA_VERSION = 1
META_KEY = b"dolisa"

INDICATORS = {
    "row": "int64",
    "code": "string",
    "name": "string",
    "unit": "string",
    "plan_kind": "string",
    "plan_low": "float64",
    "plan_high": "float64",
    "plan_value": "float64",
    "actual": "float64",
    "target_kind": "string",
    "target_low": "float64",
    "target_high": "float64",
    "nature": "string",
    "note": "string",
}
AREAS = {
    "row": "int64",
    "column": "string",
    "code": "string",
    "area_code": "string",
    "area_name": "string",
    "value": "float64",
    "nature": "string",
}


class DatasetError(UserError):
    """No usable dataset for a report (never validated, or the workbook has errors)."""


def paths(layout: Layout, year: int, domain: str) -> dict[str, Path]:
    folder = layout.processed_year(year)
    return {
        "indicators": folder / f"{domain}.parquet",
        "areas": folder / f"{domain}.areas.parquet",
        "meta": folder / f"{domain}.json",
    }


@dataclass
class Dataset:
    year: int
    domain: str
    display: str  # the workbook's name as analysts know it (labour.xlsx)
    ok: bool
    indicators: pd.DataFrame
    areas: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    reporting_unit: str = ""
    has_area_sheet: bool = False

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == Severity.WARNING]


# -- writing (the validation step) ------------------------------------------------------------------


def _table(df: pd.DataFrame, columns: dict[str, str], meta: dict):
    import pyarrow as pa

    frame = pd.DataFrame({c: df[c] if c in df.columns else None for c in columns}, index=range(len(df)))
    frame = frame.astype({c: ("Int64" if t == "int64" else t) for c, t in columns.items()})
    types = {"int64": pa.int64(), "string": pa.string(), "float64": pa.float64()}
    schema = pa.schema([pa.field(c, types[t]) for c, t in columns.items()])
    table = pa.Table.from_pandas(frame, schema=schema, preserve_index=False)
    return table.replace_schema_metadata({META_KEY: json.dumps(meta, sort_keys=True).encode()})


def _write_parquet(path: Path, table) -> None:
    import io

    import pyarrow.parquet as pq

    from ..atomic import atomic_write_bytes

    buf = io.BytesIO()
    pq.write_table(table, buf, compression="zstd", write_statistics=False, store_schema=True)
    atomic_write_bytes(path, buf.getvalue())


def write(layout: Layout, result, display: str | None = None) -> dict[str, Path]:
    """Write the dataset of one validated workbook (``validate.DomainResult``); return its files."""
    from ..atomic import atomic_write_text

    raw = result.raw
    files = paths(layout, raw.year, raw.domain)
    meta = {
        "schema_version": SCHEMA_VERSION,
        "year": raw.year,
        "domain": raw.domain,
        "display": display or raw.display,
        "reporting_unit": raw.reporting_unit,
        "has_area_sheet": raw.has_area_sheet,
    }
    if result.ok:
        _write_parquet(files["indicators"], _table(raw.indicators, INDICATORS, meta))
        _write_parquet(files["areas"], _table(raw.areas, AREAS, meta))
    else:  # no figures from a workbook with errors: a report can never print them
        files["indicators"].unlink(missing_ok=True)
        files["areas"].unlink(missing_ok=True)
    record = {**meta, "ok": bool(result.ok), "problems": [p.as_record() for p in result.problems]}
    atomic_write_text(files["meta"], json.dumps(record, ensure_ascii=False, indent=1, sort_keys=True) + "\n")
    return files


# -- reading (notebooks, per-area planning) ---------------------------------------------------------


def problems(record: dict) -> list[Problem]:
    """The problems stored in a dataset's record (see :func:`status`)."""
    return [Problem.from_record(p) for p in record.get("problems", [])]


def _read(path: Path, columns: dict[str, str]) -> pd.DataFrame:
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    meta = json.loads((table.schema.metadata or {}).get(META_KEY, b"{}"))
    if meta.get("schema_version") != SCHEMA_VERSION:
        raise DatasetError(
            f"{path.name}: số liệu đã kiểm tra theo định dạng cũ: chạy lại python run_all.py validate"
        )
    df = table.to_pandas()
    for c, t in columns.items():  # plain numpy floats and Python strings, as the analysis expects
        if t == "string":
            df[c] = df[c].astype(object).where(df[c].notna(), None)
        elif t == "int64":
            df[c] = df[c].astype("int64")
    return df


def status(year: int, domain: str, layout: Layout | None = None) -> dict | None:
    """The dataset's record (``ok``, problems, source), or None when the workbook was never validated."""
    layout = layout or Layout.default()
    try:
        return json.loads(paths(layout, year, domain)["meta"].read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def load(year: int, domain: str, layout: Layout | None = None) -> Dataset:
    """The validated dataset, or :class:`DatasetError` saying what to run."""
    layout = layout or Layout.default()
    record = status(year, domain, layout)
    if record is None or record.get("schema_version") != SCHEMA_VERSION:
        raise DatasetError(
            f"Chưa có số liệu đã kiểm tra của lĩnh vực {domain} năm {year}: "
            f"chạy python run_all.py validate --year {year}"
        )
    found = problems(record)
    if not record.get("ok"):
        lines = "\n".join(p.line() for p in errors(found)[:20])
        raise DatasetError(
            f"Số liệu lĩnh vực {domain} năm {year} có lỗi, chưa lập được báo cáo:\n{lines}\n"
            f"Chạy: python run_all.py validate --year {year}"
        )
    files = paths(layout, year, domain)
    try:
        indicators, areas = _read(files["indicators"], INDICATORS), _read(files["areas"], AREAS)
    except OSError:
        raise DatasetError(
            f"Thiếu số liệu đã kiểm tra của lĩnh vực {domain} năm {year}: chạy python run_all.py validate --year {year}"
        ) from None
    return Dataset(
        year=year,
        domain=domain,
        display=record.get("display", f"{domain}.xlsx"),
        ok=True,
        indicators=indicators,
        areas=areas,
        problems=found,
        reporting_unit=record.get("reporting_unit", ""),
        has_area_sheet=bool(record.get("has_area_sheet")),
    )


def frame(year: int, domain: str, layout: Layout | None = None) -> pd.DataFrame:
    """The validated indicator rows as a DataFrame, in one call (for analysts in Jupyter)."""
    return load(year, domain, layout).indicators
