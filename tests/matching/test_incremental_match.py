"""Incremental load and match (issue 18 item 5): a store that took a world, was matched, then took one more
month of payments (and later a few new persons) holds the same links and PAID totals as a store that took it
all in one load and was matched once."""

from __future__ import annotations

import pickle
from pathlib import Path

import pandas as pd

from guanlian.demo import generate
from guanlian.demo.extra import extra_month
from guanlian.graph import open_store
from guanlian.graph.store import Store
from guanlian.loaders import load_files
from guanlian.matching.matcher import MATCH_CACHE_FILE, MatchConfig, _fingerprint, _read_persons, match_store


def _links(store: Store) -> list[tuple[str, str, str, float]]:
    df = store.query("MATCH (a:Person)-[e:POSSIBLY_SAME]->(b:Person) RETURN a.key AS a, b.key AS b, e.tier AS t, "
                     "e.score AS s")
    return sorted((str(a), str(b), str(t), float(s)) for a, b, t, s in df.itertuples(index=False, name=None))


def _paid(store: Store) -> list[tuple[object, ...]]:
    df = store.query("MATCH (u:Unit)-[e:PAID]->(x) RETURN u.key AS u, x.key AS x, e.payments AS n, e.total AS t, "
                     "e.first_paid AS f, e.last_paid AS l, e.channel AS c")
    return sorted(tuple(r) for r in df.astype(object).itertuples(index=False, name=None))


def test_month_then_persons_match_incrementally_like_one_full_run(tmp_path: Path) -> None:
    world = generate(tmp_path / "world", size="tiny", seed=7)
    base = [p for p, _ in world.files]
    month = extra_month(tmp_path / "extra", "tiny", 7, share=0.05)

    with open_store(tmp_path / "all") as whole:
        assert load_files(whole, [*base, month]).ok
        full = match_store(whole)
        assert full.mode == "full"
        want_links, want_paid = _links(whole), _paid(whole)
        # a new official named like a person a unit paid, serving in that unit: a link the budget keeps
        payee = whole.query("MATCH (u:Unit)-[:PAYMENT]->(p:Person) WHERE p.name IS NOT NULL "
                            "RETURN u.name AS unit, p.name AS name, p.key AS k ORDER BY p.key LIMIT 1").iloc[0]
    officials = tmp_path / "new_officials.csv"
    officials.write_text(f"姓名,工作单位\n{payee['name']},{payee['unit']}\n", encoding="utf-8")

    with open_store(tmp_path / "inc") as inc:
        assert load_files(inc, base).ok
        assert match_store(inc).mode == "full"
        assert (inc.sidecar / MATCH_CACHE_FILE).exists()
        before = _fingerprint(_read_persons(inc), MatchConfig())
        assert load_files(inc, [month]).ok
        # the month names known payees only: the persons as the matcher reads them did not change
        assert _fingerprint(_read_persons(inc), MatchConfig()) == before
        again = match_store(inc)
        assert again.mode == "incremental"
        assert _links(inc) == want_links
        assert _paid(inc) == want_paid  # PAID rebuilt for the month's pairs only
        assert (again.candidate_pairs, again.budget_skipped) == (full.candidate_pairs, full.budget_skipped)

        # new persons: the fingerprint changes, the match runs in full and finds the new official's link
        assert load_files(inc, [officials]).ok
        assert _fingerprint(_read_persons(inc), MatchConfig()) != before
        assert match_store(inc).mode == "full"
        got = _links(inc)
    with open_store(tmp_path / "all") as whole:
        assert load_files(whole, [officials]).ok
        match_store(whole)
        assert _links(whole) == got
    new_links = [x for x in got if payee["k"] in (x[0], x[1]) and x not in want_links]
    assert new_links, "the new official should be linked to the namesake payee"


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
        assert match_store(s).mode == "full"
        assert match_store(s).mode == "incremental"
        assert match_store(s, MatchConfig(possible_threshold=5)).mode == "full"
        links = _links(s)
        (s.sidecar / MATCH_CACHE_FILE).write_bytes(b"not an arrow file")
        assert match_store(s, MatchConfig(possible_threshold=5)).mode == "full"
        assert _links(s) == links
        # a store folder handed over by someone else: a pickle planted as the cache is never unpickled
        planted = tmp_path / "planted-by-pickle"
        (s.sidecar / MATCH_CACHE_FILE).write_bytes(pickle.dumps(_Plant(str(planted))))
        assert match_store(s, MatchConfig(possible_threshold=5)).mode == "full"
        assert not planted.exists() and _links(s) == links
        assert not pd.DataFrame(links).empty
