"""One-way data flow: inputs → validated dataset → notebooks → documents → site.

Validation is a build step of its own; each workbook is opened by the build's own process only, never by
a kernel; kernels do not even import openpyxl or pandera; a workbook saved again with the same figures
rebuilds no report.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import nbformat
import openpyxl
import pytest
from conftest import REPO, run_build

from dolisa_reports.inputs import dataset
from dolisa_reports.inputs.validate import validate_year
from dolisa_reports.paths import Layout


def test_the_dataset_round_trips_with_its_types(project):
    validate_year(2021, project)
    data = dataset.load(2021, "labour", project)
    df = data.indicators
    assert df["row"].dtype == "int64" and df["actual"].dtype == "float64"
    assert df.set_index("code").at["LD01", "actual"] == 15939
    assert data.display == "labour.xlsx" and data.ok
    assert dataset.frame(2021, "labour", project).equals(df)  # the analyst's one call
    files = dataset.paths(project, 2021, "labour")
    import pyarrow.parquet as pq

    meta = json.loads(pq.read_schema(files["indicators"]).metadata[dataset.META_KEY])
    assert meta["schema_version"] == dataset.SCHEMA_VERSION


def test_a_workbook_with_errors_leaves_no_figures_to_print(project):
    wb = openpyxl.load_workbook(project.workbook(2021, "labour"))
    wb["Chỉ tiêu"]["E7"] = "mười lăm"
    wb.save(project.workbook(2021, "labour"))
    validate_year(2021, project)
    assert not dataset.paths(project, 2021, "labour")["indicators"].exists()
    with pytest.raises(dataset.DatasetError, match=r"labour.xlsx › Chỉ tiêu › E7"):
        dataset.load(2021, "labour", project)


@pytest.mark.slow
def test_a_kernel_imports_neither_openpyxl_nor_pandera(project, tmp_path):
    from dolisa_reports.pipeline.execute import run_notebook

    validate_year(2020, project)
    validate_year(2021, project)
    nb = nbformat.read(str(project.notebook("labour")), as_version=4)
    probe = tmp_path / "modules.json"
    nb.cells.append(
        nbformat.v4.new_code_cell(
            "import json, sys\n"
            f"json.dump(sorted(m for m in sys.modules if m.split('.')[0] in ('openpyxl', 'pandera')), open({str(probe)!r}, 'w'))"
        )
    )
    src = project.notebooks / "probe.ipynb"
    nbformat.write(nb, str(src))
    run_notebook(src, tmp_path / "out.ipynb", {"year": 2021, "area": None}, cwd=project.notebooks)
    assert json.loads(probe.read_text()) == []


@pytest.mark.slow
def test_a_workbook_saved_again_with_the_same_figures_rebuilds_nothing(project, capsys):
    args = ("--year", "2021", "--domain", "inspection", "--format", "html")
    assert run_build(project, *args) == 0
    path = project.workbook(2021, "inspection")
    before = path.read_bytes()
    openpyxl.load_workbook(path).save(path)  # what "Save" in Excel does: new bytes, same figures
    assert path.read_bytes() != before
    capsys.readouterr()
    assert run_build(project, *args) == 0
    out = capsys.readouterr().out
    assert "Kiểm tra số liệu năm 2021" in out  # the workbook changed: validated again
    assert "Đã lập 0 báo cáo, bỏ qua" in out  # …but its dataset did not: no report rebuilt


def _workbook_openers(trace: Path) -> tuple[dict[str, set[int]], set[int]]:
    """From ``strace -f -e trace=openat,execve``: which task ids opened each workbook, and which ids are
    processes started by exec (kernels, browsers) rather than threads of the build's own process."""
    opened: dict[str, set[int]] = defaultdict(set)
    exec_pids: set[int] = set()
    first = None
    for line in trace.read_text(errors="replace").splitlines():
        m = re.match(r"(\d+)\s+(.*)", line)
        if not m:
            continue
        pid, rest = int(m[1]), m[2]
        first = first or pid
        if rest.startswith("execve(") and pid != first:
            exec_pids.add(pid)
        w = re.search(r'openat\(.*"[^"]*data/raw/(\d+/[a-z_]+\.xlsx)"', rest)
        if w and "ENOENT" not in rest:
            opened[w[1]].add(pid)
    return opened, exec_pids


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("strace") is None, reason="needs strace (make browser-deps installs it)")
@pytest.mark.parametrize(
    "args",
    [
        ("--year", "2021", "--format", "html", "--force"),
        ("--year", "2021", "--per-area", "--domain", "labour", "--format", "html", "--force"),
    ],
)
def test_only_the_build_process_opens_workbooks(project, tmp_path, args):
    trace = tmp_path / "trace.txt"
    done = subprocess.run(
        [
            "strace",
            "-f",
            "-e",
            "trace=openat,execve",
            "-o",
            str(trace),
            sys.executable,
            str(REPO / "run_all.py"),
            *args,
        ],
        cwd=project.root,
        env={**__import__("os").environ, "DOLISA_ROOT": str(project.root)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    opened, exec_pids = _workbook_openers(trace)
    domains = ["labour"] if "--per-area" in args else ["labour", "inspection", "social_protection"]
    for year in (2020, 2021):
        for domain in domains:
            assert f"{year}/{domain}.xlsx" in opened, (year, domain)
    assert len(exec_pids) >= 2  # kernels ran
    for name, pids in opened.items():
        assert not pids & exec_pids, f"{name} opened by a kernel or another program"
    assert Layout(project.root, project.outputs).out_year(2021).is_dir()
