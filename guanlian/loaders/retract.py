"""Retract what an earlier version of a file said, before its corrected version is written.

A file loaded again under the same name with different content (a corrected export) replaces what the earlier
version said. Every node and edge lists its source records in ``sources`` (``file:rows``), so the earlier
version's contribution is known:

* an item only that file gave (a payment row, a company only that registry export names) is deleted — the new
  version writes it again if it still says so, with its new values;
* an item other files also name keeps its other sources; the file's entries are removed from ``sources``; when
  the cited record (``src_file``/``src_row``, the smallest ``src_rank``) was one of the file's, the earliest
  remaining record (file, row) stands in with no rank, so a record the corrected file gives again is cited. Its
  property values stay merged with what the earlier version said (a value is not stored with its source): where
  the corrected file now says something else, the merge reports a ``conflict`` naming both. Reloading the other
  files as well recomputes them.

Derived edges (``PAID``, ``MAY_BE``) are rebuilt after the load; matcher links are refreshed by ``match``.

Example:
    >>> import tempfile
    >>> from guanlian.graph import open_store
    >>> retract_file(open_store(tempfile.mkdtemp() + "/s"), "payments.csv")
    Retracted(deleted=0, trimmed=0)
"""

from __future__ import annotations

from dataclasses import dataclass

from guanlian.graph.frames import decode_sources
from guanlian.graph.store import Store
from guanlian.model import BY_NAME, NAME_SOURCES, NAMES, model
from guanlian.values.names import name_forms

DERIVED = frozenset({"PAID", "MAY_BE", "POSSIBLY_SAME", "SAME_COMPANY"})
"""Edge kinds rebuilt by the loader or the matcher: never retracted here."""


@dataclass(frozen=True)
class Retracted:
    """Items deleted (only the file named them) and trimmed (other sources remain)."""

    deleted: int
    trimmed: int


def _entries_of(sources: object) -> list[str]:
    if isinstance(sources, (list, tuple)):
        return [str(s) for s in sources]
    tolist = getattr(sources, "tolist", None)
    return [str(s) for s in tolist()] if callable(tolist) else []


def retract_file(store: Store, name: str) -> Retracted:
    """Remove what file ``name`` (as recorded in ``src_file``) contributed to the store (module docstring).

    Args:
        store: the store.
        name: the file name (no folder), as the loader records it.

    Returns:
        How many items were deleted and how many kept with other sources.
    """
    m = model()
    deleted = trimmed = 0
    kinds = [(e.name, f"MATCH ()-[n:{e.name}]->()", True) for e in m.edges if e.name not in DERIVED]
    kinds += [(n.name, f"MATCH (n:{n.name})", False) for n in m.nodes]
    for kind, match, is_edge in kinds:  # edges first: a node is deleted only once nothing refers to it
        named = not is_edge and NAME_SOURCES in {p.name for p in m.node(kind).props}
        df = store.query(f"{match} RETURN n.key AS key, n.sources AS sources, n.src_file AS cited"
                         + (f", n.{NAME_SOURCES} AS name_sources" if named else ""))
        gone: list[str] = []
        keep: list[dict[str, object]] = []
        kept_cited: list[dict[str, object]] = []
        renamed: list[dict[str, object]] = []
        forms = df["name_sources"].tolist() if named else [None] * len(df)
        cited_files = df["cited"].tolist()
        for key, sources, name_sources, cited in zip(df["key"].tolist(), df["sources"].tolist(), forms, cited_files,
                                                     strict=True):
            entries = _entries_of(sources)
            mine = [e for e in entries if e.rpartition(":")[0] == name]
            if not mine:
                continue
            rest = [e for e in entries if e.rpartition(":")[0] != name]
            if not rest:
                gone.append(str(key))
                continue
            if cited == name:  # the cited record goes: the earliest remaining one stands in (its rank is unknown)
                f, r = min(decode_sources(rest))
                keep.append({"key": str(key), "sources": rest, "f": f, "r": int(r)})
            else:  # the cited record (the smallest rank) stays the smallest among fewer records
                kept_cited.append({"key": str(key), "sources": rest})
            # the name forms only this file gave go with it (a corrected spelling replaces the old one)
            had = _entries_of(name_sources)
            kept = [e for e in had if e.partition("|")[2].rpartition(":")[0] != name]
            if kept and len(kept) < len(had):
                forms_left = sorted(name_forms(kept))
                renamed.append({"key": str(key), "ns": kept, "names": forms_left, "name": forms_left[0]})
        where = f"{match} WHERE n.key = r.key" if is_edge else f"MATCH (n:{kind} {{key: r.key}})"
        if keep:
            store.execute(f"UNWIND $rows AS r {where} SET n.sources = r.sources, n.src_file = r.f, n.src_row = r.r, "
                          "n.src_rank = NULL", {"rows": keep})
            trimmed += len(keep)
        if kept_cited:
            store.execute(f"UNWIND $rows AS r {where} SET n.sources = r.sources", {"rows": kept_cited})
            trimmed += len(kept_cited)
        if renamed:
            store.execute(f"UNWIND $rows AS r MATCH (n:{kind} {{key: r.key}}) "
                          f"SET n.{NAME_SOURCES} = r.ns, n.{NAMES} = r.names, n.name = r.name", {"rows": renamed})
        if gone:
            if is_edge:
                store.execute(f"UNWIND $keys AS k MATCH ()-[n:{kind}]->() WHERE n.key = k DELETE n", {"keys": gone})
                deleted += len(gone)
            else:
                # derived edges are rebuilt after the load; a node that other edges still reach stays
                for derived in sorted(DERIVED):
                    for src, dst in m.edge(derived).endpoints:
                        if kind in (src, dst):  # LadybugDB deletes directed relationships only
                            pattern = (f"(n:{kind} {{key: k}})-[e:{derived}]->()" if kind == src
                                       else f"()-[e:{derived}]->(n:{kind} {{key: k}})")
                            store.execute(f"UNWIND $keys AS k MATCH {pattern} DELETE e", {"keys": gone})
                free = store.query(f"UNWIND $keys AS k MATCH (n:{kind} {{key: k}}) "
                                   "WHERE NOT EXISTS { MATCH (n)-[]-() } RETURN n.key AS key", {"keys": gone})
                if len(free):
                    store.execute(f"UNWIND $keys AS k MATCH (n:{kind} {{key: k}}) DELETE n",
                                  {"keys": free["key"].tolist()})
                    deleted += len(free)
    # the records of the file that named a company without its code go too (the new version says again what it says)
    marked = store.query(f"MATCH (c:Company) WHERE c.{BY_NAME} IS NOT NULL RETURN c.key AS key, c.{BY_NAME} AS b")
    unmarked = []
    for key, entries in zip(marked["key"].tolist(), marked["b"].tolist(), strict=True):
        had = _entries_of(entries)
        left = [e for e in had if e.rpartition(":")[0] != name]
        if len(left) < len(had):
            unmarked.append({"key": str(key), "b": left})
    for row in unmarked:
        if row["b"]:
            store.execute(f"MATCH (c:Company {{key: $key}}) SET c.{BY_NAME} = $b", row)
        else:
            store.execute(f"MATCH (c:Company {{key: $key}}) SET c.{BY_NAME} = NULL", {"key": row["key"]})
    return Retracted(deleted, trimmed)


def previous_version(events: list[dict[str, object]], name: str, sha256: str) -> bool:
    """True when a file called ``name`` with other content than ``sha256`` was completely loaded before.

    >>> previous_version([{"event": "completed", "file": "a.csv", "sha256": "1"}], "a.csv", "2")
    True
    """
    last = None
    for ev in events:
        if ev.get("event") == "completed" and ev.get("file") == name:
            last = ev.get("sha256")
    return last is not None and last != sha256


__all__ = ["Retracted", "previous_version", "retract_file"]
