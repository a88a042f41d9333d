"""Value parsers: dates, ranges, amounts, shares, sex."""

from __future__ import annotations

import pandas as pd
import pytest

from guanlian.loaders.parse import (
    clean_text,
    parse_amounts,
    parse_dates,
    parse_sex,
    parse_shares,
    split_range,
)


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("2019.03", "2019-03-01"),
        ("2019-3-5", "2019-03-05"),
        ("2019年3月5日", "2019-03-05"),
        ("20190305", "2019-03-05"),
        ("2019/03/05", "2019-03-05"),
        ("43529", "2019-03-05"),  # Excel serial
        ("2019-03-05 00:00:00", "2019-03-05"),
        ("2019年3月", "2019-03-01"),
        ("1999", "1999-01-01"),
    ],
)
def test_dates_accepted(text: str, iso: str) -> None:
    d = parse_dates(pd.Series([text]))
    assert d.iso.tolist() == [iso]
    assert not d.bad.any()


@pytest.mark.parametrize("text", ["2019-13-45", "明天", "2019.02.30", "12/31"])
def test_dates_rejected(text: str) -> None:
    d = parse_dates(pd.Series([text]))
    assert d.bad.tolist() == [True]
    assert d.iso.tolist() == [None]


def test_open_end_and_out_of_range() -> None:
    d = parse_dates(pd.Series(["至今", "今", "1850-01-01", "2200.01", ""]))
    assert d.open_end.tolist() == [True, True, False, False, False]
    assert d.out_of_range.tolist() == [False, False, True, True, False]
    assert d.bad.tolist() == [False] * 5


def test_day_numbers_are_days_since_epoch() -> None:
    d = parse_dates(pd.Series(["1970-01-01", "1970-01-31"]))
    assert d.day.tolist() == [0, 30]


def test_split_range() -> None:
    s, e = split_range(pd.Series(["2015.03-至今", "2015.03—2020.06", "2015年3月至2020年6月", "2019-3-5", "2015.03~2016.01"]))
    assert s.tolist() == ["2015.03", "2015.03", "2015年3月", "2019-3-5", "2015.03"]
    assert e.tolist() == ["至今", "2020.06", "2020年6月", "", "2016.01"]


@pytest.mark.parametrize(
    ("text", "value"),
    [("1,234.50", 1234.5), ("１２３４", 1234.0), ("12.3万元", 123000.0), ("¥5000", 5000.0), ("50万人民币", 500000.0),
     ("(100)", -100.0), ("-5", -5.0), ("1.5亿", 150000000.0)],
)
def test_amounts(text: str, value: float) -> None:
    a, bad = parse_amounts(clean_text(pd.Series([text])))
    assert a.tolist() == [value]
    assert not bad.any()


def test_amount_garbage_is_bad_and_empty_is_not() -> None:
    a, bad = parse_amounts(pd.Series(["三百xyz", "", "12元5角", "元整", "十二点三万"]))
    assert bad.tolist() == [True, False, True, True, True]


@pytest.mark.parametrize(
    ("text", "value"),
    [("三百万元", 3_000_000.0), ("叁佰万元整", 3_000_000.0), ("壹仟贰佰叁拾肆元伍角陆分", 1234.56),
     ("人民币壹万元整", 10_000.0), ("壹仟元零伍分", 1000.05), ("一亿零五百万元", 105_000_000.0), ("壹拾万圆正", 100_000.0),
     ("两千元", 2000.0)],
)
def test_amounts_in_chinese_numerals(text: str, value: float) -> None:
    """Capital numerals (大写金额) as written on vouchers and contracts parse to yuan."""
    a, bad = parse_amounts(clean_text(pd.Series([text])))
    assert a.tolist() == [value]
    assert not bad.any()


def test_shares() -> None:
    s, bad = parse_shares(pd.Series(["80%", "0.8", "80", "100", "0", "150", "-1", "abc", ""]))
    assert s.round(4).tolist()[:5] == [0.8, 0.8, 0.8, 1.0, 0.0]
    assert bad.tolist() == [False, False, False, False, False, True, True, True, False]


def test_sex_and_clean_text() -> None:
    assert parse_sex(pd.Series(["男", "女", "M", "female", "未知"])).tolist() == ["M", "F", "M", "F", None]
    assert clean_text(pd.Series(["\u3000张\u3000三 ", "ＡＢＣ１２", None])).tolist() == ["张 三", "ABC12", ""]
