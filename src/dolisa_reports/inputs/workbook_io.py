"""Opening analysts' workbooks safely: wrong formats, encrypted files and huge sheets are refused
with a Vietnamese message instead of a traceback or an exhausted machine."""

from __future__ import annotations

import warnings
import zipfile
from pathlib import Path

import openpyxl
from openpyxl.workbook.workbook import Workbook

from ..problems import Problem
from .contract import MAX_COLUMNS, MAX_FILE_BYTES, MAX_ROWS, MAX_UNPACKED_BYTES

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
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(8)
    except OSError:  # e.g. Windows: the file is open in Excel; or no read permission
        msg = "không mở được tệp: hãy đóng tệp nếu đang mở trong Excel và kiểm tra quyền đọc tệp"
        raise WorkbookRefused(Problem(display, None, None, msg, kind="unreadable")) from None
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


def _check_unpacked_size(path: Path, display: str) -> None:
    """The sizes a zip declares bound what reading it can produce: refuse a zip bomb before parsing."""
    with zipfile.ZipFile(path) as zf:
        total = sum(info.file_size for info in zf.infolist())
    if total > MAX_UNPACKED_BYTES:
        msg = (
            f"tệp giải nén ra {total / 1048576:.0f} MB, vượt giới hạn {MAX_UNPACKED_BYTES // 1048576} MB: "
            "biểu chỉ tiêu chỉ có vài chục dòng, hãy kiểm tra lại tệp"
        )
        raise WorkbookRefused(Problem(display, None, None, msg, kind="too_large"))


def _count_rows(path: Path, display: str) -> None:
    """Stream every sheet and stop early: a million-row sheet is refused in a fraction of a second.

    Every sheet is checked, not only the data sheets, because the full load that follows reads them
    all. The declared size (``<dimension>``) is checked first, then the rows are counted with the
    declaration ignored, since a file may declare fewer rows than it holds."""
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        for ws in wb.worksheets:
            if (ws.max_column or 0) > MAX_COLUMNS:
                raise WorkbookRefused(_too_many_columns(display, ws.title, ws.max_column))
            declared = ws.max_row or 0
            if declared > MAX_ROWS:
                raise WorkbookRefused(_too_many_rows(display, ws.title, declared))
            ws.reset_dimensions()
            for n, row in enumerate(ws.iter_rows(values_only=True), start=1):
                if n > MAX_ROWS:
                    raise WorkbookRefused(_too_many_rows(display, ws.title, None))
                if len(row) > MAX_COLUMNS:
                    raise WorkbookRefused(_too_many_columns(display, ws.title, len(row)))
    finally:
        wb.close()


def _too_many_columns(display: str, sheet: str, count: int) -> Problem:
    msg = f"trang tính có {count} cột, vượt giới hạn {MAX_COLUMNS}"
    return Problem(display, sheet, None, msg, kind="too_many_columns")


def _too_many_rows(display: str, sheet: str, count: int | None) -> Problem:
    amount = f"{count:,}".replace(",", ".") if count else f"hơn {MAX_ROWS}"
    msg = f"trang tính có {amount} dòng, vượt giới hạn {MAX_ROWS} dòng: tệp bị từ chối"
    return Problem(display, sheet, None, msg, kind="too_many_rows")


def open_workbook(path: Path, display: str) -> tuple[Workbook, Workbook]:
    """Return (values, formulas): cached values for reading, formulas to spot uncomputed cells."""
    check_file(path, display)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl's "data validation extension" chatter
            _check_unpacked_size(path, display)
            _count_rows(path, display)
            values = openpyxl.load_workbook(path, data_only=True)
            formulas = openpyxl.load_workbook(path, data_only=False)
    except WorkbookRefused:
        raise
    except Exception as exc:  # zipfile and openpyxl raise many types on a damaged file or malformed XML
        import logging

        log = logging.getLogger("dolisa_reports.pipeline")

        log.info("%s: openpyxl could not read it: %s: %s", display, type(exc).__name__, exc)
        msg = "tệp .xlsx bị hỏng, không đọc được: hãy mở bằng Excel, lưu lại rồi gửi lại"
        raise WorkbookRefused(Problem(display, None, None, msg, kind="corrupt")) from None
    return values, formulas
