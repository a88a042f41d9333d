"""Resident IDs and credit codes: parsing, the vectorised checks against python-stdnum, masking, IDs in text."""

from __future__ import annotations

import datetime as dt
import random

import numpy as np
import pandas as pd
import pytest
from stdnum.cn import ric, uscc

from guanlian.values.ids import (
    credit_code_check_ok,
    credit_codes,
    fast_valid_codes,
    fast_valid_ids,
    find_ids_in_text,
    id15_to_18,
    id_birth_ok,
    id_check_ok,
    is_resident_id_token,
    mask_ids_in_text,
    mask_resident_id,
    parse_credit_code,
    parse_resident_id,
)


def make_id(body17: str) -> str:
    return body17 + ric.calc_check_digit(body17 + "0")


VALID = "11010519491231002X"
# Region 360802 (吉州区) was created in 2000; a person born 1968 may still hold it. stdnum's validate rejects it.
JIZHOU_1968 = make_id("36080219680101001")


def test_valid_18() -> None:
    r = parse_resident_id(VALID)
    assert r is not None
    assert r.status == "valid" and r.number == VALID
    assert r.birth_date == dt.date(1949, 12, 31)
    assert r.sex == "F"
    assert r.prefix == "110105" and r.suffix == "002X"


def test_region_out_of_period_is_still_valid() -> None:
    assert not ric.is_valid(JIZHOU_1968)  # the pitfall this module avoids
    r = parse_resident_id(JIZHOU_1968)
    assert r is not None and r.status == "valid" and r.number == JIZHOU_1968
    assert r.region is not None and "吉州区" in r.region
    assert r.sex == "M"


def test_full_width_lowercase_and_spaces() -> None:
    r = parse_resident_id(" １１０１０５ １９４９１２３１ ００２ｘ ")
    assert r is not None and r.status == "valid" and r.number == VALID
    r2 = parse_resident_id("110105-19491231-002x")
    assert r2 is not None and r2.number == VALID


def test_15_digit_converted() -> None:
    assert id15_to_18("110105491231002") == VALID
    r = parse_resident_id("110105491231002")
    assert r is not None and r.status == "valid" and r.number == VALID
    assert r.raw == "110105491231002"
    assert r.birth_date == dt.date(1949, 12, 31)


def test_bad_checksum_never_fixed() -> None:
    r = parse_resident_id("110105194912310021")
    assert r is not None
    assert r.status == "bad_checksum" and r.number is None
    assert r.raw == "110105194912310021"
    assert r.birth_date == dt.date(1949, 12, 31)


@pytest.mark.parametrize(
    "raw",
    ["11010519491331002X", "11010519490230002X", "1101051949123100", "A10105194912310021", "1101051949123100X2",
     "110105491331002", "abc", "11010528491231002X"],
)
def test_invalid(raw: str) -> None:
    r = parse_resident_id(raw)
    assert r is not None and r.status == "invalid" and r.number is None


def test_blank_is_none() -> None:
    assert parse_resident_id(None) is None
    assert parse_resident_id("  ") is None
    assert parse_resident_id(float("nan")) is None  # type: ignore[arg-type]


def test_masked() -> None:
    r = parse_resident_id("3624**********1234")
    assert r is not None and r.status == "masked" and r.number is None
    assert (r.prefix, r.suffix) == ("3624", "1234")
    assert r.sex == "M"  # 17th character (3) is odd
    r2 = parse_resident_id("360802＊＊＊＊＊＊＊＊＊＊＊＊")
    assert r2 is not None and r2.status == "masked" and r2.prefix == "360802" and r2.suffix == ""
    r3 = parse_resident_id("36080219680101****")
    assert r3 is not None and r3.birth_date == dt.date(1968, 1, 1)


def test_consistency() -> None:
    a = parse_resident_id(VALID)
    b = parse_resident_id("1101**********002X")
    c = parse_resident_id("1101**********0021")
    d = parse_resident_id("110105491231002")
    e = parse_resident_id(JIZHOU_1968)
    m15 = parse_resident_id("1101*******1002")
    bad = parse_resident_id("110105194912310021")
    assert a and b and c and d and e and m15 and bad
    assert a.consistent_with(b) is True and b.consistent_with(a) is True
    assert a.consistent_with(c) is False
    assert a.consistent_with(d) is True
    assert a.consistent_with(e) is False
    assert a.consistent_with(m15) is True
    assert a.consistent_with(bad) is None
    assert b.consistent_with(c) is False


def test_mask_resident_id() -> None:
    assert mask_resident_id(VALID) == "1101**********002X"
    assert mask_resident_id("110105491231002") == "1101*******1002"
    assert mask_resident_id("110105194912310021") == "1101**********0021"  # bad checksum still masked
    assert mask_resident_id("N/A") == "N/A"
    assert mask_resident_id(None) == ""
    assert mask_resident_id("证件 " + VALID) == "证件 1101**********002X"


def test_mask_ids_in_text() -> None:
    t = f"张三({VALID})与李四(110105491231002)同住，电话13800138000，账号6222021234567890123"
    out = mask_ids_in_text(t)
    assert VALID not in out and "110105491231002" not in out
    assert "1101**********002X" in out and "1101*******1002" in out
    assert "13800138000" in out  # phones stay
    assert "6222021234567890123" in out  # a 19-digit account is not an ID
    assert mask_ids_in_text("") == ""


def test_credit_code() -> None:
    ok = parse_credit_code("91110000600037341L")
    assert ok is not None and ok.status == "valid" and ok.code == "91110000600037341L"
    low = parse_credit_code(" 91110000600037341l ")
    assert low is not None and low.code == "91110000600037341L"
    bad = parse_credit_code("91110000600037341M")
    assert bad is not None and bad.status == "bad_checksum" and bad.code is None
    inv = parse_credit_code("9111000060003734")
    assert inv is not None and inv.status == "invalid" and inv.code is None
    assert parse_credit_code(None) is None
    assert parse_credit_code("") is None


# --- the vectorised checks agree with python-stdnum -------------------------------------------------------

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def _id_bodies(rng: random.Random, n: int) -> list[str]:
    return [f"{rng.choice(['360802', '110105', '440303', '652901'])}{rng.randint(1880, 2030)}"
            f"{rng.randint(0, 13):02d}{rng.randint(0, 32):02d}{rng.randint(0, 999):03d}" for _ in range(n)]


def test_id_check_equals_stdnum_on_every_check_character() -> None:
    """For each generated body all 11 possible check characters: exactly stdnum's one passes."""
    bodies = _id_bodies(random.Random(11), 1500)
    numbers = [b + c for b in bodies for c in "0123456789X"]
    chars = np.frombuffer("".join(numbers).encode("ascii"), dtype=np.uint8).reshape(-1, 18)
    ours = id_check_ok(chars)
    theirs = np.array([ric.calc_check_digit(v) == v[17] for v in numbers])
    assert (ours == theirs).all()
    assert int(ours.sum()) == len(bodies)  # one right character per body, ten wrong ones


def test_id_birth_ok_equals_the_scalar_parser() -> None:
    rng = random.Random(4)
    y = np.array([rng.randint(1870, 2035) for _ in range(4000)])
    m = np.array([rng.randint(0, 13) for _ in range(4000)])
    d = np.array([rng.randint(0, 32) for _ in range(4000)])
    ours = id_birth_ok(y, m, d)
    for i in range(len(y)):
        try:
            day: dt.date | None = dt.date(int(y[i]), int(m[i]), int(d[i]))
        except ValueError:
            day = None
        assert bool(ours[i]) == (day is not None and 1880 <= day.year and day <= dt.date.today()), (y[i], m[i], d[i])
    assert id_birth_ok(np.array([2000]), np.array([2]), np.array([29])).tolist() == [True]  # leap year
    assert id_birth_ok(np.array([1900]), np.array([2]), np.array([29])).tolist() == [False]  # not one


def test_15_digit_numbers_get_stdnum_check_character() -> None:
    rng = random.Random(8)
    for _ in range(500):
        n15 = f"{rng.randint(110000, 659999)}{rng.randint(0, 99):02d}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
        n15 += f"{rng.randint(0, 999):03d}"
        n18 = id15_to_18(n15)
        assert ric.calc_check_digit(n18) == n18[17] and n18[6:8] == "19"
        r = parse_resident_id(n15)
        assert r is not None and r.status == "valid" and r.number == n18


def test_fast_valid_ids_match_reference() -> None:
    rng = random.Random(3)
    values = []
    for body in _id_bodies(rng, 3000):
        values.append(body + ric.calc_check_digit(body + "0"))
        values.append(body + rng.choice("0123456789X"))  # often a wrong check character
    values += ["", "36080219700101001x", "360802700101001", "3608**********001X", "abc", "３６０８０２１９７０",
               "１１０１０５１９４９１２３１００２１"]  # full-width digits are not canonical: they take the slow path
    s = pd.Series(values, dtype=object)
    fast = fast_valid_ids(s)
    for i, v in s.items():
        ref = parse_resident_id(v) if v else None
        if i in fast.index:
            assert ref is not None and ref.status == "valid" and ref.number == v and ref.birth_date is not None
            assert fast.loc[i, "birth"] == ref.birth_date.isoformat()
            assert fast.loc[i, "sex"] == ref.sex
        elif ref is not None and ref.status == "valid":
            assert ref.number != v  # only non-canonical spellings (x, 15 digits, full width) skip the shortcut
    assert len(fast) > 1000


def test_credit_code_check_equals_stdnum() -> None:
    rng = random.Random(5)
    bodies = ["".join(rng.choice(USCC_ALPHABET[:10] if k < 8 else USCC_ALPHABET) for k in range(17))
              for _ in range(400)]
    codes = [b + c for b in bodies for c in USCC_ALPHABET]
    chars = np.frombuffer("".join(codes).encode("ascii"), dtype=np.uint8).reshape(-1, 18)
    ours = credit_code_check_ok(chars)
    assert (ours == np.array([uscc.is_valid(c) for c in codes])).all()
    assert int(ours.sum()) == len(bodies)


def test_fast_credit_codes_match_reference() -> None:
    """fast_valid_codes says valid exactly where python-stdnum does, for canonical spellings."""
    rng = random.Random(5)
    values: list[str] = []
    for _ in range(3000):
        body = f"{rng.choice(['91', '92', '12', '52'])}{rng.randint(100000, 999999)}"
        body += "".join(rng.choice(USCC_ALPHABET) for _ in range(9))
        values.append(body + uscc.calc_check_digit(body))
        values.append(body + rng.choice(USCC_ALPHABET))  # often a wrong check character
        values.append(body + rng.choice("IOSVZ"))  # never in the alphabet
    values += ["", "91110000600037341l", "9111 0000 6000 3734 1L", "91110000600037341", "abc", "９１１１０"]
    s = pd.Series(values, dtype=object)
    fast = fast_valid_codes(s)
    code, status = credit_codes(s)
    for i, v in s.items():
        ref = parse_credit_code(v)
        if fast[i]:
            assert ref is not None and ref.status == "valid" and ref.code == v
        elif ref is not None and ref.status == "valid":
            assert ref.code != v  # only non-canonical spellings skip the shortcut
        if ref is None:
            assert (code[i], status[i]) == (None, "missing" if v == "" else "invalid")
        else:
            assert (code[i], status[i]) == (ref.code, ref.status)
    assert 2000 < int(fast.sum()) < 4000


# --- IDs in free text -------------------------------------------------------------------------------------

# Valid credit codes without a letter (many are). The first even reads like an ID born 1970-01-01 in region
# 360119: only its check characters tell it apart (the ID check fails, the credit-code check holds).
ALL_DIGIT_CODE = "913601197001010050"
PLAIN_CODE = "913601001583000041"
assert uscc.is_valid(ALL_DIGIT_CODE) and ric.calc_check_digit(ALL_DIGIT_CODE) != ALL_DIGIT_CODE[17]
assert uscc.is_valid(PLAIN_CODE)


def _all_digit_codes(n: int) -> list[str]:
    """Valid all-digit credit codes; half of them shaped like an ID (region ending 19/20, a date after it)."""
    rng = random.Random(9)
    out: list[str] = []
    while len(out) < n:
        if len(out) % 2:
            body = f"91{rng.randint(110000, 659999)}{rng.randint(0, 10**9 - 1):09d}"
        else:
            body = f"91{rng.randint(1100, 6599)}{rng.choice(['19', '20'])}{rng.randint(0, 99):02d}"
            body += f"{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}"
        code = body + uscc.calc_check_digit(body)
        if code.isdigit():
            out.append(code)
    return out


@pytest.mark.parametrize("text", [
    f"付款给 {ALL_DIGIT_CODE} 公司", f"uscc:{ALL_DIGIT_CODE}", f"统一社会信用代码{PLAIN_CODE}。",
    "电话13800138000", "手机+8613800138000",  # phone numbers
    "账号6222021234567890123", "凭证号 1101051949123100212",  # 19 digits: a longer run is not an ID
    "110105194912310020X",  # 19 characters
    f"A{VALID}", f"{VALID}B", f"1{VALID}",  # glued to letters or digits
    "123456789012345678", "000105194912310021", "11010521491231002X",  # no birth date, region 0, year 21xx
    "110105491331002",  # 15 digits, month 13
])
def test_near_misses_are_not_ids(text: str) -> None:
    assert find_ids_in_text(text) == [], text
    assert mask_ids_in_text(text) == text


def test_ids_embedded_in_chinese_text() -> None:
    t = f"经查，刘桂英（身份证号{VALID}）之子张伟，身份证110105491231002，系某公司股东"
    spans = find_ids_in_text(t)
    assert [t[a:b] for a, b in spans] == [VALID, "110105491231002"]
    out = mask_ids_in_text(t)
    assert "1101**********002X" in out and "1101*******1002" in out and "刘桂英（身份证号1101" in out


def test_full_width_and_lowercase_ids_in_text() -> None:
    fw = "１１０１０５１９４９１２３１００２ｘ"
    assert find_ids_in_text(f"证件{fw}号") == [(2, 20)]
    assert mask_ids_in_text(f"证件{fw}") == "证件１１０１**********００２ｘ"
    assert mask_ids_in_text("证件11010519491231002x") == "证件1101**********002x"


def test_mistyped_ids_are_still_masked() -> None:
    assert is_resident_id_token("110105194912310021")  # wrong check character
    assert is_resident_id_token("11010520491231002X")  # a birth year in the future still has an ID's shape
    assert mask_ids_in_text("证件110105194912310021") == "证件1101**********0021"


def test_credit_codes_are_never_masked_as_ids() -> None:
    """The defect fixed with this module: 9136**********2257 was a credit code masked as a resident ID."""
    codes = _all_digit_codes(300)
    for code in codes:
        masked = mask_ids_in_text(f"企业 uscc:{code}；")
        if ric.calc_check_digit(code) == code[17] and is_resident_id_token(code):
            continue  # valid as both: privacy wins (about 1 in 11 of those shaped like an ID)
        assert masked == f"企业 uscc:{code}；", code
    assert mask_ids_in_text(ALL_DIGIT_CODE) == ALL_DIGIT_CODE


def test_an_id_that_is_also_a_credit_code_is_masked() -> None:
    rng = random.Random(2)
    while True:
        body = f"{rng.randint(110000, 659999)}1970{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}"
        number = body + ric.calc_check_digit(body + "0")
        if uscc.is_valid(number):
            break
    assert mask_ids_in_text(number) == mask_resident_id(number)
