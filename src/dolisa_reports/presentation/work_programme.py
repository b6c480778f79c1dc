"""The work-programme report ("Báo cáo kết quả thực hiện chương trình công tác"), what its notebook calls.

Reads the validated dataset of ``work_programme.xlsx`` (``inputs/work_programme.py``), never the
workbook: totals per programme ("hoàn thành 35/35 nhiệm vụ"), the tasks by unit, the tasks done late
or not done with their reasons, and a chart. Its totals are recorded for the year-end summary.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from IPython.display import HTML

from ..inputs import work_programme as wp
from ..inputs.params import YearParams, load_params
from ..paths import Layout
from . import vnformat as vn
from .render import figure, render

NOUN = {"province": "nhiệm vụ", "department": "nhóm nhiệm vụ"}
OF = {"province": "theo Chương trình công tác năm {year} của UBND tỉnh", "department": "công tác của Sở"}


@dataclass
class ProgrammeContext:
    year: int
    params: YearParams
    tasks: pd.DataFrame

    @property
    def illustrative(self) -> bool:
        return bool((self.tasks["nature"] == "illustrative").any())


def load(year: int, layout: Layout | None = None) -> ProgrammeContext:
    layout = layout or Layout.default()
    return ProgrammeContext(year, load_params(year, layout), wp.load_tasks(layout, year))


def totals(ctx: ProgrammeContext) -> list[dict]:
    """Per programme: tasks, done (on time + late), done late, not done, in progress."""
    out = []
    for key in wp.PROGRAMMES:
        t = ctx.tasks[ctx.tasks["programme"] == key]
        if t.empty:
            continue
        status = t["status"]
        out.append(
            {
                "programme": key,
                "total": len(t),
                "done": int(status.isin([wp.DONE, wp.DONE_LATE]).sum()),
                "late": int((status == wp.DONE_LATE).sum()),
                "not_done": int((status == wp.NOT_DONE).sum()),
                "in_progress": int((status == wp.IN_PROGRESS).sum()),
            }
        )
    return out


def totals_sentence(items: list[dict], year: int) -> str:
    """'hoàn thành 35/35 nhiệm vụ theo Chương trình công tác năm 2021 của UBND tỉnh, 203/203 nhóm …'"""
    parts = [
        f"{t['done']}/{t['total']} {NOUN[t['programme']]} {OF[t['programme']].format(year=year)}"
        + (f" (trong đó {t['late']} quá hạn)" if t["late"] else "")
        for t in items
    ]
    return "hoàn thành " + ", ".join(parts) if parts else ""


def title_block(ctx: ProgrammeContext) -> HTML:
    p = ctx.params
    return HTML(
        render(
            "title_block.html.j2",
            params=p,
            kind="BÁO CÁO",  # a report of the year's work, not a thematic report
            number="",
            date_line=vn.date_line(p.place, p.report_date),
            title="Kết quả thực hiện chương trình công tác",
            year=ctx.year,
            area=None,
            unit=p.organisation.short_name,
            report_date=p.report_date,
        )
    )


def illustrative_notice(ctx: ProgrammeContext) -> HTML:
    if not ctx.illustrative:
        return HTML("")
    n = int((ctx.tasks["nature"] == "illustrative").sum())
    items = [
        f"{n} nhiệm vụ (nội dung, đơn vị, hạn, ngày hoàn thành) là minh họa; tổng số lấy từ văn bản nguồn."
    ]
    title = "Lưu ý: báo cáo có số liệu MINH HỌA, không lấy từ văn bản nguồn:"
    return HTML(render("notice.html.j2", kind="illustrative", title=title, items=items, text=""))


def overview(ctx: ProgrammeContext) -> HTML:
    items = totals(ctx)
    sentence = f"Năm {ctx.year}, {ctx.params.organisation.short_name} {totals_sentence(items, ctx.year)}."
    rows = [
        [wp.PROGRAMMES[t["programme"]], vn.number(t["total"]), vn.number(t["done"]), vn.number(t["late"]),
         vn.number(t["not_done"]), vn.number(t["in_progress"]), vn.percent(100 * t["done"] / t["total"], 1)]
        for t in items
    ]  # fmt: skip
    headers = ["Chương trình", "Số nhiệm vụ", "Hoàn thành", "Trong đó quá hạn", "Chưa hoàn thành",
               "Đang thực hiện", "Tỷ lệ hoàn thành"]  # fmt: skip
    table = render("list_table.html.j2", css="programme", caption=f"Bảng 1. Kết quả thực hiện chương trình công tác năm {ctx.year}",
                   headers=headers, numeric=set(headers[1:]), rows=rows, empty="Chưa có nhiệm vụ.")  # fmt: skip
    return HTML(f'<section class="summary"><p>{_esc(sentence)}</p></section>' + table)


def _esc(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))


def by_unit(ctx: ProgrammeContext) -> HTML:
    t = ctx.tasks
    rows = []
    for unit, g in t.groupby("unit", sort=False):
        s = g["status"]
        rows.append([unit or "—", vn.number(len(g)), vn.number(int(s.isin([wp.DONE, wp.DONE_LATE]).sum())),
                     vn.number(int((s == wp.DONE_LATE).sum())), vn.number(int((s == wp.NOT_DONE).sum())),
                     vn.number(int((s == wp.IN_PROGRESS).sum()))])  # fmt: skip
    headers = ["Đơn vị chủ trì", "Số nhiệm vụ", "Hoàn thành", "Quá hạn", "Chưa hoàn thành", "Đang thực hiện"]
    return HTML(render("list_table.html.j2", css="programme-units", caption=f"Bảng 2. Kết quả theo đơn vị năm {ctx.year}",
                       headers=headers, numeric=set(headers[1:]), rows=rows, empty="Chưa có nhiệm vụ."))  # fmt: skip


def late_and_unfinished(ctx: ProgrammeContext) -> HTML:
    t = ctx.tasks[ctx.tasks["status"].isin([wp.DONE_LATE, wp.NOT_DONE, wp.IN_PROGRESS])]
    rows = [
        [r.task, r.unit or "—", _d(r.deadline), wp.STATUSES[r.status], _d(r.completed), r.reason or "—"]
        for r in t.itertuples()
    ]
    headers = ["Nhiệm vụ", "Đơn vị", "Hạn", "Tình trạng", "Ngày hoàn thành", "Lý do"]
    return HTML(render("list_table.html.j2", css="programme-late", caption="Bảng 3. Nhiệm vụ quá hạn, chưa hoàn thành",
                       headers=headers, numeric=set(), rows=rows,
                       empty="Không có nhiệm vụ nào quá hạn hay chưa hoàn thành."))  # fmt: skip


def _d(iso) -> str:
    import datetime as dt

    return vn.date(dt.date.fromisoformat(iso)) if isinstance(iso, str) and iso else vn.MISSING


def chart(ctx: ProgrammeContext) -> HTML:
    from . import charts

    data = []
    for t in totals(ctx):
        on_time = t["done"] - t["late"]
        data.append((wp.PROGRAMMES[t["programme"]], [on_time, t["late"], t["not_done"] + t["in_progress"]]))
    if not data:
        return HTML('<p class="placeholder">Chưa có nhiệm vụ.</p>')
    png = charts.stacked(data, ["Đúng hạn", "Quá hạn", "Chưa hoàn thành"], "Số nhiệm vụ")
    caption = f"Biểu đồ 1. Tình hình thực hiện chương trình công tác năm {ctx.year}"
    return HTML(figure(png, caption, caption))


def signature_block(ctx: ProgrammeContext) -> HTML:
    from .render import signature

    return HTML(signature(ctx.params, [], None))


def record_results(ctx: ProgrammeContext) -> None:
    """Totals for the year-end summary (``outputs/<year>/results/work_programme.json``)."""
    from IPython.display import display

    from ..figures.results import MIME, SCHEMA_VERSION

    payload = {"schema": SCHEMA_VERSION, "year": ctx.year, "domain": wp.NAME, "totals": totals(ctx),
               "sentence": totals_sentence(totals(ctx), ctx.year)}  # fmt: skip
    display({MIME: payload}, raw=True)
