"""What each domain's report says that only it can say: one analysis per field, from its figures.

The generic sections (summary, indicator table, charts, areas, narrative) are shared by the five
notebooks; each notebook then calls the one function of its field:

- ``labour``: the structure of job creation (in the province and abroad) and the labour-force and
  unemployment targets;
- ``vocational_training``: enrolment by level against plan, and the trained-labour rate against its
  "at least" target;
- ``meritorious_persons``: counts set against money (average value of a gift), nursing care by form, and
  the multi-year programmes (the housing programme: houses so far against its target for the period);
- ``social_protection``: beneficiaries and funding by policy, and the poverty-rate reduction against
  its target;
- ``inspection``: the petitions funnel (received → complaints → within the department's authority →
  resolved), inspections planned (as adjusted) against done, and the workplace-accident trend.

Indicators are found by their catalogue codes; a code the year's catalogue or workbook lacks leaves its
line out, never a wrong figure. Multi-year targets are data: ``programmes`` in ``params/<year>.yaml``.
"""

from __future__ import annotations

from IPython.display import HTML

from ..figures.analysis import Row, Verdict
from . import vnformat as vn
from .render import render


def _rows(ctx) -> dict[str, Row]:
    return {r.code: r for r in ctx.rows}


def _q(r: Row | None, value=None) -> str:
    """A figure with its unit, as the table prints it."""
    if r is None:
        return vn.MISSING
    v = r.actual if value is None else value
    return vn.quantity(v, r.indicator.unit, r.indicator.value_decimals)


def _share(part: float | None, total: float | None) -> str:
    if part is None or not total:
        return vn.MISSING
    return vn.percent(100 * part / total, 1)


def _html(sentences: list[str], table: dict | None = None) -> HTML:
    from markupsafe import Markup

    table_html = Markup(render("list_table.html.j2", css="analysis", **table)) if table else ""
    return HTML(render("analysis.html.j2", sentences=[s for s in sentences if s], table=table_html))


# -- labour --------------------------------------------------------------------------------------


def labour_structure(ctx) -> HTML:
    """Jobs created at home and abroad (LD01 = all, LD02 = abroad), and next year's labour targets."""
    rows = _rows(ctx)
    total, abroad = rows.get("LD01"), rows.get("LD02")
    sentences, table = [], None
    if total is not None and total.actual is not None:
        home = total.actual - abroad.actual if abroad is not None and abroad.actual is not None else None
        sentences.append(
            f"Trong {_q(total)} được giải quyết việc làm, "
            + (
                f"{_q(total, home)} làm việc trong nước ({_share(home, total.actual)}) và "
                if home is not None
                else ""
            )
            + (
                f"{_q(abroad)} đi làm việc ở nước ngoài theo hợp đồng ({_share(abroad.actual, total.actual)})"
                if abroad
                else ""
            )
            + "."
        )
        if abroad is not None and abroad.ratio is not None:
            sentences.append(
                f"Đưa lao động đi làm việc ở nước ngoài đạt {vn.percent(abroad.ratio, abroad.indicator.ratio_decimals)}"
                f" kế hoạch: còn thiếu {_q(abroad, abroad.plan.value - abroad.actual)} so với kế hoạch"
                f" {_q(abroad, abroad.plan.value)}."
                if abroad.plan and abroad.plan.value is not None
                else ""
            )
        table = {
            "caption": f"Cơ cấu giải quyết việc làm {ctx.when}",
            "headers": ["Hình thức", "Số lao động", "Tỷ trọng"],
            "numeric": {"Số lao động", "Tỷ trọng"},
            "rows": [
                ["Làm việc trong nước", vn.number(home), _share(home, total.actual)],
                ["Đi làm việc ở nước ngoài theo hợp đồng", vn.number(abroad.actual if abroad else None),
                 _share(abroad.actual if abroad else None, total.actual)],
                ["Tổng số", vn.number(total.actual), "100%"],
            ],
            "empty": "",
        }  # fmt: skip
    targets = [rows.get(c) for c in ("LD07", "LD08", "LD09")]
    parts = [
        f"{r.indicator.name_vi[0].lower() + r.indicator.name_vi[1:]} {_target_text(r)}"
        for r in targets
        if r is not None and r.target_next is not None
    ]
    if parts:
        sentences.append(f"Mục tiêu năm {ctx.year + 1}: " + "; ".join(parts) + ".")
    return _html(sentences or ["Chưa có số liệu giải quyết việc làm."], table)


def _target_text(r: Row) -> str:
    t = r.target_next
    ind = r.indicator
    text = t.text(ind.value_decimals)
    unit = "%" if ind.unit in ("%", "điểm %") else f" {ind.unit}"
    if text.startswith("< "):
        return f"dưới {text[2:]}{unit}"
    if text.startswith("≥ "):
        return f"từ {text[2:]}{unit} trở lên"
    return f"khoảng {text}{unit}"


# -- vocational training -------------------------------------------------------------------------


def enrolment_by_level(ctx) -> HTML:
    """Enrolment by level (GD03–GD05 of GD02) against plan, and the trained-labour rate (GD01)."""
    rows = _rows(ctx)
    total = rows.get("GD02")
    levels = [rows[c] for c in ("GD03", "GD04", "GD05") if c in rows]
    sentences, table = [], None
    if levels:
        table = {
            "caption": f"Tuyển sinh giáo dục nghề nghiệp theo trình độ {ctx.when}",
            "headers": ["Trình độ", "Kế hoạch", "Thực hiện", "% TH/KH", "Tỷ trọng"],
            "numeric": {"Kế hoạch", "Thực hiện", "% TH/KH", "Tỷ trọng"},
            "rows": [
                [
                    r.indicator.name_vi.removeprefix("Tuyển sinh ").capitalize(),
                    r.plan.text(0) if r.plan else vn.MISSING,
                    vn.number(r.actual),
                    vn.percent(r.ratio, r.indicator.ratio_decimals) if r.ratio is not None else vn.MISSING,
                    _share(r.actual, total.actual if total else None),
                ]
                for r in levels
            ],
            "empty": "",
        }
        below = [r for r in levels if r.ratio is not None and r.ratio < 100]
        above = [r for r in levels if r.ratio is not None and r.ratio >= 100]
        if below or above:
            sentences.append(
                "Theo trình độ: "
                + "; ".join(
                    f"{r.indicator.name_vi.removeprefix('Tuyển sinh ')} đạt {vn.percent(r.ratio, r.indicator.ratio_decimals)}"
                    for r in levels
                    if r.ratio is not None
                )
                + (f". Tổng số vẫn đạt {vn.percent(total.ratio, total.indicator.ratio_decimals)} kế hoạch nhờ"
                   f" {', '.join(r.indicator.name_vi.removeprefix('Tuyển sinh ') for r in above)} vượt kế hoạch."
                   if total is not None and total.ratio is not None and total.ratio >= 100 and below and above else ".")
            )  # fmt: skip
    rate = rows.get("GD01")
    if rate is not None and rate.actual is not None:
        text = f"Tỷ lệ lao động qua đào tạo đạt {_q(rate)}"
        bound = rate.plan.low if rate.plan is not None else None
        nxt = rate.target_next.low if rate.target_next is not None else None
        if bound is not None:
            gap = rate.actual - bound
            word = "cao hơn" if gap >= 0 else "thấp hơn"
            text += (
                f", {word} mức tối thiểu {vn.percent(bound, 1)} là {vn.number(abs(gap), 1)} điểm phần trăm"
            )
        elif nxt is not None:
            gap = nxt - rate.actual
            text += (
                f"; mục tiêu năm {ctx.year + 1} từ {vn.percent(nxt, 1)} trở lên, cần tăng thêm "
                f"{vn.number(gap, 1)} điểm phần trăm"
                if gap > 0
                else f"; đã đạt mục tiêu năm {ctx.year + 1} (từ {vn.percent(nxt, 1)} trở lên)"
            )
        sentences.append(text + ".")
    return _html(sentences or ["Chưa có số liệu tuyển sinh."], table)


# -- meritorious persons -------------------------------------------------------------------------


def _average_gift(count: Row | None, money: Row | None) -> float | None:
    """Average value of one gift, in thousand dong (money in tỷ đồng, count in suất)."""
    if count is None or money is None or not count.actual or money.actual is None:
        return None
    scale = {"tỷ đồng": 1e9, "triệu đồng": 1e6, "nghìn đồng": 1e3, "đồng": 1}.get(money.indicator.unit)
    return None if scale is None else money.actual * scale / count.actual / 1e3


def care_and_programmes(ctx) -> HTML:
    """Gifts set against money, nursing care by form, and the multi-year programmes (params)."""
    rows = _rows(ctx)
    sentences = []
    for count, money, occasion in (("NC01", "NC02", "Tết Nguyên đán"), ("NC03", "NC04", "dịp 27/7")):
        avg = _average_gift(rows.get(count), rows.get(money))
        if avg is not None:
            sentences.append(
                f"Quà {occasion}: {_q(rows[count])}, {_q(rows[money])}, bình quân {vn.number(avg)} nghìn đồng một suất."
            )
    total = rows.get("NC09")
    forms = [rows[c] for c in ("NC10", "NC11", "NC12") if c in rows]
    table = None
    if total is not None and forms:
        table = {
            "caption": f"Điều dưỡng người có công theo hình thức {ctx.when}",
            "headers": ["Hình thức", "Kế hoạch", "Thực hiện", "% TH/KH", "Tỷ trọng"],
            "numeric": {"Kế hoạch", "Thực hiện", "% TH/KH", "Tỷ trọng"},
            "rows": [
                [
                    r.indicator.name_vi,
                    r.plan.text(0) if r.plan else vn.MISSING,
                    vn.number(r.actual),
                    vn.percent(r.ratio, r.indicator.ratio_decimals) if r.ratio is not None else vn.MISSING,
                    _share(r.actual, total.actual),
                ]
                for r in forms
            ],
            "empty": "",
        }
        not_done = [r.indicator.name_vi.lower() for r in forms if r.actual == 0]
        if not_done:
            sentences.append(f"Chưa thực hiện được: {', '.join(not_done)}.")
    sentences += programme_sentences(ctx)
    return _html(sentences or ["Chưa có số liệu."], table)


def programme_progress(ctx, programme) -> tuple[float | None, list[int]]:
    """The programme's total so far (its indicator summed over the years of its period up to this one,
    each from that year's validated dataset) and the years that had no figure."""
    from ..inputs import dataset

    total, missing = 0.0, []
    for year in range(programme.start, min(programme.end, ctx.year) + 1):
        if year == ctx.year:
            rows = _rows(ctx)
            value = rows[programme.code].actual if programme.code in rows else None
        else:
            try:
                frame = dataset.load(year, ctx.domain).indicators
                hit = frame.loc[frame["code"] == programme.code, "actual"].dropna()
                value = float(hit.iloc[0]) if not hit.empty else None
            except dataset.DatasetError:
                value = None
        if value is None:
            missing.append(year)
        else:
            total += value
    return (
        None if missing == list(range(programme.start, min(programme.end, ctx.year) + 1)) else total
    ), missing


def programme_sentences(ctx) -> list[str]:
    out = []
    for p in ctx.params.programmes:
        if p.domain != ctx.domain or not p.start <= ctx.year <= p.end:
            continue
        done, missing = programme_progress(ctx, p)
        if done is None:
            continue
        unit = ctx.catalogue[p.code].unit if p.code in ctx.catalogue else ""
        text = (
            f"{p.title} giai đoạn {p.start}–{p.end}: đến {ctx.when} đã thực hiện "
            f"{vn.quantity(done, unit)}/{vn.quantity(p.target, unit)}, đạt {vn.percent(100 * done / p.target, 1)} "
            f"mục tiêu của giai đoạn"
        )
        left = p.target - done
        years_left = p.end - ctx.year
        if left > 0 and years_left > 0:
            text += f"; còn {vn.quantity(left, unit)} trong {years_left} năm còn lại"
        if missing:
            text += f" (chưa có số liệu năm {', '.join(map(str, missing))})"
        out.append(text + ".")
    return out


# -- social protection ---------------------------------------------------------------------------


def policies_and_poverty(ctx) -> HTML:
    """Beneficiaries and money of the monthly assistance, the other policies, and the poverty rate."""
    rows = _rows(ctx)
    sentences = []
    people, money = rows.get("XH02"), rows.get("XH03")
    if people is not None and money is not None and people.actual and money.actual is not None:
        scale = {"tỷ đồng": 1e9, "triệu đồng": 1e6}.get(money.indicator.unit)
        if scale:
            monthly = money.actual * scale / people.actual / 12 / 1e3
            sentences.append(
                f"Trợ giúp xã hội hàng tháng: {_q(people)}, kinh phí {_q(money)}, "
                f"bình quân khoảng {vn.number(monthly)} nghìn đồng một người một tháng."
            )
    policy = [rows[c] for c in ("XH02", "XH04", "XH05", "XH06", "XH08", "XH09") if c in rows]
    table = {
        "caption": f"Đối tượng được hưởng chính sách {ctx.when}",
        "headers": ["Chính sách", "Số đối tượng", f"% so với {ctx.prev_when}"],
        "numeric": {"Số đối tượng", f"% so với {ctx.prev_when}"},
        "rows": [
            [
                r.indicator.name_vi,
                vn.number(r.actual),
                (vn.percent(r.yoy, 1) + ("*" if r.previous_illustrative else ""))
                if r.yoy is not None
                else vn.MISSING,
            ]
            for r in policy
            if r.actual is not None
        ],
        "empty": "",
    }
    poor = rows.get("XH01")
    if poor is not None and poor.actual is not None:
        text = f"Tỷ lệ hộ nghèo giảm {vn.number(poor.actual, 2)} điểm phần trăm"
        if poor.plan is not None:
            verdict = "chưa đạt" if poor.verdict == Verdict.NOT_ACHIEVED else "đạt"
            text += f" ({verdict} mục tiêu {_target_text_plan(poor)})"
        if poor.target_next is not None:
            text += f"; mục tiêu năm {ctx.year + 1}: giảm {_range_text(poor)}"
        sentences.append(text + ".")
    return _html(sentences or ["Chưa có số liệu."], table if table["rows"] else None)


def _target_text_plan(r: Row) -> str:
    t = r.plan
    text = t.text(2)
    return f"từ {text[2:]} điểm phần trăm trở lên" if text.startswith("≥ ") else f"{text} điểm phần trăm"


def _range_text(r: Row) -> str:
    t = r.target_next
    if t.low is not None and t.high is not None:
        return f"{vn.number(t.low, 2)}–{vn.number(t.high, 2)} điểm phần trăm"
    return t.text(2) + " điểm phần trăm"


# -- inspection ----------------------------------------------------------------------------------


def petitions_and_inspections(ctx) -> HTML:
    """The petitions funnel, inspections planned (as adjusted) against done, and accidents."""
    rows = _rows(ctx)
    steps = [
        ("Đơn thư tiếp nhận", rows.get("TT05")),
        ("Trong đó: đơn khiếu nại", rows.get("TT06")),
        ("Đơn khiếu nại thuộc thẩm quyền", rows.get("TT10")),
        ("Đã giải quyết", rows.get("TT11")),
    ]
    steps = [(label, r) for label, r in steps if r is not None and r.actual is not None]
    sentences, table = [], None
    if steps:
        first = steps[0][1].actual
        table = {
            "caption": f"Tiếp nhận và giải quyết đơn thư {ctx.when}",
            "headers": ["Bước", "Số đơn", "Tỷ lệ so với bước trước"],
            "numeric": {"Số đơn", "Tỷ lệ so với bước trước"},
            "rows": [
                [label, vn.number(r.actual), _share(r.actual, steps[i - 1][1].actual) if i else "100%"]
                for i, (label, r) in enumerate(steps)
            ],
            "empty": "",
        }
        parts = [
            f"{label.lower().removeprefix('trong đó: ')} {vn.number(r.actual)}" for label, r in steps[1:]
        ]
        sentences.append(
            f"Tiếp nhận {vn.number(first)} đơn thư" + (f"; {', '.join(parts)}" if parts else "") + "."
        )
    plan = rows.get("TT02")
    if plan is not None and plan.actual is not None and plan.plan is not None:
        text = (
            f"Thanh tra chuyên ngành: thực hiện {_q(plan)} trên kế hoạch {_q(plan, plan.plan.value)}"
            f" (đạt {vn.percent(plan.ratio, 0)})"
            if plan.ratio is not None
            else ""
        )
        if plan.note:
            text += f"; {plan.note.split(';')[0].strip().rstrip('.')}"
        total = rows.get("TT01")
        if total is not None and total.actual is not None:
            text += f". Tổng số cuộc thanh tra, kiểm tra: {_q(total)}"
        sentences.append(text + ".")
    acc = rows.get("TT09")
    if acc is not None and acc.actual is not None:
        text = f"Tai nạn lao động: {_q(acc)}"
        if acc.previous is not None:
            change = vn.signed_change(acc.actual - acc.previous)
            mark = "*" if acc.previous_illustrative else ""
            text += f", {change} vụ so với {ctx.prev_when} ({_q(acc, acc.previous)}{mark})"
        if acc.target_next is not None:
            text += f"; mục tiêu năm {ctx.year + 1}: {_target_text(acc)}"
        sentences.append(text + ".")
    return _html(sentences or ["Chưa có số liệu."], table)
