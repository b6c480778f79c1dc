"""The indicator catalogue (params/catalogue.csv): consistent, and refused with a clear message when not."""

from __future__ import annotations

import csv
import string

import pytest
from conftest import REPO

from dolisa_reports import DOMAINS
from dolisa_reports.inputs.catalogue import CatalogueError, Direction, TargetKind, load_catalogue
from dolisa_reports.paths import Layout

HEADER = (
    "code,domain,order,name_vi,name_en,unit,direction,target_kind,sum_of,sum_rule,value_decimals,"
    "ratio_decimals,key,headline_vi,valid_from,valid_to"
)


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue(Layout(REPO, REPO / "outputs"))


def test_every_domain_has_indicators_in_order(catalogue):
    items = list(catalogue)
    assert len(items) == 50  # TT10, TT11 (2021) added to the 48 of the first round
    assert [i.domain for i in items] == sorted((i.domain for i in items), key=DOMAINS.index)
    for domain in DOMAINS:
        orders = [i.order for i in catalogue.for_domain(domain)]
        assert orders == list(range(1, len(orders) + 1)), domain


def test_codes(catalogue):
    prefixes = {"labour": "LD", "vocational_training": "GD", "meritorious_persons": "NC",
                "social_protection": "XH", "inspection": "TT"}  # fmt: skip
    for ind in catalogue:
        assert ind.code.startswith(prefixes[ind.domain]), ind.code
        assert ind.code in catalogue and catalogue[ind.code] is ind
    assert catalogue.get("LD99") is None and "LD99" not in catalogue


def test_sum_rules_point_inside_the_domain(catalogue):
    totals = {i.code: i for i in catalogue if i.sum_of}
    assert set(totals) == {"GD02", "NC09", "TT05"}
    for ind in totals.values():
        assert all(catalogue[p].domain == ind.domain for p in ind.sum_of)
        for rule in ind.sum_rules:
            assert rule.total_field in {"actual", "plan"} and rule.part_field in {"actual", "plan"}
    assert [(r.total_field, r.part_field) for r in catalogue["GD02"].sum_rules] == [
        ("actual", "actual"),
        ("plan", "plan"),
    ]
    assert [(r.total_field, r.part_field) for r in catalogue["NC09"].sum_rules] == [("actual", "plan")]
    assert [(r.total_field, r.part_field) for r in catalogue["TT05"].sum_rules] == [("actual", "actual")]


def test_directions_and_target_kinds_agree(catalogue):
    for ind in catalogue:
        if ind.target_kind == TargetKind.BELOW:
            assert ind.direction == Direction.DOWN, ind.code
        if ind.direction != Direction.NONE:
            assert ind.target_kind != TargetKind.NONE, ind.code
    assert catalogue["LD09"].target_kind == TargetKind.BELOW
    assert catalogue["GD01"].target_kind == TargetKind.AT_LEAST
    assert catalogue["XH01"].target_kind == TargetKind.AT_LEAST


def test_headlines_use_only_the_actual_placeholder(catalogue):
    for ind in catalogue:
        if ind.key:
            assert ind.headline_vi, ind.code
        fields = {f for _, f, _, _ in string.Formatter().parse(ind.headline_vi) if f is not None}
        assert fields <= {"actual"}, ind.code


def test_counts_and_rates(catalogue):
    assert catalogue["LD01"].is_count and catalogue["TT09"].is_count and catalogue["LD06"].is_count
    assert not catalogue["GD01"].is_count  # %
    assert not catalogue["XH01"].is_count  # điểm %
    assert catalogue["NC11"].ratio_decimals == 2  # 26,33% as printed
    assert catalogue["LD06"].value_decimals == 3  # 69,991 tỷ đồng


def test_valid_years(catalogue):
    ind = catalogue["LD01"].model_copy(update={"valid_from": 2022, "valid_to": 2025})
    assert not ind.valid_in(2021) and ind.valid_in(2022) and ind.valid_in(2025) and not ind.valid_in(2026)
    assert catalogue["LD01"].valid_in(1990) and catalogue["LD01"].valid_in(2100)


def _write(tmp_path, rows: list[str]) -> Layout:
    params = tmp_path / "params"
    params.mkdir()
    (params / "catalogue.csv").write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return Layout(tmp_path, tmp_path / "outputs")


GOOD = "LD01,labour,1,Số lao động,Workers,người,up,amount,,,0,1,1,giải quyết việc làm cho {actual} lao động,,"


def test_a_small_catalogue_loads(tmp_path):
    cat = load_catalogue(_write(tmp_path, [GOOD, GOOD.replace("LD01", "LD02").replace(",1,S", ",2,S")]))
    assert [i.code for i in cat] == ["LD01", "LD02"]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([GOOD, GOOD], "mã chỉ tiêu bị trùng: LD01"),
        ([GOOD.replace("LD01", "L01")], "catalogue.csv, dòng 2:"),
        ([GOOD, GOOD.replace("LD01,labour", "LD02,lao_dong")], "catalogue.csv, dòng 3: "),
        ([GOOD.replace("up,amount", "sideways,amount")], "catalogue.csv, dòng 2:"),
        (
            [GOOD.replace(",amount,,", ",amount,LD05+LD06,")],
            "LD01: chỉ tiêu thành phần LD05 không có trong danh mục",
        ),
        ([GOOD.replace(",1,Số", ",một,Số")], "catalogue.csv, dòng 2:"),
    ],
)
def test_bad_catalogue_is_refused(tmp_path, rows, message):
    with pytest.raises(CatalogueError) as info:
        load_catalogue(_write(tmp_path, rows))
    assert message in str(info.value)


def test_unknown_domain_is_named(tmp_path):
    with pytest.raises(CatalogueError) as info:
        load_catalogue(_write(tmp_path, [GOOD.replace("labour", "lao_dong")]))
    assert "lĩnh vực không hợp lệ: lao_dong" in str(info.value)


def test_catalogue_header_is_the_documented_one():
    with (REPO / "params" / "catalogue.csv").open(encoding="utf-8", newline="") as fh:
        assert ",".join(next(csv.reader(fh))) == HEADER
