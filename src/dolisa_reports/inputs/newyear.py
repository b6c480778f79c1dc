"""A new year in one command: ``run_all.py new-year 2022``.

Writes ``params/2022.yaml`` from the latest earlier year's parameters — the years moved on
(``year``, ``comparison_year``, ``next_year``), the report date and the deadlines moved by the same
number of years, the organisation, units and areas copied — then the blank workbooks, as ``template``
does. It never overwrites a file. What a person must still check (names after a reorganisation, the
list of areas, the signatory, the dates) is printed, and written at the top of the new file.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ..paths import Layout
from ..problems import UserError


class NewYearError(UserError):
    pass


def _shift(value, years: int):
    if isinstance(value, dt.date):
        try:
            return value.replace(year=value.year + years)
        except ValueError:  # 29 February
            return value.replace(year=value.year + years, day=28)
    return value


def source_year(layout: Layout, year: int) -> int:
    """The latest year before ``year`` that has parameters."""
    folder = layout.params_dir
    years = sorted(int(p.stem) for p in folder.glob("*.yaml") if p.stem.isdigit() and int(p.stem) < year)
    if not years:
        raise NewYearError(f"chưa có tệp tham số của năm nào trước {year} trong params/ để làm mẫu")
    return years[-1]


def new_params(layout: Layout, year: int) -> tuple[dict, int]:
    """The parameters of ``year``, made from the latest earlier year's (checked like any params file)."""
    import yaml

    from .params import load_params
    from .textio import read_text

    src = source_year(layout, year)
    load_params(src, layout)  # a broken source is said now, in its own words
    path = layout.params_file(src)
    data = yaml.safe_load(read_text(path, layout.display(path)))
    step = year - src
    data["year"] = year
    data["comparison_year"] = year - 1
    data["next_year"] = year + 1
    data["report_date"] = _shift(data.get("report_date"), step)
    for info in (data.get("domains") or {}).values():
        if isinstance(info, dict) and "deadline" in info:
            info["deadline"] = _shift(info["deadline"], step)
    return data, src


def review_lines(data: dict, src: int) -> list[str]:
    """What a person must check in the new file."""
    from ..presentation.vnformat import date

    org = data.get("organisation", {})
    areas = data.get("areas", {})
    sig = data.get("signatory", {})
    deadlines = sorted({d.get("deadline") for d in data.get("domains", {}).values() if d.get("deadline")})
    return [
        f"tên cơ quan: {org.get('parent', '')} / {org.get('name', '')} (viết tắt {org.get('abbreviation', '')})",
        f"đơn vị: {len(data.get('units') or [])} đơn vị, chép từ năm {src}",
        f"địa bàn: {len(areas.get('items') or [])} {areas.get('level_label', 'địa bàn').lower()}, chép từ năm {src}",
        f"người ký: {sig.get('title', '')} {sig.get('name', '')}",
        f"ngày báo cáo: {date(data['report_date']) if data.get('report_date') else '—'}; hạn nộp số liệu: "
        + (", ".join(date(d) for d in deadlines) or "chưa đặt"),
    ]


def make_new_year(layout: Layout, year: int) -> list[str]:
    """Write params/<year>.yaml (unless it exists) and the blank workbooks; return lines for the user."""
    import yaml

    from ..atomic import atomic_write_text
    from .template import write_templates

    lines: list[str] = []
    target = layout.params_file(year)
    if target.exists():
        lines.append(f"đã có {layout.display(target)}: giữ nguyên, không ghi đè")
    else:
        data, src = new_params(layout, year)
        review = review_lines(data, src)
        header = [
            f"# Tham số năm {year}, tạo bằng `run_all.py new-year {year}` từ params/{src}.yaml.",
            "# Cần xem lại (sau mỗi lần sắp xếp tổ chức, địa giới hành chính):",
            *(f"#   - {r}" for r in review),
        ]
        body = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=110)
        atomic_write_text(target, "\n".join(header) + "\n" + body)
        lines.append(f"đã tạo {layout.display(target)} (từ params/{src}.yaml)")
        lines.append("Hãy xem lại trong tệp này:")
        lines += [f"  - {r}" for r in review]
    layout.raw_year(year).mkdir(parents=True, exist_ok=True)
    for path, did in write_templates(year, layout):
        lines.append(f"đã tạo {layout.display(path)}" if did else f"đã có {layout.display(path)}: giữ nguyên")
    narrative: Path = layout.raw_year(year) / "narrative"
    narrative.mkdir(exist_ok=True)
    lines.append(
        f"Gửi các biểu trong {layout.display(layout.raw_year(year))}/ cho các đơn vị; "
        f"xem tình hình nhận bằng: python run_all.py status --year {year}"
    )
    return lines
