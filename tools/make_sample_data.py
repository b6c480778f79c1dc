"""Regenerate the bundled sample workbooks in data/raw/ (run by a developer, not by the pipeline).

- 2021: the figures of the department's 2021 results report, from the project's transcription
  tests/data/reference_indicators_2021.csv (actual, plan, 2022 target), marked "Chính thức";
  plus an illustrative breakdown by district for a few indicators, marked "Minh họa".
- 2020: the two figures the source gives (marked "Chính thức") and illustrative figures for the rest
  (marked "Minh họa"), from data/sample/figures_2020.csv.
- 2021/6t and 2020/6t: six-month workbooks for two domains (labour, vocational training), every figure
  illustrative (a share of the year's actual), with the year's plan, so that the six-month report
  (``run_all.py --period 6t``) has data and a same-period comparison.

Usage: python tools/make_sample_data.py [--force]
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from dolisa_reports import DOMAINS  # noqa: E402
from dolisa_reports.atomic import atomic_write_bytes  # noqa: E402
from dolisa_reports.inputs import contract as C  # noqa: E402
from dolisa_reports.inputs.catalogue import load_catalogue  # noqa: E402
from dolisa_reports.inputs.params import load_params  # noqa: E402
from dolisa_reports.inputs.template import build_workbook, workbook_bytes  # noqa: E402
from dolisa_reports.paths import Layout  # noqa: E402

SOURCE_NOTE_2021 = "Báo cáo kết quả thực hiện Nghị quyết Hội nghị CCVCNLĐ năm 2021 của Sở LĐTBXH"
NOTES_2021 = {
    "LD01": "Số liệu tính đến 30/11/2021. Kế hoạch không in trong báo cáo: 16.000 là số tròn khớp tỷ lệ 99,6% đã công bố.",
    "LD02": "Tính đến tháng 12/2021. Kế hoạch không in trong báo cáo: 1.800 khớp tỷ lệ 27,3% đã công bố.",
    "LD03": "Do Trung tâm Dịch vụ việc làm tỉnh tổ chức.",
    "LD05": "Tính đến ngày 10/12/2021.",
    "LD06": "Tính đến ngày 10/12/2021.",
    "LD07": "Kế hoạch năm 2022: tăng 1,5% so với năm 2021.",
    "LD09": "Kế hoạch năm 2022: dưới mức 2,3%.",
    "GD02": "Gồm cao đẳng, trung cấp, sơ cấp và đào tạo dưới 3 tháng.",
    "NC03": "Báo cáo ghi 'hơn 32.751 suất'.",
    "NC04": "Báo cáo ghi 'hơn 8,6 tỷ đồng'.",
    "NC09": "Gồm 5.328 tại gia đình, 1.656 tập trung và 441 ngoài tỉnh (theo quyết định).",
    "NC11": "Do ảnh hưởng của dịch COVID-19.",
    "NC12": "Không tổ chức được trong năm 2021 do dịch COVID-19.",
    "NC13": "83 nhà xây mới và 359 nhà sửa chữa, kinh phí 10.500 triệu đồng.",
    "NC14": "Giảm 4 người so với năm 2020.",
    "XH01": "Mục tiêu năm 2021: giảm từ 0,4% trở lên; năm 2022 theo chuẩn nghèo đa chiều giai đoạn 2022-2025.",
    "XH11": "Tổng số tiền hỗ trợ 10,865 tỷ đồng.",
    "TT02": "Kế hoạch điều chỉnh giảm 16 cuộc, còn 20 cuộc theo chỉ đạo của Thanh tra Chính phủ.",
    "TT06": "02 đơn thuộc thẩm quyền, đã giải quyết 01 đơn.",
    "TT09": "Giảm 02 vụ so với năm 2020 (08 vụ).",
}
# Illustrative district shares (sum 1), in the order of params/2021.yaml's areas.
AREA_WEIGHTS = [0.24, 0.12, 0.11, 0.10, 0.09, 0.12, 0.11, 0.06, 0.05]
AREA_CODES = {
    "labour": ["LD01", "LD02"],
    "vocational_training": ["GD05"],
    "meritorious_persons": ["NC13"],
    "social_protection": ["XH02", "XH06"],
    "inspection": ["TT09"],
}


def _num(text: str):
    text = text.strip()
    if not text:
        return None
    value = float(text)
    return int(value) if value.is_integer() else value


def _target(text: str):
    text = text.strip()
    if not text:
        return None
    if text.startswith("<"):
        return "dưới " + text[1:].replace(".", ",")
    if ".." in text:
        low, high = text.split("..")
        return f"{low.replace('.', ',')}–{high.replace('.', ',')}"
    return _num(text)


def split(total: float, weights: list[float], decimals: int) -> list[float]:
    """Largest-remainder split, so the parts add up exactly to the total."""
    scale = 10**decimals
    units = round(total * scale)
    raw = [units * w for w in weights]
    parts = [int(x) for x in raw]
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - parts[i], reverse=True)[: units - sum(parts)]:
        parts[i] += 1
    return [p / scale if decimals else p for p in parts]


def fill(ws_ind, rows: dict[str, dict], year: int) -> None:
    for r in range(C.FIRST_ROW, ws_ind.max_row + 1):
        code = ws_ind[f"A{r}"].value
        if code not in rows:
            continue
        rec = rows[code]
        for key in ("plan", "actual", "target_next", "nature", "note"):
            ws_ind[f"{C.COLUMN_BY_KEY[key].letter}{r}"] = rec.get(key)


def fill_areas(ws, domain: str, actuals: dict[str, float], params, catalogue) -> None:
    keep = AREA_CODES[domain]
    nature_col = len(C.AREA_FIXED) + len(params.areas.items) + 1
    for r in range(ws.max_row, C.AREA_FIRST_ROW - 1, -1):
        code = ws.cell(r, 1).value
        if code not in keep or actuals.get(code) is None:
            ws.delete_rows(r)
            continue
        parts = split(actuals[code], AREA_WEIGHTS, catalogue[code].value_decimals)
        for i, value in enumerate(parts):
            ws.cell(r, len(C.AREA_FIXED) + 1 + i, value)
        ws.cell(r, nature_col, C.NATURE_VALUES["illustrative"])


def work_programme_2021(layout) -> None:
    """2021's work programme with the source's totals: 35 tasks of the province's programme and 203 task
    groups of the department's, all done ("hoàn thành 35/35 … 203/203"); each task is illustrative."""
    import datetime as dt

    import openpyxl

    from dolisa_reports.inputs import work_programme as wp

    path = layout.workbook(2021, wp.NAME)
    if path.exists():
        print(f"giữ nguyên {path.relative_to(ROOT)}")
        return
    params = load_params(2021, layout)
    units = [u.name for u in params.units[:11]]  # the department's divisions and centres
    wb = openpyxl.load_workbook(
        __import__("io").BytesIO(wp.template_bytes(2021, [u.name for u in params.units]))
    )
    ws = wb[wp.SHEET]
    row = wp.FIRST_ROW
    for key, count, noun in (("province", 35, "Nhiệm vụ"), ("department", 203, "Nhóm nhiệm vụ")):
        for i in range(1, count + 1):
            deadline = dt.date(2021, 3 + (i % 10), 28 if (i % 10) == 9 else 15 + (i % 13))
            done = deadline - dt.timedelta(days=1 + i % 9)
            values = {
                "programme": wp.PROGRAMMES[key],
                "group": f"Nhóm {1 + (i - 1) // 12}",
                "unit": units[i % len(units)],
                "task": f"{noun} số {i} (minh họa)",
                "source": "Quyết định số 62/QĐ-LĐTBXH ngày 19/01/2021"
                if key == "department"
                else "Chương trình công tác năm 2021 của UBND tỉnh",
                "deadline": deadline,
                "status": wp.STATUSES[wp.DONE],
                "completed": done,
                "reason": None,
                "nature": wp.NATURES["illustrative"],
            }
            for col in wp.COLUMNS:
                ws[f"{col.letter}{row}"] = values[col.key]
            row += 1
    buf = __import__("io").BytesIO()
    wb.save(buf)
    atomic_write_bytes(path, buf.getvalue())
    print(f"đã ghi {path.relative_to(ROOT)}")


PERIOD_DOMAINS = ("labour", "vocational_training")
PERIOD_SHARES = (0.52, 0.47, 0.55, 0.43, 0.50, 0.58, 0.46)  # illustrative: some ahead, some behind


def period_rows(rows: dict[str, dict], domain: str, year: int, catalogue) -> dict[str, dict]:
    """Illustrative six-month figures: a share of the year's actual for a count (totals as the sum of
    their parts), the year's level for a rate; the plan is the year's."""
    inds = catalogue.for_domain(domain, year)
    out: dict[str, dict] = {}
    for i, ind in enumerate(inds):
        rec = rows.get(ind.code)
        if rec is None or rec.get("actual") is None:
            continue
        actual = rec["actual"]
        if ind.is_count:  # a rate keeps its level
            value = round(actual * PERIOD_SHARES[i % len(PERIOD_SHARES)], ind.value_decimals)
            actual = int(value) if ind.value_decimals == 0 else value
        out[ind.code] = {
            "plan": rec.get("plan"),
            "actual": actual,
            "nature": C.NATURE_VALUES["illustrative"],
            "note": "Số liệu 6 tháng minh họa, không lấy từ văn bản nguồn.",
        }
    for ind in inds:  # a total is the sum of its parts, as the validation requires
        parts = [out[c]["actual"] for c in ind.sum_of if c in out]
        if ind.code in out and ind.sum_of and len(parts) == len(ind.sum_of) and ind.is_count:
            total = round(sum(parts), ind.value_decimals)
            out[ind.code]["actual"] = int(total) if ind.value_decimals == 0 else total
    return out


def period_workbooks(layout, rows_by_year: dict[int, dict], catalogue, force: bool) -> None:
    period = layout.for_period("6t")
    for year, rows in rows_by_year.items():
        params = load_params(year, layout)
        for domain in PERIOD_DOMAINS:
            path = period.workbook(year, domain)
            if path.exists() and not force:
                print(f"giữ nguyên {path.relative_to(ROOT)}")
                continue
            inds = catalogue.for_domain(domain, year)
            wb = build_workbook(year, domain, inds, params, areas=False, period="6t")
            fill(wb[C.SHEET_INDICATORS], period_rows(rows, domain, year, catalogue), year)
            atomic_write_bytes(path, workbook_bytes(wb))
            print(f"đã ghi {path.relative_to(ROOT)}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--force", action="store_true", help="overwrite existing sample workbooks")
    args = ap.parse_args()
    layout = Layout.default()
    catalogue = load_catalogue(layout)

    ref = list(csv.DictReader((ROOT / "tests/data/reference_indicators_2021.csv").open(encoding="utf-8")))
    rows21 = {
        r["code"]: {
            "plan": _target(r["plan_2021"]),
            "actual": _num(r["actual_2021"]),
            "target_next": _target(r["target_2022"]),
            "nature": C.NATURE_VALUES["official"],
            "note": "; ".join(filter(None, [NOTES_2021.get(r["code"]), f"Nguồn: {SOURCE_NOTE_2021}"])),
        }
        for r in ref
    }
    fig20 = list(csv.DictReader((ROOT / "data/sample/figures_2020.csv").open(encoding="utf-8")))
    rows20 = {}
    for r in fig20:
        illustrative = r["nature"].strip() == "illustrative"
        rows20[r["code"]] = {
            "plan": _num(r["plan_2020"]),
            "actual": _num(r["actual_2020"]),
            "target_next": rows21.get(r["code"], {}).get("plan"),
            "nature": C.NATURE_VALUES["illustrative" if illustrative else "official"],
            "note": "Số liệu minh họa, không lấy từ văn bản nguồn."
            if illustrative
            else f"Nguồn: {SOURCE_NOTE_2021} (so sánh với năm 2020).",
        }

    for year, rows, with_areas in ((2021, rows21, True), (2020, rows20, False)):
        params = load_params(year, layout)
        for domain in DOMAINS:
            path = layout.workbook(year, domain)
            if path.exists() and not args.force:
                print(f"giữ nguyên {path.relative_to(ROOT)}")
                continue
            wb = build_workbook(year, domain, catalogue.for_domain(domain, year), params, areas=with_areas)
            fill(wb[C.SHEET_INDICATORS], rows, year)
            if with_areas:
                actuals = {c: rows[c]["actual"] for c in rows}
                fill_areas(wb[C.SHEET_AREAS], domain, actuals, params, catalogue)
            atomic_write_bytes(path, workbook_bytes(wb))
            print(f"đã ghi {path.relative_to(ROOT)}")
    work_programme_2021(layout)
    period_workbooks(layout, {2021: rows21, 2020: rows20}, catalogue, args.force)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
