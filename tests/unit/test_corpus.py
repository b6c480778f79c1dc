"""The corpus of bad workbooks (tests/corpus/make_corpus.py), each run through the real command line.

For every case the bad file replaces one domain's workbook in a throw-away copy of the project, then
``python run_all.py validate --year 2021`` runs as a subprocess: the exit code, the Vietnamese
message (file › sheet › cell) and the absence of any traceback or leaked warning are checked. The
subprocesses of the selected cases run in the background, two to four at a time (each one is mostly
the interpreter importing pandas), and each test waits for its own.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest
from conftest import REPO, copy_project, run_build

from dolisa_reports import DOMAINS
from dolisa_reports.paths import Layout

_spec = importlib.util.spec_from_file_location(
    "make_corpus", Path(__file__).resolve().parents[1] / "corpus" / "make_corpus.py"
)
make_corpus = importlib.util.module_from_spec(_spec)
sys.modules["make_corpus"] = make_corpus
_spec.loader.exec_module(make_corpus)

CASES = {case.name: case for case in make_corpus.CASES}
HANG_GUARD_SECONDS = 120  # not a speed assertion: only stops a hung subprocess from hanging the suite


def place(case, corpus: Path, root: Path) -> None:
    """Put the case's file into the project at data/raw/2021/."""
    raw = root / "data" / "raw" / str(make_corpus.YEAR)
    if not case.replaces_xlsx:
        (raw / f"{case.domain}.xlsx").unlink()
    shutil.copyfile(corpus / case.filename, raw / case.target)


def run_validate(root: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DOLISA_OUTPUTS", "PYTHONWARNINGS")}
    env["DOLISA_ROOT"] = str(root)
    return subprocess.run(
        [sys.executable, "run_all.py", "validate", "--year", str(make_corpus.YEAR)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=HANG_GUARD_SECONDS,
    )


@pytest.fixture(scope="session")
def corpus(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("corpus")
    make_corpus.generate(folder, REPO)
    return folder


class _Runs:
    """Validate subprocesses on a small pool: every selected case is queued up front (so they overlap),
    or, under pytest-xdist where each worker sees every item, each case when its test asks for it."""

    def __init__(self, corpus: Path, tmp_path_factory, names: list[str]):
        self.corpus, self.tmp = corpus, tmp_path_factory
        self.pool = ThreadPoolExecutor(max_workers=min(4, max(2, os.cpu_count() or 2)))
        self.futures: dict[str, Future] = {}
        for name in names:
            self._submit(name)

    def _job(self, name: str):
        root = copy_project(self.tmp.mktemp(f"corpus_{name}") / "project")
        place(CASES[name], self.corpus, root)
        return root, run_validate(root)

    def _submit(self, name: str) -> Future:
        if name not in self.futures:
            self.futures[name] = self.pool.submit(self._job, name)
        return self.futures[name]

    def result(self, name: str) -> tuple[Path, subprocess.CompletedProcess]:
        return self._submit(name).result()


@pytest.fixture(scope="session")
def corpus_runs(request, corpus, tmp_path_factory):
    selected = []
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        selected = [
            item.callspec.params["name"]
            for item in request.session.items
            if item.module.__name__ == __name__
            and hasattr(item, "callspec")
            and "name" in item.callspec.params
        ]
    runs = _Runs(corpus, tmp_path_factory, list(dict.fromkeys(selected)))
    yield runs
    runs.pool.shutdown(wait=True, cancel_futures=True)


@pytest.mark.parametrize("name", list(CASES))
def test_bad_workbook_is_reported(name, corpus_runs):
    case = CASES[name]
    root, proc = corpus_runs.result(name)
    output = proc.stdout + proc.stderr
    assert "Traceback" not in output, output
    assert proc.stderr == "", f"nothing may leak to stderr (warnings, tracebacks):\n{proc.stderr}"
    assert proc.returncode == case.exit_code, output
    for fragment in case.expect:
        assert fragment in proc.stdout, f"expected {fragment!r} in:\n{proc.stdout}"
    # the other domains are unaffected: no error names their files, and their tables are written
    others = [d for d in DOMAINS if d != case.domain]
    for domain in others:
        assert f"[LỖI] {domain}.xlsx" not in proc.stdout, proc.stdout
    table = pd.read_csv(Layout(root, root / "outputs").processed_year(make_corpus.YEAR) / "indicators.csv")
    assert set(others) <= set(table["domain"]), "the healthy domains are still written to the processed table"
    if case.exit_code == 1:
        assert case.domain not in set(table["domain"]), (
            "a workbook with errors is kept out of the processed table"
        )
    rows = table.set_index("code")
    for code, columns in case.processed.items():
        for column, expected in columns.items():
            assert rows.at[code, column] == expected, (code, column, rows.at[code, column])


@pytest.mark.slow
def test_other_domains_still_build(project, corpus, capsys):
    """One broken workbook: the build exits 1 and names it, and the other four reports are written."""
    place(CASES["text_in_number"], corpus, project.root)
    assert run_build(project, "--year", "2021", "--format", "html") == 1
    captured = capsys.readouterr()
    output = captured.out + captured.err
    assert 'labour.xlsx › Chỉ tiêu › E7: "mười lăm" không phải là số' in output, output
    assert "Traceback" not in output
    out_year = project.out_year(2021)
    assert not (out_year / "labour.html").exists()
    for domain in DOMAINS:
        if domain != "labour":
            assert (out_year / f"{domain}.html").is_file(), domain


def test_corpus_is_deterministic(tmp_path, corpus):
    """Generating the corpus twice gives the same bytes (so a change in a case is a real change)."""
    again = tmp_path / "again"
    make_corpus.generate(again, REPO)
    for case in make_corpus.CASES:
        assert (again / case.filename).read_bytes() == (corpus / case.filename).read_bytes(), case.name


def test_corpus_files_are_what_they_claim(corpus):
    """The binary cases really are what they stand for, checked with independent readers."""
    import msoffcrypto
    import olefile

    xls = corpus / CASES["xls_instead"].filename
    assert olefile.isOleFile(str(xls))
    with olefile.OleFileIO(str(xls)) as ole:
        assert ole.exists("Workbook")
        assert ole.openstream("Workbook").read(2) == b"\x09\x08"  # BIFF8 BOF record
    with (corpus / CASES["password"].filename).open("rb") as fh:
        office = msoffcrypto.OfficeFile(fh)
        assert office.is_encrypted()
        office.load_key(password="1234")
        import io

        plain = io.BytesIO()
        office.decrypt(plain)
    import openpyxl

    assert "Chỉ tiêu" in openpyxl.load_workbook(plain).sheetnames
    huge = corpus / CASES["huge_sheet"].filename
    assert huge.stat().st_size < 1024 * 1024, "the million-row workbook stays small on disk"
