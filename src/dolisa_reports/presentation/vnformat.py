"""Vietnamese number and date formatting, in one place, through babel's ``vi_VN`` locale.

``15.939`` (dot groups thousands), ``99,6%`` (comma is the decimal mark), ``69,991 tỷ đồng``,
``27/10/2021``. Rounding is half-up, as in printed reports (babel itself rounds half-even).
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import ROUND_HALF_UP, Decimal

from babel.dates import format_date
from babel.numbers import format_decimal

LOCALE = "vi_VN"
MISSING = "—"


def _is_missing(value) -> bool:
    if value is None:
        return True
    try:
        return math.isnan(value)
    except TypeError:
        return False


def _quantize(value, decimals: int) -> Decimal:
    quantum = Decimal(1).scaleb(-decimals)
    return Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP)


def number(value, decimals: int = 0, *, keep_zeros: bool = False) -> str:
    """``15939 -> '15.939'``; ``69.991, 3 -> '69,991'``; trailing zeros dropped unless ``keep_zeros``."""
    if _is_missing(value):
        return MISSING
    q = _quantize(value, decimals)
    if q == 0:
        q = abs(q)  # no "-0"
    frac = ("0" if keep_zeros else "#") * decimals
    pattern = "#,##0" + (f".{frac}" if decimals else "")
    return format_decimal(q, format=pattern, locale=LOCALE, decimal_quantization=False)


def percent(value, decimals: int = 1, *, keep_zeros: bool = False) -> str:
    """A value already in percent: ``99.62 -> '99,6%'``, ``100 -> '100%'``, ``26.33, 2 -> '26,33%'``;
    with ``keep_zeros`` (a table column): ``100 -> '100,0%'``, so a column shows one number of decimals."""
    if _is_missing(value):
        return MISSING
    return f"{number(value, decimals, keep_zeros=keep_zeros)}%"


def quantity(value, unit: str, decimals: int = 0) -> str:
    """A value with its unit: ``'15.939 người'``, ``'69,991 tỷ đồng'``, ``'66,8%'``."""
    if _is_missing(value):
        return MISSING
    text = number(value, decimals)
    if unit == "%":
        return f"{text}%"
    return f"{text} {unit}".strip()


def signed_change(value, decimals: int = 0) -> str:
    """``-2 -> 'giảm 2'``, ``3 -> 'tăng 3'``, ``0 -> 'không đổi'``."""
    if _is_missing(value):
        return MISSING
    if _quantize(value, decimals) == 0:
        return "không đổi"
    word = "tăng" if value > 0 else "giảm"
    return f"{word} {number(abs(value), decimals)}"


def date(value: dt.date | None) -> str:
    """``27/10/2021``."""
    if value is None:
        return MISSING
    return format_date(value, "dd/MM/yyyy", locale=LOCALE)


def date_line(place: str, value: dt.date) -> str:
    """The place-and-date line of an administrative document: ``Huế, ngày 10 tháng 12 năm 2021``.

    Decree 30/2020/NĐ-CP: a day below 10 and the months 1 and 2 take a leading zero
    (``ngày 05 tháng 02``), the other months do not (``tháng 3``).
    """
    month = f"{value.month:02d}" if value.month <= 2 else str(value.month)
    return f"{place}, ngày {value.day:02d} tháng {month} năm {value.year}"


def datetime_text(value: dt.datetime) -> str:
    """``27/10/2021 14:05``."""
    return f"{date(value.date())} {value:%H:%M}"
