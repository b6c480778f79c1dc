"""Reading numbers that analysts type, including Vietnamese style typed as text.

``'15.939' -> 15939`` (the dot groups thousands: never read as 15,939), ``'99,6%' -> 99.6``,
``'69,991' -> 69.991``. Ambiguous or malformed text raises :class:`NumberError` with a Vietnamese
reason, so the validator can name the cell.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from decimal import Decimal

from babel.numbers import NumberFormatError, parse_decimal

from ..presentation.vnformat import LOCALE
from .catalogue import TargetKind

_SPACES = re.compile(r"[\s\u00a0\u202f]+")


class NumberError(ValueError):
    """The text is not a number; ``str()`` is the Vietnamese reason."""


def _quoted(value) -> str:
    """The offending text as shown in a message, cut short if someone pasted a paragraph."""
    text = " ".join(str(value).split())
    return f'"{text if len(text) <= 40 else text[:39] + "…"}"'


def parse_number(value) -> float | None:
    """A cell value (number, text or empty) to a float; ``None`` for an empty cell."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise NumberError(f"{_quoted(value)} không phải là số")
    if isinstance(value, dt.date | dt.time | dt.timedelta):
        raise NumberError(f"ô chứa ngày/giờ {_quoted(value)}, không phải là số")
    if isinstance(value, int | float | Decimal):
        return _finite(float(value), value)
    text = _SPACES.sub("", str(value))
    if text in {"", "-", "—", "–"}:
        return None
    if text.endswith("%"):
        text = text[:-1]
    try:
        return _finite(float(parse_decimal(text, locale=LOCALE, strict=True)), value)
    except NumberFormatError as exc:
        hint = ""
        if getattr(exc, "suggestions", None):
            hint = f" (có phải là {' hoặc '.join(exc.suggestions)}?)"
        raise NumberError(f"{_quoted(value)} không phải là số{hint}") from None


MAX_ABS = 1e15  # a province's largest figure (money in đồng) is ~1e13: beyond this it is a typing slip


def _finite(number: float, value) -> float:
    """``NaN`` and ``inf`` parse as decimals but are never a figure; nor is a number beyond ``MAX_ABS``."""
    if not math.isfinite(number):
        raise NumberError(f"{_quoted(value)} không phải là số")
    if abs(number) > MAX_ABS:
        raise NumberError(f"{_quoted(value)} quá lớn (vượt 10^15): hãy kiểm tra lại số đã nhập")
    return number


def _bound(value, text: str | None, sign: str) -> float:
    """The number of a bound ('≥ 0,4'): it must be there."""
    number = parse_number(text) if text is not None else None
    if number is None:
        raise NumberError(f'{_quoted(value)} thiếu số sau "{sign}" (ví dụ "{sign} 0,4")')
    return number


@dataclass(frozen=True)
class Target:
    """A plan or target as written: an amount, at least, below, or a range."""

    kind: TargetKind
    low: float | None = None
    high: float | None = None

    @property
    def value(self) -> float | None:
        """The figure a ratio is computed against (the amount or the bound)."""
        if self.kind == TargetKind.AMOUNT or self.kind == TargetKind.AT_LEAST:
            return self.low
        if self.kind == TargetKind.BELOW:
            return self.high
        return None

    def text(self, decimals: int = 1) -> str:
        from ..presentation.vnformat import number

        if self.kind == TargetKind.AMOUNT:
            return number(self.low, decimals)
        if self.kind == TargetKind.AT_LEAST:
            return f"≥ {number(self.low, decimals)}"
        if self.kind == TargetKind.BELOW:
            return f"< {number(self.high, decimals)}"
        if self.kind == TargetKind.RANGE:
            return f"{number(self.low, decimals)}–{number(self.high, decimals)}"
        return ""

    def as_record(self) -> dict:
        return {"kind": self.kind.value, "low": self.low, "high": self.high}


_AT_LEAST = re.compile(r"^(?:≥|>=|>|từ|tối thiểu|ít nhất)\s*(?P<n>.+?)\s*(?:trở lên)?$", re.IGNORECASE)
_BELOW = re.compile(r"^(?:<|≤|<=|dưới|tối đa|không quá)\s*(?:mức)?\s*(?P<n>.+)$", re.IGNORECASE)
_BOUND_ONLY = re.compile(r"^(?:≥|>=|>|<|≤|<=|từ|tối thiểu|ít nhất|dưới|tối đa|không quá)$", re.IGNORECASE)
_RANGE = re.compile(r"^(?P<a>[\d.,]+)\s*%?\s*(?:-|–|—|đến)\s*(?P<b>[\d.,]+)\s*%?$", re.IGNORECASE)


def parse_target(value, default_kind: TargetKind) -> Target | None:
    """A plan/target cell: a number (the catalogue's kind), ``≥0,4``, ``dưới 2,3``, ``1,0–1,5``."""
    if value is None:
        return None
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        number = parse_number(value)
    else:
        text = str(value).strip()
        if text in {"", "-", "—", "–"}:
            return None
        if m := _RANGE.match(text):
            low, high = parse_number(m["a"]), parse_number(m["b"])
            if low is None or high is None or low > high:
                raise NumberError(f'{_quoted(value)} không phải là khoảng hợp lệ (ví dụ "1,0–1,5")')
            return Target(TargetKind.RANGE, low, high)
        if m := _AT_LEAST.match(text):
            return Target(TargetKind.AT_LEAST, _bound(value, m["n"], "≥"), None)
        if m := _BELOW.match(text):
            return Target(TargetKind.BELOW, None, _bound(value, m["n"], "dưới"))
        if _BOUND_ONLY.match(text):
            raise NumberError(f'{_quoted(value)} thiếu số (ví dụ "≥ 0,4" hoặc "dưới 2,3")')
        number = parse_number(text)
        if number is None:
            return None
    kind = default_kind if default_kind != TargetKind.NONE else TargetKind.AMOUNT
    if kind == TargetKind.BELOW:
        return Target(kind, None, number)
    if kind == TargetKind.RANGE:
        return Target(TargetKind.AMOUNT, number, None)
    return Target(kind, number, None)
