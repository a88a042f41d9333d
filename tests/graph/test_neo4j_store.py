"""Neo4jStore against the real server (scripts/neo4j-server): idempotency, endpoints, hostile values, errors."""

from __future__ import annotations

import os
import socket
from urllib.parse import urlsplit

import pandas as pd
import pytest

from guanlian.graph.neo4j import RANGE_INDEXES, Neo4jStore
from guanlian.graph.store import Store, StoreError
from guanlian.model import model
from guanlian.values.vocab import in_language

pytestmark = pytest.mark.neo4j

HOSTILE = [
    "'}) DETACH DELETE n //",
    '"}) MATCH (x) DETACH DELETE x RETURN 1 //',
    "`Person` `) DETACH DELETE n",
    "$x",
    "<script>alert(1)</script>",
    "line1\nline2\t\\N\\",
    "张三'; DROP TABLE Person; --",
]


def _units(n: int) -> pd.DataFrame:
    return pd.DataFrame({"key": [f"unit:{i}" for i in range(n)], "name": [f"单位{i}" for i in range(n)]})


def _people(n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "key": [f"anon:p{i}" for i in range(n)],
            "name": [f"人员{i}" for i in range(n)],
            "birth_date_day": [3650 + i for i in range(n)],
            "src_row": [i + 2 for i in range(n)],
        }
    )


def _companies(n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "key": [f"cname:c{i}" for i in range(n)],
            "name": [f"公司{i}" for i in range(n)],
            "reg_capital": pd.array([100_000_000 * (i + 1) if i % 2 else None for i in range(n)], dtype="Int64"),
        }
    )


def _paid(pairs: list[tuple[str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "src": [s for s, _, _ in pairs],
            "dst": [d for _, d, _ in pairs],
            "src_kind": ["Unit"] * len(pairs),
            "dst_kind": [k for _, _, k in pairs],
            "key": [f"paid:{s}>{d}" for s, d, _ in pairs],
            "payments": [i + 1 for i in range(len(pairs))],
            "total": [10050 * (i + 1) for i in range(len(pairs))],
        }
    )


def test_is_a_store(neo4j_store: Neo4jStore) -> None:
    assert isinstance(neo4j_store, Store)
    assert neo4j_store.engine == "neo4j"
    assert neo4j_store.server_version.startswith("5.")


def test_schema_has_a_constraint_per_node_kind_and_is_idempotent(neo4j_store: Neo4jStore) -> None:
    again = Neo4jStore(neo4j_store.uri)
    try:
        again.ensure_schema()  # second creation: no error, no duplicates
    finally:
        again.close()
    cons = neo4j_store.query("SHOW CONSTRAINTS YIELD labelsOrTypes, properties, type RETURN *")
    unique = {
        tuple(r.labelsOrTypes)
        for r in cons.itertuples()
        if r.type == "UNIQUENESS" and r.properties == ["key"]
    }
    assert unique == {(n.name,) for n in model().nodes}
    idx = neo4j_store.query("SHOW INDEXES YIELD entityType, labelsOrTypes, properties RETURN *")
    rel = {
        tuple(r.labelsOrTypes)
        for r in idx.itertuples()
        if r.entityType == "RELATIONSHIP" and r.properties == ["key"]
    }
    assert rel == {(e.name,) for e in model().edges}
    ranged = {
        (r.name, tuple(r.labelsOrTypes), tuple(r.properties))
        for r in neo4j_store.query("SHOW INDEXES YIELD name, type, labelsOrTypes, properties RETURN *").itertuples()
        if r.type == "RANGE" and r.properties != ["key"]
    }
    assert ranged == {(f"guanlian_{k}_{p}", (k,), (p,)) for k, p in RANGE_INDEXES}


def test_every_edge_kind_has_a_key_uniqueness_constraint(neo4j_store: Neo4jStore) -> None:
    cons = neo4j_store.query("SHOW CONSTRAINTS YIELD name, labelsOrTypes, properties, type RETURN *")
    rel = {
        (r.name, tuple(r.labelsOrTypes))
        for r in cons.itertuples()
        if r.type == "RELATIONSHIP_UNIQUENESS" and r.properties == ["key"]
    }
    assert rel == {(f"guanlian_{e.name}_key", (e.name,)) for e in model().edges}


def test_schema_replaces_an_old_plain_edge_key_index(neo4j_store: Neo4jStore) -> None:
    """Databases made before edge keys were constrained have a plain index of the same name: it is replaced."""
    neo4j_store.execute("DROP CONSTRAINT guanlian_PAID_key")
    neo4j_store.execute("CREATE INDEX guanlian_PAID_key FOR ()-[e:PAID]-() ON (e.key)")
    neo4j_store.execute("CREATE INDEX test_PAID_total IF NOT EXISTS FOR ()-[e:PAID]-() ON (e.total)")  # not ours
    again = Neo4jStore(neo4j_store.uri)
    try:
        again.ensure_schema()
        idx = again.query("SHOW INDEXES YIELD name, owningConstraint RETURN name, owningConstraint")
        owner = dict(zip(idx["name"], idx["owningConstraint"], strict=True))
        assert owner["guanlian_PAID_key"] == "guanlian_PAID_key"  # now backs the constraint
        assert "test_PAID_total" in owner and pd.isna(owner["test_PAID_total"])  # a user's index is left alone
    finally:
        again.execute("DROP INDEX test_PAID_total IF EXISTS")
        again.close()


def test_schema_converts_amounts_in_yuan_to_fen(neo4j_store: Neo4jStore) -> None:
    """A database written before amounts were integer fen holds yuan floats: opening converts them, once."""
    neo4j_store.execute("CREATE (:Unit {key: 'unit:y'})-[:PAYMENT {key: 'pay:y', amount: 1229983.83}]->"
                        "(:Company {key: 'cname:y', reg_capital: 30000000.0})")
    neo4j_store.execute("CREATE (:Unit {key: 'unit:z'})-[:PAYMENT {key: 'pay:z', amount: 100}]->(:Company {key: 'cname:z'})")
    for _ in range(2):  # idempotent: fen stay fen
        again = Neo4jStore(neo4j_store.uri)
        try:
            again.ensure_schema()
        finally:
            again.close()
    got = neo4j_store.query("MATCH ()-[p:PAYMENT]->(c) RETURN p.key AS k, p.amount AS a, c.reg_capital AS r ORDER BY k")
    assert got["a"].tolist() == [122998383, 100]
    assert got["r"].tolist()[0] == 3000000000


def test_edge_key_reused_between_other_endpoints_is_refused_without_the_key(neo4j_store: Neo4jStore) -> None:
    neo4j_store.upsert_nodes("Unit", _units(2))
    neo4j_store.upsert_nodes("Company", _companies(2))
    secret = "paid:ric:11010519491231002X"
    first = _paid([("unit:0", "cname:c0", "Company")]).assign(key=secret)
    assert neo4j_store.upsert_edges("PAID", first) == 1
    assert neo4j_store.upsert_edges("PAID", first) == 1  # same endpoints: an update
    other = _paid([("unit:1", "cname:c1", "Company")]).assign(key=secret)
    with pytest.raises(StoreError) as err:
        neo4j_store.upsert_edges("PAID", other)
    assert "key conflict" in str(err.value) and "11010519491231002X" not in str(err.value)
    assert neo4j_store.counts()["PAID"] == 1


def test_counts_lists_every_kind_with_zeros(neo4j_store: Neo4jStore) -> None:
    counts = neo4j_store.counts()
    assert set(counts) == set(model().node_names) | set(model().edge_names)
    assert all(v == 0 for v in counts.values())


def test_upsert_twice_gives_same_counts_and_updates_values(neo4j_store: Neo4jStore) -> None:
    s = neo4j_store
    assert s.upsert_nodes("Unit", _units(3)) == 3
    assert s.upsert_nodes("Company", _companies(4)) == 4
    assert s.upsert_nodes("Person", _people(5)) == 5
    edges = _paid([("unit:0", "cname:c0", "Company"), ("unit:1", "anon:p1", "Person")])
    assert s.upsert_edges("PAID", edges) == 2
    first = s.counts()

    assert s.upsert_nodes("Unit", _units(3)) == 3
    assert s.upsert_nodes("Company", _companies(4)) == 4
    assert s.upsert_nodes("Person", _people(5)) == 5
    assert s.upsert_edges("PAID", edges) == 2
    assert s.counts() == first
    assert (first["Unit"], first["Company"], first["Person"], first["PAID"]) == (3, 4, 5, 2)

    # Merge rules (model.py): a spelling variant joins `names` (the smaller shows as `name`); a sparser row (name
    # missing) keeps the stored name; a gap is filled.
    s.upsert_nodes("Unit", pd.DataFrame({"key": ["unit:0"], "name": ["新名"]}))
    s.upsert_nodes("Unit", pd.DataFrame({"key": ["unit:0"], "name_norm": ["xinming"]}))
    row = s.query("MATCH (u:Unit {key: $k}) RETURN u.name AS name, u.names AS names", {"k": "unit:0"})
    assert row.to_dict("records") == [{"name": "单位0", "names": ["单位0", "新名"]}]
    assert s.counts()["Unit"] == 3


def test_missing_values_are_not_written(neo4j_store: Neo4jStore) -> None:
    neo4j_store.upsert_nodes("Company", _companies(2))
    df = neo4j_store.query(
        "MATCH (c:Company) RETURN c.key AS key, keys(c) AS props, c.reg_capital AS cap ORDER BY key"
    )
    no_cap, with_cap = df.to_dict("records")
    assert "reg_capital" not in no_cap["props"] and pd.isna(no_cap["cap"])
    assert "reg_capital" in with_cap["props"] and with_cap["cap"] == 200_000_000
    assert isinstance(with_cap["cap"], float)


def test_a_later_load_keeps_provenance(neo4j_store: Neo4jStore) -> None:
    """As on LadybugDB: provenance records where a node or edge was first seen; a later file that mentions it
    updates its values but never its src_file/src_row/load_id (a new payments month must not change the evidence
    of cases it does not touch)."""
    s = neo4j_store
    s.upsert_nodes("Unit", pd.DataFrame({"key": ["u"], "name": ["局"], "src_file": ["干部.xlsx"], "src_row": [3],
                                         "load_id": ["L1"]}))
    s.upsert_nodes("Company", pd.DataFrame({"key": ["c"], "name": ["公司"], "src_file": ["登记.csv"], "src_row": [9]}))
    paid = pd.DataFrame({"src": ["u"], "dst": ["c"], "src_kind": ["Unit"], "dst_kind": ["Company"], "key": ["e1"],
                         "payments": [1], "src_file": ["付款.csv"], "src_row": [2]})
    s.upsert_edges("PAID", paid)
    s.upsert_nodes("Unit", pd.DataFrame({"key": ["u"], "name": ["吉安市局"], "src_file": ["新.csv"], "src_row": [2],
                                         "load_id": ["L2"]}))
    s.upsert_edges("PAID", paid.assign(payments=[2], src_file=["新.csv"], src_row=[7]))
    got = s.query("MATCH (u:Unit {key: 'u'})-[e:PAID]->(c:Company) RETURN u.name AS a, u.src_file AS f, "
                  "u.src_row AS r, u.load_id AS l, e.payments AS n, e.src_file AS ef, e.src_row AS er")
    # merge rules (model.py, issue 20): the name is a variant (the smaller shown), payments a single value whose
    # conflicting later value is reported, not written (the smaller stays); provenance is the earliest record
    assert got.values.tolist() == [["吉安市局", "干部.xlsx", 3, "L1", 1, "付款.csv", 2]]
    # near miss: a node first written without provenance takes it from the first load that has it
    s.upsert_nodes("Company", pd.DataFrame({"key": ["c2"], "name": ["二"]}))
    s.upsert_nodes("Company", pd.DataFrame({"key": ["c2"], "src_file": ["登记.csv"], "src_row": [4]}))
    assert s.query("MATCH (c:Company {key: 'c2'}) RETURN c.src_file AS f").values.tolist() == [["登记.csv"]]


def test_int_properties_stay_integers(neo4j_store: Neo4jStore) -> None:
    neo4j_store.upsert_nodes("Person", _people(1))
    df = neo4j_store.query("MATCH (p:Person) RETURN p.birth_date_day AS d, p.birth_date_day + 1 = 3651 AS ok")
    assert df.loc[0, "d"] == 3650 and bool(df.loc[0, "ok"])


def test_paid_edges_join_unit_to_company_and_to_person(neo4j_store: Neo4jStore) -> None:
    s = neo4j_store
    s.upsert_nodes("Unit", _units(2))
    s.upsert_nodes("Company", _companies(2))
    s.upsert_nodes("Person", _people(2))
    edges = _paid(
        [
            ("unit:0", "cname:c0", "Company"),
            ("unit:0", "anon:p0", "Person"),
            ("unit:1", "cname:c1", "Company"),
            ("unit:1", "anon:p1", "Person"),
        ]
    )
    assert s.upsert_edges("PAID", edges) == 4
    df = s.query(
        "MATCH (u:Unit)-[e:PAID]->(x) RETURN u.key AS u, labels(x)[0] AS kind, x.key AS x, e.total AS total "
        "ORDER BY u, kind"
    )
    assert df[["u", "kind", "x"]].values.tolist() == [
        ["unit:0", "Company", "cname:c0"],
        ["unit:0", "Person", "anon:p0"],
        ["unit:1", "Company", "cname:c1"],
        ["unit:1", "Person", "anon:p1"],
    ]
    # A Person and a Company may share a key string without being confused (separate labels).
    s.upsert_nodes("Person", pd.DataFrame({"key": ["cname:c0"], "name": ["同键人员"]}))
    s.upsert_edges("PAID", _paid([("unit:1", "cname:c0", "Person")]))
    df = s.query("MATCH (:Unit {key: 'unit:1'})-[:PAID]->(x {key: 'cname:c0'}) RETURN labels(x) AS l")
    assert df["l"].tolist() == [["Person"]]
    assert s.delete_edges("PAID") == 5
    assert s.counts()["PAID"] == 0 and s.counts()["Unit"] == 2


def test_query_returns_nodes_and_relationships_as_dicts(neo4j_store: Neo4jStore) -> None:
    s = neo4j_store
    s.upsert_nodes("Unit", _units(1))
    s.upsert_nodes("Company", _companies(1))
    s.upsert_edges("PAID", _paid([("unit:0", "cname:c0", "Company")]))
    df = s.query("MATCH (u)-[e:PAID]->(c) RETURN u, e, c.key AS ck")
    assert list(df.columns) == ["u", "e", "ck"]
    rec = df.to_dict("records")[0]
    assert rec["u"] == {"_LABEL": "Unit", "key": "unit:0", "name": "单位0", "names": ["单位0"]}
    assert rec["e"]["_LABEL"] == "PAID" and rec["e"]["payments"] == 1 and rec["ck"] == "cname:c0"
    empty = s.query("MATCH (n:Email) RETURN n.key AS key, n.address AS address")
    assert list(empty.columns) == ["key", "address"] and empty.empty


def test_hostile_strings_are_stored_verbatim_and_delete_nothing(neo4j_store: Neo4jStore) -> None:
    s = neo4j_store
    s.upsert_nodes("Unit", _units(2))
    keys = [f"anon:{v}" for v in HOSTILE]
    s.upsert_nodes("Person", pd.DataFrame({"key": keys, "name": HOSTILE, "address": HOSTILE[::-1]}))
    s.upsert_edges(
        "PAID",
        pd.DataFrame(
            {
                "src": ["unit:0"] * len(keys),
                "dst": keys,
                "src_kind": "Unit",
                "dst_kind": "Person",
                "key": [f"paid:{v}" for v in HOSTILE],
                "channel": HOSTILE,
            }
        ),
    )
    counts = s.counts()
    assert (counts["Unit"], counts["Person"], counts["PAID"]) == (2, len(HOSTILE), len(HOSTILE))
    df = s.query("MATCH (p:Person) RETURN p.key AS key, p.name AS name, p.address AS address")
    got = {r["key"]: (r["name"], r["address"]) for r in df.to_dict("records")}
    assert got == {k: (n, a) for k, n, a in zip(keys, HOSTILE, HOSTILE[::-1], strict=True)}
    ch = s.query("MATCH ()-[e:PAID]->() RETURN e.channel AS c")
    assert sorted(ch["c"]) == sorted(HOSTILE)
    # A hostile value as a query parameter is a value, not Cypher.
    hit = s.query("MATCH (p:Person {name: $n}) RETURN count(p) AS c", {"n": HOSTILE[0]})
    assert hit.loc[0, "c"] == 1


def test_kind_names_must_come_from_the_model(neo4j_store: Neo4jStore) -> None:
    rows = pd.DataFrame({"key": ["x"]})
    with pytest.raises(StoreError, match="unknown node kind"):
        neo4j_store.upsert_nodes("Person) DETACH DELETE (n", rows)
    with pytest.raises(StoreError, match="unknown edge kind"):
        neo4j_store.delete_edges("PAID]->() DETACH DELETE e //")
    with pytest.raises(StoreError, match="unknown node kind"):
        neo4j_store.upsert_nodes("person", rows)  # near miss: wrong case


def test_edge_endpoint_rules(neo4j_store: Neo4jStore) -> None:
    s = neo4j_store
    s.upsert_nodes("Unit", _units(1))
    s.upsert_nodes("Company", _companies(1))
    wrong_pair = _paid([("unit:0", "cname:c0", "Company")]).assign(src_kind="Company", dst_kind="Unit")
    with pytest.raises(StoreError, match="cannot join Company to Unit"):
        s.upsert_edges("PAID", wrong_pair)
    missing = _paid([("unit:0", "cname:nope", "Company")])
    with pytest.raises(StoreError, match="upsert the nodes before the edges"):
        s.upsert_edges("PAID", missing)
    assert s.counts()["PAID"] == 0


def test_query_is_read_only(neo4j_store: Neo4jStore) -> None:
    with pytest.raises(StoreError) as err:
        neo4j_store.query("CREATE (u:Unit {key: 'sneaky'}) RETURN u")
    assert "\n" not in str(err.value)
    assert neo4j_store.counts()["Unit"] == 0
    neo4j_store.execute("CREATE (u:Unit {key: $k})", {"k": "ok"})
    assert neo4j_store.counts()["Unit"] == 1


def _assert_one_line_with_fix(err: StoreError, *needles: str) -> None:
    text = str(err)
    assert "\n" not in text and "Traceback" not in text
    assert "Fix:" in in_language(err, "en") and "修复：" in in_language(err, "zh"), text  # each language whole
    for n in needles:
        assert n in text, text
    assert err.__cause__ is None and err.__suppress_context__


def test_wrong_password_is_a_clear_error(neo4j_store: Neo4jStore) -> None:
    with pytest.raises(StoreError) as err:
        Neo4jStore(neo4j_store.uri, user="neo4j", password="not-the-password")
    _assert_one_line_with_fix(err.value, "NEO4J_PASSWORD", "refused")


def test_missing_database_is_a_clear_error(neo4j_store: Neo4jStore) -> None:
    with pytest.raises(StoreError) as err:
        Neo4jStore(neo4j_store.uri, database="no_such_db")
    _assert_one_line_with_fix(err.value, "no_such_db", "does not exist")


def test_unreachable_server_is_a_clear_error() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(StoreError) as err:
        Neo4jStore(f"bolt://127.0.0.1:{port}", password="x" * 8)
    _assert_one_line_with_fix(err.value, "cannot reach", "scripts/neo4j-server start", str(port))


def test_invalid_uri_is_a_clear_error() -> None:
    with pytest.raises(StoreError) as err:
        Neo4jStore("bolt://127.0.0.1:notaport", password="x" * 8)
    _assert_one_line_with_fix(err.value, "invalid Neo4j URI")


def test_credentials_default_from_env(neo4j_store: Neo4jStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEO4J_PASSWORD", "wrong-from-env")
    with pytest.raises(StoreError, match="refused"):
        Neo4jStore(neo4j_store.uri)
    host = urlsplit(os.environ["NEO4J_URI"]).hostname
    assert host == "127.0.0.1"
