"""Reading numbers as analysts type them, Vietnamese style: ``15.939`` is fifteen thousand, never 15,939."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dolisa_reports.inputs.catalogue import TargetKind
from dolisa_reports.inputs.numbers import NumberError, Target, parse_number, parse_target


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15.939", 15939),  # the dot groups thousands
        ("131.489", 131489),
        ("1.234.567", 1234567),
        ("16.000", 16000),
        ("99,6%", 99.6),  # the comma is the decimal mark
        ("99,6 %", 99.6),
        ("69,991", 69.991),  # 69,991 tỷ đồng: a decimal, not 69991
        ("0,45", 0.45),
        ("1.000,5", 1000.5),
        ("401.952,03", 401952.03),
        ("15939", 15939),
        ("  12 ", 12),
        ("15\u00a0939", 15939),  # a non-breaking space as group separator (pasted from Word)
        ("15 939", 15939),
        ("-5", -5),
        ("100%", 100),
    ],
)
def test_vietnamese_text(text, expected):
    assert parse_number(text) == pytest.approx(expected, rel=0, abs=1e-12)


@pytest.mark.parametrize("value", [None, "", "   ", "-", "—", "–"])
def test_empty(value):
    assert parse_number(value) is None


@pytest.mark.parametrize(
    ("value", "expected"), [(15939, 15939.0), (69.991, 69.991), (Decimal("0.45"), 0.45), (0, 0.0)]
)
def test_numbers_pass_through(value, expected):
    result = parse_number(value)
    assert isinstance(result, float) and result == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("mười lăm", '"mười lăm" không phải là số'),
        ("15.93", '"15.93" không phải là số (có phải là 1.593 hoặc 15,93?)'),  # misplaced group: ask
        ("15,939.5", '"15,939.5" không phải là số (có phải là 15,9395 hoặc 15.939,5?)'),  # English style
        ("15.939.5", '"15.939.5" không phải là số'),
        ("(5)", '"(5)" không phải là số'),
        ("abc", '"abc" không phải là số'),
        ("nan", '"nan" không phải là số'),
        ("inf", '"inf" không phải là số'),
        ("-Infinity", '"-Infinity" không phải là số'),
        (True, '"True" không phải là số'),
        (float("nan"), '"nan" không phải là số'),
    ],
)
def test_not_a_number(value, message):
    with pytest.raises(NumberError) as info:
        parse_number(value)
    assert str(info.value).startswith(message)


def test_a_pasted_paragraph_is_quoted_short():
    with pytest.raises(NumberError) as info:
        parse_number("Số liệu đang được tổng hợp,\nsẽ gửi bổ sung sau khi có báo cáo của các huyện " * 20)
    message = str(info.value)
    assert message.startswith('"Số liệu đang được tổng hợp, sẽ gửi bổ s…" không phải là số')
    assert len(message) < 80


@pytest.mark.parametrize(
    ("text", "default", "expected"),
    [
        ("≥ 0,4", TargetKind.AMOUNT, Target(TargetKind.AT_LEAST, 0.4)),
        (">= 2", TargetKind.AMOUNT, Target(TargetKind.AT_LEAST, 2.0)),
        ("từ 0,4% trở lên", TargetKind.AMOUNT, Target(TargetKind.AT_LEAST, 0.4)),
        ("ít nhất 10", TargetKind.AMOUNT, Target(TargetKind.AT_LEAST, 10.0)),
        ("dưới 2,3", TargetKind.AMOUNT, Target(TargetKind.BELOW, None, 2.3)),
        ("dưới mức 2,3%", TargetKind.AMOUNT, Target(TargetKind.BELOW, None, 2.3)),
        ("< 2,3", TargetKind.AMOUNT, Target(TargetKind.BELOW, None, 2.3)),
        ("không quá 3", TargetKind.AMOUNT, Target(TargetKind.BELOW, None, 3.0)),
        ("1,0–1,5", TargetKind.AMOUNT, Target(TargetKind.RANGE, 1.0, 1.5)),
        ("1,0 - 1,5", TargetKind.AMOUNT, Target(TargetKind.RANGE, 1.0, 1.5)),
        ("1,0% đến 1,5%", TargetKind.AMOUNT, Target(TargetKind.RANGE, 1.0, 1.5)),
        ("16.300", TargetKind.AMOUNT, Target(TargetKind.AMOUNT, 16300.0)),
        # a bare number takes the catalogue's kind
        (68, TargetKind.AT_LEAST, Target(TargetKind.AT_LEAST, 68.0)),
        (2.3, TargetKind.BELOW, Target(TargetKind.BELOW, None, 2.3)),
        ("2,3", TargetKind.BELOW, Target(TargetKind.BELOW, None, 2.3)),
        (1.2, TargetKind.RANGE, Target(TargetKind.AMOUNT, 1.2)),  # one number is not a range
        (300, TargetKind.NONE, Target(TargetKind.AMOUNT, 300.0)),
    ],
)
def test_targets(text, default, expected):
    assert parse_target(text, default) == expected


@pytest.mark.parametrize("value", [None, "", " ", "-", "—"])
def test_empty_target(value):
    assert parse_target(value, TargetKind.AMOUNT) is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1,5–1,0", '"1,5–1,0" không phải là khoảng hợp lệ (ví dụ "1,0–1,5")'),
        ("dưới abc", '"abc" không phải là số'),
        ("khoảng 16 nghìn", '"khoảng 16 nghìn" không phải là số'),
    ],
)
def test_bad_target(text, message):
    with pytest.raises(NumberError) as info:
        parse_target(text, TargetKind.AMOUNT)
    assert str(info.value) == message


def test_target_value_and_text():
    assert Target(TargetKind.AMOUNT, 16300.0).value == 16300.0
    assert Target(TargetKind.AT_LEAST, 0.4).value == 0.4
    assert Target(TargetKind.BELOW, None, 2.3).value == 2.3
    assert Target(TargetKind.RANGE, 1.0, 1.5).value is None
    assert Target(TargetKind.AMOUNT, 16300.0).text(0) == "16.300"
    assert Target(TargetKind.AT_LEAST, 0.4).text() == "≥ 0,4"
    assert Target(TargetKind.BELOW, None, 2.3).text() == "< 2,3"
    assert Target(TargetKind.RANGE, 1.0, 1.5).text() == "1–1,5"
    assert Target(TargetKind.RANGE, 1.0, 1.5).as_record() == {"kind": "range", "low": 1.0, "high": 1.5}


@pytest.mark.parametrize(
    "target",
    [
        Target(TargetKind.AT_LEAST, 0.4),
        Target(TargetKind.BELOW, None, 2.3),
        Target(TargetKind.RANGE, 1.0, 1.5),
    ],
)
def test_target_text_reads_back(target):
    """What the template writes for last year's target is read back as the same target."""
    assert parse_target(target.text(3), TargetKind.AMOUNT) == target
