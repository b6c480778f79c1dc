"""The build's side of the year-end summary: results files, provenance per report, the Excel appendix.

- After a domain report's notebook has run and its HTML is written, :func:`side_outputs` writes the
  results the notebook recorded to ``outputs/<year>/results/<domain>.json`` (atomically; never for a
  failed notebook), with the hashes of the data files the report read.
- The year's summary task (``tasks.SummaryTask``) runs ``notebooks/summary.ipynb`` after its five
  domain reports; :func:`side_outputs` then writes the appendix ``phu_luc_<year>.xlsx`` from the same
  results files.
- :func:`report_provenance` gives each report its provenance (footer and manifest).
"""

from __future__ import annotations

import json
from pathlib import Path

from .. import DOMAINS
from ..atomic import atomic_write_text
from ..paths import Layout
from ..problems import for_people
from .manifest import sha256_file
from .provenance import BuildInfo, ReportProvenance, data_sources
from .runlog import log
from .tasks import ReportTask, results_path


def _summary_sources(layout: Layout, year: int) -> tuple[dict[str, str], dict[str, str]]:
    """The data files behind the year's results files (as they recorded them), and the results files' hashes."""
    sources: dict[str, str] = {}
    results: dict[str, str] = {}
    for d in DOMAINS:
        path = results_path(layout, year, d)
        if not path.is_file():
            continue
        results[path.relative_to(layout.outputs).as_posix()] = sha256_file(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        sources.update((data.get("provenance") or {}).get("inputs") or {})
    return sources, results


def report_provenance(
    layout: Layout, task: ReportTask, info: BuildInfo, inputs: dict[str, str]
) -> ReportProvenance:
    sources: dict[str, str] = {}
    if task.kind == "summary":
        sources, _ = _summary_sources(layout, task.year)
    return ReportProvenance(
        info=info,
        inputs=dict(inputs),
        parameters=task.parameters(),
        params_file=layout.params_file(task.year).relative_to(layout.root).as_posix(),
        sources=sources,
    )


def provenance_record(layout: Layout, task: ReportTask, prov: ReportProvenance) -> dict:
    """The complete provenance for the manifest (the footer shows a short form of it)."""
    rec = prov.as_record()
    if task.kind == "summary":
        rec["results"] = _summary_sources(layout, task.year)[1]
    return rec


def write_results(layout: Layout, task: ReportTask, nb, prov: ReportProvenance) -> Path | None:
    """The notebook's recorded results → ``outputs/<year>/results/<domain>.json`` (None if none recorded)."""
    from ..figures.results import dumps, extract, path_for

    data = extract(nb)
    if data is None:
        return None
    data["provenance"] = {"inputs": data_sources(prov.inputs)}
    path = path_for(layout.out_year(task.year), task.domain)
    atomic_write_text(path, dumps(data))
    return path


def write_appendix(layout: Layout, task: ReportTask, prov: ReportProvenance) -> Path:
    from ..presentation import appendix, summary
    from .tasks import appendix_name

    ctx = summary.load(task.year, layout)
    path = layout.out_year(task.year) / appendix_name(task.year)
    return appendix.write(path, ctx, prov.info.when, provenance_record(layout, task, prov))


def side_outputs(
    layout: Layout, task: ReportTask, nb, prov: ReportProvenance
) -> tuple[dict[str, Path], list[str]]:
    """Files a report leaves besides its HTML: ``({format: path}, warnings)``.

    A file that could not be written is a warning; the report then stays out of date in the manifest,
    so the next run tries again.
    """
    if task.kind == "summary":
        try:
            return {"xlsx": write_appendix(layout, task, prov)}, []
        except Exception as exc:
            log.warning("[%s] appendix failed", task.label, exc_info=True)
            return {}, [f"Phụ lục Excel: {for_people(exc, layout.display(layout.out_year(task.year)))}"]
    if task.area is not None:
        return {}, []
    try:
        path = write_results(layout, task, nb, prov)
    except Exception as exc:
        log.warning("[%s] results file failed", task.label, exc_info=True)
        return {}, [f"Tệp kết quả: {for_people(exc, layout.display(layout.out_year(task.year)))}"]
    if path is None:
        return {}, [
            "notebook không ghi kết quả (thiếu ô r.record_results(ctx)): báo cáo tổng kết không dùng được"
        ]
    return {"results": path}, []
