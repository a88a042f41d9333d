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
    [("1,234.50", 123450), ("１２３４", 123400), ("12.3万元", 12300000), ("¥5000", 500000), ("50万人民币", 50000000),
     ("(100)", -10000), ("-5", -500), ("1.5亿", 15000000000), ("1.005", 101), ("0.1", 10),
     ("12.345678亿", 123456780000)],
)
def test_amounts(text: str, value: int) -> None:
    """Amounts parse to integer fen, exactly (``1.005`` is 101 fen half up; a float would round it to 100)."""
    a, bad = parse_amounts(clean_text(pd.Series([text])))
    assert a.tolist() == [value]
    assert all(isinstance(v, int) for v in a.tolist())
    assert not bad.any()


def test_amount_sums_are_exact_in_fen() -> None:
    """The float sum of these yuan amounts is off in the last digit; the fen sum is exact."""
    texts = ["0.1", "0.2", "1065659.59", "0.3"]
    assert sum(float(t) for t in texts) != 1065660.19  # the near miss a float pipeline makes
    a, _ = parse_amounts(pd.Series(texts))
    assert int(a.sum()) == 106566019


def test_amount_garbage_is_bad_and_empty_is_not() -> None:
    a, bad = parse_amounts(pd.Series(["三百xyz", "", "12元5角", "元整", "十二点三万"]))
    assert bad.tolist() == [True, False, True, True, True]


@pytest.mark.parametrize(
    ("text", "value"),
    [("三百万元", 300_000_000), ("叁佰万元整", 300_000_000), ("壹仟贰佰叁拾肆元伍角陆分", 123456),
     ("人民币壹万元整", 1_000_000), ("壹仟元零伍分", 100005), ("一亿零五百万元", 10_500_000_000), ("壹拾万圆正", 10_000_000),
     ("两千元", 200000)],
)
def test_amounts_in_chinese_numerals(text: str, value: int) -> None:
    """Capital numerals (大写金额) as written on vouchers and contracts parse to integer fen."""
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


def test_amounts_vectorised_equal_one_by_one() -> None:
    """The Arrow path for plain amounts gives what the one-value parser gives, on random and near-miss cells."""
    import random

    from guanlian.loaders.parse import _one_amount

    rng = random.Random(18)
    cells: list[object] = ["", None, float("nan"), "1.", ".5", ",", "1,,2", "+0", "-0.004", "0.005", "-0.005",
                           "1.2.3", "１２３", "٣", "12万", "(100)", "¥5000", "1e3", " 7", "9" * 15 + ".995",
                           "9" * 16, "1." + "9" * 12, "1." + "9" * 13]
    for _ in range(3000):
        whole = "".join(rng.choice("0123456789,") for _ in range(rng.randint(0, 17)))
        frac = "".join(rng.choice("0123456789") for _ in range(rng.randint(0, 14)))
        cells.append(rng.choice(["", "-", "+"]) + whole + (("." + frac) if rng.random() < 0.7 else ""))
    values = pd.Series(cells, dtype=object)
    got, bad = parse_amounts(values)
    for cell, value, is_bad in zip(cells, got.tolist(), bad.tolist(), strict=True):
        text = str(None if isinstance(cell, float) else cell)
        want = _one_amount(text)
        assert (None if value is pd.NA else value) == want, cell
        assert is_bad == (want is None and cell != ""), cell
