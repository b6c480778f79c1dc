"""Opening analysts' workbooks safely: wrong formats, encrypted files and huge sheets are refused
with a Vietnamese message instead of a traceback or an exhausted machine."""

from __future__ import annotations

import warnings
import zipfile
from pathlib import Path

import openpyxl
from openpyxl.workbook.workbook import Workbook

from .contract import MAX_COLUMNS, MAX_FILE_BYTES, MAX_ROWS
from .problems import Problem

_ZIP = b"PK\x03\x04"
_CFB = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE compound file: .xls, or an encrypted .xlsx


class WorkbookRefused(Exception):
    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem


def _is_encrypted(path: Path) -> bool:
    try:
        import msoffcrypto

        with path.open("rb") as fh:
            return bool(msoffcrypto.OfficeFile(fh).is_encrypted())
    except Exception:  # not an Office file msoffcrypto understands
        return False


def check_file(path: Path, display: str) -> None:
    """Refuse what openpyxl should never be asked to open."""
    size = path.stat().st_size
    if size == 0:
        raise WorkbookRefused(Problem(display, None, None, "tệp rỗng (0 byte)", kind="empty_file"))
    if size > MAX_FILE_BYTES:
        raise WorkbookRefused(
            Problem(
                display,
                None,
                None,
                f"tệp quá lớn ({size / 1048576:.0f} MB, tối đa {MAX_FILE_BYTES // 1048576} MB): "
                "biểu chỉ tiêu chỉ có vài chục dòng, hãy kiểm tra lại tệp",
                kind="too_large",
            )
        )
    with path.open("rb") as fh:
        head = fh.read(8)
    if head.startswith(_ZIP):
        return
    if head == _CFB:
        if _is_encrypted(path):
            msg = "tệp được đặt mật khẩu: hãy gỡ mật khẩu (File › Info › Protect Workbook) rồi gửi lại"
            raise WorkbookRefused(Problem(display, None, None, msg, kind="encrypted"))
        msg = "tệp Excel 97–2003 (.xls) đổi đuôi thành .xlsx: hãy mở bằng Excel và lưu lại dạng .xlsx"
        raise WorkbookRefused(Problem(display, None, None, msg, kind="old_xls"))
    msg = "không phải tệp Excel .xlsx hợp lệ (có thể là tệp CSV hoặc tệp hỏng đổi đuôi)"
    raise WorkbookRefused(Problem(display, None, None, msg, kind="not_xlsx"))


def _count_rows(path: Path, display: str, sheets: set[str]) -> None:
    """Stream the sheets and stop early: a million-row sheet is refused in a fraction of a second."""
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        for ws in wb.worksheets:
            if ws.title not in sheets:
                continue
            if (ws.max_column or 0) > MAX_COLUMNS:
                msg = f"trang tính có {ws.max_column} cột, vượt giới hạn {MAX_COLUMNS}"
                raise WorkbookRefused(Problem(display, ws.title, None, msg, kind="too_many_columns"))
            declared = ws.max_row or 0
            if declared > MAX_ROWS:
                raise WorkbookRefused(_too_many_rows(display, ws.title, declared))
            for n, _row in enumerate(ws.iter_rows(values_only=True), start=1):
                if n > MAX_ROWS:
                    raise WorkbookRefused(_too_many_rows(display, ws.title, None))
    finally:
        wb.close()


def _too_many_rows(display: str, sheet: str, count: int | None) -> Problem:
    amount = f"{count:,}".replace(",", ".") if count else f"hơn {MAX_ROWS}"
    msg = f"trang tính có {amount} dòng, vượt giới hạn {MAX_ROWS} dòng: tệp bị từ chối"
    return Problem(display, sheet, None, msg, kind="too_many_rows")


def open_workbook(path: Path, display: str, sheets: set[str]) -> tuple[Workbook, Workbook]:
    """Return (values, formulas): cached values for reading, formulas to spot uncomputed cells."""
    check_file(path, display)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl's "data validation extension" chatter
            _count_rows(path, display, sheets)
            values = openpyxl.load_workbook(path, data_only=True)
            formulas = openpyxl.load_workbook(path, data_only=False)
    except WorkbookRefused:
        raise
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, IndexError) as exc:
        msg = f"tệp .xlsx bị hỏng, không đọc được ({type(exc).__name__})"
        raise WorkbookRefused(Problem(display, None, None, msg, kind="corrupt")) from None
    except Exception as exc:  # openpyxl raises many types on malformed XML
        msg = f"tệp .xlsx bị hỏng, không đọc được ({type(exc).__name__})"
        raise WorkbookRefused(Problem(display, None, None, msg, kind="corrupt")) from None
    return values, formulas
