"""Reports that say what the department means: live figures, checked typed figures, sections kept,
a domain analysis per notebook, and a year-end summary that survives a missing domain."""

from __future__ import annotations

import json
import re

import openpyxl
import pytest
from conftest import run_build, run_cli

from dolisa_reports import DOMAINS
from dolisa_reports.inputs import contract as C
from dolisa_reports.paths import Layout
from dolisa_reports.presentation import vnformat as vn

ARGS = ("--year", "2021", "--domain", "labour", "--format", "html")


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _set_actual(layout: Layout, code: str, value) -> None:
    """A corrected figure, and the first area's figure corrected with it (areas must add up)."""
    path = layout.workbook(2021, "labour")
    wb = openpyxl.load_workbook(path)
    ws = wb[C.SHEET_INDICATORS]
    row = next(r for r in range(C.FIRST_ROW, ws.max_row + 1) if ws[f"A{r}"].value == code)
    diff = value - ws[f"E{row}"].value
    ws[f"E{row}"] = value
    areas = wb[C.SHEET_AREAS]
    for r in range(C.AREA_FIRST_ROW, areas.max_row + 1):
        if areas.cell(r, 1).value == code:
            cell = areas.cell(r, len(C.AREA_FIXED) + 1)
            cell.value += diff
    wb.save(path)


def _narrative(layout: Layout, body: str, domain: str = "labour") -> None:
    layout.narrative(2021, domain).write_text(body, encoding="utf-8")


def _html(layout: Layout, name: str = "labour") -> str:
    return (layout.out_year(2021) / f"{name}.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_live_figures_follow_a_corrected_workbook(project, capsys):
    _narrative(project, "## Kết quả đạt được\n\nGiải quyết việc làm cho {LD01}, đạt {LD01.tyle} kế hoạch; "
                        "năm 2022 phấn đấu {LD01.khsau} ({LD01.cungky}).\n")  # fmt: skip
    assert run_build(project, *ARGS) == 0
    text = _text(_html(project))
    assert "Giải quyết việc làm cho 15.939 người, đạt 99,6% kế hoạch; năm 2022 phấn đấu 16.300 người" in text
    assert "tăng 527 người so với năm 2020*" in text  # the illustrative 2020 figure keeps its mark
    _set_actual(project, "LD01", 16100)  # a district corrects its figure
    assert run_build(project, *ARGS) == 0
    text = _text(_html(project))
    ratio = vn.percent(16100 / 16000 * 100, 1)
    assert f"Giải quyết việc làm cho 16.100 người, đạt {ratio} kế hoạch" in text
    assert "15.939" not in text


def test_a_typed_figure_that_contradicts_the_workbook_is_a_warning(project, capsys):
    _narrative(project, "---\nyear: 2021\n---\n\n## Kết quả đạt được\n\n"
                        "- Đã giải quyết việc làm cho 15.900 lao động, đạt 99,6% kế hoạch.\n"
                        "- Tổ chức 20 phiên giao dịch việc làm; điều chỉnh giảm 16 cuộc.\n")  # fmt: skip
    run_cli(project, "validate", "--year", "2021", "--domain", "labour")
    out = capsys.readouterr().out
    assert "[CẢNH BÁO] narrative/labour.md › dòng 7: nhận định ghi 15.900 nhưng LD01 = 15.939" in out
    assert "dòng 8" not in out  # 20 is LD03's figure; "giảm 16" is a change the check leaves alone


def test_unknown_codes_and_keys_are_errors_with_their_line(project, capsys):
    _narrative(
        project, "## Kết quả đạt được\n\nSố liệu {LD01.tile} và {XX99}; {GD01} là của lĩnh vực khác.\n"
    )
    assert run_cli(project, "validate", "--year", "2021", "--domain", "labour") == 1
    out = capsys.readouterr().out
    assert "[LỖI] narrative/labour.md › dòng 3: '{LD01.tile}': không có khoá '.tile'" in out
    assert "[LỖI] narrative/labour.md › dòng 3: '{XX99}': không có chỉ tiêu mã XX99" in out
    assert "'{GD01}': chỉ tiêu GD01 không thuộc lĩnh vực này" in out


@pytest.mark.slow
def test_numbered_sections_recommendations_and_own_sections_are_kept(project, capsys):
    _narrative(project, "# 1. Kết quả đạt được:\n\nMột kết quả.\n\n### chi tiết\n\nChi tiết của kết quả.\n\n"
                        "# II. Hạn chế\n\nMột hạn chế.\n\n# Kiến nghị, đề xuất\n\nĐề nghị Bộ hỗ trợ.\n\n"
                        "# Ý kiến của Công đoàn\n\nMột ý kiến.\n")  # fmt: skip
    run_cli(project, "validate", "--year", "2021", "--domain", "labour")
    assert "mục 'Ý kiến của Công đoàn' không phải mục quen thuộc" in capsys.readouterr().out
    assert run_build(project, *ARGS) == 0
    html = _html(project)
    text = _text(html)
    for piece in (
        "Một kết quả.",
        "Chi tiết của kết quả.",
        "Một hạn chế.",
        "Đề nghị Bộ hỗ trợ.",
        "Một ý kiến.",
    ):
        assert piece in text, piece
    assert "<h2>V. Kiến nghị, đề xuất</h2>" in html and "<h2>VI. Ý kiến của Công đoàn</h2>" in html


def test_without_recommendations_no_empty_heading(built_2021):
    assert "Kiến nghị, đề xuất" not in _html(built_2021)


OWN = {
    "labour": ("r.labour_structure(ctx)", "Cơ cấu giải quyết việc làm năm 2021", "15.447 người làm việc trong nước"),
    "vocational_training": ("r.enrolment_by_level(ctx)", "Tuyển sinh giáo dục nghề nghiệp theo trình độ",
                            "mục tiêu năm 2022 từ 68% trở lên, cần tăng thêm 1,2 điểm phần trăm"),
    "meritorious_persons": ("r.care_and_programmes(ctx)", "bình quân 320 nghìn đồng một suất",
                            "đã thực hiện 442 nhà/1.590 nhà, đạt 27,8% mục tiêu của giai đoạn"),
    "social_protection": ("r.policies_and_poverty(ctx)", "bình quân khoảng 533 nghìn đồng một người một tháng",
                          "Tỷ lệ hộ nghèo giảm 0,45 điểm phần trăm"),
    "inspection": ("r.petitions_and_inspections(ctx)", "Tiếp nhận và giải quyết đơn thư năm 2021",
                   "đơn khiếu nại thuộc thẩm quyền 2, đã giải quyết 1"),
}  # fmt: skip


@pytest.mark.parametrize("domain", DOMAINS)
def test_each_domain_report_says_what_only_it_can_say(built_2021, domain):
    call, *sentences = OWN[domain]
    for other in OWN:
        source = (built_2021.root / "notebooks" / f"{other}.ipynb").read_text(encoding="utf-8")
        assert (call in source) == (other == domain), (domain, other)
    text = _text(_html(built_2021, domain))
    for sentence in sentences:
        assert sentence in text, sentence
    for other, (_, *other_sentences) in OWN.items():
        if other != domain:
            assert other_sentences[0] not in text


def test_the_housing_programme_target_is_data(project):
    """The multi-year target comes from params/<year>.yaml, not from code."""
    from dolisa_reports.inputs.params import load_params

    programmes = load_params(2021, project).programmes
    assert [(p.code, p.start, p.end, p.target) for p in programmes] == [("NC13", 2021, 2023, 1590)]


@pytest.mark.slow
def test_the_summary_builds_without_a_domain_and_says_which(project, capsys):
    project.workbook(2021, "inspection").unlink()
    assert run_build(project, "--year", "2021", "--format", "html") == 1  # inspection fails, the rest build
    html = _html(project, "summary")
    notice = re.search(r'<aside class="notice notice-warning".*?</aside>', html, re.S).group(0)
    assert "thiếu 1 lĩnh vực" in notice and "(tổng hợp 4/5 lĩnh vực)" in notice
    assert "Thanh tra, tiếp công dân, giải quyết khiếu nại, tố cáo" in notice
    assert "thiếu tệp data/raw/2021/inspection.xlsx" in notice
    assert "Biểu đồ 1. Số chỉ tiêu vượt, đạt, chưa đạt kế hoạch năm 2021 theo lĩnh vực" in html
    assert "1. Kết quả đạt được" in _text(html) and "15.939 người (99,6% kế hoạch)" in _text(html)
    status = json.loads((project.outputs / "status.json").read_text(encoding="utf-8"))["reports"]
    assert status["2021/summary"]["state"] == "ok" and status["2021/inspection"]["state"] == "failed"


@pytest.mark.slow
def test_an_estimate_is_marked_in_table_and_text(project):
    path = project.workbook(2021, "labour")
    wb = openpyxl.load_workbook(path)
    ws = wb[C.SHEET_INDICATORS]
    row = next(r for r in range(C.FIRST_ROW, ws.max_row + 1) if ws[f"A{r}"].value == "LD01")
    ws[f"{C.COLUMN_BY_KEY['nature'].letter}{row}"] = "Ước tính"
    wb.save(path)
    _narrative(project, "## Kết quả đạt được\n\nGiải quyết việc làm cho {LD01}.\n")
    assert run_build(project, *ARGS) == 0
    html = _html(project)
    assert '<th class="num">Ước TH 2021</th>' in html
    assert re.search(r'data-code="LD01">.*?15\.939<sup class="estimate-mark"', html, re.S)
    text = _text(html)
    assert "giải quyết việc làm cho 15.939 lao động (ước tính), đạt 99,6% kế hoạch" in text
    assert "Giải quyết việc làm cho 15.939 người (ước tính)." in text
    assert "Số ước tính (ước thực hiện)" in text
