"""Property tests (hypothesis) for the value parsers, identifiers and name normalisation.

Every parser must accept any string without raising; parsed values stay in their declared range; canonical
forms are fixed points (parsing or normalising them again changes nothing).
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from stdnum.cn import ric, uscc

from guanlian.loaders.parse import (
    MAX_DATE,
    MIN_DATE,
    clean_text,
    day_number,
    parse_amounts,
    parse_dates,
    parse_shares,
)
from guanlian.matching.normalize import (
    normalize_address,
    normalize_company_name,
    normalize_email,
    normalize_person_name,
    normalize_phone,
    normalize_unit_name,
)
from guanlian.values.ids import mask_ids_in_text, parse_credit_code, parse_resident_id

FAST = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# text that looks like what exports contain: digits, CJK, punctuation, full-width forms, odd white space
messy = st.text(
    alphabet=st.one_of(
        st.sampled_from("0123456789-./年月日至今万亿元,，%()（）·•. \u3000\t\n\r¥￥Xx"),
        st.characters(min_codepoint=0x4E00, max_codepoint=0x4FFF),
        st.characters(min_codepoint=0xFF01, max_codepoint=0xFF5E),
        st.characters(min_codepoint=0x20000, max_codepoint=0x2000F),
        st.characters(blacklist_categories=("Cs",)),
    ),
    max_size=40,
)
"""Text a file can contain. Lone surrogates cannot come out of a decoded file (decoding replaces bad bytes),
so the loader parsers are not fed them; the normalisers are (CLI arguments may carry them)."""
any_text = st.text(max_size=40)
dates = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31))


def cleaned(values: list[str]) -> pd.Series:
    return clean_text(pd.Series(values, dtype=object))


@FAST
@given(st.lists(messy, max_size=20))
def test_parse_dates_total_and_in_range(values: list[str]) -> None:
    s = cleaned(values)
    d = parse_dates(s)
    assert len(d.iso) == len(s)
    for iso, day, bad, rng, open_end in zip(d.iso, d.day, d.bad, d.out_of_range, d.open_end, strict=True):
        if iso is not None:
            parsed = dt.date.fromisoformat(iso)
            assert MIN_DATE <= parsed <= MAX_DATE
            assert int(day) == day_number(parsed)
            assert not bad and not rng and not open_end
        else:
            assert pd.isna(day)


@FAST
@given(dates, st.sampled_from(["{:%Y-%m-%d}", "{:%Y/%m/%d}", "{:%Y%m%d}", "{d.year}年{d.month}月{d.day}日",
                               "{:%Y.%m.%d}"]))
def test_parse_dates_round_trip(d: dt.date, fmt: str) -> None:
    text = fmt.format(d, d=d)
    got = parse_dates(cleaned([text]))
    assert got.iso.tolist() == [d.isoformat()], text
    again = parse_dates(cleaned([d.isoformat()]))
    assert again.iso.tolist() == [d.isoformat()]


@FAST
@given(st.lists(messy, max_size=20))
def test_parse_amounts_total(values: list[str]) -> None:
    s = cleaned(values)
    amount, bad = parse_amounts(s)
    assert len(amount) == len(s)
    for a, b, raw in zip(amount, bad, s, strict=True):
        assert not (b and a is not pd.NA)
        if raw == "":
            assert not b


@FAST
@given(st.decimals(min_value=0, max_value=10**10, places=2, allow_nan=False, allow_infinity=False),
       st.sampled_from(["{:,.2f}", "{:.2f}", "¥{:,.2f}", "{:,.2f}元", "人民币{:.2f}元"]))
def test_parse_amounts_formats(value: object, fmt: str) -> None:
    text = fmt.format(value)
    amount, bad = parse_amounts(cleaned([text]))
    assert not bad.iloc[0]
    assert amount.iloc[0] == int(Decimal(str(value)) * 100)  # exact fen, no float rounding
    wan, _ = parse_amounts(cleaned([f"{value}万元"]))
    assert wan.iloc[0] == int(Decimal(str(value)) * 1_000_000)


@FAST
@given(st.lists(messy, max_size=20))
def test_parse_shares_in_unit_interval(values: list[str]) -> None:
    share, bad = parse_shares(cleaned(values))
    for v, b in zip(share, bad, strict=True):
        assert math.isnan(v) or 0 <= v <= 1
        assert not (b and not math.isnan(v))


def _valid_id(birth: dt.date, seq: int, region: str) -> str:
    body = f"{region}{birth:%Y%m%d}{seq:03d}"
    return body + ric.calc_check_digit(body + "0")


ids = st.builds(_valid_id, st.dates(min_value=dt.date(1920, 1, 1), max_value=dt.date(2020, 12, 31)),
                st.integers(0, 999), st.sampled_from(["110105", "360802", "440305", "510107", "360102"]))


@FAST
@given(messy)
def test_parse_resident_id_never_raises(text: str) -> None:
    r = parse_resident_id(text)
    if r is not None and r.status == "valid":
        assert r.number is not None and len(r.number) == 18
        assert r.number[-1] == ric.calc_check_digit(r.number)


@FAST
@given(ids, st.sampled_from(["{}", " {} ", "{}\u3000", "{lower}", "{full}"]))
def test_valid_ids_parse_and_any_single_digit_change_is_caught(number: str, fmt: str, ) -> None:
    full = "".join(chr(ord(c) + 0xFEE0) for c in number)
    r = parse_resident_id(fmt.format(number, lower=number.lower(), full=full))
    assert r is not None and r.status == "valid" and r.number == number
    for pos in (0, 7, 16):
        wrong = number[:pos] + str((int(number[pos]) + 1) % 10) + number[pos + 1 :]
        w = parse_resident_id(wrong)
        assert w is None or w.status != "valid" or w.number != number


@FAST
@given(ids)
def test_masking_hides_every_valid_id(number: str) -> None:
    text = f"张三 {number}, 李四({number.lower()})"
    masked = mask_ids_in_text(text)
    assert number not in masked and number.lower() not in masked
    assert mask_ids_in_text(masked) == masked


def _valid_code(region: str, org: str) -> str:
    body17 = "91" + region + org
    return body17 + uscc.calc_check_digit(body17)


codes = st.builds(_valid_code, st.text(alphabet="0123456789", min_size=6, max_size=6),
                  st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=9, max_size=9))


@FAST
@given(messy)
def test_parse_credit_code_never_raises(text: str) -> None:
    parse_credit_code(text)


@FAST
@given(codes)
def test_valid_credit_codes_parse_and_wrong_check_is_caught(code: str) -> None:
    assume(uscc.is_valid(code))
    got = parse_credit_code(code)
    assert got is not None and got.status == "valid" and got.code == code
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    wrong = code[:-1] + alphabet[(alphabet.index(code[-1]) + 1) % len(alphabet)]
    w = parse_credit_code(wrong)
    assert w is None or w.status != "valid"


NORMALISERS = {f.__name__: f for f in (normalize_person_name, normalize_company_name, normalize_unit_name,
                                       normalize_address, normalize_phone, normalize_email)}

# Formerly known defects, fixed in guanlian/matching/normalize.py (kept as named cases so the fixes stay tested):
# company/unit names composed again after white space is dropped ("A¨" → "Ä" both times); lone surrogates dropped.
NOT_IDEMPOTENT: set[str] = set()
SURROGATE_RAISES: set[str] = set()


def _known(names: set[str], reason: str) -> list[object]:
    return [
        pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=reason)) if n in names else n
        for n in NORMALISERS
    ]


@pytest.mark.parametrize("name", list(NORMALISERS))
@FAST
@given(messy)
def test_normalisers_never_raise_on_file_text(name: str, text: str) -> None:
    assert isinstance(NORMALISERS[name](text), str)


@pytest.mark.parametrize("name", _known(NOT_IDEMPOTENT, "NFKC before removing spaces: A¨ → A+U+0308 → Ä"))
@FAST
@given(messy)
@example("A¨")
def test_normalisers_idempotent(name: str, text: str) -> None:
    fn = NORMALISERS[name]
    once = fn(text)
    assert fn(once) == once, (text, once)


@pytest.mark.parametrize("name", _known(SURROGATE_RAISES, "UnicodeEncodeError on a lone surrogate"))
@FAST
@given(any_text)
@example("\ud800")
def test_normalisers_accept_any_str(name: str, text: str) -> None:
    once = NORMALISERS[name](text)
    assert isinstance(once, str)


@FAST
@given(st.lists(messy, max_size=10))
def test_clean_text_idempotent(values: list[str]) -> None:
    once = cleaned(values)
    assert cleaned(once.tolist()).tolist() == once.tolist()
