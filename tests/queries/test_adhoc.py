"""guanlian cypher: ad-hoc read-only Cypher; writes refused before they run, and by the engine as well."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from guanlian.cli import app
from guanlian.graph.ladybug import LadybugStore
from guanlian.graph.store import StoreError
from guanlian.queries.adhoc import WriteRefused, check_read_only, typed_param

WRITES = [
    "CREATE (:Person {key: 'x'})",
    "MATCH (p:Person) MERGE (p)-[:RELATIVE_OF]->(p)",
    "MATCH (p:Person) SET p.name = 'x' RETURN p",
    "MATCH (p:Person) DELETE p",
    "MATCH (p:Person) DETACH DELETE p",
    "MATCH (p:Person) REMOVE p.name",
    "CALL apoc.create.node(['Person'], {key: 'x'})",
    "CALL db.createLabel('X')",
    "COPY Person FROM 'x.csv'",
    "LOAD CSV FROM 'file:///etc/passwd' AS r RETURN r",
    "LOAD FROM 'x.csv' RETURN *",
    "match (p) detach delete p",  # case
    "MATCH (p) /* comment */DeTaCh/**/DELETE p",  # comments between the words
    "MATCH (p) // RETURN\nDELETE p",  # the write after a line comment
    "MATCH (p) RETURN p; CREATE (:Person {key: 'y'})",  # a second statement
    "MATCH (p) FOREACH (x IN [1] | CREATE (:Person {key: 'z'}))",
    "DROP TABLE Person",
    "ALTER TABLE Person ADD x STRING",
    "INSTALL httpfs",
    "",
]

READS = [
    "MATCH (p:Person) RETURN p.name AS name",
    "MATCH (p:Person) WHERE p.name = 'CREATE (x)' RETURN p.name",  # a write word inside a string
    'MATCH (p:Person) WHERE p.name CONTAINS "DELETE" RETURN count(p) AS n',
    "MATCH (p:Person) RETURN p.name AS `set`",  # inside a back-quoted name
    "MATCH (p:Person) RETURN p.key // then DELETE p",  # inside a comment
    "MATCH (p:Person) WHERE p.created_day > $since RETURN count(*) AS n",  # 'created' is not CREATE
    "CALL table_info('Person') RETURN *",
    "MATCH (u:Unit) CALL (u) { MATCH (u)-[p:PAYMENT]->() RETURN sum(p.amount) AS s } RETURN u.key, s",
]


@pytest.mark.parametrize("text", WRITES)
def test_writes_are_refused_before_they_run(text: str) -> None:
    with pytest.raises(WriteRefused):
        check_read_only(text)


@pytest.mark.parametrize("text", READS)
def test_reads_pass_the_check(text: str) -> None:
    check_read_only(text)


def test_param_values_are_typed() -> None:
    assert [typed_param(v) for v in ("7", "-2", "0.25", "false", "null", "吉安", "'12'")] == [
        7, -2, 0.25, False, None, "吉安", "12"]


@pytest.fixture
def store(tmp_path: Path) -> str:
    path = tmp_path / "store"
    with LadybugStore(path) as s:
        s.ensure_schema()
        s.upsert_nodes("Person", pd.DataFrame({"key": ["ric:36082119450301204X", "anon:1"], "name": ["刘桂英", "张三"],
                                                "id_number": ["36082119450301204X", None]}))
    return str(path)


def test_cli_reads_with_params_and_masks_ids(store: str, tmp_path: Path) -> None:
    out = tmp_path / "rows.json"
    r = CliRunner().invoke(app, ["cypher", "MATCH (p:Person) WHERE p.name = $n RETURN p.name AS name, "
                                 "p.id_number AS id", "--store", store, "--param", "n=刘桂英",
                                 "--format", "json", "--out", str(out)])
    assert r.exit_code == 0, r.output
    rows = json.loads(out.read_text(encoding="utf-8"))
    assert rows == [{"name": "刘桂英", "id": "3608**********204X"}]


def test_cli_refuses_a_write_and_the_store_is_unchanged(store: str) -> None:
    r = CliRunner().invoke(app, ["cypher", "MATCH (p:Person) DETACH DELETE p", "--store", store])
    assert r.exit_code == 2 and "read-only" in r.output and "Traceback" not in r.output
    with LadybugStore(store, create=False) as s:
        assert s.query("MATCH (p:Person) RETURN count(p) AS n")["n"].tolist() == [2]


def test_cli_engine_error_is_one_line(store: str) -> None:
    r = CliRunner().invoke(app, ["cypher", "MATCH (p:Nobody) RETURN p", "--store", store])
    assert r.exit_code == 2 and "query failed" in r.output and "Traceback" not in r.output


def test_cli_refuses_a_missing_store(tmp_path: Path) -> None:
    r = CliRunner().invoke(app, ["cypher", "MATCH (p) RETURN p", "--store", str(tmp_path / "nowhere")])
    assert r.exit_code == 2 and not (tmp_path / "nowhere").exists()


def test_embedded_read_only_open_refuses_writes_itself(store: str) -> None:
    """The second lock: even a write that got past the check fails on the read-only embedded store."""
    with LadybugStore(store, read_only=True) as s, pytest.raises((StoreError, RuntimeError)):
        s.query("CREATE (:Person {key: 'sneaky'})")


@pytest.mark.neo4j
def test_neo4j_read_transaction_refuses_writes(neo4j_store: object) -> None:
    """The second lock on Neo4j: ``query`` runs in a read transaction, so the server refuses a write."""
    from guanlian.graph.neo4j import Neo4jStore

    assert isinstance(neo4j_store, Neo4jStore)
    with pytest.raises(StoreError):
        neo4j_store.query("CREATE (:Person {key: 'sneaky'}) RETURN 1 AS n")
    assert neo4j_store.query("MATCH (p:Person {key: 'sneaky'}) RETURN count(p) AS n")["n"].tolist() == [0]
    r = CliRunner().invoke(app, ["cypher", "MATCH (p:Person) RETURN count(p) AS n", "--store", neo4j_store.uri,
                                 "--format", "csv"])
    assert r.exit_code == 0, r.output
    assert r.output.splitlines()[:2] == ["n", "0"]
