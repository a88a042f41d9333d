"""The Store protocol: what every graph engine offers the rest of guanlian.

Two implementations: :class:`guanlian.graph.ladybug.LadybugStore` (embedded, default) and
:class:`guanlian.graph.neo4j.Neo4jStore` (Bolt). Use :func:`guanlian.graph.open_store` to get one from a
``--store`` value.

Data crosses this boundary as pandas DataFrames whose columns are property names from
:mod:`guanlian.model`:

* nodes: one row per node, column ``key`` plus any subset of the kind's properties;
* edges: one row per edge, columns ``src`` and ``dst`` (node keys), ``src_kind`` and ``dst_kind`` (node
  kind names, one of the edge kind's endpoints), ``key`` (deterministic edge key) plus properties.

Upserts are idempotent: a node or edge whose ``key`` already exists is updated, never duplicated.
"""

from __future__ import annotations

from typing import Any, Literal, Protocol, runtime_checkable

import pandas as pd

Engine = Literal["ladybug", "neo4j"]


class StoreError(RuntimeError):
    """A store problem an investigator can act on (message says what happened and the fix)."""


@runtime_checkable
class Store(Protocol):
    """A graph store holding the :mod:`guanlian.model` schema."""

    engine: Engine
    location: str

    def ensure_schema(self) -> None:
        """Create node/edge tables (LadybugDB) or constraints and indexes (Neo4j) if missing."""

    def upsert_nodes(self, kind: str, rows: pd.DataFrame) -> int:
        """Insert or update nodes of ``kind`` by ``key``; returns the number of rows written."""

    def upsert_edges(self, kind: str, rows: pd.DataFrame) -> int:
        """Insert or update edges of ``kind`` by edge ``key``; endpoints must exist. Returns rows written."""

    def delete_edges(self, kind: str) -> int:
        """Delete every edge of ``kind`` (used to rebuild derived edges such as PAID). Returns count."""

    def query(self, cypher: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
        """Run read-only Cypher with parameters; one DataFrame column per RETURN item."""

    def execute(self, cypher: str, params: dict[str, Any] | None = None) -> None:
        """Run a write statement with parameters."""

    def counts(self) -> dict[str, int]:
        """Number of nodes per node kind and edges per edge kind (every kind, zeros included)."""

    def close(self) -> None:
        """Release the connection / database handle."""
