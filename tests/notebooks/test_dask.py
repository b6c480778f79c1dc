"""The same build sent to a Dask ``distributed`` cluster whose workers share no folder with the client.

The scheduler runs in the test; its two workers (``dask worker --nworkers 2 --nthreads 1``) are started
from a folder outside the project, without DOLISA_ROOT, in a private mount namespace where the project's
``data/``, ``params/``, ``notebooks/`` and ``outputs/`` — and the repository's own, which the installed
package could otherwise find — are empty folders. Each task must carry what it reads and return what it
makes (pipeline/remote.py). The result must be byte-identical to the local build of the same project.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import REPO, copy_project, run_build

from dolisa_reports import DOMAINS
from dolisa_reports.paths import Layout

HIDDEN = ("data", "params", "notebooks", "outputs")
VARIABLE = re.compile(r"(^|/)notebooks/[^/]+\.ipynb$|^build\.log$|^manifest\.json$|(^|/)\.")


def _namespace_prefix() -> list[str] | None:
    """``unshare`` arguments giving a private mount namespace (root, or an unprivileged user namespace)."""
    if not sys.platform.startswith("linux") or shutil.which("unshare") is None:
        return None
    for prefix in (["unshare", "--mount", "--propagation", "private"], ["unshare", "-rm"]):
        probe = subprocess.run([*prefix, "mount", "-t", "tmpfs", "none", "/mnt"], capture_output=True)
        if probe.returncode == 0:
            return prefix
    return None


@pytest.fixture(scope="module")
def hidden_cluster(tmp_path_factory):
    prefix = _namespace_prefix()
    if prefix is None:
        pytest.skip("needs a private mount namespace (unshare) to hide the project from the workers")
    from distributed import Client, LocalCluster

    root = copy_project(tmp_path_factory.mktemp("dask") / "project")
    folders = [root / name for name in HIDDEN] + [REPO / n for n in HIDDEN if (REPO / n).is_dir()]
    mounts = "".join(f"mount -t tmpfs none '{f}'; " for f in folders)
    away = tmp_path_factory.mktemp("worker-home")
    cluster = LocalCluster(n_workers=0, host="127.0.0.1", dashboard_address=None, scheduler_port=0)
    worker_cmd = (
        f"exec '{sys.executable}' -m distributed.cli.dask_worker {cluster.scheduler_address} "
        f"--nworkers 2 --nthreads 1 --no-dashboard --local-directory '{away}'"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOLISA_")}
    log = (away / "workers.log").open("wb")
    workers = subprocess.Popen(
        [*prefix, "sh", "-ec", mounts + worker_cmd], cwd=away, env=env, stdout=log, stderr=log
    )
    client = Client(cluster)
    try:
        client.wait_for_workers(2, timeout=120)
        yield root, cluster.scheduler_address, folders
    finally:
        client.close()
        workers.terminate()
        try:
            workers.wait(30)
        except subprocess.TimeoutExpired:
            workers.kill()
        cluster.close()
        log.close()


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not VARIABLE.search(p.relative_to(folder).as_posix())
    }


@pytest.mark.slow
def test_workers_without_the_project_build_the_sample_year_byte_identical(hidden_cluster, capsys):
    root, address, folders = hidden_cluster
    probe = subprocess.run(  # the hiding itself works: inside the namespace the folders are empty
        [*_namespace_prefix(), "sh", "-ec", f"mount -t tmpfs none '{folders[0]}'; ls -A '{folders[0]}'"],
        capture_output=True,
        text=True,
    )
    assert probe.returncode == 0 and probe.stdout.strip() == ""
    local = Layout(root=root, outputs=root.parent / "local-outputs")
    dask = Layout(root=root, outputs=root / "outputs")
    args = ("--year", "2021", "--format", "html,pdf,docx")
    assert run_build(local, *args) == 0
    capsys.readouterr()
    started = time.perf_counter()
    assert run_build(dask, *args, "--executor", "dask", "--scheduler", address) == 0
    out = capsys.readouterr().out
    assert f"Dask {address} (2 worker, 2 luồng)" in out, out  # the cluster ran them, not the local pool
    log = (dask.outputs / "build.log").read_text(encoding="utf-8")
    assert "finished: 7 built, 0 skipped, 0 failed" in log, log[-3000:]  # 5 domains, programme, summary
    ours, theirs = _files(local.outputs / "2021"), _files(dask.outputs / "2021")
    assert sorted(ours) == sorted(theirs)
    assert {f"{d}.{fmt}" for d in DOMAINS for fmt in ("html", "pdf", "docx")} <= set(theirs)
    different = [name for name in ours if ours[name] != theirs[name]]
    assert not different, f"not byte-identical to the local build: {different}"
    index = (dask.outputs / "index.html").read_text(encoding="utf-8")
    assert all(f'href="2021/{d}.html"' in index for d in DOMAINS)
    assert time.perf_counter() - started < 600
