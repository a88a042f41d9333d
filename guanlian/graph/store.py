"""The Store protocol: what every graph engine offers the rest of guanlian.

The engines are listed in :mod:`guanlian.graph.engines` (today :class:`guanlian.graph.ladybug.LadybugStore`,
embedded and the default, and :class:`guanlian.graph.neo4j.Neo4jStore` over Bolt). Use
:func:`guanlian.graph.open_store` to get one from a ``--store`` value. Code outside ``graph/`` uses only this
protocol: it never asks which engine it holds.

Data crosses this boundary as pandas DataFrames whose columns are property names from
:mod:`guanlian.model`:

* nodes: one row per node, column ``key`` plus any subset of the kind's properties;
* edges: one row per edge, columns ``src`` and ``dst`` (node keys), ``src_kind`` and ``dst_kind`` (node
  kind names, one of the edge kind's endpoints), ``key`` (deterministic edge key) plus properties.

Upserts are idempotent: a node or edge whose ``key`` already exists is updated, never duplicated, and the
update follows the merge rules declared in :mod:`guanlian.model` (a gap is filled, an absent value never
replaces a known one, lists take the union, of two different values the smaller is kept): both engines merge
with the same function, so they hold the same values whatever the order of the loads.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import pandas as pd
import pyarrow as pa

from guanlian.graph.frames import Conflict

Engine = str
"""An engine name from :data:`guanlian.graph.engines.ENGINES` (``ladybug``, ``neo4j``)."""

SIDECAR_FILES = {
    "rejects": "rejects.csv",
    "journal": "load-journal.jsonl",
    "clues": "clues.db",
    "judgements": "judgements.db",
    "match_cache": "match-cache.arrow",
    "match_persons": "match-persons.arrow",
    "company_names": "match-company-names.arrow",
    "company_pairs": "match-company-pairs.arrow",
}
"""Well-known files in a store's sidecar folder (:attr:`Store.sidecar`)."""


class StoreError(RuntimeError):
    """A store problem an investigator can act on (message says what happened and the fix)."""


class StoreOutdated(StoreError):
    """A store written before a model change, opened read-only (which cannot add what the model gained since);
    the message names what is missing and the command that upgrades the store in place."""


@runtime_checkable
class Store(Protocol):
    """A graph store holding the :mod:`guanlian.model` schema."""

    engine: Engine
    """The registered engine name (:mod:`guanlian.graph.engines`)."""
    location: str
    """What ``--store`` said: a folder or a URI."""
    sidecar: Path
    """A local folder for the files that belong to this store but not in its graph: ``rejects.csv``, the load
    journal, the clue library (``clues.db``), judgements, audit logs. The embedded store's own folder; for a
    server, ``<data_home>/stores/<engine>-<host>_<port>[-<database>]`` (:func:`guanlian.graph.engines.sidecar_for`
    computes it without opening the store). May not exist yet: writers create it."""

    def ensure_schema(self) -> None:
        """Create node/edge tables (LadybugDB) or constraints and indexes (Neo4j) if missing."""

    def upsert_nodes(self, kind: str, rows: pd.DataFrame, conflicts: list[Conflict] | None = None) -> int:
        """Insert or update nodes of ``kind`` by ``key``, values merged by the model's merge rules
        (:func:`guanlian.graph.frames.merge_rows`); conflicting values are appended to ``conflicts`` when given.
        Returns the number of distinct keys given."""

    def upsert_edges(self, kind: str, rows: pd.DataFrame, conflicts: list[Conflict] | None = None) -> int:
        """Insert or update edges of ``kind`` by edge ``key`` (endpoints must exist), merged like nodes.
        Returns the number of distinct keys given."""

    def delete_edges(self, kind: str) -> int:
        """Delete every edge of ``kind`` (used to rebuild derived edges such as PAID). Returns count."""

    def query(self, cypher: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
        """Run read-only Cypher with parameters; one DataFrame column per RETURN item."""

    def query_arrow(self, cypher: str, params: dict[str, Any] | None = None) -> pa.Table:
        """Run read-only Cypher with parameters; one Arrow column per RETURN item. For big reads of scalar and
        list properties (every person for the matcher): the embedded engine hands its result over as Arrow, so
        no Python object is made per value.

        Example:
            >>> # store.query_arrow("MATCH (p:Person) RETURN p.key AS key, p.names AS names").num_rows
        """

    def rows(self, cypher: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Run read-only Cypher with parameters; one dict per row (RETURN names → plain Python values, None for
        null). For small results (an entity's edges, one node): no DataFrame is built, and an integer column
        with nulls keeps its integers.

        Example:
            >>> # store.rows("MATCH (n:Unit) WHERE n.key = $k RETURN n.name AS name", {"k": "unit:某局"})
        """

    def execute(self, cypher: str, params: dict[str, Any] | None = None) -> None:
        """Run a write statement with parameters."""

    def clear(self) -> int:
        """Delete every node and edge (the schema stays); returns the number of nodes deleted."""

    def counts(self) -> dict[str, int]:
        """Number of nodes per node kind and edges per edge kind (every kind, zeros included)."""

    def generation(self) -> str:
        """An opaque value that changes whenever the graph is written, by this or any other process (the
        workbench compares it before each request to drop what it computed from an older graph). Cheap: no
        graph query."""

    def release_cache(self) -> bool:
        """Give back memory the store took for one big statement (the embedded engine's grown page cache), so
        the statements after it run in the configured amount; True when something was given back. A no-op on a
        server."""

    def close(self) -> None:
        """Release the connection / database handle."""
