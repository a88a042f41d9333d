"""``load`` into an empty local Neo4j through ``neo4j-admin database import`` (guanlian.loaders.neo4j_bulk).

The server tests stop and start the shared test server (``scripts/neo4j-server``) several times, about a minute
each: they are marked slow.
"""

from __future__ import annotations

import os
import random
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import pytest
from reliability.golden import DemoRun
from reliability.graphdigest import digest

from guanlian.demo import generate
from guanlian.finding import FindingsDoc
from guanlian.graph.neo4j import Neo4jStore
from guanlian.graph.neo4j_import import ImportReport, LocalServer, _csv_column, _field, run_import
from guanlian.graph.store import StoreError
from guanlian.loaders import load_files, neo4j_bulk
from guanlian.loaders.neo4j_bulk import Neo4jImportRoute
from guanlian.queries import scan
from tests.conftest import neo4j_unavailable

ROOT = Path(__file__).resolve().parents[2]


def _home(tmp_path: Path, port: int) -> Path:
    """A folder shaped like a Neo4j home (bin/neo4j-admin, conf/neo4j.conf with the Bolt port)."""
    (tmp_path / "bin").mkdir(parents=True)
    (tmp_path / "bin" / "neo4j-admin").write_text("#!/bin/sh\n")
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "neo4j.conf").write_text(
        f"# comment\nserver.bolt.listen_address=127.0.0.1:1\nserver.bolt.listen_address=127.0.0.1:{port}\n"
        "server.directories.data=store-data\n"
    )
    return tmp_path


def test_local_server_is_known_by_loopback_address_and_port(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEO4J_CONF", raising=False)
    server = LocalServer.of(_home(tmp_path, 7999))
    assert server.port == 7999  # the last of a repeated setting wins, as for the server
    assert server.data == tmp_path.resolve() / "store-data"  # relative folders are under the home
    assert server.database_dirs("neo4j") == [server.data / "databases" / "neo4j",
                                             server.data / "transactions" / "neo4j"]
    assert server.serves("bolt://127.0.0.1:7999") and server.serves("neo4j://neo4j@localhost:7999/x")
    assert not server.serves("bolt://127.0.0.1:7998")  # another port: another server
    assert not server.serves("bolt://db.example.org:7999")  # not this machine
    assert not server.serves("bolt://localhost")  # default port 7687
    assert server.pid() is None  # no pid file: not running
    with pytest.raises(StoreError, match="not a Neo4j home"):
        LocalServer.of(tmp_path / "conf")


def test_csv_columns_match_the_field_writer() -> None:
    """The Arrow column writer gives every value the text the row-wise exporter gives it."""
    rnd = random.Random(7)
    tricky = ['引号"内"', "a,b", "two\nlines", "", "\\N", "x" * 50, None]
    cases: list[tuple[str, Sequence[object], str | None]] = [
        ("string", [rnd.choice(tricky) for _ in range(200)], None),
        ("int", [rnd.choice([None, 0, -5, 2**40]) for _ in range(200)], "Int64"),
        ("float", [rnd.choice([None, 0.1, -2.5, 1e20, float("inf"), 3.0]) for _ in range(200)], "float64"),
        ("bool", [rnd.choice([True, False, None]) for _ in range(200)], "boolean"),
        ("strings", [rnd.choice([None, ["a"], ["x,y", '"q"'], ["两", "行\n"], ["\\Nx"]]) for _ in range(200)], None),
    ]
    for prop_type, values, dtype in cases:
        got = _csv_column(pd.Series(list(values), dtype=dtype or object), prop_type).to_pylist()
        want = [_field(v, prop_type) for v in values]
        if prop_type == "float":  # both are the shortest text of the same double ("3" and "3.0")
            assert [float(g) if g else None for g in got] == [float(w) if w else None for w in want]
        else:
            assert got == want, prop_type
    # an empty list is no property (the Bolt writer leaves it out), not an empty array
    assert _csv_column(pd.Series([[], ["a"]], dtype=object), "strings").to_pylist() == ["", '"a"']
    # "\\N" as an array item would come back as null: refused (before any server is stopped); as a string it is fine
    assert _csv_column(pd.Series(["\\N"], dtype=object), "string").to_pylist() == ['"\\N"']
    with pytest.raises(StoreError, match="--neo4j-import never"):
        _csv_column(pd.Series([["a"], ["x", "\\N"]], dtype=object), "strings")


def test_route_stays_out_of_the_embedded_store(tmp_path: Path) -> None:
    from guanlian.graph import open_store

    route = Neo4jImportRoute(mode="always", min_rows=0)
    store = open_store(tmp_path / "store")
    assert route(store, 10**7) is None and route.decision == {}


# -- against the real server ---------------------------------------------------------------------------------


@pytest.fixture
def server_home(neo4j_store: Neo4jStore) -> Path:
    """The NEO4J_HOME of the test server (env NEO4J_HOME, else scripts/neo4j-server's default instance)."""
    for candidate in (os.environ.get("NEO4J_HOME"), os.environ.get("GUANLIAN_NEO4J_HOME"), ROOT / ".cache" / "neo4j"):
        if not candidate:
            continue
        try:
            server = LocalServer.of(Path(candidate))
        except StoreError:
            continue
        if server.serves(neo4j_store.uri) and server.pid() is not None:
            return server.home
    neo4j_unavailable("no NEO4J_HOME of the server at NEO4J_URI (eval \"$(scripts/neo4j-server env)\")")


def _state(store: Neo4jStore) -> tuple[object, dict[str, object], str]:
    findings = {f["id"]: f for f in scan(store).to_json()["findings"]}
    rejects = (store.sidecar / "rejects.csv").read_text(encoding="utf-8-sig")
    return digest(store), findings, rejects


@pytest.mark.slow
def test_import_load_equals_bolt_load(neo4j_store: Neo4jStore, server_home: Path, tmp_path: Path) -> None:
    """The small demo world loaded by neo4j-admin import and by Bolt: same graph, findings and rejects."""
    files = [p for p, _ in generate(tmp_path / "demo", size="small", seed=7).files]
    store = neo4j_store

    small = Neo4jImportRoute(mode="auto", home=server_home)  # the default threshold: a small load stays on Bolt
    first = load_files(store, files, route=small)
    assert first.write_route["route"] == "bolt" and "threshold" in first.write_route["reason_en"]
    bolt = _state(store)

    extra = tmp_path / "extra.csv"
    extra.write_text("姓名,工作单位\n张三,吉安市交通运输局\n", encoding="utf-8")
    with pytest.raises(StoreError, match="not empty"):  # always: refused before anything is written
        load_files(store, [extra], route=Neo4jImportRoute(mode="always", home=server_home))
    again = Neo4jImportRoute(mode="auto", home=server_home, min_rows=0)  # the store is not empty now
    load_files(store, [extra], route=again)
    assert again.decision["route"] == "bolt" and "not empty" in again.decision["reason_en"]

    store.clear()
    for name in ("journal.jsonl", "rejects.csv"):
        (store.sidecar / name).unlink(missing_ok=True)
    route = Neo4jImportRoute(mode="auto", home=server_home, min_rows=1_000)
    summary = load_files(store, files, route=route)
    assert summary.write_route["route"] == "import", summary.write_route
    assert "neo4j-admin" in summary.write_route["reason_en"] and "neo4j-admin" in summary.write_route["reason_zh"]
    assert set(summary.write_route["seconds"]) == {"csv", "stop", "import", "start", "schema"}
    assert [(f.read, f.loaded, f.rejected) for f in summary.files] == [(f.read, f.loaded, f.rejected)
                                                                        for f in first.files]
    assert sum(f.rejected for f in summary.files) > 0  # the world plants bad rows: reported the same way
    assert summary.counts_after == first.counts_after and summary.counts_after["PAID"] > 0
    schema = store.query("SHOW CONSTRAINTS YIELD name RETURN collect(name) AS n").loc[0, "n"]
    assert "guanlian_Person_key" in schema and "guanlian_PAYMENT_key" in schema
    imported = _state(store)
    assert imported[0] == bolt[0]  # counts, and a digest of every property of every node and edge
    assert imported[1] == bolt[1] and len(bolt[1]) > 10
    assert imported[2] == bolt[2]


@pytest.mark.slow
def test_failed_import_restores_the_empty_database(neo4j_store: Neo4jStore, server_home: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The importer fails for real after the server was stopped: the empty database comes back and the server
    runs again; the load says so, and the store takes writes again."""
    files = [p for p, _ in generate(tmp_path / "demo", size="tiny", seed=7).files]
    bad = tmp_path / "rels_bad.csv"  # a relationship to a node no file holds: neo4j-admin aborts
    bad.write_text(':START_ID(Unit),:END_ID(Unit),key,:TYPE\n"nobody","nowhere","x",PAID\n', encoding="utf-8")

    def failing(home: Path, csvs: list[Path], database: str = "neo4j", conf: Path | None = None) -> ImportReport:
        return run_import(home, [*csvs, bad], database, conf=conf)

    monkeypatch.setattr(neo4j_bulk, "run_import", failing)
    route = Neo4jImportRoute(mode="always", home=server_home)
    with pytest.raises(StoreError, match="empty database it had") as err:
        load_files(neo4j_store, files, route=route)
    assert "neo4j-admin import failed" in str(err.value)
    assert sum(neo4j_store.counts().values()) == 0
    assert not any(p.name.endswith(".guanlian-before-import") for p in (server_home / "data" / "databases").iterdir())
    # the database from before the import, with the constraints the load had created, is back and writable
    schema = neo4j_store.query("SHOW CONSTRAINTS YIELD name RETURN collect(name) AS n").loc[0, "n"]
    assert "guanlian_Person_key" in schema
    neo4j_store.upsert_nodes("Unit", pd.DataFrame({"key": ["unit:甲"], "name": ["甲局"]}))
    assert neo4j_store.counts()["Unit"] == 1


@pytest.mark.slow
def test_demo_on_a_server_empties_it_then_imports(neo4j_store: Neo4jStore, server_home: Path, tmp_path: Path,
                                                  demo_run: DemoRun) -> None:
    """``guanlian demo --store neo4j://…`` empties the database first, so its load is a first load: below the
    threshold it is written over Bolt, above it through neo4j-admin import; both find what the embedded demo
    finds. The embedded demo ignores the route."""
    from guanlian.workflow import run_demo

    def found(doc: FindingsDoc) -> dict[str, tuple[tuple[str, ...], str]]:
        return {f.id: (tuple(sorted(f.queries)), f.confidence) for f in doc.findings}

    want = found(demo_run.doc)  # the tiny world, seed 7, embedded
    assert len(want) > 5
    neo4j_store.upsert_nodes("Unit", pd.DataFrame({"key": ["unit:旧"], "name": ["旧局"]}))  # left from before
    default = run_demo(tmp_path / "bolt", size="tiny", seed=7, store=neo4j_store.uri, lang="en")
    assert default.load.write_route["route"] == "bolt" and "threshold" in default.load.write_route["reason_en"]
    assert found(default.scan.doc) == want

    # the database now holds the last demo's world: the demo empties it, and the import may run
    route = Neo4jImportRoute(home=server_home, min_rows=1)
    imported = run_demo(tmp_path / "import", size="tiny", seed=7, store=neo4j_store.uri, lang="en", route=route)
    assert imported.load.write_route["route"] == "import", imported.load.write_route
    assert imported.load.counts_after == default.load.counts_after
    assert imported.match_tiers == default.match_tiers
    assert found(imported.scan.doc) == want

    embedded = run_demo(tmp_path / "embedded", size="tiny", seed=7, lang="en",
                        route=Neo4jImportRoute(mode="always", home=server_home, min_rows=0))
    assert embedded.load.write_route == {} and found(embedded.scan.doc) == want
