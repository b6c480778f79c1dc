"""Running tasks: an executor runs ``fn(item)`` somewhere and hands back a ``concurrent.futures.Future``.

The engine only needs ``submit`` and ``shutdown``, so another backend (a Dask cluster, whose futures can
be bridged to ``concurrent.futures`` with a done-callback) can replace the local pool later.

The local pool uses **threads** by default. Each report runs in its own Jupyter kernel, a separate
process, so the pool's threads mostly wait on ZeroMQ; in-process work (nbconvert export ~0.1 s, the PDF
~0.4 s) is short. Threads share one papermill/nbconvert import and need no pickling; measured on a
2-core machine, 5 notebooks took 2.9 s on 5 threads against 3.8–4.0 s on a 2-process pool (each worker
process importing papermill and nbconvert again). ``kind="process"`` is kept for experiments.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import Executor as _FuturesExecutor
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any, Protocol


class Executor(Protocol):
    name: str
    workers: int

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> Future: ...

    def shutdown(self, cancel: bool = False) -> None: ...


def default_jobs() -> int:
    """The number of cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


class LocalExecutor:
    """A thread (default) or process pool on this machine."""

    def __init__(self, workers: int, kind: str = "thread", initializer=None, initargs: tuple = ()):
        if kind not in ("thread", "process"):
            raise ValueError(f"unknown local executor kind: {kind}")
        self.workers, self.kind = max(1, workers), kind
        self.name = f"{workers} {'luồng' if kind == 'thread' else 'tiến trình'}"
        pool: _FuturesExecutor
        if kind == "thread":
            pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="dolisa-build")
        else:
            pool = ProcessPoolExecutor(max_workers=self.workers, initializer=initializer, initargs=initargs)
        self._pool = pool

    @property
    def shares_memory(self) -> bool:
        """True when callbacks passed with a task run in this process (live stage updates)."""
        return self.kind == "thread"

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> Future:
        return self._pool.submit(fn, *args)

    def shutdown(self, cancel: bool = False) -> None:
        self._pool.shutdown(wait=True, cancel_futures=cancel)


def make_executor(kind: str, jobs: int | None, **kw) -> Executor:
    """``thread`` or ``process`` (a Dask executor will be added here)."""
    return LocalExecutor(jobs or default_jobs(), kind=kind, **kw)
