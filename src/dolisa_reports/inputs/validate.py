"""Table-level validation of a domain's indicators (pandera schema + the catalogue's sum rules),
and the year-level entry point that writes ``data/processed/<year>/``."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from .. import DOMAINS
from ..paths import Layout
from ..presentation.vnformat import number as fmt_number
from ..problems import Problem, Severity, errors
from . import contract as C
from .catalogue import Catalogue, load_catalogue
from .ingest import AREA_COLUMNS, INDICATOR_COLUMNS, RawDomain, read_domain
from .params import YearParams, load_params


@dataclass
class DomainResult:
    raw: RawDomain
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.raw.readable and not errors(self.problems)

    @property
    def indicators(self) -> pd.DataFrame:
        return self.raw.indicators

    @property
    def areas(self) -> pd.DataFrame:
        return self.raw.areas


def _cell(key: str, row) -> str:
    return f"{C.COLUMN_BY_KEY[key].letter}{int(row)}"


_FIELD_KEY = {"actual": "actual", "plan_value": "plan", "target_low": "target_next"}


def _schema(catalogue: Catalogue, raw: RawDomain) -> pa.DataFrameSchema:
    valid = [i.code for i in catalogue if i.valid_in(raw.year)]
    counts = {i.code for i in catalogue if i.is_count}
    whole = {i.code for i in catalogue if i.is_count and i.value_decimals == 0}

    def non_negative(col: str):
        return pa.Check(
            lambda df: ~(df["code"].isin(counts) & (df[col].astype(float) < 0)),
            name=f"non_negative:{col}",
            ignore_na=False,
        )

    def whole_number(col: str):
        def check(df):
            values = df[col].astype(float)
            return ~(df["code"].isin(whole) & values.notna() & (values % 1 != 0))

        return pa.Check(check, name=f"whole_number:{col}", ignore_na=False)

    # named custom checks: pandera's built-in Check.isin ignores ``name`` in its failure reports
    known = pa.Check(lambda s: s.isin(valid), name="known_code")
    return pa.DataFrameSchema(
        {
            "code": pa.Column(str, [known], unique=True, report_duplicates="exclude_first"),
            "nature": pa.Column(str, pa.Check(lambda s: s.isin(list(C.NATURE_VALUES)), name="nature")),
        },
        checks=[
            *(non_negative(col) for col in _FIELD_KEY),
            *(whole_number(col) for col in _FIELD_KEY),
        ],
        strict=False,
        coerce=False,
    )


def _unknown_code_message(code: str, catalogue: Catalogue, year: int) -> str:
    ind = catalogue.get(code)
    if ind is None:
        return f"mã chỉ tiêu '{code}' không có trong danh mục (params/catalogue.csv)"
    span = f"từ năm {ind.valid_from}" if ind.valid_from else ""
    span += f" đến năm {ind.valid_to}" if ind.valid_to else ""
    return f"chỉ tiêu '{code}' không áp dụng cho năm {year} (danh mục: áp dụng {span.strip()})"


def _whole_number_message(code: str, unit: str, value: float) -> str:
    msg = f"'{code}' tính bằng {unit} nên phải là số nguyên, nhưng ô có {fmt_number(value, 3)}"
    thousands = value * 1000
    if abs(thousands - round(thousands)) < 1e-6:
        msg += (
            f": nếu là {fmt_number(thousands)} thì nhập {int(round(thousands))} "
            "(Excel đặt kiểu tiếng Anh hiểu dấu chấm là dấu thập phân)"
        )
    return msg


def _schema_problems(raw: RawDomain, catalogue: Catalogue) -> list[Problem]:
    df = raw.indicators.set_index("row", drop=False)
    if df.empty:
        return []
    out: list[Problem] = []
    try:
        _schema(catalogue, raw).validate(df, lazy=True)
    except pa.errors.SchemaErrors as exc:
        first_row = df.drop_duplicates("code").set_index("code")["row"]
        for case in exc.failure_cases.itertuples():
            row, check = case.index, str(case.check)
            if row is None or pd.isna(row):
                continue
            code = df.loc[row, "code"]
            if check == "known_code":
                msg = _unknown_code_message(code, catalogue, raw.year)
                ref, kind = _cell("code", row), "unknown_code"
            elif check.startswith("field_uniqueness") or "unique" in check:
                msg = f"mã chỉ tiêu '{code}' bị trùng (đã có ở dòng {int(first_row[code])})"
                ref, kind = _cell("code", row), "duplicate_code"
            elif check.startswith("non_negative:"):
                col = check.split(":", 1)[1]
                ref, kind = _cell(_FIELD_KEY[col], row), "negative"
                msg = f"số âm ({fmt_number(df.loc[row, col], 3)}) không hợp lệ cho chỉ tiêu đếm '{code}'"
            elif check.startswith("whole_number:"):
                col = check.split(":", 1)[1]
                ref, kind = _cell(_FIELD_KEY[col], row), "not_whole"
                msg = _whole_number_message(code, catalogue[code].unit, float(df.loc[row, col]))
            else:  # a check added later without a message: still named, never silently dropped
                ref, kind = _cell("code", row), "invalid"
                msg = f"'{code}' không đạt kiểm tra {check}"
            out.append(Problem(raw.display, C.SHEET_INDICATORS, ref, msg, kind=kind))
    return sorted(set(out), key=lambda p: (int(p.cell[1:]) if p.cell else 0, p.cell or ""))


def _blank_problem(raw: RawDomain) -> list[Problem]:
    """An untouched template (no actual figure anywhere) is not a submission: one error naming the cells."""
    df = raw.indicators
    if df.empty or df["actual"].notna().any() or (not raw.areas.empty and raw.areas["value"].notna().any()):
        return []
    first, last = _cell("actual", df["row"].min()), _cell("actual", df["row"].max())
    label = C.COLUMN_BY_KEY["actual"].header(raw.year, raw.period)
    return [
        Problem(
            raw.display,
            C.SHEET_INDICATORS,
            f"{first}:{last}",
            f"biểu còn trống: chưa nhập số liệu nào vào cột '{label}' ({first}:{last})",
            kind="blank_workbook",
        )
    ]


def _catalogue_problems(raw: RawDomain, catalogue: Catalogue) -> list[Problem]:
    out = _blank_problem(raw)
    df = raw.indicators
    present = set(df["code"])
    for rec in df.itertuples():
        ind = catalogue.get(rec.code)
        if ind is None:
            continue
        if ind.domain != raw.domain:
            out.append(
                Problem(
                    raw.display,
                    C.SHEET_INDICATORS,
                    _cell("code", rec.row),
                    f"mã '{rec.code}' thuộc lĩnh vực '{ind.domain}', không thuộc biểu {raw.domain}.xlsx",
                    kind="wrong_domain_code",
                )
            )
        if rec.unit and rec.unit != ind.unit:
            out.append(
                Problem(
                    raw.display,
                    C.SHEET_INDICATORS,
                    _cell("unit", rec.row),
                    f"đơn vị tính của '{rec.code}' là '{rec.unit}', danh mục quy định '{ind.unit}'",
                    kind="wrong_unit",
                )
            )
        if pd.notna(rec.target_kind) and pd.isna(rec.plan_kind) and ind.direction != "none":
            out.append(
                Problem(
                    raw.display,
                    C.SHEET_INDICATORS,
                    _cell("plan", rec.row),
                    f"'{rec.code}' có kế hoạch năm {raw.year + 1} nhưng chưa có kế hoạch năm {raw.year}: "
                    "không tính được tỷ lệ thực hiện so với kế hoạch",
                    Severity.WARNING,
                    "target_without_plan",
                )
            )
        if pd.notna(rec.plan_kind) and pd.isna(rec.actual):
            out.append(
                Problem(
                    raw.display,
                    C.SHEET_INDICATORS,
                    _cell("actual", rec.row),
                    f"'{rec.code}' có kế hoạch nhưng chưa nhập số thực hiện",
                    Severity.WARNING,
                    "plan_without_actual",
                )
            )
    missing = [i.code for i in catalogue.for_domain(raw.domain, raw.year) if i.code not in present]
    if missing and not df.empty:
        out.append(
            Problem(
                raw.display,
                C.SHEET_INDICATORS,
                None,
                f"thiếu dòng cho các chỉ tiêu: {', '.join(missing)}",
                Severity.WARNING,
                "missing_indicator",
            )
        )
    return out


def _close(a: float, b: float, decimals: int) -> bool:
    return abs(a - b) <= 0.5 * 10 ** (-max(decimals, 0)) + 1e-9


def _sum_problems(raw: RawDomain, catalogue: Catalogue) -> list[Problem]:
    out = []
    df = raw.indicators.drop_duplicates("code").set_index("code")
    field_col = {"actual": "actual", "plan": "plan_value"}
    for code in df.index:
        ind = catalogue.get(code)
        if ind is None or not ind.sum_of:
            continue
        for rule in ind.sum_rules:
            total = df.at[code, field_col[rule.total_field]]
            parts = [df.at[p, field_col[rule.part_field]] if p in df.index else None for p in ind.sum_of]
            if pd.isna(total) or any(p is None or pd.isna(p) for p in parts):
                continue
            s = float(sum(parts))
            if not _close(s, float(total), ind.value_decimals):
                key = "actual" if rule.total_field == "actual" else "plan"
                label = "thực hiện" if rule.part_field == "actual" else "kế hoạch"
                out.append(
                    Problem(
                        raw.display,
                        C.SHEET_INDICATORS,
                        _cell(key, df.at[code, "row"]),
                        f"'{code}' = {fmt_number(total, ind.value_decimals)} nhưng tổng {label} của "
                        f"{' + '.join(ind.sum_of)} = {fmt_number(s, ind.value_decimals)}: các phần không cộng đúng tổng",
                        kind="sum_mismatch",
                    )
                )
    return out


def _area_problems(raw: RawDomain, catalogue: Catalogue) -> list[Problem]:
    out = []
    if raw.areas.empty:
        return out
    totals = raw.indicators.drop_duplicates("code").set_index("code")
    for code, group in raw.areas.groupby("code", sort=False):
        ind = catalogue.get(code)
        first_row = int(group["row"].iloc[0])
        if ind is None:
            msg = f"mã chỉ tiêu '{code}' không có trong danh mục"
            out.append(Problem(raw.display, C.SHEET_AREAS, f"A{first_row}", msg, kind="unknown_code"))
            continue
        if ind.is_count:
            for rec in group[group["value"] < 0].itertuples():
                msg = f"số âm ({fmt_number(rec.value, 3)}) không hợp lệ cho chỉ tiêu đếm '{code}' ({rec.area_name})"
                ref = f"{rec.column}{rec.row}"
                out.append(Problem(raw.display, C.SHEET_AREAS, ref, msg, kind="negative"))
        if code not in totals.index or pd.isna(totals.at[code, "actual"]):
            continue
        values = group["value"]
        if values.isna().any():
            out.append(
                Problem(
                    raw.display,
                    C.SHEET_AREAS,
                    f"A{first_row}",
                    f"'{code}' thiếu số liệu của {int(values.isna().sum())} địa bàn: không kiểm tra được tổng",
                    Severity.WARNING,
                    "area_incomplete",
                )
            )
            continue
        s, total = float(values.sum()), float(totals.at[code, "actual"])
        if not _close(s, total, ind.value_decimals):
            out.append(
                Problem(
                    raw.display,
                    C.SHEET_AREAS,
                    f"A{first_row}",
                    f"'{code}' ({ind.name_vi}): tổng các địa bàn = {fmt_number(s, ind.value_decimals)} "
                    f"nhưng số chung của chỉ tiêu = {fmt_number(total, ind.value_decimals)} "
                    f"(chênh {fmt_number(s - total, ind.value_decimals)})",
                    kind="area_sum_mismatch",
                )
            )
    return out


PLAUSIBLE_FACTOR = 10  # a figure 10 times larger or smaller than last year's is worth a second look
_CHECKED = {
    "actual": "actual",
    "plan_value": "plan",
    "target_low": "target_next",
    "target_high": "target_next",
}


def _plausibility_problems(
    raw: RawDomain, catalogue: Catalogue, previous: pd.DataFrame | None, prev_year: int | None
) -> list[Problem]:
    """Warnings, not errors: figures that are possible but unlikely (the checks a data pipeline runs on each
    new data version): a percentage outside 0–100, a part larger than its total, a figure ten times larger
    or smaller than the comparison year's (the same period of it, in a six- or nine-month workbook)."""
    from ..periods import get as get_period

    prev_when = get_period(raw.period).when(prev_year) if prev_year else ""
    out = []
    df = raw.indicators.drop_duplicates("code").set_index("code")

    def warn(key: str, row, message: str) -> None:
        out.append(
            Problem(
                raw.display, C.SHEET_INDICATORS, _cell(key, row), message, Severity.WARNING, "implausible"
            )
        )

    for code in df.index:
        ind = catalogue.get(code)
        if ind is None:
            continue
        rec = df.loc[code]
        d = ind.value_decimals
        if ind.unit == "%":
            for col, key in _CHECKED.items():
                v = rec[col]
                if pd.notna(v) and not 0 <= float(v) <= 100:
                    warn(
                        key,
                        rec["row"],
                        f"'{code}' là tỷ lệ (%) nhưng có giá trị {fmt_number(v, 3)}: ngoài khoảng 0–100",
                    )
        total = rec["actual"]
        for part in ind.sum_of if ind.unit != "%" else ():
            if part in df.index and pd.notna(total) and pd.notna(df.at[part, "actual"]):
                pv = float(df.at[part, "actual"])
                if pv > float(total) + 1e-9:
                    warn(
                        "actual",
                        df.at[part, "row"],
                        f"'{part}' = {fmt_number(pv, d)} lớn hơn tổng '{code}' = {fmt_number(total, d)}",
                    )
        if previous is not None and code in previous.index and pd.notna(rec["actual"]):
            pv, cv = previous.at[code, "actual"], float(rec["actual"])
            if pd.notna(pv) and float(pv) != 0 and cv != 0:
                ratio = cv / float(pv)
                if ratio >= PLAUSIBLE_FACTOR or ratio <= 1 / PLAUSIBLE_FACTOR:
                    how = (
                        f"gấp {fmt_number(ratio, 1)} lần"
                        if ratio > 1
                        else f"chỉ bằng {fmt_number(ratio * 100, 1)}%"
                    )
                    warn(
                        "actual",
                        rec["row"],
                        f"'{code}' = {fmt_number(cv, d)} {how} {prev_when} ({fmt_number(pv, d)}): "
                        "kiểm tra lại (nhầm đơn vị, thừa hay thiếu chữ số 0?)",
                    )
    return out


def _previous_figures(
    year: int, domain: str, layout: Layout, params: YearParams
) -> tuple[pd.DataFrame | None, int]:
    """The comparison year's validated figures (its dataset, validated before this year), or None."""
    from . import dataset

    prev = params.comparison_year
    if prev == year:
        return None, prev
    try:
        return dataset.load(prev, domain, layout).indicators.drop_duplicates("code").set_index("code"), prev
    except (dataset.DatasetError, OSError, ValueError):
        return None, prev


def validate_domain(
    year: int, domain: str, layout: Layout | None = None, params: YearParams | None = None
) -> DomainResult:
    layout = layout or Layout.default()
    catalogue = load_catalogue(layout)
    params = params or load_params(year, layout)
    path = layout.workbook(year, domain)
    display = path.relative_to(layout.raw_year(year).parent).as_posix() if layout.in_period else path.name
    rows = None  # the figures as a report computes them, once the workbook is valid
    try:
        raw = read_domain(path, year, domain, catalogue, params, display, layout.period)
        result = DomainResult(raw, list(raw.problems))
        if raw.readable and not raw.indicators.empty:
            result.problems += _schema_problems(raw, catalogue)
            result.problems += _catalogue_problems(raw, catalogue)
            result.problems += _sum_problems(raw, catalogue)
            result.problems += _area_problems(raw, catalogue)
            if not errors(result.problems):
                previous, prev_year = _previous_figures(year, domain, layout, params)
                result.problems += _plausibility_problems(raw, catalogue, previous, prev_year)
                rows = _rows(raw, previous, catalogue, domain, year)
    except Exception:  # a fault in one workbook's checks fails that workbook, never the whole year
        import logging

        logging.getLogger("dolisa_reports.pipeline").warning("validating %s failed", display, exc_info=True)
        empty = (pd.DataFrame(columns=INDICATOR_COLUMNS), pd.DataFrame(columns=AREA_COLUMNS))
        raw = RawDomain(year, domain, path, display, *empty, readable=False, period=layout.period)
        msg = "không kiểm tra được tệp (nội dung không theo biểu mẫu): hãy lập lại từ biểu mẫu và chép số liệu sang"
        result = DomainResult(raw, [Problem(display, None, None, msg, kind="unreadable")])
    result.problems += narrative_problems(year, domain, layout, rows, params.comparison_year)
    return result


def _rows(raw: RawDomain, previous: pd.DataFrame | None, catalogue: Catalogue, domain: str, year: int):
    """What the report will compute from these figures (for checking the narrative against it)."""
    from ..figures.analysis import compute_rows

    prev = previous.reset_index() if previous is not None else None
    return compute_rows(raw.indicators, prev, catalogue, domain, year)


def narrative_problems(
    year: int, domain: str, layout: Layout, rows=None, previous_year: int | None = None
) -> list[Problem]:
    """The narrative must be readable (UTF-8) now, so that it cannot fail the build later; its live
    figures (``{LD01}``, ``{LD01.tyle}``…) must name an indicator of the domain and a known key (errors);
    with the workbook's figures (``rows``), a figure a placeholder names but the workbook lacks, and a
    number typed by hand that contradicts the indicator its line names, are warnings; so is a section
    of its own (kept in the report under its heading)."""
    from ..figures import live
    from .narrative import SECTIONS, load_narrative
    from .textio import TextFileError

    path = layout.narrative(year, domain)
    display = f"narrative/{domain}.md"
    try:
        narrative = load_narrative(path, display)
    except TextFileError as exc:
        return [
            Problem(display, None, None, str(exc).removeprefix(f"{display}: "), kind="narrative_encoding")
        ]
    if not narrative.exists:
        return []
    catalogue = load_catalogue(layout)
    all_codes = {i.code for i in catalogue}
    domain_codes = all_codes if domain == "summary" else {i.code for i in catalogue.for_domain(domain, year)}
    from ..periods import get as get_period

    compared = get_period(layout.period).when(previous_year or year - 1)  # 'năm 2020', '6 tháng đầu năm 2020'
    figures = live.values(rows, compared) if rows is not None else {}
    findings = live.placeholder_findings(narrative.text, figures, domain_codes, all_codes)
    if rows is None:  # no figures to compare with (the workbook has errors): only what is wrong anyway
        findings = [f for f in findings if f.error]
    else:
        findings += live.typed_number_warnings(narrative.text, rows)
    out = [
        Problem(
            display,
            None,
            f"dòng {f.line}",
            f.message,
            Severity.ERROR if f.error else Severity.WARNING,
            "narrative_placeholder" if f.error else "narrative_figure",
        )  # fmt: skip
        for f in findings
    ]
    known = ", ".join(names[0] for names in SECTIONS.values())
    for title in narrative.unknown_headings:
        out.append(
            Problem(
                display,
                None,
                None,
                f"mục '{title}' không phải mục quen thuộc ({known}): vẫn được in dưới tiêu đề của nó",
                Severity.WARNING,
                "narrative_section",
            )  # fmt: skip
        )
    return out


@dataclass
class YearResult:
    year: int
    domains: dict[str, DomainResult]
    problems: list[Problem]
    programme: object | None = None  # inputs.work_programme.Programme, when the year has one

    @property
    def ok(self) -> bool:
        return not errors(self.problems)


def processed_table(result: DomainResult, catalogue: Catalogue) -> pd.DataFrame:
    df = result.indicators.copy()
    df.insert(0, "year", result.raw.year)
    df.insert(1, "domain", result.raw.domain)
    df["name"] = [
        catalogue[c].name_vi if c in catalogue else n for c, n in zip(df["code"], df["name"], strict=True)
    ]
    df["source_file"] = result.raw.display
    return df


def validate_year(year: int, layout: Layout | None = None, domains=DOMAINS, write: bool = True) -> YearResult:
    layout = layout or Layout.default()
    params = load_params(year, layout)
    catalogue = load_catalogue(layout)
    from . import work_programme

    every = set(DOMAINS) <= set(domains)
    if layout.in_period and every:  # a period's workbooks: those its units have sent
        domains = [d for d in DOMAINS if layout.workbook(year, d).is_file()]
    results = {d: validate_domain(year, d, layout, params) for d in domains if d in DOMAINS}
    problems = [p for r in results.values() for p in r.problems]
    programme = None
    if not layout.in_period:
        problems += narrative_problems(year, "summary", layout)  # the year-end summary's own text
    if (every or work_programme.NAME in domains) and not layout.in_period:
        programme = work_programme.validate(layout, year, write_dataset=write)
        problems += programme.problems if programme is not None else []
    if write:
        write_processed(year, results, catalogue, layout)
    return YearResult(year, results, problems, programme)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(df: pd.DataFrame) -> pd.DataFrame:
    """Text that would start a formula when the CSV is opened in Excel gets a leading apostrophe."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = [
                f"'{v}" if isinstance(v, str) and v.startswith(_FORMULA_START) else v for v in out[col]
            ]
    return out


def _merge_csv(parts: list[Path]) -> str:
    """The per-domain tables as one (the header once), in the domains' order."""
    header, body = None, []
    for part in parts:
        lines = part.read_text(encoding="utf-8").splitlines(keepends=True)
        if not lines or not lines[0].strip():
            continue
        if header is None:
            header = lines[0]
        elif lines[0] != header:
            continue  # an older layout: rebuilt on the next full run
        body += lines[1:]
    return (header or "\n") + "".join(body)


def write_submission(layout: Layout, r: DomainResult) -> None:
    """``<domain>.submission.json``: which workbook was validated (its sha256), who prepared it, when it
    was sent, whether it is still the blank template, and its problem counts. The office's status
    (``pipeline/submissions.py``) reads this, never the workbook; no report depends on it."""
    import hashlib

    from ..atomic import atomic_write_text

    raw = r.raw
    path = raw.path
    digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None
    inds, areas = raw.indicators, raw.areas
    entered = (not inds.empty and inds["actual"].notna().any()) or (
        not areas.empty and areas["value"].notna().any()
    )
    n_err = len(errors(r.problems))
    record = {
        "workbook_sha256": digest,
        "preparer": raw.preparer,
        "sent_on": raw.sent_on,
        "blank": bool(digest) and not entered and not raw.preparer and not raw.sent_on,
        "errors": n_err,
        "warnings": len(r.problems) - n_err,
    }
    text = json.dumps(record, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    atomic_write_text(layout.submission(raw.year, raw.domain), text)


def write_processed(
    year: int, results: dict[str, DomainResult], catalogue: Catalogue, layout: Layout
) -> None:
    """Per domain: its validated dataset (``dataset.py``: Parquet, read by the notebooks), the same tables
    as CSV for people (only when it has no error) and its problems. A run over some
    domains refreshes those only: the year's tables (``indicators.csv``, ``areas.csv``) are then put
    together again from every domain's files, so a partial run never truncates the year."""
    from ..atomic import atomic_write_text
    from . import dataset

    out = layout.processed_year(year)
    out.mkdir(parents=True, exist_ok=True)
    for r in results.values():
        dataset.write(layout, r)  # what the notebooks read (typed Parquet + problems)
        write_submission(layout, r)  # what the office's status reads (never a report)
    for domain, r in results.items():
        ind_path, area_path = out / f"{domain}.indicators.csv", out / f"{domain}.areas.csv"
        if not r.ok:
            ind_path.unlink(missing_ok=True)
            area_path.unlink(missing_ok=True)
            continue
        table = processed_table(r, catalogue) if not r.indicators.empty else pd.DataFrame()
        atomic_write_text(ind_path, csv_safe(table).to_csv(index=False, lineterminator="\n"))
        areas = pd.DataFrame()
        if not r.areas.empty:
            areas = r.areas.copy()
            areas.insert(0, "year", year)
            areas.insert(1, "domain", r.raw.domain)
        atomic_write_text(area_path, csv_safe(areas).to_csv(index=False, lineterminator="\n"))
    for kind in ("indicators", "areas"):
        parts = [out / f"{d}.{kind}.csv" for d in DOMAINS if (out / f"{d}.{kind}.csv").is_file()]
        atomic_write_text(out / f"{kind}.csv", _merge_csv(parts))
    status_path = out / "validation.json"
    status = {}  # every domain's record, as its dataset's JSON has it (a one-domain run keeps the others)
    for d in DOMAINS:
        record = dataset.status(year, d, layout)
        if record is not None:
            status[d] = {"ok": record["ok"], "problems": record["problems"]}
    atomic_write_text(status_path, json.dumps(status, ensure_ascii=False, indent=1, sort_keys=True) + "\n")
