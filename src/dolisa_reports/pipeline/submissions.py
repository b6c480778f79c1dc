"""Who has sent what: each domain's workbook against its deadline, its validation, its report.

For ``run_all.py status --year Y`` and the index. Read from what the pipeline already wrote — the
workbook's file time and sha256, ``data/processed/<year>/<domain>.submission.json`` (written by the
validation step: preparer, date sent, blank template, problem counts), ``outputs/status.json`` and the
issue record — never by opening a workbook, so it is cheap enough for every build's index.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from .. import DOMAINS
from ..paths import Layout
from .manifest import sha256_file
from .tasks import edition


@dataclass
class Submission:
    domain: str
    title: str
    unit: str
    deadline: dt.date | None
    received: bool = False  # a workbook that is not the blank template
    file_time: dt.datetime | None = None
    preparer: str = ""
    sent_on: dt.date | None = None
    late: bool = False
    validated: bool = False  # the validation has seen this very workbook
    errors: int = 0
    warnings: int = 0
    report: str = ""  # "ok", "failed" or "" (status.json)
    issued: str = ""

    @property
    def state(self) -> str:
        """One key for the index's colours: missing, overdue, received, invalid, valid, built, issued."""
        if self.issued:
            return "issued"
        if not self.received:
            return "overdue" if self.late else "missing"
        if not self.validated:
            return "received"
        if self.errors:
            return "invalid"
        return "built" if self.report == "ok" else "valid"

    def text(self) -> str:
        """The state in Vietnamese, as the office says it."""
        from ..presentation.vnformat import date, datetime_text

        if not self.received:
            return "chưa nhận" + (" (quá hạn nộp)" if self.late else "")
        parts = [f"đã nhận (tệp {datetime_text(self.file_time)}" if self.file_time else "đã nhận ("]
        parts[0] += f", người lập: {self.preparer})" if self.preparer else ", chưa ghi người lập)"
        parts.append(f"gửi ngày {date(self.sent_on)}" if self.sent_on else "chưa ghi ngày gửi")
        if self.late:
            parts.append("nộp muộn" + (f" so với hạn {date(self.deadline)}" if self.deadline else ""))
        if not self.validated:
            parts.append("chưa kiểm tra")
        else:
            parts.append(f"đã kiểm tra: {self.errors} lỗi, {self.warnings} cảnh báo")
        if self.issued:
            parts.append(f"đã ban hành ({self.issued})")
        elif self.report == "ok":
            parts.append("đã lập báo cáo")
        elif self.report == "failed":
            parts.append("lập báo cáo bị lỗi")
        return "; ".join(parts)


def year_submissions(
    layout: Layout, year: int, today: dt.date, reports: dict | None = None
) -> list[Submission]:
    """Every domain of the year. ``today``: the date "late" is judged against (the build's date for the
    index, so that two builds agree; the clock for the ``status`` command). ``reports``: status.json's
    entries by key (``2021/labour`` → ReportStatus), when the caller has them."""
    from ..inputs import issues
    from ..inputs.params import load_params
    from .clock import VN_TZ

    params = load_params(year, layout)
    try:
        issued = issues.load(layout, year)
    except issues.IssueError:
        issued = {}
    out = []
    for domain in DOMAINS:
        info = params.domains[domain]
        sub = Submission(domain, info.title, info.unit, params.deadline_for(domain, layout.period))
        path = layout.workbook(year, domain)
        record = {}
        rec_path = layout.submission(year, domain)
        if rec_path.is_file():
            try:
                record = json.loads(rec_path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                record = {}
        if path.is_file():
            digest = sha256_file(path)
            current = record.get("workbook_sha256") == digest
            sub.validated = current
            sub.received = not (current and record.get("blank"))
            sub.file_time = dt.datetime.fromtimestamp(path.stat().st_mtime, VN_TZ).replace(microsecond=0)
            if current:
                sub.preparer = record.get("preparer", "")
                sub.sent_on = dt.date.fromisoformat(record["sent_on"]) if record.get("sent_on") else None
                sub.errors, sub.warnings = int(record.get("errors", 0)), int(record.get("warnings", 0))
        if sub.deadline is not None:
            if sub.received:  # judged by the date written in the workbook: a file's time changes on copy
                sub.late = sub.sent_on is not None and sub.sent_on > sub.deadline
            else:
                sub.late = today > sub.deadline
        st = (reports or {}).get(f"{edition(year, layout.period)}/{domain}")
        if st is not None:
            sub.report = st.state
        if domain in issued:
            sub.issued = issued[domain].text().removeprefix("đã ban hành (").removesuffix(")")
        out.append(sub)
    return out


def status_lines(layout: Layout, year: int, today: dt.date, reports: dict | None = None) -> list[str]:
    """``run_all.py status``: one line per domain, then what to do."""
    from ..periods import get as get_period
    from ..presentation.vnformat import date

    subs = year_submissions(layout, year, today, reports)
    lines = [f"{get_period(layout.period).when_cap(year)} (đến ngày {date(today)}):"]
    width = max(len(s.domain) for s in subs)
    for s in subs:
        deadline = f"hạn {date(s.deadline)}" if s.deadline else "chưa đặt hạn"
        lines.append(f"  {s.domain:<{width}}  {s.unit} · {deadline}: {s.text()}")
    chase = [s.unit for s in subs if not s.received]
    if chase:
        lines.append("Cần nhắc gửi số liệu: " + "; ".join(dict.fromkeys(chase)) + ".")
    return lines
