"""The Excel appendix of the year-end summary: ``outputs/<year>/phu_luc_<year>.xlsx``.

One summary sheet (the key indicators of every domain, and the count of indicators exceeded, achieved
and not achieved), one sheet per domain with its whole indicator table, and a provenance sheet. It is
made from the same recorded results as the summary (:class:`summary.SummaryContext`), never from the
workbooks.

- **Numbers are numbers**, formatted by Excel format codes, which use the reader's separators: in a
  Vietnamese Excel ``#,##0`` shows ``15.939`` and ``0.0%`` applied to 0.996 shows ``99,6%``. The number
  of decimals of each cell is the one the report printed (the catalogue's decimals, trailing zeros
  dropped as in the report: ``100%``, ``99,6%``, ``26,33%``), so the sheet reads like the report.
- **Text stays text**: every string, above all the ones that came from a workbook (names, units, notes),
  is stored as a string (``data_type "s"``), so ``=HYPERLINK(…)`` in a note can never become a formula;
  a string that Excel would read as a formula when retyped (``= + - @``) also gets the quote prefix.
- **Byte-identical**: the document's created/modified times are the build time, and the zip is
  rewritten with fixed entry times, in openpyxl's order, with the same compression, so the same results
  give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ..atomic import atomic_write_bytes
from ..figures.rows import verdict_label
from . import vnformat as vn
from .summary import COUNT_HEADERS, SummaryContext, counts_rows

FORMULA_START = ("=", "+", "-", "@")
NATURE_LABEL = {"official": "Chính thức", "estimate": "Ước tính", "illustrative": "Minh họa"}
HEADER_ROW = 3  # rows 1–2: title and subtitle; the header row is frozen and repeated on each printed page
SHEET_NAME_MAX = 31
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")

TITLE_FONT = Font(bold=True, size=14)
BOLD = Font(bold=True)
ITALIC = Font(italic=True, color="555555")
HEADER_FILL = PatternFill("solid", fgColor="E8EEF5")
THIN = Side(style="thin", color="999999")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP_TOP = Alignment(wrap_text=True, vertical="top")
CENTER = Alignment(horizontal="center", vertical="top", wrap_text=True)
RIGHT = Alignment(horizontal="right", vertical="top")
HEADER_ALIGN = Alignment(horizontal="center", vertical="center", wrap_text=True)


# -- cells ------------------------------------------------------------------------------------------


def put_text(ws: Worksheet, row: int, col: int, value: str | None):
    """A string cell, never a formula, whatever the text starts with."""
    cell = ws.cell(row=row, column=col)
    text = "" if value is None else str(value)
    if not text:
        return cell  # an empty cell, not an empty string
    cell.value = text
    cell.data_type = "s"  # openpyxl makes any string starting with "=" a formula: undo that
    if text.startswith(FORMULA_START):
        cell.quotePrefix = True  # and Excel keeps it text when someone edits the cell
    return cell


def shown_decimals(value: float, decimals: int) -> int:
    """The decimals the report prints for ``value`` (rounded half-up, trailing zeros dropped)."""
    q = Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    q = q.normalize()
    exponent = int(q.as_tuple().exponent)
    return max(0, -exponent)


def number_format(decimals: int, percent: bool = False) -> str:
    """``#,##0`` / ``#,##0.0`` … for values; ``0%`` / ``0.0%`` / ``0.00%`` for ratios."""
    frac = ("." + "0" * decimals) if decimals > 0 else ""
    return f"0{frac}%" if percent else f"#,##0{frac}"


def put_number(ws: Worksheet, row: int, col: int, value: float | None, decimals: int, percent: bool = False):
    """A numeric cell (a ratio in percent is stored as a fraction: 99.6 → 0.996 shown as 99,6%)."""
    if value is None:
        cell = put_text(ws, row, col, vn.MISSING)
        cell.alignment = CENTER
        return cell
    cell = ws.cell(row=row, column=col)
    shown = shown_decimals(value, decimals)
    cell.value = float(Decimal(repr(float(value))) / 100) if percent else float(value)
    cell.number_format = number_format(shown, percent)
    cell.alignment = RIGHT
    return cell


def put_target(ws: Worksheet, row: int, col: int, target: dict | None, text: str | None, decimals: int):
    """A plan or target: a number when it is an amount, else its text (``≥ 0,4``, ``1,0–1,5``)."""
    if target and target.get("kind") == "amount" and target.get("low") is not None:
        return put_number(ws, row, col, target["low"], decimals)
    cell = put_text(ws, row, col, text or vn.MISSING)
    cell.alignment = RIGHT if text else CENTER
    return cell


# -- sheets -----------------------------------------------------------------------------------------


def sheet_name(title: str, taken: set[str]) -> str:
    """A valid, unique sheet name (≤ 31 characters, none of ``[]:*?/\\``) from a domain title."""
    name = " ".join(_SHEET_BAD.sub(" ", title).split()).strip("'").strip()
    if len(name) > SHEET_NAME_MAX:
        name = name.split(",")[0].strip()
    if len(name) > SHEET_NAME_MAX:
        name = name[:SHEET_NAME_MAX].rsplit(" ", 1)[0].strip()
    if name.casefold() == "history":  # reserved by Excel
        name = f"{name} (1)"
    name = name.strip("'").strip() or "Trang"
    base, n = name, 2
    while name.casefold() in {t.casefold() for t in taken}:
        suffix = f" ({n})"
        name = base[: SHEET_NAME_MAX - len(suffix)] + suffix
        n += 1
    taken.add(name)
    return name


def _title(ws: Worksheet, title: str, subtitle: str, width: int) -> None:
    put_text(ws, 1, 1, title).font = TITLE_FONT
    put_text(ws, 2, 1, subtitle).font = ITALIC
    ws.row_dimensions[1].height = 22


def _header(ws: Worksheet, row: int, headers: list[str]) -> None:
    for col, text in enumerate(headers, start=1):
        cell = put_text(ws, row, col, text)
        cell.font, cell.fill, cell.border, cell.alignment = BOLD, HEADER_FILL, BOX, HEADER_ALIGN
    ws.row_dimensions[row].height = 32


def _box(ws: Worksheet, row: int, ncols: int) -> None:
    for col in range(1, ncols + 1):
        ws.cell(row=row, column=col).border = BOX


def _page_setup(ws: Worksheet, widths: list[float], footer: str) -> None:
    for col, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=1).coordinate
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.oddFooter.left.text = footer
    ws.oddFooter.right.text = "Trang &P/&N"


def _fit(values: list[list[str]], minimum: list[float], maximum: list[float]) -> list[float]:
    """Column widths from the longest text of each column (characters), within bounds."""
    widths = []
    for i, (lo, hi) in enumerate(zip(minimum, maximum, strict=True)):
        longest = max((len(row[i]) for row in values if i < len(row)), default=0)
        widths.append(float(min(hi, max(lo, longest + 2))))
    return widths


def _indicator_cells(ws: Worksheet, row: int, col: int, r: dict) -> int:
    """KH, TH, % TH/KH, TH năm trước, % so với cùng kỳ, KH năm sau, đánh giá; returns the next column."""
    d = int(r.get("value_decimals", 0))
    put_target(ws, row, col, r.get("plan"), r.get("plan_text"), d)
    put_number(ws, row, col + 1, r.get("actual"), d)
    put_number(ws, row, col + 2, r.get("ratio"), int(r.get("ratio_decimals", 1)), percent=True)
    put_number(ws, row, col + 3, r.get("previous"), d)
    put_number(ws, row, col + 4, r.get("yoy"), 1, percent=True)
    put_target(ws, row, col + 5, r.get("target_next"), r.get("target_next_text"), d)
    put_text(ws, row, col + 6, verdict_label(r)).alignment = CENTER
    return col + 7


def _figure_headers(ctx: SummaryContext) -> list[str]:
    y = ctx.year
    return [
        f"KH {y}",
        f"TH {y}",
        "% TH/KH",
        f"TH {ctx.previous_year}",
        "% so với cùng kỳ",
        f"KH {ctx.next_year}",
        "Đánh giá",
    ]


FIGURE_WIDTHS = [11.0, 11.0, 9.0, 11.0, 10.0, 11.0, 10.0]


def _summary_sheet(ws: Worksheet, ctx: SummaryContext, footer: str) -> None:
    p = ctx.params
    _title(
        ws,
        f"PHỤ LỤC SỐ LIỆU NĂM {ctx.year}: CÁC CHỈ TIÊU CHỦ YẾU",
        f"{p.organisation.short_name} – {p.province_kind} {p.province}. Tổng hợp từ {len(ctx.domains)} báo cáo "
        f"chuyên đề; mỗi lĩnh vực có một trang tính riêng.",
        12,
    )
    headers = ["TT", "Lĩnh vực", "Mã", "Chỉ tiêu", "ĐVT", *_figure_headers(ctx)]
    _header(ws, HEADER_ROW, headers)
    row, n, texts = HEADER_ROW + 1, 0, []
    for d in ctx.domains:
        for r in ctx.key_rows(d):
            n += 1
            ws.cell(row=row, column=1, value=n).alignment = CENTER
            put_text(ws, row, 2, ctx.title(d)).alignment = WRAP_TOP
            put_text(ws, row, 3, r["code"]).alignment = CENTER
            put_text(ws, row, 4, r["name"]).alignment = WRAP_TOP
            put_text(ws, row, 5, r["unit"]).alignment = CENTER
            _indicator_cells(ws, row, 6, r)
            _box(ws, row, len(headers))
            texts.append(["", ctx.title(d), r["code"], r["name"], r["unit"]])
            row += 1
    row += 1
    put_text(ws, row, 1, f"Số chỉ tiêu vượt, đạt, chưa đạt kế hoạch năm {ctx.year} theo lĩnh vực").font = BOLD
    row += 1
    for col, text in enumerate(COUNT_HEADERS, start=2):
        cell = put_text(ws, row, col, text)
        cell.font, cell.fill, cell.border, cell.alignment = BOLD, HEADER_FILL, BOX, HEADER_ALIGN
    row += 1
    for values in counts_rows(ctx):
        put_text(ws, row, 2, values[0]).alignment = WRAP_TOP
        for col, value in enumerate(values[1:], start=3):
            cell = ws.cell(row=row, column=col, value=int(value))
            cell.number_format = "#,##0"
            cell.alignment = RIGHT
        for col in range(2, 2 + len(COUNT_HEADERS)):
            ws.cell(row=row, column=col).border = BOX
        if values[0] == "Tổng cộng":
            for col in range(2, 2 + len(COUNT_HEADERS)):
                ws.cell(row=row, column=col).font = BOLD
        row += 1
    widths = _fit(texts, [5, 16, 7, 30, 8], [5, 28, 8, 52, 14]) + FIGURE_WIDTHS
    _page_setup(ws, widths, footer)


def _domain_sheet(ws: Worksheet, ctx: SummaryContext, domain: str, number: int, footer: str) -> None:
    p = ctx.params
    _title(
        ws,
        f"Phụ lục {number}. Lĩnh vực {ctx.title(domain)} năm {ctx.year}",
        f"Đơn vị chủ trì: {p.domains[domain].unit}. Số liệu như báo cáo chuyên đề {ctx.year}/{domain}.html.",
        14,
    )
    headers = [
        "TT",
        "Mã",
        "Chỉ tiêu",
        "ĐVT",
        *_figure_headers(ctx),
        "Tính chất số liệu",
        "Ghi chú, nguồn số liệu",
    ]
    _header(ws, HEADER_ROW, headers)
    row, texts = HEADER_ROW + 1, []
    for r in ctx.rows(domain):
        ws.cell(row=row, column=1, value=r.get("tt")).alignment = CENTER
        put_text(ws, row, 2, r["code"]).alignment = CENTER
        put_text(ws, row, 3, r["name"]).alignment = WRAP_TOP
        put_text(ws, row, 4, r["unit"]).alignment = CENTER
        col = _indicator_cells(ws, row, 5, r)
        put_text(
            ws, row, col, NATURE_LABEL.get(r.get("nature") or "", r.get("nature") or "")
        ).alignment = CENTER
        put_text(ws, row, col + 1, r.get("note") or "").alignment = WRAP_TOP
        _box(ws, row, len(headers))
        texts.append(["", r["code"], r["name"], r["unit"]])
        row += 1
    if not ctx.rows(domain):
        put_text(ws, row, 1, "Chưa có số liệu chỉ tiêu.").font = ITALIC
    widths = _fit(texts, [5, 7, 30, 8], [5, 8, 52, 14]) + FIGURE_WIDTHS + [12.0, 60.0]
    _page_setup(ws, widths, footer)


def _provenance_sheet(ws: Worksheet, ctx: SummaryContext, provenance: dict | None, footer: str) -> None:
    _title(ws, "Nguồn gốc số liệu và thông tin lập phụ lục", "Mã SHA-256 đầy đủ của từng tệp đầu vào.", 2)
    _header(ws, HEADER_ROW, ["Mục", "Giá trị"])
    rows: list[tuple[str, str]] = []
    prov = provenance or {}
    git = prov.get("git") or {}
    commit = git.get("commit") or "không xác định"
    if git.get("commit"):
        commit += " (có thay đổi chưa commit)" if git.get("dirty") else " (không có thay đổi chưa commit)"
    rows.append(("Thời điểm lập", prov.get("built_at", "")))
    rows.append(("Cách xác định thời điểm lập", prov.get("time_source", "")))
    rows.append(("Mã nguồn (git commit)", commit))
    for name, version in sorted((prov.get("versions") or {}).items()):
        rows.append((f"Phiên bản {name}", version))
    for name, value in (prov.get("parameters") or {}).items():
        rows.append((f"Tham số {name}", "" if value is None else str(value)))
    if prov.get("params_file"):
        rows.append(("Tệp tham số", prov["params_file"]))
    for path, digest in sorted((prov.get("sources") or {}).items()):
        rows.append((f"SHA-256 {path}", digest))
    for path, digest in sorted((prov.get("results") or {}).items()):
        rows.append((f"SHA-256 {path}", digest))
    for i, (key, value) in enumerate(rows, start=HEADER_ROW + 1):
        put_text(ws, i, 1, key).alignment = WRAP_TOP
        put_text(ws, i, 2, value).alignment = WRAP_TOP
        _box(ws, i, 2)
    _page_setup(ws, [44.0, 90.0], footer)


def build_workbook(ctx: SummaryContext, provenance: dict | None = None) -> Workbook:
    footer = f"Phụ lục số liệu năm {ctx.year} – {ctx.params.organisation.short_name}"
    wb = Workbook()
    taken: set[str] = set()
    ws = wb.active
    ws.title = sheet_name("Tổng hợp", taken)
    _summary_sheet(ws, ctx, footer)
    for i, d in enumerate(ctx.domains, start=1):
        _domain_sheet(wb.create_sheet(sheet_name(ctx.title(d), taken)), ctx, d, i, footer)
    _provenance_sheet(wb.create_sheet(sheet_name("Nguồn gốc", taken)), ctx, provenance, footer)
    return wb


# -- reproducible bytes -----------------------------------------------------------------------------


def _utc_naive(when: dt.datetime) -> dt.datetime:
    if when.tzinfo is not None:
        when = when.astimezone(dt.UTC).replace(tzinfo=None)
    return when.replace(microsecond=0)


_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def to_bytes(wb: Workbook, when: dt.datetime) -> bytes:
    """The .xlsx bytes, the same for the same content and ``when`` (openpyxl stamps the clock otherwise)."""
    stamp = _utc_naive(when)
    props = wb.properties
    props.creator = props.lastModifiedBy = "dolisa-reports"
    props.created = props.modified = stamp
    raw = io.BytesIO()
    wb.save(raw)  # sets props.modified to the clock: put back below
    iso = stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode("ascii")
    date_time = max(when.replace(tzinfo=None).timetuple()[:6], (1980, 1, 1, 0, 0, 0))
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():  # openpyxl's order
            data = src.read(item.filename)
            if item.filename == "docProps/core.xml":
                data = _MODIFIED.sub(rb"\g<1>" + iso + rb"\g<2>", data)
            info = zipfile.ZipInfo(item.filename, date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            info.create_system = 0
            dst.writestr(info, data, compresslevel=6)
    return out.getvalue()


def write(path: Path, ctx: SummaryContext, when: dt.datetime, provenance: dict | None = None) -> Path:
    """Write the appendix atomically (a failed write keeps the last good file)."""
    atomic_write_bytes(Path(path), to_bytes(build_workbook(ctx, provenance), when))
    return Path(path)
