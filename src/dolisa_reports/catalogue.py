"""The indicator catalogue (``params/catalogue.csv``): the single source of truth for indicators."""

from __future__ import annotations

import csv
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError, field_validator

from . import DOMAINS
from .paths import Layout


class Direction(StrEnum):
    UP = "up"  # higher is better
    DOWN = "down"  # lower is better
    NONE = "none"  # a context figure, no verdict


class TargetKind(StrEnum):
    AMOUNT = "amount"  # a planned amount: ratio actual / plan
    AT_LEAST = "at_least"  # "từ … trở lên"
    BELOW = "below"  # "dưới …"
    RANGE = "range"  # "1,0–1,5"
    NONE = "none"


class SumRule(BaseModel):
    """``total_field = Σ parts.part_field`` (e.g. NC09.actual = Σ plan of NC10..NC12)."""

    total_field: str
    part_field: str


class Indicator(BaseModel):
    code: str = Field(pattern=r"^[A-Z]{2}\d{2}$")
    domain: str
    order: int
    name_vi: str
    name_en: str
    unit: str
    direction: Direction
    target_kind: TargetKind
    sum_of: tuple[str, ...] = ()
    sum_rules: tuple[SumRule, ...] = ()
    value_decimals: int = 0
    ratio_decimals: int = 1
    key: bool = False
    headline_vi: str = ""
    valid_from: int | None = None
    valid_to: int | None = None

    @field_validator("domain")
    @classmethod
    def _known_domain(cls, v: str) -> str:
        if v not in DOMAINS:
            raise ValueError(f"lĩnh vực không hợp lệ: {v}")
        return v

    @property
    def is_count(self) -> bool:
        """Counts (people, cases…) can never be negative; rates and money amounts are checked too."""
        return self.unit not in {"%", "điểm %"}

    def valid_in(self, year: int) -> bool:
        return (self.valid_from is None or year >= self.valid_from) and (
            self.valid_to is None or year <= self.valid_to
        )


class CatalogueError(ValueError):
    pass


def _parse_rules(text: str) -> tuple[SumRule, ...]:
    rules = []
    for part in filter(None, (p.strip() for p in text.split(";"))):
        total, _, piece = part.partition("=")
        rules.append(SumRule(total_field=total.strip(), part_field=piece.strip()))
    return tuple(rules)


def _row_to_indicator(row: dict[str, str]) -> Indicator:
    def opt_int(value: str) -> int | None:
        return int(value) if value.strip() else None

    sum_of = tuple(p.strip() for p in row["sum_of"].split("+") if p.strip())
    rules = _parse_rules(row["sum_rule"])
    if sum_of and not rules:
        rules = (SumRule(total_field="actual", part_field="actual"),)
    return Indicator(
        code=row["code"].strip(),
        domain=row["domain"].strip(),
        order=int(row["order"]),
        name_vi=row["name_vi"].strip(),
        name_en=row["name_en"].strip(),
        unit=row["unit"].strip(),
        direction=row["direction"].strip(),
        target_kind=row["target_kind"].strip(),
        sum_of=sum_of,
        sum_rules=rules,
        value_decimals=int(row["value_decimals"] or 0),
        ratio_decimals=int(row["ratio_decimals"] or 1),
        key=row["key"].strip() == "1",
        headline_vi=row["headline_vi"].strip(),
        valid_from=opt_int(row["valid_from"]),
        valid_to=opt_int(row["valid_to"]),
    )


class Catalogue:
    def __init__(self, indicators: list[Indicator]):
        self._by_code = {ind.code: ind for ind in indicators}
        if len(self._by_code) != len(indicators):
            raise CatalogueError("Danh mục chỉ tiêu có mã trùng lặp")
        for ind in indicators:
            for part in ind.sum_of:
                if part not in self._by_code:
                    raise CatalogueError(f"{ind.code}: chỉ tiêu thành phần {part} không có trong danh mục")

    def __iter__(self):
        return iter(sorted(self._by_code.values(), key=lambda i: (DOMAINS.index(i.domain), i.order)))

    def __contains__(self, code: str) -> bool:
        return code in self._by_code

    def __getitem__(self, code: str) -> Indicator:
        return self._by_code[code]

    def get(self, code: str) -> Indicator | None:
        return self._by_code.get(code)

    def for_domain(self, domain: str, year: int | None = None) -> list[Indicator]:
        return [i for i in self if i.domain == domain and (year is None or i.valid_in(year))]


@lru_cache(maxsize=4)
def _load(path: Path, mtime: float) -> Catalogue:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    indicators = []
    for lineno, row in enumerate(rows, start=2):
        try:
            indicators.append(_row_to_indicator(row))
        except (ValidationError, ValueError, KeyError) as exc:
            raise CatalogueError(f"{path.name}, dòng {lineno}: {exc}") from None
    return Catalogue(indicators)


def load_catalogue(layout: Layout | None = None) -> Catalogue:
    path = (layout or Layout.default()).catalogue
    return _load(path, path.stat().st_mtime)
