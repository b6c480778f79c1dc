"""The thematic reports: content, Vietnamese figures, no code, failure isolation (builds notebooks)."""

from __future__ import annotations

import csv
import json
import re

import nbformat
import pytest
from conftest import DATA, REPO, run_build

from dolisa_reports import DOMAINS
from dolisa_reports.inputs.catalogue import load_catalogue
from dolisa_reports.presentation.vnformat import percent

pytestmark = pytest.mark.slow


def _html(layout, domain, year=2021) -> str:
    return (layout.out_year(year) / f"{domain}.html").read_text(encoding="utf-8")


def _reference():
    with (DATA / "reference_indicators_2021.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_five_reports_and_index(built_2021):
    for domain in DOMAINS:
        assert (built_2021.out_year(2021) / f"{domain}.html").is_file()
        assert (built_2021.out_year(2021) / "notebooks" / f"{domain}.ipynb").is_file()
    index = (built_2021.outputs / "index.html").read_text(encoding="utf-8")
    for domain in DOMAINS:
        assert f'href="2021/{domain}.html"' in index
    assert "Đã lập" in index


def test_every_planned_ratio_printed_as_the_source_prints_it(built_2021):
    rows = [r for r in _reference() if r["plan_2021"] and r["stated_pct_of_plan"]]
    assert len(rows) >= 8
    catalogue = load_catalogue(built_2021)
    for r in rows:
        html = _html(built_2021, r["domain"])
        stated = float(r["stated_pct_of_plan"])
        decimals = len(r["stated_pct_of_plan"].split(".")[1]) if "." in r["stated_pct_of_plan"] else 0
        printed = percent(stated, max(decimals, 1)) if decimals else percent(stated, 0)
        row = re.search(rf'data-code="{r["code"]}">(.*?)</tr>', html, re.S)
        assert row, f"{r['code']} missing from the indicator table"
        ratio_cell = re.search(r'class="num ratio">([^<]*)<', row.group(1)).group(1)
        # the table keeps the catalogue's decimals in its column (100,0% beside 101,3%): the figure is
        # the source's, to the precision both print
        shown = ratio_cell.removesuffix("%")
        cell_decimals = len(shown.split(",")[1]) if "," in shown else 0
        assert cell_decimals == catalogue[r["code"]].ratio_decimals, (r["code"], ratio_cell)
        value = float(shown.replace(".", "").replace(",", "."))
        tolerance = 0.5 * 10 ** -min(decimals, cell_decimals) + 1e-9
        assert abs(value - stated) <= tolerance, f"{r['code']}: printed {ratio_cell}, source prints {printed}"
    for expected in ("99,6%", "27,3%", "101,4%", "81,5%", "68,1%", "112,5%"):
        assert any(expected in _html(built_2021, d) for d in DOMAINS), expected


def test_generated_summary_and_verdicts(built_2021):
    html = _html(built_2021, "labour")
    assert "Năm 2021, toàn tỉnh giải quyết việc làm cho 15.939 lao động, đạt 99,6% kế hoạch" in html
    assert re.search(r'data-code="LD01">.*?Chưa đạt', html, re.S)
    voc = _html(built_2021, "vocational_training")
    assert re.search(r'data-code="GD05">.*?Vượt', voc, re.S)
    assert re.search(r'data-code="GD03">.*?Chưa đạt', voc, re.S)
    social = _html(built_2021, "social_protection")
    # "từ 0,4% trở lên": an at-least target, exceeded by 0,45
    assert re.search(r'data-code="XH01">.*?≥ 0,4.*?0,45.*?Vượt', social, re.S)
    inspection = _html(built_2021, "inspection")
    assert re.search(r'data-code="TT02">.*?100,0%.*?Đạt', inspection, re.S)
    assert (
        "Thực hiện 20 cuộc thanh tra chuyên ngành theo kế hoạch, đạt 100% kế hoạch" in inspection
    )  # text: as printed


def test_report_sections_and_illustrative_notice(built_2021):
    html = _html(built_2021, "vocational_training")
    for heading in (
        "BÁO CÁO CHUYÊN ĐỀ",
        "Hạn chế, tồn tại",
        "Nguyên nhân",
        "Phương hướng, nhiệm vụ",
        "Nguồn số liệu",
    ):
        assert heading in html, heading
    assert "Tuyển sinh trình độ cao đẳng" in html and "Các chỉ tiêu chưa đạt kế hoạch năm 2021" in html
    assert "MINH HỌA" in html and 'class="illus-mark"' in html
    assert html.count("<figure") >= 3  # achievement, year on year, breakdown GD02 = GD03+GD04+GD05
    assert "10/12/2021" in html


def test_no_code_no_prompts_no_remote_resources(built_2021):
    for domain in DOMAINS:
        html = _html(built_2021, domain)
        assert "<script" not in html
        assert not re.search(r'(src|href)="(https?:)?//', html)
        assert "ctx = r.load" not in html and "r.indicator_table(ctx)" not in html
        assert "In&nbsp;[" not in html and "Out[" not in html
        assert '<meta charset="utf-8"' in html


def test_notebooks_are_stored_without_outputs():
    for path in sorted((REPO / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert not any(c.outputs or c.execution_count for c in code), path.name
        assert any("parameters" in c.metadata.get("tags", []) for c in code), path.name


def test_previous_year_missing_and_narrative_missing_show_placeholders(project):
    (project.narrative(2020, "inspection")).unlink(missing_ok=True)
    assert run_build(project, "--year", "2020", "--domain", "inspection", "--format", "html") == 0
    html = _html(project, "inspection", 2020)
    assert "Chưa có số liệu năm 2019 để so sánh cùng kỳ" in html
    assert "Chưa có nhận định" in html
    assert '<td class="num">—</td>' in html


def test_a_failing_cell_stops_only_its_domain(project, capsys):
    path = project.notebook("inspection")
    nb = nbformat.read(path, as_version=4)
    nb.cells.insert(3, nbformat.v4.new_code_cell("1 / 0  # injected failure"))
    nbformat.write(nb, path)
    code = run_build(project, "--year", "2021", "--format", "html")
    out = capsys.readouterr().out
    assert code == 1
    for domain in DOMAINS:
        exists = (project.out_year(2021) / f"{domain}.html").exists()
        assert exists == (domain != "inspection"), domain
    assert "inspection" in out and "của notebook bị lỗi" in out
    assert "ZeroDivisionError" not in out and "1 / 0" not in out  # no class name, no source: in the log
    assert "ZeroDivisionError" in (project.outputs / "build.log").read_text(encoding="utf-8")
    partial = project.out_year(2021) / "failed" / "inspection.ipynb"
    assert partial.is_file() and "failed/inspection.ipynb" in out
    status = json.loads((project.outputs / "status.json").read_text(encoding="utf-8"))
    assert status["reports"]["2021/inspection"]["state"] == "failed"
