"""No silent all-clear: commands that read a store refuse one that does not exist (issue 15, item 1).

Only ``load`` and ``demo`` create a store. A typo (``demo-out/stroe``), a folder that is not a store, a Neo4j
database that does not exist or holds no guanlian schema: one line naming it, exit 2, nothing created. ``scan``
warns when ``match`` has not run since the last load. The clue library has one default place, the store's
sidecar folder, used by ``demo``, ``scan --clues`` and ``clues *``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from guanlian.cli import app
from guanlian.graph import open_store, sidecar_for
from guanlian.graph.neo4j import Neo4jStore

runner = CliRunner()

OFFICIALS = "姓名,公民身份号码,性别,出生年月,工作单位,职务\n张三,36080219700101001X,男,1970.01,吉安市交通运输局,局长\n"


def _reading_commands(store: str, tmp: Path) -> list[list[str]]:
    """Every command that reads a store (with the arguments it needs besides --store)."""
    return [
        ["stats", "--store", store],
        ["match", "--store", store],
        ["find", "张三", "--store", store],
        ["run", "official_in_business", "--store", store],
        ["scan", "--store", store, "--out", str(tmp / "scan-out")],
        ["view", "张三", "--store", store, "--out", str(tmp / "v.html")],
        ["export-neo4j-import", "--store", store, "--out", str(tmp / "import")],
        ["clues", "list", "--store", store],
        ["clues", "show", "XS-2026-0001", "--store", store],
        ["clues", "export", "--store", store, "--out", str(tmp / "c.xlsx")],
        ["clues", "transfer", "XS-2026-0001", "--to", "某室", "--store", store],
        ["clues", "add", "--from", str(tmp / "findings.json"), "--store", store],
    ]


def _refused(args: list[str], needle: str) -> str:
    r = runner.invoke(app, args)
    assert r.exit_code == 2, (args, r.output)
    assert "Traceback" not in r.output and needle in r.output, (args, r.output)
    lines = [ln for ln in r.output.splitlines() if ln.strip()]
    assert len(lines) == 1, (args, r.output)  # one line, naming the store
    return r.output


def _findings(tmp: Path) -> None:
    (tmp / "findings.json").write_text(json.dumps({"findings": []}), encoding="utf-8")


def test_typo_in_store_path_is_refused_and_nothing_created(tmp_path: Path) -> None:
    _findings(tmp_path)
    typo = tmp_path / "demo-out" / "stroe"
    for args in _reading_commands(str(typo), tmp_path):
        _refused(args, "stroe")
    assert not (tmp_path / "demo-out").exists(), "a refused command must not create the store or its folder"
    assert not (tmp_path / "scan-out").exists() and not (tmp_path / "c.xlsx").exists()


def test_folder_that_is_not_a_store_is_refused(tmp_path: Path) -> None:
    """Near miss: the folder exists (e.g. the demo's output folder instead of its store) but holds no store."""
    _findings(tmp_path)
    folder = tmp_path / "demo-out"
    folder.mkdir()
    (folder / "report.html").write_text("<html></html>", encoding="utf-8")
    for args in _reading_commands(str(folder), tmp_path):
        out = _refused(args, "demo-out")
        assert "不是图存储" in out or "线索库不存在" in out, out  # zh by default (one vocabulary)
    assert sorted(p.name for p in folder.iterdir()) == ["report.html"], "nothing may be created inside it"
    f = tmp_path / "a-file"
    f.write_text("x", encoding="utf-8")
    _refused(["stats", "--store", str(f)], "不是目录")
    _refused(["stats", "--store", str(f), "--lang", "en"], "not a directory")


def test_unknown_uri_scheme_is_refused(tmp_path: Path) -> None:
    out = _refused(["stats", "--store", "http://127.0.0.1:7474"], "http")
    assert "bolt://" in out  # the message lists what is accepted
    assert not Path("http:").exists()


def test_only_load_creates_and_scan_warns_until_match(tmp_path: Path) -> None:
    src = tmp_path / "officials.csv"
    src.write_text(OFFICIALS, encoding="utf-8")
    store = tmp_path / "store"
    r = runner.invoke(app, ["load", str(src), "--store", str(store), "--kind", "officials"])
    assert r.exit_code == 0, r.output
    assert (store / "graph.lbug").exists()

    r = runner.invoke(app, ["scan", "--store", str(store), "--out", str(tmp_path / "o1")])
    assert r.exit_code == 0, r.output
    assert "guanlian match" in r.output and "尚未运行 match" in r.output

    r = runner.invoke(app, ["match", "--store", str(store)])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["scan", "--store", str(store), "--out", str(tmp_path / "o2")])
    assert r.exit_code == 0 and "尚未运行 match" not in r.output, r.output

    # reloading the same file writes nothing: the links stay current. New rows make them stale again.
    r = runner.invoke(app, ["load", str(src), "--store", str(store), "--kind", "officials"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["scan", "--store", str(store), "--out", str(tmp_path / "o3")])
    assert "尚未运行 match" not in r.output, r.output
    more = tmp_path / "more.csv"
    more.write_text(OFFICIALS.replace("张三", "李四").replace("001X", "0028"), encoding="utf-8")
    runner.invoke(app, ["load", str(more), "--store", str(store), "--kind", "officials"])
    r = runner.invoke(app, ["scan", "--store", str(store), "--out", str(tmp_path / "o4")])
    assert "guanlian match" in r.output, r.output


def test_clue_library_has_one_default_place(tmp_path: Path) -> None:
    """scan --clues files into the store's library; clues * read it with --store alone (the README tour,
    demo → ``clues list --store demo-out/store``, is tested in test_cli.py)."""
    src = tmp_path / "officials.csv"
    src.write_text(OFFICIALS, encoding="utf-8")
    store = tmp_path / "store"
    assert runner.invoke(app, ["load", str(src), "--store", str(store), "--kind", "officials"]).exit_code == 0
    _refused(["clues", "list", "--store", str(store)], "线索库不存在")
    assert not (store / "clues.db").exists()
    r = runner.invoke(app, ["scan", "--store", str(store), "--out", str(tmp_path / "o"), "--clues"])
    assert r.exit_code == 0, r.output
    assert (store / "clues.db").is_file() and sidecar_for(str(store)) == store
    assert str(store / "clues.db") in r.output.replace("\n", "")
    listing = runner.invoke(app, ["clues", "list", "--store", str(store)])
    assert listing.exit_code == 0 and "0" in listing.output, listing.output


# -- Neo4j --------------------------------------------------------------------------------------------------
@pytest.mark.neo4j
def test_neo4j_database_that_does_not_exist_is_refused(neo4j_store: Neo4jStore, tmp_path: Path) -> None:
    _findings(tmp_path)
    uri = neo4j_store.uri
    for args in _reading_commands(uri, tmp_path):
        if args[0] == "clues" and args[1] != "add":
            continue  # the library check (below) comes first for these; they never open the store
        _refused([*args, "--database", "nosuchdb"], "nosuchdb")
    dbs = neo4j_store.query("SHOW DATABASES YIELD name RETURN name")["name"].tolist()
    assert "nosuchdb" not in dbs
    assert not sidecar_for(uri, "nosuchdb").exists()
    _refused(["clues", "list", "--store", uri, "--database", "nosuchdb"], "线索库不存在")


@pytest.mark.neo4j
def test_neo4j_database_without_guanlian_schema_is_refused(neo4j_store: Neo4jStore, tmp_path: Path) -> None:
    """Near miss: the database exists (the server's default) but guanlian never loaded into it."""
    names = neo4j_store.query("SHOW CONSTRAINTS YIELD name WHERE name STARTS WITH 'guanlian_' RETURN name")["name"]
    try:
        for name in names:
            neo4j_store.execute(f"DROP CONSTRAINT {name} IF EXISTS")
        for args in (["stats", "--store", neo4j_store.uri], ["scan", "--store", neo4j_store.uri, "--out",
                                                                str(tmp_path / "o")]):
            out = _refused(args, "不是图存储")
            assert "默认数据库" in out and "default" not in out, out  # wholly Chinese under zh
        en = _refused(["stats", "--store", neo4j_store.uri, "--lang", "en"], "not a guanlian store")
        assert "the default database" in en and "图" not in en, en
        left = neo4j_store.query("SHOW CONSTRAINTS YIELD name WHERE name STARTS WITH 'guanlian_' RETURN name")
        assert left.empty, "a refused command must not create the schema"
        assert not (tmp_path / "o").exists()
    finally:
        s = open_store(neo4j_store.uri)  # puts the schema back
        s.close()


@pytest.mark.neo4j
def test_neo4j_load_creates_and_clue_library_lives_in_the_sidecar(neo4j_store: Neo4jStore, tmp_path: Path) -> None:
    src = tmp_path / "officials.csv"
    src.write_text(OFFICIALS, encoding="utf-8")
    uri = neo4j_store.uri
    r = runner.invoke(app, ["load", str(src), "--store", uri, "--kind", "officials"])
    assert r.exit_code == 0, r.output
    side = sidecar_for(uri)
    assert (side / "load-journal.jsonl").is_file(), "the journal goes to the store's local sidecar folder"
    r = runner.invoke(app, ["scan", "--store", uri, "--out", str(tmp_path / "o")])
    assert r.exit_code == 0 and "guanlian match" in r.output, r.output
    assert runner.invoke(app, ["match", "--store", uri]).exit_code == 0
    r = runner.invoke(app, ["scan", "--store", uri, "--out", str(tmp_path / "o"), "--clues"])
    assert r.exit_code == 0 and "尚未运行 match" not in r.output, r.output
    assert (side / "clues.db").is_file()
    assert runner.invoke(app, ["clues", "list", "--store", uri]).exit_code == 0


def _outdated_store(tmp: Path) -> str:
    """A store as an older guanlian wrote it: Person without ``name_norm`` (a property the model gained)."""
    import pandas as pd

    location = str(tmp / "old")
    s = open_store(location)
    s.upsert_nodes("Person", pd.DataFrame([{"key": "anon:1", "name": "张三"}]))
    s.execute("ALTER TABLE Person DROP name_norm")
    s.close()
    return location


def test_outdated_store_read_only_says_what_and_how_to_fix(tmp_path: Path) -> None:
    """A read-only open (``cypher``, the workbench) cannot add what the model gained: one line naming what is
    missing and the command that upgrades the store, on the CLI and as the workbench's error page (issue 17)."""
    from starlette.testclient import TestClient

    from guanlian.workbench.app import Settings, create_app
    from guanlian.workbench.service import Workbench

    location = _outdated_store(tmp_path)
    r = runner.invoke(app, ["cypher", "MATCH (n:Person) RETURN n.name_norm AS x", "--store", location])
    assert r.exit_code == 2
    msg = " ".join(r.output.split())
    assert "Person.name_norm" in msg and f"guanlian stats --store {location}" in msg
    assert "Binder" not in msg  # the engine's words are not the message
    ok = runner.invoke(app, ["cypher", "MATCH (n:Person) RETURN n.name AS x", "--store", location])
    assert ok.exit_code == 0 and "张三" in ok.output  # what the old store has still reads

    wb = Workbench(location, clues=tmp_path / "clues.db")
    client = TestClient(create_app(wb, Settings(token="t" * 20)), base_url="http://127.0.0.1",
                        headers={"Authorization": "Bearer " + "t" * 20})
    api = client.get("/api/search?q=张三")
    assert api.status_code == 503 and "guanlian stats --store" in api.json()["error"]
    page = client.get("/?q=张三")
    assert page.status_code == 503 and "Person.name_norm" in page.text and "guanlian stats --store" in page.text
    wb.close()
    fixed = runner.invoke(app, ["stats", "--store", location])  # the fix the message names
    assert fixed.exit_code == 0, fixed.output
    hits = client.get("/api/search?q=张三").json()["hits"]
    assert [h["name"] for h in hits] == ["张三"]
    wb.close()


def test_store_with_amounts_in_yuan_is_refused_read_only(tmp_path: Path) -> None:
    """Amounts still in yuan would be read as fen without any error: the read-only open refuses at once."""
    location = _outdated_store(tmp_path)
    s = open_store(location)
    s.execute("ALTER TABLE PAYMENT DROP amount")
    s.execute("ALTER TABLE PAYMENT ADD amount DOUBLE")
    s.close()
    r = runner.invoke(app, ["cypher", "MATCH (n:Person) RETURN n.name AS x", "--store", location])
    assert r.exit_code == 2 and "PAYMENT.amount" in " ".join(r.output.split())
    assert runner.invoke(app, ["stats", "--store", location]).exit_code == 0  # converted to fen in place
    assert runner.invoke(app, ["cypher", "MATCH (n:Person) RETURN n.name AS x", "--store", location]).exit_code == 0
