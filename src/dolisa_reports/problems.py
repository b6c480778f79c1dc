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


def errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == Severity.ERROR]


def warnings(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == Severity.WARNING]
