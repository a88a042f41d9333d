"""Incremental load and match (issue 18 item 5): a store that took a world, was matched, then took one more
month of payments (and later a few new persons) holds the same links and PAID totals as a store that took it
all in one load and was matched once; a match after new or changed persons scores only their pairs and stores
the links a full match of the same store stores."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from guanlian.demo import generate
from guanlian.demo.extra import extra_month
from guanlian.graph import open_store
from guanlian.graph.store import Store
from guanlian.loaders import load_files
from guanlian.matching import company_store, match_cache
from guanlian.matching.companies import prepare_companies
from guanlian.matching.match_cache import LINKS_FILE, PERSONS_FILE
from guanlian.matching.matcher import MatchConfig, MatchSummary, _read_persons, match_store


def _links(store: Store) -> list[tuple[str, str, str, float]]:
    df = store.query("MATCH (a:Person)-[e:POSSIBLY_SAME]->(b:Person) RETURN a.key AS a, b.key AS b, e.tier AS t, "
                     "e.score AS s")
    return sorted((str(a), str(b), str(t), float(s)) for a, b, t, s in df.itertuples(index=False, name=None))


def _paid(store: Store) -> list[tuple[object, ...]]:
    df = store.query("MATCH (u:Unit)-[e:PAID]->(x) RETURN u.key AS u, x.key AS x, e.payments AS n, e.total AS t, "
                     "e.first_paid AS f, e.last_paid AS l, e.channel AS c")
    return sorted(tuple(r) for r in df.astype(object).itertuples(index=False, name=None))


def _companies(store: Store) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    """The SAME_COMPANY edges (ends, tier, score, explanations, payments routed) and the routed payments."""
    links = store.query("MATCH (a:Company)-[e:SAME_COMPANY]->(b:Company) RETURN a.key, b.key, e.tier, e.score, "
                        "e.explanation_zh, e.explanation_en, e.payments_routed")
    routed = store.query("MATCH (u:Unit)-[p:PAYMENT]->(c:Company) WHERE p.routed_from IS NOT NULL "
                         "RETURN p.key, c.key, p.routed_from, p.route")
    return (sorted(tuple(r) for r in links.astype(object).itertuples(index=False, name=None)),
            sorted(tuple(r) for r in routed.astype(object).itertuples(index=False, name=None)))


def _full_links(store: Store, cfg: MatchConfig | None = None) -> tuple[list[tuple[str, str, str, float]], MatchSummary]:
    """The links and summary of a full match of ``store`` (its match cache removed first)."""
    for name in (LINKS_FILE, PERSONS_FILE):
        (store.sidecar / name).unlink(missing_ok=True)
    summary = match_store(store, cfg)
    assert summary.mode == "full"
    return _links(store), summary


def _counts(s: MatchSummary) -> tuple[int, ...]:
    return (s.candidate_pairs, s.conflicting_ids, s.refined_keys, s.budget_skipped, s.registry_pairs_skipped,
            s.certain, s.probable, s.possible)


def test_month_then_persons_match_incrementally_like_one_full_run(tmp_path: Path) -> None:
    world = generate(tmp_path / "world", size="tiny", seed=7)
    base = [p for p, _ in world.files]
    month = extra_month(tmp_path / "extra", "tiny", 7, share=0.05)

    with open_store(tmp_path / "all") as whole:
        assert load_files(whole, [*base, month]).ok
        full = match_store(whole)
        assert full.mode == "full"
        want_links, want_paid, want_companies = _links(whole), _paid(whole), _companies(whole)
        # a new official named like a person a unit paid, serving in that unit: a link the budget keeps
        payee = whole.query("MATCH (u:Unit)-[:PAYMENT]->(p:Person) WHERE p.name IS NOT NULL "
                            "RETURN u.name AS unit, p.name AS name, p.key AS k ORDER BY p.key LIMIT 1").iloc[0]
        known = whole.query("MATCH (p:Person)-[:SERVES_IN]->(u:Unit) WHERE p.id_number IS NOT NULL "
                            "RETURN p.name AS name, p.id_number AS id, u.name AS unit ORDER BY p.key LIMIT 1").iloc[0]
    officials = tmp_path / "new_officials.csv"
    officials.write_text(
        "姓名,身份证号码,工作单位,手机号码\n"
        f"{payee['name']},,{payee['unit']},\n"  # namesake of a payee: linked
        f"{payee['name']}乙,,{payee['unit']},\n"  # near miss: one character more
        f"{known['name']},{known['id']},{known['unit']},13912345678\n"  # a known official with a phone: changed
        f"欧阳无双,,{payee['unit']},\n", encoding="utf-8")  # nobody like them

    with open_store(tmp_path / "inc") as inc:
        assert load_files(inc, base).ok
        assert match_store(inc).mode == "full"
        assert (inc.sidecar / LINKS_FILE).exists() and (inc.sidecar / PERSONS_FILE).exists()
        assert load_files(inc, [month]).ok
        again = match_store(inc)
        assert (again.mode, again.changed_persons) == ("incremental", 0)  # the month names known payees only
        assert _links(inc) == want_links
        assert _paid(inc) == want_paid  # PAID rebuilt for the month's pairs only
        assert _companies(inc) == want_companies  # company pairs taken from the sidecar: the companies read alike
        assert (again.candidate_pairs, again.budget_skipped) == (full.candidate_pairs, full.budget_skipped)

        # new and changed persons: only their pairs are scored, the links are those of a full match
        n_before = len(_read_persons(inc))
        assert load_files(inc, [officials]).ok
        assert len(_read_persons(inc)) == n_before + 3
        got = match_store(inc)
        assert (got.mode, got.changed_persons, got.full_reason) == ("incremental", 4, "")
        links = _links(inc)
        want, reference = _full_links(inc)
        assert links == want
        assert _counts(got) == _counts(reference)
        assert match_store(inc).changed_persons == 0
    new_links = [x for x in links if payee["k"] in (x[0], x[1]) and x not in want_links]
    assert new_links, "the new official should be linked to the namesake payee"
    assert not [x for x in links if "乙" in x[0] + x[1]], "a name one character longer is no namesake"


def test_a_birth_date_shared_with_a_rival_gives_a_full_match(tmp_path: Path) -> None:
    """A new person whose pair rests on a shared birth date alone can demote other pairs of the same person
    (ambiguous_birth): the match runs in full, says why, and stores the full match's links."""
    world = generate(tmp_path / "world", size="tiny", seed=7)
    with open_store(tmp_path / "s") as s:
        assert load_files(s, [p for p, _ in world.files]).ok
        assert match_store(s).mode == "full"
        known = s.query("MATCH (p:Person)-[:SERVES_IN]->(u:Unit) WHERE p.birth_date IS NOT NULL "
                        "RETURN p.name AS name, p.birth_date AS b, u.name AS unit ORDER BY p.key LIMIT 2")
        # the same name and birth date in another unit: probable on the birth date alone
        extra = tmp_path / "twins.csv"
        extra.write_text(f"姓名,出生日期,工作单位\n{known['name'][0]},{known['b'][0]},{known['unit'][1]}\n",
                         encoding="utf-8")
        assert load_files(s, [extra]).ok
        got = match_store(s)
        assert (got.mode, got.full_reason) == ("full", "birth")
        links = _links(s)
        want, _ = _full_links(s)
        assert links == want


def test_update_matches_a_full_match_pair_for_pair(tmp_path: Path) -> None:
    """The cache update itself: same pairs, scores, tiers, explanations and counts as blocking and scoring every
    person, with persons added, one changed and one removed (near misses among them)."""
    world = generate(tmp_path / "world", size="tiny", seed=7)
    with open_store(tmp_path / "s") as s:
        assert load_files(s, [p for p, _ in world.files]).ok
        persons = _read_persons(s).sort_values("key", kind="stable", ignore_index=True)
    cfg = MatchConfig()
    _, cache = match_cache.full(persons, cfg)
    assert cache is not None
    named = persons[persons["name"].notna()].reset_index(drop=True)
    now = persons.drop(index=[3]).copy()  # one person removed
    row = now.index[now["name"].notna()][5]
    now.loc[row, "phone"] = "13800001111"  # one changed
    added = named.iloc[[0, 1, 2]].copy()
    added["key"] = ["zz:new1", "zz:new2", "zz:new3"]
    added["id_number"] = None
    added.loc[added.index[1], "name"] = str(added.iloc[1]["name"]) + "乙"  # a near miss
    now = pd.concat([now, added]).sort_values("key", kind="stable", ignore_index=True)
    got = match_cache.update(cache, now, cfg)
    assert isinstance(got, match_cache.Update), got
    assert got.changed == 5
    want, _ = match_cache.full(now, cfg)
    for a in ("li", "ri", "score"):
        assert getattr(got.linked, a).tolist() == getattr(want, a).tolist(), a
    assert got.linked.tier.tolist() == want.tier.tolist()
    assert (got.linked.explanation_zh, got.linked.explanation_en) == (want.explanation_zh, want.explanation_en)
    assert (got.linked.candidates, got.linked.conflicting_ids, got.linked.refined_keys) == (
        want.candidates, want.conflicting_ids, want.refined_keys)
    new_rows = np.flatnonzero(now["key"].str.startswith("zz:").to_numpy())
    assert np.isin(got.linked.ri, new_rows).any(), "the added namesakes are linked"


class _Plant:
    """Unpickling this creates a file: the sign that a cache was read with pickle."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return (open, (self.path, "w"))


def test_a_stale_or_foreign_cache_is_not_reused(tmp_path: Path) -> None:
    """Near misses: another configuration, or a cache file that is not ours, gives a full match."""
    world = generate(tmp_path / "world", size="tiny", seed=7)
    with open_store(tmp_path / "s") as s:
        assert load_files(s, [p for p, _ in world.files]).ok
        first = match_store(s)
        assert (first.mode, first.full_reason) == ("full", "")  # no cache yet: nothing to explain
        assert match_store(s).mode == "incremental"
        other = match_store(s, MatchConfig(possible_threshold=5))
        assert (other.mode, other.full_reason) == ("full", "version")  # the user is told why
        links = _links(s)
        (s.sidecar / LINKS_FILE).write_bytes(b"not an arrow file")
        broken = match_store(s, MatchConfig(possible_threshold=5))
        assert (broken.mode, broken.full_reason) == ("full", "unreadable")
        assert _links(s) == links
        # a store folder handed over by someone else: a pickle planted as the cache is never unpickled
        planted = tmp_path / "planted-by-pickle"
        (s.sidecar / LINKS_FILE).write_bytes(pickle.dumps(_Plant(str(planted))))
        assert match_store(s, MatchConfig(possible_threshold=5)).mode == "full"
        assert not planted.exists() and _links(s) == links
        assert not pd.DataFrame(links).empty


def test_company_name_parts_are_reused_only_from_this_code(tmp_path: Path) -> None:
    """The company matcher keeps each name's parts beside the store and reuses them: the same features as
    computing them again; a file written by other code (or not an Arrow file) is not read."""
    world = generate(tmp_path / "world", size="tiny", seed=7)
    with open_store(tmp_path / "s") as s:
        assert load_files(s, [p for p, _ in world.files]).ok
        match_store(s)
        path = s.sidecar / company_store.NAMES_FILE
        known = company_store._known_names(path)
        comp = company_store._read_companies(s)
    assert known and set(comp["name"].dropna()) <= known.keys()
    more = pd.concat([comp, pd.DataFrame({"key": ["new"], "name": ["吉安市鑫盛建材有限公司吉安分公司"]})],
                     ignore_index=True)
    assert prepare_companies(more, known).equals(prepare_companies(more))
    table = pa.ipc.open_file(pa.BufferReader(path.read_bytes())).read_all()
    other = table.replace_schema_metadata({b"code": b"another version"})
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, other.schema) as writer:
        writer.write_table(other)
    assert company_store._known_names(path) == {}
    path.write_bytes(b"not an arrow file")
    assert company_store._known_names(path) == {}


def _pairs(store: Store) -> set[tuple[str, str]]:
    return {(a, b) for a, b, _, _ in _links(store)}


def _pay(store: Store, person: str) -> None:
    store.upsert_edges("PAYMENT", pd.DataFrame({"src": ["unit:1"], "dst": [person], "src_kind": "Unit",
                                                "dst_kind": "Person", "key": ["pay:1"], "amount": [100_00]}))


def _links_now_like_a_full_match(store: Store, cfg: MatchConfig, pair: tuple[str, str]) -> None:
    """An incremental match after one person's flags changed: one changed person, ``pair`` linked, and the
    links and counts of a full match."""
    got = match_store(store, cfg)
    assert (got.mode, got.changed_persons) == ("incremental", 1)
    links = _links(store)
    assert pair in {(a, b) for a, b, _, _ in links}
    want, reference = _full_links(store, cfg)
    assert links == want and _counts(got) == _counts(reference)


def test_a_registry_person_who_becomes_a_payee_is_matched_again(tmp_path: Path) -> None:
    """Registry-only namesake pairs are left out while scoring and not cached; when a unit pays one of them the
    person counts as changed, so an incremental match links them as a full match does (and unlinks them when
    the payment goes again)."""
    from guanlian.graph.ladybug import LadybugStore

    s = LadybugStore(tmp_path / "s")
    s.ensure_schema()
    # forty others with names unlike any: one changed person stays under MAX_CHANGED_SHARE
    others = [f"{a}{b}" for a in "钱孙周吴郑冯卫蒋" for b in ("子墨", "一鸣", "思远", "海涛", "雨桐")]
    names = ["张三", "刘桂兰", "刘桂兰", "劉桂蘭", *others]
    s.upsert_nodes("Person", pd.DataFrame({
        "key": ["ric:off", "anon:rel", "anon:reg1", "anon:reg2", *(f"anon:o{i:02d}" for i in range(len(others)))],
        "name": names, "name_norm": [n.replace("劉桂蘭", "刘桂兰") for n in names]}))
    s.upsert_edges("RELATIVE_OF", pd.DataFrame({"src": ["anon:rel"], "dst": ["ric:off"], "src_kind": "Person",
                                                "dst_kind": "Person", "key": ["rel:1"], "relation": ["mother"]}))
    cfg = MatchConfig(link_budget=False)
    first = match_store(s, cfg)
    pairs = _pairs(s)
    assert pairs == {("anon:reg1", "anon:rel"), ("anon:reg2", "anon:rel")}
    assert first.registry_pairs_skipped == 1
    cached = match_cache.load(s.sidecar, cfg)
    assert cached is not None and len(cached.linked) == 2 and cached.linked.dropped == 1

    s.upsert_nodes("Unit", pd.DataFrame({"key": ["unit:1"], "name": ["某局"]}))
    _pay(s, "anon:reg1")
    _links_now_like_a_full_match(s, cfg, ("anon:reg1", "anon:reg2"))

    s.delete_edges("PAYMENT")
    unpaid = match_store(s, cfg)
    assert (unpaid.mode, unpaid.changed_persons) == ("incremental", 1)
    assert _pairs(s) == pairs
    assert unpaid.registry_pairs_skipped == 1

    # under the link budget: a payee's namesake who is then declared a relative of the official whose unit paid
    # the payee is matched again (left out before as a pair with no declared end) and the link is stored
    budget = MatchConfig()
    s.upsert_edges("SERVES_IN", pd.DataFrame({"src": ["ric:off"], "dst": ["unit:1"], "src_kind": "Person",
                                              "dst_kind": "Unit", "key": ["srv:1"]}))
    _pay(s, "anon:reg1")
    before = match_store(s, budget)
    assert ("anon:reg1", "anon:reg2") not in _pairs(s)
    assert before.budget_skipped >= 1
    s.upsert_edges("RELATIVE_OF", pd.DataFrame({"src": ["anon:reg2"], "dst": ["ric:off"], "src_kind": "Person",
                                                "dst_kind": "Person", "key": ["rel:2"], "relation": ["sister"]}))
    _links_now_like_a_full_match(s, budget, ("anon:reg1", "anon:reg2"))


def _homophone_crowd(extra: list[tuple[str, str | None]] = ()) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """One pinyin block *wang xiang* too big for the cap: 40 王祥 born 1950–89 and 10 undated, 30 undated 王香,
    a declared 王祥 (born 1998) and a declared 王香 (born 1990); ``extra`` (name, birth date) registry persons
    are appended. Keys sort in row order."""
    rows: list[tuple[str, str | None]] = [("王祥", f"{1950 + i}-03-0{1 + i % 9}") for i in range(40)]
    rows += [("王祥", None)] * 10 + [("王香", None)] * 30 + [("王祥", "1998-06-06"), ("王香", "1990-09-09")]
    rows += list(extra)
    table = pd.DataFrame({"key": [f"p:{i:04d}" for i in range(len(rows))], "name": [n for n, _ in rows],
                          "birth_date": [d for _, d in rows]}).astype(object)
    side = np.zeros(len(table), dtype=bool)
    side[[80, 81]] = True
    return table, side, side.copy()


def test_a_change_to_a_capped_blocks_undated_or_declared_persons_gives_a_full_match() -> None:
    """Declared × undated pairs of a capped block depend on the block's counts (block *wang xiang*, then the
    name): a change that may move them between unchanged persons asks for a full match; a dated registry
    namesake does not, and its update equals a full match."""
    table, side, core = _homophone_crowd()
    for cap, extra, want in [
        (160, [("王香", None)], "cap"),  # 2 declared × 40 undated × 2 = 160 fits; one more undated: 164 does not
        (120, [("王香", None)], "cap"),  # over the cap before and after: the pairs go by name, which may change
        (120, [("王祥", "1981-01-01")], None),  # dated, not declared: nothing of the pairing changes
        (160, [("王祥", "1981-01-01")], None),
    ]:
        cfg = MatchConfig(max_block_pairs=cap)
        _, cache = match_cache.full(table, cfg, side, core)
        assert cache is not None
        now, s2, c2 = _homophone_crowd(extra)
        got = match_cache.update(cache, now, cfg, s2, c2)
        if want is not None:
            assert got == want, (cap, extra)
            continue
        assert isinstance(got, match_cache.Update), (cap, extra, got)
        full, _ = match_cache.full(now, cfg, s2, c2)
        assert got.changed == 1
        assert list(zip(got.linked.li.tolist(), got.linked.ri.tolist(), got.linked.tier.tolist(), strict=True)) == list(
            zip(full.li.tolist(), full.ri.tolist(), full.tier.tolist(), strict=True))
        assert got.linked.explanation_en == full.explanation_en


def test_without_the_name_check_a_crossing_would_keep_stale_pairs() -> None:
    """The near miss the check above guards: at a cap of 160 the block's declared × undated pairs are kept
    whole before one more undated 王香 and only by name after it, so the pairs of unchanged persons differ."""
    table, side, core = _homophone_crowd()
    cfg = MatchConfig(max_block_pairs=160)
    before, _ = match_cache.full(table, cfg, side, core)
    now, s2, c2 = _homophone_crowd([("王香", None)])
    after, _ = match_cache.full(now, cfg, s2, c2)
    old = set(zip(before.li.tolist(), before.ri.tolist(), strict=True))
    new = set(zip(after.li.tolist(), after.ri.tolist(), strict=True))
    assert old != {p for p in new if max(p) < len(table)}
