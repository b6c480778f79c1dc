"""Kernels that are ready when a notebook arrives: started early, warmed, reused with a verified reset.

Measured on the 2-core machine (issue 16): a fresh kernel costs ~0.3 s of CPU to start and ~0.9 s to
import what the reports use (pandas, matplotlib, pandera, the package); the report itself ~0.7 s. A
pool of pre-started kernels would only hide the start behind other work, not save the CPU, and a fork
of a pre-loaded process does not mix with ZeroMQ's threads. So a kernel serves report after report:

- **Ready early.** :meth:`KernelPool.prestart` starts kernels in the background (while the year's
  workbooks are validated); each imports :data:`WARM_IMPORTS` and records its clean state
  (``kernel_state.ready``).
- **Reset and verified after every report** (``kernel_state.reset``): session cleared, then globals
  of the package, rcParams, pandas options, environment… compared with the clean state. Any
  difference, a failed cell, a timeout, a dead kernel or a failed reset → the kernel is **discarded**
  (shut down) and the next report gets a new one. A kernel is also retired after
  :data:`MAX_REPORTS` reports.
- papermill still executes every notebook: it is handed the running kernel (``km``) and a new client
  for each report.

``DOLISA_FRESH_KERNELS=1`` (or ``run_all.py --fresh-kernels``) turns reuse off: one new kernel per
report, as papermill does by default.
"""

from __future__ import annotations

import ast
import contextlib
import itertools
import logging
import os
import queue
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger("dolisa_reports.pipeline")

WARM_IMPORTS = (
    "pandas",
    "matplotlib.pyplot",
    "dolisa_reports.presentation.report",
    "dolisa_reports.presentation.summary",
    "dolisa_reports.presentation.analyses",
)  # not the Excel appendix (openpyxl): only the summary needs it, and imports it
MAX_REPORTS = 100
READY_TIMEOUT = 120  # seconds for start + imports on a cold machine
_ids = itertools.count(1)


def reuse_enabled() -> bool:
    return os.environ.get("DOLISA_FRESH_KERNELS", "").strip() not in ("1", "true", "yes")


class KernelUnavailable(RuntimeError):
    """No kernel could be made ready (it died or timed out while starting)."""


@dataclass
class Kernel:
    km: object  # execute.DolisaKernelManager, started
    log_path: Path
    number: int
    reports: int = 0
    _log_offset: int = 0
    pid: int | None = field(default=None)

    def new_output(self) -> str:
        """What the kernel process printed since the last call (for the run log)."""
        try:
            with open(self.log_path, "rb") as fh:
                fh.seek(self._log_offset)
                data = fh.read()
        except OSError:
            return ""
        self._log_offset += len(data)
        return data.decode("utf-8", errors="replace").strip()

    def log_output(self, label: str) -> None:
        """:meth:`new_output` into the run log, under the report's label."""
        text = self.new_output()
        if text:
            log.info("[%s] kernel output:\n%s", label, text)


def _run(coro_fn, *args, **kw):
    from jupyter_core.utils import run_sync

    return run_sync(coro_fn)(*args, **kw)


def _silent(km, code: str, expression: str | None = None, timeout: float = READY_TIMEOUT):
    """Run ``code`` in the kernel without output or history; return ``expression``'s value (a literal)."""

    async def go():
        kc = km.client(context=km.context)
        kc.start_channels()
        try:
            await kc.wait_for_ready(timeout=timeout)
            exprs = {"r": expression} if expression else {}
            msg_id = kc.execute(code, silent=True, store_history=False, user_expressions=exprs)
            deadline = time.monotonic() + timeout
            while True:
                reply = await kc.get_shell_msg(timeout=max(0.1, deadline - time.monotonic()))
                if reply["parent_header"].get("msg_id") == msg_id:
                    break
            content = reply["content"]
            if content.get("status") != "ok":
                raise KernelUnavailable(f"{content.get('ename')}: {content.get('evalue')}")
            if not expression:
                return None
            value = content.get("user_expressions", {}).get("r", {})
            if value.get("status") != "ok":
                raise KernelUnavailable(f"{value.get('ename')}: {value.get('evalue')}")
            return ast.literal_eval(value["data"]["text/plain"])  # a str, or a tuple of them
        finally:
            kc.stop_channels()

    return _run(go)


_SLOT = object()  # in the idle queue: a place for a new kernel (the caller taking it starts one)
STATE = "__import__('dolisa_reports.pipeline.kernel_state', fromlist=['x'])"


class Lease:
    """One report's hold on a kernel of ``pool``: the notebook, then the PDF, then the kernel goes back
    (``clean``: reset and kept; else discarded). :meth:`renew` swaps a kernel that died before the
    notebook's first cell for a new one."""

    def __init__(self, pool: KernelPool):
        self.pool, self.kernel, self.clean = pool, None, True

    def get(self) -> Kernel:
        if self.kernel is None:
            self.kernel, self.clean = self.pool.acquire(), True
        return self.kernel

    def spoil(self) -> None:
        self.clean = False

    def renew(self, label: str = "") -> None:
        self._give_back(False, label)

    def close(self, label: str = "") -> None:
        self._give_back(self.clean, label)

    def _give_back(self, clean: bool, label: str) -> None:
        if self.kernel is not None:
            self.kernel.log_output(label)  # what it printed after the notebook (the PDF)
            self.pool.release(self.kernel, clean, label)
            self.kernel = None

    def run(self, code: str, expression: str, timeout: float = 300):
        """``code`` on the leased kernel, after its notebook: ``expression``'s value (a literal); any
        failure spoils the kernel."""
        try:
            return _silent(self.get().km, code, expression, timeout=timeout)
        except BaseException:
            self.spoil()
            raise


class KernelPool:
    """Warm kernels for notebooks run in ``cwd`` with ``env`` (defaults: this process's environment).

    Thread-safe: :meth:`acquire` hands an idle kernel to one caller (starting one when none is idle and
    fewer than ``size`` exist); :meth:`release` resets it and keeps it, or discards it.
    """

    def __init__(self, size: int, cwd: Path, env: dict[str, str] | None = None, imports=WARM_IMPORTS):
        self.size, self.cwd, self.env, self.imports = max(1, size), Path(cwd), env, tuple(imports)
        self._idle: queue.Queue = queue.Queue()
        self._lock = threading.Lock()
        self._alive = 0  # started or starting, not discarded
        self._closed = False
        self._logs = Path(tempfile.mkdtemp(prefix="dolisa-kernels-"))
        self.started = self.discarded = 0

    # -- making kernels --------------------------------------------------------------------------
    def _start(self) -> Kernel:
        from .execute import KERNEL_START_TIMEOUT, DolisaKernelManager

        number = next(_ids)
        log_path = self._logs / f"kernel-{number}.log"
        km = DolisaKernelManager(kernel_name="python3", output_path=str(log_path))
        t0 = time.perf_counter()
        try:
            kw = {"cwd": str(self.cwd)}
            if self.env is not None:
                kw["env"] = self.env
            _run(km.start_kernel, **kw)
            code = f"{STATE}.ready({self.imports!r})"
            _silent(km, code, timeout=max(KERNEL_START_TIMEOUT, READY_TIMEOUT))
        except BaseException as exc:
            self._shutdown_km(km)
            kernel = Kernel(km, log_path, number)
            output = kernel.new_output()
            log.warning("kernel %d did not become ready: %s: %s\n%s", number, type(exc).__name__, exc, output)
            raise KernelUnavailable(f"{type(exc).__name__}: {exc}") from exc
        kernel = Kernel(km, log_path, number)
        provisioner = getattr(km, "provisioner", None)
        kernel.pid = getattr(getattr(provisioner, "process", None), "pid", None)
        with self._lock:
            self.started += 1
        log.info("kernel %d ready in %.2f s (pid %s)", number, time.perf_counter() - t0, kernel.pid)
        return kernel

    def _background(self) -> None:
        try:
            kernel = self._start()
        except KernelUnavailable as exc:
            with self._lock:
                self._alive -= 1
            self._idle.put(exc)
            return
        if self._closed:
            self._discard(kernel, "pool closed")
            return
        self._idle.put(kernel)

    def prestart(self, count: int | None = None) -> None:
        """Start up to ``count`` (default: ``size``) kernels in the background; returns at once."""
        with self._lock:
            todo = min(self.size, count or self.size) - self._alive
            todo = max(0, todo)
            self._alive += todo
        for _ in range(todo):
            threading.Thread(target=self._background, name="dolisa-kernel-start", daemon=True).start()

    # -- lending ---------------------------------------------------------------------------------
    @contextlib.contextmanager
    def lease(self, label: str = ""):
        held = Lease(self)
        try:
            yield held
        except BaseException:
            held.spoil()
            raise
        finally:
            held.close(label)

    def acquire(self) -> Kernel:
        if self._closed:
            raise KernelUnavailable("the build is stopping")
        start_here = False
        with self._lock:
            if self._idle.empty() and self._alive < self.size:
                self._alive += 1
                start_here = True
        item = _SLOT if start_here else self._idle.get()
        if item is _SLOT:  # a free place (none idle, or a discarded kernel's): start a kernel here
            try:
                return self._start()
            except KernelUnavailable:
                with self._lock:
                    self._alive -= 1
                raise
        if isinstance(item, BaseException):
            raise KernelUnavailable(str(item)) from item
        return item

    def release(self, kernel: Kernel, clean: bool, label: str = "") -> str:
        """After a report: keep the kernel (returns '') or discard it (returns why)."""
        kernel.reports += 1
        why = "" if clean else "the report failed"
        if not why and self._closed:
            why = "pool closed"
        if not why and kernel.reports >= MAX_REPORTS:
            why = f"retired after {kernel.reports} reports"
        if not why:
            try:
                why = _silent(kernel.km, f"{STATE}.reset()", f"{STATE}.LAST", timeout=60)
            except BaseException as exc:  # noqa: BLE001 - a kernel in doubt is discarded
                why = f"reset failed: {type(exc).__name__}: {exc}"
        if why:
            self._discard(kernel, why, label)
            self._idle.put(_SLOT)  # its place goes to the next caller (who may be waiting already)
            return why
        self._idle.put(kernel)
        return ""

    def _discard(self, kernel: Kernel, why: str, label: str = "") -> None:
        log.info("[%s] kernel %d discarded after %d report(s): %s", label, kernel.number, kernel.reports, why)
        self._shutdown_km(kernel.km)
        with self._lock:
            self.discarded += 1

    @staticmethod
    def _shutdown_km(km) -> None:
        try:
            if km.has_kernel:
                _run(km.shutdown_kernel, now=True)
            else:
                _run(km.cleanup_resources)
        except Exception:  # noqa: BLE001 - best effort: the process may be gone already
            log.debug("kernel shutdown failed", exc_info=True)

    def shutdown(self) -> None:
        self._closed = True
        while True:
            try:
                item = self._idle.get_nowait()
            except queue.Empty:
                break
            if isinstance(item, Kernel):
                self._discard(item, "build finished")
        with self._lock:
            self._alive = 0
        import shutil

        shutil.rmtree(self._logs, ignore_errors=True)


# -- one pool per project folder and environment, per process ------------------------------------

_pools: dict[tuple, KernelPool] = {}
_pools_lock = threading.Lock()


def pool_for(cwd: Path, env: dict[str, str] | None, size: int) -> KernelPool | None:
    """This process's pool for notebooks in ``cwd`` of the project ``env`` names (None: reuse turned off).

    The build's threads share one; a worker process (``--executor process``, a Dask worker) keeps its
    own between tasks. A pool for another project folder or environment is closed when a new one is
    made: a worker serves one build at a time.
    """
    if not reuse_enabled():
        return None
    env_key = tuple((env or {}).get(k, "") for k in ("DOLISA_ROOT", "DOLISA_OUTPUTS"))
    key = (str(cwd), env_key)
    with _pools_lock:
        pool = _pools.get(key)
        if pool is None or pool._closed:
            for other in [k for k in _pools if k != key]:
                _pools.pop(other).shutdown()
            pool = _pools[key] = KernelPool(size, cwd, env)
        elif size > pool.size:
            pool.size = size
    return pool


def shutdown_all() -> None:
    with _pools_lock:
        pools = list(_pools.values())
        _pools.clear()
    for pool in pools:
        pool.shutdown()


def _at_exit() -> None:
    shutdown_all()


import atexit  # noqa: E402

atexit.register(_at_exit)
