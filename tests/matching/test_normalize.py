from __future__ import annotations

import pytest

from guanlian.matching.normalize import (
    company_trade_name,
    normalize_address,
    normalize_company_name,
    normalize_email,
    normalize_person_name,
    normalize_phone,
    normalize_unit_name,
    person_name_key,
    to_simplified,
)


@pytest.mark.parametrize(
    ("raw", "want"),
    [
        ("劉桂蘭", "刘桂兰"),
        (" 王　晓明 ", "王晓明"),
        ("王晓明\t", "王晓明"),
        ("阿依古丽·买买提", "阿依古丽·买买提"),
        ("阿依古丽.买买提", "阿依古丽·买买提"),
        ("阿依古丽．买买提", "阿依古丽·买买提"),
        ("阿依古丽•买买提", "阿依古丽·买买提"),
        ("阿依古丽・买买提", "阿依古丽·买买提"),
        ("阿依古丽‧买买提", "阿依古丽·买买提"),
        ("阿依古丽 · · 买买提", "阿依古丽·买买提"),
        ("·阿依古丽·", "阿依古丽"),
        ("阿依古丽买买提", "阿依古丽买买提"),
        ("欧阳　娜娜", "欧阳娜娜"),
        ("ＳＭＩＴＨ,  John", "john smith"),
        ("John Smith", "john smith"),
        ("smith john", "john smith"),
        ("Jean-Luc  PICARD", "jean luc picard"),
        ("", ""),
        ("   ", ""),
        (None, ""),
    ],
)
def test_normalize_person_name(raw: str | None, want: str) -> None:
    assert normalize_person_name(raw) == want


def test_person_name_idempotent_and_nan() -> None:
    for s in ["劉桂蘭", "阿依古丽.买买提", "SMITH, John", "欧阳 娜娜"]:
        once = normalize_person_name(s)
        assert normalize_person_name(once) == once
    assert normalize_person_name(float("nan")) == ""  # type: ignore[arg-type]


def test_person_name_key_drops_dots_only() -> None:
    assert person_name_key("阿依古丽·买买提") == person_name_key("阿依古丽买买提") == "阿依古丽买买提"
    assert person_name_key("阿依古丽·买买提") != person_name_key("阿依古丽·买买")
    # Near miss: homophones are *not* unified by normalisation (that is the matcher's job).
    assert normalize_person_name("王小明") != normalize_person_name("王晓明")


def test_to_simplified() -> None:
    assert to_simplified("劉桂蘭") == "刘桂兰"
    assert to_simplified("") == ""
    assert to_simplified("刘桂兰") == "刘桂兰"


@pytest.mark.parametrize(
    ("raw", "want"),
    [
        ("华信科技（吉安）有限公司", "华信科技(吉安)有限公司"),
        ("華信科技【吉安】有限公司", "华信科技(吉安)有限公司"),
        (" 江西省 吉安市 华信科技有限公司 ", "江西省吉安市华信科技有限公司"),
        ("abc科技有限公司", "ABC科技有限公司"),
        (None, ""),
    ],
)
def test_normalize_company_name(raw: str | None, want: str) -> None:
    assert normalize_company_name(raw) == want


def test_company_name_keeps_region_and_form() -> None:
    # Near miss: the identity key must keep region and organisational form apart.
    assert normalize_company_name("吉安华信有限公司") != normalize_company_name("南昌华信有限公司")
    assert normalize_company_name("华信有限公司") != normalize_company_name("华信股份有限公司")


@pytest.mark.parametrize(
    ("raw", "want"),
    [
        ("江西省吉安市华信科技有限公司", "华信"),
        ("吉安市吉州区华信建筑工程有限公司", "华信"),
        ("华信建筑工程（吉安）有限责任公司", "华信"),
        ("華信建築工程有限公司", "华信"),
        ("新疆维吾尔自治区乌鲁木齐市天山区天信商贸有限公司", "天信"),
        ("吉安华信建筑工程有限公司南昌分公司", "华信"),
        ("华信集团股份有限公司", "华信"),
        ("大同贸易有限公司", "大同"),  # never strips below two characters
        ("华联超市有限公司", "华联超市"),  # 超市 is not a city
        ("吉安市青原区某某农民专业合作社", "某某农民专业"),
        (None, ""),
    ],
)
def test_company_trade_name(raw: str | None, want: str) -> None:
    assert company_trade_name(raw) == want


def test_trade_name_near_miss() -> None:
    assert company_trade_name("吉安华信科技有限公司") != company_trade_name("吉安华兴科技有限公司")


def test_normalize_unit_name() -> None:
    assert normalize_unit_name("吉安市 交通運輸局") == "吉安市交通运输局"
    assert normalize_unit_name("吉安市交通运输局") != normalize_unit_name("吉安县交通运输局")


@pytest.mark.parametrize(
    ("raw", "want"),
    [
        ("江西省吉安市 吉州區 人民路１２號", "江西省吉安市吉州区人民路12号"),
        ("中国江西省吉安市人民路12号", "江西省吉安市人民路12号"),
        ("人民路12号3#楼 501室", "人民路12号3号楼501室"),
        ("人民路12号，3栋-501", "人民路12号3栋-501"),
        (None, ""),
    ],
)
def test_normalize_address(raw: str | None, want: str) -> None:
    assert normalize_address(raw) == want


def test_address_near_miss() -> None:
    assert normalize_address("人民路12号") != normalize_address("人民路21号")


@pytest.mark.parametrize(
    ("raw", "want"),
    [
        ("13800138000", "13800138000"),
        ("+86 138-0013-8000", "13800138000"),
        ("0086 13800138000", "13800138000"),
        ("8613800138000", "13800138000"),
        ("１３８００１３８０００", "13800138000"),
        ("0796-8221234", "07968221234"),
        ("(0796) 822 1234", "07968221234"),
        ("+86 796 8221234", "07968221234"),
        ("13800138000转123", "13800138000"),
        ("8221234", "8221234"),
        ("12345", ""),
        ("无", ""),
        (None, ""),
    ],
)
def test_normalize_phone(raw: str | None, want: str) -> None:
    assert normalize_phone(raw) == want


@pytest.mark.parametrize(
    ("raw", "want"),
    [
        (" Zhang.San＠Example.COM ", "zhang.san@example.com"),
        ("mailto:a@b.cn", "a@b.cn"),
        ("zhangsan at example.com", ""),
        ("a@@b.cn", ""),
        ("a@b", ""),
        (None, ""),
    ],
)
def test_normalize_email(raw: str | None, want: str) -> None:
    assert normalize_email(raw) == want
