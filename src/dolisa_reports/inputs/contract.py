"""The Excel data contract: one workbook per domain per year, ``data/raw/<year>/<domain>.xlsx``.

Shared by the template writer and the reader, so the two can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..periods import YEAR
from .params import normalise

SHEET_INDICATORS = "Chỉ tiêu"
SHEET_AREAS = "Theo địa bàn"
SHEET_HELP = "Hướng dẫn"

# Indicator sheet: metadata cells, then a header row, then one row per indicator.
YEAR_CELL = "B2"
DOMAIN_CELL = "B3"
UNIT_CELL = "B4"
PREPARER_CELL = "E2"  # người lập biểu (label in D2)
SENT_CELL = "E3"  # ngày gửi (label in D3), a date
PERIOD_CELL = "B5"  # kỳ báo cáo (label in A5): only in a six- or nine-month workbook
HEADER_ROW = 6
FIRST_ROW = HEADER_ROW + 1

# Area sheet: a header row (code, name, unit, one column per area, nature), then data.
AREA_HEADER_ROW = 3
AREA_FIRST_ROW = AREA_HEADER_ROW + 1

MAX_ROWS = 2000  # a domain has tens of indicators: anything near this is a mistake
MAX_COLUMNS = 200
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_UNPACKED_BYTES = 50 * 1024 * 1024  # what the zip unpacks to: a real workbook is well under 1 MB

NATURE_VALUES = {"official": "Chính thức", "estimate": "Ước tính", "illustrative": "Minh họa"}


@dataclass(frozen=True)
class Column:
    key: str
    letter: str
    header_template: str
    width: float
    numeric: bool = False
    locked: bool = False

    def header(self, year: int, period: str = YEAR) -> str:
        """The column's title; a six-month workbook's actuals are 'Thực hiện 6 tháng đầu năm 2021'."""
        from ..periods import get

        return self.header_template.format(year=year, next=year + 1, when=get(period).when(year))


COLUMNS: tuple[Column, ...] = (
    Column("code", "A", "Mã số", 9, locked=True),
    Column("name", "B", "Tên chỉ tiêu", 58, locked=True),
    Column("unit", "C", "Đơn vị tính", 12, locked=True),
    Column("plan", "D", "Kế hoạch năm {year}", 15, numeric=True),
    Column("actual", "E", "Thực hiện {when}", 15, numeric=True),
    Column("target_next", "F", "Kế hoạch năm {next}", 15, numeric=True),
    Column("nature", "G", "Tính chất số liệu", 16),
    Column("note", "H", "Nguồn số liệu, ghi chú", 48),
)
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}

AREA_FIXED = ("Mã số", "Tên chỉ tiêu", "Đơn vị tính")
AREA_NATURE_HEADER = "Tính chất số liệu"


def nature_key(text) -> str | None:
    """``'Minh họa'``/``'minh hoạ'`` -> ``'illustrative'``; blank -> ``'official'``; unknown -> None."""
    if text is None or str(text).strip() == "":
        return "official"
    key = normalise(text).replace("hoạ", "họa")
    for k, label in NATURE_VALUES.items():
        if key == normalise(label):
            return k
    return None


def same_header(found, expected: str) -> bool:
    return found is not None and normalise(found) == normalise(expected)
