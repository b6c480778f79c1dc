#!/usr/bin/env python3
"""Benchmark: the plain papermill + nbconvert loop against this project's build, on the sample data.

Everything runs in a temporary copy of the project (inputs, run_all.py and a frozen copy of the
package), never in the repository's data/ or outputs/. In one run it times:

  (a) the plain loop a user would write: for each report, the ``papermill`` CLI, then
      ``jupyter nbconvert --to html --no-input``, then (with PDF) the ``weasyprint`` CLI, one after another;
  (b) this project's cold build of the same reports: ``python run_all.py`` (fresh outputs/); it also
      makes each year's summary report (the plain loop cannot: it reads the domain reports' results),
      so the ratio of total times is conservative and the ratio per report is printed too;
  (c) a no-op rebuild (nothing changed; median of several runs, Python start-up included);
  (d) a rebuild after changing one domain's workbook (a cell edited with openpyxl: that report and its
      year's summary are rebuilt), and after a mere ``touch`` (same bytes: nothing to do);
  (e) a scale run: years generated from 2021 (workbooks and params/<year>.yaml copied with the year
      changed), built cold for 1, 2, 5 and 10 years × 5 domains, reporting seconds per report;
  (f) optionally (``--jobs-sweep 1,2,3,4``), the cold build with each number of workers;

then prints the ratios. Bytecode: this machine sets PYTHONDONTWRITEBYTECODE=1 and its virtual
environment was installed without .pyc files, so every process would recompile every import from
source (~3 s per kernel). A user's ``pip install`` writes them, so by default all processes here share a
private bytecode cache (PYTHONPYCACHEPREFIX) warmed by a first untimed report; ``--as-is`` keeps the
environment unchanged instead.

Usage: python benchmarks/benchmark.py [--formats html,pdf] [--jobs N] [--scale 1,2,5,10] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
sys.path.insert(0, str(REPO / "src"))

from dolisa_reports import DOMAINS  # noqa: E402
from dolisa_reports.inputs import contract as C  # noqa: E402

SAMPLE_YEARS = (2020, 2021)
BASE_YEAR = 2021  # generated years copy this one


# -- project copies --------------------------------------------------------------------------------


def make_project(dest: Path, source: Path = REPO) -> Path:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints", "*.egg-info")
    for name in ("params", "notebooks"):
        shutil.copytree(source / name, dest / name, ignore=ignore)
    shutil.copytree(source / "data" / "raw", dest / "data" / "raw", ignore=ignore)
    shutil.copytree(source / "src", dest / "src", ignore=ignore)  # frozen: edits elsewhere don't matter
    (dest / "data" / "processed").mkdir(parents=True)
    for name in ("run_all.py", "requirements.lock"):
        shutil.copy2(source / name, dest / name)
    return dest


def environment(project: Path, cache: Path | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DOLISA_OUTPUTS", "SOURCE_DATE_EPOCH")}
    env["DOLISA_ROOT"] = str(project)
    env["PYTHONPATH"] = str(project / "src")  # the kernels import the frozen copy too
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONWARNINGS"] = "ignore"
    if cache is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(cache)
    return env


def generate_years(project: Path, years: list[int]) -> None:
    """Copy BASE_YEAR's workbooks, narratives and parameters to each of ``years``, with the year changed."""
    import openpyxl

    base_params = (project / "params" / f"{BASE_YEAR}.yaml").read_text(encoding="utf-8")
    for year in years:
        text = re.sub(r"(?m)^year: \d+", f"year: {year}", base_params)
        text = re.sub(r"(?m)^comparison_year: \d+", f"comparison_year: {year - 1}", text)
        text = re.sub(r"(?m)^next_year: \d+", f"next_year: {year + 1}", text)
        text = re.sub(r"(?m)^report_date: \d{4}", f"report_date: {year}", text)
        (project / "params" / f"{year}.yaml").write_text(text, encoding="utf-8")
        src, dst = project / "data" / "raw" / str(BASE_YEAR), project / "data" / "raw" / str(year)
        shutil.copytree(src / "narrative", dst / "narrative")
        for domain in DOMAINS:
            wb = openpyxl.load_workbook(src / f"{domain}.xlsx")
            ws = wb[C.SHEET_INDICATORS]
            ws[C.YEAR_CELL] = year
            for col in C.COLUMNS:
                ws[f"{col.letter}{C.HEADER_ROW}"] = col.header(year)
            title = ws["A1"].value
            if isinstance(title, str):
                ws["A1"] = title.replace(str(BASE_YEAR), str(year))
            wb.save(dst / f"{domain}.xlsx")


def edit_workbook(path: Path, text: str) -> None:
    import openpyxl

    wb = openpyxl.load_workbook(path)
    wb[C.SHEET_INDICATORS][f"{C.COLUMN_BY_KEY['note'].letter}{C.FIRST_ROW}"] = text
    wb.save(path)


# -- timing ----------------------------------------------------------------------------------------


CPU = {"last": 0.0}  # CPU seconds (user + system) of the last command and all its subprocesses


def _children_cpu() -> float:
    try:
        import resource
    except ImportError:  # Windows
        return 0.0
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def run(cmd: list[str], env: dict, cwd: Path, check: bool = True) -> tuple[float, str]:
    t0, c0 = time.perf_counter(), _children_cpu()
    proc = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    CPU["last"] = _children_cpu() - c0  # kernels are waited for by the build, so they count too
    if check and proc.returncode != 0:
        raise SystemExit(
            f"failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
        )
    return seconds, proc.stdout


def build(project: Path, env: dict, *args: str) -> tuple[float, str]:
    return run([sys.executable, "run_all.py", *args], env, project)


def plain_loop(
    project: Path, env: dict, years, formats: tuple[str, ...], out: Path, domains=DOMAINS
) -> float:
    """What a user would write by hand: three command-line tools per report, one report after another.

    The notebooks read only the validated dataset (data/processed/), so the loop starts as a user's would:
    ``run_all.py validate`` once per year (timed with the loop)."""
    t0 = time.perf_counter()
    for year in years:
        run([str(BIN / "python"), "run_all.py", "validate", "--year", str(year)], env, project)
    for year in years:
        for domain in domains:
            folder = out / str(year)
            folder.mkdir(parents=True, exist_ok=True)
            nb = folder / f"{domain}.ipynb"
            run(
                [
                    "papermill",
                    f"notebooks/{domain}.ipynb",
                    str(nb),
                    "-p",
                    "year",
                    str(year),
                    "--cwd",
                    "notebooks",
                    "--no-progress-bar",
                ],
                env,
                project,
            )
            run(
                ["jupyter", "nbconvert", "--to", "html", "--no-input", str(nb), "--output-dir", str(folder)],
                env,
                project,
            )
            if "pdf" in formats:
                run(
                    ["weasyprint", str(folder / f"{domain}.html"), str(folder / f"{domain}.pdf")],
                    env,
                    project,
                )
    return time.perf_counter() - t0


def domains_done_after(log: Path, started: float) -> float:
    """Seconds from ``started`` (time.time()) until the last *domain* report of the latest run was done,
    read from the run log: the time the build took for the reports the plain loop makes."""
    text = log.read_text(encoding="utf-8")
    text = text[text.rfind("==== build ") :]
    stamps = [
        datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S,%f").timestamp()
        for m in re.finditer(
            r"(?m)^(\S+ \S+) INFO\s+dolisa_reports\.pipeline: done \d{4}(?: \w+)? · (\w+) ", text
        )
        if m.group(2) in DOMAINS
    ]
    return max(stamps) - started


def built_count(stdout: str) -> int:
    m = re.search(r"Đã lập (\d+) báo cáo", stdout)
    return int(m.group(1)) if m else -1


def load() -> str:
    try:
        return "/".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "?"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--formats", default="html,pdf", help="formats of (a)–(d) (default html,pdf)")
    ap.add_argument("--scale-formats", default="html", help="formats of the scale run (default html)")
    ap.add_argument("--jobs", type=int, default=None, help="run_all.py --jobs (default: its own default)")
    ap.add_argument("--scale", default="1,2,5,10", help="years in each step of the scale run (× 5 domains)")
    ap.add_argument("--noop-runs", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="scale run with 1,2 years only")
    ap.add_argument("--as-is", action="store_true", help="no private bytecode cache (see above)")
    ap.add_argument("--jobs-sweep", default="", help="also time cold builds with these --jobs, e.g. 1,2,3,4")
    ap.add_argument("--source", type=Path, default=REPO, help="project to copy (default: this repository)")
    ap.add_argument("--json", type=Path, help="also write the figures to this file")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = ap.parse_args()
    formats = tuple(f.strip() for f in args.formats.split(",") if f.strip())
    scale = [1, 2] if args.quick else [int(x) for x in args.scale.split(",")]
    jobs = ["--jobs", str(args.jobs)] if args.jobs else []
    fmt = ["--format", ",".join(formats)]
    tmp = Path(tempfile.mkdtemp(prefix="dolisa-bench-"))
    res: dict = {"cores": os.cpu_count(), "formats": formats, "jobs": args.jobs or "default"}
    try:
        project = make_project(tmp / "project", args.source)
        env = environment(project, None if args.as_is else tmp / "pycache")
        n_reports = len(SAMPLE_YEARS) * len(DOMAINS)
        print(
            f"{os.cpu_count()} cores, Python {sys.version.split()[0]}, formats {','.join(formats)}, "
            f"load {load()}, {'bytecode as is' if args.as_is else 'shared bytecode cache'}",
            flush=True,
        )
        if not args.as_is:  # compile every module once (both routes), untimed
            build(
                project,
                env,
                "--year",
                str(BASE_YEAR),
                "--domain",
                "labour",
                *fmt,
                "--outputs",
                str(tmp / "warm"),
            )
            plain_loop(project, env, [BASE_YEAR], formats, tmp / "warm-plain", domains=("labour",))

        print(f"(a) plain loop, {n_reports} reports …", flush=True)
        c0 = _children_cpu()
        res["plain"] = plain_loop(project, env, SAMPLE_YEARS, formats, tmp / "plain")
        res["plain_cpu"] = _children_cpu() - c0
        print(f"    {res['plain']:.1f} s (CPU {res['plain_cpu']:.1f} s)", flush=True)

        print(f"(b) cold build of the same reports (load {load()}) …", flush=True)
        started = time.time()
        res["cold"], out = build(project, env, *fmt, *jobs)
        built = res["cold_reports"] = built_count(out)
        res["cold_domains"] = res["cold"]
        if built > n_reports:  # summaries too: when were the reports the plain loop makes done?
            res["cold_domains"] = domains_done_after(project / "outputs" / "build.log", started)
        assert built >= n_reports, out
        extra = built - n_reports  # the year-end summaries, which the plain loop cannot make
        more = f" + {extra} year-end summaries the plain loop does not make" if extra else ""
        res["cold_cpu"] = CPU["last"]
        print(
            f"    {res['cold']:.1f} s (CPU {res['cold_cpu']:.1f} s): {n_reports} domain reports{more}",
            flush=True,
        )
        if extra:
            print(
                f"    the {n_reports} domain reports were done after {res['cold_domains']:.1f} s", flush=True
            )

        noop = []
        for _ in range(args.noop_runs):
            seconds, out = build(project, env, *fmt, *jobs)
            assert built_count(out) == 0, out
            noop.append(seconds)
        res["noop"], res["noop_max"] = statistics.median(noop), max(noop)
        print(
            f"(c) no-op rebuild: median {res['noop']:.2f} s, max {res['noop_max']:.2f} s "
            f"({args.noop_runs} runs)",
            flush=True,
        )

        workbook = project / "data" / "raw" / str(BASE_YEAR) / "labour.xlsx"
        os.utime(workbook)
        res["touch"], out = build(project, env, *fmt, *jobs)
        assert built_count(out) == 0, out
        edit_workbook(workbook, "Ghi chú sửa cho phép đo.")
        res["one"], out = build(project, env, *fmt, *jobs)
        one = res["one_reports"] = built_count(out)
        assert 1 <= one <= 1 + extra // len(SAMPLE_YEARS), out  # the domain, and its year's summary
        print(
            f"(d) one workbook edited: {res['one']:.1f} s ({one} reports: the domain"
            f"{' and its year-end summary' if one > 1 else ''}); touched only: {res['touch']:.2f} s "
            "(0 reports)",
            flush=True,
        )

        scale_project = make_project(tmp / "scale", args.source)
        years = [BASE_YEAR + i for i in range(1, max(scale) + 1)]
        generate_years(scale_project, years)
        senv = environment(scale_project, None if args.as_is else tmp / "pycache")
        res["scale"] = []
        print(f"(e) scale run ({args.scale_formats}): generated years {years[0]}–{years[-1]}", flush=True)
        for n in scale:
            sel = ",".join(str(y) for y in years[:n])
            seconds, out = build(
                scale_project,
                senv,
                "--year",
                sel,
                "--format",
                args.scale_formats,
                *jobs,
                "--outputs",
                str(tmp / f"scale-out-{n}"),
            )
            reports = built_count(out)
            assert reports >= n * len(DOMAINS), out
            cpu = CPU["last"]
            res["scale"].append(
                {
                    "years": n,
                    "reports": reports,
                    "seconds": seconds,
                    "per_report": seconds / reports,
                    "cpu_per_report": cpu / reports,
                }
            )
            print(
                f"    {n:2d} years: {reports:3d} reports: {seconds:6.1f} s, "
                f"{seconds / reports:.2f} s/report, CPU {cpu / reports:.2f} s/report (load {load()})",
                flush=True,
            )
        if args.jobs_sweep:
            res["sweep"] = {}
            print(f"(f) cold build of the {built} sample reports by --jobs", flush=True)
            for n in [int(x) for x in args.jobs_sweep.split(",")]:
                seconds, out = build(
                    project, env, *fmt, "--jobs", str(n), "--outputs", str(tmp / f"jobs-{n}")
                )
                assert built_count(out) == built, out
                res["sweep"][n] = seconds
                print(f"    --jobs {n}: {seconds:.1f} s (load {load()})", flush=True)
    finally:
        if args.keep:
            print(f"kept: {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    per = [s["per_report"] for s in res["scale"]]
    cpu_per = [s["cpu_per_report"] for s in res["scale"]]
    res["ratios"] = {
        "plain/cold, same reports": res["plain"] / res["cold_domains"],
        "plain/cold, whole build": res["plain"] / res["cold"],
        "plain/cold per report": (res["plain"] / n_reports) / (res["cold"] / res["cold_reports"]),
        "cold/noop": res["cold"] / res["noop"],
        "cold/one": res["cold"] / res["one"],
        "scale s-per-report largest/smallest run": per[-1] / per[0],
        "scale cpu-per-report largest/smallest run": cpu_per[-1] / cpu_per[0] if cpu_per[0] else 0.0,
    }
    print("\nRatios (targets: plain/cold ≥ 3, no-op < 1 s and cold/no-op ≥ 20, s/report flat):")
    r = res["ratios"]
    print(
        f"  plain loop / cold build      {r['plain/cold, same reports']:6.1f}×   "
        f"({res['plain']:.1f} s / {res['cold_domains']:.1f} s for the same {n_reports} reports)"
    )
    if res["cold_reports"] > n_reports:
        print(
            f"    whole build, summaries too {r['plain/cold, whole build']:5.1f}×   "
            f"({res['plain']:.1f} s / {res['cold']:.1f} s for {res['cold_reports']} reports; "
            f"per report {r['plain/cold per report']:.1f}×)"
        )
    print(
        f"  cold build / no-op rebuild   {res['ratios']['cold/noop']:6.1f}×   "
        f"({res['cold']:.1f} s / {res['noop']:.2f} s)"
    )
    print(
        f"  cold build / one workbook    {res['ratios']['cold/one']:6.1f}×   "
        f"({res['cold']:.1f} s / {res['one']:.1f} s)"
    )
    steps = ", ".join(f"{s['reports']}: {s['per_report']:.2f}" for s in res["scale"])
    growth = res["ratios"]["scale s-per-report largest/smallest run"]
    print(f"  s/report, largest/smallest   {growth:6.2f}    ({steps}; ≤ 1 means no growth)")
    cpu_steps = ", ".join(f"{s['reports']}: {s['cpu_per_report']:.2f}" for s in res["scale"])
    cpu_growth = res["ratios"]["scale cpu-per-report largest/smallest run"]
    print(f"  CPU s/report, largest/smallest {cpu_growth:4.2f}    ({cpu_steps}; insensitive to other load)")
    if args.json:
        args.json.write_text(json.dumps(res, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
