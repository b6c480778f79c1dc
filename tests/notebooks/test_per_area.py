"""One report per administrative area (``--per-area``): planning, paths, the index, a real build."""

from __future__ import annotations

import json
import re

import openpyxl
import pytest
from conftest import run_build
from docx import Document

from dolisa_reports.inputs.contract import AREA_HEADER_ROW, SHEET_AREAS
from dolisa_reports.inputs.params import load_params
from dolisa_reports.inputs.validate import validate_year
from dolisa_reports.paths import Layout
from dolisa_reports.pipeline import execute
from dolisa_reports.pipeline.areas import AreaLister
from dolisa_reports.pipeline.index_page import write_index
from dolisa_reports.pipeline.status import StatusStore
from dolisa_reports.pipeline.tasks import ReportTask, plan
from dolisa_reports.presentation.vnformat import number

YEAR = 2021


def _area_figures(layout: Layout, code: str) -> dict[str, float]:
    """{area name: value} of one indicator, read straight from the workbook's area sheet."""
    ws = openpyxl.load_workbook(layout.workbook(YEAR, "labour"), data_only=True)[SHEET_AREAS]
    header = [c.value for c in ws[AREA_HEADER_ROW]]
    for row in ws.iter_rows(min_row=AREA_HEADER_ROW + 1, values_only=True):
        if row[0] == code:
            return {
                h: v
                for h, v in zip(header[3:], row[3:], strict=True)
                if v is not None and h != "Tính chất số liệu"
            }
    raise AssertionError(f"{code} not in the area sheet")


def test_the_area_list_comes_from_the_params_and_the_area_sheet(project):
    params = load_params(YEAR, project)
    validate_year(YEAR, project)  # the lister reads the validated dataset, never the workbook
    lister = AreaLister(project)
    areas = lister(YEAR, "labour")
    assert [code for code, _ in areas] == [a.code for a in params.areas.items]  # all 9 have figures
    assert len(areas) == 9
    assert all(slug == params.areas.by_code(code).slug for code, slug in areas)


def test_an_area_without_figures_gets_no_report(project):
    wb = openpyxl.load_workbook(project.workbook(YEAR, "labour"))
    ws = wb[SHEET_AREAS]
    header = [c.value for c in ws[AREA_HEADER_ROW]]
    col = header.index("Huyện Nam Đông") + 1
    for r in range(AREA_HEADER_ROW + 1, ws.max_row + 1):
        ws.cell(r, col).value = None
    wb.save(project.workbook(YEAR, "labour"))
    validate_year(YEAR, project)
    lister = AreaLister(project)
    codes = [code for code, _ in lister(YEAR, "labour")]
    assert "H_NAM_DONG" not in codes and len(codes) == 8
    assert lister.skipped and "1 địa bàn không có số liệu" in lister.skipped[0]


def test_area_tasks_write_under_areas_slug_and_link_back_to_the_index(tmp_path):
    layout = Layout(root=tmp_path, outputs=tmp_path / "out")
    tasks = plan(layout, [YEAR], ["labour"], areas=lambda y, d: [("TP_HUE", "thanh-pho-hue")])
    assert [t.key for t in tasks] == ["2021/labour", "2021/labour@TP_HUE"]
    area = tasks[1]
    files = area.outputs(layout, ("html", "pdf"))
    base = layout.outputs / "2021" / "areas" / "thanh-pho-hue"
    assert files == {
        "html": base / "labour.html",
        "ipynb": base / "notebooks" / "labour.ipynb",
        "pdf": base / "labour.pdf",
    }  # no results file: the summary reads only the provincial reports' results
    assert area.index_href == "../../../index.html" and tasks[0].index_href == "../index.html"
    assert area.parameters() == {"year": YEAR, "area": "TP_HUE"}
    provincial = ReportTask(YEAR, "labour").dependencies(layout)
    assert provincial[-1] == "issue:2021/labour"  # only the provincial report can be issued
    assert area.dependencies(layout) == provincial[:-1]


def test_the_index_groups_area_reports_under_their_year(project, tmp_path):
    store = StatusStore(tmp_path / "status.json")
    (project.outputs / "2021" / "areas" / "thanh-pho-hue").mkdir(parents=True)
    (project.outputs / "2021" / "areas" / "thanh-pho-hue" / "labour.html").write_text("x")
    (project.outputs / "2021").mkdir(exist_ok=True)
    (project.outputs / "2021" / "labour.html").write_text("x")
    store.record_ok("2021/labour", "2026-01-01T00:00:00", year=YEAR, kind="labour", title="Lao động – Việc làm",
                    outputs={"html": "2021/labour.html"})  # fmt: skip
    store.record_ok("2021/labour@TP_HUE", "2026-01-01T00:00:00", year=YEAR, kind="labour", area="TP_HUE",
                    title="Lao động – Việc làm", outputs={"html": "2021/areas/thanh-pho-hue/labour.html"})  # fmt: skip
    html = write_index(project, store, "2026-01-01T00:00:00").read_text(encoding="utf-8")
    details = re.search(r'<details class="areas".*?</details>', html, re.S).group(0)
    assert "Báo cáo theo địa bàn (1 địa bàn)" in details
    assert "Thành phố Huế" in details and 'href="2021/areas/thanh-pho-hue/labour.html"' in details
    assert "<script" not in html.lower()
    assert html.count('class="report-row') == 1  # the area report is not in the provincial table


def _ld01_actual(html: str) -> str:
    row = re.search(r'<tr[^>]*data-code="LD01">(.*?)</tr>', html, re.S).group(1)
    return re.findall(r'<td class="num">([^<]*)</td>', row)[1]  # KH, then TH


@pytest.mark.slow
def test_per_area_build_writes_one_report_per_area_and_is_incremental(project, monkeypatch, capsys):
    args = ("--year", str(YEAR), "--per-area", "--format", "html,docx", "--domain", "labour")
    assert run_build(project, *args) == 0
    params = load_params(YEAR, project)
    figures = _area_figures(project, "LD01")
    assert len(figures) == 9
    index = (project.outputs / "index.html").read_text(encoding="utf-8")
    for area in params.areas.items:
        path = project.outputs / str(YEAR) / "areas" / area.slug / "labour.html"
        html = path.read_text(encoding="utf-8")
        assert f'<span class="doc-area">{area.name}</span>' in html
        assert _ld01_actual(html) == number(figures[area.name])
        assert 'href="../../../index.html"' in html
        assert (path.parent / "notebooks" / "labour.ipynb").is_file()
        assert f'href="{YEAR}/areas/{area.slug}/labour.html"' in index
        assert f'href="{YEAR}/areas/{area.slug}/labour.docx"' in index  # and its Word document
        word = Document(str(path.with_suffix(".docx")))
        assert area.name in next(p.text for p in word.paragraphs if p.style.name == "Title")
    assert not (project.outputs / str(YEAR) / "areas" / params.areas.items[0].slug / "results").exists()
    results = json.loads(
        (project.outputs / str(YEAR) / "results" / "labour.json").read_text(encoding="utf-8")
    )
    assert results  # the provincial results are the only ones written
    manifest = json.loads((project.outputs / "manifest.json").read_text(encoding="utf-8"))["tasks"]
    reports = [k for k in manifest if not k.startswith("validate/")]
    assert sorted(reports) == sorted(["2021/labour", *(f"2021/labour@{a.code}" for a in params.areas.items)])
    assert sorted(k for k in manifest if k.startswith("validate/")) == [
        "validate/2020/labour",
        "validate/2021/labour",
    ]

    ran: list[str] = []
    real = execute.run_notebook

    def spy(src, dst, parameters, cwd, timeout=600, label=""):
        ran.append(label)
        return real(src, dst, parameters, cwd, timeout=timeout, label=label)

    monkeypatch.setattr(execute, "run_notebook", spy)
    before = (project.outputs / "manifest.json").read_bytes()
    capsys.readouterr()
    assert run_build(project, *args) == 0
    assert ran == []
    assert "Đã lập 0 báo cáo, bỏ qua 10 báo cáo không đổi, 0 lỗi" in capsys.readouterr().out
    assert (project.outputs / "manifest.json").read_bytes() == before


def test_an_unknown_executor_option_combination_is_refused(project, capsys):
    assert run_build(project, "--executor", "local", "--scheduler", "tcp://127.0.0.1:1") == 2
    assert "--scheduler" in capsys.readouterr().out
