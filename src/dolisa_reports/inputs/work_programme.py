"""The year's work programme (chương trình công tác): ``data/raw/<year>/work_programme.xlsx``.

One row per task — programme (the province's or the department's), task group, unit, task, source
document, deadline, status, completion date, reason when late or not done, nature of the figures.
Read and checked like the domain workbooks (every problem in Vietnamese with file › sheet › cell), and
written as a validated dataset (``data/processed/<year>/work_programme.parquet`` + ``.json``) that the
``work_programme`` notebook reads; it never opens the workbook.

Rules: a status must be one of :data:`STATUSES`; a task done "on time" must not have a completion date
after its deadline, and a task done late must have one after it; a task done late or not done needs its
reason; dates must be dates.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

from ..paths import Layout
from ..problems import Problem, Severity, errors
from .params import normalise

NAME = "work_programme"
SHEET = "Nhiệm vụ"
TITLE_ROW, HEADER_ROW, FIRST_ROW = 1, 3, 4
DONE, DONE_LATE, NOT_DONE, IN_PROGRESS = "done", "done_late", "not_done", "in_progress"
STATUSES = {
    DONE: "Hoàn thành",
    DONE_LATE: "Hoàn thành quá hạn",
    NOT_DONE: "Chưa hoàn thành",
    IN_PROGRESS: "Đang thực hiện",
}
PROGRAMMES = {"province": "Chương trình công tác của UBND tỉnh", "department": "Chương trình công tác của Sở"}
NATURES = {"official": "Chính thức", "illustrative": "Minh họa"}


@dataclass(frozen=True)
class Column:
    key: str
    letter: str
    header: str
    width: float


COLUMNS = (
    Column("programme", "A", "Chương trình", 30),
    Column("group", "B", "Nhóm nhiệm vụ", 28),
    Column("unit", "C", "Đơn vị chủ trì", 28),
    Column("task", "D", "Nhiệm vụ", 50),
    Column("source", "E", "Văn bản giao", 26),
    Column("deadline", "F", "Hạn hoàn thành", 14),
    Column("status", "G", "Tình trạng", 20),
    Column("completed", "H", "Ngày hoàn thành", 14),
    Column("reason", "I", "Lý do (quá hạn, chưa hoàn thành)", 36),
    Column("nature", "J", "Tính chất số liệu", 14),
)
BY_KEY = {c.key: c for c in COLUMNS}
FIELDS = ["row", *(c.key for c in COLUMNS)]


def _key(mapping: dict[str, str], text) -> str | None:
    t = normalise(str(text or "").replace("hoạ", "họa"))
    return next((k for k, label in mapping.items() if normalise(label) == t), None)


@dataclass
class Programme:
    year: int
    display: str
    tasks: list[dict] = field(default_factory=list)  # FIELDS, dates as ISO text
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not errors(self.problems)


def _date(value, ref: str, what: str, prog: Programme) -> str | None:
    if value is None or str(value).strip() == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    try:
        return dt.datetime.strptime(str(value).strip(), "%d/%m/%Y").date().isoformat()
    except ValueError:
        prog.problems.append(
            Problem(
                prog.display, SHEET, ref, f"{what} '{str(value)[:30]}' không phải ngày (nhập dạng 15/11/2021)"
            )
        )
        return None


def read(layout: Layout, year: int) -> Programme:
    """The workbook's tasks and every problem found in them."""
    from .workbook_io import WorkbookRefused, open_workbook

    path = layout.workbook(year, NAME)
    prog = Programme(year, path.name)
    if not path.is_file():
        return prog  # optional: a year without a work programme has no such report
    try:
        values, _ = open_workbook(path, path.name)
    except WorkbookRefused as exc:
        prog.problems.append(exc.problem)
        return prog
    if SHEET not in values.sheetnames:
        prog.problems.append(
            Problem(prog.display, None, None, f"không có trang '{SHEET}' (lập lại từ biểu mẫu)")
        )
        return prog
    ws = values[SHEET]
    for col in COLUMNS:
        found = ws[f"{col.letter}{HEADER_ROW}"].value
        if normalise(str(found or "")) != normalise(col.header):
            prog.problems.append(
                Problem(
                    prog.display,
                    SHEET,
                    f"{col.letter}{HEADER_ROW}",
                    f"cột phải là '{col.header}' (thấy '{found or ''}')",
                )
            )
    if errors(prog.problems):
        return prog
    for r in range(FIRST_ROW, ws.max_row + 1):
        raw = {c.key: ws[f"{c.letter}{r}"].value for c in COLUMNS}
        if all(v is None or str(v).strip() == "" for v in raw.values()):
            continue
        ref = {c.key: f"{c.letter}{r}" for c in COLUMNS}
        task = {"row": r, **{k: (str(v).strip() if v is not None else "") for k, v in raw.items()}}
        programme = _key(PROGRAMMES, raw["programme"])
        if programme is None:
            prog.problems.append(Problem(prog.display, SHEET, ref["programme"],
                f"chương trình '{task['programme'][:40]}' không hợp lệ (chọn: {', '.join(PROGRAMMES.values())})"))  # fmt: skip
        status = _key(STATUSES, raw["status"])
        if status is None:
            prog.problems.append(Problem(prog.display, SHEET, ref["status"],
                f"tình trạng '{task['status'][:40]}' không hợp lệ (chọn: {', '.join(STATUSES.values())})"))  # fmt: skip
        nature = _key(NATURES, raw["nature"]) if task["nature"] else "official"
        if nature is None:
            prog.problems.append(
                Problem(prog.display, SHEET, ref["nature"], "tính chất phải là Chính thức hoặc Minh họa")
            )
        if not task["task"]:
            prog.problems.append(Problem(prog.display, SHEET, ref["task"], "thiếu nội dung nhiệm vụ"))
        deadline = _date(raw["deadline"], ref["deadline"], "hạn hoàn thành", prog)
        completed = _date(raw["completed"], ref["completed"], "ngày hoàn thành", prog)
        task.update(programme=programme, status=status, nature=nature, deadline=deadline, completed=completed)
        _check_task(prog, task, ref)
        prog.tasks.append(task)
    if not prog.tasks and not errors(prog.problems):
        prog.problems.append(  # an untouched template: said, but it holds up no other report
            Problem(
                prog.display,
                SHEET,
                f"A{FIRST_ROW}",
                "chưa có nhiệm vụ nào: chưa lập được báo cáo chương trình công tác",
                Severity.WARNING,
            )  # fmt: skip
        )
    return prog


def _check_task(prog: Programme, t: dict, ref: dict) -> None:
    status, deadline, completed = t["status"], t["deadline"], t["completed"]
    add = prog.problems.append
    if status in (DONE, DONE_LATE) and not completed:
        add(Problem(prog.display, SHEET, ref["completed"], "nhiệm vụ đã hoàn thành cần ngày hoàn thành"))
    if status == DONE and deadline and completed and completed > deadline:
        add(Problem(prog.display, SHEET, ref["status"],
            f"hoàn thành ngày {_vn(completed)}, sau hạn {_vn(deadline)}: tình trạng phải là 'Hoàn thành quá hạn'"))  # fmt: skip
    if status == DONE_LATE and deadline and completed and completed <= deadline:
        add(Problem(prog.display, SHEET, ref["status"],
            f"hoàn thành ngày {_vn(completed)}, không sau hạn {_vn(deadline)}: tình trạng là 'Hoàn thành'"))  # fmt: skip
    if status in (DONE_LATE, NOT_DONE) and not t["reason"]:
        add(
            Problem(
                prog.display, SHEET, ref["reason"], f"nhiệm vụ '{STATUSES[status].lower()}' cần ghi lý do"
            )
        )
    if status in (NOT_DONE, IN_PROGRESS) and completed:
        add(Problem(prog.display, SHEET, ref["completed"], "nhiệm vụ chưa hoàn thành không có ngày hoàn thành",
                    Severity.WARNING))  # fmt: skip


def _vn(iso: str) -> str:
    from ..presentation.vnformat import date

    return date(dt.date.fromisoformat(iso))


# -- the validated dataset ------------------------------------------------------------------------------


def paths(layout: Layout, year: int) -> dict[str, Path]:
    folder = layout.processed_year(year)
    return {"tasks": folder / f"{NAME}.parquet", "meta": folder / f"{NAME}.json"}


def write(layout: Layout, prog: Programme) -> dict[str, Path]:
    import io

    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    from ..atomic import atomic_write_bytes, atomic_write_text

    files = paths(layout, prog.year)
    files["meta"].parent.mkdir(parents=True, exist_ok=True)
    if prog.ok and prog.tasks:
        frame = pd.DataFrame(prog.tasks, columns=FIELDS).astype({k: "string" for k in FIELDS if k != "row"})
        table = pa.Table.from_pandas(frame, preserve_index=False)
        buf = io.BytesIO()
        pq.write_table(table, buf, compression="zstd", write_statistics=False)
        atomic_write_bytes(files["tasks"], buf.getvalue())
    else:
        files["tasks"].unlink(missing_ok=True)
    record = {
        "schema_version": 1,
        "year": prog.year,
        "display": prog.display,
        "ok": prog.ok and bool(prog.tasks),
        "problems": [p.as_record() for p in prog.problems],
    }
    atomic_write_text(files["meta"], json.dumps(record, ensure_ascii=False, indent=1, sort_keys=True) + "\n")
    return files


def validate(layout: Layout, year: int, write_dataset: bool = True) -> Programme | None:
    """Read, check and (when asked) write the work programme; None when the year has none."""
    if not layout.workbook(year, NAME).is_file():
        return None
    prog = read(layout, year)
    if write_dataset:
        write(layout, prog)
    return prog


def load_tasks(layout: Layout, year: int):
    """The validated tasks as a DataFrame (what the notebook reads), or :class:`UserError` saying why not."""
    import pyarrow.parquet as pq

    from ..problems import UserError

    files = paths(layout, year)
    if not files["meta"].is_file():
        raise UserError(
            f"chưa kiểm tra chương trình công tác năm {year}: python run_all.py validate --year {year}"
        )
    record = json.loads(files["meta"].read_text(encoding="utf-8"))
    if not record.get("ok") or not files["tasks"].is_file():
        first = next(
            (Problem.from_record(p) for p in record.get("problems", []) if p["severity"] == "error"), None
        )
        raise UserError(f"chương trình công tác năm {year} có lỗi" + (f": {first}" if first else ""))
    return pq.read_table(files["tasks"]).to_pandas()


# -- the blank workbook ---------------------------------------------------------------------------------


def template_bytes(year: int, units: list[str]) -> bytes:
    """A blank work-programme workbook: headers, drop-down lists for programme, unit, status and nature."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    ws["A1"] = f"CHƯƠNG TRÌNH CÔNG TÁC NĂM {year}: KẾT QUẢ THỰC HIỆN TỪNG NHIỆM VỤ"
    ws["A1"].font = Font(bold=True, size=13)
    ws["A2"] = "Mỗi dòng một nhiệm vụ. Nhiệm vụ hoàn thành quá hạn hoặc chưa hoàn thành phải ghi lý do."
    for col in COLUMNS:
        cell = ws[f"{col.letter}{HEADER_ROW}"]
        cell.value = col.header
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(wrap_text=True, horizontal="center", vertical="center")
        ws.column_dimensions[col.letter].width = col.width
    last = FIRST_ROW + 499
    for key, options in (("programme", PROGRAMMES.values()), ("status", STATUSES.values()),
                         ("nature", NATURES.values()), ("unit", units)):  # fmt: skip
        items = [o for o in options if "," not in o and '"' not in o]
        if not items or len(",".join(items)) > 250:
            continue
        dv = DataValidation(type="list", formula1='"' + ",".join(items) + '"', allow_blank=True)
        ws.add_data_validation(dv)
        letter = BY_KEY[key].letter
        dv.add(f"{letter}{FIRST_ROW}:{letter}{last}")
    for key in ("deadline", "completed"):
        for r in range(FIRST_ROW, last + 1):
            ws[f"{BY_KEY[key].letter}{r}"].number_format = "dd/mm/yyyy"
    ws.freeze_panes = f"A{FIRST_ROW}"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def write_template(layout: Layout, year: int, units: list[str]) -> tuple[Path, bool]:
    from ..atomic import atomic_write_bytes

    path = layout.workbook(year, NAME)
    if path.exists():
        return path, False
    atomic_write_bytes(path, template_bytes(year, units))
    return path, True
