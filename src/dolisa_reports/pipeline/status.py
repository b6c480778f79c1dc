"""What was built and when: ``outputs/status.json``, read by the index page.

Each report keeps its last attempt (ok / failed, time, error) and the time of its last good build,
so a failed rebuild shows on the index while the last good report stays linked.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..atomic import atomic_write_text
from ..periods import YEAR


@dataclass
class ReportStatus:
    key: str
    year: int
    kind: str  # domain name, "summary", …
    area: str | None = None
    state: str = "ok"  # ok | failed
    attempted_at: str = ""
    last_good_at: str | None = None
    error: str = ""
    outputs: dict[str, str] = field(default_factory=dict)  # format -> path relative to outputs/
    title: str = ""
    issued: str = ""  # "Số 172/BC-SLĐTBXH, ngày 22/12/2021" once issued (inputs/issues.py)
    period: str = YEAR  # nam, 6t, 9t (periods.py)


def _status(key: str, value) -> ReportStatus:
    """One entry, checked field by field (a hand-edited or foreign file raises TypeError/ValueError)."""
    if not isinstance(value, dict):
        raise TypeError(key)
    st = ReportStatus(**value)
    defaults = ReportStatus(key="", year=0, kind="")
    for name, default in vars(defaults).items():
        current = getattr(st, name)
        if default is None:
            if current is not None and not isinstance(current, str | int):
                raise TypeError(name)
        elif not isinstance(current, type(default)):
            raise TypeError(name)
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in st.outputs.items()):
        raise TypeError("outputs")
    return st


class StatusStore:
    def __init__(self, path: Path):
        self.path = path
        self.items: dict[str, ReportStatus] = {}
        self.notice: str | None = None
        if path.is_file():
            try:
                raw = json.loads(path.read_text(encoding="utf-8"))
                self.items = {k: _status(k, v) for k, v in raw["reports"].items()}
            except (OSError, ValueError, TypeError, KeyError, AttributeError):
                self.items = {}
                self.notice = (
                    f"[CẢNH BÁO] {path.name} hỏng hoặc sai cấu trúc: bỏ qua, lập lại danh mục báo cáo"
                )

    def record_ok(self, key: str, when: str, **kw) -> None:
        st = self.items.get(key) or ReportStatus(key=key, **{k: kw[k] for k in ("year", "kind") if k in kw})
        for k, v in kw.items():
            setattr(st, k, v)
        st.state, st.attempted_at, st.last_good_at, st.error = "ok", when, when, ""
        self.items[key] = st

    def record_failed(self, key: str, when: str, error: str, **kw) -> None:
        st = self.items.get(key) or ReportStatus(key=key, **{k: kw[k] for k in ("year", "kind") if k in kw})
        for k, v in kw.items():
            if k != "outputs" or not st.outputs:
                setattr(st, k, v)
        st.state, st.attempted_at, st.error = "failed", when, error
        self.items[key] = st

    def save(self) -> None:
        data = {"reports": {k: asdict(v) for k, v in sorted(self.items.items())}}
        atomic_write_text(self.path, json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n")
