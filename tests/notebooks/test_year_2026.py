"""After the 2025 reform: a centrally-run city, no district level, communes and wards as areas, the
department merged into Sở Nội vụ. Everything comes from params/2026.yaml; the same code builds it."""

from __future__ import annotations

import openpyxl
import pytest
from conftest import run_build

from dolisa_reports.inputs import contract as C
from dolisa_reports.inputs.params import load_params
from dolisa_reports.inputs.template import write_templates

pytestmark = pytest.mark.slow


def _fill_2026(layout) -> None:
    write_templates(2026, layout, domains=["labour"])
    path = layout.workbook(2026, "labour")
    wb = openpyxl.load_workbook(path)
    ws = wb[C.SHEET_INDICATORS]
    values = {"LD01": (17000, 17240), "LD02": (2100, 1984), "LD03": (None, 24)}
    for r in range(C.FIRST_ROW, ws.max_row + 1):
        code = ws[f"A{r}"].value
        if code in values:
            plan, actual = values[code]
            ws[f"D{r}"], ws[f"E{r}"], ws[f"G{r}"] = plan, actual, "Minh họa"
    areas = wb[C.SHEET_AREAS]
    n_areas = len(load_params(2026, layout).areas.items)
    for r in range(areas.max_row, C.AREA_FIRST_ROW - 1, -1):
        if areas.cell(r, 1).value != "LD01":
            areas.delete_rows(r)
            continue
        per_area = [17240 // n_areas] * n_areas
        per_area[0] += 17240 - sum(per_area)
        for i, v in enumerate(per_area):
            areas.cell(r, len(C.AREA_FIXED) + 1 + i, v)
        areas.cell(r, len(C.AREA_FIXED) + n_areas + 1, "Minh họa")
    wb.save(path)


def test_2026_builds_with_communes_and_the_new_organisation(project):
    _fill_2026(project)
    assert run_build(project, "validate", "--year", "2026", "--domain", "labour") == 0
    assert run_build(project, "--year", "2026", "--domain", "labour", "--format", "html") == 0
    html = (project.out_year(2026) / "labour.html").read_text(encoding="utf-8")
    assert "UBND THÀNH PHỐ HUẾ" in html and "SỞ NỘI VỤ" in html
    assert "Năm 2026, toàn thành phố giải quyết việc làm cho 17.240 lao động, đạt 101,4% kế hoạch" in html
    assert "Xã, phường" in html and "Phường Thuận Hóa" in html
    assert "Huyện Phong Điền" not in html  # no district level any more
    assert "Chưa có số liệu năm 2025 để so sánh cùng kỳ" in html
