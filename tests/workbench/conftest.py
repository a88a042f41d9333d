"""A tiny demo world plus hostile and traditional-script names, served by the workbench on both engines."""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from guanlian.graph import open_store
from guanlian.graph.store import Store
from guanlian.loaders.pipeline import load_files
from guanlian.matching.matcher import match_store
from guanlian.workbench.app import Settings, create_app
from guanlian.workbench.service import Workbench

TOKEN = "test-token-0123456789abcdef"
HOSTILE = ("<script>alert(1)</script>", "'}) DETACH DELETE n //")
TRADITIONAL = "劉桂蘭"


@dataclass
class World:
    """The demo folder, the store location and the official the extra relatives belong to."""

    out: Path
    location: str
    official: str


def _extra_relatives(out: Path) -> tuple[Path, str]:
    """A relatives file naming hostile strings and a traditional-script name as relatives of a demo official."""
    with (out / "data" / "family_report.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    header, first = rows[0], rows[1]
    extra = out / "extra_relatives.csv"
    with extra.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for relation, name in (("配偶", TRADITIONAL), ("妻弟", HOSTILE[0]), ("女儿", HOSTILE[1])):
            w.writerow([first[0], first[1], relation, name, "1970-01-01", "", "群众", "务农", ""])
    return extra, first[0]


def build_world(out: Path, store: Store) -> str:
    """Generate the tiny demo into ``out``, load it and the extra relatives into ``store``, match."""
    from guanlian.demo import generate

    manifest = generate(out, size="tiny", seed=7)
    extra, official = _extra_relatives(out)
    paths = [p for p, _k in manifest.files] + [extra]
    kinds: list[str | None] = [k for _p, k in manifest.files] + ["relatives"]
    load_files(store, paths, kinds=kinds, rejects_path=out / "rejects.csv")
    match_store(store)
    return official


@pytest.fixture(scope="session")
def ladybug_world(tmp_path_factory: pytest.TempPathFactory) -> World:
    out = tmp_path_factory.mktemp("wb-ladybug")
    location = str(out / "store")
    s = open_store(location)
    try:
        official = build_world(out, s)
    finally:
        s.close()
    return World(out, location, official)


@pytest.fixture(scope="session")
def neo4j_world(tmp_path_factory: pytest.TempPathFactory) -> World:
    from tests.conftest import neo4j_unavailable

    uri = os.environ.get("NEO4J_URI")
    if not uri:
        neo4j_unavailable("env NEO4J_URI is not set")
    from guanlian.graph.neo4j import Neo4jStore

    out = tmp_path_factory.mktemp("wb-neo4j")
    s = Neo4jStore(str(uri))
    try:
        s.ensure_schema()
        s.clear()
        official = build_world(out, s)
    finally:
        s.close()
    return World(out, str(uri), official)


@pytest.fixture(params=["ladybug", pytest.param("neo4j", marks=pytest.mark.neo4j)], scope="module")
def world(request: pytest.FixtureRequest) -> World:
    name = "ladybug_world" if request.param == "ladybug" else "neo4j_world"
    w: World = request.getfixturevalue(name)
    if request.param == "neo4j":
        _rebuild_if_cleared(w)
    return w


def _rebuild_if_cleared(w: World) -> None:
    """The Neo4j world lives on the shared server, which tests in other modules clear (``neo4j_store``);
    build it again in place when its official is gone, so module order never matters."""
    from guanlian.graph.neo4j import Neo4jStore

    s = Neo4jStore(w.location)
    try:
        found = s.query("MATCH (p:Person) WHERE p.name = $n RETURN count(*) AS n", {"n": w.official})
        if int(found["n"].iloc[0]) == 0:
            s.clear()
            again = build_world(w.out, s)
            assert again == w.official
    finally:
        s.close()


def make_client(wb: Workbench) -> TestClient:
    """A client that has visited the token URL (so it holds the session cookie)."""
    client = TestClient(create_app(wb, Settings(token=TOKEN)), base_url="http://127.0.0.1")
    r = client.get(f"/?token={TOKEN}", follow_redirects=False)
    assert r.status_code == 303 and "HttpOnly" in r.headers["set-cookie"]
    return client


@pytest.fixture(scope="module")
def bench(world: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Workbench, TestClient]]:
    clues = tmp_path_factory.mktemp("clues") / "clues.db"
    sidecar = tmp_path_factory.mktemp("sidecar") if world.location.startswith("bolt") else None
    wb = Workbench(world.location, clues=clues, sidecar=sidecar)
    yield wb, make_client(wb)
    wb.close()


@contextmanager
def running_workbench(wb: Workbench) -> Iterator[str]:
    """Serve ``wb`` with uvicorn on a free loopback port in a thread; yields its base URL, stops it after.
    (The browser tests need a real server; closing ``wb`` stays with the caller.)"""
    import threading
    import time

    import uvicorn

    from guanlian.workbench.server import free_port

    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(create_app(wb, Settings(token=TOKEN)), host="127.0.0.1", port=port,
                                        log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(200):
        if srv.started:
            break
        time.sleep(0.05)
    assert srv.started
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(timeout=10)
