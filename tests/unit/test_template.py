"""``run_all.py template --year Y``: blank workbooks pre-filled from the catalogue (and last year), filled
in by a test as an analyst would, validated and read back unchanged; existing files never overwritten."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest
import yaml

from dolisa_reports import DOMAINS
from dolisa_reports.cli import main
from dolisa_reports.inputs import contract as C
from dolisa_reports.inputs.catalogue import TargetKind, load_catalogue
from dolisa_reports.inputs.params import load_params
from dolisa_reports.inputs.template import REFERENCE_COLUMN
from dolisa_reports.paths import Layout


def add_year(layout: Layout, year: int) -> None:
    """params/<year>.yaml inside the project copy: 2021's, with the year fields moved."""
    data = yaml.safe_load(layout.params_file(2021).read_text(encoding="utf-8"))
    data.update(year=year, comparison_year=year - 1, next_year=year + 1, report_date=f"{year}-12-10")
    layout.params_file(year).write_text(
        yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )


def template(year: int) -> int:
    return main(["template", "--year", str(year)])


def rows_by_code(ws, first_row: int) -> dict[str, int]:
    return {ws.cell(r, 1).value: r for r in range(first_row, ws.max_row + 1) if ws.cell(r, 1).value}


def plan_for(ind, base: float):
    """(cell value, expected kind, low, high) of a plan or target, in the way the catalogue expresses it."""
    if ind.target_kind == TargetKind.AMOUNT:
        return base, "amount", base, None
    if ind.target_kind == TargetKind.AT_LEAST:
        return f"từ {base:g}".replace(".", ",") + " trở lên", "at_least", base, None
    if ind.target_kind == TargetKind.BELOW:
        return f"dưới {base:g}".replace(".", ","), "below", None, base
    return None, None, None, None


def fill(layout: Layout, year: int, domain: str) -> dict[str, dict]:
    """Fill one generated workbook; returns what the processed table must say for each code."""
    catalogue = load_catalogue(layout)
    indicators = catalogue.for_domain(domain, year)
    path = layout.workbook(year, domain)
    wb = openpyxl.load_workbook(path)
    ws = wb[C.SHEET_INDICATORS]
    rows = rows_by_code(ws, C.FIRST_ROW)
    actual, plan = {}, {}
    for ind in indicators:
        if ind.unit in ("%", "điểm %"):
            actual[ind.code] = round(1.25 + ind.order / 4, 2)
        else:
            actual[ind.code] = float(100 * ind.order + 7)
        plan[ind.code] = actual[ind.code] + 3 if ind.target_kind != TargetKind.NONE else None
    for ind in indicators:  # totals equal their parts, per the catalogue's rules
        for rule in ind.sum_rules:
            source = actual if rule.part_field == "actual" else plan
            value = sum(source[p] for p in ind.sum_of)
            (actual if rule.total_field == "actual" else plan)[ind.code] = value
    expected = {}
    for ind in indicators:
        r = rows[ind.code]
        plan_cell, plan_kind, plan_low, plan_high = (
            plan_for(ind, plan[ind.code]) if plan[ind.code] else (None,) * 4
        )
        target_cell, target_kind, target_low, target_high = (
            plan_for(ind, plan[ind.code] + 1) if plan[ind.code] else (None,) * 4
        )
        if ind.code == "XH01":
            target_cell, target_kind, target_low, target_high = "1,0–1,5", "range", 1.0, 1.5
        ws[f"D{r}"] = plan_cell
        ws[f"E{r}"] = actual[ind.code]
        ws[f"F{r}"] = target_cell
        ws[f"G{r}"] = "Ước tính" if ind.order == 1 else None
        ws[f"H{r}"] = f"<b>Nguồn</b> {ind.code}"
        expected[ind.code] = {
            "actual": actual[ind.code],
            "plan_kind": plan_kind,
            "plan_low": plan_low,
            "plan_high": plan_high,
            "target_kind": target_kind,
            "target_low": target_low,
            "target_high": target_high,
            "nature": "estimate" if ind.order == 1 else "official",
            "note": f"<b>Nguồn</b> {ind.code}",
        }
    first = indicators[0]
    if first.unit not in ("%", "điểm %"):  # as text, Vietnamese style: read back as the same number
        ws[f"E{rows[first.code]}"] = f"{int(actual[first.code]):,}".replace(",", ".")
    if C.SHEET_AREAS in wb.sheetnames:  # the first indicator broken down by district
        areas = wb[C.SHEET_AREAS]
        r = rows_by_code(areas, C.AREA_FIRST_ROW)[first.code]
        n = len(load_params(year, layout).areas.items)
        shares = [actual[first.code] // n] * (n - 1)
        shares.append(actual[first.code] - sum(shares))
        for i, value in enumerate(shares):
            areas.cell(r, len(C.AREA_FIXED) + 1 + i, value)
    wb.save(path)
    return expected


def _same(a, b) -> bool:
    if b is None:
        return a is None or pd.isna(a)
    return a == pytest.approx(b) if isinstance(b, float) else a == b


def test_round_trip_2023(project, capsys):
    add_year(project, 2023)
    assert template(2023) == 0
    out = capsys.readouterr().out
    for domain in DOMAINS:
        assert f"đã tạo data/raw/2023/{domain}.xlsx" in out
    catalogue = load_catalogue(project)

    # what an analyst receives
    for domain in DOMAINS:
        wb = openpyxl.load_workbook(project.workbook(2023, domain))
        assert wb.sheetnames == [C.SHEET_HELP, C.SHEET_INDICATORS, C.SHEET_AREAS]
        ws = wb[C.SHEET_INDICATORS]
        assert ws[C.YEAR_CELL].value == 2023 and ws[C.DOMAIN_CELL].value == domain
        assert [ws.cell(C.HEADER_ROW, i + 1).value for i in range(len(C.COLUMNS))] == [
            c.header(2023) for c in C.COLUMNS
        ]
        listed = [tuple(ws.cell(r, c).value for c in (1, 2, 3)) for r in range(C.FIRST_ROW, ws.max_row + 1)]
        assert listed == [(i.code, i.name_vi, i.unit) for i in catalogue.for_domain(domain, 2023)]
        blank = [ws.cell(r, c).value for r in range(C.FIRST_ROW, ws.max_row + 1) for c in range(4, 10)]
        assert blank == [None] * len(blank), "no 2022 data: nothing to pre-fill"
        assert ws.protection.sheet and ws["A7"].protection.locked and not ws["E7"].protection.locked

    # filled in, validated, read back
    expected = {code: v for domain in DOMAINS for code, v in fill(project, 2023, domain).items()}
    assert main(["validate", "--year", "2023"]) == 0
    out = capsys.readouterr().out
    assert "[LỖI]" not in out, out
    table = pd.read_csv(project.processed_year(2023) / "indicators.csv", dtype={"note": str}).set_index(
        "code"
    )
    assert sorted(table.index) == sorted(expected)
    for code, columns in expected.items():
        for column, value in columns.items():
            assert _same(table.at[code, column], value), (code, column, table.at[code, column], value)
    areas = pd.read_csv(project.processed_year(2023) / "areas.csv")
    for domain in DOMAINS:
        first = catalogue.for_domain(domain, 2023)[0].code
        mine = areas[areas["code"] == first]
        assert len(mine) == 9 and mine["value"].sum() == pytest.approx(expected[first]["actual"])
    assert set(areas["code"]) == {catalogue.for_domain(d, 2023)[0].code for d in DOMAINS}, (
        "rows of the district sheet left empty are not read"
    )


def test_never_overwrites(project, capsys):
    add_year(project, 2023)
    folder = project.raw_year(2023)
    folder.mkdir(parents=True)
    mine = project.workbook(2023, "labour")
    mine.write_bytes(b"not touched")
    assert template(2023) == 0
    assert mine.read_bytes() == b"not touched"
    out = capsys.readouterr().out
    assert "đã có data/raw/2023/labour.xlsx: giữ nguyên, không ghi đè" in out
    assert "đã tạo data/raw/2023/inspection.xlsx" in out
    before = {p.name: p.read_bytes() for p in folder.glob("*.xlsx")}
    assert template(2023) == 0
    out = capsys.readouterr().out
    assert (
        out.count("giữ nguyên, không ghi đè") == len(DOMAINS) + 1 and "đã tạo" not in out
    )  # + work programme
    assert {p.name: p.read_bytes() for p in folder.glob("*.xlsx")} == before


def test_missing_params_is_reported(project, capsys):
    assert template(2030) == 1
    assert (
        "[LỖI] chưa có tham số năm 2030 (params/2030.yaml). Tạo năm mới bằng: python run_all.py new-year 2030"
        in capsys.readouterr().out
    )
    assert not project.raw_year(2030).exists()


def test_prefilled_from_the_previous_year(project, capsys):
    """2022's workbooks carry 2021's "next year" targets as this year's plans and 2021's actuals for
    reference; once 2022 is filled in, 2023's carry 2022's."""
    add_year(project, 2022)
    assert template(2022) == 0
    wb = openpyxl.load_workbook(project.workbook(2022, "labour"))
    ws = wb[C.SHEET_INDICATORS]
    rows = rows_by_code(ws, C.FIRST_ROW)
    assert ws[f"D{rows['LD01']}"].value == 16300  # 2021's target for 2022
    assert ws[f"D{rows['LD09']}"].value == "< 2,3"  # an upper bound stays an upper bound
    assert ws[f"D{rows['LD03']}"].value is None
    assert ws[f"{REFERENCE_COLUMN}{rows['LD01']}"].value == 15939  # 2021's actual, for reference
    assert ws[f"{REFERENCE_COLUMN}{C.HEADER_ROW}"].value == "Thực hiện năm 2021 (tham khảo)"
    sp = openpyxl.load_workbook(project.workbook(2022, "social_protection"))[C.SHEET_INDICATORS]
    assert sp[f"D{rows_by_code(sp, C.FIRST_ROW)['XH01']}"].value == "1–1,5"
    vt = openpyxl.load_workbook(project.workbook(2022, "vocational_training"))[C.SHEET_INDICATORS]
    assert vt[f"D{rows_by_code(vt, C.FIRST_ROW)['GD01']}"].value == "≥ 68"

    # the pre-filled plans read back with their kinds (an untouched template is an error: one figure each)
    assert main(["validate", "--year", "2022"]) == 1
    assert "biểu còn trống" in capsys.readouterr().out
    for domain, code, value in (("labour", "LD03", 20), ("social_protection", "XH01", 1.2),
                                ("vocational_training", "GD01", 70)):  # fmt: skip
        wb = openpyxl.load_workbook(project.workbook(2022, domain))
        ws = wb[C.SHEET_INDICATORS]
        ws[f"E{rows_by_code(ws, C.FIRST_ROW)[code]}"] = value
        wb.save(project.workbook(2022, domain))
    assert (
        main(["validate", "--year", "2022", "--domain", "labour,social_protection,vocational_training"]) == 0
    )
    capsys.readouterr()
    table = pd.read_csv(project.processed_year(2022) / "indicators.csv").set_index("code")
    assert (table.at["LD09", "plan_kind"], table.at["LD09", "plan_high"]) == ("below", 2.3)
    assert (table.at["XH01", "plan_kind"], table.at["XH01", "plan_low"], table.at["XH01", "plan_high"]) == (
        "range",
        1.0,
        1.5,
    )
    assert (table.at["GD01", "plan_kind"], table.at["GD01", "plan_low"]) == ("at_least", 68.0)

    # 2022 filled in: 2023 is pre-filled from it
    for domain in DOMAINS:
        fill(project, 2022, domain)
    add_year(project, 2023)
    assert template(2023) == 0
    ws = openpyxl.load_workbook(project.workbook(2023, "labour"))[C.SHEET_INDICATORS]
    rows = rows_by_code(ws, C.FIRST_ROW)
    assert ws[f"D{rows['LD01']}"].value == 111  # fill() wrote 2022's target for LD01 as 107 + 3 + 1
    assert ws[f"{REFERENCE_COLUMN}{rows['LD01']}"].value == 107
    assert ws[f"D{rows['LD09']}"].value == "< 7,5"  # 2022: actual 3,5, plan 6,5, target for 2023 7,5
