"""Byte-identical rebuilds: the same inputs, built twice into two output folders, give the same files.

Two full builds of 2021 (HTML and PDF, with the summary and its appendix) from one project copy into
two output folders, without ``SOURCE_DATE_EPOCH``: the build time comes from the inputs (clock.py).
The project's labour workbook carries notes starting with ``=``, ``+``, ``-`` and ``@`` (typed as text),
so the same builds also show that such text reaches the appendix as text, never as a formula.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import json
import os
import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest
from conftest import copy_project, run_build

from dolisa_reports import DOMAINS
from dolisa_reports.inputs.contract import COLUMN_BY_KEY, FIRST_ROW, SHEET_INDICATORS
from dolisa_reports.paths import Layout
from dolisa_reports.pipeline.clock import SOURCE_TEXT, VN_TZ, newest_mtime
from dolisa_reports.pipeline.provenance import build_inputs
from dolisa_reports.presentation.vnformat import datetime_text

pytestmark = pytest.mark.slow

YEAR = 2021
NOTES = [
    '=HYPERLINK("http://example.org","bấm")',
    "+84 234 3822 (Văn phòng)",
    "-5 so với kế hoạch",
    "@ghi chú",
]
# Files that may differ between two builds: the executed notebooks (papermill records run times),
# the run log and the manifest (file times, durations).
VARIABLE = re.compile(r"(^|/)notebooks/[^/]+\.ipynb$|^build\.log$|^manifest\.json$")


def _with_formula_like_notes(path: Path) -> None:
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET_INDICATORS]
    column = COLUMN_BY_KEY["note"].letter
    for i, note in enumerate(NOTES):
        cell = ws[f"{column}{FIRST_ROW + i}"]
        cell.value = note
        cell.data_type = "s"  # typed as text in the workbook
    wb.save(path)


@contextlib.contextmanager
def _no_source_date_epoch():
    saved = os.environ.pop("SOURCE_DATE_EPOCH", None)
    try:
        yield
    finally:
        if saved is not None:
            os.environ["SOURCE_DATE_EPOCH"] = saved


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory) -> tuple[Layout, Layout]:
    root = copy_project(tmp_path_factory.mktemp("repro") / "project")
    _with_formula_like_notes(root / "data" / "raw" / str(YEAR) / "labour.xlsx")
    builds = []
    with _no_source_date_epoch():
        for name in ("a", "b"):
            layout = Layout(root=root, outputs=root.parent / f"outputs-{name}")
            log = io.StringIO()
            with contextlib.redirect_stdout(log):
                code = run_build(layout, "--year", str(YEAR), "--format", "html,pdf,docx")
            assert code == 0, log.getvalue()
            for warning in ("PDF:", "DOCX:", "Phụ lục Excel:"):
                assert warning not in log.getvalue(), log.getvalue()
            builds.append(layout)
    return builds[0], builds[1]


def _files(outputs: Path) -> dict[str, Path]:
    return {p.relative_to(outputs).as_posix(): p for p in sorted(outputs.rglob("*")) if p.is_file()}


def test_two_builds_are_byte_identical(two_builds):
    a, b = two_builds
    files_a, files_b = _files(a.outputs), _files(b.outputs)
    assert set(files_a) == set(files_b)
    compared = [name for name in files_a if not VARIABLE.search(name)]
    expected = {f"{YEAR}/{d}.{ext}" for d in (*DOMAINS, "summary") for ext in ("html", "pdf", "docx")}
    expected |= {f"{YEAR}/phu_luc_{YEAR}.xlsx", "index.html", "status.json"}
    expected |= {f"{YEAR}/results/{d}.json" for d in DOMAINS}
    assert expected <= set(compared), expected - set(compared)
    different = [name for name in compared if files_a[name].read_bytes() != files_b[name].read_bytes()]
    assert not different, f"not byte-identical: {different}"


def test_the_build_time_comes_from_the_inputs(two_builds):
    a, _ = two_builds
    when = newest_mtime(build_inputs(a, [YEAR]))
    stamp = dt.datetime.fromtimestamp(when, VN_TZ)
    for name in (*DOMAINS, "summary"):
        html = (a.out_year(YEAR) / f"{name}.html").read_text(encoding="utf-8")
        assert f"thời điểm lập: {datetime_text(stamp)} ({SOURCE_TEXT['inputs']})" in html, name
    status = json.loads((a.outputs / "status.json").read_text(encoding="utf-8"))
    assert {r["last_good_at"] for r in status["reports"].values()} == {stamp.isoformat()}
    with zipfile.ZipFile(a.out_year(YEAR) / f"phu_luc_{YEAR}.xlsx") as z:
        core = z.read("docProps/core.xml").decode("utf-8")
    utc = stamp.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert core.count(utc) == 2, core


def test_formula_like_notes_from_the_workbook_are_text_in_the_appendix(two_builds):
    a, _ = two_builds
    path = a.out_year(YEAR) / f"phu_luc_{YEAR}.xlsx"
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert not re.search(r"<f[ >]", z.read(name).decode("utf-8")), f"{name} holds a formula"
    ws = openpyxl.load_workbook(path)["Lao động – Việc làm"]
    assert ws.cell(3, 13).value == "Ghi chú, nguồn số liệu"
    notes = [c for c in ws["M"][3:] if isinstance(c.value, str)]
    for note in NOTES:  # the note as typed, then the source the workbook names
        cells = [c for c in notes if c.value.startswith(note)]
        assert cells and all(c.data_type == "s" for c in cells), note
    html = (a.out_year(YEAR) / "labour.html").read_text(encoding="utf-8")
    assert "=HYPERLINK(" in html and "@ghi chú" in html


def test_a_changed_workbook_rebuilds_its_report_and_the_summary_only(two_builds, tmp_path):
    a, _ = two_builds
    root = copy_project(tmp_path / "project")
    shutil.copy2(a.workbook(YEAR, "labour"), root / "data" / "raw" / str(YEAR) / "labour.xlsx")
    shutil.copytree(a.outputs, root / "outputs", dirs_exist_ok=True)
    layout = Layout(root, root / "outputs")
    with _no_source_date_epoch(), contextlib.redirect_stdout(io.StringIO()):
        # normally a no-op (same inputs as build a); it also absorbs a change to the package's own
        # files made since the module's builds (several engineers share this tree)
        assert run_build(layout, "--year", str(YEAR), "--format", "html,pdf") == 0
    before = (layout.out_year(YEAR) / "summary.html").read_bytes()
    results_before = (layout.out_year(YEAR) / "results" / "labour.json").read_bytes()

    path = layout.workbook(YEAR, "labour")
    wb = openpyxl.load_workbook(path)
    wb[SHEET_INDICATORS][f"{COLUMN_BY_KEY['note'].letter}{FIRST_ROW}"].value = "Ghi chú đã sửa."
    wb.save(path)

    log = io.StringIO()
    with _no_source_date_epoch(), contextlib.redirect_stdout(log):
        assert run_build(layout, "--year", str(YEAR), "--format", "html,pdf") == 0, log.getvalue()
    out = log.getvalue()
    built = set(re.findall(r"✓ 2021 · (\w+)", out))
    skipped = set(re.findall(r"= 2021 · (\w+)\s+không đổi", out))
    assert built == {"labour", "summary"}, out
    assert skipped == (set(DOMAINS) | {"work_programme"}) - {"labour"}, out
    assert (layout.out_year(YEAR) / "results" / "labour.json").read_bytes() != results_before
    assert (layout.out_year(YEAR) / "summary.html").read_bytes() != before
    manifest = json.loads((layout.outputs / "manifest.json").read_text(encoding="utf-8"))["tasks"]
    inputs = manifest["2021/summary"]["inputs"]
    digest = hashlib.sha256((layout.out_year(YEAR) / "results" / "labour.json").read_bytes()).hexdigest()
    assert inputs["out:2021/results/labour.json"] == digest
