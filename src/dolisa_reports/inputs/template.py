"""Writing the blank workbooks analysts fill in (``run_all.py template --year YYYY``).

Pre-filled from the catalogue (codes, names, units, protected) and, where known, with last year's
actuals (as a note column in the instructions) and this year's targets (last year's "next year" plan).
Never overwrites an existing workbook.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from .. import DOMAINS
from ..atomic import atomic_write_bytes
from ..paths import Layout
from ..periods import YEAR
from . import contract as C
from .catalogue import Catalogue, Indicator, load_catalogue
from .numbers import Target
from .params import YearParams, load_params

HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
LOCKED_FILL = PatternFill("solid", fgColor="F2F2F2")
INPUT_FILL = PatternFill("solid", fgColor="FFFFFF")
THIN = Side(style="thin", color="999999")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
REFERENCE_COLUMN = "I"  # last year's actual, for reference only: not read back
NUMBER_FORMAT = "#,##0.###"  # Excel shows it with the reader's locale: 15.939 in a Vietnamese Excel

HELP_LINES = [
    ("HƯỚNG DẪN NHẬP BIỂU SỐ LIỆU", True),
    ("", False),
    (
        "1. Mỗi lĩnh vực một tệp, mỗi năm một thư mục: data/raw/<năm>/<lĩnh vực>.xlsx. Không đổi tên tệp.",
        False,
    ),
    (
        "2. Trang 'Chỉ tiêu': chỉ nhập vào các cột Kế hoạch, Thực hiện, Kế hoạch năm sau, Tính chất số liệu,",
        False,
    ),
    ("   Nguồn số liệu/ghi chú. Cột Mã số, Tên chỉ tiêu, Đơn vị tính được khoá, không sửa.", False),
    ("3. Không đổi tên trang tính, không chèn hoặc xoá cột, không gộp ô trong vùng số liệu.", False),
    (
        "4. Nhập số, không nhập chữ: 15939 hoặc 15.939 (dấu chấm phân cách hàng nghìn), 99,6 (dấu phẩy thập phân).",
        False,
    ),
    ("   Chỉ tiêu tỷ lệ (%) nhập số phần trăm, ví dụ 66,8 (không nhập 0,668).", False),
    ("5. Kế hoạch dạng mức: '≥ 0,4' hoặc 'từ 0,4 trở lên'; 'dưới 2,3'; khoảng '1,0–1,5'.", False),
    ("6. 'Tính chất số liệu': Chính thức (mặc định, để trống cũng được), Ước tính, hoặc Minh họa.", False),
    ("   Số liệu minh họa sẽ được ghi chú rõ trong báo cáo.", False),
    ("7. Các chỉ tiêu tổng phải bằng tổng các chỉ tiêu thành phần (ví dụ GD02 = GD03 + GD04 + GD05).", False),
    (
        "8. Trang 'Theo địa bàn' (không bắt buộc): số thực hiện của từng địa bàn; tổng các địa bàn phải bằng số chung.",
        False,
    ),
    (
        "9. Kiểm tra trước khi gửi: python run_all.py validate --year <năm>. Mọi lỗi được báo kèm tên tệp, trang và ô.",
        False,
    ),
]


@dataclass
class Prefill:
    """Known values for a year's blank workbook."""

    plan: dict[str, Target]  # this year's targets (last year's "next year" column)
    previous_actual: dict[str, float]


def _style_header(cell) -> None:
    cell.font = Font(bold=True)
    cell.fill = HEADER_FILL
    cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    cell.border = BORDER


def _target_cell_value(target: Target | None):
    if target is None:
        return None
    from .catalogue import TargetKind

    if target.kind == TargetKind.AMOUNT:
        return target.low
    return target.text(3)


def build_workbook(
    year: int,
    domain: str,
    indicators: list[Indicator],
    params: YearParams,
    prefill: Prefill | None = None,
    areas: bool = True,
    period: str = YEAR,
) -> Workbook:
    from ..periods import get as get_period

    prefill = prefill or Prefill({}, {})
    when = get_period(period)
    wb = Workbook()
    help_ws = wb.active
    help_ws.title = C.SHEET_HELP
    for i, (text, bold) in enumerate(HELP_LINES, start=1):
        help_ws.cell(i, 1, text).font = Font(bold=bold, size=13 if bold else 11)
    help_ws.column_dimensions["A"].width = 120
    help_ws.protection.sheet = True

    ws = wb.create_sheet(C.SHEET_INDICATORS)
    title = f"BIỂU SỐ LIỆU CHỈ TIÊU LĨNH VỰC {params.domain_title(domain).upper()} {when.when(year).upper()}"
    ws["A1"] = title
    ws["A1"].font = Font(bold=True, size=13)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(C.COLUMNS))
    ws["A2"], ws[C.YEAR_CELL] = "Năm báo cáo:", year
    ws["A3"], ws[C.DOMAIN_CELL] = "Lĩnh vực:", domain
    ws["A4"], ws[C.UNIT_CELL] = "Đơn vị báo cáo:", params.domains[domain].unit
    ws["C3"] = params.domain_title(domain)
    labels = ["A2", "A3", "A4"]
    if not when.is_year:  # the reader checks it against the folder (a workbook in the wrong period)
        ws["A5"], ws[C.PERIOD_CELL] = "Kỳ báo cáo:", when.name
        labels.append("A5")
    for ref in labels:
        ws[ref].font = Font(bold=True)
    ws[C.UNIT_CELL].protection = Protection(locked=False)
    ws["D2"], ws["D3"] = "Người lập biểu:", "Ngày gửi:"
    for ref in ("D2", "D3"):
        ws[ref].font = Font(bold=True)
        ws[ref].alignment = Alignment(horizontal="right")
    for ref in (C.PREPARER_CELL, C.SENT_CELL):
        ws[ref].protection = Protection(locked=False)
        ws[ref].fill = INPUT_FILL
        ws[ref].border = BORDER
    ws[C.SENT_CELL].number_format = "dd/mm/yyyy"
    for col in C.COLUMNS:
        cell = ws[f"{col.letter}{C.HEADER_ROW}"]
        cell.value = col.header(year, period)
        _style_header(cell)
        ws.column_dimensions[col.letter].width = col.width
    ref_header = ws[f"{REFERENCE_COLUMN}{C.HEADER_ROW}"]
    ref_header.value = f"Thực hiện {when.when(year - 1)} (tham khảo)"
    _style_header(ref_header)
    ws.column_dimensions[REFERENCE_COLUMN].width = 15
    ws.row_dimensions[C.HEADER_ROW].height = 32
    nature_dv = DataValidation(
        type="list",
        formula1='"' + ",".join(C.NATURE_VALUES.values()) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Tính chất số liệu",
        error="Chọn: Chính thức, Ước tính hoặc Minh họa",
    )
    actual_dv = DataValidation(
        type="decimal",
        operator="greaterThanOrEqual",
        formula1="0",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Số thực hiện",
        error="Nhập một số không âm (ví dụ 15939 hoặc 99,6)",
    )
    ws.add_data_validation(nature_dv)
    ws.add_data_validation(actual_dv)
    last = C.FIRST_ROW + len(indicators) - 1
    for r, ind in enumerate(indicators, start=C.FIRST_ROW):
        values = {
            "code": ind.code,
            "name": ind.name_vi,
            "unit": ind.unit,
            "plan": _target_cell_value(prefill.plan.get(ind.code)),
            "actual": None,
            "target_next": None,
            "nature": None,
            "note": None,
        }
        for col in C.COLUMNS:
            cell = ws[f"{col.letter}{r}"]
            cell.value = values[col.key]
            cell.border = BORDER
            cell.protection = Protection(locked=col.locked)
            cell.fill = LOCKED_FILL if col.locked else INPUT_FILL
            if col.numeric:
                cell.number_format = NUMBER_FORMAT
                cell.alignment = Alignment(horizontal="right")
            if col.key == "name":
                cell.alignment = Alignment(wrap_text=True, vertical="center")
        ref = ws[f"{REFERENCE_COLUMN}{r}"]
        ref.value = prefill.previous_actual.get(ind.code)
        ref.number_format = NUMBER_FORMAT
        ref.fill = LOCKED_FILL
        ref.border = BORDER
        if ind.is_count:
            actual_dv.add(f"E{r}")
    if indicators:
        nature_dv.add(f"G{C.FIRST_ROW}:G{last}")
    ws.freeze_panes = f"D{C.FIRST_ROW}"
    ws.protection.sheet = True
    ws.protection.formatRows = False
    ws.protection.formatColumns = False
    ws.print_title_rows = f"{C.HEADER_ROW}:{C.HEADER_ROW}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToHeight = 0

    if areas and params.areas.items:
        _area_sheet(wb, year, indicators, params, when.when(year))
    wb.active = wb.sheetnames.index(C.SHEET_INDICATORS)
    return wb


def _area_sheet(wb: Workbook, year: int, indicators: list[Indicator], params: YearParams, when: str) -> None:
    ws = wb.create_sheet(C.SHEET_AREAS)
    ws["A1"] = f"SỐ THỰC HIỆN {when.upper()} THEO {params.areas.level_label.upper()} (không bắt buộc)"
    ws["A1"].font = Font(bold=True, size=13)
    ws["A2"] = (
        "Tổng các địa bàn phải bằng số thực hiện chung ở trang 'Chỉ tiêu'. Xoá dòng chỉ tiêu không có số liệu địa bàn."
    )
    headers = [*C.AREA_FIXED, *(a.name for a in params.areas.items), C.AREA_NATURE_HEADER]
    for c, text in enumerate(headers, start=1):
        cell = ws.cell(C.AREA_HEADER_ROW, c, text)
        _style_header(cell)
        ws.column_dimensions[get_column_letter(c)].width = 14
    ws.column_dimensions["B"].width = 50
    nature_col = len(headers)
    dv = DataValidation(
        type="list", formula1='"' + ",".join(C.NATURE_VALUES.values()) + '"', allow_blank=True
    )
    ws.add_data_validation(dv)
    for r, ind in enumerate(indicators, start=C.AREA_FIRST_ROW):
        for c, value in enumerate((ind.code, ind.name_vi, ind.unit), start=1):
            cell = ws.cell(r, c, value)
            cell.fill = LOCKED_FILL
            cell.border = BORDER
        for c in range(len(C.AREA_FIXED) + 1, nature_col + 1):
            cell = ws.cell(r, c)
            cell.border = BORDER
            if c < nature_col:
                cell.number_format = NUMBER_FORMAT
        dv.add(ws.cell(r, nature_col).coordinate)
    ws.freeze_panes = ws.cell(C.AREA_FIRST_ROW, len(C.AREA_FIXED) + 1).coordinate


def workbook_bytes(wb: Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def prefill_from_previous(year: int, domain: str, layout: Layout) -> Prefill:
    """This year's targets and last year's actuals from last year's workbook, when it exists and reads.

    A six- or nine-month workbook takes the year's targets the same way (from last year's year-end
    workbook) and, for reference, the actuals of the same period last year."""
    plan = _read_previous(year, domain, layout.for_period(None))[0]
    actual = _read_previous(year, domain, layout)[1]
    return Prefill(plan, actual)


def _read_previous(year: int, domain: str, layout: Layout) -> tuple[dict, dict]:
    from .validate import validate_domain

    prev = layout.workbook(year - 1, domain)
    if not prev.is_file() or not layout.params_file(year - 1).is_file():
        return {}, {}
    result = validate_domain(year - 1, domain, layout)
    plan, actual = {}, {}
    for rec in result.indicators.itertuples():
        if pd.notna(rec.target_kind):
            from .catalogue import TargetKind

            low = None if pd.isna(rec.target_low) else float(rec.target_low)
            high = None if pd.isna(rec.target_high) else float(rec.target_high)
            plan[rec.code] = Target(TargetKind(rec.target_kind), low, high)
        if pd.notna(rec.actual):
            actual[rec.code] = float(rec.actual)
    return plan, actual


def write_templates(year: int, layout: Layout | None = None, domains=DOMAINS) -> list[tuple[Path, bool]]:
    """Write missing workbooks for ``year``; returns (path, written) — existing files are left alone."""
    layout = layout or Layout.default()
    catalogue: Catalogue = load_catalogue(layout)
    params = load_params(year, layout)
    out = []
    for domain in domains:
        path = layout.workbook(year, domain)
        if path.exists():
            out.append((path, False))
            continue
        wb = build_workbook(
            year,
            domain,
            catalogue.for_domain(domain, year),
            params,
            prefill_from_previous(year, domain, layout),
            period=layout.period,
        )
        atomic_write_bytes(path, workbook_bytes(wb))
        out.append((path, True))
    if set(DOMAINS) <= set(domains) and not layout.in_period:  # and the year's work programme
        from . import work_programme

        out.append(work_programme.write_template(layout, year, [u.name for u in params.units]))
    return out
