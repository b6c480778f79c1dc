"""The build time stamped on reports: a function of the inputs, never of the moment the build ran.

The first rule that applies gives the time:

1. ``SOURCE_DATE_EPOCH`` (seconds since 1970-01-01 UTC; the reproducible-builds.org convention);
2. the commit time of ``HEAD``, when the project is a git checkout without uncommitted changes
   (the caller passes it: see :func:`dolisa_reports.pipeline.provenance.git_state`);
3. the newest modification time among the build's input files (workbooks, narratives, parameters,
   catalogue, notebooks), in whole seconds;
4. the clock, only when there is no input file at all.

So building the same checkout twice, into two output folders, stamps the same time without any
environment variable. The wall clock still goes to the run log (``outputs/build.log``).

Times are shown in Vietnam's time zone (UTC+7), which has no daylight saving.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

VN_TZ = dt.timezone(dt.timedelta(hours=7), "ICT")

SOURCE_ENV = "SOURCE_DATE_EPOCH"
SOURCE_GIT = "git"
SOURCE_INPUTS = "inputs"
SOURCE_CLOCK = "clock"

SOURCE_TEXT = {
    SOURCE_ENV: "theo SOURCE_DATE_EPOCH",
    SOURCE_GIT: "theo thời điểm commit",
    SOURCE_INPUTS: "theo thời điểm sửa tệp đầu vào mới nhất",
    SOURCE_CLOCK: "theo đồng hồ máy",
}


@dataclass(frozen=True)
class BuildTime:
    when: dt.datetime  # aware, UTC+7, whole seconds
    source: str  # one of the SOURCE_* names

    @property
    def epoch(self) -> int:
        return int(self.when.timestamp())


# 1980-01-01 (the earliest time a zip file — .xlsx, .docx — can hold) to 9999-12-31 (datetime's last year)
EPOCH_MIN, EPOCH_MAX = 315532800, 253402300799


def parse_epoch(value: str | None) -> int | None:
    """A usable ``SOURCE_DATE_EPOCH`` (whole seconds, 1980–9999), else None."""
    value = (value or "").strip()
    if not value.isascii() or not value.isdigit():
        return None
    epoch = int(value)
    return epoch if EPOCH_MIN <= epoch <= EPOCH_MAX else None


def sanitise_environment(environ=os.environ) -> str | None:
    """Remove a ``SOURCE_DATE_EPOCH`` that is set but unusable (empty, not a whole number, out of range),
    so that no kernel or tool that parses it (ipykernel, fontTools, …) ever sees it; return the one
    warning to show, or None."""
    if SOURCE_ENV not in environ:
        return None
    raw = environ[SOURCE_ENV]
    if parse_epoch(raw) is not None:
        environ[SOURCE_ENV] = raw.strip()
        return None
    del environ[SOURCE_ENV]
    shown = raw if len(raw) <= 30 else raw[:27] + "…"
    return (
        f"[CẢNH BÁO] SOURCE_DATE_EPOCH='{shown}' không phải số giây hợp lệ (số nguyên từ {EPOCH_MIN} đến "
        f"{EPOCH_MAX}): bỏ qua, coi như chưa đặt"
    )


def source_date_epoch() -> int | None:
    """``SOURCE_DATE_EPOCH`` when set to a usable value (see :func:`parse_epoch`), else None."""
    return parse_epoch(os.environ.get(SOURCE_ENV))


def newest_mtime(paths: Iterable[Path]) -> int | None:
    """The newest modification time (whole seconds) among the files that exist, or None."""
    newest = None
    for path in paths:
        try:
            seconds = Path(path).stat().st_mtime_ns // 1_000_000_000
        except OSError:
            continue
        newest = seconds if newest is None else max(newest, seconds)
    return newest


def _at(epoch: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(epoch, tz=VN_TZ)


def resolve(inputs: Iterable[Path] = (), commit_time: int | None = None) -> BuildTime:
    """The build time and where it came from (see the module's rules)."""
    epoch = source_date_epoch()
    if epoch is not None:
        return BuildTime(_at(epoch), SOURCE_ENV)
    if commit_time is not None:
        return BuildTime(_at(commit_time), SOURCE_GIT)
    newest = newest_mtime(inputs)
    if newest is not None:
        return BuildTime(_at(newest), SOURCE_INPUTS)
    return BuildTime(dt.datetime.now(tz=VN_TZ).replace(microsecond=0), SOURCE_CLOCK)
