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


# -- warm kernels (kernels.py): reused when clean, discarded on any doubt ---------------------------


def _pid_notebook(folder: Path, name: str, *sources: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("n = 1", metadata={"tags": ["parameters"]})]
    nb.cells += [nbformat.v4.new_code_cell(s) for s in sources]
    nb.cells.append(nbformat.v4.new_code_cell("import os\nprint('PID', os.getpid())"))
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = folder / f"{name}.ipynb"
    nbformat.write(nb, str(path))
    return path


def _pid(nb) -> int:
    text = "".join(o.get("text", "") for o in nb.cells[-1].outputs)
    return int(text.split()[1])


@pytest.fixture
def pool(tmp_path, monkeypatch):
    from dolisa_reports.pipeline.kernels import KernelPool

    monkeypatch.delenv("DOLISA_FRESH_KERNELS", raising=False)
    pool = KernelPool(1, tmp_path, imports=("dolisa_reports.presentation.vnformat",))
    yield pool
    pool.shutdown()


@pytest.mark.slow
def test_a_clean_kernel_serves_the_next_report_and_a_dirty_one_is_discarded(tmp_path, pool):
    out = tmp_path / "out"
    clean = _pid_notebook(tmp_path, "clean", "x = n + 1")
    first = _pid(run_notebook(clean, out / "a.ipynb", {"n": 1}, cwd=tmp_path, pool=pool))
    second = run_notebook(clean, out / "b.ipynb", {"n": 2}, cwd=tmp_path, pool=pool)
    assert _pid(second) == first, "a clean kernel is reused"
    assert [c.execution_count for c in second.cells if c.cell_type == "code"][:2] == [1, 2], (
        "a reused kernel counts cells from 1, as a fresh one"
    )
    patched = _pid_notebook(
        tmp_path,
        "patched",
        "from dolisa_reports.presentation import vnformat\nvnformat.number = lambda *a, **k: 'X'",
    )
    assert _pid(run_notebook(patched, out / "c.ipynb", {}, cwd=tmp_path, pool=pool)) == first
    after = _pid(run_notebook(clean, out / "d.ipynb", {}, cwd=tmp_path, pool=pool))
    assert after != first, "a kernel whose package was patched is discarded"
    assert pool.discarded == 1 and pool.started == 2


@pytest.mark.slow
def test_a_failed_or_timed_out_kernel_is_discarded(tmp_path, pool):
    out = tmp_path / "out"
    clean = _pid_notebook(tmp_path, "clean")
    first = _pid(run_notebook(clean, out / "a.ipynb", {}, cwd=tmp_path, pool=pool))
    broken = _pid_notebook(tmp_path, "broken", "raise ValueError('boom')")
    with pytest.raises(NotebookFailed):
        run_notebook(broken, out / "b.ipynb", {}, cwd=tmp_path, pool=pool)
    second = _pid(run_notebook(clean, out / "c.ipynb", {}, cwd=tmp_path, pool=pool))
    assert second != first, "the kernel of a failed notebook is not reused"
    slow = _pid_notebook(tmp_path, "slow", "import time; time.sleep(30)")
    with pytest.raises(NotebookFailed) as info:
        run_notebook(slow, out / "d.ipynb", {}, cwd=tmp_path, pool=pool, timeout=2)
    assert "quá thời gian" in str(info.value)
    third = _pid(run_notebook(clean, out / "e.ipynb", {}, cwd=tmp_path, pool=pool))
    assert third not in (first, second), "a timed-out kernel is discarded"
    assert pool.discarded == 2


@pytest.mark.slow
@pytest.mark.parametrize(
    "change",
    [
        "import matplotlib as mpl; mpl.rcParams['lines.linewidth'] = 9",
        "import pandas as pd; pd.set_option('display.max_rows', 3)",
        "import os; os.environ['DOLISA_X'] = '1'",
        "from dolisa_reports.figures.analysis import Row; Row.extra = 1",
        "import warnings; warnings.simplefilter('ignore')",
    ],
    ids=["rcParams", "pandas-option", "environ", "class-attribute", "warnings"],
)
def test_what_a_notebook_changes_outside_its_namespace_discards_the_kernel(tmp_path, pool, change):
    out = tmp_path / "out"
    changing = _pid_notebook(tmp_path, "changing", change)
    first = _pid(run_notebook(changing, out / "a.ipynb", {}, cwd=tmp_path, pool=pool))
    clean = _pid_notebook(tmp_path, "clean")
    assert _pid(run_notebook(clean, out / "b.ipynb", {}, cwd=tmp_path, pool=pool)) != first
