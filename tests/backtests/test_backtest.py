"""Backtest: the validated 2021 table equals the department's published figures.

``python run_all.py validate --year 2021`` runs for real (a subprocess on a project copy); its
processed table is then compared, code by code, with the project's transcription of the source
report, tests/data/reference_indicators_2021.csv (actual, plan, 2022 target with its kind and bounds,
and the printed "% of plan" — recomputed from the raw values and formatted Vietnamese style).
"""

from __future__ import annotations

import csv
import math
import os
import subprocess
import sys

import pandas as pd
import pytest
from conftest import DATA, REPO, copy_project

from dolisa_reports.figures.analysis import ratio_pct
from dolisa_reports.inputs.catalogue import TargetKind, load_catalogue
from dolisa_reports.inputs.numbers import Target
from dolisa_reports.inputs.validate import validate_year
from dolisa_reports.paths import Layout
from dolisa_reports.presentation.vnformat import percent

REFERENCE = DATA / "reference_indicators_2021.csv"


def _reference() -> list[dict[str, str]]:
    with REFERENCE.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _float(text: str) -> float | None:
    return float(text) if text.strip() else None


def _expected_target(text: str, catalogue_kind: TargetKind) -> tuple[str, float | None, float | None] | None:
    """The reference's notation: ``<2.3`` an upper bound, ``1.0..1.5`` a range, a number the catalogue's kind."""
    text = text.strip()
    if not text:
        return None
    if text.startswith("<"):
        return ("below", None, float(text[1:]))
    if ".." in text:
        low, high = text.split("..")
        return ("range", float(low), float(high))
    kind = catalogue_kind if catalogue_kind != TargetKind.NONE else TargetKind.AMOUNT
    if kind == TargetKind.BELOW:
        return ("below", None, float(text))
    return (kind.value, float(text), None)


def _same(a, b) -> bool:
    a = None if a is None or (isinstance(a, float) and math.isnan(a)) else float(a)
    b = None if b is None or (isinstance(b, float) and math.isnan(b)) else float(b)
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-9)


@pytest.fixture(scope="module")
def validated(tmp_path_factory):
    """(command result, processed 2021 table indexed by code, layout)."""
    root = copy_project(tmp_path_factory.mktemp("backtest") / "project")
    env = {k: v for k, v in os.environ.items() if k != "DOLISA_OUTPUTS"}
    env["DOLISA_ROOT"] = str(root)
    proc = subprocess.run(
        [sys.executable, "run_all.py", "validate", "--year", "2021"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,  # hang guard only
    )
    layout = Layout(root, root / "outputs")
    table = pd.read_csv(layout.processed_year(2021) / "indicators.csv", dtype={"note": str})
    return proc, table.set_index("code"), layout


REFERENCE_ROWS = _reference()
IDS = [row["code"] for row in REFERENCE_ROWS]


def test_validate_2021_exits_0(validated):
    proc, _, _ = validated
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert proc.stdout.startswith("Năm 2021: 0 lỗi")


def test_every_reference_code_and_no_other(validated):
    _, table, _ = validated
    assert table.index.is_unique
    assert sorted(table.index) == sorted(IDS)


@pytest.mark.parametrize("row", REFERENCE_ROWS, ids=IDS)
def test_figures_equal_the_reference(validated, row):
    _, table, layout = validated
    catalogue = load_catalogue(layout)
    ind = catalogue[row["code"]]
    got = table.loc[row["code"]]
    assert got["domain"] == row["domain"] == ind.domain
    assert got["name"] == row["name_vi"] == ind.name_vi
    assert got["unit"] == row["unit"] == ind.unit
    assert ind.direction.value == row["direction"]
    assert _same(got["actual"], _float(row["actual_2021"])), ("actual", got["actual"], row["actual_2021"])
    assert _same(got["plan_value"], _float(row["plan_2021"])), ("plan", got["plan_value"], row["plan_2021"])
    if row["plan_2021"].strip():
        assert got["plan_kind"] == _expected_target(row["plan_2021"], ind.target_kind)[0]
    else:
        assert pd.isna(got["plan_kind"])
    expected = _expected_target(row["target_2022"], ind.target_kind)
    if expected is None:
        assert pd.isna(got["target_kind"]), got["target_kind"]
    else:
        kind, low, high = expected
        assert got["target_kind"] == kind
        assert _same(got["target_low"], low) and _same(got["target_high"], high), (
            got["target_low"],
            got["target_high"],
        )


STATED = [row for row in REFERENCE_ROWS if row["stated_pct_of_plan"].strip()]


@pytest.mark.parametrize("row", STATED, ids=[row["code"] for row in STATED])
def test_ratio_computed_from_raw_values_prints_as_published(validated, row):
    """99,6% 27,3% 101,4% 81,5% 68,1% 112,5% 26,33% 100%: computed, never typed, printed as in the report."""
    _, table, layout = validated
    ind = load_catalogue(layout)[row["code"]]
    got = table.loc[row["code"]]
    plan = Target(
        TargetKind(got["plan_kind"]), got["plan_low"], None if pd.isna(got["plan_high"]) else got["plan_high"]
    )
    printed = percent(ratio_pct(got["actual"], plan), ind.ratio_decimals)
    assert printed == row["stated_pct_of_plan"].replace(".", ",") + "%"


def test_published_2020_figures(validated):
    """The two 2020 figures the source gives (NC14, TT09) are in the 2020 table."""
    _, _, layout = validated
    result = validate_year(2020, layout)
    assert result.ok, [str(p) for p in result.problems]
    table = pd.read_csv(layout.processed_year(2020) / "indicators.csv").set_index("code")
    for row in REFERENCE_ROWS:
        if row["actual_2020"].strip():
            assert _same(table.at[row["code"], "actual"], _float(row["actual_2020"])), row["code"]
            assert table.at[row["code"], "nature"] == "official"
