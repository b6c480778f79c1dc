"""Running tasks: an executor runs ``fn(item)`` somewhere and hands back a ``concurrent.futures.Future``.

The engine only needs ``submit`` and ``shutdown``, so another backend can replace the local pool:
``DaskExecutor`` sends the same work to a Dask ``distributed`` cluster (``--executor dask``), its futures
bridged to ``concurrent.futures`` with a done-callback.

The local pool uses **threads** by default. Each report runs on a Jupyter kernel, a separate process that
also makes its PDF, so the pool's threads mostly wait on ZeroMQ; in-process work (nbconvert export
~0.05 s, the DOCX) is short. Threads share one papermill/nbconvert import and need no pickling; measured on a
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


class DaskExecutor:
    """Tasks sent to a Dask ``distributed`` cluster. Workers share no folder with the client: a report's
    task carries its inputs and returns its files as bytes (remote.py).

    ``scheduler``: the address of a running scheduler (``tcp://host:8786``). Without one, a
    ``LocalCluster`` is started on 127.0.0.1 (``workers`` worker processes × 1 thread, no dashboard)
    and closed by :meth:`shutdown`. Each Dask future is bridged to a ``concurrent.futures.Future``.
    """

    shares_memory = False  # results come back pickled; no live stage updates

    def __init__(self, workers: int, scheduler: str | None = None):
        from distributed import Client, LocalCluster

        self._cluster = None
        if scheduler:
            self._client = Client(scheduler)
        else:
            self._cluster = LocalCluster(
                n_workers=max(1, workers),
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
            )
            self._client = Client(self._cluster)
        threads = self._client.nthreads()
        self.workers = max(1, sum(threads.values()))
        where = scheduler or "cụm Dask cục bộ"
        self.name = f"Dask {where} ({len(threads)} worker, {self.workers} luồng)"
        self._pending: set = set()

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> Future:
        out: Future = Future()
        out.set_running_or_notify_cancel()
        dask_future = self._client.submit(fn, *args, pure=False)
        self._pending.add(dask_future)

        def done(f) -> None:
            self._pending.discard(f)
            try:
                out.set_result(f.result())
            except BaseException as exc:  # noqa: BLE001 (handed to the engine, which reports it)
                out.set_exception(exc)

        dask_future.add_done_callback(done)
        return out

    def shutdown(self, cancel: bool = False) -> None:
        if cancel and self._pending:
            self._client.cancel(list(self._pending))
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()


def make_executor(kind: str, jobs: int | None, **kw) -> Executor:
    """``thread`` or ``process`` (local pool), or ``dask`` (``scheduler=``; see DaskExecutor)."""
    if kind == "dask":
        return DaskExecutor(jobs or default_jobs(), **kw)
    return LocalExecutor(jobs or default_jobs(), kind=kind, **kw)
