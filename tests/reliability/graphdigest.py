"""A content digest of a whole store: counts per kind and a SHA-256 over every node and edge property.

``load_id`` is left out (it names the run, not the data). Values are normalised by their model type so that
the digest is the same whichever engine or run wrote them.

Example:
    >>> from guanlian.graph import open_store
    >>> import tempfile
    >>> d = digest(open_store(tempfile.mkdtemp() + "/s"))
    >>> d.counts["Person"], len(d.sha256)
    (0, 64)
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from guanlian.graph.store import Store
from guanlian.model import Prop, model

SKIP = frozenset({"load_id"})


@dataclass(frozen=True)
class Digest:
    counts: dict[str, int]
    sha256: str
    per_kind: dict[str, str]


def _norm(p: Prop, v: Any) -> Any:
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
        return None
    if p.type == "int":
        return int(v)
    if p.type == "float":
        return round(float(v), 6)
    if p.type == "bool":
        return bool(v)
    return str(v)


def digest(store: Store) -> Digest:
    """Counts and content hash of every node and edge (sorted, so write order does not matter)."""
    m = model()
    per_kind: dict[str, str] = {}
    for n in m.nodes:
        props = [p for p in n.all_props if p.name not in SKIP]
        cols = ", ".join(f"n.{p.name} AS {p.name}" for p in props)
        df = store.query(f"MATCH (n:{n.name}) RETURN {cols}")
        rows = sorted(json.dumps([_norm(p, r[p.name]) for p in props], ensure_ascii=False)
                      for r in df.to_dict("records"))
        per_kind[n.name] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
    for e in m.edges:
        props = [p for p in e.all_props if p.name not in SKIP]
        cols = ", ".join(f"e.{p.name} AS {p.name}" for p in props)
        df = store.query(f"MATCH (a)-[e:{e.name}]->(b) RETURN a.key AS _src, b.key AS _dst, {cols}")
        rows = sorted(
            json.dumps([r["_src"], r["_dst"], *[_norm(p, r[p.name]) for p in props]], ensure_ascii=False)
            for r in df.to_dict("records")
        )
        per_kind[e.name] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
    total = hashlib.sha256(json.dumps(per_kind, sort_keys=True).encode()).hexdigest()
    return Digest(store.counts(), total, per_kind)


@dataclass(frozen=True)
class CleanLoad:
    """One ``guanlian load --json`` of every file of a demo world into a fresh embedded store.

    ``store`` is the store's path, ``digest`` its graph digest taken right after the load, ``doc`` the CLI's
    JSON summary (per-file read/loaded/rejected), ``manifest`` the manifest file the load read.
    """

    store: Path
    digest: Digest
    doc: dict[str, Any]
    manifest: Path
