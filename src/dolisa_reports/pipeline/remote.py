"""Reports built on machines that do not share the project folder (``--executor dask``).

A Dask worker needs the installed package, nothing else of the project:

- :func:`pack` (on the client) puts in a :class:`Bundle` every project file the report reads — its
  dependencies as the manifest knows them (notebook, validated datasets of the year and the comparison
  year, params, catalogue, narrative, lock file, issue record, the summary's results) and the year's
  small shared tables — as bytes, with the :class:`~.engine.Builder` that makes the report.
- :func:`run` (on the worker) writes them into a private sandbox folder of that worker process (one per
  build, reused by the build's other tasks, the previous build's removed), builds the report there
  exactly as a local build does (warm kernel, HTML, DOCX, PDF), and returns the files it made as bytes.
- :func:`receive` (on the client) writes those files atomically into ``outputs/`` and points the
  result at them; the client keeps the manifest, status and index as for a local build.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

from .. import DOMAINS
from ..paths import Layout


@dataclass
class Bundle:
    build_id: str
    builder: object  # engine.Builder, for the client's layout
    task: object  # tasks.ReportTask
    period: str
    files: dict[str, tuple[bytes, int]] = field(default_factory=dict)  # under the root -> content, mtime
    outputs: dict[str, tuple[bytes, int]] = field(default_factory=dict)  # under outputs/ -> content, mtime


@dataclass
class Returned:
    result: object  # engine.TaskResult, its paths relative to outputs/
    files: dict[str, bytes] = field(default_factory=dict)  # path under outputs/ -> content


def _processed_files(layout: Layout, year: int, domain: str) -> list[Path]:
    """The year's validated files a report of ``domain`` may open: its own and the shared tables."""
    folder = layout.processed_year(year)
    if not folder.is_dir():
        return []
    others = tuple(f"{d}." for d in (*DOMAINS, "work_programme") if d != domain)
    return [p for p in sorted(folder.iterdir()) if p.is_file() and not p.name.startswith(others)]


def _content(path: Path) -> tuple[bytes, int]:
    """Bytes and modification time: a notebook comparing ages (the summary) sees what the client sees."""
    return path.read_bytes(), path.stat().st_mtime_ns


def pack(layout: Layout, builder, task, build_id: str) -> Bundle:
    from .tasks import comparison_year

    bundle = Bundle(build_id, builder, task, layout.period)
    paths: set[Path] = set()
    for dep in task.dependencies(layout):
        kind, _, rel = dep.partition(":")
        if kind == "file":
            paths.add(layout.root / rel)
        elif kind == "out":
            out = layout.outputs / rel
            if out.is_file():
                bundle.outputs[rel] = _content(out)
    years = {task.year, comparison_year(layout, task.year)}
    for year in years:
        paths.update(_processed_files(layout, year, task.domain))
        paths.add(layout.params_file(year))
        paths.add(layout.issue_record(year))
    paths.add(layout.catalogue)
    if task.after:  # the summary: it names a domain whose workbook is gone, and results older than theirs
        paths.update(layout.workbook(task.year, d) for d in DOMAINS)
    for path in sorted(paths):
        if path.is_file():
            bundle.files[path.relative_to(layout.root).as_posix()] = _content(path)
    return bundle


# -- on the worker --------------------------------------------------------------------------------

_lock = threading.Lock()
_sandboxes: dict[str, Path] = {}  # build id -> this process's sandbox


def _remove_all() -> None:
    for path in list(_sandboxes.values()):
        shutil.rmtree(path, ignore_errors=True)
    _sandboxes.clear()


atexit.register(_remove_all)


def _sandbox(build_id: str) -> Path:
    with _lock:
        path = _sandboxes.get(build_id)
        if path is None:
            for old in list(_sandboxes):  # a worker serves one build at a time
                shutil.rmtree(_sandboxes.pop(old), ignore_errors=True)
            path = _sandboxes[build_id] = Path(tempfile.mkdtemp(prefix="dolisa-task-"))
        return path


def _write(base: Path, files: dict[str, tuple[bytes, int]]) -> None:
    from ..atomic import atomic_write_bytes

    for rel, (data, mtime) in files.items():
        target = base / rel
        try:
            if target.stat().st_mtime_ns == mtime and target.read_bytes() == data:
                continue
        except OSError:
            pass
        atomic_write_bytes(target, data)
        os.utime(target, ns=(mtime, mtime))


def run(bundle: Bundle) -> Returned:
    """Build one report in this process's sandbox; return the result and the files it made."""
    root = _sandbox(bundle.build_id)
    layout = Layout(root=root, outputs=root / "outputs", period=bundle.period)
    with _lock:
        _write(root, bundle.files)
        _write(layout.outputs, bundle.outputs)
    builder = replace_layout(bundle.builder, layout)
    result = builder.build(bundle.task)
    files = {}
    for fmt, path in list(result.fresh.items()):
        rel = path.relative_to(layout.outputs).as_posix()
        files[rel] = path.read_bytes()
        result.fresh[fmt] = Path(rel)
    if result.partial is not None:
        rel = result.partial.relative_to(layout.outputs).as_posix()
        files[rel] = result.partial.read_bytes()
        result.partial = Path(rel)
    return Returned(result, files)


def replace_layout(builder, layout: Layout):
    """A copy of ``builder`` for ``layout`` (its other state unchanged)."""
    clone = object.__new__(type(builder))
    clone.__dict__.update(builder.__dict__)
    clone.layout = layout
    return clone


# -- back on the client ---------------------------------------------------------------------------


def receive(layout: Layout, returned: Returned):
    """Write the returned files under ``outputs/`` (atomically) and give the result the real paths."""
    from ..atomic import atomic_write_bytes

    for rel, data in returned.files.items():
        atomic_write_bytes(layout.outputs / rel, data)
    result = returned.result
    result.fresh = {fmt: layout.outputs / rel for fmt, rel in result.fresh.items()}
    if result.partial is not None:
        result.partial = layout.outputs / result.partial
    return result
