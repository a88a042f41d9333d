"""A big table is blocked and scored in ranges of left rows (``matcher.MATCH_BATCH_ROWS``): same result as in one
piece, down to the order of the pairs, their levels, tiers (the birth-date rivalry looks across ranges),
capped-block notes and explanations."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd
import pytest

from guanlian.matching import matcher
from guanlian.matching.features import prepare_records
from guanlian.matching.matcher import MatchConfig, Scored, linked_of, match_records
from guanlian.matching.synth import make_labelled


def _table() -> pd.DataFrame:
    right, left = make_labelled(1200, 300, seed=6)
    cols = ["name", "id_number", "birth_date", "phone"]
    both = pd.concat([right.reindex(columns=cols), left.reindex(columns=cols)], ignore_index=True)
    # three namesakes sharing a birth month and nothing else, spread over the table: each pair is probable on
    # the month alone and has rivals, so all are demoted to possible (the rivals are in other ranges)
    rivals = pd.DataFrame({"name": ["欧阳建华"] * 3, "birth_date": ["1971-04"] * 3})
    # a former name (matched as a record of its own, then folded back)
    alias = pd.DataFrame({"name": ["刘桂兰（曾用名：刘桂香）", "刘桂香"], "birth_date": ["1949-12-31"] * 2})
    parts = [both.iloc[:400], rivals.iloc[:1], both.iloc[400:900], rivals.iloc[1:2], alias.iloc[:1],
             both.iloc[900:], rivals.iloc[2:], alias.iloc[1:]]
    return pd.concat(parts, ignore_index=True).astype(object).where(lambda d: d.notna(), None)


def _same(a: Scored, b: Scored) -> None:
    for name in ("li", "ri", "score", "tier", "birth_only", "exact_name", "capped"):
        x, y = getattr(a, name), getattr(b, name)
        assert (x is None) == (y is None), name
        if x is not None:
            assert np.array_equal(x, y), name
    assert a.levels.keys() == b.levels.keys()
    for name in a.levels:
        assert np.array_equal(a.levels[name], b.levels[name]), name
    assert (a.candidates, a.conflicting_ids) == (b.candidates, b.conflicting_ids)
    assert a.explanations() == b.explanations()


@pytest.mark.parametrize("linkable_only", [True, False])
@pytest.mark.parametrize("max_block_pairs", [3, 200_000])
def test_ranges_give_the_pairs_of_one_piece(monkeypatch: pytest.MonkeyPatch, linkable_only: bool,
                                            max_block_pairs: int) -> None:
    table = _table()
    cfg = MatchConfig(max_block_pairs=max_block_pairs)
    whole, _, _, refined = match_records(table, None, cfg, linkable_only=linkable_only)
    monkeypatch.setattr(matcher, "MATCH_BATCH_ROWS", 97)
    ranged, _, _, refined_r = match_records(table, None, cfg, linkable_only=linkable_only)
    _same(whole, ranged)
    assert refined == refined_r
    if max_block_pairs == 3:
        assert refined > 0 and whole.capped is not None and whole.capped.any()
    pos = {i for i, n in enumerate(table["name"]) if n == "欧阳建华"}
    demoted = [t for i, j, t, b in zip(whole.li, whole.ri, whole.tier, whole.birth_only, strict=True)
               if i in pos and j in pos and b]
    assert demoted == ["possible"] * 3


def test_ranges_with_two_tables_and_only_flags(monkeypatch: pytest.MonkeyPatch) -> None:
    right, left = make_labelled(900, 400, seed=13)
    whole, _, _, _ = match_records(left, right, MatchConfig(), linkable_only=True)
    table = _table()
    only = np.zeros(len(table), dtype=bool)
    only[::7] = True
    whole_only, _, _, _ = match_records(table, None, MatchConfig(), linkable_only=True, only=only)
    monkeypatch.setattr(matcher, "MATCH_BATCH_ROWS", 61)
    _same(whole, match_records(left, right, MatchConfig(), linkable_only=True)[0])
    _same(whole_only, match_records(table, None, MatchConfig(), linkable_only=True, only=only)[0])
    assert len(whole_only.li) < len(match_records(table, None, MatchConfig(), linkable_only=True)[0].li)


@pytest.mark.parametrize("with_core", [False, True])
@pytest.mark.parametrize("batch", [0, 61])
def test_side_leaves_out_only_registry_possible_pairs(monkeypatch: pytest.MonkeyPatch, batch: int,
                                                      with_core: bool) -> None:
    """``side`` (and ``core``): the possible pairs with no flagged end (no ``core`` end) and no birth-date
    rivalry, no multi-record row, are left out and counted (apart: with a ``side`` end or without); every other
    pair is the one a match without ``side`` gives, explanation included."""
    table = _table()
    # a row with a former name and namesakes of both its names, none flagged: its pairs stay (folded over all)
    more = pd.DataFrame({"name": ["王建国（曾用名：王建军）", "王建国", "王建军", "汪建国"],
                         "birth_date": [None, "1960-01-02", None, None]})
    # namesakes with nothing else: possible pairs, most with no flagged end (the registry's bulk)
    names = ["张伟", "李娜", "王芳", "刘洋", "陈静", "杨勇", "赵磊", "黄敏"]
    crowd = pd.DataFrame({"name": [names[i % len(names)] for i in range(96)]})
    table = pd.concat([table.iloc[:700], crowd, table.iloc[700:], more],
                      ignore_index=True).astype(object).where(lambda d: d.notna(), None)
    side = np.zeros(len(table), dtype=bool)
    side[::5] = True
    side[len(table) - 4:] = False
    core = side.copy()
    if with_core:
        core[::10] = False  # every other flagged row is a payee, not a declared person
    cfg = MatchConfig()
    whole = linked_of(match_records(table, None, cfg, linkable_only=True)[0], 0)
    if batch:
        monkeypatch.setattr(matcher, "MATCH_BATCH_ROWS", batch)
    got = linked_of(match_records(table, None, cfg, linkable_only=True, side=side,
                                  core=core if with_core else None)[0], 0)
    assert whole.birth_only is not None and got.birth_only is not None
    multi = np.zeros(len(table), dtype=bool)
    multi[[i for i, n in enumerate(table["name"]) if "曾用名" in str(n)]] = True
    out = (~core[whole.li] & ~core[whole.ri] & (whole.tier == "possible") & ~whole.birth_only
           & ~multi[whole.li] & ~multi[whole.ri])
    assert out.sum() > 100 and (~out).sum() > 50, "the set must have pairs of both kinds"
    registry = out & ~side[whole.li] & ~side[whole.ri]
    assert (got.dropped, got.dropped_budget) == (int(registry.sum()), int((out & ~registry).sum()))
    assert (got.dropped_budget > 10) == with_core
    assert whole.dropped == whole.dropped_budget == 0
    keep = ~out
    for name in ("li", "ri", "score", "tier", "birth_only"):
        assert np.array_equal(getattr(got, name), getattr(whole, name)[keep]), name
    assert got.explanation_zh == [x for x, k in zip(whole.explanation_zh, keep, strict=True) if k]
    assert got.explanation_en == [x for x, k in zip(whole.explanation_en, keep, strict=True) if k]
    last = len(table) - 4  # the former-name row: its possible pairs with unflagged namesakes are kept
    assert any(last in (i, j) and t == "possible" and not side[i] and not side[j]
               for i, j, t in zip(got.li, got.ri, got.tier, strict=True))


def _crowd_of_namesakes() -> tuple[pd.DataFrame, npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """40 registry 王祥 with birth dates, 10 without (company officers known by name only), a declared
    relative 王祥 born 1998 and a payee 王祥 born 1970 (flagged ``side`` but not ``core``), spread over the
    table; and 李娜 twice (a small block, never capped)."""
    born = [f"{1950 + i}-03-0{1 + i % 9}" for i in range(40)]
    names = ["王祥"] * 52 + ["李娜", "李娜"]
    dates: list[str | None] = [*born[:20], None, None, None, None, None, "1998-06-06", *born[20:], None, None,
                               None, None, None, "1970-01-01", "1960-02-02", "1960-02-02"]
    table = pd.DataFrame({"name": names, "birth_date": dates}).astype(object)
    side = np.zeros(len(table), dtype=bool)
    side[[25, 51]] = True  # the relative and the payee
    core = side.copy()
    core[51] = False
    return table, side, core


@pytest.mark.parametrize("batch", [0, 9])
def test_declared_rows_meet_namesakes_without_birth_year_in_a_capped_block(monkeypatch: pytest.MonkeyPatch,
                                                                         batch: int) -> None:
    """At 10M rows a relative named 王祥 was never compared with the company officer 王祥 (no birth date) among
    737 namesakes: the capped block was split by birth year and rows without one fell out. A declared row is
    now still compared with those rows; nobody else is."""
    table, side, core = _crowd_of_namesakes()
    no_year = {i for i, d in enumerate(table["birth_date"]) if pd.isna(d)}
    assert len(no_year) == 10
    cfg = MatchConfig(max_block_pairs=50)
    if batch:
        monkeypatch.setattr(matcher, "MATCH_BATCH_ROWS", batch)
    scored, _, _, refined = match_records(table, None, cfg, linkable_only=True, side=side, core=core)
    got = linked_of(scored, refined)
    assert refined > 0
    pairs = set(zip(got.li.tolist(), got.ri.tolist(), strict=True))
    relative = {tuple(sorted((25, j))) for j in no_year}
    assert relative <= pairs
    tier = dict(zip(zip(got.li.tolist(), got.ri.tolist(), strict=True), got.tier.tolist(), strict=True))
    assert {tier[p] for p in relative} == {"possible"}  # a name and nothing else
    by = dict(zip(zip(got.li.tolist(), got.ri.tolist(), strict=True), got.explanation_en, strict=True))
    assert "records with no birth year only with officials and relatives" in by[(20, 25)]
    zh = dict(zip(zip(got.li.tolist(), got.ri.tolist(), strict=True), got.explanation_zh, strict=True))
    assert "出生年份不详的记录只与公职人员及亲属比较" in zh[(20, 25)]
    # near misses: the payee (flagged, not declared) and registry rows with a birth year never meet them
    assert not any((min(51, j), max(51, j)) in pairs for j in no_year)
    assert not any(a in no_year or b in no_year for a, b in pairs - relative)
    assert "capped" not in by[(52, 53)]  # the small block is not capped


def test_without_declared_rows_or_over_the_cap_the_block_stays_split() -> None:
    table, side, core = _crowd_of_namesakes()
    no_year = {i for i, d in enumerate(table["birth_date"]) if pd.isna(d)}
    assert len(no_year) == 10
    plain = linked_of(*[match_records(table, None, MatchConfig(max_block_pairs=50), linkable_only=True)[k]
                        for k in (0, 3)])
    assert not any(a in no_year or b in no_year for a, b in zip(plain.li, plain.ri, strict=True))
    assert not any("only with officials" in e for e in plain.explanation_en)
    assert any("records with another or no birth year were not compared" in e for e in plain.explanation_en)
    # 1 declared × 10 without a birth year, counted both ways (20), is over a cap of 15: the block keeps none
    over = linked_of(*[match_records(table, None, MatchConfig(max_block_pairs=15), linkable_only=True, side=side,
                                     core=core)[k] for k in (0, 3)])
    assert over.refined_keys > 0
    assert not any(a in no_year or b in no_year for a, b in zip(over.li, over.ri, strict=True))


def _crowd_with_homophones() -> tuple[pd.DataFrame, npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """The 王祥 crowd of :func:`_crowd_of_namesakes` plus, in the same pinyin blocks (*wang xiang*), 30 王香
    without a birth date, 5 with one and a declared relative 王香 born 1990 (row 89). At 10M rows the pinyin
    block *wang xiang* held 737 王祥 and 513 王香: all its declared × undated pairs were over the cap."""
    table, side, core = _crowd_of_namesakes()
    more = pd.DataFrame({"name": ["王香"] * 36,
                         "birth_date": [None] * 30 + [f"{1960 + i}-05-05" for i in range(5)] + ["1990-09-09"]})
    table = pd.concat([table, more.astype(object)], ignore_index=True)
    side = np.concatenate([side, np.zeros(36, dtype=bool)])
    core = np.concatenate([core, np.zeros(36, dtype=bool)])
    side[89] = core[89] = True
    return table, side, core


@pytest.mark.parametrize("batch", [0, 9])
def test_a_block_over_the_cap_pairs_declared_rows_by_name(monkeypatch: pytest.MonkeyPatch, batch: int) -> None:
    """Block *wang xiang*: 2 declared × 40 undated, counted both ways (160), is over the cap of 120, so the
    declared rows meet only the undated rows of their own name: 王祥 has 10 (20 pairs: kept), 王香 30
    (60 pairs: kept too, under 120). With a cap of 50 王香's 60 are over it and that name gets none."""
    table, side, core = _crowd_with_homophones()
    undated = (prepare_records(table)["by"] <= 0).to_numpy()
    names = table["name"].to_numpy()
    assert undated.sum() == 40
    if batch:
        monkeypatch.setattr(matcher, "MATCH_BATCH_ROWS", batch)

    def pairs_of(cap: int) -> set[tuple[int, int]]:
        scored, _, _, refined = match_records(table, None, MatchConfig(max_block_pairs=cap), linkable_only=False,
                                              side=side, core=core)
        assert refined > 0
        return set(zip(scored.li.tolist(), scored.ri.tolist(), strict=True))

    def met(pairs: set[tuple[int, int]], row: int) -> set[int]:
        return {b if a == row else a for a, b in pairs if row in (a, b) and undated[b if a == row else a]}

    wide = pairs_of(120)
    assert met(wide, 25) == {i for i in range(len(table)) if undated[i] and names[i] == "王祥"}
    assert met(wide, 89) == {i for i in range(len(table)) if undated[i] and names[i] == "王香"}
    narrow = pairs_of(50)
    assert met(narrow, 25) == met(wide, 25)  # 王祥's 20 pairs fit
    assert met(narrow, 89) == set()  # 王香's 60 do not
    # near misses: the payee (flagged, not declared) and undated homophones never meet them
    assert not met(wide, 51)
    assert all(names[i] == "王祥" for i in met(wide, 25))
