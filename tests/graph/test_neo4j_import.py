"""CSV export for ``neo4j-admin database import full``, and a real import into a throwaway Neo4j home."""

from __future__ import annotations

import csv
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from guanlian.demo import generate
from guanlian.graph.neo4j import Neo4jStore
from guanlian.graph.neo4j_import import (
    COMMAND_FILE,
    _field,
    export_neo4j_import,
    import_command,
    prepare_home,
    run_import,
)
from guanlian.graph.store import Store
from guanlian.loaders import load_files
from guanlian.matching.matcher import match_store
from guanlian.queries import scan

TRICKY = ['引号"内"', "a,b", "two\nlines", "", "'}) DETACH DELETE n //", "\\N"]


def test_field_syntax() -> None:
    assert _field(None, "string") == ""  # missing: no property
    assert _field("", "string") == '""'  # empty string stays a string
    assert _field('say "hi"', "string") == '"say ""hi"""'
    assert _field(float("nan"), "float") == ""
    assert _field(pd.NA, "int") == ""
    assert _field(float("inf"), "float") == "Infinity"
    assert _field(0.1, "float") == "0.1"
    assert _field(12, "int") == "12" and _field(12.0, "int") == "12"
    assert _field(False, "bool") == "false"


def _load(store: Store) -> None:
    n = len(TRICKY)
    store.upsert_nodes("Unit", pd.DataFrame({"key": ["unit:a", "unit:b"], "name": ["甲局", "乙局"]}))
    store.upsert_nodes(
        "Person",
        pd.DataFrame(
            {
                "key": [f"anon:{i}" for i in range(n)],
                "name": TRICKY,
                "birth_date_day": [i * 1000 if i % 2 else None for i in range(n)],
            }
        ),
    )
    store.upsert_nodes(
        "Company",
        pd.DataFrame(
            {"key": ["cname:x", "cname:y"], "name": ["X公司", "Y公司"], "reg_capital": pd.array([150_000_000, None], dtype="Int64")}
        ),
    )
    store.upsert_edges(
        "PAID",
        pd.DataFrame(
            {
                "src": ["unit:a", "unit:a", "unit:b"],
                "dst": ["cname:x", "anon:0", "anon:2"],
                "src_kind": "Unit",
                "dst_kind": ["Company", "Person", "Person"],
                "key": ["p1", "p2", "p3"],
                "payments": [3, 1, 2],
                "total": pd.array([1025, 300, None], dtype="Int64"),
            }
        ),
    )
    store.upsert_edges(
        "SHAREHOLDER_OF",
        pd.DataFrame(
            {
                "src": ["anon:1"],
                "dst": ["cname:y"],
                "src_kind": "Person",
                "dst_kind": "Company",
                "key": ["s1"],
            }
        ),
    )


def _read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def _check_files(files: list[Path], out: Path) -> None:
    names = [p.name for p in files]
    assert names == [
        "nodes_Person.csv",
        "nodes_Company.csv",
        "nodes_Unit.csv",
        "rels_SHAREHOLDER_OF_Person_Company.csv",
        "rels_PAID_Unit_Company.csv",
        "rels_PAID_Unit_Person.csv",
        COMMAND_FILE,
    ]
    person = _read_csv(out / "nodes_Person.csv")
    header = person[0]
    assert header[0] == "key:ID(Person)" and header[-1] == ":LABEL"
    assert "birth_date_day:long" in header and "name" in header and "src_row:long" in header
    assert sorted(r[header.index("name")] for r in person[1:]) == sorted(TRICKY)
    assert all(r[-1] == "Person" for r in person[1:])
    company = _read_csv(out / "nodes_Company.csv")
    assert "reg_capital:long" in company[0]
    paid = _read_csv(out / "rels_PAID_Unit_Person.csv")
    assert paid[0][:3] == [":START_ID(Unit)", ":END_ID(Person)", "key"]
    assert paid[0][-1] == ":TYPE" and "payments:long" in paid[0]
    assert {r[-1] for r in paid[1:]} == {"PAID"}
    script = (out / COMMAND_FILE).read_text()
    assert "neo4j-admin database import full" in script
    assert "--nodes=nodes_Person.csv" in script and "--relationships=rels_PAID_Unit_Person.csv" in script
    assert os.access(out / COMMAND_FILE, os.X_OK)


def test_import_command_lists_every_file() -> None:
    argv = import_command([Path("nodes_Unit.csv"), Path("rels_PAID_Unit_Company.csv")], "graph")
    assert argv[:4] == ["neo4j-admin", "database", "import", "full"]
    assert "--nodes=nodes_Unit.csv" in argv and "--relationships=rels_PAID_Unit_Company.csv" in argv
    assert argv[4] == "graph" and "--multiline-fields=true" in argv


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def throwaway_home(tmp_path: Path, neo4j_dist: Path) -> Iterator[Path]:
    """A separate NEO4J_HOME (own conf and data, auth off); any server started from it is killed afterwards."""
    # C1 only: a short-lived server starts and plans its first queries in about half the time.
    home = prepare_home(tmp_path / "home", neo4j_dist, auth=False, jvm_options=["-XX:TieredStopAtLevel=1"])
    (home / "procs").write_text("")
    yield home
    for line in (home / "procs").read_text().split():
        try:  # a throwaway server: no clean shutdown needed; the group holds the bootloader and the server JVM
            os.killpg(int(line), signal.SIGKILL)
        except ProcessLookupError:
            pass


def _start(home: Path) -> str:
    """Start ``bin/neo4j console`` from ``home`` in the background; returns the Bolt URI once it answers."""
    port = _free_port()
    with (home / "conf" / "neo4j.conf").open("a") as fh:
        fh.write(f"server.bolt.listen_address=127.0.0.1:{port}\n")
    env = {**os.environ, "NEO4J_HOME": str(home), "NEO4J_CONF": str(home / "conf")}
    log = (home / "logs" / "console.log").open("wb")
    proc = subprocess.Popen(
        [str(home / "bin" / "neo4j"), "console"], env=env, stdout=log, stderr=log, start_new_session=True
    )
    with (home / "procs").open("a") as fh:
        fh.write(f"{proc.pid}\n")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return f"bolt://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"imported server did not start; see {home / 'logs'}")


def test_export_from_embedded_store(tmp_path: Path) -> None:
    ladybug = pytest.importorskip("guanlian.graph.ladybug")
    store = ladybug.LadybugStore(tmp_path / "store")
    store.ensure_schema()
    _load(store)
    files = export_neo4j_import(store, tmp_path / "out")
    store.close()
    _check_files(files, tmp_path / "out")


@pytest.mark.neo4j
@pytest.mark.slow
def test_neo4j_admin_import_round_trip(neo4j_store: Neo4jStore, tmp_path: Path, throwaway_home: Path) -> None:
    _load(neo4j_store)
    want = neo4j_store.counts()
    props = neo4j_store.query(
        "CALL () { MATCH (n) RETURN sum(size(keys(n))) AS p UNION ALL MATCH ()-[r]->() RETURN sum(size(keys(r))) AS p } "
        "RETURN sum(p) AS p"
    ).loc[0, "p"]
    out = tmp_path / "out"
    files = export_neo4j_import(neo4j_store, out)
    _check_files(files, out)

    home = throwaway_home
    report = run_import(home, files)
    assert report.nodes == sum(want[k] for k in ("Unit", "Person", "Company")) == 10
    assert report.relationships == want["PAID"] + want["SHAREHOLDER_OF"] == 4
    # neo4j-admin reads an array item written \N as null: the `names` list of the person named "\N" is not
    # imported (its `name` is); every other property is.
    assert report.properties == props - 1

    imported = Neo4jStore(_start(home), user="neo4j", password="auth-is-off")
    try:
        assert imported.counts() == want
        got = imported.query(
            "MATCH (p:Person) RETURN p.key AS key, p.name AS name, p.birth_date_day AS d ORDER BY key"
        )
        src = neo4j_store.query(
            "MATCH (p:Person) RETURN p.key AS key, p.name AS name, p.birth_date_day AS d ORDER BY key"
        )
        assert got["name"].tolist() == src["name"].tolist()  # quotes, commas, newlines, "" and \N verbatim
        assert got["d"].isna().tolist() == src["d"].isna().tolist()
        assert got["d"].dropna().astype(int).tolist() == src["d"].dropna().astype(int).tolist()
        edge = imported.query(
            "MATCH (:Unit {key: 'unit:a'})-[e:PAID]->(:Company) RETURN e.total AS t, e.payments AS n"
        )
        assert edge.to_dict("records") == [{"t": 1025, "n": 3}]
        missing = imported.query("MATCH ()-[e:PAID {key: 'p3'}]->() RETURN keys(e) AS k")
        assert "total" not in missing.loc[0, "k"]
    finally:
        imported.close()


def _findings(store: Store) -> dict[str, dict[str, object]]:
    """Findings of a full scan by id, without the document-level fields that name the store or the time."""
    return {f["id"]: f for f in scan(store).to_json()["findings"]}


@pytest.mark.neo4j
@pytest.mark.slow
def test_imported_world_gives_the_same_findings(tmp_path: Path, neo4j_dist: Path, throwaway_home: Path) -> None:
    """Embedded store → CSV → neo4j-admin import → server: every saved query finds the same links.

    Needs no shared server: the import and the server run in the throwaway home.
    """
    ladybug = pytest.importorskip("guanlian.graph.ladybug")
    manifest = generate(tmp_path / "demo", size="tiny", seed=7)
    embedded = ladybug.LadybugStore(tmp_path / "store")
    load_files(embedded, [p for p, _ in manifest.files])
    match_store(embedded)
    want_counts = embedded.counts()
    want = _findings(embedded)
    files = export_neo4j_import(embedded, tmp_path / "csv")
    embedded.close()
    assert want_counts["POSSIBLY_SAME"] > 0 and want_counts["PAYMENT"] > 0 and want_counts["PAID"] > 0
    assert len(want) > 10  # the tiny world plants schemes of every query kind

    run_import(throwaway_home, files)
    imported = Neo4jStore(_start(throwaway_home), user="neo4j", password="auth-is-off")
    try:
        imported.ensure_schema()  # the import creates no constraints; the store's own indexes must come back
        schema = imported.query("SHOW INDEXES YIELD name RETURN collect(name) AS n").loc[0, "n"]
        assert "guanlian_Person_key" in schema and "guanlian_POSSIBLY_SAME_key" in schema
        assert imported.counts() == want_counts
        got = _findings(imported)
    finally:
        imported.close()
    # Fuzzy identity links travel as POSSIBLY_SAME rows: findings resting on them must survive the import.
    assert {f["confidence"] for f in got.values()} >= {"certain", "possible"}
    assert sorted(got) == sorted(want)
    assert got == want  # same queries, scores, confidence, payments, paths, evidence and sentences
