"""Incremental builds: a report is rebuilt when, and only when, something it reads changed.

What ran is observed directly (the notebook runner is wrapped to record each report it executes) and
through the manifest, never through timings. The fast tests exercise the manifest's decisions on
their own; the slow ones build a small project (2 years × 2 domains) and change it step by step.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import openpyxl
import pytest
from conftest import REPO, copy_project, run_build

from dolisa_reports.inputs.contract import COLUMN_BY_KEY, FIRST_ROW, SHEET_INDICATORS
from dolisa_reports.paths import Layout
from dolisa_reports.pipeline import execute
from dolisa_reports.pipeline.manifest import ABSENT, Hasher, Manifest
from dolisa_reports.pipeline.tasks import PACKAGE_DEP, ReportTask, comparison_year, validation_plan

YEARS = "2020,2021"
DOMAINS = "labour,inspection"
ALL = ["2020/inspection", "2020/labour", "2021/inspection", "2021/labour"]
HEAVY = ("papermill", "nbconvert", "pandas", "matplotlib", "weasyprint", "openpyxl", "pandera")


# -- the manifest on its own (fast) ----------------------------------------------------------------


@pytest.fixture
def files(tmp_path):
    out = tmp_path / "outputs"
    (out / "2021").mkdir(parents=True)
    html = out / "2021" / "labour.html"
    html.write_text("<p>báo cáo</p>", encoding="utf-8")
    return Manifest(out / "manifest.json", out), {"html": html}


def test_manifest_decisions(files):
    m, outs = files
    inputs = {"file:data/raw/2021/labour.xlsx": "a" * 64, PACKAGE_DEP: "b" * 64}
    assert m.decide("2021/labour", inputs, outs, {}).stale  # never built
    m.record("2021/labour", inputs, outs, {})
    assert not m.decide("2021/labour", inputs, outs, {}).stale
    assert m.decide("2021/labour", inputs, outs, {}, force=True).stale

    changed = {**inputs, "file:data/raw/2021/labour.xlsx": "c" * 64}
    d = m.decide("2021/labour", changed, outs, {})
    assert d.stale and "data/raw/2021/labour.xlsx đã đổi" in d.reasons
    gone = {**inputs, "file:data/raw/2021/labour.xlsx": ABSENT}
    assert m.decide("2021/labour", gone, outs, {}).stale
    assert m.decide(
        "2021/labour", {**inputs, "file:data/raw/2021/narrative/labour.md": "d" * 64}, outs, {}
    ).stale

    assert m.decide("2021/labour", inputs, outs, {"pdf_engine": "auto"}).stale  # an option now matters
    assert m.decide("2021/labour", inputs, {**outs, "pdf": outs["html"].with_suffix(".pdf")}, {}).stale

    os.utime(outs["html"], (time.time() + 60, time.time() + 60))  # touched, same bytes: still up to date
    assert not m.decide("2021/labour", inputs, outs, {}).stale
    outs["html"].write_text("<p>sửa tay</p>", encoding="utf-8")  # edited by hand (same size, other bytes)
    assert m.decide("2021/labour", inputs, outs, {}).stale
    outs["html"].unlink()
    d = m.decide("2021/labour", inputs, outs, {})
    assert d.stale and "thiếu tệp 2021/labour.html" in d.reasons


def test_manifest_survives_a_reload_and_forgets_failures(files):
    m, outs = files
    inputs = {PACKAGE_DEP: "b" * 64}
    m.record("2021/labour", inputs, outs, {}, built_at="2021-12-10T08:00:00+07:00")
    m.save()
    again = Manifest(m.path, m.outputs_dir)
    assert not again.decide("2021/labour", inputs, outs, {}).stale
    again.forget("2021/labour")  # a failed rebuild: must be tried again next time
    again.save()
    assert Manifest(m.path, m.outputs_dir).decide("2021/labour", inputs, outs, {}).stale

    m.path.write_text("{ not json", encoding="utf-8")  # unreadable: rebuild everything
    assert Manifest(m.path, m.outputs_dir).decide("2021/labour", inputs, outs, {}).stale


def test_a_task_built_from_another_tasks_outputs(files, tmp_path):
    """The dependency model allows a report built from other reports (e.g. a yearly summary)."""
    m, labour = files
    m.record("2021/labour", {PACKAGE_DEP: "b" * 64}, labour, {})
    assert m.fingerprint("2021/labour") != ABSENT and m.fingerprint("2021/summary") == ABSENT
    summary = {"html": m.outputs_dir / "2021" / "summary.html"}
    summary["html"].write_text("<p>tổng hợp</p>", encoding="utf-8")
    hasher = Hasher(Layout(tmp_path, m.outputs_dir))

    def summary_inputs() -> dict[str, str]:
        return hasher.digests(["task:2021/labour"], {"2021/labour": m.fingerprint("2021/labour")})

    m.record("2021/summary", summary_inputs(), summary, {})
    assert not m.decide("2021/summary", summary_inputs(), summary, {}).stale

    labour["html"].write_text("<p>số liệu mới</p>", encoding="utf-8")  # the domain report was rebuilt
    m.record("2021/labour", {PACKAGE_DEP: "b" * 64}, labour, {})
    d = m.decide("2021/summary", summary_inputs(), summary, {})
    assert d.stale and d.reasons == ["báo cáo 2021/labour đã đổi"]


def test_hashes_are_of_contents_not_times(tmp_path):
    root = copy_project(tmp_path / "project")
    layout = Layout(root, root / "outputs")
    dep = "file:data/raw/2021/labour.xlsx"
    before = Hasher(layout).digest(dep)
    path = layout.workbook(2021, "labour")
    os.utime(path, (time.time() + 3600, time.time() + 3600))  # touched, same bytes
    assert Hasher(layout).digest(dep) == before
    path.write_bytes(path.read_bytes() + b"\0")
    assert Hasher(layout).digest(dep) != before
    assert Hasher(layout).digest("file:data/raw/2021/narrative/none.md") == ABSENT


def test_package_hash_covers_code_and_templates_not_caches(tmp_path):
    pkg = tmp_path / "pkg"
    (pkg / "templates").mkdir(parents=True)
    (pkg / "__pycache__").mkdir()
    (pkg / "mod.py").write_text("x = 1\n")
    (pkg / "templates" / "report.css").write_text("p {}\n")
    layout = Layout(tmp_path, tmp_path / "outputs")
    base = Hasher(layout, pkg).digest(PACKAGE_DEP)
    (pkg / "__pycache__" / "mod.cpython-311.pyc").write_bytes(b"\0\1")
    (pkg / ".DS_Store").write_bytes(b"\0")
    (pkg / "mod.py~").write_text("x = 0\n")
    assert Hasher(layout, pkg).digest(PACKAGE_DEP) == base
    (pkg / "templates" / "report.css").write_text("p { color: red }\n")
    assert Hasher(layout, pkg).digest(PACKAGE_DEP) != base


def test_report_dependencies(tmp_path):
    root = copy_project(tmp_path / "project")
    layout = Layout(root, root / "outputs")
    assert comparison_year(layout, 2021) == 2020
    deps = ReportTask(2021, "labour").dependencies(layout)
    for expected in (
        PACKAGE_DEP,
        "file:notebooks/labour.ipynb",
        "file:params/2021.yaml",
        "file:params/2020.yaml",  # last year's parameters and figures feed the year-on-year column
        "file:data/processed/2021/labour.parquet",  # the validated datasets, never the workbooks
        "file:data/processed/2021/labour.json",
        "file:data/processed/2020/labour.parquet",
        "file:data/raw/2021/narrative/labour.md",
        "file:params/catalogue.csv",
        "file:requirements.lock",
    ):
        assert expected in deps, expected
    assert not [d for d in deps if "inspection" in d or "2019" in d]
    assert not [d for d in deps if d.endswith(".xlsx")]
    validation = {t.key: t for t in validation_plan(layout, [2021], ["labour"])}
    assert sorted(validation) == ["validate/2020/labour", "validate/2021/labour"]
    assert "file:data/raw/2021/labour.xlsx" in validation["validate/2021/labour"].dependencies(layout)


# -- real builds (slow) ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Layout:
    """2 years × 2 domains, HTML, built once for the module; each test leaves it up to date."""
    root = copy_project(tmp_path_factory.mktemp("incremental") / "project")
    (root / "requirements.lock").write_bytes((REPO / "requirements.lock").read_bytes())
    layout = Layout(root=root, outputs=root / "outputs")
    assert run_build(layout, "--year", YEARS, "--domain", DOMAINS, "--format", "html") == 0
    return layout


@pytest.fixture
def executed(monkeypatch):
    """The reports whose notebook the build executes (keys, sorted)."""
    ran: list[str] = []
    real = execute.run_notebook

    def spy(src, dst, parameters, cwd, **kw):
        ran.append(f"{parameters['year']}/{Path(src).stem}")
        return real(src, dst, parameters, cwd, **kw)

    monkeypatch.setattr(execute, "run_notebook", spy)

    def build(layout: Layout, *extra: str) -> tuple[int, list[str]]:
        ran.clear()
        code = run_build(layout, "--year", YEARS, "--domain", DOMAINS, "--format", "html", *extra)
        return code, sorted(ran)

    return build


def _manifest(layout: Layout) -> dict:
    """The reports in the manifest (the validation steps are recorded there too, as validate/<year>/…)."""
    tasks = json.loads((layout.outputs / "manifest.json").read_text(encoding="utf-8"))["tasks"]
    return {k: v for k, v in tasks.items() if not k.startswith("validate/")}


def _edit_note(path: Path, text: str) -> None:
    wb = openpyxl.load_workbook(path)
    wb[SHEET_INDICATORS][f"{COLUMN_BY_KEY['note'].letter}{FIRST_ROW}"] = text
    wb.save(path)


@pytest.mark.slow
def test_an_untouched_second_run_executes_no_notebook(small, executed, capsys):
    assert sorted(_manifest(small)) == ALL
    before = {p: p.read_bytes() for p in sorted(small.outputs.rglob("*.html"))}
    manifest_before = (small.outputs / "manifest.json").read_bytes()
    capsys.readouterr()
    assert executed(small) == (0, [])
    out = capsys.readouterr().out
    assert "Đã lập 0 báo cáo, bỏ qua 4 báo cáo không đổi, 0 lỗi" in out
    assert {p: p.read_bytes() for p in sorted(small.outputs.rglob("*.html"))} == before
    assert (small.outputs / "manifest.json").read_bytes() == manifest_before
    last = (small.outputs / "build.log").read_text(encoding="utf-8").rstrip().splitlines()[-1]
    assert "finished: 0 built, 4 skipped, 0 failed" in last


@pytest.mark.slow
def test_an_up_to_date_run_imports_nothing_heavy(small):
    """The no-op path never loads papermill, nbconvert, pandas… (this is what keeps it under a second)."""
    code = (
        "import sys\n"
        "from dolisa_reports.cli import main\n"
        f"rc = main(['--year', '{YEARS}', '--domain', '{DOMAINS}', '--format', 'html', '--outputs', r'{small.outputs}'])\n"
        f"print('HEAVY', sorted(m for m in {HEAVY!r} if m in sys.modules), rc)\n"
    )
    env = {**os.environ, "DOLISA_ROOT": str(small.root)}
    env.pop("DOLISA_OUTPUTS", None)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "HEAVY [] 0" in proc.stdout, proc.stdout
    assert "bỏ qua 4 báo cáo không đổi" in proc.stdout


@pytest.mark.slow
def test_changing_one_workbook_rebuilds_exactly_that_domain(small, executed):
    path = small.workbook(2021, "inspection")
    os.utime(path, (time.time() + 60, time.time() + 60))
    assert executed(small) == (0, []), "a touched but unchanged workbook is not a change"

    _edit_note(path, "Ghi chú đã sửa.")
    assert executed(small) == (0, ["2021/inspection"])
    assert executed(small) == (0, [])

    # last year's workbook feeds this year's year-on-year column: both years' reports are rebuilt
    _edit_note(small.workbook(2020, "labour"), "Số liệu năm trước đã sửa.")
    assert executed(small) == (0, ["2020/labour", "2021/labour"])

    narrative = small.narrative(2021, "labour")
    narrative.write_text(narrative.read_text(encoding="utf-8") + "\nThêm một câu.\n", encoding="utf-8")
    assert executed(small) == (0, ["2021/labour"])


@pytest.mark.slow
def test_shared_inputs_rebuild_everything_that_reads_them(small, executed):
    params = small.params_file(2020)  # 2020's reports, and 2021's (comparison year)
    params.write_text(params.read_text(encoding="utf-8") + "\n# sửa\n", encoding="utf-8")
    assert executed(small) == (0, ALL)
    notebook = small.notebook("inspection")
    nb = nbformat.read(str(notebook), as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("Ghi chú cuối."))
    nbformat.write(nb, str(notebook))
    assert executed(small) == (0, ["2020/inspection", "2021/inspection"])


@pytest.mark.slow
def test_force_rebuilds_everything(small, executed):
    assert executed(small, "--force") == (0, ALL)
    assert executed(small) == (0, [])


@pytest.mark.slow
def test_a_deleted_output_is_rebuilt(small, executed):
    html = small.out_year(2021) / "labour.html"
    html.unlink()
    (small.out_year(2020) / "notebooks" / "inspection.ipynb").unlink()
    assert executed(small) == (0, ["2020/inspection", "2021/labour"])
    assert html.is_file()
    assert executed(small) == (0, [])


@pytest.mark.slow
def test_a_failed_report_is_tried_again_next_run(small, executed, capsys):
    notebook = small.notebook("labour")
    good = notebook.read_bytes()
    nb = nbformat.read(str(notebook), as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell('raise RuntimeError("hỏng")'))
    nbformat.write(nb, str(notebook))
    try:
        assert executed(small) == (1, ["2020/labour", "2021/labour"])
        assert "2021/labour" not in _manifest(small)
        capsys.readouterr()
        assert executed(small) == (1, ["2020/labour", "2021/labour"]), "a failure is never recorded as done"
        out = capsys.readouterr().out
        assert "ô mã thứ" in out and "failed/labour.ipynb" in out
        assert "RuntimeError" not in out  # the class name goes to the run log, not to people
    finally:
        notebook.write_bytes(good)
    assert executed(small) == (0, ["2020/labour", "2021/labour"])
    assert executed(small) == (0, [])


JUPYTER_NOISE = (
    "WARNING",
    "Warning",
    "Kernel is running over TCP",
    "without encryption",
    "Alternative text is missing",
    "Traceback",
    "[IPKernelApp]",
    "papermill",
)


@pytest.mark.slow
def test_a_normal_build_prints_no_jupyter_warnings(tmp_path):
    """The terminal shows the build's own lines; the Jupyter stack's chatter goes to outputs/build.log."""
    root = copy_project(tmp_path / "project")
    env = {**os.environ, "DOLISA_ROOT": str(root)}
    env.pop("DOLISA_OUTPUTS", None)
    cmd = [
        sys.executable,
        str(REPO / "run_all.py"),
        "--year",
        "2021",
        "--domain",
        "labour",
        "--format",
        "html",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=root, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stderr == "", proc.stderr
    for noise in JUPYTER_NOISE:
        assert noise not in proc.stdout, f"{noise!r} on the terminal:\n{proc.stdout}"
    assert "✓ 2021 · labour" in proc.stdout
    log = (root / "outputs" / "build.log").read_text(encoding="utf-8")
    assert "papermill" in log and "2021 · labour" in log
