"""guanlian cypher: ad-hoc read-only Cypher; writes refused before they run, and by the engine as well."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from guanlian.cli import app
from guanlian.graph.ladybug import LadybugStore
from guanlian.graph.store import Store, StoreError
from guanlian.queries.adhoc import WriteRefused, check_read_only, run_adhoc, typed_param
from guanlian.queries.library import Library
from guanlian.queries.spec import QueryFileError

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
    assert r.exit_code == 2 and "只允许只读查询" in r.output and "Traceback" not in r.output
    with LadybugStore(store, create=False) as s:
        assert s.query("MATCH (p:Person) RETURN count(p) AS n")["n"].tolist() == [2]


def test_cli_engine_error_is_one_line(store: str) -> None:
    r = CliRunner().invoke(app, ["cypher", "MATCH (p:Nobody) RETURN p", "--store", store])
    assert r.exit_code == 2 and r.output.startswith("错误: 查询失败") and "Traceback" not in r.output, r.output
    r = CliRunner().invoke(app, ["cypher", "MATCH (p:Nobody) RETURN p", "--store", store, "--lang", "en"])
    assert r.exit_code == 2 and "query failed" in r.output and "查询" not in r.output, r.output


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


@pytest.fixture(params=["ladybug", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def empty_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "neo4j":
        yield request.getfixturevalue("neo4j_store")
        return
    with LadybugStore(tmp_path / "store") as s:
        s.ensure_schema()
        yield s


def test_money_sums_are_exact_integer_fen_on_both_engines(empty_store: Store) -> None:
    """LadybugDB sums INT64 as INT128, which pandas read as float64: 2**53 + 1 fen came back as 2**53 (issue 15)."""
    big = 2**53
    empty_store.upsert_nodes("Unit", pd.DataFrame({"key": ["unit:a"], "name": ["甲局"]}))
    empty_store.upsert_nodes("Company", pd.DataFrame({"key": ["cname:b"], "name": ["乙公司"]}))
    empty_store.upsert_edges("PAYMENT", pd.DataFrame({
        "src": ["unit:a"] * 3, "dst": ["cname:b"] * 3, "src_kind": ["Unit"] * 3, "dst_kind": ["Company"] * 3,
        "key": ["pay:1", "pay:2", "pay:3"], "amount": [big, 1, 22998383]}))
    df = run_adhoc(empty_store, "MATCH (u:Unit)-[p:PAYMENT]->(c:Company) RETURN u.name AS unit, "
                   "sum(p.amount) AS total, count(p) AS n, min(p.amount) AS least")
    total = df["total"].tolist()[0]
    assert total == big + 1 + 22998383 and isinstance(total, int) and not isinstance(total, bool)
    assert df["n"].tolist() == [3] and df["least"].tolist() == [1] and df["unit"].tolist() == ["甲局"]
    none = run_adhoc(empty_store, "MATCH (u:Unit)-[p:PAYMENT]->(c:Company) WHERE p.amount < 0 "
                     "RETURN sum(p.amount) AS total")
    assert none["total"].tolist() in ([0], [None])  # near miss: an empty sum stays a number (or null), not NaN


def _query_dir(tmp_path: Path) -> Path:
    d = tmp_path / "my-queries"
    d.mkdir()
    (d / "names.cypher").write_text("// persons called $n\nMATCH (p:Person) WHERE p.name = $n\n"
                                    "RETURN p.name AS name, p.id_number AS id\n", encoding="utf-8")
    (d / "wipe.cypher").write_text("MATCH (p:Person) DETACH DELETE p\n", encoding="utf-8")
    (d / "half.cypher").write_text("// ---\n// id: half\n// title_zh: 半个文件头\n// ---\nMATCH (n) RETURN n\n",
                                   encoding="utf-8")
    return d


def test_a_plain_cypher_file_runs_by_its_name_read_only(store: str, tmp_path: Path) -> None:
    """Issue 15 item 4: a .cypher file without a header in --queries-dir is an ad-hoc query; a broken one is one
    line naming it and the others still run."""
    d = _query_dir(tmp_path)
    r = CliRunner().invoke(app, ["run", "names", "--queries-dir", str(d), "--store", store, "--param", "n=刘桂英",
                                 "--format", "json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout) == [{"name": "刘桂英", "id": "3608**********204X"}]  # masked like cypher
    assert "wipe.cypher" in r.stderr and "half.cypher:2：文件头缺少 'title_en'" in r.stderr
    assert "Traceback" not in r.output
    r = CliRunner().invoke(app, ["run", "wipe", "--queries-dir", str(d), "--store", store])
    assert r.exit_code == 2 and "wipe.cypher" in r.output and "只允许只读查询" in r.output, r.output
    r = CliRunner().invoke(app, ["run", "wipe", "--queries-dir", str(d), "--store", store, "--lang", "en"])
    assert r.exit_code == 2 and "wipe.cypher" in r.output and "read-only" in r.output, r.output
    r = CliRunner().invoke(app, ["run", "half", "--queries-dir", str(d), "--store", store])
    assert r.exit_code == 2 and "half.cypher:2" in r.output and "Traceback" not in r.output, r.output
    with LadybugStore(store, create=False) as s:
        assert s.query("MATCH (p:Person) RETURN count(p) AS n")["n"].tolist() == [2]
    r = CliRunner().invoke(app, ["queries", "--queries-dir", str(d), "--json"])
    listed = {q["id"]: q for q in json.loads(r.stdout)}
    assert "names" in listed and listed["names"]["params"] == "$n" and "wipe" not in listed and "half" not in listed
    assert "relative_company_paid" in listed
    r = CliRunner().invoke(app, ["run", "names", "--queries-dir", str(tmp_path / "nowhere"), "--store", store])
    assert r.exit_code == 2 and "没有这个查询文件或文件夹" in r.output


def test_scan_runs_the_other_queries_when_one_file_is_broken(store: str, tmp_path: Path) -> None:
    d = _query_dir(tmp_path)
    out = tmp_path / "scan"
    r = CliRunner().invoke(app, ["scan", "--queries-dir", str(d), "--store", store, "--out", str(out),
                                 "--views", "none"])
    assert r.exit_code == 0, r.output
    assert "half.cypher" in r.stderr and "wipe.cypher" in r.stderr
    runs = {q["id"] for q in json.loads((out / "findings.json").read_text(encoding="utf-8"))["query_runs"]}
    assert "relative_company_paid" in runs and not runs & {"names", "wipe", "half"}
    with pytest.raises(QueryFileError, match="half.cypher"):  # the library API stays strict by default
        Library.load([d])
