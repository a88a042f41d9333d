from __future__ import annotations

import pytest

from guanlian.matching.pinyin import fuzzy_pinyin_key, initials_key, name_syllables, pinyin_key, split_name


@pytest.mark.parametrize(
    ("name", "surname", "given"),
    [
        ("欧阳娜娜", "欧阳", "娜娜"), ("司马光", "司马", "光"), ("诸葛亮", "诸葛", "亮"), ("上官婉儿", "上官", "婉儿"),
        ("东方明", "东方", "明"), ("皇甫嵩", "皇甫", "嵩"), ("尉迟恭", "尉迟", "恭"), ("公孙胜", "公孙", "胜"),
        ("慕容复", "慕容", "复"), ("令狐冲", "令狐", "冲"), ("夏侯惇", "夏侯", "惇"), ("长孙无忌", "长孙", "无忌"),
        ("宇文泰", "宇文", "泰"), ("司徒雷", "司徒", "雷"), ("端木蓉", "端木", "蓉"),
        # near misses: single surnames that start like a compound one, and two-character names
        ("欧明", "欧", "明"), ("司明华", "司", "明华"), ("马光", "马", "光"), ("欧阳", "欧", "阳"),
        ("王晓明", "王", "晓明"),
    ],
)
def test_split_name(name: str, surname: str, given: str) -> None:
    assert split_name(name) == (surname, given)


def test_split_name_without_surname() -> None:
    assert split_name("阿依古丽·买买提") == ("", "阿依古丽·买买提")
    assert split_name("john smith") == ("", "john smith")
    assert split_name("") == ("", "")


@pytest.mark.parametrize(
    ("name", "first"),
    [("单雄信", "shan4"), ("曾国藩", "zeng1"), ("解缙", "xie4"), ("区志坚", "ou1"), ("仇英", "qiu2"),
     ("朴槿惠", "piao2"), ("查良镛", "zha1"), ("盖聂", "ge3"), ("尉迟恭", "yu4")],
)
def test_heteronym_surnames(name: str, first: str) -> None:
    syl = name_syllables(name, tone=True)
    assert syl[0] == first
    assert len(syl) == len(name)


def test_surname_reading_only_at_start() -> None:
    # 单 in a given name keeps its everyday reading; as a surname it is Shàn.
    assert name_syllables("单雄信")[0] == "shan"
    assert name_syllables("王单")[1] == "dan"
    assert name_syllables("尉迟恭")[:2] == ["yu", "chi"]
    assert name_syllables("尉明")[0] == "wei"


def test_pinyin_keys() -> None:
    assert pinyin_key("王晓明") == pinyin_key("王小明") == "wangxiaoming"
    assert pinyin_key("劉桂蘭") == pinyin_key("刘桂兰")
    assert pinyin_key("阿依古丽·买买提") == pinyin_key("阿依古丽买买提")
    assert pinyin_key("王晓明") != pinyin_key("汪晓敏")
    assert pinyin_key("王晓明", tone=True) == "wang2xiao3ming2"
    assert pinyin_key("王晓敏", tone=True) != pinyin_key("王晓民", tone=True)  # min3 vs min2
    assert pinyin_key(None) == ""


def test_fuzzy_and_initials() -> None:
    assert fuzzy_pinyin_key("张晓明") == fuzzy_pinyin_key("章小民")
    assert fuzzy_pinyin_key("张晓明") != fuzzy_pinyin_key("张晓强")
    assert initials_key("王晓明") == initials_key("王明晓") == "wang|mx"
    assert initials_key("王晓明") != initials_key("王晓强")
    assert initials_key("欧阳娜娜") == "ouyang|nn"
    assert initials_key("") == ""
