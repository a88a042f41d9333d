"""The vectorised paths (Arrow name keys, integer codes, joint preparation, grouped explanations) must give
exactly what the scalar reference functions and the separately prepared frames give."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import ric

from guanlian.matching.features import (
    CODE_COLUMNS,
    FEATURE_COLUMNS,
    _arrow_col,
    _parse_birth,
    _parse_birth_slow,
    joint_codes,
    map_codes,
    prepare_pair,
    prepare_records,
)
from guanlian.matching.matcher import MatchConfig, candidate_pairs, collide, score_pairs
from guanlian.matching.normalize import company_trade_name, normalize_person_name, person_name_key
from guanlian.matching.pinyin import fuzzy_pinyin_key, initials_key, pinyin_key, split_name
from guanlian.matching.synth import make_labelled
from guanlian.values.ids import parse_resident_id

_CHARS = list("王李张刘陈欧阳司马尉迟单曾解查劉張陳歐陽晓小明伟芳娜秀英丽蘭桂兰乾隆豈") + ["·", ".", " ", "\u3000", "A", "b"]


def _text_equal(a: pd.Series, b: pd.Series) -> bool:
    return bool((a.to_numpy(dtype=object) == b.to_numpy(dtype=object)).all())


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet=_CHARS, min_size=0, max_size=6), min_size=1, max_size=40))
def test_name_keys_equal_scalar_functions(names: list[str]) -> None:
    f = prepare_records(pd.DataFrame({"name": names}))
    for i, n in enumerate(names):
        assert f.loc[i, "name_norm"] == normalize_person_name(n), n
        assert f.loc[i, "name_key"] == person_name_key(n), n
        assert f.loc[i, "py_key"] == pinyin_key(n), n
        assert f.loc[i, "py_fuzzy"] == fuzzy_pinyin_key(n), n
        assert f.loc[i, "init_key"] == initials_key(n), n
        key = person_name_key(n)
        sur, giv = split_name(key)
        assert f.loc[i, "surname"] == sur, n
        assert f.loc[i, "sorted_key"] == sur + "".join(sorted(giv)), n
        assert int(f.loc[i, "name_len"]) == len(key), n


def _id(body17: str) -> str:
    return body17 + ric.calc_check_digit(body17 + "0")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["360802", "110105", "652801"]), st.integers(1870, 2030),
                          st.integers(0, 13), st.integers(0, 32), st.integers(0, 999), st.booleans()),
                min_size=1, max_size=30))
def test_plain_ids_equal_parse_resident_id(rows: list[tuple[str, int, int, int, int, bool]]) -> None:
    ids = []
    for region, y, m, d, seq, good in rows:
        body = f"{region}{y:04d}{m:02d}{d:02d}{seq:03d}"
        full = _id(body)
        ids.append(full if good else body + ("0" if full[-1] != "0" else "1"))
    f = prepare_records(pd.DataFrame({"id_number": ids}))
    for i, raw in enumerate(ids):
        r = parse_resident_id(raw)
        assert r is not None
        assert f.loc[i, "id_status"] == r.status, raw
        assert f.loc[i, "id_number"] == (r.number or ""), raw
        assert (int(f.loc[i, "c_id"]) >= 0) == (r.status == "valid"), raw
        if r.birth_date:
            assert (int(f.loc[i, "by"]), int(f.loc[i, "bm"]), int(f.loc[i, "bd"])) == (
                r.birth_date.year, r.birth_date.month, r.birth_date.day)


def test_fullwidth_and_spaced_ids_parse_like_the_reference() -> None:
    ids = ["１１０１０５１９４９１２３１００２Ｘ", "1101-0519-4912-3100-2x", "3608021980050600１2", "3624**********1234"]
    f = prepare_records(pd.DataFrame({"id_number": ids}))
    for i, raw in enumerate(ids):
        r = parse_resident_id(raw)
        assert r is not None
        assert (f.loc[i, "id_status"], f.loc[i, "id_number"]) == (r.status, r.number or "")
    assert f.loc[0, "id_number"] == "11010519491231002X"
    assert int(f.loc[0, "c_id"]) == int(f.loc[1, "c_id"])  # same number written two ways, one code
    assert int(f.loc[2, "c_id"]) == -1 and int(f.loc[3, "c_id"]) == -1  # bad checksum, masked: no code


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(
    st.builds(lambda y, m, d: f"{y:04d}-{m:02d}-{d:02d}", st.integers(1800, 2200), st.integers(0, 14),
              st.integers(0, 33)),
    st.text(alphabet=list("0123456789-./年月日 １"), max_size=12)), min_size=1, max_size=30))
def test_birth_fast_path_equals_reference(values: list[str]) -> None:
    fast = _parse_birth(_arrow_col(pd.DataFrame({"b": values}), "b"))
    slow = _parse_birth_slow(pd.Series(values, dtype=object))
    for k in ("m", "d", "y"):
        ref = slow[k].copy()
        if k == "m":
            ref[(ref < 0) | (ref > 12)] = 0
        if k == "d":
            ref[(slow["m"] < 0) | (slow["m"] > 12) | (ref > 31) | (ref < 0)] = 0
        if k == "y":
            ref[(ref < 1880) | (ref > 2100)] = 0
        assert fast[k].tolist() == ref.tolist(), values


def test_prepare_pair_equals_prepare_records_and_shares_codes() -> None:
    right, left = make_labelled(400, 120, seed=7)
    lf, rf = prepare_pair(left, right)
    lone_l, lone_r = prepare_records(left), prepare_records(right)
    assert list(lf.columns) == list(FEATURE_COLUMNS)
    for c in FEATURE_COLUMNS:
        if c.startswith("c_") and c != "c_id":
            continue  # codes differ between codings by design; compared below
        assert _text_equal(lf[c], lone_l[c]) and _text_equal(rf[c], lone_r[c]), c
    for code_col, text_col in CODE_COLUMNS.items():
        cl, cr = lf[code_col].to_numpy(), rf[code_col].to_numpy()
        tl, tr = lf[text_col].to_numpy(dtype=object), rf[text_col].to_numpy(dtype=object)
        same_code = cl[:, None] == cr[None, :]
        same_text = (tl[:, None] == tr[None, :]) & (tl[:, None] != "")
        assert (same_code & (cl[:, None] >= 0) == same_text).all(), code_col
        assert ((cl == -1) == (tl == "")).all(), code_col


def test_joint_codes_recode_frames_prepared_apart() -> None:
    a = prepare_records(pd.DataFrame({"name": ["李四", "张三", ""], "phone": ["13800138000", "", "13900139000"]}))
    b = prepare_records(pd.DataFrame({"name": ["张三", "王五"], "phone": ["+86 139 0013 9000", "13800138000"]}))
    # Apart, the codes collide by accident (both start at 0) ...
    assert int(a.loc[0, "c_name"]) == int(b.loc[0, "c_name"])
    cl, cr = joint_codes(a, b, "c_name")
    assert cl[1] == cr[0] and cl[0] != cr[0] and cl[0] != cr[1] and cl[2] == -1
    pl, pr = joint_codes(a, b, "c_phone")
    assert pl[0] == pr[1] and pl[0] != pr[0] and pl[1] == -1


@pytest.mark.parametrize("self_join", [False, True])
def test_pairs_and_scores_same_for_joint_and_separate_preparation(self_join: bool) -> None:
    right, left = make_labelled(1500, 400, seed=11)
    cfg = MatchConfig()
    if self_join:
        both = pd.concat([left, right], ignore_index=True)
        f = prepare_records(both)
        li, ri, _ = candidate_pairs(f, f, cfg, self_join=True)
        assert len(li) and (li < ri).all()
        return
    lf, rf = prepare_pair(left, right)
    sl, sr = prepare_records(left), prepare_records(right)
    li, ri, ref = candidate_pairs(lf, rf, cfg)
    li2, ri2, ref2 = candidate_pairs(sl, sr, cfg)
    assert np.array_equal(li, li2) and np.array_equal(ri, ri2) and ref == ref2
    a = score_pairs(lf, rf, li, ri, cfg)
    b = score_pairs(sl, sr, li2, ri2, cfg)
    assert np.array_equal(a.score, b.score) and (a.tier == b.tier).all()
    assert set(a.tier) >= {"certain", "probable", "possible"}


def test_grouped_explanations_equal_per_pair_text() -> None:
    right, left = make_labelled(800, 200, seed=3)
    lf, rf = prepare_pair(left, right)
    li, ri, _ = candidate_pairs(lf, rf)
    s = score_pairs(lf, rf, li, ri)
    keep = s.tier != ""
    zh, en = s.explanations(keep)
    sel = np.flatnonzero(keep)
    assert len(zh) == len(sel) > 50
    for n, i in enumerate(sel):
        assert (zh[n], en[n]) == s._explain(int(i))
    assert len(set(zh)) > 5  # different level combinations give different texts
    assert all(f"得分 {s.score[i]:g}" in zh[n] for n, i in enumerate(sel))


def test_map_codes_trade_names() -> None:
    a, b = prepare_pair(pd.DataFrame({"employer": ["吉安华信科技有限公司", "南昌天宇贸易有限公司", ""]}),
                        pd.DataFrame({"employer": ["华信建筑工程（吉安）有限责任公司", "天雨商贸有限公司", ""]}))
    cl, cr = joint_codes(a, b, "c_employer")
    tl, tr = map_codes(a, b, cl, cr, "employer", company_trade_name)
    assert tl[0] == tr[0] >= 0  # 华信 = 华信
    assert tl[1] != tr[1]  # 天宇 vs 天雨: near miss
    assert tl[2] == tr[2] == -1


def test_masked_visible_id_pairs_only_with_a_masked_side() -> None:
    a = _id("36080219800506001")
    # Another valid number with the same first 4 and last 4 characters (different region and date).
    b = next(x for x in (_id(f"3608{r:02d}1975{m:02d}15001") for r in range(1, 99) for m in range(1, 13))
             if x[-4:] == a[-4:] and x != a)
    left = pd.DataFrame({"name": ["王晓明", "李秀英"], "id_number": [a[:4] + "*" * 10 + a[-4:], b]})
    right = pd.DataFrame({"name": ["赵钱", "孙李"], "id_number": [a, ""]})
    lf, rf = prepare_pair(left, right)
    li, ri, _ = candidate_pairs(lf, rf, MatchConfig(blocking_rules=("id_visible",)))
    assert list(zip(li.tolist(), ri.tolist(), strict=True)) == [(0, 0)]  # masked left, visible parts equal
    # the near miss: b and a show the same first 4 + last 4 but neither is masked, so no pair (1, 0)
    li, ri, _ = candidate_pairs(lf, rf, MatchConfig(blocking_rules=("id",)))
    assert len(li) == 0


def test_collide_identical_for_jointly_and_separately_prepared_labelled_set() -> None:
    right, left = make_labelled(1000, 250, seed=2)
    # names with a former-name note are expanded by match_records, which the raw path below does not do
    left = left[left["variant"] != "former_name"].reset_index(drop=True).drop(columns="row")
    right = right.drop(columns="row")
    out = collide(left, right)
    assert {"certain", "probable"} <= set(out["tier"])
    lf, rf = prepare_records(left), prepare_records(right)
    li, ri, _ = candidate_pairs(lf, rf)
    s = score_pairs(lf, rf, li, ri)
    keep = s.tier != ""
    assert len(out) == int(keep.sum())
    assert sorted(zip(out["left_row"], out["right_row"], strict=True)) == sorted(
        zip(left.index[li[keep]], right.index[ri[keep]], strict=True))


def test_address_and_employer_levels_from_distinct_values() -> None:
    left = pd.DataFrame({"name": ["王晓明", "王晓明", "王晓明", "王晓明"],
                         "address": ["江西省吉安市 吉州區 人民路１２號", "人民路12号", "", "江西省吉安市吉州区人民路12号"],
                         "employer": ["吉安华信科技有限公司", "华信建筑工程（吉安）有限责任公司", "南昌天宇贸易有限公司", ""]})
    right = pd.DataFrame({"name": ["王晓明"], "address": ["江西省吉安市吉州区人民路12号"],
                          "employer": ["吉安华信科技有限公司"]})
    lf, rf = prepare_pair(left, right)
    li, ri, _ = candidate_pairs(lf, rf)
    s = score_pairs(lf, rf, li, ri)
    addr = next(c for c in s.comparisons if c.name == "Address")
    emp = next(c for c in s.comparisons if c.name == "Employer")
    got_a = [addr.levels[k].name for k in s.levels["Address"]]
    got_e = [emp.levels[k].name for k in s.levels["Employer"]]
    assert got_a == ["same", "different", "missing", "same"]  # 人民路12号 alone: a near miss
    assert got_e == ["same", "same_trade_name", "different", "missing"]
    # one side entirely blank: nothing to compare
    lf2, rf2 = prepare_pair(left.drop(columns=["address", "employer"]), right)
    s2 = score_pairs(lf2, rf2, *candidate_pairs(lf2, rf2)[:2])
    assert set(s2.levels["Address"].tolist()) == {addr.level("missing")}
    assert set(s2.levels["Employer"].tolist()) == {emp.level("missing")}


@pytest.mark.parametrize("max_block_pairs", [2, 3, 5, 200_000])
def test_nested_pinyin_blocks_give_the_union_of_both_rules(max_block_pairs: int) -> None:
    right, left = make_labelled(3000, 600, seed=6)  # a seed whose refined blocks show the case below
    lf, rf = prepare_pair(left, right)

    def pairs(*rules: str) -> set[tuple[int, int]]:
        li, ri, _ = candidate_pairs(lf, rf, MatchConfig(blocking_rules=rules, max_block_pairs=max_block_pairs))
        return set(zip(li.tolist(), ri.tolist(), strict=True))

    both = pairs("name_pinyin", "name_pinyin_fuzzy")
    assert both == pairs("name_pinyin") | pairs("name_pinyin_fuzzy")
    assert both == pairs("name_pinyin_fuzzy", "name_pinyin")  # order of the rules does not matter
    _, _, refined = candidate_pairs(lf, rf, MatchConfig(blocking_rules=("name_pinyin", "name_pinyin_fuzzy"),
                                                        max_block_pairs=max_block_pairs))
    _, _, r1 = candidate_pairs(lf, rf, MatchConfig(blocking_rules=("name_pinyin",), max_block_pairs=max_block_pairs))
    _, _, r2 = candidate_pairs(lf, rf, MatchConfig(blocking_rules=("name_pinyin_fuzzy",),
                                                   max_block_pairs=max_block_pairs))
    assert refined == r1 + r2
    if max_block_pairs <= 3:  # refined fuzzy blocks: some pinyin pairs come from the pinyin rule alone
        assert r2 > 0 and len(pairs("name_pinyin") - pairs("name_pinyin_fuzzy")) > 0


def test_lone_surrogates_are_dropped_like_the_normalisers_do() -> None:
    names = ["王\ud800晓明", "王晓明"]
    f = prepare_records(pd.DataFrame({"name": names}, dtype=object))
    assert [f.loc[i, "name_norm"] for i in range(2)] == [normalize_person_name(n) for n in names] == ["王晓明"] * 2
    out = collide(pd.DataFrame({"name": ["王\udfff晓明"], "birth_date": ["1980-05-06"]}, dtype=object),
                  pd.DataFrame({"name": ["王晓明"], "birth_date": ["1980-05-06"]}))
    assert out.loc[0, "tier"] == "probable"


def test_linkable_only_keeps_every_linked_pair_and_its_levels() -> None:
    right, left = make_labelled(2000, 500, seed=13)
    lf, rf = prepare_pair(left, right)
    li, ri, _ = candidate_pairs(lf, rf)
    full = score_pairs(lf, rf, li, ri)
    fast = score_pairs(lf, rf, li, ri, linkable_only=True)
    assert fast.candidates == full.candidates == len(li)
    assert fast.conflicting_ids == full.conflicting_ids > 0
    assert len(fast.li) < len(full.li)  # namesakes with other IDs were left out ...
    code_full = li * len(rf) + ri
    pos = np.searchsorted(code_full, fast.li * len(rf) + fast.ri)
    assert np.array_equal(code_full[pos], fast.li * len(rf) + fast.ri)
    dropped = np.ones(len(li), dtype=bool)
    dropped[pos] = False
    assert (full.tier[dropped] == "").all()  # ... and none of them was linked
    assert (fast.tier == full.tier[pos]).all() and np.array_equal(fast.score, full.score[pos])
    for name, lv in fast.levels.items():
        assert np.array_equal(lv, full.levels[name][pos]), name
    assert fast.explanations(fast.tier != "") == full.explanations(full.tier != "")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(
    st.builds(lambda x: f"1{x:010d}", st.integers(0, 10**10 - 1)),
    st.text(alphabet=list("0123456789+- ()转x１٣"), max_size=24)), min_size=1, max_size=30))
def test_phone_codes_equal_iff_normalised_phones_equal(values: list[str]) -> None:
    from guanlian.matching.normalize import normalize_phone

    f = prepare_records(pd.DataFrame({"phone": values}, dtype=object))
    norm = [normalize_phone(v) for v in values]
    codes = f["c_phone"].to_numpy()
    assert f["phone"].tolist() == norm
    for i in range(len(values)):
        assert (codes[i] == -1) == (norm[i] == ""), values[i]
        for j in range(len(values)):
            if norm[i]:
                assert (codes[i] == codes[j]) == (norm[i] == norm[j]), (values[i], values[j])
