"""Graph stores: one Store protocol, engines listed in one registry (:mod:`guanlian.graph.engines`).

Example:
    >>> import tempfile
    >>> s = open_store(tempfile.mkdtemp() + "/s")
    >>> s.engine, s.sidecar == Path(s.location)
    ('ladybug', True)
    >>> s.close()
"""

from __future__ import annotations

import os
from pathlib import Path

from guanlian.graph.engines import ENGINES, engine_for, is_uri, open_location, sidecar_for
from guanlian.graph.store import SIDECAR_FILES, Store, StoreError

__all__ = ["ENGINES", "SIDECAR_FILES", "Store", "StoreError", "default_store", "engine_for", "is_uri",
           "open_store", "sidecar_for"]


def default_store() -> str | None:
    """The store named by env ``GUANLIAN_STORE``, if any."""
    return os.environ.get("GUANLIAN_STORE") or None


def open_store(location: str | Path, *, database: str | None = None, read_only: bool = False,
               create: bool = True) -> Store:
    """Open the store at ``location``: a folder (embedded) or a URI of a registered server engine.

    Args:
        location: filesystem path or URI (``bolt://``, ``neo4j://`` …); Neo4j user and password come from
            ``NEO4J_USER``/``NEO4J_PASSWORD``.
        database: database name on a server (default: the server's default database).
        read_only: open the embedded store read-only (fails when it does not exist yet).
        create: create the store when it does not exist (``load``, ``demo``). With ``False`` a folder or
            database that does not exist, or is not a guanlian store, raises :class:`StoreError` naming it,
            and nothing is created.

    Returns:
        A store with its schema in place.

    Raises:
        StoreError: the location cannot be opened (the message names it and the fix).
    """
    store = open_location(location, database=database, read_only=read_only, create=create)
    if not read_only:
        store.ensure_schema()
    return store
