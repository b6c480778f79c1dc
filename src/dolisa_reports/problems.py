"""Problems found in the inputs, reported in Vietnamese with file, sheet and cell."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


SEVERITY_VI = {Severity.ERROR: "LỖI", Severity.WARNING: "CẢNH BÁO"}


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    sheet: str | None
    cell: str | None
    message: str
    severity: Severity = Severity.ERROR
    kind: str = "invalid"

    @property
    def where(self) -> str:
        return " › ".join(p for p in (self.file, self.sheet, self.cell) if p)

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"

    def line(self) -> str:
        return f"[{SEVERITY_VI[self.severity]}] {self}"

    def as_record(self) -> dict:
        return {**asdict(self), "severity": self.severity.value}

    @classmethod
    def from_record(cls, rec: dict) -> Problem:
        """The inverse of :meth:`as_record` (problems stored in a dataset's JSON)."""
        return cls(
            rec["file"], rec.get("sheet"), rec.get("cell"), rec["message"], Severity(rec["severity"]),
            rec.get("kind", "invalid"),
        )  # fmt: skip


def errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == Severity.ERROR]


def warnings(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == Severity.WARNING]


class UserError(ValueError):
    """An error whose message is written for the analyst (Vietnamese, names the file): shown as it is.

    Every other exception is a fault of the program or of the machine; users see :func:`for_people`'s
    Vietnamese sentence for it, never its class name or Python source (those go to the run log).
    """


USER_ERROR_NAMES = {
    "UserError",
    "TextFileError",
    "ParamsError",
    "CatalogueError",
    "ReportDataError",
    "SummaryDataError",
    "DatasetError",
    "PdfError",
    "WorkbookRefused",
}


def os_error_text(exc: OSError, where: str = "") -> str:
    """A full disk, a read-only or forbidden folder, in Vietnamese (``where``: the folder, relative)."""
    import errno

    place = f" {where}" if where else ""
    if exc.errno == errno.ENOSPC or exc.errno == getattr(errno, "EDQUOT", -1):
        return f"ổ đĩa chứa thư mục{place} đã đầy: hãy giải phóng dung lượng rồi chạy lại"
    if exc.errno in (errno.EROFS,):
        return f"thư mục{place} chỉ cho phép đọc (ổ đĩa hoặc thư mục dùng chung bị khoá ghi): hãy chọn thư mục khác bằng --outputs hoặc xin quyền ghi"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return (
            f"không có quyền ghi vào thư mục{place}: hãy xin quyền ghi hoặc chọn thư mục khác bằng --outputs"
        )
    return f"không ghi/đọc được tệp trong thư mục{place} (lỗi hệ thống số {exc.errno}): hãy kiểm tra ổ đĩa"


def for_people(exc: BaseException, where: str = "") -> str:
    """What a user is shown for ``exc``: its own message if it is a :class:`UserError`, else plain Vietnamese."""
    if isinstance(exc, UserError) or type(exc).__name__ in USER_ERROR_NAMES:
        return str(exc)
    if isinstance(exc, OSError) and exc.errno is not None:
        return os_error_text(exc, where)
    return "lỗi của chương trình (chi tiết kỹ thuật trong outputs/build.log): hãy báo cho người quản trị"
