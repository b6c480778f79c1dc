"""Where a report comes from: code version, package versions, input hashes, parameters, build time.

Collected once per build (:func:`collect`: git state, package versions, build time) and completed per
report (:func:`record`: the SHA-256 of every file it read, its parameters). The record goes, complete,
into ``outputs/manifest.json``; :func:`footer_text` makes the compact line printed at the foot of each
report (short hashes). Nothing here may fail a build: without git the commit is "không xác định".
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from importlib import metadata
from pathlib import Path

from .. import __version__
from .clock import SOURCE_TEXT, BuildTime, resolve

UNKNOWN = "không xác định"
SHORT = 12  # hex digits of a hash shown in a footer

# The packages whose version can change a figure, a table or a page (all recorded in the manifest);
# the footer names the first ones only.
KEY_PACKAGES = (
    "pandas",
    "matplotlib",
    "papermill",
    "nbconvert",
    "openpyxl",
    "weasyprint",
    "babel",
    "jinja2",
    "nbclient",
    "ipykernel",
    "pandera",
    "numpy",
)
FOOTER_PACKAGES = ("pandas", "matplotlib", "papermill", "nbconvert", "openpyxl")  # what makes the HTML
DISPLAY_NAME = {"weasyprint": "WeasyPrint", "jinja2": "Jinja2", "babel": "Babel"}
GIT_TIMEOUT = 10  # seconds per git command


# -- git -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GitState:
    commit: str | None = None  # full hash of HEAD
    dirty: bool | None = None  # uncommitted changes (tracked or untracked, ignored files aside)
    time: int | None = None  # HEAD's commit time, seconds since 1970 UTC

    @property
    def known(self) -> bool:
        return self.commit is not None

    def text(self) -> str:
        if not self.known:
            return UNKNOWN
        flag = " (có thay đổi chưa commit)" if self.dirty else ""
        return f"{self.commit[:SHORT]}{flag}"


def _git(root: Path, *args: str) -> str | None:
    exe = shutil.which("git")
    if exe is None:
        return None
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"}  # status must not lock the index
    try:
        proc = subprocess.run(
            [exe, *args],
            cwd=root,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=GIT_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if proc.returncode != 0:
        return None
    return proc.stdout.decode("utf-8", "replace")


def git_state(root: Path) -> GitState:
    """HEAD's commit, whether the tree has uncommitted changes, and the commit time.

    Only when ``root`` is itself the top of a git work tree (a copy of the project inside another
    repository is not that repository's commit); otherwise, or without git, everything is unknown.
    """
    top = _git(root, "rev-parse", "--show-toplevel")
    if top is None:
        return GitState()
    try:
        if Path(top.strip()).resolve() != Path(root).resolve():
            return GitState()
    except OSError:
        return GitState()
    commit = (_git(root, "rev-parse", "--verify", "HEAD") or "").strip() or None
    if commit is None:  # a repository without any commit yet
        return GitState()
    status = _git(root, "status", "--porcelain", "--untracked-files=normal")
    stamp = (_git(root, "log", "-1", "--format=%ct", "HEAD") or "").strip()
    return GitState(
        commit=commit,
        dirty=None if status is None else bool(status.strip()),
        time=int(stamp) if stamp.isdigit() else None,
    )


# -- packages --------------------------------------------------------------------------------------


def package_versions(names: Iterable[str] = KEY_PACKAGES) -> dict[str, str]:
    """``{"python": "3.11.9", "dolisa-reports": "0.1.0", "pandas": "…", …}`` (a missing package: "không có")."""
    out = {"python": platform.python_version(), "dolisa-reports": __version__}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "không có"
    return out


# -- one build -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BuildInfo:
    """What every report of one build shares (small and picklable, for the worker pool)."""

    git: GitState
    versions: dict[str, str]
    time: BuildTime

    @property
    def when(self) -> datetime:
        return self.time.when

    def as_record(self) -> dict:
        return {
            "built_at": self.time.when.isoformat(),
            "time_source": self.time.source,
            "git": asdict(self.git),
            "versions": dict(self.versions),
        }


def build_inputs(layout, years: Iterable[int]) -> list[Path]:
    """Every project file a build of ``years`` reads (all domains and the summary): the build time's basis."""
    from .. import DOMAINS
    from .tasks import is_derived, plan, validation_plan

    paths = set()
    for task in [*validation_plan(layout, sorted(years), DOMAINS), *plan(layout, sorted(years), DOMAINS)]:
        for dep in task.dependencies(layout):
            # the validated datasets are made by the build itself: their inputs (the workbooks) count
            if dep.startswith("file:") and not is_derived(layout, dep):
                paths.add(layout.root / dep.removeprefix("file:"))
    return sorted(paths)


def collect(root: Path, inputs: Iterable[Path]) -> BuildInfo:
    """Git state, package versions and the build time (:mod:`clock`) for a build reading ``inputs``."""
    git = git_state(root)
    clean_commit_time = git.time if git.known and git.dirty is False else None
    return BuildInfo(git=git, versions=package_versions(), time=resolve(inputs, clean_commit_time))


# -- one report ------------------------------------------------------------------------------------


@dataclass
class ReportProvenance:
    """One report's provenance: the build's, plus what this report read and its parameters."""

    info: BuildInfo
    inputs: dict[str, str]  # dependency -> sha256 (as in the manifest: "file:data/raw/…", "tree:package")
    parameters: dict
    params_file: str | None = None  # "params/2021.yaml"
    sources: dict[str, str] = field(default_factory=dict)  # data file -> sha256, read through other reports

    def as_record(self) -> dict:
        rec = self.info.as_record()
        rec["parameters"] = dict(self.parameters)
        if self.params_file:
            rec["params_file"] = self.params_file
        if self.sources:
            rec["sources"] = dict(sorted(self.sources.items()))
        rec["build_id"] = self.build_id
        return rec

    @property
    def build_id(self) -> str:
        """A short id of this report's build: the same code, versions, inputs and time give the same id
        (printed on the PDF and DOCX; the manifest holds what it stands for)."""
        import hashlib
        import json

        basis = {**self.info.as_record(), "inputs": dict(sorted(self.inputs.items()))}
        basis.update(parameters=self.parameters, params_file=self.params_file, sources=self.sources)
        text = json.dumps(basis, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]

    def data_files(self) -> dict[str, str]:
        """Workbooks and narratives (path under the project -> sha256), this report's and its sources'."""
        files = {name: digest for name, digest in _files(self.inputs).items() if is_data_file(name)}
        files.update({k: v for k, v in self.sources.items() if is_data_file(k)})
        return dict(sorted(files.items(), key=lambda kv: _data_order(kv[0])))


def _files(inputs: dict[str, str]) -> dict[str, str]:
    return {dep.partition(":")[2]: digest for dep, digest in inputs.items() if dep.startswith("file:")}


def is_data_file(path: str) -> bool:
    return path.startswith("data/raw/")


def _data_order(path: str) -> tuple:
    """This year's files before last year's; workbooks before narratives; then by name."""
    parts = path.split("/")
    year = parts[2] if len(parts) > 2 and parts[2].isdigit() else "0"
    return (-int(year), "narrative" in parts, path)


def data_sources(inputs: dict[str, str]) -> dict[str, str]:
    """The workbooks, narratives and parameter files among a report's dependencies (for its results file)."""
    return {
        name: digest
        for name, digest in sorted(_files(inputs).items())
        if is_data_file(name) or name.startswith("params/")
    }


def short(digest: str | None) -> str:
    if not digest or digest == "absent":
        return "không có"
    return digest[:SHORT]


def _versions_text(versions: dict[str, str]) -> str:
    items = [f"Python {versions.get('python', UNKNOWN)}"]
    items += [f"{DISPLAY_NAME.get(n, n)} {versions[n]}" for n in FOOTER_PACKAGES if n in versions]
    return ", ".join(items)


def stamp_text(prov: ReportProvenance) -> str:
    """The one line a printed report (PDF, DOCX) carries: build id and date; the rest is in the manifest."""
    from ..presentation.vnformat import date

    return (
        f"Lập tự động bằng dolisa-reports · mã lần lập {prov.build_id} · ngày {date(prov.info.when.date())}"
    )


def footer_text(prov: ReportProvenance) -> str:
    """The compact provenance line at the foot of a report (the manifest has it all)."""
    from ..presentation.vnformat import datetime_text

    info = prov.info
    parts = [
        f"Lập tự động bằng dolisa-reports {info.versions.get('dolisa-reports', __version__)}",
        f"mã nguồn: commit {info.git.text()}",
        _versions_text(info.versions),
    ]
    params = ", ".join(f"{k}={v}" for k, v in prov.parameters.items() if v is not None)
    if prov.params_file:
        digest = prov.inputs.get(f"file:{prov.params_file}") or prov.sources.get(prov.params_file)
        params = f"{prov.params_file} ({short(digest)})" + (f", {params}" if params else "")
    if params:
        parts.append(f"tham số: {params}")
    files = prov.data_files()
    if files:
        parts.append("tệp số liệu (SHA-256): " + ", ".join(f"{k} {short(v)}" for k, v in files.items()))
    when = (
        f"thời điểm lập: {datetime_text(info.when)} ({SOURCE_TEXT.get(info.time.source, info.time.source)})"
    )
    parts.append(when)
    return " · ".join(parts) + "."
