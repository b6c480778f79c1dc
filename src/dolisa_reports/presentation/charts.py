"""Charts with Vietnamese labels, as deterministic PNG (no timestamp, no random ids).

DejaVu Sans (shipped with matplotlib) covers every Vietnamese letter; DejaVu Sans Mono does not, so
no monospace text is used.
"""

from __future__ import annotations

import io
import textwrap

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402

from ..figures.analysis import Pace, Row, Verdict  # noqa: E402
from . import vnformat as vn  # noqa: E402

FONT = "DejaVu Sans"
COLOURS = {
    Verdict.EXCEEDED: "#1b7837",
    Verdict.ACHIEVED: "#5aae61",
    Verdict.NOT_ACHIEVED: "#c2352b",
    None: "#7f7f7f",
}
PLAN_COLOUR, ACTUAL_COLOUR, PREVIOUS_COLOUR = "#9ecae1", "#2166ac", "#bdbdbd"
STYLE = {
    "font.family": FONT,
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "svg.hashsalt": "dolisa",
    "figure.dpi": 100,
}


def _label(text: str, width: int = 38) -> str:
    return "\n".join(textwrap.wrap(text, width)) or text


def _vn_axis(decimals: int = 0):
    return FuncFormatter(lambda v, _pos: vn.number(v, decimals))


def _value_axis(ax, decimals: int) -> None:
    """Vietnamese tick labels; whole-number ticks for counts (no '0 0 1 1' on a small axis)."""
    if decimals == 0:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.xaxis.set_major_formatter(_vn_axis(decimals if decimals else 0))


def png_bytes(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


def _new(height: float) -> tuple[Figure, plt.Axes]:
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(8.0, max(1.6, height)))
    return fig, ax


def achievement(rows: list[Row], expected: float = 100.0) -> bytes | None:
    """Horizontal bars of % TH/KH, coloured by verdict, with the 100% line; mid-year (``expected`` < 100:
    the share of the year's plan the period should reach) coloured by pace, with that line too."""
    data = [r for r in rows if r.ratio is not None]
    if not data:
        return None
    with plt.rc_context(STYLE):
        fig, ax = _new(0.55 * len(data) + 0.9)
        labels = [_label(f"{r.code} {r.indicator.name_vi}") for r in data][::-1]
        values = [r.ratio for r in data][::-1]
        midyear = expected < 100
        pace = {Pace.ON_TRACK: Verdict.ACHIEVED, Pace.BEHIND: Verdict.NOT_ACHIEVED, None: None}
        colours = [COLOURS[pace[r.pace] if midyear else r.verdict] for r in data][::-1]
        bars = ax.barh(labels, values, color=colours, hatch=None)
        for bar, r in zip(bars, data[::-1], strict=True):
            if r.illustrative:
                bar.set_hatch("//")
            ax.text(
                bar.get_width() + 1.5,
                bar.get_y() + bar.get_height() / 2,
                vn.percent(r.ratio, r.indicator.ratio_decimals),
                va="center",
            )
        ax.axvline(100, color="#333333", linewidth=1, linestyle="--")
        if midyear:
            ax.axvline(expected, color="#333333", linewidth=1, linestyle=":")
        ax.set_xlim(0, max(120, max(values) * 1.18))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{vn.number(v)}%"))
        ax.set_xlabel(
            "Tỷ lệ thực hiện so với kế hoạch năm (%)" if midyear else "Tỷ lệ thực hiện so với kế hoạch (%)"
        )
        kinds, names = list(Verdict), ["Vượt", "Đạt", "Chưa đạt"]
        if midyear:
            kinds = [Verdict.ACHIEVED, Verdict.NOT_ACHIEVED]
            names = ["Đạt tiến độ", f"Chậm tiến độ (dưới {vn.percent(expected, 0)}, đường chấm)"]
        handles = [plt.Rectangle((0, 0), 1, 1, color=COLOURS[v]) for v in kinds]
        # above the bars: below them it would meet the axis label whatever the number of bars
        ax.legend(
            handles, names, loc="lower left", bbox_to_anchor=(0, 1.0), ncol=len(names),
            frameon=False, fontsize=9,
        )  # fmt: skip
        return png_bytes(fig)


def verdicts(data: list[tuple[str, list[int]]]) -> bytes:
    """Per domain, the indicators exceeded / achieved / not achieved, as stacked horizontal bars."""
    return stacked(data, ["Vượt", "Đạt", "Chưa đạt"], "Số chỉ tiêu có kế hoạch")


def stacked(data: list[tuple[str, list[int]]], names: list[str], xlabel: str) -> bytes:
    """Stacked horizontal bars: one bar per ``(label, counts)``, one colour per name (good → bad)."""
    colours = [COLOURS[Verdict.EXCEEDED], COLOURS[Verdict.ACHIEVED], COLOURS[Verdict.NOT_ACHIEVED]]
    with plt.rc_context(STYLE):
        fig, ax = _new(0.6 * len(data) + 1.1)
        labels = [_label(title, 30) for title, _ in data][::-1]
        left = [0] * len(data)
        for i, (colour, name) in enumerate(zip(colours, names, strict=True)):
            values = [c[i] for _, c in data][::-1]
            bars = ax.barh(labels, values, left=left, color=colour, label=name)
            for bar, v in zip(bars, values, strict=True):
                if v:
                    ax.text(bar.get_x() + bar.get_width() / 2, bar.get_y() + bar.get_height() / 2, vn.number(v),
                            ha="center", va="center", color="white", fontsize=9)  # fmt: skip
            left = [a + b for a, b in zip(left, values, strict=True)]
        ax.set_xlabel(xlabel)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: vn.number(v)))
        ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncol=3, frameon=False, fontsize=9)
        return png_bytes(fig)


def year_on_year(rows: list[Row], when: str, compared: str) -> bytes | None:
    """This year against last year, as % of last year (units differ between indicators); ``when`` and
    ``compared`` name them ('năm 2021' / 'năm 2020', or two six-month periods)."""
    data = [r for r in rows if r.yoy is not None]
    if not data:
        return None
    with plt.rc_context(STYLE):
        fig, ax = _new(0.55 * len(data) + 0.9)
        labels = [_label(f"{r.code} {r.indicator.name_vi}") for r in data][::-1]
        values = [r.yoy for r in data][::-1]
        bars = ax.barh(labels, values, color=ACTUAL_COLOUR)
        for bar, r in zip(bars, data[::-1], strict=True):
            if r.previous_illustrative or r.illustrative:
                bar.set_hatch("//")
                bar.set_alpha(0.75)
            ax.text(
                bar.get_width() + 1.5, bar.get_y() + bar.get_height() / 2, vn.percent(r.yoy, 1), va="center"
            )
        ax.axvline(100, color="#333333", linewidth=1, linestyle="--")
        ax.set_xlim(0, max(120, max(values) * 1.18))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{vn.number(v)}%"))
        ax.set_xlabel(f"Thực hiện {when} so với {compared} (%)")
        return png_bytes(fig)


def breakdown(total: Row, parts: list[Row]) -> bytes | None:
    """A total and its parts: plan and actual side by side for each part."""
    if not parts:
        return None
    with plt.rc_context(STYLE):
        fig, ax = _new(0.6 * len(parts) + 1.2)
        labels = [_label(p.indicator.name_vi, 30) for p in parts][::-1]
        y = range(len(parts))
        plans = [p.plan.low if p.plan and p.plan.low is not None else 0 for p in parts][::-1]
        actuals = [p.actual or 0 for p in parts][::-1]
        has_plan = any(plans)
        h = 0.38 if has_plan else 0.6
        if has_plan:
            ax.barh([i + h / 2 for i in y], plans, height=h, color=PLAN_COLOUR, label="Kế hoạch")
        ax.barh(
            [i - (h / 2 if has_plan else 0) for i in y],
            actuals,
            height=h,
            color=ACTUAL_COLOUR,
            label="Thực hiện",
        )
        for i, value in zip(y, actuals, strict=True):
            ax.text(
                value,
                i - (h / 2 if has_plan else 0),
                " " + vn.number(value, total.indicator.value_decimals),
                va="center",
            )
        ax.set_yticks(list(y), labels)
        _value_axis(ax, total.indicator.value_decimals)
        ax.set_xlabel(total.indicator.unit)
        ax.set_title(_label(f"{total.code} {total.indicator.name_vi}: cơ cấu theo thành phần", 70))
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=2, frameon=False, fontsize=9)
        ax.set_xlim(0, max([*plans, *actuals, 1]) * 1.2)
        return png_bytes(fig)


def by_area(name: str, unit: str, areas: list[tuple[str, float]], decimals: int, illustrative: bool) -> bytes:
    with plt.rc_context(STYLE):
        fig, ax = _new(0.36 * len(areas) + 1.0)
        labels = [a for a, _ in areas][::-1]
        values = [v for _, v in areas][::-1]
        bars = ax.barh(labels, values, color=ACTUAL_COLOUR)
        for bar, value in zip(bars, values, strict=True):
            if illustrative:
                bar.set_hatch("//")
            ax.text(
                value,
                bar.get_y() + bar.get_height() / 2,
                " " + vn.number(value, decimals),
                va="center",
                fontsize=9,
            )
        _value_axis(ax, decimals)
        ax.set_xlabel(unit)
        ax.set_title(_label(name, 70))
        ax.set_xlim(0, max([*values, 1]) * 1.2)
        return png_bytes(fig)
