"""The year-end summary: built from the domain reports' recorded results, and agreeing with them.

Fast tests use results written by hand (``fake_results``); the slow ones read the session's 2021 build
(``built_2021``, which now also builds the summary and its appendix) and compare the summary's table with
the five thematic reports, cell by cell.
"""

from __future__ import annotations

import hashlib
import json
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest

from dolisa_reports import DOMAINS
from dolisa_reports.figures import results
from dolisa_reports.paths import Layout
from dolisa_reports.pipeline.manifest import Hasher
from dolisa_reports.pipeline.tasks import PACKAGE_DEP, ReportTask, SummaryTask, plan
from dolisa_reports.presentation import summary
from dolisa_reports.presentation import vnformat as vn

YEAR = 2021


# -- recorded results written by hand ----------------------------------------------------------------


def _target(value):
    return {"kind": "amount", "low": value, "high": None} if value is not None else None


def fake_row(
    code,
    name,
    *,
    tt=1,
    key=True,
    plan=None,
    actual=None,
    ratio=None,
    verdict=None,
    unit="người",
    value_decimals=0,
    ratio_decimals=1,
    previous=None,
    yoy=None,
    target_next=None,
    note="",
    nature="official",
    previous_nature="official",
) -> dict:
    d = value_decimals
    return {
        "tt": tt,
        "code": code,
        "name": name,
        "unit": unit,
        "direction": "up",
        "key": key,
        "value_decimals": d,
        "ratio_decimals": ratio_decimals,
        "plan": _target(plan),
        "plan_text": vn.number(plan, d) if plan is not None else None,
        "actual": actual,
        "actual_text": vn.number(actual, d) if actual is not None else None,
        "previous": previous,
        "ratio": ratio,
        "ratio_text": vn.percent(ratio, ratio_decimals) if ratio is not None else None,
        "yoy": yoy,
        "yoy_text": vn.percent(yoy, 1) if yoy is not None else None,
        "verdict": verdict,
        "target_next": _target(target_next),
        "target_next_text": vn.number(target_next, d) if target_next is not None else None,
        "nature": nature,
        "previous_nature": previous_nature,
        "note": note,
    }


def fake_results(domain: str, rows: list[dict], year: int = YEAR) -> dict:
    counts = {"vượt": 0, "đạt": 0, "chưa đạt": 0}
    for r in rows:
        if r["verdict"]:
            counts[r["verdict"]] += 1
    return {
        "schema": results.SCHEMA_VERSION,
        "year": year,
        "previous_year": year - 1,
        "next_year": year + 1,
        "domain": domain,
        "area": None,
        "title": domain,
        "rows": rows,
        "counts": counts,
        "shortfalls": [r["code"] for r in rows if r["verdict"] == "chưa đạt"],
        "illustrative": any(r["nature"] == "illustrative" for r in rows),
    }


def write_fake_year(layout: Layout, year: int = YEAR, overrides: dict[str, list[dict]] | None = None) -> None:
    """Results for the five domains: labour has a shortfall and a target, the others one key row each."""
    rows = {
        "labour": [
            fake_row(
                "LD01",
                "Số lao động được giải quyết việc làm",
                plan=16000,
                actual=15939,
                ratio=99.61875,
                verdict="chưa đạt",
                previous=15412,
                yoy=103.419,
                target_next=16300,
            ),
            fake_row("LD03", "Số phiên giao dịch việc làm", tt=2, key=False, actual=20),
        ],
        "vocational_training": [
            fake_row("GD02", "Tổng số tuyển sinh", plan=14200, actual=14400, ratio=101.408, verdict="vượt")
        ],
        "meritorious_persons": [
            fake_row(
                "NC11",
                "Điều dưỡng tập trung",
                plan=1656,
                actual=436,
                ratio=26.3285,
                ratio_decimals=2,
                verdict="chưa đạt",
                nature="illustrative",
            ),
        ],
        "social_protection": [fake_row("XH01", "Mức giảm tỷ lệ hộ nghèo", actual=0.45, value_decimals=2)],
        "inspection": [fake_row("TT02", "Số cuộc thanh tra", plan=20, actual=20, ratio=100.0, verdict="đạt")],
    }
    rows.update(overrides or {})
    for d in DOMAINS:
        path = results.path_for(layout.out_year(year), d)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(results.dumps(fake_results(d, rows[d], year)), encoding="utf-8")


# -- fast --------------------------------------------------------------------------------------------


def test_missing_results_are_named(project):
    write_fake_year(project)
    results.path_for(project.out_year(YEAR), "inspection").unlink()
    ctx = summary.load(YEAR, project)  # the summary is made from the others, and says which is missing
    assert ctx.domains == [d for d in DOMAINS if d != "inspection"]
    notice = summary.missing_notice(ctx).data
    assert "thiếu 1 lĩnh vực" in notice and ctx.params.domain_title("inspection") in notice
    for d in DOMAINS:
        results.path_for(project.out_year(YEAR), d).unlink(missing_ok=True)
    with pytest.raises(summary.SummaryDataError) as err:  # none at all: nothing to sum up
        summary.load(YEAR, project)
    message = str(err.value)
    assert "2021/results/inspection.json" in message and "python run_all.py --year 2021" in message


def test_results_of_another_year_are_refused(project):
    write_fake_year(project)
    path = results.path_for(project.out_year(YEAR), "labour")
    data = json.loads(path.read_text(encoding="utf-8"))
    data["year"] = 2020
    path.write_text(results.dumps(data), encoding="utf-8")
    with pytest.raises(summary.SummaryDataError, match="labour"):
        summary.load(YEAR, project)


def test_sections_show_the_recorded_figures(project):
    write_fake_year(project)
    ctx = summary.load(YEAR, project)
    assert ctx.domains == list(DOMAINS)

    overview = summary.overview(ctx).data
    assert (
        "5 lĩnh vực có 4 chỉ tiêu có kế hoạch: 1 chỉ tiêu vượt, 1 chỉ tiêu đạt, 2 chỉ tiêu chưa đạt"
        in overview
    )
    assert "<td>Tổng cộng</td>" in overview

    table = parse_indicator_rows(summary.key_indicator_table(ctx).data)
    assert list(table) == ["LD01", "GD02", "NC11", "XH01", "TT02"], "key rows only, in the domains' order"
    assert table["LD01"]["TH 2021"] == "15.939" and table["LD01"]["% TH/KH"] == "99,6%"
    assert table["LD01"]["TH 2020"] == "15.412" and table["LD01"]["KH 2022"] == "16.300"
    assert table["LD01"]["Đánh giá"] == "Chưa đạt" and table["GD02"]["Đánh giá"] == "Vượt"
    assert table["NC11"]["% TH/KH"] == "26,33%" and table["NC11"]["Chỉ tiêu"].endswith("*")
    assert table["XH01"]["TH 2021"] == "0,45" and table["XH01"]["% TH/KH"] == "—"
    assert (
        table["TT02"]["% TH/KH"] == "100,0%" and table["TT02"]["Đánh giá"] == "Đạt"
    )  # one decimal, kept in a column

    shortfalls = summary.shortfalls_table(ctx).data
    assert shortfalls.count("<tr>") == 3  # header + LD01 + NC11
    assert "Lao động – Việc làm" in shortfalls and "Người có công" in shortfalls
    targets = summary.next_year_targets(ctx).data
    assert "16.300" in targets and "Chỉ tiêu kế hoạch năm 2022" in targets

    links = summary.report_links(ctx).data
    for d in DOMAINS:
        assert f'href="{d}.html"' in links
    assert 'href="phu_luc_2021.xlsx"' in links
    assert (
        "MINH HỌA" in summary.illustrative_notice(ctx).data
        and "NC11" in summary.illustrative_notice(ctx).data
    )
    assert "BÁO CÁO TỔNG KẾT" in summary.title_block(ctx).data


def test_workbook_text_in_the_summary_is_escaped(project):
    hostile = '<script>alert("x")</script>'
    write_fake_year(
        project,
        overrides={
            "inspection": [fake_row("TT02", hostile, plan=20, actual=10, ratio=50.0, verdict="chưa đạt")]
        },
    )
    ctx = summary.load(YEAR, project)
    for section in (summary.key_indicator_table, summary.shortfalls_table):
        html = section(ctx).data
        assert "<script>" not in html and "&lt;script&gt;" in html


def test_the_summary_is_planned_after_the_years_reports(tmp_path):
    layout = Layout(tmp_path, tmp_path / "outputs")
    tasks = plan(layout, [2020, 2021])
    keys = [t.key for t in tasks]
    assert keys == [f"2020/{d}" for d in DOMAINS] + ["2020/summary"] + [f"2021/{d}" for d in DOMAINS] + [
        "2021/summary"
    ]
    s = tasks[-1]
    assert isinstance(s, SummaryTask) and s.after == tuple(f"2021/{d}" for d in DOMAINS)
    deps = s.dependencies(layout)
    assert PACKAGE_DEP in deps and "file:notebooks/summary.ipynb" in deps and "file:params/2021.yaml" in deps
    expected = [f"out:2021/results/{d}.json" for d in (*DOMAINS, "work_programme")]
    assert [d for d in deps if d.startswith("out:")] == expected
    data = [d for d in deps if d.startswith("file:data/")]
    assert data == ["file:data/raw/2021/narrative/summary.md"], "the summary never reads a workbook"
    outs = s.outputs(layout, ("html", "pdf"))
    assert outs["xlsx"] == layout.out_year(2021) / "phu_luc_2021.xlsx" and outs["pdf"].name == "summary.pdf"
    assert ReportTask(2021, "labour").outputs(layout, ("html",))["results"] == (
        layout.out_year(2021) / "results" / "labour.json"
    )
    assert "2021/summary" not in [t.key for t in plan(layout, [2021], ["labour", "inspection"])]


def test_results_files_are_hashed_afresh(tmp_path):
    layout = Layout(tmp_path, tmp_path / "outputs")
    hasher = Hasher(layout)
    dep = "out:2021/results/labour.json"
    assert hasher.digest(dep) == "absent"
    path = layout.out_year(2021) / "results" / "labour.json"
    path.parent.mkdir(parents=True)
    path.write_text("{}\n", encoding="utf-8")
    assert hasher.digest(dep) == hashlib.sha256(b"{}\n").hexdigest(), "written during the build: not memoised"


# -- the 2021 build (slow) --------------------------------------------------------------------------


class _Tables(HTMLParser):
    """Rows carrying ``data-code`` in ``table.indicators``: {code: {column header: cell text}}."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.rows: dict[str, dict[str, str]] = {}
        self._in_table = 0
        self._headers: list[str] = []
        self._section = ""
        self._code: str | None = None
        self._cells: list[str] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table" and "indicators" in (a.get("class") or "").split():
            self._in_table, self._headers = 1, []
        elif not self._in_table:
            return
        elif tag in ("thead", "tbody"):
            self._section = tag
        elif tag == "tr":
            self._code, self._cells = a.get("data-code"), []
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if not self._in_table:
            return
        if tag in ("td", "th") and self._cell is not None:
            text = " ".join("".join(self._cell).split())
            if self._section == "thead":
                self._headers.append(text)
            else:
                self._cells.append(text)
            self._cell = None
        elif tag == "tr" and self._code:
            assert len(self._cells) == len(self._headers), (self._code, self._cells)
            self.rows[self._code] = dict(zip(self._headers, self._cells, strict=True))
            self._code = None
        elif tag == "table":
            self._in_table = 0

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def parse_indicator_rows(html: str) -> dict[str, dict[str, str]]:
    p = _Tables()
    p.feed(html)
    p.close()
    return p.rows


def _html(layout: Layout, name: str) -> str:
    return (layout.out_year(YEAR) / f"{name}.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_summary_table_agrees_with_the_five_reports(built_2021):
    summary_rows = parse_indicator_rows(_html(built_2021, "summary"))
    seen = set()
    for d in DOMAINS:
        domain_rows = parse_indicator_rows(_html(built_2021, d))
        recorded = json.loads(results.path_for(built_2021.out_year(YEAR), d).read_text(encoding="utf-8"))
        key_codes = [r["code"] for r in recorded["rows"] if r["key"]]
        assert key_codes, f"{d} has key indicators"
        for code in key_codes:
            mine, theirs = summary_rows[code], domain_rows[code]
            for column in ("TH 2021", "% TH/KH", "Đánh giá"):  # actual, ratio, verdict
                assert mine[column] == theirs[column], (d, code, column, mine[column], theirs[column])
            for column in set(theirs) - {"TT"}:  # and every other column as well
                assert mine[column] == theirs[column], (d, code, column)
            seen.add(code)
    assert set(summary_rows) == seen, "the summary shows the key indicators, and only them"


@pytest.mark.slow
def test_summary_counts_and_shortfalls_agree_with_the_reports(built_2021):
    html = _html(built_2021, "summary")
    total = {"vượt": 0, "đạt": 0, "chưa đạt": 0}
    for d in DOMAINS:
        recorded = json.loads(results.path_for(built_2021.out_year(YEAR), d).read_text(encoding="utf-8"))
        for k in total:
            total[k] += recorded["counts"][k]
        domain_html = _html(built_2021, d)
        for code in recorded["shortfalls"]:
            row = next(r for r in recorded["rows"] if r["code"] == code)
            assert row["name"] in domain_html and row["name"] in html, code
    planned = sum(total.values())
    assert (
        f"có {planned} chỉ tiêu có kế hoạch: {total['vượt']} chỉ tiêu vượt, {total['đạt']} chỉ tiêu đạt, "
        f"{total['chưa đạt']} chỉ tiêu chưa đạt kế hoạch" in html
    )
    assert "BÁO CÁO TỔNG KẾT" in html and "<title>Báo cáo tổng kết năm 2021</title>" in html
    for d in DOMAINS:
        assert f'href="{d}.html"' in html
    assert 'href="phu_luc_2021.xlsx"' in html


@pytest.mark.slow
def test_results_files_hold_what_each_notebook_recorded(built_2021):
    out = built_2021.out_year(YEAR)
    for d in DOMAINS:
        data = json.loads(results.path_for(out, d).read_text(encoding="utf-8"))
        nb = nbformat.read(str(out / "notebooks" / f"{d}.ipynb"), as_version=4)
        recorded = results.extract(nb)
        assert {k: v for k, v in data.items() if k != "provenance"} == json.loads(results.dumps(recorded))
        workbook = built_2021.workbook(YEAR, d)
        digest = hashlib.sha256(workbook.read_bytes()).hexdigest()
        assert data["provenance"]["inputs"][f"data/raw/{YEAR}/{d}.xlsx"] == digest
        assert results.path_for(out, d).read_text(encoding="utf-8") == results.dumps(data), "stable JSON"


@pytest.mark.slow
def test_index_lists_the_summary_first_with_its_appendix(built_2021):
    index = (built_2021.outputs / "index.html").read_text(encoding="utf-8")
    section = index[index.index('id="nam-2021"') :]
    keys = [chunk.split('"', 1)[0] for chunk in section.split('data-key="')[1:]]
    assert keys[0] == "2021/summary" and set(keys[1:]) == {f"2021/{d}" for d in (*DOMAINS, "work_programme")}
    first = section[section.index('data-key="2021/summary"') : section.index(f'data-key="2021/{DOMAINS[0]}"')]
    assert "Báo cáo tổng kết năm 2021" in first
    assert 'href="2021/summary.html"' in first and 'href="2021/phu_luc_2021.xlsx">Excel</a>' in first
    assert "results/" not in index, "the results files are for the build, not listed"


@pytest.mark.slow
def test_manifest_records_the_summary_dependencies(built_2021):
    manifest = json.loads((built_2021.outputs / "manifest.json").read_text(encoding="utf-8"))["tasks"]
    entry = manifest["2021/summary"]
    for d in DOMAINS:
        path: Path = results.path_for(built_2021.out_year(YEAR), d)
        assert entry["inputs"][f"out:2021/results/{d}.json"] == hashlib.sha256(path.read_bytes()).hexdigest()
        assert manifest[f"2021/{d}"]["outputs"]["results"]["path"] == f"2021/results/{d}.json"
    assert {"html", "ipynb", "xlsx"} <= set(entry["outputs"])
    assert "file:notebooks/summary.ipynb" in entry["inputs"] and "file:params/2021.yaml" in entry["inputs"]
