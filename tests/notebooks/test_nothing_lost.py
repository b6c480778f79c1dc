"""Nothing lost: a failed rebuild keeps the last good report, and the pipeline never touches data/raw.

The report's HTML and executed notebook are replaced only by a complete new version (write to a
temporary file, then rename); the index keeps linking the last good report and says that the latest
build failed, and when.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import threading

import nbformat
import openpyxl
import pytest
from conftest import run_build

from dolisa_reports import atomic
from dolisa_reports.atomic import atomic_write_bytes, atomic_write_text
from dolisa_reports.inputs.contract import COLUMN_BY_KEY, FIRST_ROW, SHEET_INDICATORS

# Build times (SOURCE_DATE_EPOCH), in Vietnam's time zone (UTC+7).
GOOD = (1641776400, "10/01/2022 08:00")
BROKEN_WORKBOOK = (1641868200, "11/01/2022 09:30")
BROKEN_NOTEBOOK = (1641959100, "12/01/2022 10:45")
REPAIRED = (1642047300, "13/01/2022 11:15")

DOMAIN = "labour"
KEY = f"2021/{DOMAIN}"


# -- atomic writes ---------------------------------------------------------------------------------


def _leftovers(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_atomic_write_replaces_whole_file(tmp_path):
    target = tmp_path / "sub" / "report.html"
    atomic_write_text(target, "bản cũ")
    atomic_write_text(target, "bản mới – đầy đủ")
    assert target.read_text(encoding="utf-8") == "bản mới – đầy đủ"
    assert _leftovers(target.parent) == []


@pytest.mark.parametrize("failing", ["fsync", "replace"])
def test_atomic_write_failure_keeps_the_old_file(tmp_path, monkeypatch, failing):
    target = tmp_path / "report.html"
    target.write_bytes(b"last good report")

    def boom(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, failing, boom)
    with pytest.raises(OSError, match="No space left"):
        atomic_write_bytes(target, b"half a rep")
    monkeypatch.undo()
    assert target.read_bytes() == b"last good report"
    assert _leftovers(tmp_path) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]


def test_atomic_write_interrupted_mid_write_keeps_the_old_file(tmp_path, monkeypatch):
    """Ctrl+C (or a killed worker) while the bytes are being written: the old file stays whole."""
    target = tmp_path / "index.html"
    target.write_bytes(b"<html>old</html>")
    real_fdopen = os.fdopen

    class Interrupting:
        def __init__(self, fh):
            self.fh = fh

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.fh.close()
            return False

        def write(self, data):
            self.fh.write(data[: len(data) // 2])
            raise KeyboardInterrupt

    monkeypatch.setattr(atomic.os, "fdopen", lambda fd, mode: Interrupting(real_fdopen(fd, mode)))
    with pytest.raises(KeyboardInterrupt):
        atomic_write_bytes(target, b"<html>new and much longer</html>")
    monkeypatch.undo()
    assert target.read_bytes() == b"<html>old</html>"
    assert _leftovers(tmp_path) == []


def test_atomic_writers_in_parallel_leave_one_whole_file(tmp_path):
    target = tmp_path / "status.json"
    payloads = [json.dumps({"writer": i, "pad": "x" * 50_000}).encode() for i in range(8)]
    threads = [threading.Thread(target=atomic_write_bytes, args=(target, p)) for p in payloads]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert target.read_bytes() in payloads
    assert _leftovers(tmp_path) == []


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_atomic_write_permissions_are_ordinary(tmp_path):
    """Not the 0600 of a private temporary file: colleagues must be able to open the reports."""
    old = os.umask(0o022)
    try:
        fresh = tmp_path / "new.html"
        atomic_write_text(fresh, "x")
        assert stat.S_IMODE(fresh.stat().st_mode) == 0o644
        kept = tmp_path / "kept.html"
        kept.write_text("x")
        kept.chmod(0o640)
        atomic_write_text(kept, "y")
        assert stat.S_IMODE(kept.stat().st_mode) == 0o640
    finally:
        os.umask(old)


# -- a good build, then two broken rebuilds ------------------------------------------------------


def raw_digest(layout) -> dict[str, str]:
    """sha256 of every file under data/raw (names included: a new file there is a change too)."""
    return {
        p.relative_to(layout.raw).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(layout.raw.rglob("*"))
        if p.is_file()
    }


def _build(layout, monkeypatch, when: tuple[int, str], *extra: str) -> int:
    """One build of the domain at a fixed time; data/raw must come out byte-identical."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(when[0]))
    before = raw_digest(layout)
    code = run_build(layout, "--year", "2021", "--domain", DOMAIN, "--format", "html", *extra)
    assert raw_digest(layout) == before, "the build modified data/raw"
    assert not [p for p in layout.outputs.rglob("*.tmp")], "temporary files left in outputs/"
    return code


def _validate(layout) -> int:
    before = raw_digest(layout)
    code = run_build(layout, "validate", "--year", "2021")
    assert raw_digest(layout) == before, "validate modified data/raw"
    return code


def _index_row(layout) -> str:
    html = (layout.outputs / "index.html").read_text(encoding="utf-8")
    rows = re.findall(r"<tr\b[^>]*>.*?</tr>", html, re.DOTALL)
    mine = [r for r in rows if f'data-key="{KEY}"' in r]
    assert len(mine) == 1, f"the index should have one row for {KEY}"
    return mine[0]


def _links(row: str) -> list[str]:
    return re.findall(r'href="([^"]+)"', row)


def _status(layout) -> dict:
    return json.loads((layout.outputs / "status.json").read_text(encoding="utf-8"))["reports"][KEY]


def _break_workbook(layout) -> None:
    path = layout.workbook(2021, DOMAIN)
    wb = openpyxl.load_workbook(path)
    wb[SHEET_INDICATORS][f"{COLUMN_BY_KEY['actual'].letter}{FIRST_ROW}"] = "mười lăm nghìn"
    wb.save(path)


def _break_notebook(layout) -> None:
    path = layout.notebook(DOMAIN)
    nb = nbformat.read(str(path), as_version=4)
    load_at = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code" and "r.load(" in c.source)
    nb.cells.insert(load_at + 2, nbformat.v4.new_code_cell('raise RuntimeError("lỗi cố ý trong ô mã")'))
    nbformat.write(nb, str(path))


def _assert_last_good_kept(layout, saved: dict[str, bytes], links: list[str], failed_at: str) -> None:
    for rel, data in saved.items():
        assert (layout.outputs / rel).read_bytes() == data, f"{rel} changed after a failed rebuild"
    row = _index_row(layout)
    assert "state-failed" in row
    assert "Lỗi lần lập gần nhất" in row and failed_at in row, row
    assert GOOD[1] in row, "the index should still show when the report was last built successfully"
    assert _links(row) == links, "the index should keep linking the last good report"
    st = _status(layout)
    assert st["state"] == "failed" and st["error"]
    assert st["last_good_at"] != st["attempted_at"]


@pytest.mark.slow
def test_failed_rebuild_keeps_last_good_report(project, monkeypatch):
    monkeypatch.setenv("DOLISA_OUTPUTS", str(project.outputs))  # restored after the test
    assert _validate(project) == 0
    assert _build(project, monkeypatch, GOOD) == 0

    out = project.out_year(2021)
    files = [f"2021/{DOMAIN}.html", f"2021/notebooks/{DOMAIN}.ipynb"]
    saved = {rel: (project.outputs / rel).read_bytes() for rel in files}
    good_row = _index_row(project)
    assert "state-ok" in good_row and GOOD[1] in good_row
    saved_links = _links(good_row)
    assert f"2021/{DOMAIN}.html" in saved_links
    index_before = (project.outputs / "index.html").read_bytes()
    workbook_good = project.workbook(2021, DOMAIN).read_bytes()
    notebook_good = project.notebook(DOMAIN).read_bytes()

    # (a) a workbook error: text in a number cell
    _break_workbook(project)
    assert _validate(project) == 1
    assert _build(project, monkeypatch, BROKEN_WORKBOOK, "--force") == 1
    _assert_last_good_kept(project, saved, saved_links, BROKEN_WORKBOOK[1])
    assert (project.outputs / "index.html").read_bytes() != index_before, "the index must show the failure"

    # (b) a notebook cell that raises
    project.workbook(2021, DOMAIN).write_bytes(workbook_good)
    _break_notebook(project)
    assert _build(project, monkeypatch, BROKEN_NOTEBOOK, "--force") == 1
    _assert_last_good_kept(project, saved, saved_links, BROKEN_NOTEBOOK[1])
    assert "của notebook bị lỗi" in _status(project)["error"]
    assert "RuntimeError" not in _status(project)["error"]
    assert "RuntimeError" in (project.outputs / "build.log").read_text(encoding="utf-8")

    # repaired: the report is rebuilt and the index says so
    project.notebook(DOMAIN).write_bytes(notebook_good)
    assert _build(project, monkeypatch, REPAIRED, "--force") == 0
    row = _index_row(project)
    assert "state-ok" in row and "Lỗi" not in row and REPAIRED[1] in row
    assert (out / f"{DOMAIN}.html").read_bytes() != saved[files[0]]  # the footer carries the new time
    st = _status(project)
    assert st["state"] == "ok" and st["last_good_at"] == st["attempted_at"]


@pytest.mark.slow
def test_other_reports_survive_one_broken_domain(project, monkeypatch):
    """Two domains rebuilt, one of them broken: the other is rebuilt, the broken one keeps its last good HTML."""
    monkeypatch.setenv("DOLISA_OUTPUTS", str(project.outputs))
    domains = f"{DOMAIN},inspection"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(GOOD[0]))
    assert run_build(project, "--year", "2021", "--domain", domains, "--format", "html") == 0
    kept = (project.out_year(2021) / f"{DOMAIN}.html").read_bytes()
    other = (project.out_year(2021) / "inspection.html").read_bytes()

    _break_workbook(project)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(BROKEN_WORKBOOK[0]))
    assert run_build(project, "--year", "2021", "--domain", domains, "--format", "html", "--force") == 1
    assert (project.out_year(2021) / f"{DOMAIN}.html").read_bytes() == kept
    assert (
        project.out_year(2021) / "inspection.html"
    ).read_bytes() != other  # rebuilt: new time in the footer
    html = (project.outputs / "index.html").read_text(encoding="utf-8")
    assert html.count("state-failed") == 1 and "state-failed" in _index_row(project)
