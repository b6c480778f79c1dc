"""Vietnamese number and date formatting: ``15.939``, ``99,6%``, ``27/10/2021``, half-up rounding."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from dolisa_reports.inputs.numbers import parse_number
from dolisa_reports.presentation.vnformat import (
    MISSING,
    date,
    date_line,
    datetime_text,
    number,
    percent,
    quantity,
    signed_change,
)


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (15939, 0, "15.939"),
        (131489, 0, "131.489"),
        (1234567.891, 2, "1.234.567,89"),
        (69.991, 3, "69,991"),
        (401952.03, 2, "401.952,03"),
        (999, 0, "999"),
        (0, 0, "0"),
        (-492, 0, "-492"),
        (-1800.5, 1, "-1.800,5"),
        (66.80, 1, "66,8"),
        (68.0, 1, "68"),  # trailing zeros dropped
        (1.0, 3, "1"),
        (Decimal("13.521"), 3, "13,521"),
    ],
)
def test_number(value, decimals, expected):
    assert number(value, decimals) == expected


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (0.125, 2, "0,13"),  # half-up, as printed reports do (babel alone would give 0,12)
        (2.5, 0, "3"),
        (3.5, 0, "4"),
        (99.95, 1, "100"),
        (26.325, 2, "26,33"),
        (-2.5, 0, "-3"),
        (-0.4, 0, "0"),  # never "-0"
        (-0.04, 1, "0"),
    ],
)
def test_rounding_is_half_up(value, decimals, expected):
    assert number(value, decimals) == expected


def test_keep_zeros():
    assert number(1.5, 2, keep_zeros=True) == "1,50"
    assert number(100, 1, keep_zeros=True) == "100,0"


@pytest.mark.parametrize("missing", [None, float("nan")])
def test_missing(missing):
    assert number(missing) == MISSING == "—"
    assert percent(missing) == MISSING
    assert quantity(missing, "người") == MISSING
    assert signed_change(missing) == MISSING


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (15939 / 16000 * 100, 1, "99,6%"),
        (100.0, 1, "100%"),
        (436 / 1656 * 100, 2, "26,33%"),
        (11138 / 9900 * 100, 1, "112,5%"),
        (0.45, 2, "0,45%"),
    ],
)
def test_percent(value, decimals, expected):
    assert percent(value, decimals) == expected


def test_quantity():
    assert quantity(15939, "người") == "15.939 người"
    assert quantity(69.991, "tỷ đồng", 3) == "69,991 tỷ đồng"
    assert quantity(66.8, "%", 1) == "66,8%"
    assert quantity(0.45, "điểm %", 2) == "0,45 điểm %"
    assert quantity(5, "") == "5"


def test_signed_change():
    assert signed_change(-2) == "giảm 2"
    assert signed_change(3) == "tăng 3"
    assert signed_change(0) == "không đổi"
    assert signed_change(0.4) == "không đổi"  # rounds to zero at the printed precision
    assert signed_change(-1234) == "giảm 1.234"
    assert signed_change(1.25, 1) == "tăng 1,3"


def test_dates():
    assert date(dt.date(2021, 10, 27)) == "27/10/2021"
    assert date(dt.date(2021, 1, 5)) == "05/01/2021"
    assert date(None) == MISSING
    assert date_line("Thừa Thiên Huế", dt.date(2021, 12, 10)) == "Thừa Thiên Huế, ngày 10 tháng 12 năm 2021"
    assert date_line("Huế", dt.date(2026, 2, 5)) == "Huế, ngày 05 tháng 02 năm 2026"
    assert date_line("Huế", dt.date(2026, 3, 1)) == "Huế, ngày 01 tháng 3 năm 2026"  # Decree 30/2020: no zero
    assert datetime_text(dt.datetime(2021, 10, 27, 14, 5)) == "27/10/2021 14:05"


@pytest.mark.parametrize(
    ("value", "decimals"), [(15939, 0), (69.991, 3), (1234567.89, 2), (0.45, 2), (-492, 0)]
)
def test_formatted_numbers_read_back(value, decimals):
    """What the reports print, the workbook reader understands (one locale for both directions)."""
    assert parse_number(number(value, decimals)) == pytest.approx(value)
