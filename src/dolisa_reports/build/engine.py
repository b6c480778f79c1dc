"""The build order: validate each year, run the domain notebooks on a worker pool, export, index.

One failing report never stops the others; at the end the run names each failure (domain, cell,
error, partial notebook) and exits 1. Outputs are replaced atomically, so a failed rebuild keeps the
last good report.
"""

from __future__ import annotations

import os
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from .. import DOMAINS, __version__
from ..atomic import atomic_write_text
from ..clock import build_time
from ..params import ParamsError, load_params
from ..paths import Layout
from ..problems import errors
from ..validate import validate_year
from .execute import CellFailure, NotebookFailed, run_notebook
from .export import read_notebook, to_html
from .index_page import write_index
from .status import StatusStore
from .tasks import ReportTask

FORMATS = ("html", "pdf")


@dataclass
class BuildOptions:
    years: list[int] | None = None
    domains: list[str] | None = None
    formats: str | tuple[str, ...] = "html,pdf"
    jobs: int | None = None
    force: bool = False
    outputs: str | Path | None = None

    def format_set(self) -> tuple[str, ...]:
        items = self.formats.split(",") if isinstance(self.formats, str) else self.formats
        items = tuple(f.strip().lower() for f in items if f.strip())
        bad = [f for f in items if f not in FORMATS]
        if bad:
            raise ValueError(f"định dạng không hỗ trợ: {', '.join(bad)} (chọn html, pdf)")
        return items or ("html",)


@dataclass
class TaskResult:
    task: ReportTask
    ok: bool
    seconds: float = 0.0
    stage: str = ""
    error: str = ""
    failure: CellFailure | None = None
    partial: Path | None = None
    outputs: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def _rel(layout: Layout, path: Path) -> str:
    return path.relative_to(layout.outputs).as_posix()


def _display(layout: Layout, path: Path) -> str:
    try:
        return path.relative_to(layout.root).as_posix()
    except ValueError:
        return str(path)


class Builder:
    def __init__(self, layout: Layout, formats: tuple[str, ...], when: str):
        self.layout, self.formats, self.when = layout, formats, when

    def footer(self, task: ReportTask) -> str:
        return f"Lập tự động bằng dolisa-reports {__version__} lúc {self.when_text()} từ tệp data/raw/{task.year}/{task.domain}.xlsx."

    def when_text(self) -> str:
        from datetime import datetime

        from ..vnformat import datetime_text

        return datetime_text(datetime.fromisoformat(self.when))

    def build(self, task: ReportTask) -> TaskResult:
        start = time.perf_counter()
        layout = self.layout
        out_dir = layout.out_year(task.year)
        work = out_dir / ".work" / f"{task.domain}.ipynb"
        try:
            nb = run_notebook(task.notebook_in(layout), work, task.parameters(), cwd=layout.notebooks)
        except NotebookFailed as exc:
            partial = None
            if exc.partial is not None and exc.partial.exists():
                partial = out_dir / "failed" / f"{task.domain}.ipynb"
                partial.parent.mkdir(parents=True, exist_ok=True)
                os.replace(exc.partial, partial)
            return TaskResult(
                task, False, time.perf_counter() - start, "notebook", exc.failure.describe(), exc.failure, partial
            )
        params = load_params(task.year, layout)
        title = f"Báo cáo chuyên đề {params.domain_title(task.domain)} năm {task.year}"
        result = TaskResult(task, True, stage="export")
        try:
            html = to_html(nb, title=title, footer=self.footer(task))
        except Exception as exc:  # an export bug must not take the other reports down
            return TaskResult(task, False, time.perf_counter() - start, "html", f"{type(exc).__name__}: {exc}")
        html_path = out_dir / f"{task.domain}.html"
        atomic_write_text(html_path, html)
        nb_path = out_dir / "notebooks" / f"{task.domain}.ipynb"
        nb_path.parent.mkdir(parents=True, exist_ok=True)
        os.replace(work, nb_path)
        stale = out_dir / "failed" / f"{task.domain}.ipynb"
        stale.unlink(missing_ok=True)
        result.outputs = {"html": _rel(layout, html_path), "ipynb": _rel(layout, nb_path)}
        if "pdf" in self.formats:
            pdf_path = out_dir / f"{task.domain}.pdf"
            try:
                from .pdf import html_to_pdf

                html_to_pdf(html, pdf_path, base_url=out_dir)
                result.outputs["pdf"] = _rel(layout, pdf_path)
            except Exception as exc:
                result.warnings.append(f"PDF: {type(exc).__name__}: {exc}")
                if pdf_path.exists():
                    result.outputs["pdf"] = _rel(layout, pdf_path)  # the last good PDF stays linked
        result.seconds = time.perf_counter() - start
        return result


def _say(text: str) -> None:
    print(text, flush=True)


def run_build(options: BuildOptions) -> int:
    layout = Layout.default(options.outputs)
    try:
        formats = options.format_set()
    except ValueError as exc:
        _say(f"[LỖI] {exc}")
        return 2
    os.environ["DOLISA_ROOT"] = str(layout.root)
    os.environ["DOLISA_OUTPUTS"] = str(layout.outputs)
    years = options.years or layout.years_with_data()
    if not years:
        _say("[LỖI] Không có số liệu: data/raw/<năm>/ chưa có tệp .xlsx nào.")
        return 1
    domains = options.domains or list(DOMAINS)
    when = build_time().isoformat()
    layout.outputs.mkdir(parents=True, exist_ok=True)
    store = StatusStore(layout.outputs / "status.json")
    results: list[TaskResult] = []
    tasks: list[ReportTask] = []

    for year in years:
        try:
            load_params(year, layout)
        except ParamsError as exc:
            _say(f"[LỖI] {exc}")
            for d in domains:
                results.append(TaskResult(ReportTask(year, d), False, stage="params", error=str(exc).splitlines()[0]))
            continue
        vy = validate_year(year, layout, domains=domains)
        n_err = len(errors(vy.problems))
        _say(f"Kiểm tra số liệu năm {year}: {n_err} lỗi, {len(vy.problems) - n_err} cảnh báo")
        for d in domains:
            dr = vy.domains[d]
            if dr.ok:
                tasks.append(ReportTask(year, d))
                continue
            errs = errors(dr.problems)
            for p in errs:
                _say("  " + p.line())
            results.append(
                TaskResult(
                    ReportTask(year, d),
                    False,
                    stage="validate",
                    error=f"số liệu có {len(errs)} lỗi: {errs[0]}" + (" …" if len(errs) > 1 else ""),
                )
            )

    jobs = max(1, options.jobs or os.cpu_count() or 1)
    builder = Builder(layout, formats, when)
    _say(f"Lập {len(tasks)} báo cáo ({jobs} luồng song song)…")
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        for res in pool.map(builder.build, tasks):
            mark = "✓" if res.ok else "✗"
            _say(f"  {mark} {res.task.label}  {res.seconds:.1f} s" + ("" if res.ok else f"  — {res.error}"))
            for w in res.warnings:
                _say(f"    [CẢNH BÁO] {w}")
            results.append(res)
    for year in {t.year for t in tasks}:
        shutil.rmtree(layout.out_year(year) / ".work", ignore_errors=True)

    for res in results:
        t = res.task
        try:
            title = load_params(t.year, layout).domain_title(t.domain)
        except ParamsError:
            title = t.domain
        meta = {"year": t.year, "kind": t.domain, "area": t.area, "title": title}
        if res.ok:
            store.record_ok(t.key, when, outputs=res.outputs, **meta)
        else:
            store.record_failed(t.key, when, res.error, **meta)
    store.save()
    index = write_index(layout, store, when)

    failed = [r for r in results if not r.ok]
    done = len(results) - len(failed)
    _say(f"\nĐã lập {done} báo cáo, {len(failed)} lỗi. Mở {_display(layout, index)}")
    if failed:
        _say("\nCác báo cáo bị lỗi (báo cáo cũ, nếu có, được giữ nguyên):")
        for r in failed:
            _say(f"  ✗ {r.task.label} [{r.stage}]: {r.error}")
            if r.partial:
                _say(f"    Notebook chạy dở: {_display(layout, r.partial)}")
        return 1
    return 0
