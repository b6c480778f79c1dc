"""Shared fixtures.

- ``project``: a throw-away copy of the project's inputs (params/, data/raw/, notebooks/) in a temp
  folder, with DOLISA_ROOT pointing at it, so a test can break a workbook without touching the repo.
- ``built_2021``: the sample year 2021 built once per session (HTML only) into a temp outputs folder.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from dolisa_reports.paths import Layout

REPO = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"


def copy_project(dest: Path) -> Path:
    for name in ("params", "notebooks"):
        shutil.copytree(REPO / name, dest / name, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    shutil.copytree(REPO / "data" / "raw", dest / "data" / "raw")
    (dest / "data" / "processed").mkdir(parents=True, exist_ok=True)
    (dest / "outputs").mkdir(exist_ok=True)
    return dest


@pytest.fixture
def project(tmp_path, monkeypatch) -> Layout:
    root = copy_project(tmp_path / "project")
    monkeypatch.setenv("DOLISA_ROOT", str(root))
    monkeypatch.delenv("DOLISA_OUTPUTS", raising=False)
    return Layout(root=root, outputs=root / "outputs")


def run_build(layout: Layout, *args: str) -> int:
    """Run the real command line against ``layout`` (in-process)."""
    from dolisa_reports.cli import main

    saved = {k: os.environ.get(k) for k in ("DOLISA_ROOT", "DOLISA_OUTPUTS")}
    os.environ["DOLISA_ROOT"] = str(layout.root)
    try:
        return main(
            [*args, "--outputs", str(layout.outputs)] if not args or args[0] != "validate" else list(args)
        )
    finally:
        for key, value in saved.items():  # the engine exports both for its kernels: restore them
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture(scope="session")
def built_2021(tmp_path_factory) -> Layout:
    """The bundled 2021 sample built once (HTML), outputs in a temp folder; the repo is not written."""
    root = copy_project(tmp_path_factory.mktemp("built") / "project")
    layout = Layout(root=root, outputs=root / "outputs")
    code = run_build(layout, "--year", "2021", "--format", "html")
    assert code == 0, "the sample year 2021 must build"
    return layout


def build_copy(tmp_path_factory, name: str, *args: str, warnings: tuple[str, ...] = ()) -> Layout:
    """A fresh copy of the project built with ``args``; the build must succeed without any of the
    ``warnings`` (e.g. "PDF:") in its output."""
    import contextlib
    import io

    root = copy_project(tmp_path_factory.mktemp(name) / "project")
    layout = Layout(root=root, outputs=root / "outputs")
    log = io.StringIO()
    with contextlib.redirect_stdout(log):
        code = run_build(layout, *args)
    assert code == 0, log.getvalue()
    for warning in warnings:
        assert warning not in log.getvalue(), log.getvalue()
    return layout


def run_cli(layout: Layout, *args: str) -> int:
    """A subcommand (new-year, status, issue, …) against ``layout``, its outputs folder included."""
    from dolisa_reports.cli import main

    saved = {k: os.environ.get(k) for k in ("DOLISA_ROOT", "DOLISA_OUTPUTS")}
    os.environ["DOLISA_ROOT"], os.environ["DOLISA_OUTPUTS"] = str(layout.root), str(layout.outputs)
    try:
        return main(list(args))
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
