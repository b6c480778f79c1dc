#!/usr/bin/env python3
"""Benchmark: the plain papermill + nbconvert + weasyprint loop against this project's build.

Everything runs in a temporary copy of the project (inputs, run_all.py and a frozen copy of the
package), never in the repository's data/ or outputs/. In one run it times:

  (a) the plain loop a user would write: ``run_all.py validate`` per year (the notebooks read only the
      validated data), then for each report the ``papermill`` CLI, ``jupyter nbconvert --to html
      --no-input`` and (with PDF) the ``weasyprint`` CLI, one after another;
  (b) this project's cold build of the same reports: ``python run_all.py`` (fresh outputs/); it also makes
      each year's work programme and summary (the plain loop cannot), so the time the *domain* reports
      were done is read from the run log and compared;
  (c) the floor: the same notebooks' cells (on one kernel started and warmed beforehand, untimed), their
      HTML export and PDF, one after another in this process — no kernel start, no imports;
  (d) a no-op rebuild (nothing changed; median of several runs, Python start-up included);
  (e) a rebuild after changing one domain's workbook (a cell edited with openpyxl: that report and its
      year's summary are rebuilt), and after a mere ``touch`` (same bytes: nothing to do);
  (f) a scale run on the 2026 parameters (40 communes, no district level): illustrative workbooks for the
      five domains with figures for the first 2, 10 and 40 communes, built cold with ``--per-area``
      (10, 50, 200 area reports plus the province's), giving time and CPU per report;
  (g) optionally (``--jobs-sweep 1,2,3,4``), the cold build with each number of workers.

The machine is measured as it is: the same environment variables (e.g. PYTHONDONTWRITEBYTECODE) and the
bytecode the virtual environment holds; the header says what that is. ``--bytecode-cache`` instead gives
every process a shared private cache (a user's ``pip install`` writes .pyc files next to the sources).

Usage: python benchmarks/benchmark.py [--formats html,pdf] [--jobs N] [--quick] [--json FILE]
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


def make_2026(project: Path, communes: int) -> int:
    """Illustrative 2026 workbooks (params/2026.yaml: communes and wards, no district level) for the five
    domains: 2021's figures, with the area sheet filled for the first ``communes`` areas (the others left
    empty, so ``--per-area`` skips them). Returns the number of areas with figures."""
    import openpyxl

    sys.path.insert(0, str(REPO / "tools"))
    from make_sample_data import AREA_CODES, fill, split

    from dolisa_reports.atomic import atomic_write_bytes
    from dolisa_reports.inputs.catalogue import load_catalogue
    from dolisa_reports.inputs.params import load_params
    from dolisa_reports.inputs.template import build_workbook, workbook_bytes
    from dolisa_reports.paths import Layout

    layout = Layout(root=project, outputs=project / "outputs")
    catalogue, params = load_catalogue(layout), load_params(2026, layout)
    n_areas = len(params.areas.items)
    communes = min(communes, n_areas)
    keys = ("plan", "actual", "target_next", "nature", "note")
    for domain in DOMAINS:
        src = openpyxl.load_workbook(layout.workbook(BASE_YEAR, domain), data_only=True)[C.SHEET_INDICATORS]
        rows = {}
        for r in range(C.FIRST_ROW, src.max_row + 1):
            code = src[f"A{r}"].value
            if code:
                rows[code] = {k: src[f"{C.COLUMN_BY_KEY[k].letter}{r}"].value for k in keys}
                rows[code]["nature"] = C.NATURE_VALUES["illustrative"]
        wb = build_workbook(2026, domain, catalogue.for_domain(domain, 2026), params, areas=True)
        fill(wb[C.SHEET_INDICATORS], rows, 2026)
        ws = wb[C.SHEET_AREAS]
        for r in range(ws.max_row, C.AREA_FIRST_ROW - 1, -1):
            code = ws.cell(r, 1).value
            actual = rows.get(code, {}).get("actual")
            if code not in AREA_CODES[domain] or not isinstance(actual, (int, float)):
                ws.delete_rows(r)
                continue
            parts = split(actual, [1 / communes] * communes, catalogue[code].value_decimals)
            for i, value in enumerate(parts):
                ws.cell(r, len(C.AREA_FIXED) + 1 + i, value)
            ws.cell(r, len(C.AREA_FIXED) + n_areas + 1, C.NATURE_VALUES["illustrative"])
        atomic_write_bytes(layout.workbook(2026, domain), workbook_bytes(wb))
    return communes


def bytecode_state() -> str:
    """What this machine does about bytecode, in one line (for the header and the README)."""
    import pandas

    site = Path(pandas.__file__).parent
    cached = any(site.glob("__pycache__/*.pyc"))
    src_cached = any((REPO / "src" / "dolisa_reports").glob("__pycache__/*.pyc"))
    writes = "off" if os.environ.get("PYTHONDONTWRITEBYTECODE") else "on"
    return (
        f"bytecode: writing {writes} (PYTHONDONTWRITEBYTECODE={os.environ.get('PYTHONDONTWRITEBYTECODE', '')!r}), "
        f"site-packages {'compiled' if cached else 'not compiled'}, project sources "
        f"{'compiled' if src_cached else 'not compiled'}"
    )


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


def _process_cpu(pid: int | None = None) -> float:
    """CPU seconds (user + system) of this process, or of another one (Linux /proc; 0 elsewhere)."""
    if pid is None:
        t = os.times()
        return t.user + t.system
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def floor(project: Path, env: dict, years, formats: tuple[str, ...], out: Path) -> dict:
    """(c): the reports' own work with nothing around it — cells on a warm kernel, export, PDF."""
    import papermill as pm
    from nbclient import NotebookClient
    from papermill.parameterize import parameterize_notebook

    saved = dict(os.environ)
    os.environ.update({k: env[k] for k in ("DOLISA_ROOT", "PYTHONPATH", "PATH")})
    os.environ.pop("DOLISA_OUTPUTS", None)
    from dolisa_reports.pipeline.export import to_html
    from dolisa_reports.pipeline.kernels import KernelPool
    from dolisa_reports.pipeline.pdf import html_to_pdf

    pool = KernelPool(1, project / "notebooks", env=env)
    kernel = pool.acquire()
    out.mkdir(parents=True, exist_ok=True)

    def one(year: int, domain: str) -> tuple[float, float]:
        nonlocal kernel
        nb = parameterize_notebook(pm.iorw.load_notebook_node(str(project / "notebooks" / f"{domain}.ipynb")),
                                   {"year": year})  # fmt: skip
        t0, c0, k0 = time.perf_counter(), _process_cpu(), _process_cpu(kernel.pid)
        client = NotebookClient(nb, km=kernel.km, timeout=600, kernel_name="python3")
        try:
            client.execute()
        finally:
            if client.kc is not None:
                client.kc.stop_channels()
        html = to_html(nb, title=f"{domain} {year}")
        if "pdf" in formats:
            html_to_pdf(html, out / f"{year}-{domain}.pdf", base_url=out)
        seconds = time.perf_counter() - t0
        cpu = _process_cpu() - c0 + _process_cpu(kernel.pid) - k0
        pool.release(kernel, True)  # reset between reports, untimed
        kernel = pool.acquire()
        return seconds, cpu

    try:
        one(years[-1], DOMAINS[0])  # untimed: the lazy imports of a first report
        timings = [one(y, d) for y in years for d in DOMAINS]
    finally:
        pool.release(kernel, False)
        pool.shutdown()
        os.environ.clear()
        os.environ.update(saved)
    return {"seconds": sum(t for t, _ in timings), "cpu": sum(c for _, c in timings), "reports": len(timings)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--formats", default="html,pdf", help="formats of (a)–(e) (default html,pdf)")
    ap.add_argument("--scale-formats", default="html,pdf", help="formats of the scale run (default html,pdf)")
    ap.add_argument("--jobs", type=int, default=None, help="run_all.py --jobs (default: its own default)")
    ap.add_argument("--scale", default="2,10,40", help="communes with figures in each step (× 5 domains)")
    ap.add_argument("--noop-runs", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="scale run with 2 and 10 communes only")
    ap.add_argument("--bytecode-cache", action="store_true", help="a shared private bytecode cache")
    ap.add_argument("--jobs-sweep", default="", help="also time cold builds with these --jobs, e.g. 1,2,3,4")
    ap.add_argument("--source", type=Path, default=REPO, help="project to copy (default: this repository)")
    ap.add_argument("--json", type=Path, help="also write the figures to this file")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = ap.parse_args()
    formats = tuple(f.strip() for f in args.formats.split(",") if f.strip())
    scale = [2, 10] if args.quick else [int(x) for x in args.scale.split(",")]
    jobs = ["--jobs", str(args.jobs)] if args.jobs else []
    fmt = ["--format", ",".join(formats)]
    tmp = Path(tempfile.mkdtemp(prefix="dolisa-bench-"))
    res: dict = {"cores": os.cpu_count(), "formats": formats, "jobs": args.jobs or "default"}
    res["bytecode"] = bytecode_state() if not args.bytecode_cache else "shared private bytecode cache"
    try:
        project = make_project(tmp / "project", args.source)
        cache = tmp / "pycache" if args.bytecode_cache else None
        env = environment(project, cache)
        n_reports = len(SAMPLE_YEARS) * len(DOMAINS)
        res["load_start"] = load()
        print(
            f"{os.cpu_count()} cores, Python {sys.version.split()[0]}, formats {','.join(formats)}, "
            f"load {load()}\n{res['bytecode']}",
            flush=True,
        )
        if cache is not None:  # compile every module once (both routes), untimed
            build(project, env, "--year", str(BASE_YEAR), "--domain", "labour", *fmt, "--outputs",
                  str(tmp / "warm"))  # fmt: skip
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
        extra = built - n_reports  # work programme and summaries, which the plain loop does not make
        res["cold_cpu"] = CPU["last"]
        res["cpu_per_report"] = res["cold_cpu"] / built
        print(
            f"    {res['cold']:.1f} s (CPU {res['cold_cpu']:.1f} s, {res['cpu_per_report']:.2f} s per report): "
            f"{n_reports} domain reports + {extra} the plain loop does not make",
            flush=True,
        )
        print(f"    the {n_reports} domain reports were done after {res['cold_domains']:.1f} s", flush=True)

        fresh_out = str(tmp / "fresh-kernels")
        res["fresh"], out = build(project, env, *fmt, *jobs, "--fresh-kernels", "--outputs", fresh_out)
        res["fresh_cpu"] = CPU["last"]
        assert built_count(out) == built, out
        print(f"    the same cold build with --fresh-kernels (a new kernel per report): {res['fresh']:.1f} s "
              f"(CPU {res['fresh_cpu']:.1f} s)", flush=True)  # fmt: skip

        print("(c) floor: the same cells, export and PDF, warm kernel, no start, no imports …", flush=True)
        fl = floor(project, env, list(SAMPLE_YEARS), formats, tmp / "floor")
        res["floor"], res["floor_cpu"] = fl["seconds"], fl["cpu"]
        print(
            f"    {fl['seconds']:.1f} s for {fl['reports']} reports one after another "
            f"(CPU {fl['cpu']:.1f} s, {fl['cpu'] / fl['reports']:.2f} s per report)",
            flush=True,
        )

        noop = []
        for _ in range(args.noop_runs):
            seconds, out = build(project, env, *fmt, *jobs)
            assert built_count(out) == 0, out
            noop.append(seconds)
        res["noop"], res["noop_max"] = statistics.median(noop), max(noop)
        print(f"(d) no-op rebuild: median {res['noop']:.2f} s, max {res['noop_max']:.2f} s ({args.noop_runs} runs)",
              flush=True)  # fmt: skip

        workbook = project / "data" / "raw" / str(BASE_YEAR) / "labour.xlsx"
        os.utime(workbook)
        res["touch"], out = build(project, env, *fmt, *jobs)
        assert built_count(out) == 0, out
        edit_workbook(workbook, "Ghi chú sửa cho phép đo.")
        res["one"], out = build(project, env, *fmt, *jobs)
        one = res["one_reports"] = built_count(out)
        assert 1 <= one <= 2, out  # the domain, and its year's summary
        print(f"(e) one workbook edited: {res['one']:.1f} s ({one} reports: the domain and the year's summary); "
              f"touched only: {res['touch']:.2f} s (0 reports)", flush=True)  # fmt: skip

        res["scale"] = []
        sfmt = args.scale_formats
        print(f"(f) scale run, 2026 parameters, --per-area, {sfmt} (load {load()})", flush=True)
        for n in scale:
            sp = make_project(tmp / f"scale-{n}", args.source)
            communes = make_2026(sp, n)
            senv = environment(sp, cache)
            seconds, out = build(sp, senv, "--year", "2026", "--per-area", "--format", sfmt, *jobs)
            reports = built_count(out)
            assert reports >= communes * len(DOMAINS), out
            cpu = CPU["last"]
            step = {"communes": communes, "reports": reports, "seconds": seconds}
            step.update(per_report=seconds / reports, cpu_per_report=cpu / reports)
            res["scale"].append(step)
            print(f"    {communes:2d} communes: {reports:3d} reports in {seconds:6.1f} s: {seconds / reports:.2f} s "
                  f"and CPU {cpu / reports:.2f} s per report (load {load()})", flush=True)  # fmt: skip
            shutil.rmtree(sp, ignore_errors=True)
        if args.jobs_sweep:
            res["sweep"] = {}
            print(f"(g) cold build of the {built} sample reports by --jobs", flush=True)
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

    res["load_end"] = load()
    per = [s["per_report"] for s in res["scale"]]
    cpu_per = [s["cpu_per_report"] for s in res["scale"]]
    r = res["ratios"] = {
        "plain/cold": res["plain"] / res["cold_domains"],
        "plain/cold whole build": res["plain"] / res["cold"],
        "cold/floor": res["cold_domains"] / res["floor"],
        "scale s/report largest/smallest": per[-1] / per[0],
        "scale cpu/report largest/smallest": cpu_per[-1] / cpu_per[0] if cpu_per[0] else 0.0,
    }
    steps = [(a["reports"], b["reports"]) for a, b in zip(res["scale"], res["scale"][1:], strict=False)]
    marginal = [
        (b["seconds"] - a["seconds"]) / (b["reports"] - a["reports"])
        for a, b in zip(res["scale"], res["scale"][1:], strict=False)
    ]  # the cost of one more report, start-up excluded
    res["marginal"] = marginal
    print(f"\nTargets (load {res['load_start']} at the start, {res['load_end']} at the end):")
    rows = [
        ("plain loop / cold build", f"{r['plain/cold']:.1f}×", "≥ 4×",
         f"{res['plain']:.1f} s / {res['cold_domains']:.1f} s, the same {n_reports} reports; whole build "
         f"{res['cold']:.1f} s ({r['plain/cold whole build']:.1f}×)"),
        ("CPU per report (cold build)", f"{res['cpu_per_report']:.2f} s", "≤ 1.2 s",
         f"{res['cold_cpu']:.1f} s / {res['cold_reports']} reports, {'+'.join(formats)}"),
        ("warm kernels / fresh kernels", f"{res['cold'] / res['fresh']:.2f}×", "",
         f"{res['cold']:.1f} s / {res['fresh']:.1f} s; CPU {res['cold_cpu']:.1f} s / {res['fresh_cpu']:.1f} s"),
        ("cold build / floor", f"{r['cold/floor']:.2f}×", "≤ 1.5×",
         f"{res['cold_domains']:.1f} s / {res['floor']:.1f} s"),
        ("no-op rebuild", f"{res['noop']:.2f} s", "< 0.3 s", f"median of {args.noop_runs}"),
        ("one workbook edited", f"{res['one']:.1f} s", "", f"{res['one_reports']} reports"),
        ("s/report, largest/smallest", f"{r['scale s/report largest/smallest']:.2f}", "≤ 1.15",
         ", ".join(f"{s['reports']}: {s['per_report']:.2f} s" for s in res["scale"])),
        ("marginal s/report, last/first", f"{marginal[-1] / marginal[0]:.2f}" if len(marginal) > 1 else "-", "",
         ", ".join(f"{a}→{b}: {m:.2f} s" for (a, b), m in zip(steps, marginal, strict=True))),
        ("CPU/report, largest/smallest", f"{r['scale cpu/report largest/smallest']:.2f}", "≤ 1.15",
         ", ".join(f"{s['reports']}: {s['cpu_per_report']:.2f} s" for s in res["scale"])),
    ]  # fmt: skip
    for name, value, target, detail in rows:
        print(f"  {name:30s} {value:>8s}  {target:>8s}   {detail}")
    if args.json:
        args.json.write_text(json.dumps(res, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
