"""Neo4j faults against a real (private) server, through the CLI: the server stops mid-load and comes back;
wrong credentials; nothing listening; a database that does not exist; a malformed URI. Each must end in a
one-line error with the fix, a non-zero exit status and no stack trace; a rerun after the outage completes
and duplicates nothing.
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import pytest

from guanlian.demo import DemoManifest
from guanlian.graph import sidecar_for
from guanlian.graph.neo4j import Neo4jStore
from guanlian.graph.store import StoreError
from guanlian.loaders.journal import journal_path

from .conftest import Server, cli
from .graphdigest import digest
from .test_kill import _events, one_per_kind

pytestmark = pytest.mark.neo4j


def _one_line_error(proc: subprocess.CompletedProcess[str], *needles: str) -> None:
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out
    assert "Traceback" not in out, out[-3000:]
    errors = [ln for ln in proc.stderr.splitlines() if "error" in ln.lower() or "错误" in ln]  # zh by default
    assert errors, out[-2000:]
    for n in needles:
        assert n.lower() in out.lower(), (n, out[-2000:])


def test_server_stops_mid_load_then_rerun_completes(tiny_demo: DemoManifest, private_neo4j: Server,
                                                    tmp_path: Path) -> None:
    mpath, n_files = one_per_kind(tiny_demo, tmp_path / "manifest.json")
    rejects = tmp_path / "rejects.csv"
    journal = journal_path(sidecar_for(private_neo4j.uri))
    cmd = cli("load", "--store", private_neo4j.uri, "--rejects", str(rejects), str(mpath), "--json")
    env = private_neo4j.env()
    with Neo4jStore(private_neo4j.uri, private_neo4j.user, private_neo4j.password) as s:
        s.clear()
        journal.unlink(missing_ok=True)
        clean = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600, check=False)
        assert clean.returncode == 0, clean.stderr[-2000:]
        want = digest(s)
        s.clear()
    journal.unlink(missing_ok=True)

    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # Freeze the loader as soon as it starts writing, take the server down (`neo4j stop` takes seconds), then
    # let the loader go on: its next write meets a server that is gone, whatever the machine's speed.
    deadline = time.monotonic() + 300
    while proc.poll() is None and time.monotonic() < deadline:
        if any(e.get("event") == "started" for e in _events(journal)):
            break
        time.sleep(0.002)
    proc.send_signal(signal.SIGSTOP)
    try:
        stopped = private_neo4j.script("stop")
    finally:
        proc.send_signal(signal.SIGCONT)
    assert stopped.returncode == 0, stopped.stderr
    try:
        out, err = proc.communicate(timeout=300)
        assert "Traceback" not in out + err, err[-3000:]
        interrupted = proc.returncode != 0
        if interrupted:
            assert proc.returncode == 2, (proc.returncode, err[-1000:])
            assert "neo4j" in err.lower() and "修复" in err, err[-1000:]  # zh by default
    finally:
        started = private_neo4j.script("start")
        assert started.returncode == 0, started.stderr[-2000:]
    assert interrupted, "the load finished before the server went down; nothing was tested"

    again = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert again.returncode == 0, again.stderr[-2000:]
    doc = json.loads(again.stdout)
    assert all(f["read"] == f["loaded"] + f["rejected"] for f in doc["files"])
    with Neo4jStore(private_neo4j.uri, private_neo4j.user, private_neo4j.password) as s:
        got = digest(s)
        dup = s.query("MATCH (n) WITH labels(n)[0] AS l, n.key AS k, count(*) AS c WHERE c > 1 RETURN count(*) AS d")
    assert got.counts == want.counts
    # PAYMENT/PAID/HAS_ACCOUNT may be keyed differently after a partial write: the known resolver defect shown
    # by test_idempotent.py::test_reload_without_journal_changes_nothing (strict xfail). Everything else must match.
    known = {"PAYMENT", "PAID", "HAS_ACCOUNT"}
    assert {k: v for k, v in got.per_kind.items() if k not in known} == {
        k: v for k, v in want.per_kind.items() if k not in known
    }
    assert int(dup["d"].iloc[0]) == 0
    assert sum(1 for e in _events(journal) if e.get("event") == "completed") >= n_files


def test_wrong_password_one_line(private_neo4j: Server) -> None:
    env = {**private_neo4j.env(), "NEO4J_PASSWORD": "not-the-password"}
    proc = subprocess.run(cli("stats", "--store", private_neo4j.uri), env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    _one_line_error(proc, "NEO4J_PASSWORD")
    assert proc.returncode == 2


def test_unreachable_server_one_line(private_neo4j: Server) -> None:
    proc = subprocess.run(cli("stats", "--store", "bolt://127.0.0.1:1"), env=private_neo4j.env(),
                          capture_output=True, text=True, timeout=120, check=False)
    _one_line_error(proc, "无法连接 Neo4j", "neo4j-server start")


def test_missing_database_one_line(private_neo4j: Server) -> None:
    proc = subprocess.run(cli("stats", "--store", private_neo4j.uri, "--database", "nosuchdb"),
                          env=private_neo4j.env(), capture_output=True, text=True, timeout=120, check=False)
    _one_line_error(proc, "nosuchdb", "SHOW DATABASES")


def test_bad_uri_one_line(private_neo4j: Server) -> None:
    proc = subprocess.run(cli("stats", "--store", "bolt://127.0.0.1:notaport"), env=private_neo4j.env(),
                          capture_output=True, text=True, timeout=120, check=False)
    _one_line_error(proc, "bolt://")


def test_reads_cannot_write_and_community_has_no_roles(private_neo4j: Server) -> None:
    """A read-only *user* needs roles (Enterprise only); what Community gives us: queries run in read
    transactions, so a saved query or parameter that tries to write is refused by the server."""
    with Neo4jStore(private_neo4j.uri, private_neo4j.user, private_neo4j.password) as s:
        with pytest.raises(StoreError):
            s.query("CREATE (n:Person {key: 'x'}) RETURN n.key AS k")
        assert s.query("MATCH (n:Person {key: 'x'}) RETURN count(n) AS c")["c"].iloc[0] == 0
        with pytest.raises(StoreError, match="(?i)enterprise|unsupported"):
            s._run(lambda: s._driver.execute_query("CREATE ROLE guanlian_reader IF NOT EXISTS",
                                                   database_="system"))
