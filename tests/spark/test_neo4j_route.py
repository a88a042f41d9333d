"""Spark results into a real Neo4j server: the same POSSIBLY_SAME edges as the in-process engine writes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from guanlian.demo import generate
from guanlian.graph.ladybug import LadybugStore
from guanlian.graph.neo4j import Neo4jStore
from guanlian.graph.store import Store
from guanlian.loaders import load_files
from guanlian.matching.matcher import match_store
from guanlian.spark import SparkEngine

pytestmark = [pytest.mark.neo4j, pytest.mark.spark]


def _edges(store: Store) -> pd.DataFrame:
    df = store.query("MATCH (a:Person)-[r:POSSIBLY_SAME]->(b:Person) RETURN a.key AS a, b.key AS b, r.key AS k, "
                     "r.score AS score, r.tier AS tier, r.explanation_zh AS zh, r.explanation_en AS en")
    return df.sort_values(["a", "b"]).reset_index(drop=True)


def test_spark_match_into_neo4j(tmp_path: Path, neo4j_store: Neo4jStore, engine: SparkEngine) -> None:
    m = generate(tmp_path / "demo", size="tiny", seed=7)
    paths, kinds = [p for p, _ in m.files], [k for _, k in m.files]
    embedded = LadybugStore(tmp_path / "store")
    load_files(embedded, paths, kinds=kinds)
    expected_summary = match_store(embedded)
    expected = _edges(embedded)
    embedded.close()
    load_files(neo4j_store, paths, kinds=kinds)
    got_summary = match_store(neo4j_store, engine=engine)
    got = _edges(neo4j_store)
    assert got_summary.per_tier() == expected_summary.per_tier() and len(got) > 0
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)
    neo4j_store.clear()  # leave the shared database clean for whoever starts this instance next
