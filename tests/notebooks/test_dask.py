"""The same build sent to a Dask ``distributed`` cluster (``--executor dask --scheduler ADDRESS``).

A ``LocalCluster`` on loopback (2 worker processes × 1 thread, no dashboard) stands in for a ministry's
cluster; the workers read and write through the project folder, as machines sharing it would.
"""

from __future__ import annotations

import re

import pytest
from conftest import copy_project, run_build

from dolisa_reports import DOMAINS
from dolisa_reports.paths import Layout


@pytest.fixture(scope="module")
def cluster():
    from distributed import LocalCluster

    cluster = LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    )
    try:
        yield cluster
    finally:
        cluster.close()


def _indicator_table(html: str) -> str:
    match = re.search(r'<table class="indicators">.*?</table>', html, re.S)
    assert match, "no indicator table"
    return match.group(0)


@pytest.mark.slow
def test_the_sample_year_builds_on_a_dask_cluster_like_locally(cluster, built_2021, tmp_path, capsys):
    address = cluster.scheduler_address
    assert address.startswith("tcp://127.0.0.1:")
    root = copy_project(tmp_path / "project")
    layout = Layout(root=root, outputs=root / "outputs")
    code = run_build(
        layout, "--year", "2021", "--format", "html", "--executor", "dask", "--scheduler", address
    )
    assert code == 0
    out = capsys.readouterr().out
    assert f"Dask {address} (2 worker, 2 luồng)" in out  # the cluster ran them, not the local pool
    for domain in DOMAINS:
        dask_html = (layout.outputs / "2021" / f"{domain}.html").read_text(encoding="utf-8")
        local_html = (built_2021.outputs / "2021" / f"{domain}.html").read_text(encoding="utf-8")
        assert _indicator_table(dask_html) == _indicator_table(local_html), domain
        assert (layout.outputs / "2021" / "results" / f"{domain}.json").is_file()
    assert (layout.outputs / "2021" / "summary.html").is_file()
    index = (layout.outputs / "index.html").read_text(encoding="utf-8")
    assert all(f'href="2021/{d}.html"' in index for d in DOMAINS)
    log = (layout.outputs / "build.log").read_text(encoding="utf-8")
    assert "finished: 7 built, 0 skipped, 0 failed" in log  # 5 domains, work programme, summary
