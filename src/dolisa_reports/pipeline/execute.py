"""Run one notebook with papermill, in-process (one thread per running kernel).

Kernels are started so that several can run at once without colliding, and stopped without stalling:

- **Private sockets.** Jupyter's default TCP transport picks free ports by binding and releasing them,
  so two kernels starting together can race for a port (``ZMQError: Address already in use``,
  papermill#511, about one start in 90 here); the IPC transport's default socket path (``kernel-ipc``
  in the working folder) is shared by every kernel. On POSIX each kernel gets IPC sockets in a
  private (0700) temporary folder of its own, removed with the kernel: no ports, nothing shared,
  nothing readable by other users, and ipykernel's "Kernel is running over TCP without encryption"
  warning does not apply. On
  Windows (no IPC transport) kernels use TCP with CurveZMQ encryption when pyzmq has it.
- **Retry.** A kernel that dies or times out before running its first cell is started again (up to
  ``KERNEL_START_ATTEMPTS`` times); a notebook that failed after that point is never re-run.
- **Immediate shutdown.** ``shutdown_kernel="immediate"``: the graceful default (interrupt, then wait)
  stalled about 2.6 s in one run out of ten here; the notebook is finished by then anyway.
- **Quiet.** The kernel process's own stdout/stderr (start-up warnings, "Matplotlib is building the
  font cache", …) go to a file that is copied into the run log, not to the user's terminal.
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
from jupyter_client.manager import AsyncKernelManager, KernelManager
from papermill.engines import NBClientEngine, papermill_engines
from traitlets import Unicode
from traitlets.config import Config

log = logging.getLogger("dolisa_reports.pipeline")

KERNEL_START_ATTEMPTS = 3
KERNEL_START_TIMEOUT = 60  # seconds; a cold first start (font cache, bytecode) can take a while


@dataclass
class CellFailure:
    cell_index: int | None
    execution_count: int | None
    ename: str
    evalue: str
    source: str

    def describe(self) -> str:
        """For people: the package's own Vietnamese message, or where it broke and where to look.
        Never the cell's Python source or an exception's class name (those are in the run log)."""
        from ..problems import USER_ERROR_NAMES

        lines = [ln for ln in self.evalue.strip().splitlines() if ln.strip()]
        if self.ename in USER_ERROR_NAMES and lines:
            return lines[0] + (" …" if len(lines) > 1 else "")
        if self.ename in ("DeadKernelError", "KernelStartFailed"):
            return "tiến trình chạy notebook bị dừng đột ngột (thiếu bộ nhớ?): hãy chạy lại"
        if self.ename in ("CellTimeoutError", "TimeoutError"):
            return "notebook chạy quá thời gian cho phép: hãy chạy lại, hoặc báo cho người quản trị"
        where = f"ô mã thứ {self.cell_index + 1}" if self.cell_index is not None else "một ô mã"
        return f"{where} của notebook bị lỗi: xem notebook chạy dở và outputs/build.log"

    def technical(self) -> str:
        """For the run log."""
        first = next((ln for ln in self.source.splitlines() if ln.strip()), "")
        return f"cell {self.cell_index} [{self.execution_count}] `{first[:80]}`: {self.ename}: {self.evalue}"


class NotebookFailed(Exception):
    def __init__(self, failure: CellFailure, partial: Path | None):
        super().__init__(failure.describe())
        self.failure = failure
        self.partial = partial


def _failure_from(exc, nb_path: Path) -> CellFailure:
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, PapermillExecutionError):
        source, index = "", exc.cell_index
        try:  # papermill inserts an error banner cell on top: find the cell holding the error output
            nb = nbformat.read(str(nb_path), as_version=4)
            code_cells = [
                c
                for c in nb.cells
                if c.cell_type == "code" and "papermill-error-cell-tag" not in c.metadata.get("tags", [])
            ]
            failed = next(
                c for c in code_cells if any(o.get("output_type") == "error" for o in c.get("outputs", []))
            )
            source = failed.source
            index = code_cells.index(failed)
        except Exception:
            pass
        return CellFailure(index, exc.exec_count, exc.ename, str(exc.evalue), source)
    return CellFailure(None, None, type(exc).__name__, str(exc), "")


ENGINE = "dolisa"


class KernelStartFailed(RuntimeError):
    """The kernel died or timed out before running the notebook's first cell: safe to start again."""


def _any_cell_started(nb) -> bool:
    return any(
        cell.get("metadata", {}).get("papermill", {}).get("status") not in (None, "pending")
        for cell in nb.cells
        if cell.cell_type == "code"
    )


class _Engine(NBClientEngine):
    """papermill's nbclient engine, which also tells *the kernel never started* from *the run broke*.

    It reads the cells' states kept in memory by papermill (the notebook is not saved after every cell,
    see :func:`run_notebook`) and, when a run breaks after its first cell (the kernel died, a cell timed
    out), saves what was executed to ``partial_path``.
    """

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, partial_path=None, **kwargs):
        try:
            if kwargs.get("km") is None:
                return super().execute_managed_notebook(nb_man, kernel_name, **kwargs)
            return cls._on_running_kernel(nb_man, kernel_name, **kwargs)
        except Exception as exc:
            if not _any_cell_started(nb_man.nb):
                raise KernelStartFailed(f"{type(exc).__name__}: {exc}") from exc
            if partial_path:
                try:
                    nbformat.write(nb_man.nb, partial_path)
                except Exception:  # the original error matters more
                    log.debug("could not save the partial notebook %s", partial_path, exc_info=True)
            raise

    @staticmethod
    def _on_running_kernel(nb_man, kernel_name, start_timeout=60, execution_timeout=None, **kwargs):
        """papermill's own client on a kernel it does not own (kernels.py): nbclient then leaves the
        kernel running, and its client's channels are closed here."""
        from papermill.clientwrap import PapermillNotebookClient

        kwargs.pop("input_path", None)
        client = PapermillNotebookClient(
            nb_man,
            timeout=execution_timeout,
            startup_timeout=start_timeout,
            kernel_name=kernel_name,
            log=logging.getLogger("papermill"),
            **kwargs,
        )
        try:
            return client.execute()
        finally:
            if client.kc is not None:
                client.kc.stop_channels()
                client.kc = None


papermill_engines.register(ENGINE, _Engine)


_ipc_lock = threading.Lock()
_ipc_dirs: set[Path] = set()  # folders of kernels not cleaned up yet (removed at exit as a last resort)


def _new_ipc_dir() -> Path:
    """A private (0700) folder for one kernel's sockets; short, as AF_UNIX paths max out at ~104 bytes."""
    from .sockets import make

    path = make()
    with _ipc_lock:
        if not _ipc_dirs:
            atexit.register(_remove_ipc_dirs)
        _ipc_dirs.add(path)
    return path


def _remove_ipc_dir(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
    with _ipc_lock:
        _ipc_dirs.discard(path)


def _remove_ipc_dirs() -> None:
    for path in list(_ipc_dirs):
        _remove_ipc_dir(path)


class DolisaKernelManager(AsyncKernelManager):
    """A kernel on its own IPC sockets (POSIX) whose process output goes to ``output_path``.

    The sockets' folder is removed with the kernel's other resources, so nothing is left in the
    temporary folder even by worker processes that exit without running ``atexit`` handlers.
    """

    output_path = Unicode("", config=True, help="file receiving the kernel process's stdout and stderr")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._ipc_dir: Path | None = None
        if os.name == "posix":
            self._ipc_dir = _new_ipc_dir()
            self.transport = "ipc"
            self.ip = str(self._ipc_dir / "k")  # sockets: <dir>/k-1 … k-5
            self.cache_ports = False
        else:
            import zmq

            if zmq.has("curve"):
                self.transport_encryption = "auto"

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await KernelManager._async_cleanup_resources(self, restart=restart)
        if not restart and self._ipc_dir is not None:
            _remove_ipc_dir(self._ipc_dir)

    cleanup_resources = _async_cleanup_resources  # AsyncKernelManager binds the base function by name

    async def _async_pre_start_kernel(self, **kw):
        if self.output_path:
            sink = open(self.output_path, "ab")  # noqa: SIM115 - the child keeps its own copy
            kw.setdefault("stdout", sink)
            kw.setdefault("stderr", sink)
        cmd, kw = await super()._async_pre_start_kernel(**kw)
        for name in ("stdout", "stderr"):  # not kept for restarts: the file object is closed below
            self._launch_args.pop(name, None)
        return cmd, kw

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        try:
            await super()._async_launch_kernel(kernel_cmd, **kw)
        finally:
            for name in ("stdout", "stderr"):
                stream = kw.get(name)
                if hasattr(stream, "close"):
                    stream.close()


def _log_kernel_output(path: Path, label: str) -> None:
    try:
        text = path.read_text(encoding="utf-8", errors="replace").strip()
        path.unlink()
    except OSError:
        return
    if text:
        log.info("[%s] kernel output:\n%s", label, text)


def run_notebook(
    src: Path,
    dst: Path,
    parameters: dict,
    cwd: Path,
    timeout: int = 600,
    label: str = "",
    pool=None,
    lease=None,
) -> nbformat.NotebookNode:
    """Execute ``src`` into ``dst``; raise :class:`NotebookFailed` (with the partial notebook) on failure.

    On a warm kernel (kernels.py) held by ``lease`` (which the caller gives back), or lent by ``pool`` for
    this notebook only; with neither, papermill starts a kernel of its own. ``dst`` is written once, at
    the end (or with the error, on failure): papermill's default of saving the whole notebook before and
    after every cell cost ~0.8 s of this process's time per report.
    """
    if lease is None and pool is not None:
        with pool.lease(label) as own:
            return run_notebook(src, dst, parameters, cwd, timeout, label, lease=own)
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    from .kernels import KernelUnavailable

    dst.parent.mkdir(parents=True, exist_ok=True)
    label = label or src.stem
    output = dst.with_name(f".{dst.stem}.kernel.log")
    options = dict(
        parameters=parameters,
        kernel_name="python3",
        progress_bar=False,
        log_output=False,
        cwd=str(cwd),
        start_timeout=KERNEL_START_TIMEOUT,
        execution_timeout=timeout,
        engine_name=ENGINE,
        request_save_on_cell_execute=False,
        partial_path=str(dst),
    )
    for attempt in range(1, KERNEL_START_ATTEMPTS + 1):
        start = time.perf_counter()
        kernel = None
        try:
            if lease is not None:
                kernel = lease.get()
                nb = pm.execute_notebook(str(src), str(dst), km=kernel.km, **options)
            else:
                config = Config({"DolisaKernelManager": {"output_path": str(output)}})
                nb = pm.execute_notebook(
                    str(src),
                    str(dst),
                    shutdown_kernel="immediate",
                    kernel_manager_class=DolisaKernelManager,
                    config=config,
                    **options,
                )
            where = f"kernel {kernel.number}, report {kernel.reports + 1}" if kernel else "new kernel"
            log.info(
                "[%s] notebook executed in %.2f s (attempt %d, %s)",
                label,
                time.perf_counter() - start,
                attempt,
                where,
            )
            return nb
        except PapermillExecutionError as exc:
            if lease is not None:
                lease.spoil()
            failure = _failure_from(exc, dst)
            log.warning("[%s] notebook failed: %s", label, failure.technical())
            raise NotebookFailed(failure, dst if dst.exists() else None) from None
        except Exception as exc:
            retry = attempt < KERNEL_START_ATTEMPTS and isinstance(
                exc, (KernelStartFailed, KernelUnavailable)
            )
            if lease is not None:
                if retry:
                    lease.renew(label)  # a kernel that broke before the first cell: another one
                else:
                    lease.spoil()
            if retry:
                log.warning(
                    "[%s] kernel did not start (%s: %s); retrying (%d)",
                    label,
                    type(exc).__name__,
                    exc,
                    attempt,
                )
                time.sleep(0.2 * attempt)
                continue
            if isinstance(exc, KernelUnavailable):
                exc = KernelStartFailed(str(exc))
            failure = _failure_from(exc, dst)
            log.warning("[%s] notebook failed: %s", label, failure.technical())
            raise NotebookFailed(failure, dst if dst.exists() else None) from None
        finally:
            if kernel is not None:
                kernel.log_output(label)
            else:
                _log_kernel_output(output, label)
    raise AssertionError("unreachable")
