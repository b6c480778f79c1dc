"""Deciding what is stale: ``outputs/manifest.json``, content hashes of what each report was built from.

For every report built successfully the manifest keeps the sha256 of each dependency (see
``tasks.py``), the options that shape its files (formats, PDF engine) and its output files (path, size,
sha256). A report is rebuilt when, and only when:

- it has no entry (never built, or its last attempt failed: failures are never recorded as done);
- a dependency's content changed, appeared or disappeared (hashes, never modification times: copying
  or touching a workbook without changing it rebuilds nothing);
- a requested format was not built last time, or an option that shapes it changed;
- one of its output files is missing or was replaced (size differs, or its time changed and so did
  its content);
- an upstream task (``task:<key>``) produced different outputs;
- ``--force``.

The file is replaced atomically after every finished report, so an interrupted build keeps what it did.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass, field
from pathlib import Path

from ..atomic import atomic_write_text
from ..paths import Layout
from .tasks import PACKAGE_DEP, PACKAGE_DIR, file_dep

VERSION = 1
ABSENT = "absent"
_SKIP_DIRS = {"__pycache__", ".ipynb_checkpoints", ".mypy_cache", ".pytest_cache"}
_SKIP_SUFFIXES = {".pyc", ".pyo", ".tmp", ".swp"}


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def tree_files(root: Path) -> list[Path]:
    """The files of a source tree, minus caches, hidden files (.DS_Store…) and editor leftovers, sorted."""
    out = []
    for path in root.rglob("*"):
        rel = path.relative_to(root)
        if any(
            part in _SKIP_DIRS or part.startswith(".") or part.endswith(".egg-info") for part in rel.parts
        ):
            continue
        if path.is_file() and path.suffix not in _SKIP_SUFFIXES and not path.name.endswith("~"):
            out.append(path)
    return sorted(out, key=lambda p: p.relative_to(root).as_posix())


class Hasher:
    """Content hashes of dependencies, each file read at most once per build."""

    def __init__(self, layout: Layout, package_dir: Path = PACKAGE_DIR):
        self.layout, self.package_dir = layout, package_dir
        self._memo: dict[str, str] = {}
        self._lock = threading.Lock()

    def tree(self, root: Path) -> str:
        h = hashlib.sha256()
        for path in tree_files(root):
            h.update(path.relative_to(root).as_posix().encode("utf-8") + b"\0")
            h.update(sha256_file(path).encode("ascii") + b"\n")
        return h.hexdigest()

    def digest(self, dep: str, upstream: dict[str, str] | None = None) -> str:
        with self._lock:
            if dep in self._memo:
                return self._memo[dep]
        kind, _, name = dep.partition(":")
        if kind == "task":
            return (upstream or {}).get(name, ABSENT)  # not memoised: it changes when the upstream runs
        if kind == "out":  # a file another task writes during this build: read afresh each time
            path = self.layout.outputs / name
            return sha256_file(path) if path.is_file() else ABSENT
        if kind == "issue":  # the number and date a report prints once issued (inputs/issues.py)
            from ..inputs import issues

            year, _, report = name.partition("/")
            issue = issues.lookup(self.layout, int(year), report)
            value = issue.digest() if issue is not None else ABSENT
        elif kind == "tree" and dep == PACKAGE_DEP:
            value = self.tree(self.package_dir)
        elif kind == "file":
            path = self.layout.root / name
            value = sha256_file(path) if path.is_file() else ABSENT
        else:
            raise ValueError(f"unknown dependency kind: {dep}")
        with self._lock:
            self._memo[dep] = value
        return value

    def forget_prefix(self, folder: Path) -> None:
        """Files under ``folder`` were rewritten during the build (the validated datasets): hash them again."""
        prefix = file_dep(self.layout, folder) + "/"
        with self._lock:
            for dep in [d for d in self._memo if d.startswith(prefix)]:
                del self._memo[dep]

    def digests(self, deps: list[str], upstream: dict[str, str] | None = None) -> dict[str, str]:
        return {d: self.digest(d, upstream) for d in deps}

    def forget(self, dep: str) -> None:
        with self._lock:
            self._memo.pop(dep, None)


@dataclass
class Decision:
    stale: bool
    reasons: list[str] = field(default_factory=list)

    @property
    def reason(self) -> str:
        if not self.reasons:
            return "không đổi"
        more = f" (+{len(self.reasons) - 1})" if len(self.reasons) > 1 else ""
        return self.reasons[0] + more


def _dep_name(dep: str) -> str:
    kind, _, name = dep.partition(":")
    return {"tree": "mã nguồn dolisa_reports", "task": f"báo cáo {name}", "out": f"tệp kết quả {name}"}.get(
        kind, name
    )


def _valid_output(rec) -> bool:
    return (
        isinstance(rec, dict)
        and isinstance(rec.get("path"), str)
        and isinstance(rec.get("size"), int)
        and isinstance(rec.get("mtime_ns"), int)
        and isinstance(rec.get("sha256"), str)
    )


def _valid_manifest(raw) -> bool:
    """The shape :class:`Manifest` relies on; anything else (valid JSON or not) is started afresh."""
    if not isinstance(raw, dict) or raw.get("version") != VERSION or not isinstance(raw.get("tasks"), dict):
        return False
    for key, entry in raw["tasks"].items():
        if not isinstance(key, str) or not isinstance(entry, dict):
            return False
        inputs, outputs = entry.get("inputs", {}), entry.get("outputs", {})
        if not isinstance(inputs, dict) or not all(isinstance(v, str) for v in inputs.values()):
            return False
        if not isinstance(outputs, dict) or not all(_valid_output(r) for r in outputs.values()):
            return False
        if not isinstance(entry.get("options", {}), dict):
            return False
    return True


class Manifest:
    """``{"version": 1, "tasks": {key: {"inputs": {dep: sha256}, "options": {...}, "outputs": {fmt: {...}}}}}``"""

    def __init__(self, path: Path, outputs_dir: Path):
        self.path, self.outputs_dir = path, outputs_dir
        self.tasks: dict[str, dict] = {}
        self.notice: str | None = None  # a warning for the user: the file was unusable and is started afresh
        self._lock = threading.Lock()
        if path.is_file():
            try:
                raw = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                raw = None
            if isinstance(raw, dict) and raw.get("version") not in (None, VERSION) and "tasks" in raw:
                return  # an older or newer format: rebuilt quietly, as after an upgrade
            if _valid_manifest(raw):
                self.tasks = raw["tasks"]
            else:  # everything is rebuilt, and the file rewritten
                self.notice = (
                    f"[CẢNH BÁO] {path.name} hỏng hoặc sai cấu trúc: bỏ qua, lập lại mọi báo cáo "
                    "(các báo cáo đang có vẫn được giữ đến khi bản mới thay thế)"
                )

    @classmethod
    def for_layout(cls, layout: Layout) -> Manifest:
        manifest = cls(layout.outputs / "manifest.json", layout.outputs)
        manifest.root = layout.root
        return manifest

    root: Path | None = None  # the project: outputs of the validation step live in data/processed/

    def _rel(self, path: Path) -> str:
        """Under outputs/: relative to it; elsewhere in the project: ``project:<path from the root>``."""
        try:
            return path.relative_to(self.outputs_dir).as_posix()
        except ValueError:
            if self.root is not None:
                try:
                    return "project:" + path.relative_to(self.root).as_posix()
                except ValueError:
                    pass
            return path.name

    def decide(
        self,
        key: str,
        inputs: dict[str, str],
        outputs: dict[str, Path],
        options: dict[str, str],
        force: bool = False,
    ) -> Decision:
        """Is the task ``key`` stale, given the current hashes of its inputs and the outputs it must leave?"""
        if force:
            return Decision(True, ["--force"])
        entry = self.tasks.get(key)
        if entry is None:
            return Decision(True, ["chưa lập lần nào hoặc lần trước bị lỗi"])
        reasons: list[str] = []
        old = entry.get("inputs", {})
        for dep, digest in inputs.items():
            if old.get(dep) != digest:
                what = (
                    "mới có"
                    if old.get(dep) in (None, ABSENT)
                    else ("đã bị xoá" if digest == ABSENT else "đã đổi")
                )
                reasons.append(f"{_dep_name(dep)} {what}")
        if set(old) - set(inputs):
            reasons.append("danh sách tệp đầu vào đã đổi")
        old_opts = entry.get("options", {})
        for name, value in options.items():
            if old_opts.get(name) != value:
                reasons.append(f"tuỳ chọn {name} đổi")
        built = entry.get("outputs", {})
        for fmt, path in outputs.items():
            rec = built.get(fmt)
            if rec is None:
                reasons.append(f"chưa có bản {fmt.upper()}")
                continue
            try:
                st = path.stat()
            except OSError:
                reasons.append(f"thiếu tệp {rec.get('path', path.name)}")
                continue
            # stat first, hash only when the file's time changed (like git's index): cheap when unchanged
            replaced = st.st_size != rec.get("size") or (
                st.st_mtime_ns != rec.get("mtime_ns") and sha256_file(path) != rec.get("sha256")
            )
            if replaced:
                reasons.append(f"tệp {rec.get('path', path.name)} đã bị thay")
        return Decision(bool(reasons), reasons)

    def record(
        self, key: str, inputs: dict[str, str], outputs: dict[str, Path], options: dict[str, str], **meta
    ) -> None:
        files = {}
        for fmt, path in outputs.items():
            st = path.stat()
            files[fmt] = {
                "path": self._rel(path),
                "size": st.st_size,
                "mtime_ns": st.st_mtime_ns,
                "sha256": sha256_file(path),
            }
        with self._lock:
            self.tasks[key] = {
                "inputs": dict(sorted(inputs.items())),
                "options": options,
                "outputs": files,
                **meta,
            }

    def forget(self, key: str) -> None:
        """A failed report must be tried again next time: it is no longer up to date."""
        with self._lock:
            self.tasks.pop(key, None)

    def fingerprint(self, key: str) -> str:
        """What a downstream task depends on: the hashes of this task's outputs (``absent`` if not built)."""
        entry = self.tasks.get(key)
        if not entry:
            return ABSENT
        h = hashlib.sha256()
        for fmt, rec in sorted(entry.get("outputs", {}).items()):
            h.update(f"{fmt}={rec.get('sha256')}\n".encode())
        return h.hexdigest()

    def save(self) -> None:
        with self._lock:  # held while writing: an older snapshot can never replace a newer one
            data = {"version": VERSION, "tasks": dict(sorted(self.tasks.items()))}
            atomic_write_text(self.path, json.dumps(data, ensure_ascii=False, indent=1) + "\n")
