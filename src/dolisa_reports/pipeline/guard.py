"""Checks before a build touches anything: the years asked for exist, the outputs folder can be written,
and no other build is writing to it.

Each check answers in one Vietnamese line; the engine prints it and stops before writing a file, so a
mistyped year, a read-only shared folder or a full disk never leaves half a build behind.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Callable, Iterator

from ..paths import Layout
from ..problems import UserError, os_error_text

MIN_FREE_BYTES = 20 * 1024 * 1024  # a year's reports take ~10 MB; below this the build would fail halfway
LOCK_NAME = ".build.lock"
LOCK_WAIT_ENV = "DOLISA_LOCK_WAIT"
LOCK_WAIT_SECONDS = 600


class GuardError(UserError):
    """The build cannot start; the message says why and what to do."""


def years_to_build(layout: Layout, requested: list[int] | None) -> tuple[list[int], list[str]]:
    """The years to build and the warnings to show; :class:`GuardError` for a year asked for that has no
    parameters or no data (a mistyped ``--year``).

    Without ``--year``, every year with data is built; one that has no ``params/<year>.yaml`` yet is left
    out with a warning, so the other years still build."""
    folder = layout.display(layout.raw_year(0)).replace("/0", "/<năm>", 1)
    if requested:
        lines = []
        for year in dict.fromkeys(requested):
            has_params, has_data = layout.params_file(year).is_file(), layout.has_data(year)
            where = layout.display(layout.raw_year(year))
            period = f" --period {layout.period}" if layout.in_period else ""
            if not has_params and not has_data:
                lines.append(f"[LỖI] chưa có tham số/số liệu năm {year} (params/{year}.yaml, {where}/)")
            elif not has_data:
                lines.append(
                    f"[LỖI] chưa có số liệu năm {year}: {where}/ chưa có tệp .xlsx nào "
                    f"(tạo biểu mẫu: python run_all.py template --year {year}{period})"
                )
            elif not has_params:
                lines.append(f"[LỖI] chưa có tham số năm {year}: thiếu tệp params/{year}.yaml")
        if lines:
            raise GuardError("\n".join(lines))
        return list(dict.fromkeys(requested)), []
    years, warnings = [], []
    for year in layout.years_with_data():
        if layout.params_file(year).is_file():
            years.append(year)
        else:
            warnings.append(
                f"[CẢNH BÁO] năm {year} có số liệu nhưng chưa có params/{year}.yaml: bỏ qua năm này"
            )
    if not years:
        raise GuardError(f"[LỖI] Không có số liệu: {folder}/ chưa có tệp .xlsx nào.")
    return years, warnings


def check_outputs(layout: Layout) -> None:
    """The outputs folder is a folder, can be written, and has room; else :class:`GuardError`."""
    out = layout.outputs
    shown = layout.display(out)
    if out.exists() and not out.is_dir():
        raise GuardError(
            f"[LỖI] {shown} là một tệp, không phải thư mục: hãy chọn một thư mục khác cho --outputs"
        )
    probe = out / f".write-test-{os.getpid()}"
    try:
        out.mkdir(parents=True, exist_ok=True)
        with open(probe, "wb") as fh:
            fh.write(b"x" * 4096)
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:
        raise GuardError(f"[LỖI] {os_error_text(exc, shown)}") from None
    finally:
        with contextlib.suppress(OSError):
            probe.unlink()
    try:
        free = shutil.disk_usage(out).free
    except OSError:
        return
    if free < MIN_FREE_BYTES:
        raise GuardError(
            f"[LỖI] ổ đĩa chứa thư mục {shown} chỉ còn {free / 1048576:.1f} MB trống (cần ít nhất "
            f"{MIN_FREE_BYTES // 1048576} MB): hãy giải phóng dung lượng rồi chạy lại; các báo cáo đã có được giữ nguyên"
        )


@contextlib.contextmanager
def build_lock(layout: Layout, say: Callable[[str], None]) -> Iterator[None]:
    """One build at a time per outputs folder (``outputs/.build.lock``, an OS file lock: released even when
    the build is killed). A second build waits for the first (``DOLISA_LOCK_WAIT`` seconds, default 600),
    then gives up with a clear message."""
    from filelock import FileLock, Timeout

    lock = FileLock(str(layout.outputs / LOCK_NAME))
    try:
        wait = float(os.environ.get(LOCK_WAIT_ENV, LOCK_WAIT_SECONDS))
    except ValueError:
        wait = LOCK_WAIT_SECONDS
    shown = layout.display(layout.outputs)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        say(
            f"Một lần lập báo cáo khác đang ghi vào thư mục {shown}: chờ lần đó xong (tối đa {wait:.0f} giây)…"
        )
        try:
            lock.acquire(timeout=wait)
        except Timeout:
            raise GuardError(
                f"[LỖI] thư mục {shown} đang được một lần lập báo cáo khác sử dụng: hãy chờ lần đó xong rồi chạy lại"
            ) from None
    except OSError as exc:
        raise GuardError(f"[LỖI] {os_error_text(exc, shown)}") from None
    try:
        yield
    finally:
        lock.release()
