"""Reading one domain workbook into tidy tables, cell by cell, keeping where each value came from.

Cell-level problems (text in a number cell, uncomputed formulas, merged cells, wrong year or
headers) are found here; table-level rules are in :mod:`validate`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ..periods import YEAR
from ..problems import Problem, Severity
from . import contract as C
from .catalogue import Catalogue, TargetKind
from .numbers import NumberError, parse_number, parse_target
from .params import YearParams
from .workbook_io import WorkbookRefused, open_workbook

CODE_RE = re.compile(r"^[A-Z]{2}\d{2}$")

INDICATOR_COLUMNS = [
    "row", "code", "name", "unit", "plan_kind", "plan_low", "plan_high", "plan_value", "actual",
    "target_kind", "target_low", "target_high", "nature", "note",
]  # fmt: skip
AREA_COLUMNS = ["row", "column", "code", "area_code", "area_name", "value", "nature"]
NUMERIC_KEYS = {"plan", "actual", "target_next"}


@dataclass
class RawDomain:
    """What one workbook says, before table-level validation."""

    year: int
    domain: str
    path: Path
    display: str
    indicators: pd.DataFrame
    areas: pd.DataFrame
    reporting_unit: str = ""
    preparer: str = ""  # người lập biểu (contract.PREPARER_CELL)
    sent_on: str = ""  # ngày gửi, ISO date (contract.SENT_CELL)
    has_area_sheet: bool = False
    problems: list[Problem] = field(default_factory=list)
    readable: bool = True
    period: str = YEAR  # the folder's period (periods.py): data/raw/<year>/<period>/


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _formula_text(value) -> str:
    """``=SUM(E8:E10)``, also for array formulas; cut to a readable length."""
    text = _text(getattr(value, "text", value))
    return text if len(text) <= 60 else text[:57] + "…"


class _SheetReader:
    def __init__(self, raw: RawDomain, ws: Worksheet, ws_formulas: Worksheet):
        self.raw, self.ws, self.wf = raw, ws, ws_formulas

    def problem(self, cell: str | None, message: str, kind: str, severity=Severity.ERROR) -> None:
        self.raw.problems.append(Problem(self.raw.display, self.ws.title, cell, message, severity, kind))

    def value(self, ref: str, numeric: bool = False):
        """The cell's value. An uncomputed formula or an error value is reported and read as empty;
        a formula's cached value is used, with a warning (it may be stale). For a ``numeric`` cell the value
        is read as Excel shows it: a percentage format holds a fraction (0,668 shown as 66,8% is 66,8), and
        a number in a date-formatted cell is that number (Excel's serial), each with a warning."""
        raw = self._value(ref)
        return self._as_shown(ref, raw) if numeric else raw

    def _as_shown(self, ref: str, value):
        import datetime as dt

        cell = self.ws[ref]
        if isinstance(value, dt.datetime | dt.date | dt.time):
            from openpyxl.utils.datetime import to_excel

            try:
                number = float(to_excel(value))
            except Exception:
                return value  # reported as not a number by the caller
            self.problem(
                ref,
                f"ô đang ở định dạng ngày tháng nên Excel hiện {value}: đã đọc là số {_vn(number)}; "
                "hãy đặt định dạng ô là Number (Format Cells › Number)",
                "date_format",
                Severity.WARNING,
            )
            return number
        if isinstance(value, int | float) and not isinstance(value, bool) and _is_percent(cell.number_format):
            shown = round(float(value) * 100, 9)
            self.problem(
                ref,
                f"ô định dạng phần trăm: Excel hiện {_vn(shown)}%, đã đọc là {_vn(shown)} "
                f"(giá trị lưu trong ô là {_vn(float(value))}); nên nhập số phần trăm với định dạng Number",
                "percent_format",
                Severity.WARNING,
            )
            return shown
        return value

    def _value(self, ref: str):
        cell = self.ws[ref]
        formula = self.wf[ref]
        is_formula = formula.data_type == "f"
        shown = _formula_text(formula.value) if is_formula else ""
        if cell.data_type == "e":
            msg = (
                f"ô chứa công thức {shown} cho kết quả lỗi {cell.value}: hãy sửa công thức hoặc nhập số trực tiếp"
                if is_formula
                else f"ô có giá trị lỗi {cell.value}: hãy nhập số hoặc để trống"
            )
            self.problem(ref, msg, "formula_error")
            return None
        if not is_formula:
            return cell.value
        if cell.value is None:
            self.problem(
                ref,
                f"ô chứa công thức {shown} nhưng chưa có giá trị tính sẵn: "
                "hãy mở tệp trong Excel và lưu lại, hoặc nhập số trực tiếp",
                "formula_no_value",
            )
            return None
        used = _shown(cell.value)
        self.problem(
            ref,
            f"ô chứa công thức {shown}: đã dùng giá trị tính sẵn {used} (nên nhập giá trị trực tiếp)",
            "formula_cached",
            Severity.WARNING,
        )
        return cell.value

    def check_merged(self, first_row: int) -> None:
        for rng in self.ws.merged_cells.ranges:
            if rng.max_row >= first_row:
                self.problem(
                    rng.coord.split(":")[0],
                    f"ô gộp {rng.coord} trong vùng số liệu: hãy bỏ gộp ô (Merge & Center) để mỗi ô một giá trị",
                    "merged_cells",
                )


_QUOTED = re.compile(r'"[^"]*"|\\.')


def _is_percent(number_format: str | None) -> bool:
    """A real percentage format ('0.0%'), not a literal percent sign ('0.0"%"' or '0.0\\%')."""
    return "%" in _QUOTED.sub("", number_format or "")


def hidden_rows_and_columns(ws: Worksheet) -> tuple[set[int], set[str]]:
    rows = {int(r) for r, dim in ws.row_dimensions.items() if dim.hidden}
    cols: set[str] = set()
    for dim in ws.column_dimensions.values():
        if dim.hidden and dim.min and dim.max:
            cols.update(get_column_letter(c) for c in range(dim.min, min(dim.max, 200) + 1))
    return rows, cols


def _number(reader: _SheetReader, ref: str, value, label: str) -> float | None:
    try:
        number = parse_number(value)
    except NumberError as exc:
        reader.problem(ref, f"{exc}: cột '{label}' phải là số", "not_a_number")
        return None
    if isinstance(value, str) and number is not None:
        reader.problem(
            ref,
            f'số được nhập dạng văn bản "{value.strip()}", đã đọc là {_vn(number)}',
            "number_as_text",
            Severity.WARNING,
        )
    return number


def _shown(value) -> str:
    """A cell value as the analyst would recognise it: text in quotes, numbers Vietnamese style."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _vn(value)
    return f'"{_text(value)[:40]}"'


def _vn(number: float) -> str:
    from ..presentation.vnformat import number as fmt

    return fmt(number, 3)


def _target(reader: _SheetReader, ref: str, value, label: str, kind: TargetKind):
    try:
        target = parse_target(value, kind)
    except NumberError as exc:
        reader.problem(
            ref,
            f"{exc}: cột '{label}' phải là số hoặc mức như '≥ 0,4', 'dưới 2,3', '1,0–1,5'",
            "not_a_number",
        )
        return None
    if isinstance(value, str) and target is not None and target.kind == TargetKind.AMOUNT:
        reader.problem(
            ref,
            f'số được nhập dạng văn bản "{value.strip()}", đã đọc là {_vn(target.low)}',
            "number_as_text",
            Severity.WARNING,
        )
    return target


def _read_header(reader: _SheetReader, year: int, period: str) -> bool:
    ws, ok = reader.ws, True
    expected_by_key = {col.key: col.header(year, period) for col in C.COLUMNS}
    for col in C.COLUMNS:
        ref = f"{col.letter}{C.HEADER_ROW}"
        expected = expected_by_key[col.key]
        found = ws[ref].value
        if C.same_header(found, expected):
            continue
        elsewhere = [
            f"{get_column_letter(c)}{C.HEADER_ROW}"
            for c in range(1, min(ws.max_column, C.MAX_COLUMNS) + 1)
            if C.same_header(ws.cell(C.HEADER_ROW, c).value, expected)
        ]
        others = [h for k, h in expected_by_key.items() if k != col.key and C.same_header(found, h)]
        other = others[0] if others else None
        if elsewhere:
            msg = (
                f"cột '{expected}' phải ở cột {col.letter}, nhưng đang ở {elsewhere[0]} (không chèn/xoá cột)"
            )
        elif other is not None:
            msg = f"thiếu cột '{expected}': ô này đang là tiêu đề cột '{other}' (có cột bị xoá?)"
        elif found is None or _text(found) == "":
            msg = f"thiếu cột '{expected}'"
        else:
            msg = f"tiêu đề cột là '{_text(found)}', cần là '{expected}' (cột bị đổi tên hoặc sai năm)"
        reader.problem(ref, msg, "bad_header")
        ok = False
    return ok


def _looks_numeric(value) -> bool:
    """A figure (a number, a level like '≥ 0,4', or text that reads as one) rather than a label."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return True
    try:
        return parse_target(value, TargetKind.AMOUNT) is not None
    except NumberError:
        return False


def _read_submission(raw: RawDomain, reader: _SheetReader) -> None:
    """Who prepared the workbook and when it was sent (for the office's status; never in a report)."""
    import datetime as dt

    raw.preparer = _text(reader.ws[C.PREPARER_CELL].value)[:120]
    sent = reader.ws[C.SENT_CELL].value
    if isinstance(sent, dt.datetime):
        sent = sent.date()
    if isinstance(sent, dt.date):
        raw.sent_on = sent.isoformat()
        return
    text = _text(sent)
    if not text:
        return
    try:
        raw.sent_on = dt.datetime.strptime(text, "%d/%m/%Y").date().isoformat()
    except ValueError:
        reader.problem(
            C.SENT_CELL,
            f"ngày gửi '{text[:30]}' không đọc được (nhập ngày dạng 15/11/2021)",
            "bad_sent_date",
            severity=Severity.WARNING,
        )


def _read_period(raw: RawDomain, reader: _SheetReader) -> None:
    """A workbook's 'Kỳ báo cáo' (B5) must be its folder's: a six-month workbook copied into the
    year-end folder, or the other way round, is an error naming the cell."""
    from ..periods import PERIODS
    from .params import normalise

    text = _text(reader.ws[C.PERIOD_CELL].value)
    if not text:
        return
    said = next(
        (
            p
            for p in PERIODS.values()
            if normalise(text) in {normalise(p.code), normalise(p.name or "cả năm")}
        ),
        None,
    )
    here = PERIODS[raw.period]
    if said is None or said.code != raw.period:
        folder = f"thư mục {raw.period} ({here.name})" if not here.is_year else "thư mục của cả năm"
        reader.problem(
            C.PERIOD_CELL,
            f"kỳ báo cáo của biểu là '{text[:40]}', nhưng tệp nằm trong {folder}: chép tệp vào đúng thư mục "
            "data/raw/<năm>/6t/ (6 tháng), 9t/ (9 tháng) hoặc data/raw/<năm>/ (cả năm)",
            "wrong_period",
        )


def _read_indicators(raw: RawDomain, reader: _SheetReader, catalogue: Catalogue) -> None:
    ws = reader.ws
    year_value = reader.value(C.YEAR_CELL)
    try:
        wb_year = parse_number(year_value)
    except NumberError:
        wb_year = None
    if wb_year != raw.year:
        reader.problem(
            C.YEAR_CELL,
            f"năm của biểu là '{_text(year_value)}', nhưng tệp nằm trong thư mục năm {raw.year}",
            "wrong_year",
        )
    domain_value = _text(ws[C.DOMAIN_CELL].value)
    if domain_value and domain_value != raw.domain:
        reader.problem(
            C.DOMAIN_CELL,
            f"biểu của lĩnh vực '{domain_value}', nhưng tên tệp là {raw.domain}.xlsx",
            "wrong_domain",
        )
    raw.reporting_unit = _text(ws[C.UNIT_CELL].value)
    _read_period(raw, reader)
    _read_submission(raw, reader)
    if not _read_header(reader, raw.year, raw.period):
        return
    reader.check_merged(C.FIRST_ROW)
    labels = {c.key: c.header(raw.year, raw.period) for c in C.COLUMNS}
    records = []
    for r in range(C.FIRST_ROW, ws.max_row + 1):
        refs = {c.key: f"{c.letter}{r}" for c in C.COLUMNS}
        values = {k: reader.value(ref, numeric=k in NUMERIC_KEYS) for k, ref in refs.items()}
        if all(_text(v) == "" for v in values.values()):
            continue  # blank row
        code = _text(values["code"]).upper()
        numbers_present = any(_looks_numeric(values[k]) for k in ("plan", "actual", "target_next"))
        if not CODE_RE.match(code):
            if numbers_present:
                shown = (_text(values["code"]) or _text(values["name"]) or "(trống)")[:40]
                reader.problem(
                    refs["code"],
                    f"dòng có số liệu nhưng mã số '{shown}' không hợp lệ (dạng LD01)",
                    "bad_code",
                )
            else:
                first = next((_text(v) for v in values.values() if _text(v)), "")
                shown = f" ('{first[:40]}')" if first else ""
                reader.problem(
                    refs["code"],
                    f"dòng không có mã chỉ tiêu{shown}, đã bỏ qua",
                    "ignored_row",
                    Severity.WARNING,
                )
            continue
        ind = catalogue.get(code)
        kind = ind.target_kind if ind else TargetKind.AMOUNT
        plan = _target(reader, refs["plan"], values["plan"], labels["plan"], kind)
        actual = _number(reader, refs["actual"], values["actual"], labels["actual"])
        target = _target(reader, refs["target_next"], values["target_next"], labels["target_next"], kind)
        nature = C.nature_key(values["nature"])
        if nature is None:
            allowed = ", ".join(f"'{v}'" for v in C.NATURE_VALUES.values())
            reader.problem(
                refs["nature"], f"'{_text(values['nature'])}' không hợp lệ: chọn {allowed}", "bad_nature"
            )
        records.append(
            {
                "row": r,
                "code": code,
                "name": _text(values["name"]),
                "unit": _text(values["unit"]),
                "plan_kind": plan.kind.value if plan else None,
                "plan_low": plan.low if plan else None,
                "plan_high": plan.high if plan else None,
                "plan_value": plan.value if plan else None,
                "actual": actual,
                "target_kind": target.kind.value if target else None,
                "target_low": target.low if target else None,
                "target_high": target.high if target else None,
                "nature": nature or "official",
                "note": _text(values["note"]),
            }
        )
    raw.indicators = pd.DataFrame.from_records(records, columns=INDICATOR_COLUMNS)
    _hidden_warnings(reader, [rec["row"] for rec in records], [c.letter for c in C.COLUMNS])


def _hidden_warnings(reader: _SheetReader, rows: list[int], letters: list[str]) -> None:
    """Figures in a hidden row or column are read, but the analyst may not know they are there."""
    hidden_rows, hidden_cols = hidden_rows_and_columns(reader.ws)
    for r in sorted(set(rows) & hidden_rows):
        reader.problem(
            f"A{r}", f"dòng {r} đang bị ẩn nhưng có số liệu: số liệu vẫn được đọc; hãy bỏ ẩn để kiểm tra",
            "hidden_row", Severity.WARNING,
        )  # fmt: skip
    for letter in sorted(set(letters) & hidden_cols):
        if any(_text(reader.ws[f"{letter}{r}"].value) for r in rows):
            reader.problem(
                f"{letter}{C.HEADER_ROW}",
                f"cột {letter} đang bị ẩn nhưng có số liệu: số liệu vẫn được đọc; hãy bỏ ẩn để kiểm tra",
                "hidden_column", Severity.WARNING,
            )  # fmt: skip


def _read_areas(raw: RawDomain, reader: _SheetReader, params: YearParams) -> None:
    ws = reader.ws
    header = [ws.cell(C.AREA_HEADER_ROW, c).value for c in range(1, ws.max_column + 1)]
    for i, expected in enumerate(C.AREA_FIXED):
        if i >= len(header) or not C.same_header(header[i], expected):
            reader.problem(
                f"{get_column_letter(i + 1)}{C.AREA_HEADER_ROW}", f"thiếu cột '{expected}'", "bad_header"
            )
            return
    area_cols: dict[int, tuple[str, str]] = {}
    nature_col = None
    for c in range(len(C.AREA_FIXED) + 1, len(header) + 1):
        text = _text(header[c - 1])
        if not text:
            continue
        ref = f"{get_column_letter(c)}{C.AREA_HEADER_ROW}"
        if C.same_header(text, C.AREA_NATURE_HEADER):
            nature_col = c
            continue
        area = params.areas.by_name(text)
        if area is None:
            reader.problem(
                ref,
                f"địa bàn '{text}' không có trong danh sách {params.areas.level_label.lower()} năm {raw.year} "
                f"(params/{raw.year}.yaml)",
                "unknown_area",
            )
            continue
        area_cols[c] = (area.code, area.name)
    reader.check_merged(C.AREA_FIRST_ROW)
    records = []
    for r in range(C.AREA_FIRST_ROW, ws.max_row + 1):
        code = _text(reader.value(f"A{r}")).upper()
        cells = {c: reader.value(f"{get_column_letter(c)}{r}", numeric=True) for c in area_cols}
        if all(_text(v) == "" for v in cells.values()):
            continue  # no district figure on this row (the template lists every indicator): nothing to read
        if not CODE_RE.match(code):
            shown = f"mã số '{code}' không hợp lệ (dạng LD01)" if code else "thiếu mã số"
            reader.problem(f"A{r}", f"dòng có số liệu theo địa bàn nhưng {shown}", "bad_code")
            continue
        nature = (
            C.nature_key(reader.value(f"{get_column_letter(nature_col)}{r}")) if nature_col else "official"
        )
        for c, (area_code, area_name) in area_cols.items():
            ref = f"{get_column_letter(c)}{r}"
            value = _number(reader, ref, cells[c], area_name)
            records.append(
                {
                    "row": r,
                    "column": get_column_letter(c),
                    "code": code,
                    "area_code": area_code,
                    "area_name": area_name,
                    "value": value,
                    "nature": nature or "official",
                }
            )
    raw.areas = pd.DataFrame.from_records(records, columns=AREA_COLUMNS)


def read_domain(
    path: Path,
    year: int,
    domain: str,
    catalogue: Catalogue,
    params: YearParams,
    display: str,
    period: str = YEAR,
) -> RawDomain:
    raw = RawDomain(
        year,
        domain,
        path,
        display,
        pd.DataFrame(columns=INDICATOR_COLUMNS),
        pd.DataFrame(columns=AREA_COLUMNS),
        period=period,
    )
    if not path.is_file():
        siblings = sorted(p.name for p in path.parent.glob(f"{domain}.*") if p.suffix.lower() != ".xlsx")
        hint = f" (thấy {', '.join(siblings)}: hãy lưu lại dạng .xlsx)" if siblings else ""
        raw.problems.append(Problem(display, None, None, f"thiếu tệp số liệu{hint}", kind="missing_workbook"))
        raw.readable = False
        return raw
    try:
        values, formulas = open_workbook(path, display)
    except WorkbookRefused as refused:
        raw.problems.append(refused.problem)
        raw.readable = False
        return raw
    try:
        _read_sheets(raw, values, formulas, catalogue, params)
    except Exception:  # openpyxl and odd files raise many kinds: this file fails, never the year
        import logging

        log = logging.getLogger("dolisa_reports.pipeline")

        log.warning("reading %s failed", display, exc_info=True)
        raw.problems.append(
            Problem(
                display,
                None,
                None,
                "không đọc được nội dung tệp (tệp không theo biểu mẫu hoặc bị hỏng): hãy lập lại từ biểu mẫu "
                "(python run_all.py template) và chép số liệu sang",
                kind="unreadable",
            )
        )
        raw.readable = False
    return raw


def _read_sheets(raw: RawDomain, values, formulas, catalogue: Catalogue, params: YearParams) -> None:
    display = raw.display
    if C.SHEET_INDICATORS not in values.sheetnames:
        found = ", ".join(f"'{s}'" for s in values.sheetnames)
        raw.problems.append(
            Problem(
                display,
                None,
                None,
                f"thiếu trang tính '{C.SHEET_INDICATORS}' (có: {found}); không đổi tên trang tính của biểu mẫu",
                kind="missing_sheet",
            )
        )
        raw.readable = False
        return
    for name in (C.SHEET_INDICATORS, C.SHEET_AREAS):
        if name in values.sheetnames and not isinstance(values[name], Worksheet):
            raw.problems.append(
                Problem(
                    display,
                    name,
                    None,
                    f"'{name}' là trang biểu đồ (chart sheet), không phải trang số liệu: hãy xoá trang này và "
                    "chép lại trang số liệu từ biểu mẫu",
                    kind="not_a_worksheet",
                )
            )
            raw.readable = False
    if not raw.readable:
        return
    _read_indicators(
        raw, _SheetReader(raw, values[C.SHEET_INDICATORS], formulas[C.SHEET_INDICATORS]), catalogue
    )
    if C.SHEET_AREAS in values.sheetnames:
        raw.has_area_sheet = True
        _read_areas(raw, _SheetReader(raw, values[C.SHEET_AREAS], formulas[C.SHEET_AREAS]), params)
