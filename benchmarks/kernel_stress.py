#!/usr/bin/env python3
"""Start many Jupyter kernels, several at a time, and count what goes wrong.

Compares papermill's defaults (TCP ports, graceful shutdown) with the way the build starts kernels
(build/execute.py: private IPC sockets, immediate shutdown, retry before the first cell). For each run
it records failures, retries, the time per notebook, "stalls" (a run more than 1.5 s slower than the
median) and how many "Kernel is running over TCP without encryption" lines reached the terminal's
stderr (file descriptor 2, which kernels inherit unless the build redirects them).

Usage: python benchmarks/kernel_stress.py [--runs 60] [--concurrency 3] [--mode both|default|project]
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import nbformat  # noqa: E402


class _Count(logging.Handler):
    def __init__(self):
        super().__init__()
        self.retries = 0

    def emit(self, record):
        if "kernel did not start" in record.getMessage():
            self.retries += 1


def _notebook(folder: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("n = 1", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("total = sum(range(1000)) + n"),
    ]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = folder / "tiny.ipynb"
    nbformat.write(nb, str(path))
    return path


def run_default(src: Path, dst: Path) -> None:
    import papermill as pm

    pm.execute_notebook(str(src), str(dst), parameters={"n": 2}, kernel_name="python3", progress_bar=False)


def run_project(src: Path, dst: Path) -> None:
    from dolisa_reports.pipeline.execute import run_notebook

    run_notebook(src, dst, {"n": 2}, cwd=src.parent, label=dst.stem)


def stress(mode: str, runs: int, concurrency: int, folder: Path) -> dict:
    src = _notebook(folder)
    (folder / "out").mkdir()
    fn = run_default if mode == "default" else run_project
    counter = _Count()
    logging.getLogger("dolisa_reports").addHandler(counter)
    logging.getLogger("dolisa_reports").setLevel(logging.INFO)
    err_path = folder / f"stderr-{mode}.txt"
    saved_fd2 = os.dup(2)
    times: list[float] = []
    failures: list[str] = []

    def one(i: int) -> None:
        t0 = time.perf_counter()
        try:
            fn(src, folder / "out" / f"{mode}-{i}.ipynb")
        except Exception as exc:  # counted, not raised: that is the point
            failures.append(f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:160])
        times.append(time.perf_counter() - t0)

    t_start = time.perf_counter()
    with open(err_path, "wb") as err:
        os.dup2(err.fileno(), 2)  # what kernels would print on the user's terminal
        try:
            with ThreadPoolExecutor(max_workers=concurrency) as pool:
                list(pool.map(one, range(runs)))
        finally:
            os.dup2(saved_fd2, 2)
            os.close(saved_fd2)
    wall = time.perf_counter() - t_start
    logging.getLogger("dolisa_reports").removeHandler(counter)
    text = err_path.read_text(encoding="utf-8", errors="replace")
    med = statistics.median(times)
    return {
        "mode": mode,
        "runs": runs,
        "concurrency": concurrency,
        "wall": wall,
        "failures": failures,
        "retries": counter.retries,
        "median": med,
        "p90": sorted(times)[int(0.9 * (len(times) - 1))],
        "max": max(times),
        "stalls": sum(t > med + 1.5 for t in times),
        "tcp_warnings": text.count("without encryption"),
        "address_in_use": text.count("Address already in use"),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=60)
    ap.add_argument("--concurrency", type=int, default=3)
    ap.add_argument("--mode", choices=("both", "default", "project"), default="both")
    args = ap.parse_args()
    modes = ("default", "project") if args.mode == "both" else (args.mode,)
    print(f"{args.runs} notebook runs per mode, {args.concurrency} at a time, on {os.cpu_count()} cores")
    print(
        f"{'mode':8} {'wall s':>7} {'median':>7} {'p90':>6} {'max':>6} {'stalls':>6} {'fail':>5} "
        f"{'retry':>5} {'TCP warn':>8} {'in use':>6}"
    )
    for mode in modes:
        with tempfile.TemporaryDirectory(prefix=f"dolisa-stress-{mode}-") as tmp:
            r = stress(mode, args.runs, args.concurrency, Path(tmp))
        print(
            f"{r['mode']:8} {r['wall']:7.1f} {r['median']:7.2f} {r['p90']:6.2f} {r['max']:6.2f} {r['stalls']:6d} "
            f"{len(r['failures']):5d} {r['retries']:5d} {r['tcp_warnings']:8d} {r['address_in_use']:6d}"
        )
        for f in sorted(set(r["failures"])):
            print(f"    failure ×{r['failures'].count(f)}: {f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
