"""The work programme: its workbook checked cell by cell, its report, its totals in the summary."""

from __future__ import annotations

import datetime as dt

import openpyxl
from conftest import run_cli

from dolisa_reports.inputs import work_programme as wp


def _edit(layout, row: int, **values) -> None:
    path = layout.workbook(2021, wp.NAME)
    wb = openpyxl.load_workbook(path)
    ws = wb[wp.SHEET]
    for key, value in values.items():
        ws[f"{wp.BY_KEY[key].letter}{row}"] = value
    wb.save(path)


def test_the_report_shows_the_totals_and_the_summary_quotes_them(built_2021):
    html = (built_2021.out_year(2021) / "work_programme.html").read_text(encoding="utf-8")
    assert "hoàn thành 35/35 nhiệm vụ theo Chương trình công tác năm 2021 của UBND tỉnh" in html
    assert "203/203 nhóm nhiệm vụ công tác của Sở" in html
    assert "Không có nhiệm vụ nào quá hạn hay chưa hoàn thành." in html
    assert '<div class="doc-kind">BÁO CÁO</div>' in html
    assert "MINH HỌA" in html  # each task is illustrative, the totals are the source's
    summary = (built_2021.out_year(2021) / "summary.html").read_text(encoding="utf-8")
    assert "hoàn thành 35/35 nhiệm vụ theo Chương trình công tác năm 2021 của UBND tỉnh" in summary
    assert 'href="2021/work_programme.html"' in (built_2021.outputs / "index.html").read_text(
        encoding="utf-8"
    )


def test_a_late_task_needs_its_reason_and_the_status_must_match_the_dates(project, capsys):
    r = wp.FIRST_ROW
    _edit(
        project,
        r,
        status="Hoàn thành quá hạn",
        deadline=dt.datetime(2021, 3, 15),
        completed=dt.datetime(2021, 4, 2),
    )
    _edit(
        project,
        r + 1,
        status="Hoàn thành",
        deadline=dt.datetime(2021, 3, 15),
        completed=dt.datetime(2021, 3, 20),
    )
    _edit(project, r + 2, status="Xong rồi")
    _edit(project, r + 3, status="Chưa hoàn thành", completed=None)
    assert run_cli(project, "validate", "--year", "2021") == 1
    out = capsys.readouterr().out
    assert f"[LỖI] work_programme.xlsx › Nhiệm vụ › I{r}: nhiệm vụ 'hoàn thành quá hạn' cần ghi lý do" in out
    assert (
        f"› G{r + 1}: hoàn thành ngày 20/03/2021, sau hạn 15/03/2021: tình trạng phải là 'Hoàn thành quá hạn'"
        in out
    )
    assert f"› G{r + 2}: tình trạng 'Xong rồi' không hợp lệ" in out
    assert f"› I{r + 3}: nhiệm vụ 'chưa hoàn thành' cần ghi lý do" in out


def test_late_tasks_are_listed_with_their_reasons(project, capsys):
    r = wp.FIRST_ROW
    _edit(project, r, status="Hoàn thành quá hạn", deadline=dt.datetime(2021, 3, 15),
          completed=dt.datetime(2021, 4, 2), reason="Chờ ý kiến của Bộ")  # fmt: skip
    assert run_cli(project, "validate", "--year", "2021") == 0
    from dolisa_reports.presentation import work_programme as w

    ctx = w.load(2021, project)
    assert w.totals(ctx)[0] == {"programme": "province", "total": 35, "done": 35, "late": 1, "not_done": 0,
                                "in_progress": 0}  # fmt: skip
    late = w.late_and_unfinished(ctx).data
    assert "Chờ ý kiến của Bộ" in late and "02/04/2021" in late
    assert (
        "35/35 nhiệm vụ theo Chương trình công tác năm 2021 của UBND tỉnh (trong đó 1 quá hạn)"
        in w.overview(ctx).data
    )
