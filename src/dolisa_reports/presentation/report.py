"""What the domain notebooks call: ``ctx = load(...)``, then one short call per report section.

Each call returns an IPython display object (HTML), so a notebook cell is one line and the HTML
export shows the output without any code.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
from IPython.display import HTML

from ..figures import live
from ..figures.analysis import Row, Verdict, compute_rows, counts, shortfalls
from ..figures.rows import record, table_view
from ..inputs import dataset, issues
from ..inputs.catalogue import Catalogue, load_catalogue
from ..inputs.dataset import Dataset
from ..inputs.issues import Issue
from ..inputs.narrative import Narrative, load_narrative
from ..inputs.params import Area, YearParams, load_params
from ..paths import Layout
from ..periods import PERIODS, YEAR, Period
from ..periods import get as get_period
from ..problems import Problem, UserError
from . import charts
from . import vnformat as vn
from .render import figure, render, signature


class ReportDataError(UserError):
    """The domain's data has errors: the report is not built (run ``run_all.py validate``)."""


@dataclass
class ReportContext:
    year: int
    domain: str
    params: YearParams
    catalogue: Catalogue
    rows: list[Row]
    narrative: Narrative
    data: Dataset
    previous_year: int
    previous_available: bool
    area: Area | None = None
    notes: list[str] = field(default_factory=list)
    issue: Issue | None = None  # number and date, once issued (inputs/issues.py)
    figures: dict = field(default_factory=dict)  # what {LD01}, {LD01.tyle}… print (figures/live.py)
    period: Period = PERIODS[YEAR]  # a six- or nine-month report (periods.py)
    _figure_no: int = 0

    @property
    def when(self) -> str:
        """'năm 2021' or '6 tháng đầu năm 2021': what every caption and sentence says."""
        return self.period.when(self.year)

    @property
    def prev_when(self) -> str:
        """The comparison: 'năm 2020', or the same period of it ('6 tháng đầu năm 2020')."""
        return self.period.when(self.previous_year)

    @property
    def plan_words(self) -> str:
        """'kế hoạch', or 'kế hoạch năm' when a period's figure is set against the year's plan."""
        return self.period.plan_words

    @property
    def title(self) -> str:
        return self.params.domain_title(self.domain)

    @property
    def scope(self) -> str:
        """Who the figures are about: 'toàn tỉnh', 'toàn thành phố' or the area's name."""
        return self.area.name if self.area else f"toàn {self.params.province_kind}"

    def next_figure(self) -> int:
        self._figure_no += 1
        return self._figure_no

    @property
    def warnings(self) -> list[Problem]:
        return self.data.warnings


def _area_frame(data: Dataset, area: Area) -> pd.DataFrame:
    """The area's figures as an indicator table: actuals only (plans are provincial)."""
    a = data.areas[data.areas["area_code"] == area.code]
    base = set(data.indicators["code"])
    records = []
    for rec in a.itertuples():
        if rec.code not in base:
            continue
        records.append(
            {
                "code": rec.code,
                "actual": rec.value,
                "nature": rec.nature,
                "note": f"Số liệu của {area.name}.",
                "plan_kind": None,
                "target_kind": None,
            }
        )
    return pd.DataFrame.from_records(records)


def _previous(year: int, domain: str, layout: Layout) -> tuple[Dataset | None, str | None]:
    """The comparison year's dataset, or None and why (a note for the report)."""
    record = dataset.status(year, domain, layout)
    if record is None:
        return None, None
    if not record.get("ok"):
        if any(p.get("kind") == "missing_workbook" for p in record.get("problems", [])):
            return None, None  # no workbook that year: simply nothing to compare with
        when = get_period(layout.period).when(year)
        return None, f"Số liệu {when} có lỗi nên không dùng để so sánh cùng kỳ."
    try:
        return dataset.load(year, domain, layout), None
    except dataset.DatasetError as exc:
        return None, str(exc).splitlines()[0]


def load(
    domain: str,
    year: int,
    area: str | None = None,
    layout: Layout | None = None,
    period: str | None = None,
) -> ReportContext:
    """This year's (and the comparison year's) validated dataset for the domain, and every figure from it.

    Reads ``data/processed/<year>/`` (``dataset.py``), the params, the catalogue and the narrative: never a
    workbook. The build validates every workbook a report needs before any notebook runs.
    ``period`` ('6t', '9t'): the six- or nine-month report, from ``data/processed/<year>/<period>/``,
    compared with the same period of the comparison year and against the year's plan."""
    layout = layout or Layout.default()
    if period is not None:
        layout = layout.for_period(period)
    reporting = get_period(layout.period)
    params = load_params(year, layout)
    catalogue = load_catalogue(layout)
    try:
        data = dataset.load(year, domain, layout)
    except dataset.DatasetError as exc:
        raise ReportDataError(str(exc)) from None
    previous_year = params.comparison_year
    notes: list[str] = []
    prev_data, note = _previous(previous_year, domain, layout) if previous_year != year else (None, None)
    if note:
        notes.append(note)
    previous = prev_data.indicators if prev_data is not None else None
    area_obj = None
    current = data.indicators
    if area:
        area_obj = params.areas.by_code(area) or next((a for a in params.areas.items if a.slug == area), None)
        if area_obj is None:
            raise ReportDataError(f"Không có địa bàn '{area}' trong params/{year}.yaml")
        current = _area_frame(data, area_obj)
        previous = _previous_area(previous_year, prev_data, area_obj, layout)
    rows = compute_rows(current, previous, catalogue, domain, year, reporting.months)
    narrative = (
        load_narrative(layout.narrative(year, domain), f"narrative/{domain}.md")
        if area_obj is None
        else Narrative(None)
    )
    return ReportContext(
        year=year,
        domain=domain,
        params=params,
        catalogue=catalogue,
        rows=rows,
        narrative=narrative,
        data=data,
        previous_year=previous_year,
        previous_available=previous is not None and not previous.empty,
        area=area_obj,
        notes=notes,
        issue=None if area_obj else issues.lookup(layout, year, domain),
        figures=live.values(rows, reporting.when(previous_year)),
        period=reporting,
    )


def _previous_area(year: int, prev: Dataset | None, area: Area, layout: Layout) -> pd.DataFrame | None:
    """Last year's figures for the same area, when last year's areas include it."""
    if prev is None or prev.areas.empty:
        return None
    try:
        prev_params = load_params(year, layout)
    except UserError:
        return None
    if prev_params.areas.by_code(area.code) is None:
        return None
    return _area_frame(prev, area)


# -- sections ---------------------------------------------------------------------------------


def title_block(ctx: ReportContext) -> HTML:
    """The Decree 30 header; once the report is issued, with its number and the date of issue."""
    p, issue = ctx.params, ctx.issue
    return HTML(
        render(
            "title_block.html.j2",
            params=p,
            number=issue.number if issue else "",
            date_line=vn.date_line(p.place, issue.date if issue else p.report_date_for(ctx.period.code)),
            title=f"Lĩnh vực {ctx.title}",
            kind="BÁO CÁO CHUYÊN ĐỀ" if ctx.period.is_year else "BÁO CÁO",
            year=ctx.year,
            when=ctx.when,
            area=ctx.area.name if ctx.area else None,
            unit=p.domains[ctx.domain].unit,
            report_date=p.report_date_for(ctx.period.code),
        )
    )


def _headline(ctx: ReportContext, r: Row) -> str:
    ind = r.indicator
    value = vn.number(r.actual, ind.value_decimals)
    text = (
        ind.headline_vi.format(actual=value)
        if ind.headline_vi
        else f"{ind.name_vi} đạt {vn.quantity(r.actual, ind.unit, ind.value_decimals)}"
    )
    if r.nature == "estimate":  # an "Ước tính" figure says so in the text as in the table
        text += " (ước tính)"
    if r.ratio is not None:
        text += f", đạt {vn.percent(r.ratio, ind.ratio_decimals)} {ctx.plan_words}"
    change = live.change_text(r, ctx.prev_when)
    if change:
        text += f" ({change})"
    return text


def summary_sentences(ctx: ReportContext) -> list[str]:
    key_rows = [r for r in ctx.rows if r.indicator.key and r.actual is not None]
    if not key_rows:
        key_rows = [r for r in ctx.rows if r.actual is not None][:3]
    sentences = []
    for i, r in enumerate(key_rows):
        text = _headline(ctx, r)
        if i == 0:
            sentences.append(f"{ctx.period.when_cap(ctx.year)}, {ctx.scope} {text}.")
        else:
            sentences.append(text[0].upper() + text[1:] + ".")
    return sentences


def summary(ctx: ReportContext) -> HTML:
    """The generated summary: 'Năm 2021, toàn tỉnh giải quyết việc làm cho 15.939 lao động, đạt 99,6% kế hoạch.'"""
    sentences = summary_sentences(ctx) or ["Chưa có số liệu thực hiện."]
    tally = ""
    c = counts(ctx.rows)
    planned = sum(1 for r in ctx.rows if r.plan is not None)  # the KH column of the table
    judged = sum(c.values())
    if planned and not ctx.period.is_year:
        tally = _pace_tally(ctx, planned)
    elif planned:
        tally = (
            f"Trong {planned} chỉ tiêu có kế hoạch năm {ctx.year}: "
            f"{c[Verdict.EXCEEDED]} chỉ tiêu vượt, {c[Verdict.ACHIEVED]} chỉ tiêu đạt, "
            f"{c[Verdict.NOT_ACHIEVED]} chỉ tiêu chưa đạt kế hoạch"
            + (f", {planned - judged} chỉ tiêu chưa có số thực hiện" if planned > judged else "")
            + "."
        )
    return HTML(render("summary.html.j2", sentences=sentences, tally=tally))


def _pace_tally(ctx: ReportContext, planned: int) -> str:
    """Mid-year: how many cumulative figures have reached the period's share of the year's plan."""
    from ..figures.analysis import Pace

    share = vn.percent(ctx.period.expected_share, 0)
    on = sum(1 for r in ctx.rows if r.pace == Pace.ON_TRACK)
    behind = sum(1 for r in ctx.rows if r.pace == Pace.BEHIND)
    text = (
        f"Trong {planned} chỉ tiêu có kế hoạch năm {ctx.year}: {on} chỉ tiêu đạt tiến độ "
        f"(từ {share} kế hoạch năm trở lên), {behind} chỉ tiêu chậm tiến độ"
    )
    rest = planned - on - behind
    if rest:
        text += f"; {rest} chỉ tiêu tỷ lệ hoặc chưa có số thực hiện, đánh giá khi tổng kết năm"
    return text + "."


def illustrative_items(ctx: ReportContext) -> list[str]:
    items = []
    cur = [r.code for r in ctx.rows if r.illustrative]
    prev = [r.code for r in ctx.rows if r.previous_illustrative]
    if cur:
        items.append(f"Số liệu {ctx.when} của các chỉ tiêu: {', '.join(cur)}.")
    if prev:
        items.append(f"Số liệu {ctx.prev_when} (cột so sánh cùng kỳ) của các chỉ tiêu: {', '.join(prev)}.")
    if ctx.area is None and not ctx.data.areas.empty and (ctx.data.areas["nature"] == "illustrative").any():
        items.append("Số liệu theo địa bàn.")
    if ctx.params.signatory.illustrative:
        items.append("Tên người ký.")
    return items


def illustrative_notice(ctx: ReportContext) -> HTML:
    """A visible notice wherever a figure is illustrative (not from a source document)."""
    items = illustrative_items(ctx)
    blocks = []
    if items:
        blocks.append(
            render(
                "notice.html.j2",
                kind="illustrative",
                title="Lưu ý: báo cáo có số liệu MINH HỌA, không lấy từ văn bản nguồn (đánh dấu * trong bảng):",
                items=items,
                text="",
            )
        )
    if not ctx.previous_available:
        blocks.append(
            render(
                "notice.html.j2",
                kind="info",
                title=f"Chưa có số liệu {ctx.prev_when} để so sánh cùng kỳ.",
                items=ctx.notes,
                text="",
            )
        )
    elif ctx.notes:
        blocks.append(render("notice.html.j2", kind="info", title="Ghi chú", items=ctx.notes, text=""))
    return HTML("\n".join(blocks))


def indicator_table(ctx: ReportContext) -> HTML:
    """TT, chỉ tiêu, ĐVT, KH, TH, % TH/KH, TH năm trước, so với cùng kỳ, KH năm sau, đánh giá."""
    if not ctx.rows:
        return HTML('<p class="placeholder">Chưa có số liệu chỉ tiêu.</p>')
    views = [table_view(record(r)) for r in ctx.rows]
    return HTML(
        render(
            "indicator_table.html.j2",
            caption=f"Bảng 1. Kết quả thực hiện các chỉ tiêu lĩnh vực {ctx.title} {ctx.when}",
            rows=views,
            heads=table_heads(ctx),
            any_illustrative=any(v["illustrative"] or v["previous_illustrative"] for v in views),
            any_estimate=any(v["estimate"] for v in views),
        )
    )


def table_heads(ctx: ReportContext) -> dict[str, str]:
    """The indicator table's column titles: 'KH 2021', 'TH 2021'… at year end; mid-year 'KH năm 2021',
    'TH 6 tháng 2021', '% TH/KH năm', 'Tiến độ' (and no next-year column when no row has one)."""
    year, prev, nxt = ctx.year, ctx.previous_year, ctx.params.next_year
    if ctx.period.is_year:
        return {"plan": f"KH {year}", "actual": str(year), "ratio": "% TH/KH", "previous": str(prev),
                "next": f"KH {nxt}", "verdict": "Đánh giá"}  # fmt: skip
    short = ctx.period.name.removesuffix(" đầu năm")
    return {
        "plan": f"KH năm {year}",
        "actual": f"{short} {year}",
        "ratio": "% TH/KH năm",
        "previous": f"{short} {prev}",
        "next": f"KH {nxt}" if any(r.target_next for r in ctx.rows) else "",
        "verdict": "Tiến độ",
    }


def _chart(ctx: ReportContext, png: bytes | None, caption: str, empty: str) -> HTML:
    if png is None:
        return HTML(f'<p class="placeholder">{_esc(empty)}</p>')
    n = ctx.next_figure()
    return HTML(figure(png, f"Biểu đồ {n}. {caption}", caption))


def _esc(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))


def achievement_chart(ctx: ReportContext) -> HTML:
    return _chart(
        ctx,
        charts.achievement(ctx.rows, ctx.period.expected_share),
        f"Tỷ lệ thực hiện so với kế hoạch năm {ctx.year}"
        + ("" if ctx.period.is_year else f" ({ctx.period.name} {ctx.year})"),
        "Không có chỉ tiêu nào có kế hoạch để so sánh.",
    )


def year_on_year_chart(ctx: ReportContext) -> HTML:
    return _chart(
        ctx,
        charts.year_on_year(ctx.rows, ctx.when, ctx.prev_when),
        f"Thực hiện {ctx.when} so với {ctx.prev_when}",
        f"Chưa có số liệu {ctx.prev_when} để so sánh ({vn.MISSING}).",
    )


def breakdown_charts(ctx: ReportContext) -> HTML:
    """One chart per total whose parts are in the catalogue (GD02 = GD03 + GD04 + GD05, …)."""
    by_code = {r.code: r for r in ctx.rows}
    out = []
    for r in ctx.rows:
        if not r.indicator.sum_of:
            continue
        parts = [by_code[c] for c in r.indicator.sum_of if c in by_code]
        png = charts.breakdown(r, parts)
        if png:
            out.append(_chart(ctx, png, f"Cơ cấu {r.indicator.name_vi.lower()} theo thành phần", "").data)
    return HTML("\n".join(out))


def area_section(ctx: ReportContext, max_charts: int = 3) -> HTML:
    """Figures by administrative area, where the workbook has the area sheet."""
    areas = ctx.data.areas
    if ctx.area is not None or areas.empty:
        return HTML(
            '<p class="placeholder">Biểu số liệu không có phần theo địa bàn.</p>' if ctx.area is None else ""
        )
    order = [a.code for a in ctx.params.areas.items]
    codes = [c for c in dict.fromkeys(areas["code"]) if c in ctx.catalogue]
    headers = [ctx.params.areas.level_label, *codes]
    table_rows = []
    for code_area in order:
        sub = areas[areas["area_code"] == code_area]
        if sub.empty:
            continue
        name = sub["area_name"].iloc[0]
        vals = []
        for c in codes:
            v = sub[sub["code"] == c]["value"]
            vals.append(vn.number(v.iloc[0], ctx.catalogue[c].value_decimals) if len(v) else vn.MISSING)
        table_rows.append([name, *vals])
    totals = [
        "Tổng",
        *(
            vn.number(areas[areas["code"] == c]["value"].sum(), ctx.catalogue[c].value_decimals)
            for c in codes
        ),
    ]
    table_rows.append(totals)
    legend = "; ".join(f"{c}: {ctx.catalogue[c].name_vi} ({ctx.catalogue[c].unit})" for c in codes)
    parts = [
        render(
            "list_table.html.j2",
            css="areas",
            caption=f"Bảng 2. Kết quả thực hiện {ctx.when} theo địa bàn",
            headers=headers,
            numeric=set(codes),
            rows=table_rows,
            empty="",
        ),
        f'<p class="table-note">{_esc(legend)}</p>',
    ]
    for c in codes[:max_charts]:
        sub = areas[areas["code"] == c]
        pairs = [(n, float(v)) for n, v in zip(sub["area_name"], sub["value"], strict=True) if pd.notna(v)]
        ind = ctx.catalogue[c]
        png = charts.by_area(
            f"{c} {ind.name_vi}", ind.unit, pairs, ind.value_decimals, (sub["nature"] == "illustrative").any()
        )
        parts.append(_chart(ctx, png, f"{ind.name_vi} theo địa bàn {ctx.when}", "").data)
    return HTML("\n".join(parts))


def shortfalls_table(ctx: ReportContext) -> HTML:
    """'Hạn chế, tồn tại' starts with the indicators not achieved, listed automatically (mid-year: the
    cumulative figures behind the pace the year's plan asks)."""
    if not ctx.period.is_year:
        return _behind_table(ctx)

    def gap(r: Row) -> float | None:
        ok = r.plan and r.plan.value is not None and r.actual is not None
        return abs(r.plan.value - r.actual) if ok else None

    rows = _gap_rows(shortfalls(ctx.rows), gap)
    return HTML(
        render(
            "list_table.html.j2",
            css="shortfalls",
            caption=f"Các chỉ tiêu chưa đạt kế hoạch năm {ctx.year}",
            headers=["Chỉ tiêu", "Kế hoạch", "Thực hiện", "% TH/KH", "Còn thiếu"],
            numeric={"Kế hoạch", "Thực hiện", "% TH/KH", "Còn thiếu"},
            rows=rows,
            empty=(
                f"Không có chỉ tiêu nào chưa đạt kế hoạch năm {ctx.year}."
                if any(r.plan is not None for r in ctx.rows)
                else f"{ctx.scope[0].upper() + ctx.scope[1:]} không có kế hoạch riêng cho các chỉ tiêu: "
                "không đánh giá đạt, chưa đạt."
            ),
        )
    )


def _gap_rows(rows: list[Row], gap) -> list[list[str]]:
    """Chỉ tiêu, kế hoạch, thực hiện, % TH/KH and what is missing (``gap(row)``) of each row."""
    out = []
    for r in rows:
        ind, left = r.indicator, gap(r)
        out.append(
            [
                ind.name_vi,
                r.plan.text(ind.value_decimals) if r.plan else vn.MISSING,
                vn.number(r.actual, ind.value_decimals),
                vn.percent(r.ratio, ind.ratio_decimals),
                vn.quantity(left, ind.unit, ind.value_decimals) if left is not None else vn.MISSING,
            ]
        )
    return out


def _remaining(r: Row) -> float | None:
    """What is left to do for the year's plan (None when reached or not a planned amount)."""
    if r.plan is None or r.plan.value is None or r.actual is None or not r.indicator.is_count:
        return None
    left = r.plan.value - r.actual
    return left if left > 0 else None


def _behind_table(ctx: ReportContext) -> HTML:
    from ..figures.analysis import Pace

    share = vn.percent(ctx.period.expected_share, 0)
    rows = _gap_rows([r for r in ctx.rows if r.pace == Pace.BEHIND], _remaining)
    heads = ["Chỉ tiêu", f"KH năm {ctx.year}", f"TH {ctx.when}", "% TH/KH năm", "Còn phải thực hiện"]
    return HTML(
        render(
            "list_table.html.j2",
            css="shortfalls",
            caption=f"Các chỉ tiêu chậm tiến độ {ctx.when} (dưới {share} kế hoạch năm)",
            headers=heads,
            numeric=set(heads[1:]),
            rows=rows,
            empty=f"Không có chỉ tiêu nào chậm tiến độ (các chỉ tiêu có kế hoạch đều đạt từ {share} "
            "kế hoạch năm trở lên).",
        )
    )


def narrative_html(markdown: str | None, figures: dict) -> str | None:
    """An analyst's Markdown with its live figures filled in, as safe HTML (None when empty)."""
    from ..inputs.narrative import render_markdown

    return render_markdown(live.substitute(markdown, figures)) if markdown else None


def narrative(ctx: ReportContext, key: str) -> HTML:
    """An analyst's section (achievements, limitations, causes, solutions), or a clear placeholder;
    ``{LD01}``-style figures print as the table does (figures/live.py)."""
    placeholder = "Chưa có nhận định." if key != "achievements" else "Chưa có nhận định của phòng chuyên môn."
    return HTML(
        render(
            "narrative.html.j2",
            key=key,
            html=_markup(narrative_html(ctx.narrative.markdown(key), ctx.figures)),
            placeholder=placeholder,
        )
    )


ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")


def other_sections(ctx: ReportContext, first: int = 5) -> HTML:
    """'Kiến nghị, đề xuất' and any section of the analyst's own, each under its heading, numbered on
    from the notebook's last section (``first``: 5 → "V."). Nothing at all when there are none: no empty
    heading is printed."""
    return HTML(extra_sections_html(ctx.narrative, ctx.figures, first))


def extra_sections_html(narr, figures: dict, first: int = 5) -> str:
    from ..inputs.narrative import SECTIONS

    items = []
    if narr.markdown("recommendations"):
        items.append((SECTIONS["recommendations"][0], narr.markdown("recommendations")))
    items += [(title, body) for title, body in narr.extra]
    parts = []
    for n, (title, body) in enumerate(items, start=first):
        number = ROMAN[n - 1] if n <= len(ROMAN) else str(n)
        parts.append(
            render(
                "narrative_section.html.j2",
                heading=f"{number}. {title}",
                html=_markup(narrative_html(body, figures)),
            )
        )
    return "".join(parts)


def _markup(html: str | None):
    from markupsafe import Markup

    return Markup(html) if html else None  # already sanitised by narrative.render_markdown


def next_year_targets(ctx: ReportContext) -> HTML:
    """The next year's plan; mid-year, what remains to reach this year's plan in the rest of the year."""
    if not ctx.period.is_year:
        return _rest_of_year(ctx)
    rows = []
    for r in ctx.rows:
        if r.target_next is None:
            continue
        ind = r.indicator
        rows.append(
            [
                ind.name_vi,
                ind.unit,
                vn.number(r.actual, ind.value_decimals),
                r.target_next.text(ind.value_decimals),
            ]
        )
    nxt = ctx.params.next_year
    return HTML(
        render(
            "list_table.html.j2",
            css="targets",
            caption=f"Chỉ tiêu kế hoạch năm {nxt}",
            headers=["Chỉ tiêu", "ĐVT", f"TH {ctx.year}", f"KH {nxt}"],
            numeric={f"TH {ctx.year}", f"KH {nxt}"},
            rows=rows,
            empty=f"Chưa có chỉ tiêu kế hoạch năm {nxt}.",
        )
    )


def _rest_of_year(ctx: ReportContext) -> HTML:
    rows = []
    for r in ctx.rows:
        left = _remaining(r)
        if left is None:
            continue
        ind = r.indicator
        rows.append(
            [
                ind.name_vi,
                ind.unit,
                r.plan.text(ind.value_decimals),
                vn.number(r.actual, ind.value_decimals),
                vn.number(left, ind.value_decimals),
            ]
        )
    months = 12 - ctx.period.months
    heads = ["Chỉ tiêu", "ĐVT", f"KH năm {ctx.year}", f"TH {ctx.when}", "Còn phải thực hiện"]
    return HTML(
        render(
            "list_table.html.j2",
            css="targets",
            caption=f"Để hoàn thành kế hoạch năm {ctx.year}: {months} tháng cuối năm cần thực hiện",
            headers=heads,
            numeric=set(heads[2:]),
            rows=rows,
            empty=f"Các chỉ tiêu có kế hoạch năm {ctx.year} đều đã đạt kế hoạch năm.",
        )
    )


def sources(ctx: ReportContext) -> HTML:
    """Where the figures come from, the notes of each indicator, and the validation warnings."""
    rows = [[r.code, r.indicator.name_vi, r.note or vn.MISSING] for r in ctx.rows]
    head = (
        f"Số liệu: tệp {ctx.data.display} {ctx.when}"
        + (f" do {ctx.data.reporting_unit} báo cáo" if ctx.data.reporting_unit else "")
        + "; tỷ lệ và so sánh được tính tự động từ số liệu gốc."
    )
    parts = [f"<p>{_esc(head)}</p>"]
    doubtful = [p for p in ctx.warnings if p.kind == "implausible"]
    if doubtful:
        parts.append(
            render(
                "notice.html.j2",
                kind="info",
                title="Số liệu cần kiểm tra lại (cảnh báo khi kiểm tra số liệu, không phải lỗi):",
                items=[str(p) for p in doubtful],
                text="",
            )
        )
    parts.append(
        render(
            "list_table.html.j2",
            css="sources",
            caption="",
            headers=["Mã", "Chỉ tiêu", "Nguồn số liệu, ghi chú"],
            numeric=set(),
            rows=rows,
            empty="—",
        )
    )
    return HTML("\n".join(parts))


def signature_block(ctx: ReportContext) -> HTML:
    """'Nơi nhận' and the signatory (title and name from params/<year>.yaml)."""
    return HTML(signature(ctx.params, [ctx.params.domains[ctx.domain].unit], ctx.domain))


def record_results(ctx: ReportContext) -> None:
    """Record the computed rows for the year-end summary (read by the build from the executed notebook)."""
    from IPython.display import display

    from ..figures.results import MIME, payload

    display({MIME: payload(ctx)}, raw=True)


# each domain's own analysis (presentation/analyses.py), called by its notebook as r.<name>(ctx)
from .analyses import (  # noqa: E402, F401
    care_and_programmes,
    enrolment_by_level,
    labour_structure,
    petitions_and_inspections,
    policies_and_poverty,
)
