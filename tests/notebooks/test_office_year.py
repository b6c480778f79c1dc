"""The office's year: a new year in one command, who has sent what, issued reports frozen."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import shutil

import openpyxl
import pytest
import yaml
from conftest import run_build, run_cli

from dolisa_reports import DOMAINS
from dolisa_reports.inputs import contract as C
from dolisa_reports.paths import Layout


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _states(layout: Layout, year: int) -> dict[str, str]:
    index = (layout.outputs / "index.html").read_text(encoding="utf-8")
    section = index[index.index(f'<section id="nam-{year}">') :]
    section = section[: section.index("</section>")]
    return dict(re.findall(r'data-domain="(\w+)" data-state="(\w+)"', section))


# -- new-year ------------------------------------------------------------------------------------


def test_new_year_writes_params_and_templates_and_never_overwrites(project, capsys):
    assert run_cli(project, "template", "--year", "2022") == 1
    assert "python run_all.py new-year 2022" in capsys.readouterr().out

    assert run_cli(project, "new-year", "2022") == 0
    out = capsys.readouterr().out
    assert "đã tạo params/2022.yaml (từ params/2021.yaml)" in out
    for what in ("tên cơ quan", "địa bàn: 9", "người ký", "hạn nộp số liệu: 15/11/2022"):
        assert what in out, what
    new = yaml.safe_load(project.params_file(2022).read_text(encoding="utf-8"))
    old = yaml.safe_load(project.params_file(2021).read_text(encoding="utf-8"))
    assert (new["year"], new["comparison_year"], new["next_year"]) == (2022, 2021, 2023)
    assert new["report_date"] == dt.date(2022, 12, 10)
    assert {d["deadline"] for d in new["domains"].values()} == {dt.date(2022, 11, 15)}
    assert new["areas"] == old["areas"] and new["units"] == old["units"]
    assert new["organisation"] == old["organisation"]
    for domain in DOMAINS:
        assert project.workbook(2022, domain).is_file()
    before = {p.name: _sha(p) for p in [project.params_file(2022), *project.raw_year(2022).glob("*.xlsx")]}

    assert run_cli(project, "new-year", "2022") == 0  # again: nothing overwritten
    assert "đã có params/2022.yaml: giữ nguyên, không ghi đè" in capsys.readouterr().out
    after = {p.name: _sha(p) for p in [project.params_file(2022), *project.raw_year(2022).glob("*.xlsx")]}
    assert before == after

    assert run_cli(project, "validate", "--year", "2022") == 1  # the untouched templates: empty cells
    out = capsys.readouterr().out
    for domain in DOMAINS:
        assert re.search(rf"\[LỖI\] {domain}\.xlsx › Chỉ tiêu › E7:E\d+: biểu còn trống", out), domain
    states = _states(project, 2022)  # not received (overdue: today is past 15/11/2022)
    assert set(states) == set(DOMAINS) and set(states.values()) <= {"missing", "overdue"}
    index = (project.outputs / "index.html").read_text(encoding="utf-8")
    assert index.count("chưa nhận") >= 5


# -- submissions ---------------------------------------------------------------------------------


def _fill_submission(path, preparer: str, sent) -> None:
    wb = openpyxl.load_workbook(path)
    ws = wb[C.SHEET_INDICATORS]
    ws[C.PREPARER_CELL], ws[C.SENT_CELL] = preparer, sent
    wb.save(path)


def test_status_shows_who_sent_what_against_the_deadline(project, capsys):
    _fill_submission(project.workbook(2021, "labour"), "Nguyễn Văn A", dt.datetime(2021, 11, 12))
    _fill_submission(project.workbook(2021, "inspection"), "Trần Thị B", dt.datetime(2021, 11, 20))
    project.workbook(2021, "social_protection").unlink()
    assert run_cli(project, "validate", "--year", "2021") == 1  # social_protection is missing
    capsys.readouterr()
    assert run_cli(project, "status", "--year", "2021") == 0
    out = capsys.readouterr().out
    lines = {d: next(line for line in out.splitlines() if line.strip().startswith(d)) for d in DOMAINS}
    assert "người lập: Nguyễn Văn A" in lines["labour"] and "gửi ngày 12/11/2021" in lines["labour"]
    assert "nộp muộn" not in lines["labour"] and "đã kiểm tra: 0 lỗi" in lines["labour"]
    assert "gửi ngày 20/11/2021" in lines["inspection"]
    assert "nộp muộn so với hạn 15/11/2021" in lines["inspection"]
    assert "chưa nhận (quá hạn nộp)" in lines["social_protection"]
    assert "chưa ghi ngày gửi" in lines["vocational_training"]
    assert "Cần nhắc gửi số liệu: Phòng Bảo trợ xã hội – Trẻ em – Bình đẳng giới." in out
    # a workbook changed after its validation is received, not yet checked
    _fill_submission(project.workbook(2021, "labour"), "Nguyễn Văn A", dt.datetime(2021, 11, 13))
    assert run_cli(project, "status", "--year", "2021") == 0
    line = next(li for li in capsys.readouterr().out.splitlines() if li.strip().startswith("labour"))
    assert "chưa kiểm tra" in line


def test_the_sent_date_is_checked(project, capsys):
    _fill_submission(project.workbook(2021, "labour"), "Nguyễn Văn A", "ngày 12 tháng 11")
    run_cli(project, "validate", "--year", "2021", "--domain", "labour")
    out = capsys.readouterr().out
    assert "[CẢNH BÁO] labour.xlsx › Chỉ tiêu › E3: ngày gửi 'ngày 12 tháng 11' không đọc được" in out


# -- issued reports ------------------------------------------------------------------------------

NUMBER = "172/BC-SLĐTBXH"


@pytest.fixture
def issued(project, capsys) -> Layout:
    """labour 2021 built, then issued (which builds it again with its number and freezes it)."""
    assert run_build(project, "--year", "2021", "--domain", "labour", "--format", "html") == 0
    capsys.readouterr()
    args = ("issue", "--year", "2021", "--domain", "labour", "--number", NUMBER, "--date", "2021-12-22")
    assert run_cli(project, *args) == 0
    out = capsys.readouterr().out
    assert "đã cố định tại issued/2021/" in out
    return project


def _frozen(layout: Layout) -> dict[str, str]:
    return {ext: _sha(layout.out_year(2021) / f"labour.{ext}") for ext in ("html", "pdf", "docx")}


@pytest.mark.slow
def test_an_issued_report_shows_its_number_and_is_frozen(issued, capsys):
    html = (issued.out_year(2021) / "labour.html").read_text(encoding="utf-8")
    assert f"Số: {NUMBER}" in html and "ngày 22 tháng 12 năm 2021" in html
    record = yaml.safe_load(issued.issue_record(2021).read_text(encoding="utf-8"))
    assert record["labour"]["number"] == NUMBER and "labour.docx" in record["labour"]["frozen"]
    frozen = _frozen(issued)
    assert frozen["docx"] == record["labour"]["frozen"]["labour.docx"]
    index = (issued.outputs / "index.html").read_text(encoding="utf-8")
    assert f"Đã ban hành: Số {NUMBER}, ngày 22/12/2021" in index

    nb_path = issued.notebook("labour")
    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    nb["cells"].append({"cell_type": "markdown", "id": "added", "metadata": {}, "source": "Một đoạn mới."})
    nb_path.write_text(json.dumps(nb, ensure_ascii=False, indent=1), encoding="utf-8")
    assert run_build(issued, "--year", "2021", "--domain", "labour", "--force") == 0
    out = capsys.readouterr().out
    assert f"đã ban hành (số {NUMBER}, ngày 22/12/2021): giữ nguyên bản đã ban hành" in out
    assert "số liệu đã thay đổi sau ngày ban hành" in out
    assert _frozen(issued) == frozen  # byte-identical, --force and a notebook edit notwithstanding

    shutil.rmtree(issued.outputs)  # make clean-outputs: the issued report comes back as it was signed
    assert run_build(issued, "--year", "2021", "--domain", "labour", "--format", "html") == 0
    assert _frozen(issued) == frozen

    assert run_cli(issued, "unissue", "--year", "2021", "--domain", "labour") == 0
    assert not issued.issue_record(2021).exists()
    assert run_build(issued, "--year", "2021", "--domain", "labour", "--format", "html") == 0
    html = (issued.out_year(2021) / "labour.html").read_text(encoding="utf-8")
    assert f"Số: {NUMBER}" not in html and "Một đoạn mới." in html  # built again, from today's notebook


@pytest.mark.slow
def test_the_summary_keeps_the_issued_figures(issued, capsys):
    results = issued.out_year(2021) / "results" / "labour.json"
    issued_results = results.read_bytes()
    wb_path = issued.workbook(2021, "labour")
    wb = openpyxl.load_workbook(wb_path)
    ws = wb[C.SHEET_INDICATORS]
    row = next(r for r in range(C.FIRST_ROW, ws.max_row + 1) if ws[f"A{r}"].value == "LD01")
    ws[f"E{row}"] = 15000  # a district corrects its figure after the report was signed
    wb.save(wb_path)
    assert run_build(issued, "--year", "2021", "--format", "html") == 0
    assert "số liệu đã thay đổi sau ngày ban hành" in capsys.readouterr().out
    assert results.read_bytes() == issued_results
    summary = (issued.out_year(2021) / "summary.html").read_text(encoding="utf-8")
    assert "15.939" in summary and "15.000" not in summary


def test_issue_refuses_what_it_cannot_do(project, capsys):
    assert run_cli(project, "issue", "--year", "2021", "--number", "1/BC", "--date", "2021-12-22") == 2
    assert "mỗi báo cáo một số" in capsys.readouterr().out
    assert run_cli(project, "issue", "--year", "2021", "--domain", "labour", "--date", "22-12-2021") == 1
    assert "ngày '22-12-2021' không hợp lệ" in capsys.readouterr().out
    assert not project.issue_record(2021).exists()
    project.issue_record(2021).write_text("labour: {number: 1/BC, date: 2021-12-22}\n", encoding="utf-8")
    args = ("issue", "--year", "2021", "--domain", "labour", "--number", "2/BC", "--date", "2021-12-23")
    assert run_cli(project, *args) == 1
    out = capsys.readouterr().out
    assert "đã ban hành" in out and "unissue --year 2021 --domain labour" in out
