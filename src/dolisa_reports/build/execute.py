"""Run one notebook with papermill, in-process (a thread per running kernel).

Kernels are stopped with ``shutdown_kernel="immediate"`` (the graceful default stalled ~2.6 s in one
run out of ten here) and a kernel that fails to start is retried.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat

log = logging.getLogger("dolisa_reports.build")

KERNEL_START_RETRIES = 2


@dataclass
class CellFailure:
    cell_index: int | None
    execution_count: int | None
    ename: str
    evalue: str
    source: str

    def describe(self) -> str:
        first = next((ln for ln in self.source.splitlines() if ln.strip()), "")
        where = f"ô mã số {self.cell_index}" if self.cell_index is not None else "ô không xác định"
        if self.execution_count:
            where += f" [{self.execution_count}]"
        return f"{where}: `{first[:80]}` → {self.ename}: {self.evalue.strip().splitlines()[0] if self.evalue.strip() else ''}"


class NotebookFailed(Exception):
    def __init__(self, failure: CellFailure, partial: Path | None):
        super().__init__(failure.describe())
        self.failure = failure
        self.partial = partial


def _failure_from(exc, nb_path: Path) -> CellFailure:
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, PapermillExecutionError):
        source = ""
        try:
            nb = nbformat.read(str(nb_path), as_version=4)
            source = nb.cells[exc.cell_index].source
        except Exception:
            pass
        return CellFailure(exc.cell_index, exc.exec_count, exc.ename, str(exc.evalue), source)
    return CellFailure(None, None, type(exc).__name__, str(exc), "")


def _is_kernel_start_problem(exc: BaseException) -> bool:
    text = f"{type(exc).__name__}: {exc}"
    return any(
        s in text
        for s in ("Address already in use", "Kernel died before replying", "Kernel didn't respond", "TimeoutError")
    )


def run_notebook(src: Path, dst: Path, parameters: dict, cwd: Path, timeout: int = 600) -> nbformat.NotebookNode:
    """Execute ``src`` into ``dst`` (written as it runs); raise :class:`NotebookFailed` on a cell error."""
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    dst.parent.mkdir(parents=True, exist_ok=True)
    attempt = 0
    while True:
        attempt += 1
        try:
            return pm.execute_notebook(
                str(src),
                str(dst),
                parameters=parameters,
                kernel_name="python3",
                progress_bar=False,
                log_output=False,
                cwd=str(cwd),
                start_timeout=60,
                execution_timeout=timeout,
                shutdown_kernel="immediate",
            )
        except PapermillExecutionError as exc:
            raise NotebookFailed(_failure_from(exc, dst), dst if dst.exists() else None) from None
        except Exception as exc:
            if attempt <= KERNEL_START_RETRIES and _is_kernel_start_problem(exc):
                log.warning("kernel start failed (%s), retrying (%d)", exc, attempt)
                time.sleep(0.2 * attempt)
                continue
            raise NotebookFailed(_failure_from(exc, dst), dst if dst.exists() else None) from None
