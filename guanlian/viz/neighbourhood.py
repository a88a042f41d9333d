"""The graph around one entity, read from any :class:`~guanlian.graph.store.Store` for ``guanlian view``.

Only ``store.query`` with parameters is used. Every pattern names its node and edge kinds from
:mod:`guanlian.model` explicitly — ``(a:Person)-[r:SHAREHOLDER_OF]->(b:Company)`` — and returns named
properties, so the same Cypher runs on LadybugDB and Neo4j (no ``type(r)``/``label(r)``, no whole-node
values whose shape differs between drivers). Kind names come from the model, never from user input; the
entity and keys travel as parameters.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import networkx as nx

from guanlian.graph.store import Store
from guanlian.model import PROVENANCE, model
from guanlian.values.privacy import plain as _plain

SEARCH_KINDS: tuple[str, ...] = ("Person", "Company", "Unit")
"""Kinds searched by name."""

DEFAULT_SKIP_EDGES: frozenset[str] = frozenset({"PAYMENT"})
"""Single payments are summarised by PAID edges; drawing hundreds of them hides the structure."""

_PROV = {p.name for p in PROVENANCE}


class EntityNotFound(LookupError):
    """No node matches the entity given to :func:`neighbourhood` (message in Chinese and English)."""


def _node_returns(kind: str, var: str, prefix: str) -> str:
    return ", ".join(f"{var}.{p.name} AS {prefix}{p.name}" for p in model().node(kind).all_props)


def _edge_returns(kind: str, var: str, prefix: str) -> str:
    return ", ".join(f"{var}.{p.name} AS {prefix}{p.name}" for p in model().edge(kind).all_props)


def _node_attrs(kind: str, row: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    props: dict[str, Any] = {}
    for p in model().node(kind).props:
        v = _plain(row.get(prefix + p.name))
        if v is not None and v != "":
            props[p.name] = v
    display = model().node(kind).display
    return {
        "kind": kind,
        "name": props.get("name") or props.get(display) or "",
        "props": props,
        "src_file": _plain(row.get(prefix + "src_file")),
        "src_row": _plain(row.get(prefix + "src_row")),
    }


def _edge_attrs(kind: str, row: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    props: dict[str, Any] = {}
    for p in model().edge(kind).props:
        v = _plain(row.get(prefix + p.name))
        if v is not None and v != "":
            props[p.name] = v
    return {
        "type": kind,
        "edge_key": _plain(row.get(prefix + "key")),
        "props": props,
        "src_file": _plain(row.get(prefix + "src_file")),
        "src_row": _plain(row.get(prefix + "src_row")),
    }


def edge_returns(kind: str, var: str, prefix: str) -> str:
    """The RETURN items of every property of edge kind ``kind`` bound to ``var``, named ``prefix + property``.

    Example:
        >>> edge_returns("SERVES_IN", "r", "r_").split(", ")[0]
        'r.key AS r_key'
    """
    return _edge_returns(kind, var, prefix)


def edge_attrs(kind: str, row: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    """An edge of kind ``kind`` in the view convention (``type``, ``edge_key``, ``props``, ``src_file``,
    ``src_row``) from a row read with :func:`edge_returns`.

    Example:
        >>> edge_attrs("SERVES_IN", {"r_key": "s1", "r_post": "局长"}, "r_")["props"]
        {'post': '局长'}
    """
    return _edge_attrs(kind, row, prefix)


_IDENTITY_LINKS = frozenset(e.name for e in model().edges if e.fuzzy)


def cite_linked_records(g: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """Make every identity link of ``g`` cite the rows of the two records it links, in place.

    A matcher's link (``POSSIBLY_SAME``, ``SAME_COMPANY``) has no source row of its own; the store holds a
    placeholder (``matcher``, row 0). Each such edge gets ``sources`` = ``[(file, row) of its source node,
    (file, row) of its target node]`` (kept when already set) and ``src_file``/``src_row`` None, so tooltips and
    the workbench name the records instead of the matcher.

    Args:
        g: a graph in the convention of :func:`neighbourhood` (nodes and edges with ``src_file``/``src_row``).

    Returns:
        ``g``.

    Example:
        >>> g = nx.MultiDiGraph()
        >>> g.add_node("a", src_file="亲属.xlsx", src_row=7); g.add_node("b", src_file="股东.csv", src_row=31)
        >>> _ = g.add_edge("a", "b", type="POSSIBLY_SAME", src_file="matcher", src_row=0)
        >>> e = cite_linked_records(g).edges["a", "b", 0]
        >>> e["sources"], e["src_file"]
        ([('亲属.xlsx', 7), ('股东.csv', 31)], None)
    """
    for src, dst, data in g.edges(data=True):
        if data.get("type") not in _IDENTITY_LINKS:
            continue
        if not data.get("sources"):
            data["sources"] = [(g.nodes[n].get("src_file"), g.nodes[n].get("src_row")) for n in (src, dst)]
        data["src_file"] = None
        data["src_row"] = None
    return g


def _records(store: Store, cypher: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    return store.rows(cypher, params)  # small results: building a DataFrame would cost more than the query


def resolve_entity(
    store: Store, entity: str, max_matches: int = 10
) -> tuple[list[tuple[str, dict[str, Any]]], list[dict[str, str]]]:
    """Find the nodes an investigator means by ``entity``.

    Tried in order, first hit wins: node key; resident ID (Person ``id_number``, upper-cased); credit code
    (Company ``credit_code``); exact name or normalised name of a Person, Company or Unit. Names may match
    several nodes (同名同姓): all are returned up to ``max_matches`` and a note says so.

    Args:
        store: any Store.
        entity: key, ID number, credit code or name.
        max_matches: cap on name matches.

    Returns:
        ``([(key, node attributes), …], notes)`` where notes are ``{"zh", "en"}`` dicts.

    Raises:
        EntityNotFound: nothing matches.

    Example:
        >>> # resolve_entity(store, "王建国")
    """
    value = entity.strip()
    if not value:
        raise EntityNotFound(
            "请给出实体名称、身份证号、信用代码或键。/ Give a name, ID number, credit code or key."
        )
    m = model()
    lookups: list[tuple[str, list[tuple[str, str]]]] = [
        ("key", [(k.name, "key") for k in m.nodes]),
        ("id", [("Person", "id_number")]),
        ("code", [("Company", "credit_code")]),
        ("name", [(k, prop) for k in SEARCH_KINDS for prop in ("name", "name_norm")]),
    ]
    for how, targets in lookups:
        found: dict[str, dict[str, Any]] = {}
        v = value.upper() if how in ("id", "code") else value
        for kind, prop in targets:
            cypher = (
                f"MATCH (n:{kind}) WHERE n.{prop} = $v RETURN {_node_returns(kind, 'n', 'n_')} "
                f"ORDER BY n.key LIMIT {int(max_matches) + 1}"
            )
            for row in _records(store, cypher, {"v": v}):
                key = str(row["n_key"])
                found.setdefault(key, _node_attrs(kind, row, "n_"))
        if not found:
            continue
        notes: list[dict[str, str]] = []
        keys = sorted(found)
        if len(keys) > max_matches:
            notes.append(
                {
                    "zh": f"「{value}」匹配超过 {max_matches} 个节点，只显示前 {max_matches} 个；请用身份证号或信用代码缩小范围。",
                    "en": f"More than {max_matches} nodes match {value!r}; showing {max_matches}. "
                    "Use an ID number or credit code to narrow it down.",
                }
            )
            keys = keys[:max_matches]
        elif len(keys) > 1:
            notes.append(
                {
                    "zh": f"「{value}」匹配 {len(keys)} 个节点（同名不一定是同一人），全部显示。",
                    "en": f"{len(keys)} nodes match {value!r} (same name is not the same person); all are shown.",
                }
            )
        return [(k, found[k]) for k in keys], notes
    raise EntityNotFound(
        f"找不到「{value}」：既不是节点键、身份证号、信用代码，也不是人员/企业/单位名称。/ "
        f"No node matches {value!r} (tried key, resident ID, credit code and name)."
    )


EACH_KEY_UP_TO = 4
"""Frontiers of at most this many keys (per node kind) are read with one ``key = $k`` query per key, larger ones
with one ``key IN $keys`` query: LadybugDB answers the equality from its primary-key index (under a millisecond
on 1M rows) but scans the whole node table for ``IN`` (20–150 ms per query), and an entity page runs about 15
such queries."""


def _side_rows(store: Store, cypher_eq: str, cypher_in: str, keys: list[str], limit: int) -> list[dict[str, Any]]:
    """Rows of one (edge kind, endpoints, direction) query for ``keys``, ordered by ``a_key, b_key`` and at most
    ``limit`` of them, however they are read (see :data:`EACH_KEY_UP_TO`)."""
    if len(keys) > EACH_KEY_UP_TO:
        return _records(store, cypher_in, {"keys": keys})
    rows = [r for k in sorted(set(keys)) for r in _records(store, cypher_eq, {"key": k})]
    rows.sort(key=lambda r: (str(r["a_key"]), str(r["b_key"])))
    return rows[:limit]


Present = Callable[[str, str, str, str, bool], bool]
"""``(key, edge kind, source kind, target kind, outgoing) → bool``: whether the node may have such edges (a
caller that knows the graph's shape lets the reads skip the queries that cannot answer anything)."""


def _expand(
    store: Store,
    frontier: Mapping[str, str],
    skip_edges: Iterable[str],
    per_query_limit: int,
    present: Present | None = None,
) -> list[tuple[str, str, str, dict[str, Any], str, dict[str, Any]]]:
    """Edges touching ``frontier`` (key → kind): ``(src, dst, edge kind, edge attrs, other key, other attrs)``."""
    by_kind: dict[str, list[str]] = {}
    for key, kind in frontier.items():
        by_kind.setdefault(kind, []).append(key)
    skip = set(skip_edges)
    out: list[tuple[str, str, str, dict[str, Any], str, dict[str, Any]]] = []
    limit = int(per_query_limit)
    for ek in model().edges:
        if ek.name in skip:
            continue
        for s_kind, d_kind in ek.endpoints:
            r_ret = _edge_returns(ek.name, "r", "r_")
            outs = [k for k in by_kind.get(s_kind, ()) if present is None or present(k, ek.name, s_kind, d_kind, True)]
            ins = [k for k in by_kind.get(d_kind, ()) if present is None or present(k, ek.name, s_kind, d_kind, False)]
            if outs:
                match = f"MATCH (a:{s_kind})-[r:{ek.name}]->(b:{d_kind})"
                ret = (f"RETURN a.key AS a_key, {_node_returns(d_kind, 'b', 'b_')}, {r_ret} "
                       f"ORDER BY a_key, b_key LIMIT {limit}")
                for row in _side_rows(store, f"{match} WHERE a.key = $key {ret}", f"{match} WHERE a.key IN $keys {ret}",
                                      outs, limit):
                    a, b = str(row["a_key"]), str(row["b_key"])
                    out.append(
                        (a, b, ek.name, _edge_attrs(ek.name, row, "r_"), b, _node_attrs(d_kind, row, "b_"))
                    )
            if ins:
                match = f"MATCH (b:{s_kind})-[r:{ek.name}]->(a:{d_kind})"
                ret = (f"RETURN a.key AS a_key, {_node_returns(s_kind, 'b', 'b_')}, {r_ret} "
                       f"ORDER BY a_key, b_key LIMIT {limit}")
                for row in _side_rows(store, f"{match} WHERE a.key = $key {ret}", f"{match} WHERE a.key IN $keys {ret}",
                                      ins, limit):
                    a, b = str(row["a_key"]), str(row["b_key"])
                    out.append(
                        (b, a, ek.name, _edge_attrs(ek.name, row, "r_"), b, _node_attrs(s_kind, row, "b_"))
                    )
    return out


def neighbourhood(
    store: Store,
    entity: str,
    hops: int = 2,
    limit: int = 150,
    *,
    skip_edges: Iterable[str] = DEFAULT_SKIP_EDGES,
    max_matches: int = 10,
    centre: tuple[str, dict[str, Any]] | None = None,
    present: Present | None = None,
) -> nx.MultiDiGraph:
    """The nodes and edges within ``hops`` of ``entity``, at most ``limit`` nodes.

    Args:
        store: any Store (LadybugDB or Neo4j).
        entity: node key, resident ID, credit code or name (see :func:`resolve_entity`).
        hops: how many steps out from the entity.
        limit: node cap; nearer nodes are kept first and ``graph["notes"]`` says what was cut.
        skip_edges: edge kinds not followed (single ``PAYMENT`` rows by default; ``PAID`` totals stay).
        max_matches: cap on nodes matched by an ambiguous name.
        centre: the node already read (key, attributes as :func:`node_by_key` gives them): ``entity`` is not
            resolved again.
        present: which edge kinds a node has (:data:`Present`); without it every kind is asked for.

    Returns:
        A MultiDiGraph in the :mod:`guanlian.viz.view` convention; ``graph["center"]`` holds the matched
        keys and ``graph["notes"]`` any ambiguity or truncation notes. Ready for
        :func:`guanlian.viz.view.render_view`.

    Raises:
        EntityNotFound: nothing matches ``entity``.

    Example:
        >>> # g = neighbourhood(LadybugStore("store"), "王建国", hops=2)
        >>> # render_view(g, Path("view.html"), title="王建国", highlight=set(g.graph["center"]))
    """
    centres, notes = ([centre], []) if centre is not None else resolve_entity(store, entity, max_matches)
    g = nx.MultiDiGraph()
    for key, attrs in centres:
        g.add_node(key, **attrs)
    frontier = {key: attrs["kind"] for key, attrs in centres}
    seen_edges: set[tuple[str, str, str, Any]] = set()
    not_added: set[str] = set()
    for _hop in range(max(0, hops)):
        if not frontier:
            break
        next_frontier: dict[str, str] = {}
        for src, dst, etype, eattrs, other, oattrs in _expand(store, frontier, skip_edges, limit * 4 + 1, present):
            if other not in g:
                if g.number_of_nodes() >= limit:
                    not_added.add(other)
                    continue
                g.add_node(other, **oattrs)
                next_frontier[other] = oattrs["kind"]
            ident = (src, dst, etype, eattrs["edge_key"] or (eattrs["src_file"], eattrs["src_row"]))
            if ident in seen_edges:
                continue
            seen_edges.add(ident)
            g.add_edge(src, dst, key=f"{etype}:{len(seen_edges)}", **eattrs)
        frontier = next_frontier
    not_added -= set(g.nodes)
    if not_added:
        notes.append(
            {
                "zh": f"节点数已达上限 {limit}：另有至少 {len(not_added)} 个相邻节点未显示（可调大 --limit 或减少 --hops）。",
                "en": f"Node limit {limit} reached: at least {len(not_added)} more neighbours not shown "
                "(raise --limit or lower --hops).",
            }
        )
    g.graph["center"] = [k for k, _ in centres]
    g.graph["notes"] = notes
    g.graph["truncated"] = len(not_added)
    return cite_linked_records(g)


def node_by_key(store: Store, key: str, kind: str | None = None) -> dict[str, Any] | None:
    """The node whose key is exactly ``key`` (of ``kind`` first when it is given, else any kind), as
    view-convention attributes, or None.

    Unlike :func:`resolve_entity` it never falls back to names, so an unknown key stays unknown.

    Example:
        >>> # node_by_key(store, "unit:某局")["kind"]  → 'Unit'
    """
    names = [k.name for k in model().nodes]
    if kind in names:
        names.remove(kind)
        names.insert(0, kind)
    for name in names:
        cypher = f"MATCH (n:{name}) WHERE n.key = $v RETURN {_node_returns(name, 'n', 'n_')} LIMIT 1"
        rows = _records(store, cypher, {"v": key})
        if rows:
            return _node_attrs(name, rows[0], "n_")
    return None


def incident_edges(
    store: Store, frontier: Mapping[str, str], *, only: Iterable[str] | None = None, limit: int = 5000,
    present: Present | None = None,
) -> list[tuple[str, str, str, dict[str, Any], str, dict[str, Any]]]:
    """Edges touching the nodes in ``frontier`` (key → kind), optionally only of the kinds in ``only`` (and,
    with ``present``, only of the kinds each node has: :data:`Present`).

    Returns:
        ``(src, dst, edge kind, edge attributes, other key, other node attributes)`` per edge, at most
        ``limit`` per (edge kind, endpoint kinds, direction) query.

    Example:
        >>> # incident_edges(store, {"unit:某局": "Unit"}, only={"PAYMENT"})
    """
    keep = set(only) if only is not None else None
    skip = {e.name for e in model().edges if keep is not None and e.name not in keep}
    return _expand(store, frontier, skip, limit, present)
