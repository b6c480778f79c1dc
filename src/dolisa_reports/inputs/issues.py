"""Issued reports: the office's record of what was issued, with number and date, and the frozen files.

``run_all.py issue --year 2021 --domain labour --number "172/BC-SLĐTBXH" --date 2021-12-22`` writes an
entry to ``params/<year>.issued.yaml`` (in the repository: it survives ``make clean-outputs`` and travels
with the project). The next build makes that report once more, now showing "Số: 172/BC-SLĐTBXH" and the
date of issue, and freezes it: its HTML, PDF, DOCX, results (and the summary's appendix) are copied to
``issued/<year>/`` and their hashes written to the entry. From then on no build rewrites them (``--force``
included): a build puts the frozen files back in ``outputs/`` and says so, and says when the report's
inputs changed after issue. Only ``run_all.py unissue`` lifts it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field

from .. import DOMAINS
from ..paths import Layout
from ..problems import UserError

SUMMARY = "summary"
REPORTS = (*DOMAINS, SUMMARY)  # what can be issued: a year's thematic reports and its summary


class IssueError(UserError):
    pass


@dataclass(frozen=True)
class Issue:
    report: str  # a domain, or "summary"
    number: str  # "172/BC-SLĐTBXH" ("" when the office numbers it by hand)
    date: dt.date
    frozen: dict[str, str] = field(default_factory=dict)  # file under issued/<year>/ -> sha256
    inputs: dict[str, str] = field(default_factory=dict)  # what the report read when frozen (hashes)

    @property
    def is_frozen(self) -> bool:
        return bool(self.frozen)

    def as_record(self) -> dict:
        rec: dict = {"number": self.number, "date": self.date.isoformat()}
        if self.frozen:
            rec["frozen"] = dict(sorted(self.frozen.items()))
            rec["inputs"] = dict(sorted(self.inputs.items()))
        return rec

    def digest(self) -> str:
        """What the report prints of its issue (number and date): its dependency in the manifest."""
        text = json.dumps({"number": self.number, "date": self.date.isoformat()}, ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def text(self) -> str:
        from ..presentation.vnformat import date

        number = f"số {self.number}" if self.number else "chưa ghi số"
        return f"đã ban hành ({number}, ngày {date(self.date)})"


def _parse_date(value, where: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    text = str(value or "").strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise IssueError(f"{where}: ngày '{text}' không hợp lệ (ghi dạng 2021-12-22 hoặc 22/12/2021)")


def parse_date(text: str) -> dt.date:
    return _parse_date(text, "--date")


def load(layout: Layout, year: int) -> dict[str, Issue]:
    """The year's issued reports (none when the record file does not exist)."""
    import yaml

    path = layout.issue_record(year)
    shown = layout.display(path)
    if not path.is_file():
        return {}
    from .textio import read_text

    try:
        data = yaml.safe_load(read_text(path, shown)) or {}
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        where = f", dòng {line + 1}" if line is not None else ""
        raise IssueError(f"{shown}{where}: không đọc được (YAML không hợp lệ)") from None
    if not isinstance(data, dict):
        raise IssueError(f"{shown}: cần danh sách báo cáo đã ban hành (labour:, summary:, …)")
    out = {}
    for name, rec in data.items():
        if name not in REPORTS:
            raise IssueError(f"{shown}: '{name}' không phải báo cáo (chọn trong: {', '.join(REPORTS)})")
        if not isinstance(rec, dict) or "date" not in rec:
            raise IssueError(f"{shown}: mục '{name}' cần 'date' (ngày ban hành) và 'number' (số)")
        out[name] = Issue(
            report=name,
            number=str(rec.get("number") or "").strip(),
            date=_parse_date(rec.get("date"), f"{shown}, mục {name}"),
            frozen={str(k): str(v) for k, v in (rec.get("frozen") or {}).items()},
            inputs={str(k): str(v) for k, v in (rec.get("inputs") or {}).items()},
        )
    return out


def lookup(layout: Layout, year: int, report: str) -> Issue | None:
    return load(layout, year).get(report)


def save(layout: Layout, year: int, issues: dict[str, Issue]) -> None:
    import yaml

    from ..atomic import atomic_write_text

    path = layout.issue_record(year)
    if not issues:
        path.unlink(missing_ok=True)
        return
    order = {r: i for i, r in enumerate(REPORTS)}
    body = {k: issues[k].as_record() for k in sorted(issues, key=lambda k: order[k])}
    header = (
        f"# Báo cáo năm {year} đã ban hành (run_all.py issue / unissue). Tệp đã cố định: issued/{year}/.\n"
        "# Không sửa tay các mục 'frozen' và 'inputs': chúng ghi mã SHA-256 của bản đã ký.\n"
    )
    text = yaml.safe_dump(body, allow_unicode=True, sort_keys=False, width=100)
    atomic_write_text(path, header + text)


def record(layout: Layout, year: int, reports: list[str], number: str, date: dt.date) -> list[str]:
    """Record the issue of ``reports``; return lines for the user. Refuses a report already issued."""
    current = load(layout, year)
    already = [r for r in reports if r in current]
    if already:
        shown = ", ".join(f"{r} ({current[r].text()})" for r in already)
        raise IssueError(
            f"{shown}: đã ban hành. Muốn ghi lại thì bỏ ban hành trước: "
            f"python run_all.py unissue --year {year} --domain {','.join(already)}"
        )
    for r in reports:
        current[r] = Issue(r, number, date)
    save(layout, year, current)
    return [f"{year} · {r}: ghi nhận ban hành" + (f" số {number}" if number else "") for r in reports]


def freeze(layout: Layout, year: int, report: str, files: dict[str, str], inputs: dict[str, str]) -> Issue:
    """The report was just built with its number: keep these files (under issued/<year>/) as issued."""
    current = load(layout, year)
    issue = current[report]
    frozen = Issue(issue.report, issue.number, issue.date, dict(files), dict(inputs))
    current[report] = frozen
    save(layout, year, current)
    return frozen


def remove(layout: Layout, year: int, reports: list[str]) -> list[str]:
    """Lift the issue of ``reports``: their record and frozen files go; the next build makes them again."""
    current = load(layout, year)
    lines = []
    for r in reports:
        issue = current.pop(r, None)
        if issue is None:
            lines.append(f"{year} · {r}: chưa ban hành, không có gì để bỏ")
            continue
        for rel in issue.frozen:
            (layout.issued_dir(year) / rel).unlink(missing_ok=True)
        lines.append(f"{year} · {r}: đã bỏ ban hành; lần lập sau sẽ lập lại báo cáo này")
    save(layout, year, current)
    return lines
