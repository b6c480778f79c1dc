"""Scale-out benchmark: a generated workload built with the local pool and with a local Dask cluster.

The workload stands for a ministry building many provinces' reports at once: N copies of the 2021
sample, each as its own "year" of one project (params/<Y>.yaml and data/raw/<Y>/ copied from 2021,
year fields rewritten, last year's comparison kept on 2020). One project with N years gives one build
with N × 5 domain reports (+ N summaries) — the same number of notebooks, workbooks and HTML files as N
provinces' projects, planned and scheduled as one run, which is what the executor comparison needs.

Each mode builds the same workload from scratch (HTML only, ``--force``, fresh outputs folder), one run
each:

- ``local``: ``--executor local --jobs W`` (the thread pool, W at a time);
- ``dask``: ``--executor dask --scheduler ADDRESS`` against a ``LocalCluster`` of W worker processes ×
  1 thread on 127.0.0.1, started (and timed) separately, so the figure is the build, not cluster start-up.

    .venv/bin/python benchmarks/bench_dask.py --provinces 10 --workers 2
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SOURCE_YEAR = 2021
FIRST_YEAR = 2101  # generated "provinces" are years 2101, 2102, …


def _retitle(path: Path, year: int) -> None:
    """The workbook's year cell and column headers (e.g. 'Thực hiện năm 2021') → the generated year."""
    import openpyxl

    wb = openpyxl.load_workbook(path)
    swap = {str(SOURCE_YEAR + 1): str(year + 1), str(SOURCE_YEAR): str(year)}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value == SOURCE_YEAR:
                    cell.value = year
                elif isinstance(cell.value, str) and any(k in cell.value for k in swap):
                    cell.value = re.sub("|".join(swap), lambda m: swap[m.group(0)], cell.value)
    wb.save(path)


def make_workload(dest: Path, provinces: int) -> tuple[Path, list[int]]:
    root = dest / "project"
    for name in ("params", "notebooks"):
        shutil.copytree(REPO / name, root / name, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    (root / "data" / "raw").mkdir(parents=True)
    shutil.copytree(REPO / "data" / "raw" / "2020", root / "data" / "raw" / "2020")
    shutil.copy2(REPO / "requirements.lock", root / "requirements.lock")
    for p in (root / "params").glob("*.yaml"):
        if p.stem not in ("2020", str(SOURCE_YEAR)):
            p.unlink()
    text = (root / "params" / f"{SOURCE_YEAR}.yaml").read_text(encoding="utf-8")
    years = [FIRST_YEAR + i for i in range(provinces)]
    for y in years:
        t = re.sub(r"^year: \d{4}", f"year: {y}", text, flags=re.M)
        t = re.sub(r"^next_year: \d{4}", f"next_year: {y + 1}", t, flags=re.M)
        (root / "params" / f"{y}.yaml").write_text(t, encoding="utf-8")
        shutil.copytree(REPO / "data" / "raw" / str(SOURCE_YEAR), root / "data" / "raw" / str(y))
        for wb_path in (root / "data" / "raw" / str(y)).glob("*.xlsx"):
            _retitle(wb_path, y)
    (root / "data" / "processed").mkdir(parents=True)
    return root, years


def build(root: Path, years: list[int], outputs: Path, *extra: str) -> tuple[float, str]:
    env = {**os.environ, "DOLISA_ROOT": str(root)}
    env.pop("DOLISA_OUTPUTS", None)
    cmd = [sys.executable, str(REPO / "run_all.py"), "--year", ",".join(map(str, years)), "--format", "html",
           "--force", "--outputs", str(outputs), *extra]  # fmt: skip
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    last = [line for line in proc.stdout.splitlines() if line.startswith("Đã lập")]
    if proc.returncode != 0:
        print(proc.stdout[-3000:], proc.stderr[-3000:], sep="\n")
        raise SystemExit(f"build failed ({' '.join(extra)})")
    return seconds, last[-1] if last else ""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--provinces", type=int, default=10)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--only", choices=("local", "dask"), default=None)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="dolisa-bench-dask-") as tmp:
        root, years = make_workload(Path(tmp), args.provinces)
        n = len(years) * 6
        print(
            f"workload: {len(years)} provinces × (5 domains + summary) = {n} reports, HTML, {args.workers} workers"
        )
        if args.only in (None, "local"):
            s, line = build(
                root, years, Path(tmp) / "out-local", "--executor", "local", "--jobs", str(args.workers)
            )
            print(f"local pool ({args.workers} threads): {s:.1f} s  {s / n:.2f} s/report  | {line}")
        if args.only in (None, "dask"):
            from distributed import LocalCluster

            t0 = time.perf_counter()
            cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                                   host="127.0.0.1", dashboard_address=None)  # fmt: skip
            started = time.perf_counter() - t0
            try:
                s, line = build(root, years, Path(tmp) / "out-dask", "--scheduler", cluster.scheduler_address)
            finally:
                cluster.close()
            print(f"dask LocalCluster ({args.workers} × 1 thread, start-up {started:.1f} s not included): "
                  f"{s:.1f} s  {s / n:.2f} s/report  | {line}")  # fmt: skip


if __name__ == "__main__":
    main()
