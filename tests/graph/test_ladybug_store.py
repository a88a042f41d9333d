"""The embedded store: schema, idempotent upserts, merge rules, endpoints, hostile values."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from guanlian.graph import StoreError, open_store
from guanlian.graph.frames import Conflict
from guanlian.graph.ladybug import LadybugStore


@pytest.fixture
def s(tmp_path: Path) -> LadybugStore:
    store = LadybugStore(tmp_path / "store")
    store.ensure_schema()
    return store


def edges(rows: list[tuple[str, str, str, str, str]], **props: list[object]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["src", "dst", "src_kind", "dst_kind", "key"])
    for k, v in props.items():
        df[k] = v
    return df


def test_upsert_is_idempotent_and_merges_values(s: LadybugStore) -> None:
    rows = pd.DataFrame({"key": ["p1", "p2", "p1"], "name": ["张三", "李四", None], "phone": [None, None, "139"],
                         "src_file": ["a.csv", "a.csv", "b.csv"], "src_row": [2, 3, 9]})
    assert s.upsert_nodes("Person", rows) == 2  # rows sharing a key are combined
    before = s.counts()
    s.upsert_nodes("Person", rows)
    assert s.counts() == before
    got = s.query("MATCH (p:Person) RETURN p.key AS k, p.name AS n, p.phone AS ph, p.src_file AS f, p.src_row AS r ORDER BY k")
    assert got.values.tolist()[0] == ["p1", "张三", "139", "a.csv", 2]
    # a later, sparser row never erases a value; provenance keeps where the node was first seen
    s.upsert_nodes("Person", pd.DataFrame({"key": ["p1"], "name": [None], "address": ["吉安"], "src_file": ["c.csv"],
                                           "src_row": [5]}))
    got = s.query("MATCH (p:Person {key: 'p1'}) RETURN p.name AS n, p.address AS a, p.src_file AS f")
    assert got.values.tolist() == [["张三", "吉安", "a.csv"]]


def test_multi_endpoint_edges_and_updates(s: LadybugStore) -> None:
    s.upsert_nodes("Unit", pd.DataFrame({"key": ["u"], "name": ["局"]}))
    s.upsert_nodes("Company", pd.DataFrame({"key": ["c"], "name": ["公司"]}))
    s.upsert_nodes("Person", pd.DataFrame({"key": ["p"], "name": ["人"]}))
    e = edges([("u", "c", "Unit", "Company", "e1"), ("u", "p", "Unit", "Person", "e2")], payments=[3, 1], total=[1000, 500])
    assert s.upsert_edges("PAID", e) == 2
    s.upsert_edges("PAID", e)
    assert s.counts()["PAID"] == 2
    e2 = e.copy()
    e2["total"] = pd.array([1100, None], dtype="Int64")
    conflicts: list[Conflict] = []
    s.upsert_edges("PAID", e2, conflicts)
    got = s.query("MATCH (:Unit)-[p:PAID]->(x) RETURN p.key AS k, p.total AS t ORDER BY k")
    # merge rules (model.py): an absence never erases a value; of two known values the smaller stays, reported
    assert got["t"].tolist() == [1000, 500]  # integer fen
    assert [(c.key, c.prop, c.kept, c.other) for c in conflicts] == [("e1", "total", 1000, 1100)]
    assert s.delete_edges("PAID") == 2 and s.counts()["PAID"] == 0


def test_wrong_endpoints_are_refused(s: LadybugStore) -> None:
    s.upsert_nodes("Person", pd.DataFrame({"key": ["p"], "name": ["人"]}))
    with pytest.raises(StoreError, match="cannot join"):
        s.upsert_edges("SERVES_IN", edges([("p", "p", "Person", "Person", "x")]))
    with pytest.raises(KeyError, match="unknown edge kind"):
        s.upsert_edges("LOVES", edges([("p", "p", "Person", "Person", "x")]))


def test_hostile_values_are_data(s: LadybugStore) -> None:
    hostile = ["'}) DETACH DELETE n //", "`x`", "$p", "<script>alert(1)</script>", "=cmd|' /C calc'!A0"]
    s.upsert_nodes("Person", pd.DataFrame({"key": [f"k{i}" for i in range(len(hostile))], "name": hostile}))
    got = s.query("MATCH (p:Person) WHERE p.name IN $names RETURN p.name AS n ORDER BY n", {"names": hostile})
    assert sorted(got["n"].tolist()) == sorted(hostile)
    assert s.counts()["Person"] == len(hostile)


def test_open_store_errors(tmp_path: Path) -> None:
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(StoreError, match="not a directory"):
        open_store(f)
    with pytest.raises(StoreError, match="no store at"):
        open_store(tmp_path / "missing", read_only=True)


def test_older_store_gains_new_properties(tmp_path: Path) -> None:
    """A store created before the model gained PAYMENT.routed_from opens and takes the new property; its amounts
    in yuan (DOUBLE, before integer fen) are converted to fen."""
    import ladybug as lb

    from guanlian.graph.ladybug import DB_FILE

    path = tmp_path / "old"
    path.mkdir()
    db = lb.Database(str(path / DB_FILE))
    conn = lb.Connection(db)
    conn.execute("CREATE NODE TABLE Unit(key STRING, name STRING, PRIMARY KEY (key))")
    conn.execute("CREATE NODE TABLE Company(key STRING, name STRING, PRIMARY KEY (key))")
    conn.execute("CREATE NODE TABLE Person(key STRING, name STRING, PRIMARY KEY (key))")
    conn.execute("CREATE REL TABLE PAYMENT(FROM Unit TO Company, FROM Unit TO Person, key STRING, amount DOUBLE)")
    conn.execute("CREATE (:Unit {key: 'unit:a', name: 'a'})-[:PAYMENT {key: 'pay:0', amount: 1229983.83}]->"
                 "(:Company {key: 'cname:b', name: 'b'})")
    conn.close()
    db.close()
    with LadybugStore(str(path)) as s:
        s.ensure_schema()
        s.upsert_edges("PAYMENT", pd.DataFrame({"src": ["unit:a"], "dst": ["cname:b"], "src_kind": ["Unit"],
                                                "dst_kind": ["Company"], "key": ["pay:1"], "amount": [100],
                                                "routed_from": ["cname:x"]}))
        got = s.query("MATCH ()-[p:PAYMENT]->() RETURN p.key AS k, p.routed_from AS r, p.amount AS a ORDER BY k")
    # the older store's amount in yuan (DOUBLE) became integer fen; the new row is fen already
    assert got["a"].tolist() == [122998383, 100] and got["r"].tolist()[1] == "cname:x"


def test_buffer_pool_is_capped_configurable_and_grows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from guanlian.graph.ladybug import BUFFER_POOL_ENV, DEFAULT_BUFFER_POOL_MB, buffer_pool_bytes

    monkeypatch.delenv(BUFFER_POOL_ENV, raising=False)
    assert 0 < buffer_pool_bytes() <= DEFAULT_BUFFER_POOL_MB * 2**20  # not LadybugDB's 80 % of the machine
    monkeypatch.setenv(BUFFER_POOL_ENV, "8")
    assert buffer_pool_bytes() == 8 * 2**20
    store = LadybugStore(tmp_path / "small-pool")
    n = 100_000  # more than 8 MiB of pages: the store grows its cache instead of failing
    store.upsert_nodes("Unit", pd.DataFrame({"key": [f"u{i}" for i in range(n)],
                                             "name": [f"单位{i % 50_000}" for i in range(n)]}))
    assert store.buffer_pool > 8 * 2**20
    assert store.counts()["Unit"] == n
    same = store.query("MATCH (a:Unit), (b:Unit) WHERE a.name = b.name AND a.key < b.key RETURN count(*) AS c")
    assert int(same.iloc[0, 0]) == n // 2
    # the grown cache is given back (scan calls this after each saved query); reads still work in the small one
    assert store.release_cache() is True and store.buffer_pool == 8 * 2**20
    assert store.release_cache() is False
    assert store.counts()["Unit"] == n
    store.close()
    for bad in ("0", "2GiB", "-5"):
        monkeypatch.setenv(BUFFER_POOL_ENV, bad)
        with pytest.raises(StoreError, match=BUFFER_POOL_ENV):
            LadybugStore(tmp_path / "bad")


def test_counts_on_a_read_only_store(tmp_path: Path) -> None:
    """The workbench opens the store read-only: counts() reads it without trying to create the schema; a store
    lacking a table (written before the model gained it) says how to upgrade it instead of failing on DDL."""
    import ladybug as lb

    from guanlian.graph.ladybug import DB_FILE
    from guanlian.graph.store import StoreOutdated

    with LadybugStore(tmp_path / "s") as rw:
        rw.upsert_nodes("Unit", pd.DataFrame({"key": ["u1", "u2"], "name": ["甲局", "乙局"]}))
        expected = rw.counts()
    with LadybugStore(tmp_path / "s", read_only=True) as ro:
        got = ro.counts()
    assert got == expected and got["Unit"] == 2 and got["Person"] == 0
    # near miss: an older store without most tables, opened read-only, names the fix rather than crashing
    old = tmp_path / "old"
    old.mkdir()
    db = lb.Database(str(old / DB_FILE))
    conn = lb.Connection(db)
    conn.execute("CREATE NODE TABLE Unit(key STRING, name STRING, PRIMARY KEY (key))")
    conn.close()
    db.close()
    with pytest.raises(StoreOutdated, match="guanlian stats"):
        with LadybugStore(old, read_only=True) as ro:
            ro.counts()


def test_store_reopens_after_copies_and_keeps_every_row(s: LadybugStore) -> None:
    """LadybugDB keeps native memory per COPY until the database closes: the store reopens itself every
    COPIES_PER_OPEN copies (ladybug.COPIES_PER_OPEN); rows, edges and later updates are all there after."""
    from guanlian.graph import ladybug

    first = s._db
    n = ladybug.COPIES_PER_OPEN + 3
    for i in range(n):
        s.upsert_nodes("Person", pd.DataFrame({"key": [f"p{i}"], "name": [f"人{i}"], "src_file": ["a.csv"],
                                               "src_row": [i + 2]}))
    assert s._db is not first  # reopened once, in the middle
    s.upsert_edges("RELATIVE_OF", edges([("p0", f"p{n - 1}", "Person", "Person", "r1")], relation=["配偶"]))
    s.upsert_nodes("Person", pd.DataFrame({"key": ["p0"], "phone": ["139"], "src_file": ["b.csv"], "src_row": [9]}))
    assert s.counts()["Person"] == n and s.counts()["RELATIVE_OF"] == 1
    got = s.query("MATCH (a:Person {key: 'p0'})-[:RELATIVE_OF]->(b:Person) RETURN a.name, a.phone, b.key")
    assert got.values.tolist() == [["人0", "139", f"p{n - 1}"]]


def _everything(store: LadybugStore) -> dict[str, list[tuple[object, ...]]]:
    """Every node and edge of every kind with every property but ``load_id`` (edges with their endpoints)."""
    from guanlian.model import model

    out: dict[str, list[tuple[object, ...]]] = {}
    for n in model().nodes:
        df = store._fetch(f"MATCH (n:{n.name}) RETURN n.*")
        df.columns = [c.split(".", 1)[-1] for c in df.columns]
        out[n.name] = sorted(tuple(map(repr, r)) for r in df.drop(columns=["load_id"]).itertuples(index=False))
    for e in model().edges:
        df = store._fetch(f"MATCH (a)-[e:{e.name}]->(b) RETURN a.key AS _a, b.key AS _b, e.*")
        df.columns = [c.split(".", 1)[-1] for c in df.columns]
        out[e.name] = sorted(tuple(map(repr, r)) for r in df.drop(columns=["load_id"]).itertuples(index=False))
    return out


def test_updates_of_seen_rows_are_exact_on_every_read_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A world, then a month of payments naming known payees and accounts (their nodes and HAS_ACCOUNT edges
    updated, provenance grown): the stored nodes read by primary-key lookups in chunks of three, or by the
    scan path, and the edges updated from a bound endpoint give the same store as loading everything at once."""
    from guanlian.demo import generate
    from guanlian.demo.extra import extra_month
    from guanlian.graph import ladybug
    from guanlian.loaders import load_files

    world = generate(tmp_path / "world", size="tiny", seed=7)
    base = [p for p, _ in world.files]
    month = extra_month(tmp_path / "extra", "tiny", 7, share=0.05)
    with LadybugStore(tmp_path / "whole") as whole:
        assert load_files(whole, [*base, month]).ok
        want = _everything(whole)
    grown = 0
    for name, chunk, most in (("chunks", 3, 200_000), ("scan", 20_000, 0)):
        monkeypatch.setattr(ladybug, "_LOOKUP_CHUNK", chunk)
        monkeypatch.setattr(ladybug, "_LOOKUP_MAX", most)
        with LadybugStore(tmp_path / name) as s:
            assert load_files(s, base).ok
            before = _everything(s)
            assert load_files(s, [month]).ok
            got = _everything(s)
        assert got == want, name
        grown = sum(1 for r in got["HAS_ACCOUNT"] if r not in set(before["HAS_ACCOUNT"]))
    assert grown, "the month should update known HAS_ACCOUNT edges (their provenance grows)"
