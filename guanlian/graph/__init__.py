"""Graph stores: one Store protocol, two engines (embedded LadybugDB, Neo4j over Bolt).

Example:
    >>> import tempfile
    >>> open_store(tempfile.mkdtemp() + "/s").engine
    'ladybug'
"""

from __future__ import annotations

import os
from pathlib import Path

from guanlian.graph.store import Store, StoreError

__all__ = ["Store", "StoreError", "default_store", "is_uri", "open_store"]

_URI_SCHEMES = ("bolt://", "bolt+s://", "bolt+ssc://", "neo4j://", "neo4j+s://", "neo4j+ssc://")


def is_uri(location: str) -> bool:
    """True when ``location`` names a Neo4j server rather than an embedded store directory."""
    return location.lower().startswith(_URI_SCHEMES)


def default_store() -> str | None:
    """The store named by env ``GUANLIAN_STORE``, if any."""
    return os.environ.get("GUANLIAN_STORE") or None


def open_store(location: str | Path, *, database: str | None = None, read_only: bool = False) -> Store:
    """Open the store at ``location``: a directory (embedded) or a ``bolt://``/``neo4j://`` URI.

    Args:
        location: filesystem path or Neo4j URI; user and password come from ``NEO4J_USER``/``NEO4J_PASSWORD``.
        database: Neo4j database name (default: the server's default database).
        read_only: open the embedded store read-only (fails when it does not exist yet).

    Returns:
        A store with its schema in place.
    """
    loc = str(location)
    store: Store
    if is_uri(loc):
        from guanlian.graph.neo4j import Neo4jStore

        store = Neo4jStore(loc, database=database)
    else:
        from guanlian.graph.ladybug import LadybugStore

        store = LadybugStore(loc, read_only=read_only)
    if not read_only:
        store.ensure_schema()
    return store
