"""Kernel handling in build/execute.py: private sockets, retry before the first cell only, partial notebooks.

Each test starts real kernels on a two-cell notebook (about a second each), hence ``slow``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import nbformat
import pytest

from dolisa_reports.pipeline import execute
from dolisa_reports.pipeline.execute import DolisaKernelManager, NotebookFailed, run_notebook


def _notebook(folder: Path, *sources: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("n = 1", metadata={"tags": ["parameters"]})]
    nb.cells += [nbformat.v4.new_code_cell(s) for s in sources]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = folder / "tiny.ipynb"
    nbformat.write(nb, str(path))
    return path


@pytest.fixture
def launches(monkeypatch):
    """Counts kernel launches; ``launches.broken`` first launches are replaced by a process that exits."""
    state = {"count": 0, "broken": 0, "ips": []}
    real = DolisaKernelManager._async_launch_kernel

    async def launch(self, kernel_cmd, **kw):
        state["count"] += 1
        state["ips"].append((self.transport, self.ip))
        if state["count"] <= state["broken"]:
            kernel_cmd = [sys.executable, "-c", "raise SystemExit(3)"]
        return await real(self, kernel_cmd, **kw)

    monkeypatch.setattr(DolisaKernelManager, "_async_launch_kernel", launch)
    monkeypatch.setattr(execute, "KERNEL_START_TIMEOUT", 20)
    return state


@pytest.mark.slow
def test_a_kernel_that_dies_before_the_first_cell_is_started_again(tmp_path, launches):
    launches["broken"] = 1
    src = _notebook(tmp_path, "total = n + 1")
    nb = run_notebook(src, tmp_path / "out" / "tiny.ipynb", {"n": 41}, cwd=tmp_path)
    assert launches["count"] == 2
    assert (tmp_path / "out" / "tiny.ipynb").is_file()
    assert nb.cells[-1].metadata.papermill.status == "completed"


@pytest.mark.slow
def test_a_run_that_breaks_after_the_first_cell_is_not_repeated(tmp_path, launches):
    src = _notebook(tmp_path, "x = n * 2", "import os; os._exit(1)", "y = 3")
    dst = tmp_path / "out" / "tiny.ipynb"
    with pytest.raises(NotebookFailed) as info:
        run_notebook(src, dst, {"n": 1}, cwd=tmp_path)
    assert launches["count"] == 1, "a notebook that already ran cells must not be run twice"
    assert info.value.partial == dst and dst.is_file(), "the partial notebook is kept"
    states = [
        c.metadata.get("papermill", {}).get("status") for c in nbformat.read(str(dst), as_version=4).cells
    ]
    assert "completed" in states


@pytest.mark.slow
def test_each_kernel_has_its_own_private_sockets(tmp_path, launches):
    if os.name != "posix":
        pytest.skip("IPC sockets are POSIX only")
    seen = []
    real = DolisaKernelManager._async_pre_start_kernel

    async def spy(self, **kw):
        folder = Path(self.ip).parent
        seen.append((self.transport, folder, folder.is_dir() and (folder.stat().st_mode & 0o777)))
        return await real(self, **kw)

    src = _notebook(tmp_path, "total = n + 1")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(DolisaKernelManager, "_async_pre_start_kernel", spy)
        for i in range(2):
            run_notebook(src, tmp_path / "out" / f"tiny{i}.ipynb", {"n": i}, cwd=tmp_path)
    (t1, d1, mode1), (t2, d2, mode2) = seen
    assert t1 == t2 == "ipc" and d1 != d2
    assert mode1 == mode2 == 0o700, "other users cannot connect"
    assert not d1.exists() and not d2.exists(), "each kernel's socket folder is removed with it"


def _add_cell(path: Path, source: str) -> None:
    nb = nbformat.read(str(path), as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(source))
    nbformat.write(nb, str(path))


def test_each_report_runs_as_in_a_fresh_kernel(project):
    """A notebook that sets a global, changes matplotlib's rcParams and patches a package function leaves
    no trace in the next report built by the same worker (``--jobs 1``: one after the other). Holds for
    any way of making kernels ready early (issue 16): a reused or pre-started kernel must not leak."""
    import re

    from conftest import run_build

    _add_cell(
        project.notebook("labour"),
        "LEAK = 1\n"
        "import matplotlib as mpl\n"
        "mpl.rcParams['lines.linewidth'] = 9\n"
        "from dolisa_reports.presentation import vnformat\n"
        "vnformat.number = lambda *a, **k: 'PATCHED'",
    )
    _add_cell(
        project.notebook("vocational_training"),
        "import matplotlib as mpl\n"
        "from IPython.display import HTML\n"
        "from dolisa_reports.presentation import vnformat\n"
        "HTML(f\"<p id='iso'>{'LEAK' in globals()}|{mpl.rcParams['lines.linewidth']}|"
        '{vnformat.number(1234)}</p>")',
    )
    args = ("--year", "2021", "--domain", "labour", "--domain", "vocational_training")
    assert run_build(project, *args, "--jobs", "1", "--format", "html") == 0
    html = (project.out_year(2021) / "vocational_training.html").read_text(encoding="utf-8")
    import matplotlib as mpl

    found = re.search(r"<p id=[\"']iso[\"']>(.*?)</p>", html)
    assert found, "the check cell ran"
    assert found[1] == f"False|{mpl.rcParamsDefault['lines.linewidth']}|1.234"
