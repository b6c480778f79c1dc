"""The indicator catalogue (``params/catalogue.csv``): the single source of truth for indicators."""

from __future__ import annotations

import csv
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError, field_validator

from .. import DOMAINS
from ..paths import Layout
from ..problems import UserError


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


class CatalogueError(UserError):
    pass


def _parse_rules(text: str) -> tuple[SumRule, ...]:
    rules = []
    for part in filter(None, (p.strip() for p in text.split(";"))):
        total, _, piece = part.partition("=")
        rules.append(SumRule(total_field=total.strip(), part_field=piece.strip()))
    return tuple(rules)


def _row_to_indicator(row: dict[str, str]) -> Indicator:
    def whole(col: str, default: int | None = None) -> int | None:
        value = row[col].strip()
        if not value:
            if default is None and col in ("order",):
                raise ValueError(f"cột '{col}' trống: cần một số nguyên")
            return default
        try:
            return int(value)
        except ValueError:
            raise ValueError(f"cột '{col}': '{value}' không phải số nguyên") from None

    def opt_int(col: str) -> int | None:
        return whole(col, None) if row[col].strip() else None

    sum_of = tuple(p.strip() for p in row["sum_of"].split("+") if p.strip())
    rules = _parse_rules(row["sum_rule"])
    if sum_of and not rules:
        rules = (SumRule(total_field="actual", part_field="actual"),)
    return Indicator(
        code=row["code"].strip(),
        domain=row["domain"].strip(),
        order=whole("order"),
        name_vi=row["name_vi"].strip(),
        name_en=row["name_en"].strip(),
        unit=row["unit"].strip(),
        direction=row["direction"].strip(),
        target_kind=row["target_kind"].strip(),
        sum_of=sum_of,
        sum_rules=rules,
        value_decimals=whole("value_decimals", 0),
        ratio_decimals=whole("ratio_decimals", 1),
        key=row["key"].strip() == "1",
        headline_vi=row["headline_vi"].strip(),
        valid_from=opt_int("valid_from"),
        valid_to=opt_int("valid_to"),
    )


class Catalogue:
    def __init__(self, indicators: list[Indicator]):
        self._by_code = {ind.code: ind for ind in indicators}
        if len(self._by_code) != len(indicators):
            seen, dup = set(), []
            for ind in indicators:
                (dup if ind.code in seen else seen.add(ind.code) or []).append(ind.code)
            raise CatalogueError(f"{DISPLAY}: mã chỉ tiêu bị trùng: {', '.join(sorted(set(dup)))}")
        for ind in indicators:
            for part in ind.sum_of:
                if part not in self._by_code:
                    raise CatalogueError(
                        f"{DISPLAY}: {ind.code}: chỉ tiêu thành phần {part} không có trong danh mục"
                    )

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


COLUMNS = (
    "code", "domain", "order", "name_vi", "name_en", "unit", "direction", "target_kind", "sum_of",
    "sum_rule", "value_decimals", "ratio_decimals", "key", "headline_vi", "valid_from", "valid_to",
)  # fmt: skip
DISPLAY = "params/catalogue.csv"


def _delimiter(header: str) -> str:
    """Excel in a Vietnamese (or any comma-decimal) locale saves CSV with ';': take what the header uses."""
    counts = {d: header.count(d) for d in (",", ";", "\t")}
    return max(counts, key=counts.get)


def _field_errors(exc: ValidationError) -> str:
    return "; ".join(
        f"cột '{'.'.join(str(p) for p in e['loc'])}': {e['msg']}" for e in exc.errors(include_url=False)
    )


def parse_catalogue(text: str, display: str = DISPLAY) -> Catalogue:
    """The catalogue from the CSV text, or :class:`CatalogueError` naming the line and what to do."""
    lines = text.split("\n")
    while lines and not lines[-1].strip(" \t;,"):
        lines.pop()  # Excel's trailing empty lines (',,,,' or ';;;;')
    if not lines:
        raise CatalogueError(f"{display}: tệp rỗng")
    delimiter = _delimiter(lines[0])
    reader = csv.reader(lines, delimiter=delimiter)
    header = [h.strip() for h in next(reader)]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise CatalogueError(
            f"{display}, dòng 1: thiếu cột {', '.join(missing)} (dòng đầu phải là tên các cột: "
            f"{', '.join(COLUMNS)})"
        )
    indicators = []
    for lineno, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue  # a blank line in the middle
        if len(cells) < len(header):
            raise CatalogueError(
                f"{display}, dòng {lineno}: có {len(cells)} cột, cần {len(header)} cột: dòng bị thiếu ô "
                "(hãy điền đủ, để trống ô không có giá trị)"
            )
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header) :]):
            raise CatalogueError(
                f"{display}, dòng {lineno}: có {len(cells)} cột, nhiều hơn {len(header)} cột của dòng tiêu đề"
            )
        row = dict(zip(header, cells, strict=False))
        try:
            indicators.append(_row_to_indicator(row))
        except ValidationError as exc:
            raise CatalogueError(f"{display}, dòng {lineno}: {_field_errors(exc)}") from None
        except ValueError as exc:
            raise CatalogueError(f"{display}, dòng {lineno}: {exc}") from None
    return Catalogue(indicators)


@lru_cache(maxsize=4)
def _load(path: Path, mtime: float) -> Catalogue:
    from .textio import TextFileError, read_text

    try:
        text = read_text(path, DISPLAY)
    except TextFileError as exc:
        raise CatalogueError(str(exc)) from None
    return parse_catalogue(text)


def load_catalogue(layout: Layout | None = None) -> Catalogue:
    path = (layout or Layout.default()).catalogue
    try:
        mtime = path.stat().st_mtime
    except OSError:
        raise CatalogueError(f"thiếu tệp danh mục chỉ tiêu {DISPLAY}") from None
    return _load(path, mtime)
