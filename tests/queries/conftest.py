"""Fixtures: the shared hand-built world, loaded once per module into each engine."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from guanlian.graph.ladybug import LadybugStore
from guanlian.graph.store import Store
from tests.queries.graph_builder import world


@pytest.fixture(scope="module")
def embedded_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    store = LadybugStore(Path(tmp_path_factory.mktemp("world")) / "store")
    world().build(store)
    yield store
    store.close()


@pytest.fixture(scope="module")
def neo4j_world(request: pytest.FixtureRequest) -> Store:
    store = request.getfixturevalue("neo4j_server_store")
    store.clear()
    world().build(store)
    return store  # type: ignore[no-any-return]


@pytest.fixture(scope="module", params=["ladybug", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def world_store(request: pytest.FixtureRequest) -> Store:
    """The test world on each engine (Neo4j skipped locally when no server runs)."""
    name = "embedded_world" if request.param == "ladybug" else "neo4j_world"
    return request.getfixturevalue(name)  # type: ignore[no-any-return]
