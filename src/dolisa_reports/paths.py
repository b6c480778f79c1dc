"""Project paths, always built from the project root (never from the current directory).

The root is the folder holding ``params/catalogue.csv``. It is found, in order, from the
``DOLISA_ROOT`` environment variable, then by walking up from this file (editable install), then
by walking up from the current directory (a notebook opened from ``notebooks/``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .periods import YEAR

_MARKER = Path("params") / "catalogue.csv"


def _find_root(start: Path) -> Path | None:
    for candidate in (start, *start.parents):
        if (candidate / _MARKER).is_file():
            return candidate
    return None


@lru_cache(maxsize=8)
def _root_for(env_value: str | None) -> Path:
    if env_value:
        root = Path(env_value).resolve()
        if not (root / _MARKER).is_file():
            raise FileNotFoundError(f"DOLISA_ROOT={env_value} không phải thư mục dự án (thiếu {_MARKER})")
        return root
    for start in (Path(__file__).resolve().parent, Path.cwd().resolve()):
        found = _find_root(start)
        if found is not None:
            return found
    raise FileNotFoundError(f"Không tìm thấy thư mục dự án (thư mục chứa {_MARKER})")


def project_root() -> Path:
    return _root_for(os.environ.get("DOLISA_ROOT"))


@dataclass(frozen=True)
class Layout:
    """Where everything lives. ``outputs`` can be redirected (tests, reproducibility checks)."""

    root: Path
    outputs: Path
    period: str = YEAR  # nam (the year), 6t, 9t: see periods.py

    @classmethod
    def default(cls, outputs: Path | None = None, period: str | None = None) -> Layout:
        root = project_root()
        env_out = os.environ.get("DOLISA_OUTPUTS")
        out = Path(outputs) if outputs else (Path(env_out) if env_out else root / "outputs")
        return cls(root=root, outputs=out.resolve(), period=period or YEAR)

    def for_period(self, period: str | None) -> Layout:
        """The same project for another reporting period (its own workbooks, datasets and reports)."""
        from dataclasses import replace

        return replace(self, period=period or YEAR)

    @property
    def in_period(self) -> bool:
        return self.period != YEAR

    def _sub(self, folder: Path) -> Path:
        return folder / self.period if self.in_period else folder

    # inputs -----------------------------------------------------------------
    @property
    def params_dir(self) -> Path:
        return self.root / "params"

    @property
    def catalogue(self) -> Path:
        return self.params_dir / "catalogue.csv"

    def params_file(self, year: int) -> Path:
        return self.params_dir / f"{year}.yaml"

    def issue_record(self, year: int) -> Path:
        """Which reports of the year were issued, with number and date (see inputs/issues.py)."""
        suffix = f".{self.period}" if self.in_period else ""
        return self.params_dir / f"{year}{suffix}.issued.yaml"

    def issued_dir(self, year: int) -> Path:
        """The issued reports of a year, frozen as they were signed (kept in the repository)."""
        return self._sub(self.root / "issued" / str(year))

    @property
    def raw(self) -> Path:
        return self.root / "data" / "raw"

    def raw_year(self, year: int) -> Path:
        """data/raw/<year>/, or data/raw/<year>/<period>/ for a six- or nine-month report."""
        return self._sub(self.raw / str(year))

    def workbook(self, year: int, domain: str) -> Path:
        return self.raw_year(year) / f"{domain}.xlsx"

    def narrative(self, year: int, domain: str) -> Path:
        return self.raw_year(year) / "narrative" / f"{domain}.md"

    @property
    def notebooks(self) -> Path:
        return self.root / "notebooks"

    def notebook(self, name: str) -> Path:
        return self.notebooks / f"{name}.ipynb"

    # derived ----------------------------------------------------------------
    @property
    def processed(self) -> Path:
        return self.root / "data" / "processed"

    def processed_year(self, year: int) -> Path:
        return self._sub(self.processed / str(year))

    def submission(self, year: int, domain: str) -> Path:
        """What the validation step saw of a unit's workbook (pipeline/submissions.py reads it)."""
        return self.processed_year(year) / f"{domain}.submission.json"

    def out_year(self, year: int) -> Path:
        return self._sub(self.outputs / str(year))

    def has_data(self, year: int) -> bool:
        """The year's folder holds a workbook (not only Excel's lock file ``~$labour.xlsx``)."""
        folder = self.raw_year(year)
        if not folder.is_dir():
            return False
        return any(not p.name.startswith(("~$", ".")) and p.is_file() for p in folder.glob("*.xlsx"))

    def display(self, path: Path) -> str:
        """A path as people know it: relative to the project, else as given (messages never show this
        machine's absolute project path)."""
        try:
            return Path(path).resolve().relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

    def years_with_data(self) -> list[int]:
        if not self.raw.is_dir():
            return []
        years = [
            int(c.name)
            for c in self.raw.iterdir()
            if c.is_dir() and c.name.isdigit() and self.has_data(int(c.name))
        ]
        return sorted(years)
