"""The build: plan the reports as a task graph, keep the up-to-date ones, validate and rebuild the rest.

1. **Plan** (``tasks.py``): one task per validation and per report, with the files it reads and writes
   and the artefacts (``dataset:…``, ``results:…``, ``html:…``) other tasks read.
2. **Graph** (``graph.py``): edges from matching artefact ids; this module only supplies the hooks.
3. **Decide** (``on_ready``, ``manifest.py``): hash a task's inputs once everything upstream has
   finished and compare with ``outputs/manifest.json``; unchanged reports whose files are all there are
   skipped (``--force`` rebuilds everything). Nothing heavy is imported until something has to be
   built, so an up-to-date run takes a fraction of a second.
4. **Run** (``executor.py``): on a worker pool (``--jobs``, default: the number of cores), the
   validation of each year that needs it, and each valid report on a warm kernel (``kernels.py``) —
   notebook (papermill, ``execute.py``), HTML (nbconvert, ``export.py``), DOCX, and the PDF made by the
   kernel that ran the notebook (``pdf.py``). With Dask the report's task carries its inputs and brings
   its files back as bytes (``remote.py``).
5. **Record** (``on_done`` / ``on_error``): manifest (after every report), ``status.json``,
   ``index.html``; progress on the terminal (``progress.py``), everything else in ``outputs/build.log``.

One failing report never stops the others; at the end the run names each failure (domain, cell,
error, partial notebook) and exits 1. A failed report is not recorded as built, so the next run tries
it again. Outputs are replaced atomically, so a failed rebuild keeps the last good report.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .. import DOMAINS
from ..paths import Layout
from ..periods import YEAR
from ..problems import errors, for_people
from .executor import default_jobs, make_executor
from .manifest import Hasher, Manifest
from .progress import Reporter, make_reporter
from .provenance import BuildInfo, build_inputs, collect
from .runlog import RunLog, log
from .status import StatusStore
from .tasks import ReportTask, dataset_id, plan, validation_plan

FORMATS = ("html", "pdf", "docx")


@dataclass
class BuildOptions:
    years: list[int] | None = None
    domains: list[str] | None = None
    formats: str | tuple[str, ...] = "html,pdf,docx"
    jobs: int | None = None
    force: bool = False
    outputs: str | Path | None = None
    pdf_engine: str | None = None  # weasyprint (default) or chromium; see build/pdf.py
    executor: str = "thread"  # local pool: thread (default) or process; or dask; see executor.py
    scheduler: str | None = None  # with executor="dask": the scheduler's address (None: a LocalCluster)
    per_area: bool = False  # also one report per area and domain (outputs/<year>/areas/<slug>/)
    period: str = YEAR  # nam (year end), 6t, 9t: see periods.py
    fresh_kernels: bool = False  # a new kernel per report instead of warm, reused ones (kernels.py)

    def format_set(self) -> tuple[str, ...]:
        items = self.formats.split(",") if isinstance(self.formats, str) else self.formats
        items = tuple(f.strip().lower() for f in items if f.strip())
        bad = [f for f in items if f not in FORMATS]
        if bad:
            raise ValueError(f"định dạng không hỗ trợ: {', '.join(bad)} (chọn html, pdf, docx)")
        return items or ("html",)


@dataclass
class TaskResult:
    task: ReportTask
    ok: bool
    seconds: float = 0.0
    stage: str = ""
    error: str = ""
    failure: object | None = None  # execute.CellFailure
    partial: Path | None = None
    outputs: dict[str, str] = field(default_factory=dict)  # format -> path under outputs/ (for the index)
    warnings: list[str] = field(default_factory=list)
    fresh: dict[str, Path] = field(default_factory=dict)  # files written by this build (for the manifest)


def _rel(layout: Layout, path: Path) -> str:
    return path.relative_to(layout.outputs).as_posix()


def _frozen_format(task: ReportTask, rel: str) -> str | None:
    """The index's format of a frozen file (html, pdf, docx, xlsx); None for results and notebooks."""
    suffix = rel.rsplit(".", 1)[-1]
    if rel.startswith(("results/", "notebooks/")):
        return "ipynb" if suffix == "ipynb" else None
    return suffix if suffix in ("html", "pdf", "docx", "xlsx") else None


def _older(path: Path, than: Path) -> bool:
    """True when ``path`` is missing or older than ``than`` (e.g. an index behind status.json)."""
    try:
        return path.stat().st_mtime_ns < than.stat().st_mtime_ns
    except FileNotFoundError:
        return not path.exists()


# -- the work (runs on the executor's workers) ---------------------------------------------------


def _worker_threads() -> int:
    """Tasks this process runs at once: a Dask worker's threads, else one (a process-pool worker)."""
    try:
        from distributed import get_worker

        return max(1, get_worker().state.nthreads)
    except (ImportError, ValueError, AttributeError):
        return 1


@dataclass
class YearCheck:
    """A year's validation, reduced to what the engine needs (small and picklable)."""

    year: int
    params_error: str = ""
    n_errors: int = 0
    n_warnings: int = 0
    lines: list[str] = field(default_factory=list)  # problem lines to show


def check_year(layout: Layout, year: int, domains: list[str]) -> YearCheck:
    """Validate one year's workbooks (and write data/processed/<year>/), as ``run_all.py validate`` does."""
    from ..inputs.params import ParamsError, load_params
    from ..inputs.validate import validate_year
    from ..problems import errors

    try:
        load_params(year, layout)
    except ParamsError as exc:
        return YearCheck(year, params_error=str(exc))
    vy = validate_year(year, layout, domains=domains)
    n_err = len(errors(vy.problems))
    check = YearCheck(year, n_errors=n_err, n_warnings=len(vy.problems) - n_err)
    for d in domains:
        dr = vy.domains.get(d)
        if dr is None or dr.ok:
            continue
        check.lines += [p.line() for p in errors(dr.problems)]
    if vy.programme is not None:
        check.lines += [p.line() for p in errors(vy.programme.problems)]
    return check


class Builder:
    def __init__(
        self,
        layout: Layout,
        formats: tuple[str, ...],
        when: str,
        pdf_engine: str | None = None,
        info: BuildInfo | None = None,
        inputs: dict[str, dict[str, str]] | None = None,
        jobs: int = 1,
        reuse_kernels: bool = True,
    ):
        self.layout, self.formats, self.when = layout, formats, when
        self.pdf_engine, self.jobs, self.reuse_kernels = pdf_engine, jobs, reuse_kernels
        self._pid = os.getpid()  # the build's process; elsewhere (a worker process) a pool of its own
        self.info = info  # the build's provenance (provenance.py); inputs: task key -> dependency hashes
        self.inputs = inputs if inputs is not None else {}

    def provenance(self, task: ReportTask):
        from .yearend import report_provenance

        info = self.info or collect(self.layout.root, [])
        return report_provenance(self.layout, task, info, self.inputs.get(task.key, {}))

    def footer(self, task: ReportTask) -> str:
        from .provenance import footer_text

        return footer_text(self.provenance(task))

    def stamp(self, task: ReportTask) -> str:
        from .provenance import stamp_text

        return stamp_text(self.provenance(task))

    def docx(self, task: ReportTask, html: str, params) -> Path:
        """The Word document, from the HTML just written (presentation/word.py)."""
        from ..atomic import atomic_write_bytes
        from ..presentation.word import DocxMeta, html_to_docx
        from .provenance import footer_text, stamp_text
        from .yearend import provenance_record

        prov = self.provenance(task)
        meta = DocxMeta(
            title=task.heading(params),
            author=params.organisation.name,
            stamp=stamp_text(prov),
            comments=stamp_text(prov),
            properties={
                "dolisa.build_id": prov.build_id,
                "dolisa.provenance": footer_text(prov),
                "dolisa.record": json.dumps(provenance_record(self.layout, task, prov), ensure_ascii=False),
            },
            when=prov.info.when,
            keywords=f"{task.domain}, {task.year}",
        )
        path = task.outputs(self.layout, self.formats)["docx"]
        atomic_write_bytes(path, html_to_docx(html, meta))
        return path

    def build(self, task: ReportTask, notify: Callable[[str], None] | None = None) -> TaskResult:
        def stage(name: str) -> None:
            if notify is not None:
                notify(name)

        start = time.perf_counter()
        stage("notebook")
        pool = self.kernel_pool()
        with pool.lease(task.label) if pool is not None else contextlib.nullcontext() as lease:
            return self._build(task, start, stage, lease)

    def _build(self, task: ReportTask, start: float, stage, lease) -> TaskResult:
        """The notebook on the leased kernel (None: a new one), then HTML, DOCX and PDF."""
        from ..atomic import atomic_write_text
        from ..inputs.params import load_params
        from .execute import NotebookFailed, run_notebook
        from .export import to_html

        layout = self.layout
        out_dir = task.out_dir(layout)
        files = task.outputs(layout, self.formats)
        work = layout.out_year(task.year) / ".work" / (task.key.replace("/", "_") + ".ipynb")
        try:
            nb = run_notebook(
                task.notebook_in(layout),
                work,
                task.parameters(),
                cwd=layout.notebooks,
                label=task.label,
                lease=lease,
            )
        except NotebookFailed as exc:
            partial = None
            if exc.partial is not None and exc.partial.exists():
                partial = out_dir / "failed" / f"{task.domain}.ipynb"
                partial.parent.mkdir(parents=True, exist_ok=True)
                os.replace(exc.partial, partial)
            return TaskResult(
                task,
                False,
                time.perf_counter() - start,
                "notebook",
                exc.failure.describe(),
                exc.failure,
                partial,
            )
        stage("html")
        params = load_params(task.year, layout)
        title = task.heading(params)
        result = TaskResult(task, True, stage="export")
        try:
            html = to_html(
                nb, title=title, footer=self.footer(task), stamp=self.stamp(task), index_href=task.index_href
            )
        except Exception as exc:  # an export bug must not take the other reports down
            log.warning("[%s] HTML export failed", task.label, exc_info=True)
            return TaskResult(
                task, False, time.perf_counter() - start, "html", for_people(exc, layout.display(out_dir))
            )
        html_path = files["html"]
        atomic_write_text(html_path, html)
        nb_path = files["ipynb"]
        nb_path.parent.mkdir(parents=True, exist_ok=True)
        os.replace(work, nb_path)
        stale = out_dir / "failed" / f"{task.domain}.ipynb"
        stale.unlink(missing_ok=True)
        result.outputs = {"html": _rel(layout, html_path), "ipynb": _rel(layout, nb_path)}
        result.fresh = {"html": html_path, "ipynb": nb_path}
        from .yearend import side_outputs  # results/<domain>.json, or the summary's Excel appendix

        extra, result.warnings = side_outputs(layout, task, nb, self.provenance(task))
        pending = None
        if "pdf" in self.formats and lease is not None:  # the kernel starts on it now
            pending = _pdf_waiters().submit(self.pdf, task, html, lease)
        if "docx" in self.formats:
            stage("docx")
            try:
                extra["docx"] = self.docx(task, html, params)
            except Exception as exc:  # like the PDF: a warning, and the report stays stale
                log.warning("[%s] DOCX failed", task.label, exc_info=True)
                result.warnings.append(f"DOCX: {for_people(exc, layout.display(out_dir))}")
                if files["docx"].exists():
                    result.outputs["docx"] = _rel(layout, files["docx"])  # the last good DOCX stays linked
        result.fresh.update(extra)
        result.outputs.update({fmt: _rel(layout, p) for fmt, p in extra.items() if fmt != "results"})
        if "pdf" in self.formats:  # by the kernel that ran the notebook (see pdf())
            stage("pdf")
            made, warning = pending.result() if pending is not None else self.pdf(task, html)
            if made:
                result.outputs["pdf"] = made
                result.fresh["pdf"] = files["pdf"]
            else:
                result.warnings.append(warning)
                if files["pdf"].exists():
                    result.outputs["pdf"] = _rel(layout, files["pdf"])  # the last good PDF stays linked
        result.seconds = time.perf_counter() - start
        return result

    def kernel_pool(self):
        """This process's warm kernels for the project's notebooks (kernels.py); None: a new one each time."""
        from .kernels import pool_for

        if not self.reuse_kernels:
            return None
        size = self.jobs if os.getpid() == self._pid else _worker_threads()
        return pool_for(self.layout.notebooks, self.kernel_env(), size)

    def kernel_env(self) -> dict[str, str]:
        """The kernels' environment: this process's, with the project's root and outputs."""
        env = dict(os.environ)
        env.update({"DOLISA_ROOT": str(self.layout.root), "DOLISA_OUTPUTS": str(self.layout.outputs)})
        return env

    def pdf(self, task: ReportTask, html: str, lease=None) -> tuple[str, str]:
        """The PDF of the report whose HTML was just written, by the kernel that ran its notebook when it
        has one (another process: PDFs of several reports at once, while this thread makes the DOCX).
        Returns ``(path under outputs/ or '', warning or '')``; a failure is a warning, not an error."""
        layout = self.layout
        files = task.outputs(layout, self.formats)
        pdf_path, out_dir = files["pdf"], files["pdf"].parent
        epoch = self.info.time.epoch if self.info is not None else None
        from .pdf import PdfError

        try:
            if lease is not None:
                args = (str(files["html"]), str(pdf_path), str(out_dir), self.pdf_engine, epoch)
                call = f"_dolisa_pdf = __import__('dolisa_reports.pipeline.pdf', fromlist=['x']).render_file{args!r}"
                problem, detail = lease.run(call, "_dolisa_pdf")
                if detail:
                    log.warning("[%s] PDF failed in the kernel:\n%s", task.label, detail)
            else:
                from .pdf import html_to_pdf

                html_to_pdf(html, pdf_path, base_url=out_dir, engine=self.pdf_engine, epoch=epoch)
                problem = ""
            if problem:
                raise PdfError(problem)  # the kernel's message for people
            return _rel(layout, pdf_path), ""
        except Exception as exc:
            if not isinstance(exc, PdfError):  # html_to_pdf and the kernel logged their own
                log.warning("[%s] PDF failed", task.label, exc_info=True)
            warning = f"PDF: {for_people(exc, layout.display(out_dir))}"
            return "", warning


def _pdf_waiters():
    """Threads that wait for a kernel's PDF while the report's own thread makes the DOCX (kept for the
    process's life: each holds one event loop for its kernel clients)."""
    global _WAITERS
    with _WAITERS_LOCK:
        if _WAITERS is None:
            from concurrent.futures import ThreadPoolExecutor

            _WAITERS = ThreadPoolExecutor(max_workers=16, thread_name_prefix="dolisa-pdf")
        return _WAITERS


_WAITERS = None
_WAITERS_LOCK = threading.Lock()


# -- the run -------------------------------------------------------------------------------------


def run_build(options: BuildOptions) -> int:
    layout = Layout.default(options.outputs, options.period)
    try:
        formats = options.format_set()
    except ValueError as exc:
        print(f"[LỖI] {exc}", flush=True)
        return 2
    from .clock import sanitise_environment
    from .guard import GuardError, build_lock, check_outputs, years_to_build

    warning = sanitise_environment()  # before any kernel or tool can see an unusable SOURCE_DATE_EPOCH
    if warning:
        print(warning, flush=True)
    os.environ["DOLISA_ROOT"] = str(layout.root)
    os.environ["DOLISA_OUTPUTS"] = str(layout.outputs)
    try:
        years, notes = years_to_build(layout, options.years)
        check_outputs(layout)
    except GuardError as exc:
        print(str(exc), flush=True)
        return 1
    for line in notes:
        print(line, flush=True)
    try:
        with build_lock(layout, lambda line: print(line, flush=True)):
            from .sockets import reclaim

            reclaim()  # socket folders left by a killed build
            with RunLog(layout.outputs / "build.log") as runlog, make_reporter() as reporter:
                run = _Run(layout, options, formats, years, reporter, runlog)
                return run.execute()
    except GuardError as exc:
        print(str(exc), flush=True)
        return 1
    except OSError as exc:  # a disk that filled up, a folder made read-only during the build
        from ..problems import os_error_text

        log.warning("build stopped", exc_info=True)
        print(f"[LỖI] {os_error_text(exc, layout.display(layout.outputs))}", flush=True)
        print("Các báo cáo đã lập trước đó được giữ nguyên.", flush=True)
        return 1


class _Run:
    """One build: the decisions, the scheduling loop and the bookkeeping."""

    def __init__(self, layout, options: BuildOptions, formats, years, reporter: Reporter, runlog: RunLog):
        self.layout, self.options, self.formats, self.years = layout, options, formats, years
        self.reporter, self.runlog = reporter, runlog
        self.domains = list(options.domains or DOMAINS)
        self._info: BuildInfo | None = None
        self.manifest = Manifest.for_layout(layout)
        self.hasher = Hasher(layout)
        self.store = StatusStore(layout.outputs / "status.json")
        self.results: list[TaskResult] = []
        self.inputs: dict[str, dict[str, str]] = {}  # task key -> what it depends on (the manifest)
        self.prov_inputs: dict[str, dict[str, str]] = {}  # task key -> what its provenance names
        self.started = time.perf_counter()
        self._status_changed = False
        self.skipped: list[ReportTask] = []  # up to date
        self._stale: set[str] = set()  # keys of the reports this build rebuilds (or tries to)
        self._validating: dict[int, tuple[list, dict]] = {}  # year -> (stale validations, their inputs)
        self._builder: Builder | None = None
        self._issues: dict[int, dict] = {}  # year -> issued reports (inputs/issues.py)
        self.lanes = None
        self.areas = None
        self.remote = options.executor == "dask"  # workers without the project folder (remote.py)
        self._build_id = uuid.uuid4().hex  # names the workers' sandboxes of this build

    @property
    def info(self) -> BuildInfo:
        """Git state, package versions and the build time (clock.py: from the inputs, not the clock)."""
        if self._info is None:
            from .runlog import log

            self._info = collect(self.layout.root, build_inputs(self.layout, self.years))
            info = self._info
            log.info("build time %s (%s), commit %s", self.when, info.time.source, info.git.text())
        return self._info

    @property
    def when(self) -> str:
        return self.info.when.isoformat()

    def task_options(self) -> dict[str, str]:
        """Build options that shape a report's files (recorded in the manifest)."""
        return {"pdf_engine": self.options.pdf_engine or "auto"} if "pdf" in self.formats else {}

    def decide(self, task: ReportTask):
        upstream = {k: self.manifest.fingerprint(k) for k in task.after}
        inputs = self.hasher.digests(task.dependencies(self.layout), upstream)
        self.inputs[task.key] = inputs
        self.prov_inputs[task.key] = self._provenance_inputs(task, inputs)
        return self.manifest.decide(
            task.key, inputs, task.outputs(self.layout, self.formats), self.task_options(), self.options.force
        )

    def _provenance_inputs(self, task: ReportTask, inputs: dict[str, str]) -> dict[str, str]:
        """A report's provenance names the workbooks its validated datasets came from, with their hashes
        (the datasets themselves are the build's own intermediate files)."""
        from .tasks import comparison_year, file_dep, is_derived

        out = {dep: digest for dep, digest in inputs.items() if not is_derived(self.layout, dep)}
        if task.after:
            return out

        prev = comparison_year(self.layout, task.year)
        for year in (task.year, prev) if prev != task.year else (task.year,):
            path = self.layout.workbook(year, task.domain)
            if year == task.year or path.is_file():
                dep = file_dep(self.layout, path)
                out[dep] = self.hasher.digest(dep)
        return out

    def execute(self) -> int:
        from .graph import Graph, Lanes, run

        for notice in (self.manifest.notice, self.store.notice):
            if notice:
                self.reporter.say(notice)
                log.warning(notice)
        if self.store.notice:
            self._status_changed = True
        lanes = Lanes({"pool": self._make_pool, "local": lambda: make_executor("thread", None)})
        self.lanes = lanes
        try:
            run(Graph(self._nodes()), lanes, self)
        finally:
            self.reporter.close()
            lanes.shutdown(cancel=True)
            from .kernels import shutdown_all

            shutdown_all()
            for year in {r.task.year for r in self.results}:
                shutil.rmtree(self.layout.out_year(year) / ".work", ignore_errors=True)
            self.manifest.save()
        return self._finish()

    # -- the graph ---------------------------------------------------------------------------
    def _nodes(self) -> list:
        """The build as a graph (graph.py): validation per year, then (``--per-area``) the area planning,
        the reports and their PDFs. Edges come from what each task reads and writes (tasks.py)."""
        from .graph import Node

        layout, nodes = self.layout, []
        by_year: dict[int, list] = {}
        for vt in validation_plan(layout, self.years, self.domains):
            by_year.setdefault(vt.year, []).append(vt)
        for year, items in by_year.items():
            reads = tuple(i for vt in items for i in vt.reads(layout))
            writes = tuple(i for vt in items for i in vt.writes())
            lane = "local" if self.remote else "pool"  # workbooks are read where the project is
            nodes.append(Node(f"validate/{year}", reads, writes, lane, kind="validate", task=(year, items)))
        for task in plan(layout, self.years, self.domains):
            nodes += self._report_nodes(task)
        if self.options.per_area:
            from .areas import AreaLister

            self.areas = AreaLister(layout)
            for year in sorted(self.years):
                reads = tuple(dataset_id(year, d) for d in self.domains)
                nodes.append(Node(f"areas/{year}", reads, lane="inline", kind="areas", task=year))
        return nodes

    def _report_nodes(self, task: ReportTask) -> list:
        from .graph import Node

        return [Node(task.key, task.reads(self.layout), task.writes(), kind="report", task=task)]

    def _prestart_kernels(self, reports: int) -> None:
        """Kernels start while the workbooks are validated (a local build; Dask workers keep their own)."""
        if self.options.executor != "thread":
            return
        pool = self.builder.kernel_pool()
        if pool is not None:
            pool.prestart(min(reports, pool.size))

    def _make_pool(self):
        return make_executor(self.options.executor, self.options.jobs, **self._worker_init())

    @property
    def builder(self) -> Builder:
        if self._builder is None:
            self._builder = Builder(
                self.layout,
                self.formats,
                self.when,
                self.options.pdf_engine,
                info=self.info,
                inputs=self.prov_inputs,
                jobs=self.options.jobs or default_jobs(),
                reuse_kernels=not self.options.fresh_kernels,
            )
        return self._builder

    # -- hooks (graph.run calls them) -------------------------------------------------------
    def on_ready(self, node):
        """Every node upstream has finished: return the work of this node, or None to skip it."""
        from .graph import Work

        if node.kind == "validate":
            year, items = node.task
            inputs = {vt.key: self.hasher.digests(vt.dependencies(self.layout)) for vt in items}
            stale = [
                vt
                for vt in items
                if self.manifest.decide(
                    vt.key, inputs[vt.key], vt.outputs(self.layout), {}, self.options.force
                ).stale
            ]
            if not stale:
                return None
            self._prestart_kernels(len(stale))
            self._validating[year] = (stale, inputs)
            return Work(check_year, (self.layout, year, [vt.domain for vt in stale]))
        if node.kind == "areas":
            return Work(self._area_nodes, (node.task,))
        task = node.task
        issue = self._issue(task)
        if issue is not None and issue.is_frozen:  # issued: never rebuilt, --force included
            self._keep_issued(task, issue)
            return None
        decision = self.decide(task)
        rebuilt = [k for k in task.after if k in self._stale]  # an aggregate (the summary)
        if not (decision.stale or rebuilt):
            self.skipped.append(task)
            self.reporter.skip(task.label, decision.reason)
            self._keep_status(task)
            return None
        self._stale.add(task.key)
        self.reporter.stale(task.label, decision.reason if decision.stale else f"lập lại {rebuilt[0]}")
        self.reporter.add(task.label, lambda: self.lanes.get("pool").name)
        reason = "" if task.after else self._dataset_problem(task)  # an aggregate reads results
        if reason:
            self._fail(TaskResult(task, False, stage="validate", error=reason))
            return None
        if self.remote:  # the worker sees none of the project: the task carries what it reads
            from . import remote

            self.reporter.stage(task.key, task.label, "notebook")
            return Work(remote.run, (remote.pack(self.layout, self.builder, task, self._build_id),))
        live = getattr(self.lanes.get("pool"), "shares_memory", False)
        if not live:
            self.reporter.stage(task.key, task.label, "notebook")
        return Work(self.builder.build, (task, self._notifier(task) if live else None))

    def on_start(self, node) -> None:
        log.debug("start %s", node.key)

    def on_done(self, node, result):
        if node.kind == "validate":
            self._validated(node.task[0], result)
        elif node.kind == "areas":
            return result
        elif self.remote:
            from . import remote

            self._after_report(remote.receive(self.layout, result))
        else:
            self._after_report(result)
        return None

    def on_error(self, node, exc: BaseException) -> None:
        info = (type(exc), exc, exc.__traceback__)
        if node.kind == "validate":  # a validation crash fails that year's reports, not the build
            log.warning("validation of %s failed", node.task[0], exc_info=info)
            self.reporter.say(f"[LỖI] lỗi khi kiểm tra số liệu năm {node.task[0]}: {for_people(exc)}")
            return
        log.warning("[%s] %s failed", node.key, node.kind, exc_info=info)
        task = node.task
        if task is None or not isinstance(task, ReportTask):
            self.reporter.say(f"[LỖI] {for_people(exc, 'outputs')}")
            return
        # a bug in the build code: this report fails, the others go on
        self._fail(TaskResult(task, False, stage="build", error=for_people(exc, "outputs")))

    def _validated(self, year: int, check: YearCheck) -> None:
        stale, inputs = self._validating.pop(year)
        if check.params_error:
            self.reporter.say(f"[LỖI] {check.params_error}")
            return
        from ..periods import get as get_period

        when = get_period(self.layout.period).when(year)
        self.reporter.say(f"Kiểm tra số liệu {when}: {check.n_errors} lỗi, {check.n_warnings} cảnh báo")
        for line in check.lines:
            self.reporter.say("  " + line)
        self.hasher.forget_prefix(self.layout.processed_year(year))  # rewritten: hash again
        for vt in stale:
            self.manifest.record(vt.key, inputs[vt.key], vt.outputs(self.layout), {}, built_at=self.when)
        self.manifest.save()

    def _area_nodes(self, year: int) -> list:
        """``--per-area``: one report per domain and area with figures, planned from the validated data."""
        nodes = []
        for task in plan(self.layout, [year], self.domains, areas=self.areas, provincial=False):
            nodes += self._report_nodes(task)
        for line in self.areas.skipped:
            self.reporter.say(line)
        self.areas.skipped.clear()
        return nodes

    def _worker_init(self) -> dict:
        if self.options.executor == "dask":
            return {"scheduler": self.options.scheduler}
        if self.options.executor != "process":
            return {}
        from .runlog import worker_logging

        return {"initializer": worker_logging, "initargs": (str(self.runlog.path),)}

    def _notifier(self, task: ReportTask) -> Callable[[str], None]:
        def notify(stage: str) -> None:
            self.reporter.stage(task.key, task.label, stage)

        return notify

    def _dataset_problem(self, task: ReportTask) -> str:
        """Why the report cannot be built from its validated dataset ('' when it can)."""
        from ..inputs import dataset

        if not self.layout.params_file(task.year).is_file():
            return f"chưa có tham số năm {task.year}: thiếu tệp params/{task.year}.yaml"
        record = dataset.status(task.year, task.domain, self.layout)
        if record is None:
            try:
                from ..inputs.params import load_params

                load_params(task.year, self.layout)
            except Exception as exc:
                return for_people(exc).splitlines()[0]
            return "chưa kiểm tra được số liệu (xem thông báo kiểm tra ở trên)"
        if record.get("ok"):
            return ""
        found = dataset.problems(record)
        errs = errors(found) or found  # no error: the warning that held it up (an empty work programme)
        if not errs:
            return "không đọc được tệp số liệu"
        return f"số liệu có {len(errs)} lỗi: {errs[0]}" + (" …" if len(errs) > 1 else "")

    def _after_report(self, res: TaskResult) -> None:
        task = res.task
        if not res.ok:
            self._fail(res)
            return
        requested = res.task.outputs(self.layout, self.formats)
        if set(requested) <= set(res.fresh):  # every requested file made: the report is up to date
            from .yearend import provenance_record, report_provenance

            prov = report_provenance(self.layout, task, self.info, self.prov_inputs[task.key])
            self.manifest.record(
                task.key,
                self.inputs[task.key],
                res.fresh,
                self.task_options(),
                built_at=self.when,
                seconds=round(res.seconds, 2),
                provenance=provenance_record(self.layout, task, prov),
            )
            issue = self._issue(task)
            if issue is not None and not issue.is_frozen:
                self._freeze(task, res)
        else:  # e.g. the PDF failed: keep the report stale so that the next run tries again
            self.manifest.forget(task.key)
        self.manifest.save()
        self._record_status(res)
        self.reporter.done(task.key, task.label, True, res.seconds, warnings=res.warnings)

    def _fail(self, res: TaskResult) -> None:
        self.manifest.forget(res.task.key)
        self.manifest.save()
        self._record_status(res)
        self.reporter.done(res.task.key, res.task.label, False, res.seconds, res.error)

    # -- bookkeeping -------------------------------------------------------------------------
    def _record_status(self, res: TaskResult) -> None:
        """status.json is updated as each report finishes, so an interrupted run loses nothing."""
        self.results.append(res)
        meta = self._meta(res.task)
        if res.ok:
            self.store.record_ok(res.task.key, self.when, outputs=res.outputs, **meta)
        else:
            self.store.record_failed(res.task.key, self.when, res.error, **meta)
        self.store.save()

    def _meta(self, task: ReportTask) -> dict:
        from ..inputs.params import ParamsError, load_params

        try:
            title = task.index_title(load_params(task.year, self.layout))
        except ParamsError:
            title = task.domain
        issue = self._issue(task)
        issued = ""
        if issue is not None:
            from ..presentation.vnformat import date

            issued = (f"Số {issue.number}, " if issue.number else "") + f"ngày {date(issue.date)}"
        meta = {"year": task.year, "kind": task.domain, "area": task.area, "title": title}
        return {**meta, "period": task.period, "issued": issued}

    # -- issued reports (inputs/issues.py) ----------------------------------------------------
    def _issue(self, task: ReportTask):
        if task.area is not None:
            return None
        from ..inputs import issues

        if task.year not in self._issues:
            try:
                self._issues[task.year] = issues.load(self.layout, task.year)
            except issues.IssueError as exc:
                self.reporter.say(f"[LỖI] {exc}")
                self._issues[task.year] = {}
        return self._issues[task.year].get(task.domain)

    def _keep_issued(self, task: ReportTask, issue) -> None:
        """An issued report: its frozen files go back to outputs/ as they were signed; the build says so,
        and says when what it was made from has changed since."""
        from ..atomic import atomic_write_bytes
        from .manifest import sha256_file

        frozen_dir, out = self.layout.issued_dir(task.year), self.layout.out_year(task.year)
        missing, outputs = [], {}
        for rel, digest in issue.frozen.items():
            src, dst = frozen_dir / rel, out / rel
            if not src.is_file() or sha256_file(src) != digest:
                missing.append(rel)
                continue
            if not dst.is_file() or sha256_file(dst) != digest:
                atomic_write_bytes(dst, src.read_bytes())
            fmt = _frozen_format(task, rel)
            if fmt:
                outputs[fmt] = _rel(self.layout, dst)
        inputs = self.hasher.digests([d for d in task.dependencies(self.layout) if d != task.issue_dep])
        changed = {k: v for k, v in issue.inputs.items() if k != task.issue_dep} != inputs
        line = f"  ≡ {task.label}  {issue.text()}: giữ nguyên bản đã ban hành"
        if changed:
            line += "; số liệu đã thay đổi sau ngày ban hành (bỏ ban hành bằng run_all.py unissue để lập lại)"
        if missing:
            shown = ", ".join(f"issued/{task.year}/{m}" for m in missing)
            line += f"; [LỖI] thiếu hoặc đã bị sửa: {shown}"
        self.reporter.say(line)
        log.info("issued %s: kept (inputs changed: %s, missing: %s)", task.key, changed, missing)
        self.skipped.append(task)
        self.store.record_ok(task.key, self.when, outputs=outputs, **self._meta(task))
        self._status_changed = True

    def _freeze(self, task: ReportTask, res: TaskResult) -> None:
        """The first build of an issued report (with its number): keep its files under issued/<year>/."""
        import hashlib

        from ..atomic import atomic_write_bytes
        from ..inputs import issues

        out, frozen_dir = self.layout.out_year(task.year), self.layout.issued_dir(task.year)
        files = {}
        for path in sorted(res.fresh.values()):
            rel, data = path.relative_to(out).as_posix(), path.read_bytes()
            atomic_write_bytes(frozen_dir / rel, data)
            files[rel] = hashlib.sha256(data).hexdigest()
        issue = issues.freeze(self.layout, task.year, task.domain, files, self.inputs[task.key])
        self._issues.setdefault(task.year, {})[task.domain] = issue
        self.reporter.say(f"  ≡ {task.label}  {issue.text()}: đã cố định tại issued/{task.year}/")

    def _keep_status(self, task: ReportTask) -> None:
        """A skipped report missing from status.json (deleted file) is put back from the manifest."""
        if task.key in self.store.items:
            return
        entry = self.manifest.tasks[task.key]
        outputs = {fmt: rec["path"] for fmt, rec in entry.get("outputs", {}).items()}
        self.store.record_ok(task.key, entry.get("built_at", self.when), outputs=outputs, **self._meta(task))
        self._status_changed = True

    def _finish(self) -> int:
        skipped = self.skipped
        layout, say = self.layout, self.reporter.say
        index = layout.outputs / "index.html"
        if self._status_changed:
            self.store.save()
        if self.results or self._status_changed or _older(index, self.store.path):
            from .index_page import write_index

            index = write_index(layout, self.store, self.when)
        failed = [r for r in self.results if not r.ok]
        done = len(self.results) - len(failed)
        seconds = time.perf_counter() - self.started
        self.reporter.skipped_summary()
        say(
            f"\nĐã lập {done} báo cáo, bỏ qua {len(skipped)} báo cáo không đổi, {len(failed)} lỗi "
            f"({seconds:.1f} s). Mở {layout.display(index)}"
        )
        if failed:
            say("\nCác báo cáo bị lỗi (báo cáo cũ, nếu có, được giữ nguyên):")
            for r in failed:
                say(f"  ✗ {r.task.label} [{r.stage}]: {r.error}")
                if r.partial:
                    say(f"    Notebook chạy dở: {layout.display(r.partial)}")
            say(f"Chi tiết: {layout.display(self.runlog.path)}")
        from .runlog import log

        log.info(
            "finished: %d built, %d skipped, %d failed in %.2f s", done, len(skipped), len(failed), seconds
        )
        return 1 if failed else 0
