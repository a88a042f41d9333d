"""The same demo case loaded into LadybugDB and into the real Neo4j server gives the same graph.

Counts per node and edge kind must be equal, and a sample of nodes of every kind must have identical
property sets and values. The CLI works against the server exactly as against a directory.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from guanlian.cli import app
from guanlian.demo import generate
from guanlian.graph.ladybug import LadybugStore
from guanlian.graph.neo4j import Neo4jStore
from guanlian.loaders import load_files
from guanlian.matching.matcher import _read_persons, match_store
from guanlian.model import model

pytestmark = pytest.mark.neo4j


def _clean(v: object) -> object:
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
        return None
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def _props(store: LadybugStore | Neo4jStore, kind: str, keys: list[str]) -> dict[str, dict[str, object]]:
    cols = [p.name for p in model().node(kind).all_props if p.name != "load_id"]
    ret = ", ".join(f"n.{c} AS {c}" for c in cols)
    df = store.query(f"MATCH (n:{kind}) WHERE n.key IN $keys RETURN {ret}", {"keys": keys})
    return {r["key"]: {c: _clean(r[c]) for c in cols if _clean(r[c]) is not None} for r in df.to_dict("records")}


def test_demo_loads_identically_on_both_engines(tmp_path: Path, neo4j_store: Neo4jStore) -> None:
    manifest = generate(tmp_path / "case", size="tiny", seed=5)
    paths = [p for p, _ in manifest.files]
    kinds = [k for _, k in manifest.files]
    embedded = LadybugStore(tmp_path / "store")
    load_files(embedded, paths, kinds=kinds, rejects_path=tmp_path / "r1.csv")
    load_files(neo4j_store, paths, kinds=kinds, rejects_path=tmp_path / "r2.csv")
    tiers_embedded = match_store(embedded).per_tier()
    tiers_neo4j = match_store(neo4j_store).per_tier()
    assert tiers_embedded == tiers_neo4j
    assert embedded.counts() == neo4j_store.counts()
    for kind in model().node_names:
        keys = embedded.query(f"MATCH (n:{kind}) RETURN n.key AS k ORDER BY k LIMIT 40")["k"].tolist()
        assert _props(embedded, kind, keys) == _props(neo4j_store, kind, keys), kind
    # edges too: the PAID totals per pair are the same
    q = "MATCH (u:Unit)-[p:PAID]->(c:Company) RETURN u.key AS uk, c.key AS ck, p.payments AS n, p.total AS t ORDER BY uk, ck"
    a, b = embedded.query(q), neo4j_store.query(q)
    assert a["n"].tolist() == b["n"].tolist() and a["t"].round(2).tolist() == b["t"].round(2).tolist()
    embedded.close()


def test_cli_load_and_stats_against_the_server(tmp_path: Path, neo4j_store: Neo4jStore) -> None:
    uri = os.environ["NEO4J_URI"]
    manifest = generate(tmp_path / "case", size="tiny", seed=5)
    runner = CliRunner()
    r = runner.invoke(app, ["load", str(manifest.truth_path.parent / "data" / "manifest.json"), "--store", uri,
                            "--rejects", str(tmp_path / "rejects.csv"), "--json"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["stats", "--store", uri, "--json"])
    assert r.exit_code == 0
    counts = json.loads(r.stdout)
    assert counts == neo4j_store.counts() and counts["Person"] > 0


def test_rows_answer_what_query_answers_on_both_engines(tmp_path: Path, neo4j_store: Neo4jStore) -> None:
    """``Store.rows`` (no DataFrame) gives query's rows as dicts; an integer column with a null keeps its integers
    (a DataFrame turns it into floats), on both engines alike."""
    units = pd.DataFrame({"key": ["unit:甲局", "unit:乙局"], "name": ["甲局", "乙局"], "src_file": ["a.csv", "a.csv"],
                          "src_row": [3, None]})
    embedded = LadybugStore(tmp_path / "store")
    cypher = "MATCH (n:Unit) WHERE n.key IN $keys RETURN n.key AS key, n.src_row AS row ORDER BY key"
    params = {"keys": ["unit:甲局", "unit:乙局", "unit:丙局"]}
    for store in (embedded, neo4j_store):
        store.upsert_nodes("Unit", units)
        got = store.rows(cypher, params)
        assert got == [{"key": "unit:乙局", "row": None}, {"key": "unit:甲局", "row": 3}], store.engine
        assert type(got[1]["row"]) is int
        assert store.query(cypher, params)["key"].tolist() == [r["key"] for r in got]
        assert store.rows(cypher, {"keys": ["unit:丙局"]}) == []  # a near miss: no such unit


def test_query_arrow_answers_what_query_answers_on_both_engines(tmp_path: Path, neo4j_store: Neo4jStore) -> None:
    """``Store.query_arrow`` (what the matcher reads the persons with) holds query's rows, list properties as
    lists and nulls as nulls, on both engines alike; the persons the matcher reads are the same on both."""
    persons = pd.DataFrame({"key": ["ric:1", "anon:王<script>"], "name": ["刘桂兰", "王<script>"],
                            "names": [["刘桂兰", "刘桂香"], ["王<script>"]], "src_file": ["a.csv", "b.csv"],
                            "src_row": [3, 4]})
    embedded = LadybugStore(tmp_path / "store")
    cypher = "MATCH (p:Person) RETURN p.key AS key, p.name AS name, p.names AS names, p.phone AS phone ORDER BY key"
    for store in (embedded, neo4j_store):
        store.upsert_nodes("Person", persons)
        table = store.query_arrow(cypher)
        assert table.column_names == ["key", "name", "names", "phone"], store.engine
        assert table.to_pylist() == [
            {"key": "anon:王<script>", "name": "王<script>", "names": ["王<script>"], "phone": None},
            {"key": "ric:1", "name": "刘桂兰", "names": ["刘桂兰", "刘桂香"], "phone": None}], store.engine
        assert store.query_arrow(cypher.replace("RETURN", "WHERE p.key = 'x' RETURN")).num_rows == 0
    read = [_read_persons(s).sort_values("key").reset_index(drop=True) for s in (embedded, neo4j_store)]
    assert read[0]["names"].tolist() == read[1]["names"].tolist() == [["王<script>"], ["刘桂兰", "刘桂香"]]
    assert read[0]["name"].tolist() == read[1]["name"].tolist()
