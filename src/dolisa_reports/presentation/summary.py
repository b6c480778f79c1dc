"""What the year-end summary notebook calls: ``ctx = load(year)``, then one short call per section.

The summary is built from the results each domain report recorded (``outputs/<year>/results/*.json``,
see :mod:`results`) and from ``params/<year>.yaml``: it never re-reads a workbook and never recomputes a
figure, so every number in it is the number printed in a thematic report. The Excel appendix
(:mod:`appendix`) reads the same :class:`SummaryContext`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from IPython.display import HTML

from .. import DOMAINS
from ..figures.analysis import Verdict
from ..figures.results import SCHEMA_VERSION, load_year, path_for
from ..figures.rows import ILLUSTRATIVE, table_view, text
from ..inputs.params import YearParams, load_params
from ..paths import Layout
from ..problems import UserError
from . import vnformat as vn
from .render import render, signature


class SummaryDataError(UserError):
    """A domain's results are missing or do not belong to this year: the summary is not built."""


@dataclass
class SummaryContext:
    year: int
    params: YearParams
    results: dict[str, dict]  # domain -> recorded results, in the domains' order
    appendix_name: str = ""
    issue: object | None = None  # inputs.issues.Issue, once the summary is issued
    missing: dict[str, str] = field(default_factory=dict)  # domain -> why it is not in this summary
    stale: dict[str, str] = field(default_factory=dict)  # domain -> why its results may be out of date
    narrative: object | None = None  # inputs.narrative.Narrative of narrative/summary.md
    programme: dict | None = None  # the work programme's recorded totals, when the year has one

    @property
    def domains(self) -> list[str]:
        return [d for d in DOMAINS if d in self.results]

    @property
    def next_year(self) -> int:
        return self.params.next_year

    @property
    def previous_year(self) -> int:
        years = {r.get("previous_year") for r in self.results.values()}
        return years.pop() if len(years) == 1 else self.params.comparison_year

    def title(self, domain: str) -> str:
        return self.params.domain_title(domain)

    def rows(self, domain: str) -> list[dict]:
        return list(self.results[domain].get("rows", []))

    def key_rows(self, domain: str) -> list[dict]:
        return [r for r in self.rows(domain) if r.get("key")]

    def counts(self, domain: str) -> dict[Verdict, int]:
        c = self.results[domain].get("counts", {})
        return {v: int(c.get(v.value, 0)) for v in Verdict}

    def total_counts(self) -> dict[Verdict, int]:
        return {v: sum(self.counts(d)[v] for d in self.domains) for v in Verdict}

    def shortfalls(self) -> list[tuple[str, dict]]:
        """(domain, row) of every indicator not achieved, in the domains' and the reports' order."""
        out = []
        for d in self.domains:
            by_code = {r["code"]: r for r in self.rows(d)}
            out += [(d, by_code[c]) for c in self.results[d].get("shortfalls", []) if c in by_code]
        return out

    def targets(self) -> list[tuple[str, dict]]:
        return [(d, r) for d in self.domains for r in self.rows(d) if r.get("target_next_text")]


def load(year: int, layout: Layout | None = None) -> SummaryContext:
    """The year's parameters, the domain reports' recorded results and the summary's own narrative.

    A domain without results (its report failed or was never built), or whose workbook is gone, is left
    out and named in :func:`missing_notice`; results older than their workbook (a figure corrected after
    the report was made, e.g. an issued report) are used and marked as such. At least one domain must
    have results."""
    from ..inputs import issues
    from ..inputs.narrative import load_narrative

    layout = layout or Layout.default()
    params = load_params(year, layout)
    out_year = layout.out_year(year)
    found = load_year(out_year, DOMAINS)
    missing: dict[str, str] = {}
    stale: dict[str, str] = {}
    for d in DOMAINS:
        workbook = layout.workbook(year, d)
        if d not in found:
            missing[d] = "chưa có kết quả: báo cáo chuyên đề chưa lập được" + (
                "" if workbook.is_file() else f" (thiếu tệp data/raw/{year}/{d}.xlsx)"
            )
        elif not workbook.is_file():
            missing[d] = f"thiếu tệp số liệu data/raw/{year}/{d}.xlsx"
            del found[d]
        elif workbook.stat().st_mtime > path_for(out_year, d).stat().st_mtime:
            stale[d] = "tệp số liệu đã sửa sau khi lập báo cáo chuyên đề"
    if not found:
        files = ", ".join(path_for(out_year, d).relative_to(layout.outputs).as_posix() for d in DOMAINS)
        raise SummaryDataError(
            f"Chưa có kết quả của báo cáo chuyên đề nào năm {year}: thiếu {files}. "
            f"Lập các báo cáo chuyên đề trước: python run_all.py --year {year}"
        )
    for d, data in found.items():
        if data.get("schema") != SCHEMA_VERSION or data.get("year") != year or data.get("domain") != d:
            raise SummaryDataError(
                f"Tệp kết quả {d}.json không phải của báo cáo {d} năm {year} "
                f"(schema {data.get('schema')}, năm {data.get('year')}): lập lại báo cáo {d}."
            )
    issue = issues.lookup(layout, year, issues.SUMMARY)
    narrative = load_narrative(layout.narrative(year, "summary"), "narrative/summary.md")
    programme = load_year(out_year, ["work_programme"]).get("work_programme")
    return SummaryContext(
        year, params, found, appendix_name=f"phu_luc_{year}.xlsx", issue=issue,
        missing=missing, stale=stale, narrative=narrative, programme=programme,
    )  # fmt: skip


# -- shared views (HTML and Excel) -------------------------------------------------------------


def counts_rows(ctx: SummaryContext) -> list[list]:
    """Per domain: title, indicators with a plan, exceeded, achieved, not achieved; then the total."""
    rows = []
    for d in ctx.domains:
        c = ctx.counts(d)
        rows.append(
            [ctx.title(d), sum(c.values()), c[Verdict.EXCEEDED], c[Verdict.ACHIEVED], c[Verdict.NOT_ACHIEVED]]
        )
    t = ctx.total_counts()
    rows.append(
        ["Tổng cộng", sum(t.values()), t[Verdict.EXCEEDED], t[Verdict.ACHIEVED], t[Verdict.NOT_ACHIEVED]]
    )
    return rows


COUNT_HEADERS = ["Lĩnh vực", "Số chỉ tiêu có kế hoạch", "Vượt", "Đạt", "Chưa đạt"]


# -- sections --------------------------------------------------------------------------------------


def title_block(ctx: SummaryContext) -> HTML:
    p, issue = ctx.params, ctx.issue
    return HTML(
        render(
            "yearend_title.html.j2",
            params=p,
            number=issue.number if issue else "",
            date_line=vn.date_line(p.place, issue.date if issue else p.report_date),
            year=ctx.year,
            next_year=ctx.next_year,
            n_reports=len(ctx.domains),
            report_date=p.report_date,
        )
    )


def missing_notice(ctx: SummaryContext) -> HTML:
    """Which domains this summary lacks, and which figures may be out of date (nothing when all is well)."""
    items = [f"{ctx.params.domain_title(d)}: {why}." for d, why in ctx.missing.items()]
    items += [
        f"{ctx.params.domain_title(d)}: {why}; số liệu trong báo cáo này có thể đã cũ."
        for d, why in ctx.stale.items()
    ]
    if not items:
        return HTML("")
    n = len(ctx.missing)
    title = (
        f"Lưu ý: báo cáo tổng kết thiếu {n} lĩnh vực"
        if n
        else "Lưu ý: số liệu của một số lĩnh vực có thể đã cũ"
    ) + (f" (tổng hợp {len(ctx.domains)}/{len(DOMAINS)} lĩnh vực):" if n else ":")
    return HTML(render("notice.html.j2", kind="warning", title=title, items=items, text=""))


def live_figures(ctx: SummaryContext) -> dict:
    """What {LD01}, {LD01.tyle}… print in narrative/summary.md: the domain reports' recorded texts."""
    from ..figures.live import with_unit

    out = {}
    for d in ctx.domains:
        for r in ctx.rows(d):
            unit = r.get("unit", "")
            actual = with_unit(r["actual_text"], unit) if r.get("actual_text") else None
            out[r["code"]] = {
                "": actual,
                "th": actual,
                "kh": with_unit(r["plan_text"], unit) if r.get("plan_text") else None,
                "tyle": r.get("ratio_text"),
                "khsau": with_unit(r["target_next_text"], unit) if r.get("target_next_text") else None,
                "ten": r.get("name"),
            }
    return out


def assessment(ctx: SummaryContext) -> HTML:
    """The department-level assessment of narrative/summary.md, section by section (numbered 1., 2.…),
    with its live figures; a clear placeholder when the file is missing or empty."""
    from ..inputs.narrative import SECTIONS
    from .report import narrative_html

    narr, figures = ctx.narrative, live_figures(ctx)
    parts = []
    if narr is not None:
        items = [(names[0], narr.markdown(key)) for key, names in SECTIONS.items() if narr.markdown(key)]
        items += [(title, body) for title, body in narr.extra]
        for n, (title, body) in enumerate(items, start=1):
            parts.append(
                render(
                    "assessment_section.html.j2",
                    heading=f"{n}. {title}",
                    html=_markup(narrative_html(body, figures)),
                )
            )
    if not parts:
        return HTML('<p class="placeholder">Chưa có đánh giá chung (tệp narrative/summary.md).</p>')
    return HTML("".join(parts))


def _markup(html):
    from markupsafe import Markup

    return Markup(html) if html else None


def verdict_chart(ctx: SummaryContext) -> HTML:
    """Indicators exceeded, achieved and not achieved, per domain (a stacked bar chart)."""
    from . import charts
    from .render import figure

    data = [
        (ctx.title(d), [ctx.counts(d)[v] for v in (Verdict.EXCEEDED, Verdict.ACHIEVED, Verdict.NOT_ACHIEVED)])
        for d in ctx.domains
    ]
    data = [(title, c) for title, c in data if sum(c)]
    if not data:
        return HTML('<p class="placeholder">Chưa có chỉ tiêu nào có kế hoạch.</p>')
    png = charts.verdicts(data)
    caption = f"Biểu đồ 1. Số chỉ tiêu vượt, đạt, chưa đạt kế hoạch năm {ctx.year} theo lĩnh vực"
    return HTML(figure(png, caption, caption))


def illustrative_notice(ctx: SummaryContext) -> HTML:
    """The same warning as in the thematic reports, for the figures this summary shows."""
    current, previous = [], []
    for d in ctx.domains:
        for r in ctx.rows(d):
            if r.get("nature") == ILLUSTRATIVE and (r.get("key") or r.get("target_next_text")):
                current.append(r["code"])
            if r.get("key") and r.get("previous_nature") == ILLUSTRATIVE:
                previous.append(r["code"])
    items = []
    if current:
        items.append(f"Số liệu năm {ctx.year} của các chỉ tiêu: {', '.join(current)}.")
    if previous:
        items.append(
            f"Số liệu năm {ctx.previous_year} (cột so sánh cùng kỳ) của các chỉ tiêu: {', '.join(previous)}."
        )
    if ctx.params.signatory.illustrative:
        items.append("Tên người ký.")
    if not items:
        return HTML("")
    title = "Lưu ý: báo cáo có số liệu MINH HỌA, không lấy từ văn bản nguồn (đánh dấu * trong bảng):"
    return HTML(render("notice.html.j2", kind="illustrative", title=title, items=items, text=""))


def overview(ctx: SummaryContext) -> HTML:
    """How many indicators were exceeded, achieved, not achieved: in one sentence and by domain."""
    t = ctx.total_counts()
    planned = sum(t.values())
    sentence = (
        f"Năm {ctx.year}, {len(ctx.domains)} lĩnh vực có {planned} chỉ tiêu có kế hoạch: "
        f"{t[Verdict.EXCEEDED]} chỉ tiêu vượt, {t[Verdict.ACHIEVED]} chỉ tiêu đạt, "
        f"{t[Verdict.NOT_ACHIEVED]} chỉ tiêu chưa đạt kế hoạch."
        if planned
        else f"Năm {ctx.year}, không có chỉ tiêu nào có kế hoạch để đánh giá."
    )
    sentences = [sentence]
    if ctx.programme:  # the work programme's totals (results/work_programme.json)
        sentences.append(f"{ctx.params.organisation.short_name} {ctx.programme['sentence']}.")
    parts = [render("summary.html.j2", sentences=sentences, tally="")]
    parts.append(
        render(
            "list_table.html.j2",
            css="verdict-counts",
            caption=f"Bảng 1. Số chỉ tiêu vượt, đạt, chưa đạt kế hoạch năm {ctx.year} theo lĩnh vực",
            headers=COUNT_HEADERS,
            numeric=set(COUNT_HEADERS[1:]),
            rows=counts_rows(ctx),
            empty="",
        )
    )
    return HTML("\n".join(parts))


def key_indicator_table(ctx: SummaryContext) -> HTML:
    """The key indicators of every domain, as printed in the thematic reports (same columns)."""
    groups = []
    n = 0
    for i, d in enumerate(ctx.domains, start=1):
        rows = []
        for r in ctx.key_rows(d):
            n += 1
            rows.append(table_view(r, tt=n))
        groups.append({"number": _roman(i), "domain": d, "title": ctx.title(d), "rows": rows})
    any_illus = any(r["illustrative"] or r["previous_illustrative"] for g in groups for r in g["rows"])
    return HTML(
        render(
            "yearend_key_table.html.j2",
            caption=f"Bảng 2. Kết quả thực hiện các chỉ tiêu chủ yếu năm {ctx.year}",
            groups=groups,
            year=ctx.year,
            previous_year=ctx.previous_year,
            next_year=ctx.next_year,
            any_illustrative=any_illus,
        )
    )


def shortfalls_table(ctx: SummaryContext) -> HTML:
    rows = [
        [
            ctx.title(d),
            r["name"],
            r["unit"],
            text(r.get("plan_text")),
            text(r.get("actual_text")),
            text(r.get("ratio_text")),
        ]
        for d, r in ctx.shortfalls()
    ]
    headers = ["Lĩnh vực", "Chỉ tiêu", "ĐVT", "Kế hoạch", "Thực hiện", "% TH/KH"]
    return HTML(
        render(
            "list_table.html.j2",
            css="yearend-shortfalls",
            caption=f"Bảng 3. Các chỉ tiêu chưa đạt kế hoạch năm {ctx.year}",
            headers=headers,
            numeric={"Kế hoạch", "Thực hiện", "% TH/KH"},
            rows=rows,
            empty=f"Không có chỉ tiêu nào chưa đạt kế hoạch năm {ctx.year}.",
        )
    )


def next_year_targets(ctx: SummaryContext) -> HTML:
    nxt = ctx.next_year
    rows = [
        [ctx.title(d), r["name"], r["unit"], text(r.get("actual_text")), r["target_next_text"]]
        for d, r in ctx.targets()
    ]
    headers = ["Lĩnh vực", "Chỉ tiêu", "ĐVT", f"TH {ctx.year}", f"KH {nxt}"]
    return HTML(
        render(
            "list_table.html.j2",
            css="yearend-targets",
            caption=f"Bảng 4. Chỉ tiêu kế hoạch năm {nxt}",
            headers=headers,
            numeric={f"TH {ctx.year}", f"KH {nxt}"},
            rows=rows,
            empty=f"Chưa có chỉ tiêu kế hoạch năm {nxt}.",
        )
    )


def report_links(ctx: SummaryContext) -> HTML:
    """The five thematic reports and the Excel appendix (links on screen, file names on paper)."""
    items = [
        {
            "title": f"Báo cáo chuyên đề {ctx.title(d)} năm {ctx.year}",
            "href": f"{d}.html",
            "file": f"{ctx.year}/{d}.html",
        }
        for d in ctx.domains
    ]
    appendix = {
        "title": f"Phụ lục số liệu năm {ctx.year} (Excel: mỗi lĩnh vực một trang tính và một trang tổng hợp)",
        "href": ctx.appendix_name,
        "file": f"{ctx.year}/{ctx.appendix_name}",
    }
    return HTML(render("yearend_links.html.j2", items=items, appendix=appendix))


def signature_block(ctx: SummaryContext) -> HTML:
    return HTML(signature(ctx.params, [ctx.params.domains[d].unit for d in ctx.domains], None))


def _roman(n: int) -> str:
    numerals = ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))
    out = ""
    for value, letters in numerals:
        while n >= value:
            out += letters
            n -= value
    return out
