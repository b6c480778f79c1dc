"""Live figures in the narrative, and typed figures checked against the data.

An analyst writes ``{LD01}`` in ``narrative/<domain>.md`` and the report prints the indicator's actual
as the table prints it, with its unit ("15.939 người"); ``{LD01.kh}`` its plan, ``{LD01.tyle}`` the %
of plan, ``{LD01.cungky}`` the change against the comparison year, ``{LD01.khsau}`` next year's target,
``{LD01.truoc}`` the comparison year's actual, ``{LD01.ten}`` its name (ASCII keys: typed on any
keyboard). When a district corrects a figure, the text follows the table.

A number typed by hand that matches none of the domain's figures, on a line that names an indicator
whose figure differs, is a warning (:func:`typed_number_warnings`): "nhận định ghi 15.900 nhưng LD01 =
15.939". The check reads numbers in Vietnamese style; it ignores years, dates, document numbers
(``62/QĐ-…``), numbers under 10 and numbers that are in an indicator's name ("từ 15 tuổi").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..presentation import vnformat as vn
from .analysis import Row

PLACEHOLDER = re.compile(r"\{([A-Za-z]{2}\d{2})(?:\.([A-Za-z_]+))?\}")
KEYS = {
    "": "thực hiện",
    "th": "thực hiện",
    "kh": "kế hoạch",
    "tyle": "tỷ lệ thực hiện so với kế hoạch",
    "cungky": "so sánh cùng kỳ",
    "khsau": "kế hoạch năm sau",
    "truoc": "thực hiện năm so sánh",
    "ten": "tên chỉ tiêu",
}
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|])")


def with_unit(text: str, unit: str) -> str:
    """'15.939 người', '66,8%', '0,45 điểm phần trăm' (running text spells out "điểm %")."""
    if unit == "%":
        return f"{text}%"
    if unit == "điểm %":
        return f"{text} điểm phần trăm"
    return f"{text} {unit}".strip()


def _quantity(value, ind) -> str | None:
    return with_unit(vn.number(value, ind.value_decimals), ind.unit) if value is not None else None


def change_text(r: Row, compared: str) -> str | None:
    """'tăng 527 người so với năm 2020' (with * when last year's figure is illustrative); ``compared``
    names the comparison: 'năm 2020', or the same period of it ('6 tháng đầu năm 2020', periods.py)."""
    if r.actual is None or r.previous is None:
        return None
    ind = r.indicator
    change = vn.signed_change(r.actual - r.previous, ind.value_decimals)
    if change == "không đổi":
        return f"không đổi so với {compared}"
    unit = " điểm phần trăm" if ind.unit in ("%", "điểm %") else f" {ind.unit}"
    mark = "*" if r.previous_illustrative else ""
    return f"{change}{unit} so với {compared}{mark}"


def values(rows: list[Row], compared: str) -> dict[str, dict[str, str | None]]:
    """Per indicator code, the text each key prints (None: no such figure this year)."""
    out = {}
    for r in rows:
        ind = r.indicator
        d = ind.value_decimals
        actual = _quantity(r.actual, ind)
        if actual and r.nature == "estimate":  # marked in the text as in the table
            actual += " (ước tính)"
        out[r.code] = {
            "": actual,
            "th": actual,
            "kh": with_unit(r.plan.text(d), ind.unit) if r.plan else None,
            "tyle": vn.percent(r.ratio, ind.ratio_decimals) if r.ratio is not None else None,
            "cungky": change_text(r, compared),
            "khsau": with_unit(r.target_next.text(d), ind.unit) if r.target_next else None,
            "truoc": _quantity(r.previous, ind),
            "ten": ind.name_vi,
        }
    return out


def substitute(markdown: str, figures: dict[str, dict[str, str | None]]) -> str:
    """Each ``{CODE.key}`` replaced by its text (escaped for Markdown); a missing figure prints "—"."""

    def repl(m: re.Match) -> str:
        code, key = m[1].upper(), (m[2] or "").lower()
        if code not in figures or key not in KEYS:
            return m[0]  # validate reports it as an error; a report is never built with it
        value = figures[code].get(key)
        return _MD_SPECIAL.sub(r"\\\1", value) if value else vn.MISSING

    return PLACEHOLDER.sub(repl, markdown)


@dataclass(frozen=True)
class Finding:
    line: int
    message: str
    error: bool


def placeholder_findings(
    text: str, figures: dict, domain_codes: set[str], all_codes: set[str]
) -> list[Finding]:
    """Unknown codes or keys (errors), and figures a placeholder names that do not exist (warnings)."""
    out = []
    for n, line in enumerate(text.splitlines(), start=1):
        for m in PLACEHOLDER.finditer(line):
            code, key = m[1].upper(), (m[2] or "").lower()
            if key not in KEYS:
                keys = ", ".join(f".{k}" for k in KEYS if k)
                out.append(
                    Finding(n, f"'{m[0]}': không có khoá '.{m[2]}' (dùng {{{code}}} hoặc {keys})", True)
                )
            elif code not in all_codes:
                out.append(Finding(n, f"'{m[0]}': không có chỉ tiêu mã {code} trong danh mục", True))
            elif code not in domain_codes:
                out.append(Finding(n, f"'{m[0]}': chỉ tiêu {code} không thuộc lĩnh vực này", True))
            elif not (figures.get(code) or {}).get(key):
                out.append(
                    Finding(n, f"'{m[0]}': chưa có số liệu {KEYS[key]} của {code}, báo cáo in '—'", False)
                )
    return out


# -- typed numbers ---------------------------------------------------------------------------------

# a number, Vietnamese style (15.939 · 99,6 · 401.952,03), not part of a code, a date or a fraction
_NUMBER = re.compile(r"(?<![\w.,/–-])(\d{1,3}(?:\.\d{3})+|\d+)(?:,(\d+))?(?![\w/]|[.,]\d)")
_DATE = re.compile(r"(?<![\d.,])\d{1,2}/\d{1,2}(?:/\d{2,4})?(?![\d])")
_DOC_NUMBER = re.compile(r"(?<![\d.,])\d{1,5}(?:[-/][^\W\d_][^\s,;)]*)+")  # 62/QĐ-LĐTBXH, 11-NQ/TU
_WORD = re.compile(r"[^\W\d_]+|\d[\d.,]*%?|%")
_STOP = {"số", "tổng", "tỷ", "lệ", "được", "các", "của", "và", "trên", "theo", "tại", "cho", "là", "có"}
_MONEY = {"đồng", "triệu", "tỷ", "nghìn", "ngàn"}
_CHANGE_WORDS = {"tăng", "giảm", "thêm", "bớt"}
NEAR = 6  # words between a number and the words naming its indicator


def _parse(int_part: str, frac: str | None) -> float:
    return float(int_part.replace(".", "") + ("." + frac if frac else ""))


def vn_words(text: str) -> list[str]:
    return re.findall(r"[^\W\d_]+", text.casefold())


def _windows(name: str) -> list[tuple[str, ...]]:
    """Three-word runs of an indicator's name with at least two meaningful words: how a text names it."""
    words = vn_words(name)
    return [
        tuple(words[i : i + 3])
        for i in range(len(words) - 2)
        if sum(w not in _STOP for w in words[i : i + 3]) >= 2
    ]


def _unit_class(unit_words: list[str]) -> str:
    if unit_words[:1] == ["%"] or unit_words[:3] == ["điểm", "phần", "trăm"]:
        return "percent"
    if unit_words and unit_words[0] in _MONEY:
        return "money"
    return "count"


def _known(rows: list[Row]) -> list[float]:
    vals: list[float] = []
    for r in rows:
        for v in (r.actual, r.previous, r.ratio, r.yoy):
            if v is not None:
                vals.append(float(v))
        for t in (r.plan, r.target_next):
            if t is not None:
                vals += [float(x) for x in (t.low, t.high) if x is not None]
        if r.actual is not None and r.previous is not None:
            vals.append(abs(float(r.actual) - float(r.previous)))
        if r.actual is not None and r.plan is not None and r.plan.value is not None:
            vals.append(abs(float(r.plan.value) - float(r.actual)))
        vals += [float(x) for x in re.findall(r"\d+", r.indicator.name_vi)]
    return vals


def _matches(value: float, decimals: int, known: list[float]) -> bool:
    tolerance = 0.5 * 10 ** (-decimals) + 1e-9
    return any(abs(value - k) <= tolerance for k in known)


def typed_number_warnings(text: str, rows: list[Row]) -> list[Finding]:
    """Numbers typed in the narrative that contradict the figure of the indicator named next to them.

    A number is checked when it matches none of the domain's figures (actuals, plans, ratios, targets,
    last year's, changes, shortfalls), and within a few words of it the line names an indicator (three
    words of its name in a row) whose unit is of the same kind (a count, money, a percentage)."""
    known = _known(rows)
    named = [(r, _windows(r.indicator.name_vi)) for r in rows if r.actual is not None]
    out = []
    for n, line in enumerate(text.splitlines(), start=1):
        clean = PLACEHOLDER.sub(" ", _DOC_NUMBER.sub(" ", _DATE.sub(" ", line)))
        tokens = [m.group(0).casefold() for m in _WORD.finditer(clean)]
        mentions = []  # (word index, row)
        for r, runs in named:
            for i in range(len(tokens) - 2):
                if tuple(tokens[i : i + 3]) in runs:
                    mentions.append((i, r))
        if not mentions:
            continue
        for m in _NUMBER.finditer(clean):
            value = _parse(m[1], m[2])
            plain = m[2] is None and "." not in m[1]
            if (plain and (value < 10 or 1900 <= value <= 2100)) or _matches(value, len(m[2] or ""), known):
                continue
            before = _WORD.findall(clean[: m.start()])
            if before and before[-1].casefold() in _CHANGE_WORDS:
                continue  # "giảm 16 cuộc": a change against something the workbook may not hold
            at = len(before)
            after = [t.casefold() for t in _WORD.findall(clean[m.end() :])][:3]
            if clean[m.end() : m.end() + 1] == "%":
                after = ["%"]
            kind = _unit_class(after)
            near = [  # named before the number (within NEAR words), or right after it ("15.939 lao động…")
                (abs(i - at), r)
                for i, r in mentions
                if (-3 <= i - at - 3 <= 0 or 0 < at - (i + 3) + 1 <= NEAR)
                and _unit_class(vn_words(r.indicator.unit) or ["%"]) == kind
            ]
            if not near:
                continue
            r = min(near, key=lambda x: x[0])[1]
            shown = vn.number(r.actual, r.indicator.value_decimals)
            message = f"nhận định ghi {m[0]} nhưng {r.code} = {shown} (dùng {{{r.code}}} để in số liệu)"
            out.append(Finding(n, message, False))
    return out
