"""Six- and nine-month reports: their own workbooks and outputs, the same period of the comparison year,
ratios against the year's plan (recomputed here from the workbooks), the index's grouping."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import openpyxl
import pytest
from conftest import build_copy, run_cli

from dolisa_reports.inputs import contract as C
from dolisa_reports.presentation import vnformat as vn

PERIOD_DOMAINS = ("labour", "vocational_training")


@pytest.fixture(scope="module")
def built_6t(tmp_path_factory):
    return build_copy(tmp_path_factory, "p6t", "--year", "2021", "--period", "6t", "--format", "html")


def _sheet(layout, year: int, domain: str) -> dict[str, dict]:
    """Code → plan (D) and actual (E) as the analyst typed them in the six-month workbook."""
    ws = openpyxl.load_workbook(layout.for_period("6t").workbook(year, domain), data_only=True)[
        C.SHEET_INDICATORS
    ]
    out = {}
    for r in range(C.FIRST_ROW, ws.max_row + 1):
        code = ws[f"A{r}"].value
        if code:
            out[code] = {"plan": ws[f"D{r}"].value, "actual": ws[f"E{r}"].value}
    return out


def _row_cells(html: str, code: str) -> list[str]:
    row = re.search(rf'<tr class="[^"]*" data-code="{code}">(.*?)</tr>', html, re.S)
    assert row, code
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row[1], re.S)
    return [unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in cells]


def test_six_month_reports_of_the_domains_with_period_data(built_6t):
    out = built_6t.out_year(2021) / "6t"
    built = sorted(p.stem for p in out.glob("*.html"))
    assert built == sorted(PERIOD_DOMAINS)  # the other domains sent no six-month workbook
    assert not (built_6t.out_year(2021) / "labour.html").exists()  # the year-end report is another one
    for domain in PERIOD_DOMAINS:
        html = (out / f"{domain}.html").read_text(encoding="utf-8")
        assert '<span class="doc-year">6 tháng đầu năm 2021</span>' in html
        assert "6 tháng đầu năm 2021</title>" in html
        assert '<div class="doc-kind">BÁO CÁO</div>' in html
        assert "ngày 12 tháng 7 năm 2021" in html  # periods.6t.report_date of params/2021.yaml
        assert "MINH HỌA" in html  # every six-month figure of the sample is illustrative
        assert 'href="../../index.html"' in html


@pytest.mark.parametrize("domain", PERIOD_DOMAINS)
def test_ratios_against_the_year_plan_and_the_same_period_last_year(built_6t, domain):
    html = (built_6t.out_year(2021) / "6t" / f"{domain}.html").read_text(encoding="utf-8")
    now, before = _sheet(built_6t, 2021, domain), _sheet(built_6t, 2020, domain)
    checked = 0
    for code, figures in now.items():
        plan, actual = figures["plan"], figures["actual"]
        if not isinstance(actual, int | float) or f'data-code="{code}"' not in html:
            continue
        cells = _row_cells(html, code)  # TT, name, unit, KH năm, TH 6t, %, TH 6t 2020, cùng kỳ, tiến độ
        if isinstance(plan, int | float) and plan:
            ratio = actual / plan * 100
            assert cells[5] == vn.percent(ratio, 1, keep_zeros=True), (code, cells)
            assert cells[-1] == ("Đạt tiến độ" if ratio >= 50 - 0.05 else "Chậm tiến độ"), (code, cells)
            checked += 1
        prev = before.get(code, {}).get("actual")
        if isinstance(prev, int | float) and prev and "%" not in cells[2]:
            assert cells[7] == vn.percent(actual / prev * 100, 1, keep_zeros=True), (code, cells)
    assert checked >= 1
    assert "kế hoạch năm" in html
    assert "so với 6 tháng đầu năm 2020" in html  # the same period of the comparison year
    assert (
        "Bảng 1. Kết quả thực hiện các chỉ tiêu lĩnh vực" in html and "6 tháng đầu năm 2021</caption>" in html
    )


def test_the_labour_headline_states_the_share_of_the_year_plan(built_6t):
    html = (built_6t.out_year(2021) / "6t" / "labour.html").read_text(encoding="utf-8")
    ld01 = _sheet(built_6t, 2021, "labour")["LD01"]
    ratio = vn.percent(ld01["actual"] / ld01["plan"] * 100, 1)
    assert f"6 tháng đầu năm 2021, toàn tỉnh giải quyết việc làm cho {vn.number(ld01['actual'])}" in html
    assert f"đạt {ratio} kế hoạch năm" in html
    assert "4 tháng" not in html and "6 tháng cuối năm cần thực hiện" in html  # what is left of the plan


def test_the_index_groups_the_periods_of_a_year(built_6t):
    index = (built_6t.outputs / "index.html").read_text(encoding="utf-8")
    assert '<h3 class="period" id="ky-2021-6t">Báo cáo 6 tháng đầu năm 2021</h3>' in index
    assert 'href="2021/6t/labour.html"' in index
    section = index[index.index('id="nam-2021"') : index.index('id="nam-2020"')]
    assert "ky-2021-6t" in section  # under its year
    assert 'id="so-lieu-2021-6t"' in section  # and its own submissions: 2 of 5 units have sent theirs
    assert "Tình hình nhận số liệu 6 tháng đầu năm 2021" in section and "2/5 lĩnh vực đã nhận" in section


def test_the_year_end_build_is_its_own(built_2021):
    """Building the year leaves the six-month workbooks alone and makes no six-month report."""
    assert not (built_2021.out_year(2021) / "6t").exists()
    html = (built_2021.out_year(2021) / "labour.html").read_text(encoding="utf-8")
    assert (
        '<span class="doc-year">năm 2021</span>' in html
        and "kế hoạch năm" not in html.split("Tóm tắt")[1][:400]
    )


def test_a_workbook_in_the_wrong_period_folder_names_the_cell(project, capsys):
    path = project.for_period("6t").workbook(2021, "labour")
    wb = openpyxl.load_workbook(path)
    wb[C.SHEET_INDICATORS][C.PERIOD_CELL] = "9 tháng đầu năm"
    wb.save(path)
    assert run_cli(project, "validate", "--year", "2021", "--period", "6t") == 1
    out = capsys.readouterr().out
    assert "6 tháng đầu năm 2021: 1 lỗi" in out
    assert (
        "[LỖI] 6t/labour.xlsx › Chỉ tiêu › B5: kỳ báo cáo của biểu là '9 tháng đầu năm', nhưng tệp nằm trong "
        "thư mục 6t (6 tháng đầu năm)" in out
    )


def test_a_nine_month_template_and_the_status_of_a_period(project, capsys):
    assert run_cli(project, "template", "--year", "2021", "--period", "9t", "--domain", "labour") == 0
    out = capsys.readouterr().out
    assert "đã tạo data/raw/2021/9t/labour.xlsx" in out
    ws = openpyxl.load_workbook(project.for_period("9t").workbook(2021, "labour"))[C.SHEET_INDICATORS]
    assert ws["E6"].value == "Thực hiện 9 tháng đầu năm 2021"
    assert ws["D6"].value == "Kế hoạch năm 2021"
    assert ws[C.PERIOD_CELL].value == "9 tháng đầu năm"
    plans = {ws[f"A{r}"].value: ws[f"D{r}"].value for r in range(C.FIRST_ROW, ws.max_row + 1)}
    assert plans["LD01"] == 16000  # the year's plan (2020's "next year" column), as at year end
    assert run_cli(project, "validate", "--year", "2021", "--period", "9t") == 1
    assert "9t/labour.xlsx › Chỉ tiêu › E7:E" in capsys.readouterr().out  # still the blank template

    assert run_cli(project, "status", "--year", "2021", "--period", "6t") == 0
    out = capsys.readouterr().out
    assert out.startswith("6 tháng đầu năm 2021 (đến ngày")
    assert re.search(r"labour\s+Phòng Lao động – Việc làm · hạn 20/06/2021: đã nhận", out)
    assert re.search(r"inspection\s+Thanh tra Sở · hạn 20/06/2021: chưa nhận \(quá hạn nộp\)", out)
    assert dt.date.today() > dt.date(2021, 6, 20)


def test_an_unknown_period_is_refused_in_vietnamese(project, capsys):
    with pytest.raises(SystemExit):
        run_cli(project, "validate", "--period", "quy1")
    err = capsys.readouterr().err
    assert "Kỳ báo cáo 'quy1' không có. Chọn một trong: nam (cả năm), 6t (6 tháng đầu năm), 9t" in err
