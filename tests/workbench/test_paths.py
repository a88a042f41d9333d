"""The in-memory path search (:class:`guanlian.workbench.paths.PathIndex`) on both engines: the shortest paths
only, at most five, in key order, the same answer from LadybugDB and the real Neo4j server."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from guanlian.graph.ladybug import LadybugStore
from guanlian.graph.neo4j import Neo4jStore
from guanlian.graph.store import Store
from guanlian.workbench.paths import MAX_PATHS, PathIndex


def _fan(store: Store) -> None:
    """a and b linked through seven relatives m1..m7 (seven shortest paths of two hops), and a longer way
    round a → x → y → b; z stands alone."""
    people = ["a", "b", "x", "y", "z", *(f"m{i}" for i in range(1, 8))]
    store.upsert_nodes("Person", pd.DataFrame({"key": [f"p:{k}" for k in people], "name": people}))
    pairs = [("a", f"m{i}") for i in range(7, 0, -1)] + [(f"m{i}", "b") for i in range(1, 8)]
    pairs += [("a", "x"), ("x", "y"), ("y", "b")]
    store.upsert_edges("RELATIVE_OF", pd.DataFrame({
        "src": [f"p:{s}" for s, _ in pairs], "dst": [f"p:{d}" for _, d in pairs], "src_kind": "Person",
        "dst_kind": "Person", "key": [f"rel:{s}-{d}" for s, d in pairs], "relation": "其他",
    }))


def _answers(store: Store) -> list[object]:
    _fan(store)
    idx = PathIndex.build(store, skip={"PAYMENT"})
    paths = idx.shortest("p:a", "p:b", 4)
    g = idx.graph(store, paths)
    return [paths, idx.shortest("p:b", "p:a", 1), idx.shortest("p:a", "p:z", 6), idx.shortest("p:a", "p:a", 1),
            sorted((u, v, d["type"], d["edge_key"]) for u, v, d in g.edges(data=True)), sorted(g.nodes)]


def test_shortest_paths_in_key_order_on_both_engines(tmp_path: Path, neo4j_store: Neo4jStore) -> None:
    embedded = _answers(LadybugStore(tmp_path / "store"))
    paths, too_short, alone, same, edges, nodes = embedded
    assert paths == [["p:a", f"p:m{i}", "p:b"] for i in range(1, MAX_PATHS + 1)]  # not the 3-hop way round
    assert too_short == [] and alone == [] and same == [["p:a"]]
    assert ("p:a", "p:m1", "RELATIVE_OF", "rel:a-m1") in edges and len(edges) == 2 * MAX_PATHS
    assert "p:x" not in nodes and "p:m6" not in nodes
    assert _answers(neo4j_store) == embedded


@pytest.mark.parametrize("hops", [1, 2])
def test_max_hops_bounds_the_search(tmp_path: Path, hops: int) -> None:
    store = LadybugStore(tmp_path / "store")
    _fan(store)
    idx = PathIndex.build(store, skip=set())
    got = idx.shortest("p:x", "p:m3", hops)  # x → a → m3 is two hops
    assert got == ([] if hops == 1 else [["p:x", "p:a", "p:m3"]])


def test_has_knows_which_edge_kinds_a_node_has(tmp_path: Path) -> None:
    """What the entity reads ask before querying: a node's edge kinds by direction, every kind (PAYMENT too)."""
    store = LadybugStore(tmp_path / "store")
    _fan(store)
    idx = PathIndex.build(store, skip={"PAYMENT"})
    assert idx.has("p:a", "RELATIVE_OF", "Person", "Person", True)
    assert not idx.has("p:a", "RELATIVE_OF", "Person", "Person", False)  # a only leaves
    assert idx.has("p:b", "RELATIVE_OF", "Person", "Person", False) and not idx.has("p:b", "RELATIVE_OF", "Person",
                                                                                    "Person", True)
    assert not idx.has("p:z", "RELATIVE_OF", "Person", "Person", True)  # alone
    assert not idx.has("p:a", "SERVES_IN", "Person", "Unit", True) and not idx.has("p:nobody", "RELATIVE_OF",
                                                                                  "Person", "Person", True)
