from __future__ import annotations

import datetime as dt

import pytest
from stdnum.cn import ric

from guanlian.matching.identifiers import (
    id15_to_18,
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
