"""The Excel appendix: Vietnamese number formats, frozen header, A4 landscape, text never a formula,
the same bytes for the same results."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import shutil
import zipfile
from decimal import ROUND_HALF_UP, Decimal

import openpyxl
import pytest
from test_summary import YEAR, write_fake_year

from dolisa_reports import DOMAINS
from dolisa_reports.figures import results
from dolisa_reports.paths import Layout
from dolisa_reports.pipeline.clock import VN_TZ
from dolisa_reports.presentation import appendix, summary

WHEN = dt.datetime(2021, 12, 10, 8, 5, tzinfo=VN_TZ)
FORMULA_LIKE = ['=HYPERLINK("http://example.org","bấm")', "+84 234 3822", "-5 so với kế hoạch", "@SUM(A1)"]


def _load(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def _sheet_xml(data: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/worksheets/")}


def _row(ws, code: str) -> list:
    for row in ws.iter_rows(min_row=appendix.HEADER_ROW + 1):
        if any(c.value == code for c in row[:3]):
            return list(row)
    raise AssertionError(f"{code} not in {ws.title}")


def _cells(ws, code: str) -> dict[str, openpyxl.cell.Cell]:
    headers = [c.value for c in ws[appendix.HEADER_ROW]]
    return dict(zip(headers, _row(ws, code), strict=False))


# -- fast ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "decimals", "shown"),
    [
        (99.61875, 1, 1),
        (100.0, 1, 0),
        (26.3285, 2, 2),
        (26.3, 2, 1),
        (15939.0, 0, 0),
        (0.45, 2, 2),
        (0.4, 2, 1),
    ],
)
def test_cells_show_the_decimals_the_report_prints(value, decimals, shown):
    assert appendix.shown_decimals(value, decimals) == shown


def test_number_format_codes():
    assert appendix.number_format(0) == "#,##0"  # 15939 → 15.939 in a Vietnamese Excel
    assert appendix.number_format(2) == "#,##0.00"
    assert appendix.number_format(1, percent=True) == "0.0%"  # 0.996 → 99,6%
    assert appendix.number_format(0, percent=True) == "0%"


def test_sheet_names_are_valid_and_unique():
    taken: set[str] = set()
    assert appendix.sheet_name("Thanh tra, tiếp công dân, giải quyết khiếu nại, tố cáo", taken) == "Thanh tra"
    assert appendix.sheet_name("Lao động / Việc làm [mới]: *?", taken) == "Lao động Việc làm mới"
    assert appendix.sheet_name("Thanh tra", taken) == "Thanh tra (2)"
    assert all(len(n) <= 31 for n in taken)


@pytest.fixture
def fake_ctx(project):
    notes = dict(zip(["LD01", "GD02", "NC11", "TT02"], FORMULA_LIKE, strict=True))
    write_fake_year(project)
    for d in DOMAINS:  # notes as they come from a workbook, some starting with = + - @
        path = results.path_for(project.out_year(YEAR), d)
        data = json.loads(path.read_text(encoding="utf-8"))
        for r in data["rows"]:
            r["note"] = notes.get(r["code"], "")
        path.write_text(results.dumps(data), encoding="utf-8")
    return summary.load(YEAR, project)


def test_appendix_layout_formats_and_text(fake_ctx):
    data = appendix.to_bytes(appendix.build_workbook(fake_ctx, {"built_at": WHEN.isoformat()}), WHEN)
    wb = _load(data)
    assert wb.sheetnames == [
        "Tổng hợp",
        "Lao động – Việc làm",
        "Giáo dục nghề nghiệp",
        "Người có công",
        "Chính sách xã hội",
        "Thanh tra",
        "Nguồn gốc",
    ]
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A4", ws.title  # the header row stays in view
        assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9, ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
        assert ws.print_title_rows == "$3:$3"
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type in ("s", "n"), (ws.title, c.coordinate, c.data_type)
    labour = wb["Lao động – Việc làm"]
    assert [c.value for c in labour[3]][:7] == [
        "TT",
        "Mã",
        "Chỉ tiêu",
        "ĐVT",
        "KH 2021",
        "TH 2021",
        "% TH/KH",
    ]
    ld01 = _cells(labour, "LD01")
    assert ld01["TH 2021"].value == 15939 and ld01["TH 2021"].number_format == "#,##0"
    assert ld01["% TH/KH"].value == pytest.approx(0.9961875) and ld01["% TH/KH"].number_format == "0.0%"
    assert ld01["KH 2022"].value == 16300 and ld01["Đánh giá"].value == "Chưa đạt"
    nc11 = _cells(wb["Người có công"], "NC11")
    assert nc11["% TH/KH"].number_format == "0.00%" and nc11["Tính chất số liệu"].value == "Minh họa"
    assert _cells(wb["Thanh tra"], "TT02")["% TH/KH"].number_format == "0%"  # 100%, as printed
    xh01 = _cells(wb["Chính sách xã hội"], "XH01")
    assert xh01["TH 2021"].number_format == "#,##0.00" and xh01["% TH/KH"].value == "—"
    for ws_name, code, text in [
        ("Lao động – Việc làm", "LD01", FORMULA_LIKE[0]),
        ("Giáo dục nghề nghiệp", "GD02", FORMULA_LIKE[1]),
        ("Người có công", "NC11", FORMULA_LIKE[2]),
        ("Thanh tra", "TT02", FORMULA_LIKE[3]),
    ]:
        note = _cells(wb[ws_name], code)["Ghi chú, nguồn số liệu"]
        assert note.value == text and note.data_type == "s", (ws_name, note.data_type)
        assert note.quotePrefix, "kept as text when someone edits the cell"
    summary_sheet = wb["Tổng hợp"]
    assert _cells(summary_sheet, "LD01")["Lĩnh vực"].value == "Lao động – Việc làm"
    assert not [r for r in summary_sheet.iter_rows() if r[2].value == "LD03"]
    for name, xml in _sheet_xml(data).items():
        assert "<f>" not in xml and "<f " not in xml, f"{name} holds a formula"


def test_same_results_same_bytes(fake_ctx):
    one = appendix.to_bytes(appendix.build_workbook(fake_ctx), WHEN)
    two = appendix.to_bytes(appendix.build_workbook(fake_ctx), WHEN)
    assert one == two
    with zipfile.ZipFile(io.BytesIO(one)) as z:
        assert {i.date_time for i in z.infolist()} == {(2021, 12, 10, 8, 5, 0)}
        core = z.read("docProps/core.xml").decode("utf-8")
    assert core.count("2021-12-10T01:05:00Z") == 2, core  # created and modified: the build time (UTC)
    later = appendix.to_bytes(appendix.build_workbook(fake_ctx), WHEN + dt.timedelta(days=1))
    assert later != one


def test_written_atomically(fake_ctx, tmp_path):
    path = tmp_path / "out" / "phu_luc_2021.xlsx"
    appendix.write(path, fake_ctx, WHEN)
    assert path.read_bytes() == appendix.to_bytes(appendix.build_workbook(fake_ctx), WHEN)
    assert [p.name for p in path.parent.iterdir()] == ["phu_luc_2021.xlsx"], "no temporary file left"


# -- the 2021 build (slow) -----------------------------------------------------------------------


def excel_shows(value: float, number_format: str) -> str:
    """What a Vietnamese Excel displays for ``value`` in ``number_format`` (15 significant digits, half up)."""
    percent = number_format.endswith("%")
    decimals = len(number_format.split(".")[1].rstrip("%")) if "." in number_format else 0
    d = Decimal(format(value, ".15g")) * (100 if percent else 1)
    q = d.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    whole, _, frac = f"{q:f}".partition(".")
    whole = f"{int(whole):,}".replace(",", ".")
    return whole + ("," + frac if frac else "") + ("%" if percent else "")


COLUMNS = (
    ("KH 2021", "plan_text"),
    ("TH 2021", "actual_text"),
    ("% TH/KH", "ratio_text"),
    ("% so với cùng kỳ", "yoy_text"),
    ("KH 2022", "target_next_text"),
)


@pytest.mark.slow
def test_built_appendix_shows_what_the_reports_print(built_2021):
    path = built_2021.out_year(YEAR) / "phu_luc_2021.xlsx"
    wb = openpyxl.load_workbook(path)
    ctx = summary.load(YEAR, built_2021)
    assert wb.sheetnames[0] == "Tổng hợp" and len(wb.sheetnames) == len(DOMAINS) + 2
    checked = 0
    for i, d in enumerate(DOMAINS, start=1):
        ws = wb.worksheets[i]
        assert ws.freeze_panes == "A4" and ws.page_setup.orientation == "landscape"
        assert ws.cell(1, 1).value.startswith(f"Phụ lục {i}. Lĩnh vực {ctx.title(d)}")
        for r in ctx.rows(d):
            cells = _cells(ws, r["code"])
            for column, key in COLUMNS:
                cell, text = cells[column], r[key]
                if text is None:
                    assert cell.value == "—", (d, r["code"], column)
                elif cell.data_type == "s":  # a target written as text: ≥ 68, 1–1,5
                    assert cell.value == text and r[key.removesuffix("_text")]["kind"] != "amount"
                else:
                    assert excel_shows(cell.value, cell.number_format) == text, (
                        d,
                        r["code"],
                        column,
                        cell.value,
                    )
                    checked += 1
    assert checked > 40
    labour = _cells(wb.worksheets[1], "LD01")
    assert labour["TH 2021"].number_format == "#,##0" and labour["% TH/KH"].number_format == "0.0%"
    assert _cells(wb["Người có công"], "NC11")["% TH/KH"].number_format == "0.00%"  # 26,33%


@pytest.mark.slow
def test_formula_like_text_from_results_stays_text(built_2021, tmp_path):
    """Notes and names come from workbooks through the results files: the appendix keeps them as text."""
    from dolisa_reports.pipeline.provenance import ReportProvenance, collect
    from dolisa_reports.pipeline.tasks import SummaryTask
    from dolisa_reports.pipeline.yearend import write_appendix

    layout = Layout(built_2021.root, tmp_path / "outputs")
    shutil.copytree(built_2021.out_year(YEAR) / "results", layout.out_year(YEAR) / "results")
    path = results.path_for(layout.out_year(YEAR), "labour")
    data = json.loads(path.read_text(encoding="utf-8"))
    data["rows"][0]["note"] = FORMULA_LIKE[0]
    data["rows"][1]["name"] = FORMULA_LIKE[3]
    path.write_text(results.dumps(data), encoding="utf-8")
    prov = ReportProvenance(collect(layout.root, []), {}, {"year": YEAR})
    out = write_appendix(layout, SummaryTask(YEAR), prov)
    raw = out.read_bytes()
    for name, xml in _sheet_xml(raw).items():
        assert not re.search(r"<f[ >]", xml), name
    ws = _load(raw)["Lao động – Việc làm"]
    note = _cells(ws, data["rows"][0]["code"])["Ghi chú, nguồn số liệu"]
    assert note.value == FORMULA_LIKE[0] and note.data_type == "s"
    name = _cells(ws, data["rows"][1]["code"])["Chỉ tiêu"]
    assert name.value == FORMULA_LIKE[3] and name.data_type == "s"
