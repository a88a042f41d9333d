"""Shared fixtures. Neo4j: ``neo4j_store`` connects to env ``NEO4J_URI`` (started by scripts/neo4j-server).

When the server is unreachable the Neo4j tests are skipped locally, but fail in CI (env ``CI=true``): CI is
expected to have started the server, so a silent skip would hide a broken setup.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest
from reliability.golden import DemoRun, run_demo_world
from reliability.graphdigest import CleanLoad, digest

from guanlian.demo import DemoManifest, generate
from guanlian.graph import open_store
from guanlian.graph.neo4j import Neo4jStore
from guanlian.graph.store import StoreError


def neo4j_unavailable(reason: str) -> NoReturn:
    """Fail in CI, skip elsewhere."""
    msg = f'Neo4j not available: {reason} (start it: eval "$(scripts/neo4j-server start)")'
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(msg, pytrace=False)
    pytest.skip(msg)


@pytest.fixture(scope="session")
def neo4j_server_store() -> Iterator[Neo4jStore]:
    """One connection for the whole session (a ``Neo4jStore``), schema in place."""
    uri = os.environ.get("NEO4J_URI")
    if not uri:
        neo4j_unavailable("env NEO4J_URI is not set")
    try:
        store = Neo4jStore(str(uri))
        store.ensure_schema()
    except StoreError as exc:
        neo4j_unavailable(str(exc))
    yield store
    store.close()


@pytest.fixture
def neo4j_store(neo4j_server_store: Neo4jStore) -> Neo4jStore:
    """The session's ``Neo4jStore`` with the database emptied (schema kept) and its sidecar folder (judgements,
    clue library, journal, rejects) removed before the test: judgements outlive a database clear by design, so
    one test's judgements would otherwise reach the next test on the shared server."""
    neo4j_server_store.clear()
    shutil.rmtree(neo4j_server_store.sidecar, ignore_errors=True)
    return neo4j_server_store


@pytest.fixture(scope="session")
def neo4j_dist() -> Path:
    """The assembled Neo4j distribution (``scripts/neo4j-server dist``: bin/neo4j, bin/neo4j-admin, lib/)."""
    script = Path(__file__).resolve().parents[1] / "scripts" / "neo4j-server"
    proc = subprocess.run(["bash", str(script), "dist"], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        neo4j_unavailable(f"cannot assemble the distribution: {proc.stderr.strip()[-300:]}")
    return Path(proc.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="session", autouse=True)
def guanlian_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """``GUANLIAN_HOME`` for the session: server stores' sidecar folders (journal, rejects, clue library) go
    to a temporary folder, never into the user's ``~/.local/share/guanlian``. Subprocesses inherit it."""
    old = os.environ.get("GUANLIAN_HOME")
    home = tmp_path_factory.mktemp("guanlian-home")
    os.environ["GUANLIAN_HOME"] = str(home)
    yield home
    if old is None:
        os.environ.pop("GUANLIAN_HOME", None)
    else:
        os.environ["GUANLIAN_HOME"] = old


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoRun]:
    """The tiny demo world (seed 7) generated, loaded into an embedded store, matched and scanned — once per
    session (the demo-scan and golden tests share it)."""
    run = run_demo_world(Path(tmp_path_factory.mktemp("tiny-demo")))
    yield run
    run.store.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Chromium, launched once for every browser test (views, report, workbench); each test opens a
    :class:`tests.browser.GuardedPage`, which aborts and records any request that would leave the machine."""
    from tests.browser import launch

    with launch() as b:
        yield b


@pytest.fixture(scope="session")
def medium_demo(tmp_path_factory: pytest.TempPathFactory) -> DemoManifest:
    """The demo generator's medium world (~100k rows in 15 files), generated once per session (the kill tests
    and the load-order tests share it)."""
    return generate(tmp_path_factory.mktemp("demo-medium"), size="medium", seed=7)


@pytest.fixture(scope="session")
def medium_clean(medium_demo: DemoManifest, tmp_path_factory: pytest.TempPathFactory) -> CleanLoad:
    """The medium world loaded in one call, once per session: the reference graph of the kill tests (both
    engines: the digest is engine-independent) and of the medium load-order test, which would otherwise each
    load the same ~100k rows again. Tests may match and scan the store but must not load into it."""
    d = tmp_path_factory.mktemp("medium-clean")
    manifest = d / "manifest.json"
    files = [{"path": str(Path(p).resolve()), "kind": k} for p, k in medium_demo.files]
    manifest.write_text(json.dumps({"files": files}, ensure_ascii=False), encoding="utf-8")
    store = d / "store"
    cmd = [sys.executable, "-m", "guanlian.cli", "load", "--store", str(store), str(manifest), "--json"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    with open_store(store) as s:  # type: ignore[attr-defined]
        want = digest(s)
    return CleanLoad(store=store, digest=want, doc=json.loads(proc.stdout), manifest=manifest)


_NEO4J_FIXTURES = {"neo4j_server_store", "neo4j_store", "neo4j_world", "neo4j_dist"}


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the xdist_group markers set here
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Give the ``neo4j`` marker to every test that needs the server through a fixture or a ``neo4j``
    parameter, so ``-m "not neo4j"`` (scripts/lowest-deps) never collects a test that would fail for want of
    a server. Tests that reach the server only through ``request.getfixturevalue`` carry the marker by hand."""
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        params = getattr(getattr(item, "callspec", None), "params", {})
        if names & _NEO4J_FIXTURES or "neo4j" in {str(v) for v in params.values()}:
            item.add_marker(pytest.mark.neo4j)
        group = xdist_group(item, names)
        if group:
            item.add_marker(pytest.mark.xdist_group(group))


def xdist_group(item: pytest.Item, fixtures: set[str]) -> str | None:
    """The pytest-xdist group of a test (scripts/test runs ``-n 2 --dist loadgroup``): every test that talks to
    a Neo4j server runs on one worker, in order, because they share the session's server (each empties it, the
    bulk-import tests stop and restart it) and the reliability tests' private one; every Spark test on one
    worker, so only one SparkSession starts. Other tests go to whichever worker is free."""
    if item.get_closest_marker("neo4j") is not None or "private_neo4j" in fixtures:
        return "neo4j"
    if item.get_closest_marker("spark") is not None or "spark" in fixtures:
        return "spark"
    return None


_LOST_GROUPS = pytest.StashKey[str]()


def pytest_collection_finish(session: pytest.Session) -> None:
    """Notice when pytest-xdist did not take the groups: with pytest 9.2 its ``loadgroup`` silently stops
    grouping (pytest-xdist issue 1386; pyproject pins pytest below 9.2 for it), and two workers would then empty
    and restart the same Neo4j server under each other's tests. Every test then fails with the reason
    (``pytest_runtest_setup``): an exception here would only crash the worker without saying why."""
    if not session.config.getoption("loadgroup", default=False):  # set in xdist workers only
        return
    lost = [i.nodeid for i in session.items if i.get_closest_marker("xdist_group") and "@" not in i.nodeid]
    if lost:
        session.config.stash[_LOST_GROUPS] = (
            f"pytest-xdist --dist loadgroup ignored the xdist_group of {len(lost)} tests (first: {lost[0]}): "
            "run with GUANLIAN_TEST_WORKERS=1, or with pytest < 9.2")


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Fail every test when the xdist groups were lost (see ``pytest_collection_finish``)."""
    lost = item.config.stash.get(_LOST_GROUPS, None)
    if lost:
        pytest.fail(lost, pytrace=False)
