"""Ingestion and validation of the yearly workbooks (in-process, on a throw-away project copy).

One test per kind of bad input: the problem is found, it names file › sheet › cell, its message is
Vietnamese, and its severity decides the exit code of ``run_all.py validate`` (1 on errors, 0 when
only warnings remain). The same inputs also go through the real command line in test_corpus.py.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import openpyxl
import pandas as pd
import pytest
from conftest import run_build

from dolisa_reports import DOMAINS
from dolisa_reports.inputs.validate import validate_domain, validate_year
from dolisa_reports.paths import Layout
from dolisa_reports.problems import Severity, errors

YEAR = 2021
IND = "Chỉ tiêu"
AREAS = "Theo địa bàn"


def edit(layout: Layout, domain: str, change: Callable | dict, sheet: str = IND) -> None:
    """Change one workbook of the project copy: a dict of cell -> value, or a function of the workbook."""
    path = layout.workbook(YEAR, domain)
    wb = openpyxl.load_workbook(path)
    if callable(change):
        change(wb)
    else:
        for ref, value in change.items():
            wb[sheet][ref] = value
    wb.save(path)


def rename_sheet(wb) -> None:
    wb[IND].title = "Sheet1"


def delete_column_e(wb) -> None:
    wb[IND].delete_cols(5)


def merge_d7_e7(wb) -> None:
    wb[IND].merge_cells("D7:E7")


# id, domain, change, where (file › sheet › cell), message fragment, kind, severity
BAD_INPUTS = [
    ("missing_sheet", "labour", rename_sheet, "labour.xlsx",
     "thiếu trang tính 'Chỉ tiêu' (có: 'Hướng dẫn', 'Sheet1', 'Theo địa bàn')", "missing_sheet", Severity.ERROR),
    ("missing_column", "labour", delete_column_e, "labour.xlsx › Chỉ tiêu › E6",
     "thiếu cột 'Thực hiện năm 2021'", "bad_header", Severity.ERROR),
    ("renamed_column", "labour", {"D6": "KH 2021"}, "labour.xlsx › Chỉ tiêu › D6",
     "tiêu đề cột là 'KH 2021', cần là 'Kế hoạch năm 2021'", "bad_header", Severity.ERROR),
    ("header_of_another_year", "labour", {"E6": "Thực hiện năm 2020"}, "labour.xlsx › Chỉ tiêu › E6",
     "tiêu đề cột là 'Thực hiện năm 2020', cần là 'Thực hiện năm 2021'", "bad_header", Severity.ERROR),
    ("unknown_code", "labour", {"A9": "LD99"}, "labour.xlsx › Chỉ tiêu › A9",
     "mã chỉ tiêu 'LD99' không có trong danh mục", "unknown_code", Severity.ERROR),
    ("duplicate_code", "labour", {"A8": "LD01"}, "labour.xlsx › Chỉ tiêu › A8",
     "mã chỉ tiêu 'LD01' bị trùng (đã có ở dòng 7)", "duplicate_code", Severity.ERROR),
    ("code_of_another_domain", "labour", {"A9": "GD03"}, "labour.xlsx › Chỉ tiêu › A9",
     "mã 'GD03' thuộc lĩnh vực 'vocational_training', không thuộc biểu labour.xlsx", "wrong_domain_code",
     Severity.ERROR),
    ("bad_code_with_figures", "labour", {"A9": "LD 3"}, "labour.xlsx › Chỉ tiêu › A9",
     "dòng có số liệu nhưng mã số 'LD 3' không hợp lệ (dạng LD01)", "bad_code", Severity.ERROR),
    ("text_in_number", "labour", {"E7": "mười lăm"}, "labour.xlsx › Chỉ tiêu › E7",
     '"mười lăm" không phải là số', "not_a_number", Severity.ERROR),
    ("ambiguous_text_number", "labour", {"E7": "15.93"}, "labour.xlsx › Chỉ tiêu › E7",
     '"15.93" không phải là số (có phải là 1.593 hoặc 15,93?)', "not_a_number", Severity.ERROR),
    ("text_in_target", "labour", {"F7": "khoảng 16 nghìn"}, "labour.xlsx › Chỉ tiêu › F7",
     '"khoảng 16 nghìn" không phải là số', "not_a_number", Severity.ERROR),
    ("english_decimal_for_a_count", "labour", {"E7": 15.939}, "labour.xlsx › Chỉ tiêu › E7",
     "'LD01' tính bằng người nên phải là số nguyên, nhưng ô có 15,939: nếu là 15.939 thì nhập 15939",
     "not_whole", Severity.ERROR),
    ("negative_count", "labour", {"E8": -492}, "labour.xlsx › Chỉ tiêu › E8",
     "số âm (-492) không hợp lệ cho chỉ tiêu đếm 'LD02'", "negative", Severity.ERROR),
    ("negative_plan", "labour", {"D8": -1800}, "labour.xlsx › Chỉ tiêu › D8",
     "số âm (-1.800) không hợp lệ cho chỉ tiêu đếm 'LD02'", "negative", Severity.ERROR),
    ("parts_do_not_add_up", "vocational_training", {"E9": 2000}, "vocational_training.xlsx › Chỉ tiêu › E8",
     "'GD02' = 14.400 nhưng tổng thực hiện của GD03 + GD04 + GD05 = 14.363: các phần không cộng đúng tổng",
     "sum_mismatch", Severity.ERROR),
    ("parts_of_plan_do_not_add_up", "vocational_training", {"D11": 9000}, "vocational_training.xlsx › Chỉ tiêu › D8",
     "'GD02' = 14.200 nhưng tổng kế hoạch của GD03 + GD04 + GD05 = 13.300", "sum_mismatch", Severity.ERROR),
    ("total_against_plans_of_parts", "meritorious_persons", {"E15": 7000},
     "meritorious_persons.xlsx › Chỉ tiêu › E15", "'NC09' = 7.000 nhưng tổng kế hoạch của NC10 + NC11 + NC12 = 7.425",
     "sum_mismatch", Severity.ERROR),
    ("year_does_not_match_folder", "labour", {"B2": 2020}, "labour.xlsx › Chỉ tiêu › B2",
     "năm của biểu là '2020', nhưng tệp nằm trong thư mục năm 2021", "wrong_year", Severity.ERROR),
    ("domain_does_not_match_file", "labour", {"B3": "inspection"}, "labour.xlsx › Chỉ tiêu › B3",
     "biểu của lĩnh vực 'inspection', nhưng tên tệp là labour.xlsx", "wrong_domain", Severity.ERROR),
    ("target_without_plan", "labour", {"D7": None}, "labour.xlsx › Chỉ tiêu › D7",
     "'LD01' có kế hoạch năm 2022 nhưng chưa có kế hoạch năm 2021", "target_without_plan", Severity.WARNING),
    ("plan_without_actual", "labour", {"E8": None}, "labour.xlsx › Chỉ tiêu › E8",
     "'LD02' có kế hoạch nhưng chưa nhập số thực hiện", "plan_without_actual", Severity.WARNING),
    ("wrong_unit", "labour", {"C7": "nghìn người"}, "labour.xlsx › Chỉ tiêu › C7",
     "đơn vị tính của 'LD01' là 'nghìn người', danh mục quy định 'người'", "wrong_unit", Severity.ERROR),
    ("bad_nature", "labour", {"G7": "Tạm tính"}, "labour.xlsx › Chỉ tiêu › G7",
     "'Tạm tính' không hợp lệ: chọn 'Chính thức', 'Ước tính', 'Minh họa'", "bad_nature", Severity.ERROR),
    ("merged_cells", "labour", merge_d7_e7, "labour.xlsx › Chỉ tiêu › D7",
     "ô gộp D7:E7 trong vùng số liệu", "merged_cells", Severity.ERROR),
    ("missing_indicator_row", "labour", {"A9": None, "B9": None, "C9": None, "E9": None, "G9": None, "H9": None},
     "labour.xlsx › Chỉ tiêu", "thiếu dòng cho các chỉ tiêu: LD03", "missing_indicator", Severity.WARNING),
    ("areas_do_not_add_up", "labour", {"D4": 3800}, "labour.xlsx › Theo địa bàn › A4",
     "'LD01' (Số lao động được giải quyết việc làm): tổng các địa bàn = 15.914 nhưng số chung của chỉ tiêu = 15.939",
     "area_sum_mismatch", Severity.ERROR),
    ("unknown_area", "labour", {"E3": "Huyện Hương Điền"}, "labour.xlsx › Theo địa bàn › E3",
     "địa bàn 'Huyện Hương Điền' không có trong danh sách huyện, thị xã, thành phố năm 2021", "unknown_area",
     Severity.ERROR),
    ("text_in_area_cell", "labour", {"F5": "năm mươi tư"}, "labour.xlsx › Theo địa bàn › F5",
     '"năm mươi tư" không phải là số: cột \'Thị xã Hương Trà\' phải là số', "not_a_number", Severity.ERROR),
    ("negative_area_value", "labour", {"F5": -54}, "labour.xlsx › Theo địa bàn › F5",
     "số âm (-54) không hợp lệ cho chỉ tiêu đếm 'LD02' (Thị xã Hương Trà)", "negative", Severity.ERROR),
    ("unknown_code_in_area_sheet", "labour", {"A5": "LD98"}, "labour.xlsx › Theo địa bàn › A5",
     "mã chỉ tiêu 'LD98' không có trong danh mục", "unknown_code", Severity.ERROR),
]  # fmt: skip

AREA_CASES = {"areas_do_not_add_up", "unknown_area", "text_in_area_cell", "negative_area_value",
              "unknown_code_in_area_sheet"}  # fmt: skip


@pytest.mark.parametrize(
    ("domain", "change", "where", "fragment", "kind", "severity"),
    [pytest.param(*case[1:], id=case[0]) for case in BAD_INPUTS],
)
def test_bad_input_is_reported_with_file_sheet_and_cell(
    project, domain, change, where, fragment, kind, severity
):
    sheet = AREAS if where.startswith(f"{domain}.xlsx › {AREAS}") else IND
    edit(project, domain, change, sheet=sheet)
    result = validate_domain(YEAR, domain, project)
    matching = [p for p in result.problems if p.kind == kind and fragment in p.message]
    assert matching, "\n".join(str(p) for p in result.problems)
    problem = matching[0]
    assert problem.where == where
    assert str(problem).startswith(f"{where}: ")
    assert problem.severity == severity
    assert result.ok == (not errors(result.problems))
    if severity == Severity.ERROR:
        assert not result.ok


def test_the_issue_example_message_verbatim(project):
    edit(project, "labour", {"E7": "mười lăm"})
    lines = [str(p) for p in validate_domain(YEAR, "labour", project).problems]
    assert any(
        line.startswith('labour.xlsx › Chỉ tiêu › E7: "mười lăm" không phải là số') for line in lines
    ), lines


def test_missing_workbook(project):
    project.workbook(YEAR, "inspection").unlink()
    result = validate_domain(YEAR, "inspection", project)
    assert [str(p) for p in result.problems] == ["inspection.xlsx: thiếu tệp số liệu"]
    assert not result.ok


def test_missing_workbook_points_at_an_xls_sent_instead(project):
    path = project.workbook(YEAR, "inspection")
    path.rename(path.with_suffix(".xls"))
    (problem,) = validate_domain(YEAR, "inspection", project).problems
    assert str(problem) == "inspection.xlsx: thiếu tệp số liệu (thấy inspection.xls: hãy lưu lại dạng .xlsx)"


def test_an_unreadable_file_is_reported_not_raised(project, monkeypatch):
    """On Windows a workbook open in Excel cannot be read; that is a message, not a traceback."""
    import pathlib

    locked = project.workbook(YEAR, "labour")
    real_open = pathlib.Path.open

    def fake_open(self, *args, **kwargs):
        if self == locked:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "open", fake_open)
    (problem,) = validate_domain(YEAR, "labour", project).problems
    assert str(problem).startswith("labour.xlsx: không mở được tệp: hãy đóng tệp")


def test_vietnamese_numbers_typed_as_text_are_read_correctly(project):
    edit(
        project,
        "labour",
        {"D7": "16.000", "E7": "15.939", "E11": "131.489", "E12": "69,991", "F7": " 16.300 "},
    )
    edit(project, "vocational_training", {"E7": "66,8%", "E8": "14.400", "D8": "14.200"})
    labour = validate_domain(YEAR, "labour", project)
    assert labour.ok and not errors(labour.problems)
    values = labour.indicators.set_index("code")
    assert values.at["LD01", "actual"] == 15939  # never 15.939
    assert values.at["LD01", "plan_value"] == 16000
    assert values.at["LD01", "target_low"] == 16300
    assert values.at["LD05", "actual"] == 131489
    assert values.at["LD06", "actual"] == pytest.approx(69.991)  # the comma is the decimal mark
    warned = {p.cell: p.message for p in labour.problems if p.kind == "number_as_text"}
    assert warned["E7"] == 'số được nhập dạng văn bản "15.939", đã đọc là 15.939'
    assert warned["E12"] == 'số được nhập dạng văn bản "69,991", đã đọc là 69,991'
    assert all(p.severity == Severity.WARNING for p in labour.problems)
    training = validate_domain(YEAR, "vocational_training", project)
    assert training.ok
    values = training.indicators.set_index("code")
    assert values.at["GD01", "actual"] == pytest.approx(66.8)
    assert values.at["GD02", "actual"] == 14400  # and the sum rule GD02 = GD03 + GD04 + GD05 still holds


def test_levels_typed_as_text_keep_their_kind(project):
    edit(project, "social_protection", {"D7": "từ 0,4% trở lên", "F7": "1,0 - 1,5"})
    edit(project, "labour", {"F15": "dưới mức 2,3%"})
    sp = validate_domain(YEAR, "social_protection", project).indicators.set_index("code")
    assert (sp.at["XH01", "plan_kind"], sp.at["XH01", "plan_low"]) == ("at_least", 0.4)
    assert (sp.at["XH01", "target_kind"], sp.at["XH01", "target_low"], sp.at["XH01", "target_high"]) == (
        "range",
        1.0,
        1.5,
    )
    labour = validate_domain(YEAR, "labour", project).indicators.set_index("code")
    assert (labour.at["LD09", "target_kind"], labour.at["LD09", "target_high"]) == ("below", 2.3)


def test_blank_rows_and_a_signature_block_are_skipped(project):
    def change(wb) -> None:
        ws = wb[IND]
        ws.insert_rows(10, amount=3)
        ws.cell(20, 1, "Người lập biểu")
        ws.cell(20, 6, "Thủ trưởng đơn vị")  # text in a number column: a signature, not a figure

    edit(project, "labour", change)
    result = validate_domain(YEAR, "labour", project)
    assert result.ok, [str(p) for p in result.problems]
    assert len(result.indicators) == 9
    (skipped,) = [p for p in result.problems if p.kind == "ignored_row"]
    assert (
        str(skipped)
        == "labour.xlsx › Chỉ tiêu › A20: dòng không có mã chỉ tiêu ('Người lập biểu'), đã bỏ qua"
    )


def test_a_total_row_without_code_is_an_error(project):
    edit(project, "labour", {"A17": "Cộng", "E17": 148283})
    problems = validate_domain(YEAR, "labour", project).problems
    assert "labour.xlsx › Chỉ tiêu › A17: dòng có số liệu nhưng mã số 'Cộng' không hợp lệ (dạng LD01)" in map(
        str, problems
    )


def test_every_problem_of_the_year_is_printed_at_once(project, capsys):
    edit(project, "labour", {"E7": "mười lăm", "E8": -492})
    edit(project, "vocational_training", {"E9": 2000})
    project.workbook(YEAR, "inspection").unlink()
    assert run_build(project, "validate", "--year", str(YEAR)) == 1
    out = capsys.readouterr().out
    expected = [
        '[LỖI] labour.xlsx › Chỉ tiêu › E7: "mười lăm" không phải là số',
        "[LỖI] labour.xlsx › Chỉ tiêu › E8: số âm (-492)",
        "[LỖI] vocational_training.xlsx › Chỉ tiêu › E8: 'GD02' = 14.400",
        "[LỖI] inspection.xlsx: thiếu tệp số liệu",
    ]
    for line in expected:
        assert line in out, out
    n_errors, n_warnings = out.count("[LỖI]"), out.count("[CẢNH BÁO]")
    assert out.startswith(f"Năm 2021: {n_errors} lỗi, {n_warnings} cảnh báo")
    assert n_errors == 5  # the four above and the district breakdown of LD02 that no longer adds up
    # errors first, then warnings
    assert out.index("[LỖI]") < out.index("[CẢNH BÁO]")
    assert out.rindex("[LỖI]") < out.index("[CẢNH BÁO]")


def test_sample_year_exits_0_with_warnings_and_writes_the_tables(project, capsys):
    assert run_build(project, "validate", "--year", str(YEAR)) == 0
    out = capsys.readouterr().out
    assert out.startswith("Năm 2021: 0 lỗi, 2 cảnh báo")
    assert (
        "[CẢNH BÁO] labour.xlsx › Chỉ tiêu › D15: 'LD09' có kế hoạch năm 2022 nhưng chưa có kế hoạch năm 2021"
        in out
    )
    folder = project.processed_year(YEAR)
    table = pd.read_csv(folder / "indicators.csv")
    assert list(table["domain"].unique()) == list(DOMAINS)
    assert table["code"].is_unique
    assert set(pd.read_csv(folder / "areas.csv")["domain"]) == set(DOMAINS)
    status = json.loads((folder / "validation.json").read_text(encoding="utf-8"))
    assert all(status[d]["ok"] for d in DOMAINS)
    (warning,) = status["labour"]["problems"]
    assert (warning["file"], warning["sheet"], warning["cell"], warning["severity"]) == (
        "labour.xlsx",
        "Chỉ tiêu",
        "D15",
        "warning",
    )


def test_a_domain_with_errors_is_left_out_of_the_processed_table(project):
    edit(project, "labour", {"E7": "mười lăm"})
    result = validate_year(YEAR, project)
    assert not result.ok and not result.domains["labour"].ok
    table = pd.read_csv(project.processed_year(YEAR) / "indicators.csv")
    assert "labour" not in set(table["domain"])
    assert set(table["domain"]) == set(DOMAINS) - {"labour"}
    status = json.loads((project.processed_year(YEAR) / "validation.json").read_text(encoding="utf-8"))
    assert status["labour"]["ok"] is False
    assert status["labour"]["problems"][0]["cell"] == "E7"


def test_missing_params_file_is_a_vietnamese_error(project, capsys):
    assert run_build(project, "validate", "--year", "2019") == 1
    assert (
        capsys.readouterr().out
        == "[LỖI] chưa có tham số/số liệu năm 2019 (params/2019.yaml, data/raw/2019/)\n"
    )


def test_a_broken_catalogue_is_a_message_not_a_traceback(project, capsys):
    path = project.catalogue
    path.write_text(
        path.read_text(encoding="utf-8").replace("\nLD02,labour,", "\nLD01,labour,"), encoding="utf-8"
    )
    assert run_build(project, "validate", "--year", str(YEAR)) == 1
    assert "[LỖI] params/catalogue.csv: mã chỉ tiêu bị trùng: LD01" in capsys.readouterr().out


def test_file_level_problems_have_no_invented_cell(project):
    """Where there is no cell (missing file, missing sheet), none is made up; everywhere else one is given."""
    edit(project, "labour", rename_sheet)
    edit(project, "vocational_training", {"E7": "x", "A9": "GD99"})
    result = validate_year(YEAR, project, write=False)
    for problem in result.problems:
        if problem.kind in {"missing_sheet", "missing_workbook", "missing_indicator"}:
            assert problem.cell is None
        else:
            assert problem.sheet and problem.cell, problem
