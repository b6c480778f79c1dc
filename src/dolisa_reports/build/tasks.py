"""What to build: one task per report (year × domain, optionally × area)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..paths import Layout


@dataclass(frozen=True)
class ReportTask:
    year: int
    domain: str
    area: str | None = None  # area code, for per-area reports

    @property
    def key(self) -> str:
        return f"{self.year}/{self.domain}" + (f"@{self.area}" if self.area else "")

    @property
    def label(self) -> str:
        return f"{self.year} · {self.domain}" + (f" · {self.area}" if self.area else "")

    def out_dir(self, layout: Layout, area_slug: str | None = None) -> Path:
        base = layout.out_year(self.year)
        return base / "areas" / area_slug if self.area and area_slug else base

    def notebook_in(self, layout: Layout) -> Path:
        return layout.notebook(self.domain)

    def parameters(self) -> dict:
        return {"year": self.year, "area": self.area}
