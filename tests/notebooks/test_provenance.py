"""Provenance: the build time rule, the git state, package versions and input hashes in footer and manifest."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import copy_project

from dolisa_reports import DOMAINS
from dolisa_reports.paths import Layout
from dolisa_reports.pipeline import clock, provenance
from dolisa_reports.pipeline.provenance import BuildInfo, GitState, ReportProvenance, footer_text, stamp_text

GIT = shutil.which("git")
needs_git = pytest.mark.skipif(GIT is None, reason="git is not installed")


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _touch(path: Path, epoch: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text("x", encoding="utf-8")
    os.utime(path, (epoch, epoch))
    return path


# -- the build time ---------------------------------------------------------------------------------


def test_build_time_is_the_newest_input_without_any_environment_variable(tmp_path, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    a = _touch(tmp_path / "a.xlsx", 1_639_000_000)
    b = _touch(tmp_path / "b.md", 1_639_100_000.7)
    t = clock.resolve([a, b, tmp_path / "missing.yaml"])
    assert t.source == clock.SOURCE_INPUTS
    assert t.epoch == 1_639_100_000  # whole seconds
    assert t.when.utcoffset() == dt.timedelta(hours=7)
    assert clock.resolve([a, b]) == t, "the same inputs give the same time"
    os.utime(a, (1_639_200_000, 1_639_200_000))
    assert clock.resolve([a, b]).epoch == 1_639_200_000


def test_source_date_epoch_then_commit_time_then_inputs_then_clock(tmp_path, monkeypatch):
    a = _touch(tmp_path / "a.xlsx", 1_639_000_000)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1638000000")
    assert clock.resolve([a], commit_time=1_637_000_000) == clock.BuildTime(
        dt.datetime.fromtimestamp(1_638_000_000, clock.VN_TZ), clock.SOURCE_ENV
    )
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "not a number")
    assert clock.resolve([a], commit_time=1_637_000_000).source == clock.SOURCE_GIT
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert clock.resolve([a], commit_time=1_637_000_000).epoch == 1_637_000_000
    assert clock.resolve([a]).source == clock.SOURCE_INPUTS
    now = clock.resolve([tmp_path / "none"])
    assert now.source == clock.SOURCE_CLOCK and now.when.microsecond == 0


def test_build_inputs_are_the_project_files_a_year_reads(tmp_path):
    root = copy_project(tmp_path / "project")
    layout = Layout(root, root / "outputs")
    rel = {p.relative_to(root).as_posix() for p in provenance.build_inputs(layout, [2021])}
    for d in DOMAINS:
        assert {
            f"data/raw/2021/{d}.xlsx",
            f"data/raw/2020/{d}.xlsx",
            f"data/raw/2021/narrative/{d}.md",
        } <= rel
        assert f"notebooks/{d}.ipynb" in rel
    assert {"notebooks/summary.ipynb", "params/2021.yaml", "params/2020.yaml", "params/catalogue.csv"} <= rel
    assert not [r for r in rel if r.startswith(("outputs/", "data/processed/", "data/raw/2026"))]


# -- git ------------------------------------------------------------------------------------------------


def _git(root: Path, *args: str) -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.org",
        "GIT_AUTHOR_DATE": "2021-12-10T08:00:00+07:00",
        "GIT_COMMITTER_DATE": "2021-12-10T08:00:00+07:00",
    }
    subprocess.run([GIT, *args], cwd=root, env=env, check=True, capture_output=True)


@needs_git
def test_git_commit_dirty_flag_and_commit_time(tmp_path, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    root = tmp_path / "repo"
    root.mkdir()
    (root / "params").mkdir()
    (root / "params" / "2021.yaml").write_text("year: 2021\n", encoding="utf-8")
    _git(root, "init", "-q")
    _git(root, "add", ".")
    _git(root, "commit", "-q", "-m", "số liệu")
    state = provenance.git_state(root)
    assert state.known and len(state.commit) == 40 and state.dirty is False
    assert state.time == int(dt.datetime(2021, 12, 10, 1, 0, tzinfo=dt.UTC).timestamp())
    info = provenance.collect(root, [root / "params" / "2021.yaml"])
    assert info.time.source == clock.SOURCE_GIT and info.when == dt.datetime(
        2021, 12, 10, 8, 0, tzinfo=clock.VN_TZ
    )
    assert state.text() == state.commit[:12]

    (root / "params" / "2021.yaml").write_text("year: 2021 # sửa\n", encoding="utf-8")
    dirty = provenance.git_state(root)
    assert dirty.commit == state.commit and dirty.dirty is True
    assert dirty.text().endswith("(có thay đổi chưa commit)")
    info = provenance.collect(root, [root / "params" / "2021.yaml"])
    assert info.time.source == clock.SOURCE_INPUTS, "a dirty tree: the commit time says nothing of the inputs"

    (root / "params" / "2021.yaml").write_text("year: 2021\n", encoding="utf-8")
    (root / "new.md").write_text("chưa commit\n", encoding="utf-8")  # untracked counts as uncommitted
    assert provenance.git_state(root).dirty is True

    sub = root / "params"  # a folder inside a repository is not that repository's project
    assert provenance.git_state(sub) == GitState()


def test_no_git_is_not_an_error(tmp_path, monkeypatch):
    monkeypatch.setattr(provenance.shutil, "which", lambda name: None)
    state = provenance.git_state(tmp_path)
    assert state == GitState() and state.text() == "không xác định"
    info = provenance.collect(tmp_path, [_touch(tmp_path / "a.xlsx", 1_639_000_000)])
    assert info.git.commit is None and info.time.source in (clock.SOURCE_INPUTS, clock.SOURCE_ENV)
    assert "commit không xác định" in footer_text(ReportProvenance(info, {}, {"year": 2021}))


def test_not_a_repository(tmp_path):
    assert provenance.git_state(tmp_path) == GitState()


def test_package_versions():
    v = provenance.package_versions()
    for name in ("python", "dolisa-reports", "pandas", "matplotlib", "papermill", "nbconvert", "openpyxl"):
        assert v[name] and v[name] != "không có", name
    assert provenance.package_versions(["no-such-package-dolisa"])["no-such-package-dolisa"] == "không có"


# -- footer and record -------------------------------------------------------------------------------


def _info() -> BuildInfo:
    when = dt.datetime(2021, 12, 10, 8, 5, tzinfo=clock.VN_TZ)
    return BuildInfo(
        git=GitState("0123456789abcdef" * 2 + "01234567", True, 1),
        versions={"python": "3.11.9", "dolisa-reports": "0.1.0", "pandas": "2.2.2", "weasyprint": "62.3"},
        time=clock.BuildTime(when, clock.SOURCE_INPUTS),
    )


def test_footer_is_compact_and_the_record_complete():
    inputs = {
        "tree:package": "p" * 64,
        "file:params/2021.yaml": "a" * 64,
        "file:params/catalogue.csv": "c" * 64,
        "file:data/raw/2021/labour.xlsx": "b" * 64,
        "file:data/raw/2020/labour.xlsx": "e" * 64,
        "file:data/raw/2021/narrative/labour.md": "absent",
        "file:notebooks/labour.ipynb": "n" * 64,
    }
    prov = ReportProvenance(_info(), inputs, {"year": 2021, "area": None}, "params/2021.yaml")
    text = footer_text(prov)
    assert "commit 0123456789ab (có thay đổi chưa commit)" in text
    assert "Python 3.11.9" in text and "pandas 2.2.2" in text
    assert "WeasyPrint" not in text  # the footer names what made the HTML; a PDF engine is not that
    stamp = stamp_text(prov)
    assert stamp == f"Lập tự động bằng dolisa-reports · mã lần lập {prov.build_id} · ngày 10/12/2021"
    assert re.fullmatch(r"[0-9a-f]{10}", prov.build_id)
    other = ReportProvenance(
        _info(), {**inputs, "tree:package": "q" * 64}, {"year": 2021}, "params/2021.yaml"
    )
    assert other.build_id != prov.build_id  # the id stands for the inputs
    assert (
        ReportProvenance(_info(), dict(inputs), {"year": 2021, "area": None}, "params/2021.yaml").build_id
        == prov.build_id
    )
    assert "params/2021.yaml (aaaaaaaaaaaa), year=2021" in text and "area" not in text
    assert "2021/labour.xlsx bbbbbbbbbbbb" in text and "2020/labour.xlsx eeeeeeeeeeee" in text
    assert "2021/narrative/labour.md không có" in text
    assert text.index("2021/labour.xlsx") < text.index("2021/narrative") < text.index("2020/labour.xlsx")
    assert "10/12/2021 08:05" in text and "tệp đầu vào" in text
    assert "b" * 13 not in text and "catalogue" not in text, "the footer shows short hashes of the data only"
    rec = prov.as_record()
    assert rec["git"]["commit"] == _info().git.commit and rec["git"]["dirty"] is True
    assert rec["built_at"] == "2021-12-10T08:05:00+07:00" and rec["time_source"] == "inputs"
    assert rec["parameters"] == {"year": 2021, "area": None} and rec["versions"]["pandas"] == "2.2.2"
    json.dumps(rec)  # plain JSON for the manifest


# -- the built 2021 reports (slow) ----------------------------------------------------------------


@pytest.mark.slow
def test_every_report_footer_names_its_inputs_and_the_manifest_has_it_all(built_2021):
    layout = built_2021
    manifest = json.loads((layout.outputs / "manifest.json").read_text(encoding="utf-8"))["tasks"]
    for d in DOMAINS:
        html = (layout.out_year(2021) / f"{d}.html").read_text(encoding="utf-8")
        footer = html[html.index('<footer class="provenance">') :]
        assert f"2021/{d}.xlsx {_sha(layout.workbook(2021, d))[:12]}" in footer, d
        assert f"2021/narrative/{d}.md {_sha(layout.narrative(2021, d))[:12]}" in footer, d
        assert f"params/2021.yaml ({_sha(layout.params_file(2021))[:12]}), year=2021" in footer
        assert "commit không xác định" in footer  # the test project is not a git checkout
        entry = manifest[f"2021/{d}"]
        # the report depends on the validated dataset; its provenance names the workbook it came from
        assert f"file:data/processed/2021/{d}.parquet" in entry["inputs"]
        check = manifest[f"validate/2021/{d}"]
        assert check["inputs"][f"file:data/raw/2021/{d}.xlsx"] == _sha(layout.workbook(2021, d))
        prov = entry["provenance"]
        assert prov["parameters"] == {"year": 2021, "area": None}
        assert prov["versions"]["pandas"] and prov["versions"]["python"]
        assert prov["git"] == {"commit": None, "dirty": None, "time": None}
        assert prov["built_at"] == entry["built_at"]
    summary = (layout.out_year(2021) / "summary.html").read_text(encoding="utf-8")
    footer = summary[summary.index('<footer class="provenance">') :]
    for d in DOMAINS:
        assert f"2021/{d}.xlsx {_sha(layout.workbook(2021, d))[:12]}" in footer, d
    prov = manifest["2021/summary"]["provenance"]
    assert prov["sources"]["data/raw/2021/labour.xlsx"] == _sha(layout.workbook(2021, "labour"))
    assert prov["results"]["2021/results/labour.json"] == _sha(
        layout.out_year(2021) / "results" / "labour.json"
    )
