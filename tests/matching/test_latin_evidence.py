"""Latin-script records held together by another ID (a social-security number), a full address written in words
and a surname, as FEBRL4's duplicates are: each rule with its near miss (issue 16)."""

from __future__ import annotations

import pandas as pd

from guanlian.matching.matcher import address_numbers, collide

ADDR = "8 stanley street, miami, winston hills 4223 nsw"
ADDR_TYPO = "8 stanly street, miami, winston hils 4223 nsw"
OTHER_ADDR = "52 bellchambers crescent, paddy's river, 3337 qld"


def _pair(left: dict[str, str], right: dict[str, str]) -> pd.DataFrame:
    """collide one record against one; returns its links (empty when none)."""
    cols = ["name", "birth_date", "address", "other_id"]
    lt = pd.DataFrame([{c: left.get(c, "") for c in cols}])
    rt = pd.DataFrame([{c: right.get(c, "") for c in cols}])
    return collide(lt, rt)


def _tier(links: pd.DataFrame) -> str:
    return str(links.loc[0, "tier"]) if len(links) else ""


def test_same_ssn_surname_and_address_outweigh_a_replaced_given_name_and_birth_date() -> None:
    got = _pair({"name": "bradley sribar", "birth_date": "19511217", "address": ADDR_TYPO, "other_id": "9160808"},
                {"name": "giaan sribar", "birth_date": "19020104", "address": ADDR, "other_id": "9160808"})
    assert _tier(got) == "probable"
    en = str(got.loc[0, "explanation_en"])
    assert "other ID: identical" in en and "birth date: different" in en and "word by word" in en


def test_same_ssn_with_everything_else_different_stays_below_probable() -> None:
    got = _pair({"name": "bradley sribar", "birth_date": "19511217", "address": ADDR, "other_id": "9160808"},
                {"name": "giaan coleman", "birth_date": "19020104", "address": OTHER_ADDR, "other_id": "9160808"})
    assert _tier(got) in ("", "possible")


def test_one_edit_ssn_with_surname_and_same_address_is_probable_and_says_so() -> None:
    got = _pair({"name": "madeline jeffries", "birth_date": "19810222", "address": ADDR, "other_id": "3776945"},
                {"name": "madeline bradshaw", "birth_date": "19810222", "address": ADDR, "other_id": "3776965"})
    assert _tier(got) == "probable"
    assert "other ID: one typing difference" in str(got.loc[0, "explanation_en"])


def test_one_edit_ssn_alone_links_nothing() -> None:
    got = _pair({"name": "jia fenwick", "birth_date": "19760830", "address": ADDR, "other_id": "3991391"},
                {"name": "mia shepherd", "birth_date": "19120101", "address": ADDR, "other_id": "3991319"})
    assert _tier(got) == ""  # paired (same address numbers), but -6 name, -8 birth date: 3 < 4


def test_names_dates_and_ssn_all_with_typos_are_paired_by_the_address_numbers() -> None:
    # No name, birth-date or SSN key in common: only the house number and postcode pair them.
    got = _pair({"name": "jia fenwicsk", "birth_date": "19760830", "address": ADDR_TYPO, "other_id": "3991391"},
                {"name": "mia shepherd", "birth_date": "19760830", "address": ADDR, "other_id": "3991319"})
    assert _tier(got) == "probable"
    assert address_numbers(ADDR) == "8|4223" and address_numbers("12 high street") == ""
    assert address_numbers("江西省吉安市1号 343000") == ""


def test_two_people_sharing_only_an_address_stay_apart() -> None:
    assert _pair({"name": "lachlan boothroyd", "birth_date": "19600904", "address": ADDR},
                 {"name": "ruby capurso", "birth_date": "19600904", "address": ADDR}).empty


def test_a_household_member_with_the_surname_and_address_but_another_birth_date_is_not_probable() -> None:
    got = _pair({"name": "michaela neumann", "birth_date": "19151111", "address": ADDR},
                {"name": "jake neumann", "birth_date": "19480302", "address": ADDR})
    assert _tier(got) in ("", "possible")


def test_surname_changed_same_given_name_birth_date_and_address_is_probable() -> None:
    got = _pair({"name": "georgia petersen", "birth_date": "19700324", "address": ADDR_TYPO, "other_id": "4385775"},
                {"name": "georgia maynard", "birth_date": "19700324", "address": ADDR, "other_id": "3465730"})
    assert _tier(got) == "probable"


def test_same_name_and_address_with_a_different_birth_date_and_ssn_stays_possible() -> None:
    # Father and son (John Smith senior and junior) look like this.
    got = _pair({"name": "keaton webb", "birth_date": "19850328", "address": ADDR, "other_id": "6634675"},
                {"name": "keaton webb", "birth_date": "19940724", "address": ADDR, "other_id": "6702216"})
    assert _tier(got) == "possible"


def test_an_impossible_birth_date_is_compared_digit_by_digit() -> None:
    got = _pair({"name": "kirra browne", "birth_date": "19403407", "address": ADDR},
                {"name": "kirra browne", "birth_date": "19430407", "address": ADDR})
    assert _tier(got) == "probable"
    assert "impossible date" in str(got.loc[0, "explanation_en"])
    far = _pair({"name": "kirra browne", "birth_date": "19403407", "address": ADDR},
                {"name": "kirra browne", "birth_date": "19871215", "address": ADDR})
    assert _tier(far) == "possible"
    assert "impossible date" not in str(far.loc[0, "explanation_en"])


# Graded birth-date evidence (issue 21): a date mistyped once is weak agreement, a date years apart is not.

def test_one_typo_birth_date_and_one_edit_ssn_with_the_same_name_is_probable() -> None:
    # no address: only the name, the mistyped date (+3) and the mistyped SSN (+10, corroborates)
    got = _pair({"name": "keaton webb", "birth_date": "19850328", "other_id": "6634675"},
                {"name": "keaton webb", "birth_date": "19850323", "other_id": "6634657"})
    assert _tier(got) == "probable"
    en, zh = str(got.loc[0, "explanation_en"]), str(got.loc[0, "explanation_zh"])
    assert "birth date: one typing difference" in en and "other ID: one typing difference" in en
    assert "仅一处录入差异" in zh and "出生日期" in zh


def test_father_and_son_decades_apart_stay_possible_even_with_a_one_edit_ssn_missing() -> None:
    # the same name at one address, birth dates 29 years apart, SSNs unrelated: possible, as before
    got = _pair({"name": "keaton webb", "birth_date": "19560314", "address": ADDR, "other_id": "6634675"},
                {"name": "keaton webb", "birth_date": "19850328", "address": ADDR, "other_id": "2210954"})
    assert _tier(got) == "possible"
    assert "birth date: different" in str(got.loc[0, "explanation_en"])


def test_a_one_typo_birth_date_alone_does_not_make_a_namesake_probable() -> None:
    # name + mistyped date, nothing else: weak evidence, not corroboration
    got = _pair({"name": "keaton webb", "birth_date": "19850328"}, {"name": "keaton webb", "birth_date": "19580328"})
    assert _tier(got) == "possible"
    assert "two neighbouring digits swapped" in str(got.loc[0, "explanation_en"])


def test_day_and_month_swapped_with_the_address_is_probable_but_two_digits_apart_is_not() -> None:
    swapped = _pair({"name": "casey flatman", "birth_date": "19931002", "address": ADDR},
                    {"name": "casey flatman", "birth_date": "19930210", "address": ADDR_TYPO})
    assert _tier(swapped) == "probable"
    two = _pair({"name": "casey flatman", "birth_date": "19931002", "address": ADDR, "other_id": "9564028"},
                {"name": "casey flatman", "birth_date": "19931127", "address": ADDR, "other_id": "3107766"})
    assert "one typing difference" not in str(two.loc[0, "explanation_en"])  # 'close' (-3), not a single typo


def test_typos_in_surname_ssn_and_postcode_without_a_birth_date_are_paired_by_the_given_name() -> None:
    # FEBRL4's "casey flatan": no key but the first word + the first letters of the last word pairs it
    got = _pair({"name": "casey flatan", "address": "3 wyselaskie circuit, mentone 7205 vic", "other_id": "9564028"},
                {"name": "casey flatman", "birth_date": "19931002", "address": "3 wyselaskie circuit, mentone 7250 vic",
                 "other_id": "9564208"})
    assert _tier(got) == "probable"
    # a namesake by first word only (another surname initial) is not even compared
    assert _pair({"name": "casey flatan", "address": "3 wyselaskie circuit, mentone 7205 vic"},
                 {"name": "casey morgan", "address": "14 wynn street, tathra, bilpin 2529 vic"}).empty


def test_a_chinese_namesake_with_a_one_typo_birth_date_needs_more_than_the_name() -> None:
    left = pd.DataFrame([{"name": "王伟", "birth_date": "1980-05-16", "phone": ""}])
    right = pd.DataFrame([{"name": "王伟", "birth_date": "1980-05-06", "phone": ""}])
    assert str(collide(left, right).loc[0, "tier"]) == "possible"
    left.loc[0, "phone"] = right.loc[0, "phone"] = "13907961234"
    got = collide(left, right)
    assert str(got.loc[0, "tier"]) == "probable"
    assert "出生日期仅一处录入差异" in str(got.loc[0, "explanation_zh"])
