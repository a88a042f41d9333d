from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from stdnum.cn import ric

from guanlian.graph.ladybug import LadybugStore
from guanlian.matching.features import prepare_records
from guanlian.matching.matcher import (
    MatchConfig,
    candidate_pairs,
    collide,
    find_candidates,
    link_records,
    match_store,
)


def make_id(body17: str) -> str:
    return body17 + ric.calc_check_digit(body17 + "0")


ID_A = make_id("36080219800506001")  # born 1980-05-06, male
ID_B = make_id("36080219800506003")  # same birth date, different person
ID_LGL = "11010519491231002X"


def pair(left: dict[str, str], right: dict[str, str]) -> pd.DataFrame:
    return collide(pd.DataFrame([left]), pd.DataFrame([right]))


def tier(left: dict[str, str], right: dict[str, str]) -> str:
    out = pair(left, right)
    return str(out.loc[0, "tier"]) if len(out) else "none"


# --- the cases the issue names -------------------------------------------------------------------------

def test_homophone_with_birth_date_is_probable() -> None:
    assert tier({"name": "王小明", "birth_date": "1980-05-06"}, {"name": "王晓明", "birth_date": "1980-05-06"}) == "probable"


def test_homophone_with_different_birth_date_is_not_linked() -> None:
    assert tier({"name": "王小明", "birth_date": "1980-05-06"}, {"name": "王晓明", "birth_date": "1962-11-20"}) == "none"


def test_same_name_different_valid_ids_never_linked() -> None:
    out = pair({"name": "王晓明", "id_number": ID_A}, {"name": "王晓明", "id_number": ID_B})
    assert out.empty


def test_same_name_same_birth_date_different_ids_is_different() -> None:
    out = pair({"name": "王晓明", "id_number": ID_A, "birth_date": "1980-05-06", "phone": "13800138000"},
               {"name": "王晓明", "id_number": ID_B, "birth_date": "1980-05-06", "phone": "13800138000"})
    assert out.empty


def test_traditional_15_and_18_digit_same_id_is_certain() -> None:
    out = pair({"name": "刘桂兰", "id_number": "110105491231002"}, {"name": "劉桂蘭", "id_number": ID_LGL})
    assert out.loc[0, "tier"] == "certain"
    assert "身份证号相同" in out.loc[0, "explanation_zh"]
    assert "resident ID: identical" in out.loc[0, "explanation_en"]
    assert ID_LGL not in out.loc[0, "explanation_zh"]


def test_bad_checksum_id_is_not_certain() -> None:
    bad = ID_LGL[:-1] + "1"
    assert tier({"name": "刘桂兰", "id_number": bad}, {"name": "刘桂兰", "id_number": ID_LGL}) != "certain"


# --- variant types: positive and near-miss negative --------------------------------------------------------

@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("刘桂兰", "劉桂蘭"),  # traditional / simplified
        ("阿依古丽·买买提", "阿依古丽买买提"),  # dropped dot
        ("阿依古丽.买买提", "阿依古丽•买买提"),  # dot variants
        ("ＷＡＮＧ晓明", "wang晓明"),  # full width
        ("王晓明", "王明晓"),  # swapped given-name characters
        ("欧阳娜娜", "欧阳 娜娜"),  # compound surname with a space
        ("王晓明", "王晓民"),  # fuzzy-sound typo (ming / min)
        ("王晓明", "王小铭"),  # two homophone typos
    ],
)
def test_variant_with_birth_date_is_probable(a: str, b: str) -> None:
    assert tier({"name": a, "birth_date": "1980-05-06"}, {"name": b, "birth_date": "1980-05-06"}) == "probable"


@pytest.mark.parametrize(
    ("a", "b"),
    [("刘桂兰", "刘桂英"), ("阿依古丽·买买提", "阿依古丽·吐尔逊"), ("王晓明", "王晓强"), ("欧阳娜娜", "欧娜娜"),
     ("张晓明", "李晓明")],
)
def test_near_miss_names_without_corroboration_not_probable(a: str, b: str) -> None:
    assert tier({"name": a}, {"name": b}) in ("none", "possible")
    assert tier({"name": a}, {"name": b}) != "possible" or a[:2] == b[:2]


def test_all_characters_differ_only_possible() -> None:
    assert tier({"name": "张晓明", "birth_date": "1980-05-06"}, {"name": "章小民", "birth_date": "1980-05-06"}) == "possible"


def test_name_alone_is_possible() -> None:
    assert tier({"name": "王晓明"}, {"name": "王小明"}) == "possible"
    assert tier({"name": "刘桂兰"}, {"name": "刘桂兰"}) == "possible"


def test_masked_id_partial_evidence() -> None:
    masked_ok = ID_A[:4] + "*" * 10 + ID_A[-4:]
    masked_bad = ID_A[:4] + "*" * 10 + "9999"
    ok = pair({"name": "王晓明", "id_number": ID_A}, {"name": "王晓明", "id_number": masked_ok})
    assert "可见部分一致" in ok.loc[0, "explanation_zh"]
    bad = pair({"name": "王晓明", "id_number": ID_A}, {"name": "王晓明", "id_number": masked_bad})
    assert bad.empty


def test_birth_date_against_id() -> None:
    out = pair({"name": "王小明", "id_number": ID_A}, {"name": "王晓明", "birth_date": "1980-05-06"})
    assert out.loc[0, "tier"] == "probable"
    assert "身份证号中的出生日期一致" in out.loc[0, "explanation_zh"]
    assert tier({"name": "王小明", "id_number": ID_A}, {"name": "王晓明", "birth_date": "1981-07-08"}) == "none"


def test_phone_corroborates_but_not_without_name() -> None:
    assert tier({"name": "王晓明", "phone": "13800138000"}, {"name": "王小明", "phone": "+86 138 0013 8000"}) == "probable"
    # relatives share phones: different names with one phone are not the same person
    assert tier({"name": "王晓明", "phone": "13800138000"}, {"name": "李秀英", "phone": "13800138000"}) == "none"


def test_sex_conflict_lowers() -> None:
    assert tier({"name": "王晓明", "sex": "男"}, {"name": "王晓明", "sex": "女"}) == "none"


def test_collide_columns_and_row_refs() -> None:
    left = pd.DataFrame({"row": ["L1", "L2"], "name": ["王晓明", "李秀英"], "birth_date": ["1980-05-06", ""]})
    right = pd.DataFrame({"row": ["R9"], "name": ["王小明"], "birth_date": ["1980-05-06"]})
    out = collide(left, right)
    assert list(out.columns) == ["left_row", "right_row", "score", "tier", "tier_rank", "explanation_zh",
                                 "explanation_en"]
    assert out[["left_row", "right_row"]].values.tolist() == [["L1", "R9"]]
    empty = collide(left.iloc[1:], right)
    assert empty.empty and "tier" in empty.columns


def test_unrelated_persons_are_not_compared() -> None:
    f = prepare_records(pd.DataFrame({"name": ["王晓明", "李秀英", "张伟", "王小明"],
                                      "birth_date": ["1980-05-06", "1980-05-06", "", ""]}))
    li, ri, _ = candidate_pairs(f, f, MatchConfig(), self_join=True)
    assert list(zip(li.tolist(), ri.tolist(), strict=True)) == [(0, 3)]


def test_big_blocks_refined_by_birth_year() -> None:
    df = pd.DataFrame({"name": ["张伟"] * 30, "birth_date": [f"{1950 + i % 3}-01-0{1 + i % 9}" for i in range(30)]})
    f = prepare_records(df)
    li, ri, refined = candidate_pairs(f, f, MatchConfig(max_block_pairs=50, blocking_rules=("name_pinyin",)),
                                      self_join=True)
    assert refined == 1
    assert len(li) == 3 * (10 * 9 // 2)
    assert all(int(f.loc[a, "by"]) == int(f.loc[b, "by"]) for a, b in zip(li, ri, strict=True))


def test_capped_block_is_stated_in_the_explanation() -> None:
    names = ["张伟"] * 30 + ["李娜", "李娜"]
    dates = [f"{1950 + i % 3}-01-0{1 + i % 9}" for i in range(30)] + ["1960-02-02", "1960-02-02"]
    df = pd.DataFrame({"name": names, "birth_date": dates})
    capped = link_records(df, None, MatchConfig(max_block_pairs=50, blocking_rules=("name_pinyin",)))
    by_pair = dict(zip(zip(capped.li.tolist(), capped.ri.tolist(), strict=True), capped.explanation_en, strict=True))
    zh = dict(zip(zip(capped.li.tolist(), capped.ri.tolist(), strict=True), capped.explanation_zh, strict=True))
    assert "block 'name pinyin' capped: too many pairs, split by birth year" in by_pair[(0, 3)]
    assert "分块「姓名拼音」过大，已按出生年份细分" in zh[(0, 3)]
    assert "capped" not in by_pair[(30, 31)]  # near miss: the small 李娜 block was not capped
    uncapped = link_records(df, None, MatchConfig(blocking_rules=("name_pinyin",)))
    assert not any("capped" in e for e in uncapped.explanation_en)


# --- store ---------------------------------------------------------------------------------------------

def _persons() -> pd.DataFrame:
    return pd.DataFrame({
        "key": [f"ric:{ID_A}", "anon:1", "anon:2", f"ric:{ID_B}", "anon:3", "anon:4", "anon:5"],
        "name": ["王晓明", "王小明", "劉桂蘭", "王晓明", "刘桂兰", "阿依古丽买买提", "李秀英"],
        "id_number": [ID_A, "", "", ID_B, "", "", ""],
        "id_status": ["valid", "", "", "valid", "", "", ""],
        "birth_date": ["1980-05-06", "1980-05-06", "1949-12-31", "1980-05-06", "", "1990-01-01", "1970-01-01"],
        "phone": ["", "", "", "", "", "", ""],
        "address": ["", "", "", "", "", "", ""],
        "employer": ["", "", "", "", "", "", ""],
        "src_file": "t.csv", "src_row": 1, "load_id": "t",
    })


@pytest.fixture
def store(tmp_path: Path) -> LadybugStore:
    s = LadybugStore(tmp_path / "store")
    s.ensure_schema()
    extra = pd.DataFrame({"key": ["anon:6"], "name": ["阿依古丽·买买提"], "src_file": "t.csv", "src_row": 2,
                          "load_id": "t"})
    s.upsert_nodes("Person", pd.concat([_persons(), extra], ignore_index=True))
    return s


def _edges(s: LadybugStore) -> pd.DataFrame:
    return s.query("MATCH (a:Person)-[e:POSSIBLY_SAME]->(b:Person) RETURN a.key AS a, b.key AS b, e.key AS k, "
                   "e.tier AS tier, e.tier_rank AS tier_rank, e.score AS score, e.explanation_zh AS zh, "
                   "e.src_file AS src_file ORDER BY a.key, b.key")


def test_match_store_writes_idempotent_edges(store: LadybugStore) -> None:
    everyone = MatchConfig(registry_pairs=True)  # these persons have no edges: all count as registry-only
    summary = match_store(store, everyone)
    first = _edges(store)
    assert summary.persons == 8
    assert summary.edges_written == len(first)
    pairs = set(zip(first["a"], first["b"], strict=True))
    # 王小明 (no ID, same birth date) is probable with each 王晓明 …
    assert ("anon:1", f"ric:{ID_A}") in pairs and ("anon:1", f"ric:{ID_B}") in pairs
    # … but the two 王晓明 with different valid IDs are never linked
    assert (f"ric:{ID_A}", f"ric:{ID_B}") not in pairs
    assert summary.conflicting_ids >= 1
    assert ("anon:2", "anon:3") in pairs  # 劉桂蘭 / 刘桂兰
    assert ("anon:4", "anon:6") in pairs  # dotless / dotted
    assert not any("anon:5" in p for p in pairs)  # 李秀英 unrelated
    assert all(a < b for a, b in pairs)
    assert set(first["src_file"]) == {"matcher"}
    assert summary.per_tier()["probable"] == int((first["tier"] == "probable").sum())
    assert (first.loc[first["tier"] == "probable", "tier_rank"] == 1).all()
    again = match_store(store, everyone)
    second = _edges(store)
    assert again.edges_written == summary.edges_written
    pd.testing.assert_frame_equal(first, second)


def test_find_candidates(store: LadybugStore) -> None:
    for query, expected in [("劉桂蘭", "anon:3"), ("刘桂兰", "anon:2"), ("王晓明", "anon:1"),
                            ("阿依古丽买买提", "anon:6"), ("阿依古丽.买买提", "anon:4")]:
        out = find_candidates(store, query)
        assert expected in set(out["key"]), query
    out = find_candidates(store, "王晓明", id_number=ID_A)
    assert out.loc[0, "key"] == f"ric:{ID_A}" and out.loc[0, "tier"] == "certain"
    assert f"ric:{ID_B}" not in set(out["key"])  # conflicting ID left out
    assert all("*" in x for x in out["id_number"] if x)
    assert find_candidates(store, "赵钱孙").empty


def test_registry_only_namesakes_are_not_linked_by_default(tmp_path: Path) -> None:
    """A relative is linked to both registry namesakes; the two registry-only namesakes are not linked."""
    s = LadybugStore(tmp_path / "s")
    s.ensure_schema()
    people = pd.DataFrame({"key": ["ric:off", "anon:rel", "anon:reg1", "anon:reg2"],
                           "name": ["张三", "刘桂兰", "刘桂兰", "劉桂蘭"],
                           "name_norm": ["张三", "刘桂兰", "刘桂兰", "刘桂兰"]})
    s.upsert_nodes("Person", people)
    s.upsert_edges("RELATIVE_OF", pd.DataFrame({"src": ["anon:rel"], "dst": ["ric:off"], "src_kind": "Person",
                                                "dst_kind": "Person", "key": ["rel:1"], "relation": ["mother_in_law"]}))
    summary = match_store(s, MatchConfig(link_budget=False))  # the budget is tested in test_companies.py
    pairs = set(map(tuple, _edges(s)[["a", "b"]].values.tolist()))
    assert pairs == {("anon:reg1", "anon:rel"), ("anon:reg2", "anon:rel")}
    assert summary.registry_pairs_skipped == 1
    match_store(s, MatchConfig(registry_pairs=True))
    assert ("anon:reg1", "anon:reg2") in set(map(tuple, _edges(s)[["a", "b"]].values.tolist()))


def test_month_only_birth_date_probable_only_when_unique() -> None:
    reg = pd.DataFrame({"name": ["张建华", "李秀英", "李秀英"],
                        "birth_date": ["1985-07-03", "1962-03-09", "1962-03-27"]})
    fam = pd.DataFrame({"name": ["张建华", "李秀英", "张建华"], "birth_date": ["1985.07", "1962年3月", "1985.08"]})
    got = {(int(a), int(b)): t for a, b, t in collide(fam, reg)[["left_row", "right_row", "tier"]].itertuples(index=False)}
    assert got[(0, 0)] == "probable"
    assert got[(1, 1)] == got[(1, 2)] == "possible"  # two 李秀英 born in March 1962: the month cannot decide
    assert (2, 0) not in got or got[(2, 0)] == "possible"  # another month


def test_lookalike_character_with_birth_date() -> None:
    reg = pd.DataFrame({"name": ["王己明", "刘末芳"], "birth_date": ["1980-01-02", "1975-05-06"]})
    fam = pd.DataFrame({"name": ["王已明", "刘未芳", "王已明", "刘林芳"],
                        "birth_date": ["1980-01-02", "1975-05-06", "1990-01-02", "1975-05-06"]})
    r = collide(fam, reg)
    got = {(int(a), int(b)): t for a, b, t in r[["left_row", "right_row", "tier"]].itertuples(index=False)}
    assert got[(0, 0)] == "probable" and got[(1, 1)] == "probable"
    assert (2, 0) not in got  # look-alike name, another birth date
    assert got.get((3, 1)) == "possible"  # 林/末 do not share a four-corner code: an ordinary one-character typo
    assert "形近字" in r.loc[(r["left_row"] == 0), "explanation_zh"].iloc[0]


def test_id_with_broken_checksum_compared_digit_by_digit() -> None:
    from stdnum.cn import ric

    body = "36080219850703123"
    valid = body + ric.calc_check_digit(body + "0")
    typo = body[:15] + str((int(body[15]) + 3) % 10) + body[16] + valid[17]
    assert ric.calc_check_digit(typo) != typo[17]
    other_body = "36080219870703123"  # another birth date: not a typo of this number
    other = other_body[:15] + "9" + other_body[16] + "0"
    reg = pd.DataFrame({"name": ["陈志强"], "id_number": [valid]})
    fam = pd.DataFrame({"name": ["陈志强", "陈志强"], "id_number": [typo, other]})
    r = collide(fam, reg)
    got = {int(a): t for a, t in r[["left_row", "tier"]].itertuples(index=False)}
    assert got[0] == "probable"
    assert "仅一位顺序码不同" in r.loc[r["left_row"] == 0, "explanation_zh"].iloc[0]
    assert 1 not in got or got[1] == "possible"


def _valid_id(body: str) -> str:
    return body + ric.calc_check_digit(body + "0")


def test_broken_id_far_from_the_valid_one_counts_against() -> None:
    valid = _valid_id("36080219711217183")
    far = "650102197112171831"  # another region and sequence: more than a typo of ``valid``
    swap = valid[:14] + valid[15] + valid[14] + valid[16:]  # two sequence digits swapped: a typing slip
    assert ric.calc_check_digit(far[:17]) != far[17] and ric.calc_check_digit(swap[:17]) != swap[17]
    reg = pd.DataFrame({"name": ["朱福文"], "id_number": [valid], "birth_date": ["1971-12-17"]})
    fam = pd.DataFrame({"name": ["朱福文", "朱福文"], "id_number": [far, swap], "birth_date": ["1971-12-17"] * 2})
    r = collide(fam, reg)
    got = {int(a): t for a, t in r[["left_row", "tier"]].itertuples(index=False)}
    assert 0 not in got  # name and birth date agree, the number is another person's: below possible
    assert got[1] == "probable"  # near miss: two differing digits are no evidence either way
    assert "三位以上不同" not in r.loc[r["left_row"] == 1, "explanation_zh"].iloc[0]


def test_birth_date_alone_decides_only_between_different_persons_when_one_ranks_higher() -> None:
    reg = pd.DataFrame({
        "name": ["刘欣", "刘欣", "李小", "李晓", "王学", "王雪", "赵丽", "赵丽"],
        "id_number": [_valid_id("36082119820512943"), _valid_id("36088119820512555"),
                      _valid_id("36080319980929306"), _valid_id("36082219980929352"), "", "", "", ""],
        "birth_date": ["1982-05-12", "1982-05-12", "1998-09-29", "1998-09-29", "1968-02-07", "1968-02-11",
                       "1990-01-01", "1990-01-01"],
    })
    fam = pd.DataFrame({"name": ["刘欣", "李小", "王学", "赵丽"],
                        "birth_date": ["1982-05-12", "1998-09-29", "1968.02", "1990-01-01"]})
    got = {(int(a), int(b)): t for a, b, t in collide(fam, reg)[["left_row", "right_row", "tier"]]
           .itertuples(index=False)}
    assert got[(0, 0)] == got[(0, 1)] == "possible"  # two persons (two valid IDs) share name and birth date
    assert got[(1, 2)] == "probable" and got[(1, 3)] == "possible"  # the name written the same outranks 李晓
    assert got[(2, 4)] == "probable" and got[(2, 5)] == "possible"  # month: 王学 outranks the homophone 王雪
    # near miss: two ID-less registry rows with one name and date may be one person written twice; both stay
    assert got[(3, 6)] == got[(3, 7)] == "probable"


def test_former_name_note_is_an_alias() -> None:
    reg = pd.DataFrame({"name": ["刘桂香", "刘桂兰"], "birth_date": ["1949-12-31", "1960-01-01"]})
    fam = pd.DataFrame({"name": ["刘桂兰（曾用名：刘桂香）"], "birth_date": ["1949-12-31"]})
    r = collide(fam, reg)
    got = {int(b): t for b, t in r[["right_row", "tier"]].itertuples(index=False)}
    assert got[0] == "probable"
    assert 1 not in got or got[1] == "possible"  # the current name, another birth date
    assert "曾用名" in r.loc[r["right_row"] == 0, "explanation_zh"].iloc[0]


def test_latin_names_word_by_word_and_other_ids() -> None:
    reg = pd.DataFrame({"name": ["John Smith", "Maria Gonzalez", "Chan Tai Man", "John Smith"],
                        "birth_date": ["1970-03-04", "1985-11-02", "1962-07-08", "1990-01-01"],
                        "other_id": ["E12345678", "", "H0123456(7)", "E99999999"]})
    fam = pd.DataFrame({"name": ["SMITH, Jon", "maria gonzales", "Tai Man Chan", "John Smith"],
                        "birth_date": ["19700304", "1985-11-02", "", ""],
                        "other_id": ["", "", "H012345６(7)", "E99999998"]})
    r = collide(fam, reg)
    got = {(int(a), int(b)): t for a, b, t in r[["left_row", "right_row", "tier"]].itertuples(index=False)}
    assert got[(0, 0)] == "probable"  # order, case and a typo in one word
    assert got[(1, 1)] == "probable"
    assert got[(2, 2)] == "probable"  # the permit number, written in full-width digits
    assert got[(3, 3)] == "probable"  # one edit in the other ID
    assert got.get((3, 0)) in (None, "possible")  # a namesake with nothing else in common
    expl = r.loc[(r["left_row"] == 3) & (r["right_row"] == 3), "explanation_zh"].iloc[0]
    assert "其他证件号仅一处录入差异" in expl
    only_id = collide(pd.DataFrame({"name": ["J. Smythe"], "other_id": ["E12345678"], "birth_date": ["1970-03-04"]}),
                      reg)
    assert only_id.loc[0, "tier"] == "probable"  # the same passport and birth date, whatever the name says
