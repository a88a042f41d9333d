"""Scan: run every saved query, turn rows into scored, explained, evidenced findings (``findings.json``).

One finding per distinct link: rows whose paths visit the same set of nodes (from one query or several) are one
finding that lists every query id that found it.

Score (0-1), documented in ``docs/queries.md``::

    score = severity_weight × confidence_weight × (0.6 + 0.25 × money + 0.15 × timing)

* severity_weight: high 1.0, medium 0.7, low 0.4 (the row's ``severity`` column, else the query's header);
* confidence_weight: certain 1.0, probable 0.8, possible 0.55 — the weakest identity link on the path
  (a POSSIBLY_SAME edge's tier; a path without one is ``certain``);
* money: ``min(1, log10(1 + sum paid) / 7)`` (10 million yuan → 1), 0.5 when the finding has no payments;
* timing: share of the payments made during the official's tenure (``payments_in_tenure / payments_count``),
  1.0 when the query has no tenure notion, 0.5 when there are no payments.

Example:
    >>> import tempfile
    >>> from guanlian.graph.ladybug import LadybugStore
    >>> s = LadybugStore(tempfile.mkdtemp() + "/s"); s.ensure_schema()
    >>> scan(s).findings
    ()
"""

from __future__ import annotations

import hashlib
import json
import math
import string
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd

from guanlian import progress
from guanlian.finding import (
    Confidence,
    Entity,
    EvidenceItem,
    Finding,
    FindingPath,
    FindingsDoc,
    Lang,
    PathNode,
    PathStep,
    PaymentSummary,
    QueryRun,
    Route,
    Severity,
    Voucher,
    as_confidence,
    as_severity,
)
from guanlian.graph.store import Store
from guanlian.matching.company_store import routed_name_sources
from guanlian.model import MONEY_PROPS, NAME_SOURCES, TIERS, EdgeKind, NodeKind, model
from guanlian.queries.explain import EXPLAINERS, ExplainInput, match_text, payments_text, route_text
from guanlian.queries.library import Library, QueryError
from guanlian.queries.spec import SavedQuery
from guanlian.values.files import replacing
from guanlian.values.ids import mask_ids_in_text
from guanlian.values.money import yuan
from guanlian.values.names import ALIASES, aliases_text, shown_forms
from guanlian.values.privacy import mask_nested, plain
from guanlian.values.vocab import HIDDEN_PROPS, SEVERITIES, said, value_label

SEVERITY_WEIGHT: dict[str, float] = {"high": 1.0, "medium": 0.7, "low": 0.4}
CONFIDENCE_WEIGHT: dict[str, float] = {"confirmed": 1.0, "certain": 1.0, "probable": 0.8, "possible": 0.55}
MAX_PATH_EDGES_PER_COLUMN = 50
_EPOCH = date(1970, 1, 1)
_HIDDEN_PROPS = HIDDEN_PROPS | {"name"}  # the name stands for the entity itself


def iso_day(value: object) -> str | None:
    """ISO date of a day number (None stays None).

    >>> iso_day(17897)
    '2019-01-01'
    """
    if value is None:
        return None
    return (_EPOCH + timedelta(days=int(str(value)))).isoformat()


@dataclass(slots=True)
class _Item:
    key: str
    kind: str
    props: dict[str, Any]


@dataclass(slots=True)
class _Graph:
    """Nodes and edges fetched for the findings, by key."""

    nodes: dict[str, _Item] = field(default_factory=dict)
    edges: dict[str, tuple[str, str, _Item]] = field(default_factory=dict)
    routes: dict[str, list[str]] = field(default_factory=dict)  # company key → SAME_COMPANY edges routing payments
    namesakes: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # ID-less person → ID holders, same
    # name, same company (see _fetch_namesakes)
    _companies: tuple[int, frozenset[str]] = field(default=(-1, frozenset()), init=False, repr=False)

    def company_names(self) -> frozenset[str]:
        """The display names of the fetched companies, computed once per node count (nodes are only ever added).

        Example:
            >>> g = _Graph()
            >>> g.nodes["c:1"] = _Item("c:1", "Company", {"name": "诚安科技"})
            >>> sorted(g.company_names())
            ['诚安科技']
        """
        if self._companies[0] != len(self.nodes):
            self._companies = (len(self.nodes),
                               frozenset(_display(n) for n in self.nodes.values() if n.kind == "Company"))
        return self._companies[1]


def _typed(kind_props: Mapping[str, str], row: Mapping[Any, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, ptype in kind_props.items():
        v = plain(row.get(name))
        if v is not None and ptype == "int":
            v = int(v)
        elif v is not None and ptype == "float":
            v = float(v)
        out[name] = v
    return out


def _chunks(items: list[str], n: int = 2000) -> Iterable[list[str]]:
    for i in range(0, len(items), n):
        yield items[i : i + n]


def _edge_rows(store: Store, query: str, params: dict[str, Any], ekind: str, props: Mapping[str, str],
               g: _Graph) -> set[str]:
    df = store.query(query, params)
    for row in df.to_dict("records"):
        g.edges[str(row["key"])] = (str(row["_src"]), str(row["_dst"]), _Item(str(row["key"]), ekind,
                                                                              _typed(props, row)))
    return {str(k) for k in df["key"]} if len(df) else set()


_FEW_PAYEES = 200  # up to this many end nodes, a unit's edges are fetched by a key-list filter (fetch_graph)


def fetch_graph(
    store: Store,
    node_keys: Mapping[str, set[str]],
    edge_keys: Mapping[str, set[str]],
    edge_ends: Mapping[str, set[tuple[str, str]]] | None = None,
) -> _Graph:
    """Fetch node and edge properties by key (edge endpoints are fetched too).

    Nodes are looked up by primary key (``UNWIND $keys … {key: k}``). An edge is looked up from a candidate end
    node (``edge_ends``: ``{edge kind: {(end node key, edge key)}}``, the row's nodes of a fitting kind) and its
    few edges of that type; edges not found that way are fetched with ``e.key IN $keys`` (a scan of the type).

    Args:
        store: the store.
        node_keys: ``{node kind: keys}``.
        edge_keys: ``{edge kind: keys}``.
        edge_ends: candidate ends per edge kind (optional).
    """
    m = model()
    g = _Graph()
    kind_of_key: dict[str, str] = {}
    for kind, keys in node_keys.items():
        for k in keys:
            kind_of_key.setdefault(k, kind)
    # An edge column may name several kinds (a role: OFFICER_OF|SHAREHOLDER_OF|LEGAL_REP_OF), so its keys are
    # wanted in each; a key found in any kind (edge keys are unique across kinds) is not scanned for in the others.
    found: set[str] = set()
    shapes = {ekind: (m.edge(ekind), {p.name: p.type for p in m.edge(ekind).all_props}) for ekind in edge_keys}
    returned = {ekind: ", ".join(f"e.{p} AS {p}" for p in props) for ekind, (_, props) in shapes.items()}
    for ekind, keys in edge_keys.items():
        ek, props = shapes[ekind]
        ret = returned[ekind]
        wanted = {k for k in keys if k}
        # Look up from the side with few edges per node (a unit has thousands of payments; a company few).
        use_dst = all(src == "Unit" for src, _ in ek.endpoints)
        end_kinds = {dst if use_dst else src for src, dst in ek.endpoints}
        by_kind: dict[str, set[str]] = {}
        for end, ekey in (edge_ends or {}).get(ekind, set()):
            kind = kind_of_key.get(end, "")
            if ekey in wanted and kind in end_kinds:
                by_kind.setdefault(kind, set()).add(end)
        for kind, ends in by_kind.items():
            # Expanding from key-bound end nodes uses the key index; filtering on e.key in Cypher would make
            # LadybugDB hash-join the whole edge table instead (18 s against 3M POSSIBLY_SAME edges).
            pattern = f"(a)-[e:{ek.name}]->(b:{kind} {{key: n}})" if use_dst else f"(a:{kind} {{key: n}})-[e:{ek.name}]->(b)"
            for part in _chunks(sorted(ends), 5000):
                if use_dst and len(part) <= _FEW_PAYEES:
                    # A unit's edges from a few payees: the engine's join of UNWIND with a unit's thousands of
                    # edges has a fixed cost (0.4-0.6 s for 6 companies' 29 payments at 1M); a membership test over
                    # the payee table costs about 0.25 ms per key (0.01 s for 6).
                    df = store.query(f"MATCH (a:Unit)-[e:{ek.name}]->(b:{kind}) WHERE b.key IN $nodes "
                                     f"RETURN a.key AS _src, b.key AS _dst, {ret}", {"nodes": part})
                else:
                    df = store.query(f"UNWIND $nodes AS n MATCH {pattern} RETURN a.key AS _src, b.key AS _dst, {ret}",
                                     {"nodes": part})
                df = df[df["key"].isin(wanted)] if len(df) else df
                for row in df.to_dict("records"):
                    g.edges[str(row["key"])] = (str(row["_src"]), str(row["_dst"]),
                                                _Item(str(row["key"]), ekind, _typed(props, row)))
                    found.add(str(row["key"]))
    for ekind, keys in edge_keys.items():
        ek, props = shapes[ekind]
        for part in _chunks(sorted({k for k in keys if k} - found)):
            found |= _edge_rows(store, f"MATCH (a)-[e:{ek.name}]->(b) WHERE e.key IN $keys "
                                f"RETURN a.key AS _src, b.key AS _dst, {returned[ekind]}", {"keys": part}, ekind,
                                props, g)
    wanted_nodes: dict[str, set[str]] = {k: set(v) for k, v in node_keys.items()}
    for src, dst, item in g.edges.values():
        ek = m.edge(item.kind)
        for end, idx in ((src, 0), (dst, 1)):
            if end in kind_of_key:
                continue
            for kinds in ek.endpoints:
                wanted_nodes.setdefault(kinds[idx], set()).add(end)
    for nkind, keys in wanted_nodes.items():
        nk = m.node(nkind)
        props = {p.name: p.type for p in nk.all_props}
        ret = ", ".join(f"n.{p} AS {p}" for p in props)
        for part in _chunks(sorted(k for k in keys if k and k not in g.nodes), 5000):
            df = store.query(f"UNWIND $keys AS k MATCH (n:{nk.name} {{key: k}}) RETURN {ret}", {"keys": part})
            for row in df.to_dict("records"):
                g.nodes[str(row["key"])] = _Item(str(row["key"]), nkind, _typed(props, row))
    return g


# --- text helpers ----------------------------------------------------------------------------------------


def _fetch_routes(store: Store, g: _Graph) -> None:
    """SAME_COMPANY links that routed payments onto the companies of the findings (the identity route of those
    payments: see :mod:`guanlian.matching.company_store`), with the payee node as recorded."""
    companies = sorted(k for k, n in g.nodes.items() if n.kind == "Company")
    if not companies:
        return
    ek = model().edge("SAME_COMPANY")
    props = {p.name: p.type for p in ek.all_props}
    ret = ", ".join(f"e.{p} AS {p}" for p in props)
    nk = model().node("Company")
    nprops = {p.name: p.type for p in nk.all_props}
    nret = ", ".join(f"o.{p} AS n_{p}" for p in nprops)
    for part in _chunks(companies, 5000):
        df = store.query("UNWIND $keys AS k MATCH (c:Company {key: k})-[e:SAME_COMPANY]-(o:Company) "
                         f"WHERE e.payments_routed > 0 RETURN c.key AS _c, o.key AS _o, {ret}, {nret}", {"keys": part})
        for row in df.to_dict("records"):
            key = str(row["key"])
            lo, hi = sorted((str(row["_c"]), str(row["_o"])))
            g.edges[key] = (lo, hi, _Item(key, ek.name, _typed(props, row)))
            g.routes.setdefault(str(row["_c"]), []).append(key)
            if str(row["_o"]) not in g.nodes:
                g.nodes[str(row["_o"])] = _Item(str(row["_o"]), "Company",
                                                _typed(nprops, {p: row[f"n_{p}"] for p in nprops}))


def _fetch_routed_names(store: Store, g: _Graph) -> None:
    """Add to each company's ``name_sources`` the payee names routed to it (a company alias, e.g. a payee written
    吉安鑫盛建材有限公司 routed to 吉安市鑫盛建材有限公司; see
    :func:`guanlian.matching.company_store.routed_name_sources`), so entities and path nodes show them."""
    companies = [k for k, n in g.nodes.items() if n.kind == "Company"]
    for k, extra in routed_name_sources(store, companies).items():
        props = g.nodes[k].props
        props[NAME_SOURCES] = sorted({*(props.get(NAME_SOURCES) or []), *extra})


_ROLE_EDGES = "OFFICER_OF|SHAREHOLDER_OF|LEGAL_REP_OF"


def _fetch_namesakes(store: Store, g: _Graph) -> None:
    """For each ID-less person at an end of a fuzzy identity link: the persons of the same name who hold an ID
    and a role (officer, shareholder, legal representative) in a company where the ID-less record holds one.
    Such a holder is who the registry says the ID-less record is; a different ID from the linked person's is
    the strongest evidence against the link (:func:`contrary_evidence`)."""
    anon = sorted({end for src, dst, item in g.edges.values() if item.kind == "POSSIBLY_SAME" for end in (src, dst)
                   if end in g.nodes and not g.nodes[end].props.get("id_number")})
    for part in _chunks(anon, 5000):
        df = store.query(
            # the companies first, then their people: LadybugDB plans the one-pattern form as a join over the role
            # tables (1.5 s for 1,520 ID-less persons at 1M; 0.6 s this way)
            f"UNWIND $keys AS k MATCH (x:Person {{key: k}})-[:{_ROLE_EDGES}]->(c:Company) WITH DISTINCT x, c "
            f"MATCH (c)<-[:{_ROLE_EDGES}]-(y:Person) WHERE y.name = x.name AND y.key <> x.key AND y.id_number IS NOT NULL "
            "RETURN DISTINCT x.key AS x, y.key AS key, y.name AS name, y.id_number AS id_number, "
            "y.birth_date AS birth_date, c.name AS company", {"keys": part})
        for row in sorted(df.to_dict("records"), key=lambda r: (str(r["x"]), str(r["key"]), str(r["company"]))):
            g.namesakes.setdefault(str(row["x"]), []).append({str(k): plain(v) for k, v in row.items()})


@dataclass(frozen=True, slots=True)
class Contrary:
    """The strongest evidence against a case's fuzzy identity link, as a clause for its explanation."""

    rank: int
    """0 a different resident ID, 1 a different birth date, 2 a different employer."""
    zh: str
    en: str


def contrary_evidence(g: _Graph, link_keys: Sequence[str]) -> Contrary | None:
    """The strongest evidence that a fuzzy identity link joins two different people, or None.

    Checked per link, strongest first: the two records hold different resident IDs, or the registry lists a
    person of the same name with another ID in the company where the ID-less record sits (a namesake holding a
    different ID, ``但登记人身份证号不同``); the birth dates differ; the employers differ (unless one of them is a
    company of the case: a registry record's employer is the company it is registered with).

    Example:
        >>> g = _Graph()
        >>> g.nodes["ric:1"] = _Item("ric:1", "Person", {"name": "卢亮", "id_number": "1", "birth_date": "1977-09-24"})
        >>> g.nodes["anon:a"] = _Item("anon:a", "Person", {"name": "卢亮"})
        >>> g.edges["ps:1"] = ("anon:a", "ric:1", _Item("ps:1", "POSSIBLY_SAME", {}))
        >>> g.namesakes["anon:a"] = [{"key": "ric:2", "name": "卢亮", "id_number": "2", "birth_date": "1985-06-11",
        ...                           "company": "诚安科技"}]
        >>> c = contrary_evidence(g, ["ps:1"])
        >>> c.rank, c.zh
        (0, '但登记人身份证号不同：诚安科技登记的卢亮身份证号为2（出生日期1985-06-11），而非1')
        >>> contrary_evidence(g, []) is None
        True
    """
    found: list[Contrary] = []
    for k in link_keys:
        src, dst, _ = g.edges[k]
        a, b = g.nodes.get(src), g.nodes.get(dst)
        if a is None or b is None:
            continue
        pa, pb = a.props, b.props
        name_a, name_b = _display(a), _display(b)
        if pa.get("id_number") and pb.get("id_number") and pa["id_number"] != pb["id_number"]:
            found.append(Contrary(0, f"但两条记录的身份证号不同（{name_a} {pa['id_number']}，{name_b} {pb['id_number']}）",
                                  f"but the two records hold different resident IDs ({name_a} {pa['id_number']}, "
                                  f"{name_b} {pb['id_number']})"))
        for x, other in ((a, b), (b, a)):
            oid = other.props.get("id_number")
            for n in g.namesakes.get(x.key, []):
                if not oid or n["key"] == other.key or n["id_number"] == oid:
                    continue
                birth_zh = f"（出生日期{n['birth_date']}）" if n.get("birth_date") else ""
                birth_en = f" (born {n['birth_date']})" if n.get("birth_date") else ""
                found.append(Contrary(0, f"但登记人身份证号不同：{n['company']}登记的{n['name']}身份证号为{n['id_number']}"
                                         f"{birth_zh}，而非{oid}",
                                      f"but the registered person's resident ID differs: {n['company']} registers "
                                      f"{n['name']} with resident ID {n['id_number']}{birth_en}, not {oid}"))
        ba, bb = pa.get("birth_date"), pb.get("birth_date")
        if ba and bb and ba != bb:
            found.append(Contrary(1, f"但出生日期不同（{name_a} {ba}，{name_b} {bb}）",
                                  f"but the birth dates differ ({name_a} {ba}, {name_b} {bb})"))
        ea, eb = pa.get("employer"), pb.get("employer")
        # a registry record's employer is the company it is registered with: differing from it is the pattern
        if ea and eb and ea != eb and not {ea, eb} & g.company_names():
            found.append(Contrary(2, f"但工作单位不同（{name_a}：{ea}；{name_b}：{eb}）",
                                  f"but the employers differ ({name_a}: {ea}; {name_b}: {eb})"))
    return min(found, key=lambda c: c.rank) if found else None


def _pays(hit: _Hit) -> bool:
    """True when the query's rows cite payments or payment totals (PAYMENT / PAID edges)."""
    return any(k in ("PAYMENT", "PAID") for c in hit.query.edge_columns() for k in c.edges) or \
        "payments_count" in hit.row


_IDENTITY_LINKS = frozenset(e.name for e in model().edges if e.fuzzy)
_TOTAL = "PAID"  # payment totals the loader derives from PAYMENT rows


def _display(item: _Item | None, fallback: str = "") -> str:
    if item is None:
        return fallback
    nk = model().node(item.kind)
    return str(item.props.get(nk.display) or item.props.get("name") or item.key)


def _fmt_value(prop: str, value: Any) -> str:
    if prop in MONEY_PROPS and isinstance(value, int | float) and value == value:
        return f"{yuan(int(value)):,.2f}"
    if prop == "share" and isinstance(value, float):
        return f"{value:.0%}"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)


def _what(item: _Item, is_edge: bool, lang: Lang = "zh") -> str:
    """What a cited row says, in ``lang``: the kind, the display name and every shown property, coded values in
    words (``性别 男`` / ``sex male``)."""
    m = model()
    kind: EdgeKind | NodeKind = m.edge(item.kind) if is_edge else m.node(item.kind)
    display = "" if isinstance(kind, EdgeKind) else kind.display
    parts = []
    if not is_edge:
        parts.append(_display(item))
    for p in kind.props:
        v = item.props.get(p.name)
        if v is None or v == "" or p.name in _HIDDEN_PROPS or p.name.endswith("_day") or p.name == (
                "explanation_en" if lang == "zh" else "explanation_zh"):
            continue
        if p.name == display:
            continue
        label = (p.label_zh if lang == "zh" else p.label_en) or p.name
        parts.append(f"{label} {_fmt_value(p.name, value_label(p.name, v, lang))}")
    head = kind.label_zh if lang == "zh" else kind.label_en
    return mask_ids_in_text(f"{head}: " + ("；" if lang == "zh" else "; ").join(parts))


def _evidence(file: Any, row: Any, item: _Item, is_edge: bool) -> EvidenceItem:
    """A cited row whose text is :func:`_what` in Chinese and English."""
    return EvidenceItem(file, row, _what(item, is_edge, "zh"), _what(item, is_edge, "en"))


class _Formatter(string.Formatter):
    """``str.format`` that prints a dash for missing or None values instead of failing."""

    def get_value(self, key: int | str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> Any:
        return kwargs.get(str(key)) if isinstance(key, str) else None

    def format_field(self, value: Any, format_spec: str) -> str:
        if value is None:
            return "—"
        try:
            return format(value, format_spec)
        except (ValueError, TypeError):
            return str(value)


_FORMATTER = _Formatter()


# --- building findings -----------------------------------------------------------------------------------


@dataclass(slots=True)
class _Hit:
    query: SavedQuery
    row: dict[str, Any]
    node_cols: list[tuple[str, str, list[str]]]  # (column, role, keys)
    edge_keys: list[str]


def _ordered_chain(keys: list[str], g: _Graph) -> list[str]:
    """Edges of a many-column in path order when they form a chain, else sorted by key."""
    present = [k for k in keys if k in g.edges]
    if len(present) < 2:
        return present
    dsts = {g.edges[k][1] for k in present}
    starts = [k for k in present if g.edges[k][0] not in dsts]
    if len(starts) == 1:
        out, cur = [starts[0]], starts[0]
        by_src = {g.edges[k][0]: k for k in present}
        while g.edges[cur][1] in by_src and len(out) < len(present):
            cur = by_src[g.edges[cur][1]]
            out.append(cur)
        if len(out) == len(present):
            return out
    return sorted(present)


def _hits(lib: Library, results: Mapping[str, pd.DataFrame]) -> list[_Hit]:
    hits: list[_Hit] = []
    for qid, df in results.items():
        q = lib.get(qid)
        for row in df.to_dict("records"):
            node_cols = []
            for c in q.node_columns():
                v = row.get(c.name)
                keys = sorted(str(x) for x in v if x) if c.many and isinstance(v, list) else ([str(v)] if v else [])
                node_cols.append((c.name, c.role, keys))
            edge_keys: list[str] = []
            for c in q.edge_columns():
                v = row.get(c.name)
                keys = [str(x) for x in v if x] if isinstance(v, list) else ([str(v)] if v else [])
                edge_keys.extend(keys[:MAX_PATH_EDGES_PER_COLUMN])
            hits.append(_Hit(q, {str(k): v for k, v in row.items()}, node_cols, edge_keys))
    return hits


def _edge_order(hit: _Hit, g: _Graph) -> list[str]:
    """Edge keys of a hit in path order: per column order, the edges of a many-column in chain order."""
    q, row = hit.query, hit.row
    edge_keys: list[str] = []
    for c in q.edge_columns():
        v = row.get(c.name)
        keys = [str(x) for x in v if x] if isinstance(v, list) else ([str(v)] if v else [])
        keys = _ordered_chain(keys[:MAX_PATH_EDGES_PER_COLUMN], g)
        edge_keys.extend(k for k in keys if k in g.edges and k not in edge_keys)
    return edge_keys


def _node_order(hit: _Hit, g: _Graph, edge_keys: Sequence[str]) -> list[str]:
    """Node keys of a hit: the row's node columns in order, then the ends of its edges."""
    node_keys: list[str] = []
    for _, _, keys in hit.node_cols:
        node_keys.extend(k for k in keys if k in g.nodes and k not in node_keys)
    for k in edge_keys:
        src, dst, _ = g.edges[k]
        for end in (src, dst):
            if end in g.nodes and end not in node_keys:
                node_keys.append(end)
    return node_keys


def _visible(props: Mapping[str, Any]) -> dict[str, Any]:
    out = {p: v for p, v in props.items() if v is not None and p not in _HIDDEN_PROPS and not p.endswith("_day")}
    aliases = aliases_text(props.get(NAME_SOURCES))
    if aliases:  # every name form of a node merged from records that spelled it differently, with its sources
        out[ALIASES] = aliases
    return out


def _path(g: _Graph, node_keys: Sequence[str], edge_keys: Sequence[str]) -> FindingPath:
    nodes = tuple(PathNode(key=k, kind=g.nodes[k].kind, name=_display(g.nodes[k], k), props=_visible(g.nodes[k].props),
                           src_file=g.nodes[k].props.get("src_file"), src_row=g.nodes[k].props.get("src_row"))
                  for k in node_keys)
    edges = tuple(_step(g, k) for k in edge_keys)
    return FindingPath(nodes, edges)


def _step(g: _Graph, key: str) -> PathStep:
    """One path edge; an identity link cites the rows of the two records it links instead of the matcher's
    placeholder row (``matcher``, row 0)."""
    src, dst, e = g.edges[key]
    if e.kind not in _IDENTITY_LINKS:
        return PathStep(src=src, dst=dst, type=e.kind, key=key, props=_visible(e.props),
                        src_file=e.props.get("src_file"), src_row=e.props.get("src_row"))
    ends = tuple((n.props.get("src_file"), n.props.get("src_row")) if n is not None else (None, None)
                 for n in (g.nodes.get(src), g.nodes.get(dst)))
    return PathStep(src=src, dst=dst, type=e.kind, key=key, props=_visible(e.props), sources=ends)


def _entities(hit: _Hit, g: _Graph) -> tuple[Entity, ...]:
    entities: list[Entity] = []
    seen: set[str] = set()
    for _, role, keys in hit.node_cols:
        for k in keys:
            if k in seen or k not in g.nodes:
                continue
            seen.add(k)
            n = g.nodes[k]
            forms = shown_forms(n.props.get(NAME_SOURCES))
            aliases = tuple(f"{name}（{', '.join(src)}）" for name, src in forms.items()) if len(forms) > 1 else ()
            entities.append(Entity(role=role, kind=n.kind, name=_display(n, k), key=k,
                                   id_number=n.props.get("id_number"), aliases=aliases))
    return tuple(entities)


def _payments(row: Mapping[str, Any]) -> PaymentSummary | None:
    count = row.get("payments_count")
    if not count:
        return None
    return PaymentSummary(count=int(count), sum_fen=int(row.get("payments_sum") or 0),
                          first=iso_day(row.get("payments_first_day")), last=iso_day(row.get("payments_last_day")),
                          in_tenure=None if row.get("payments_in_tenure") is None else int(row["payments_in_tenure"]))


def _score(severity: Severity, confidence: Confidence, pay: PaymentSummary | None) -> float:
    money = min(1.0, math.log10(1.0 + pay.sum_fen / 100) / 7.0) if pay else 0.5
    timing = (pay.in_tenure / pay.count if pay.in_tenure is not None else 1.0) if pay else 0.5
    return SEVERITY_WEIGHT[severity] * CONFIDENCE_WEIGHT[confidence] * (0.6 + 0.25 * money + 0.15 * timing)


def _explanations(hit: _Hit, g: _Graph, path: FindingPath, pay: PaymentSummary | None,
                  bound: Mapping[str, Any]) -> tuple[str, str]:
    """(Chinese, English) explanation: the query's templates filled with the row, its explainers' words and the
    generic phrases (payments, fuzzy identity links); IDs masked."""
    q, row = hit.query, hit.row
    ctx: dict[str, Any] = dict(bound)
    for col in q.returns:
        v = row.get(col.name)
        if col.nodes:
            keys = sorted(str(x) for x in v) if isinstance(v, list) else ([v] if v else [])
            ctx[col.name] = "、".join(_display(g.nodes.get(str(k)), str(k)) for k in keys) or None
        elif isinstance(v, list):
            ctx[col.name] = "、".join(str(x) for x in v)
        elif col.type == "money" and v is not None and v == v:
            ctx[col.name] = yuan(int(v))
        else:
            ctx[col.name] = v
        if col.name.endswith("_day") and isinstance(v, int):
            ctx[col.name[:-4]] = iso_day(v)
    for name in q.explainers:
        ctx.update(EXPLAINERS[name].fn(ExplainInput(row, path, ctx)))
    texts: dict[Lang, str] = {}
    langs: tuple[Lang, ...] = ("zh", "en")
    for lang in langs:
        ctx[f"payments_{lang}"] = payments_text(pay, lang) + route_text(path, lang)
        ctx[f"match_{lang}"] = match_text(path, lang)
        template = q.explain_zh if lang == "zh" else q.explain_en
        title = q.title_zh if lang == "zh" else q.title_en
        text = _FORMATTER.vformat(template, (), ctx) if template else title
        texts[lang] = mask_ids_in_text(" ".join(text.split()) if lang == "en" else "".join(text.split()))
    return texts["zh"], texts["en"]


def _edge_evidence(key: str, g: _Graph) -> list[EvidenceItem]:
    """The cited rows of one path edge: its own source row; for a matcher link (which has no source row of its
    own) the rows of both records it links, each naming the other."""
    src, dst, item = g.edges[key]
    if item.kind not in _IDENTITY_LINKS:
        return [_evidence(item.props.get("src_file"), item.props.get("src_row"), item, True)]
    zh, en = _what(item, True, "zh"), _what(item, True, "en")
    out = []
    for this, other in ((src, dst), (dst, src)):
        a, b = g.nodes.get(this), g.nodes.get(other)
        b_file = (b.props.get("src_file") if b else None) or "?"
        b_row = b.props.get("src_row") if b else None
        row = "?" if b_row is None else b_row
        out.append(EvidenceItem(a.props.get("src_file") if a else None, a.props.get("src_row") if a else None,
                                mask_ids_in_text(f"{zh}；本行记录 {_display(a, this)}，另一条记录 {_display(b, other)}"
                                                 f"（{b_file} 第{row}行）"),
                                mask_ids_in_text(f"{en}; this row's record {_display(a, this)}, the other record "
                                                 f"{_display(b, other)} ({b_file}, row {row})")))
    return out


def _voucher_evidence(v: Voucher) -> EvidenceItem:
    """A voucher as a cited row: what a person reads in that row of the ledger, subsidy list or change log."""
    label = {"payment": "付款凭证", "subsidy": "补贴发放", "change": "登记变更"}[v.kind]
    parts = [f"日期 {v.date}" if v.date else "",
             f"金额 {v.amount:,.2f}元" if v.amount is not None else "",
             f"凭证号 {v.voucher}" if v.voucher else "", f"合同号 {v.contract}" if v.contract else "",
             f"{'变更' if v.kind == 'change' else '用途'} {v.purpose}" if v.purpose else "",
             f"{v.payer or '?'} → {v.payee or '?'}"]
    label_en = {"payment": "payment voucher", "subsidy": "subsidy paid", "change": "registry change"}[v.kind]
    parts_en = [f"date {v.date}" if v.date else "",
                f"amount CNY {v.amount:,.2f}" if v.amount is not None else "",
                f"voucher {v.voucher}" if v.voucher else "", f"contract {v.contract}" if v.contract else "",
                f"{'change' if v.kind == 'change' else 'purpose'} {v.purpose}" if v.purpose else "",
                f"{v.payer or '?'} → {v.payee or '?'}"]
    return EvidenceItem(v.file, v.row, mask_ids_in_text(f"{label}: " + "；".join(p for p in parts if p)),
                        mask_ids_in_text(f"{label_en}: " + "; ".join(p for p in parts_en if p)))


def case_key(actors: Iterable[tuple[str, str]]) -> str:
    """The stable id of a case: a fingerprint of its actors' roles and natural node keys.

    Node keys are natural keys (``ric:<ID>``, ``uscc:<code>``, ``unit:<name>``, ``anon:<hash of the record's
    context>``), never row ids, so the id survives rescans, reloads and engine changes; the clue library and
    investigator judgements key on it.

    Example:
        >>> case_key([("unit", "unit:住建局"), ("company", "uscc:C1")]) == case_key(
        ...     [("company", "uscc:C1"), ("unit", "unit:住建局"), ("company", "uscc:C1")])
        True
        >>> len(case_key([("company", "uscc:C1")]))
        16
    """
    text = "\n".join(f"{role}={key}" for role, key in sorted(set(actors)))
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def _actors(hit: _Hit) -> list[tuple[str, str]]:
    """(role, node key) of a row's case columns (header ``case``): who the case is about."""
    names = {c.name for c in hit.query.case_columns()}
    return [(role, k) for name, role, keys in hit.node_cols if name in names for k in keys]


def _build_one(hit: _Hit, g: _Graph, bound: Mapping[str, Any]) -> Finding:
    q, row = hit.query, hit.row
    edge_keys = _edge_order(hit, g)
    node_keys = _node_order(hit, g, edge_keys)
    fingerprint = case_key(_actors(hit))
    if _pays(hit):  # payments routed to a company through a company match: the route is part of the evidence
        for k in list(node_keys):
            for r in g.routes.get(k, []):
                if r not in edge_keys:
                    edge_keys.append(r)
                    node_keys.extend(e for e in g.edges[r][:2] if e in g.nodes and e not in node_keys)
    tiers = [str(g.edges[k][2].props.get("tier") or "possible") for k in edge_keys
             if g.edges[k][2].kind in _IDENTITY_LINKS]
    if row.get("confidence") in TIERS:
        tiers.append(str(row["confidence"]))
    confidence = as_confidence(min(tiers, key=TIERS.index) if tiers else "certain")
    severity = as_severity(row.get("severity") if row.get("severity") in SEVERITIES else q.severity)
    pay = _payments(row)
    path = _path(g, node_keys, edge_keys)
    explanation_zh, explanation_en = _explanations(hit, g, path, pay, bound)
    contrary = contrary_evidence(g, [k for k in edge_keys if g.edges[k][2].kind == "POSSIBLY_SAME"])
    if contrary is not None:
        explanation_zh = mask_ids_in_text(explanation_zh.rstrip("。") + "；" + contrary.zh + "。")
        explanation_en = mask_ids_in_text(explanation_en.rstrip(".") + "; " + contrary.en + ".")
    evidence = tuple(
        [_evidence(g.nodes[k].props.get("src_file"), g.nodes[k].props.get("src_row"), g.nodes[k], False)
         for k in node_keys]
        + [item for k in edge_keys if g.edges[k][2].kind != _TOTAL for item in _edge_evidence(k, g)])
    return Finding(
        id=fingerprint,
        queries=(q.id,),
        title_zh=q.title_zh,
        title_en=q.title_en,
        severity=severity,
        score=round(_score(severity, confidence, pay), 3),
        confidence=confidence,
        entities=_entities(hit, g),
        path=path,
        payments=pay,
        explanation_zh=explanation_zh,
        explanation_en=explanation_en,
        evidence=evidence,
        routes=(Route(q.id, confidence, severity, round(_score(severity, confidence, pay), 3), explanation_zh,
                      explanation_en),),
    )


def _merge(a: Finding, b: Finding) -> Finding:
    """Finding ``b`` (same case) folded into ``a``: every query id, route, entity, path element and evidence row.
    Confidence, severity, score, title and explanation are set afterwards from the strongest route
    (:func:`_settle`)."""
    have = {(e.role, e.key) for e in a.entities}
    keys = {n.key for n in a.path.nodes}
    ekeys = {e.key for e in a.path.edges}
    have_ev = {(e.file, e.row, e.what) for e in a.evidence}
    have_routes = set(a.routes)
    return replace(
        a,
        queries=(*a.queries, *(qid for qid in b.queries if qid not in a.queries)),
        entities=(*a.entities, *(e for e in b.entities if (e.role, e.key) not in have)),
        path=FindingPath((*a.path.nodes, *(n for n in b.path.nodes if n.key not in keys)),
                         (*a.path.edges, *(e for e in b.path.edges if e.key not in ekeys))),
        evidence=(*a.evidence, *(e for e in b.evidence if (e.file, e.row, e.what) not in have_ev)),
        routes=(*a.routes, *(r for r in b.routes if r not in have_routes)),
        payments=_sum_payments(a.payments, b.payments),
    )


def _sum_payments(a: PaymentSummary | None, b: PaymentSummary | None) -> PaymentSummary | None:
    """The larger of two query summaries (used only when no voucher rows are known)."""
    if a is None or b is None:
        return a or b
    return a if (a.count, a.sum) >= (b.count, b.sum) else b


def _route_rank(r: Route) -> tuple[int, float, int]:
    return (TIERS.index(r.confidence), r.score, -SEVERITIES.index(r.severity))


def _settle(f: Finding, titles: Mapping[str, tuple[str, str]]) -> Finding:
    """A case's headline from its routes: the strongest route (best identity link, then score) sets the
    confidence, title and explanation; severity is the pattern's highest, but never ``high`` when every route
    rests on a ``possible`` (name-only) link; the score is recomputed from the case's own payments."""
    routes = tuple(sorted(f.routes, key=_route_rank, reverse=True))
    best = routes[0]
    confidence = best.confidence
    severity = min((r.severity for r in routes), key=SEVERITIES.index)
    if confidence == "possible" and severity == "high":
        severity = "medium"
    title_zh, title_en = titles.get(best.query, (f.title_zh, f.title_en))
    zh, en = best.explanation_zh, best.explanation_en
    others = [r for r in routes[1:]]
    if others:
        zh += "另有佐证：" + "；".join(f"{r.query}（{_TIER_ZH[r.confidence]}）" for r in others) + "。"
        en += " Also supported by: " + "; ".join(f"{r.query} ({r.confidence})" for r in others) + "."
    return replace(f, routes=routes, confidence=confidence, severity=severity, title_zh=title_zh, title_en=title_en,
                   explanation_zh=zh, explanation_en=en,
                   score=round(_score(severity, confidence, f.payments), 3))


_TIER_ZH = {"certain": "确定同一人", "probable": "很可能同一人", "possible": "仅姓名相近"}


@dataclass(slots=True)
class _Want:
    """The payment rows one case sums: (payer unit, payee) pairs with a day range, and explicit edge keys."""

    pairs: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)
    keys: set[str] = field(default_factory=set)
    officials: set[str] = field(default_factory=set)
    tenure: bool = False


_PAYER_ROLES = frozenset({"unit", "payer"})
_PAYEE_ROLES = frozenset({"company", "payee"})


def _want(hit: _Hit, w: _Want) -> None:
    """Add the payment rows a query row counted to its case's wants: the row's ``payment_edges`` when the
    query returns them, else every payment from its payer units to its payees between its first and last day."""
    row = hit.row
    w.officials.update(k for _, role, keys in hit.node_cols if role == "official" for k in keys)
    if row.get("payments_in_tenure") is not None:
        w.tenure = True
    explicit = row.get("payment_edges")
    if isinstance(explicit, list) and explicit:
        w.keys.update(str(k) for k in explicit if k)
        return
    if not row.get("payments_count"):
        return
    payers = [k for _, role, keys in hit.node_cols if role in _PAYER_ROLES for k in keys]
    payees = [k for _, role, keys in hit.node_cols if role in _PAYEE_ROLES for k in keys]
    lo = row.get("payments_first_day")
    hi = row.get("payments_last_day")
    rng = (int(lo) if lo is not None else -10**7, int(hi) if hi is not None else 10**7)
    for u in payers:
        for x in payees:
            old = w.pairs.get((u, x))
            w.pairs[(u, x)] = rng if old is None else (min(old[0], rng[0]), max(old[1], rng[1]))


def _fetch_payments(store: Store, wants: Mapping[str, _Want], g: _Graph) -> dict[str, tuple[str, str, _Item]]:
    """PAYMENT edges (payer key, payee key, item) of the (payer, payee) pairs in ``wants``, looked up from the
    payee side (a company or person has few payments; a unit thousands), plus the explicitly listed edges."""
    ek = model().edge("PAYMENT")
    props = {p.name: p.type for p in ek.all_props}
    ret = ", ".join(f"e.{p} AS {p}" for p in props)
    payees: dict[str, set[str]] = {}
    pairs = {pair for w in wants.values() for pair in w.pairs}
    explicit = {k for w in wants.values() for k in w.keys}
    for _, x in pairs:
        kind = g.nodes[x].kind if x in g.nodes else ("Person" if x.startswith(("ric:", "anon:")) else "Company")
        payees.setdefault(kind, set()).add(x)
    out: dict[str, tuple[str, str, _Item]] = {}
    for kind, keys in payees.items():
        if kind not in ("Company", "Person"):
            continue
        for part in _chunks(sorted(keys), 5000):
            # not UNWIND $keys … {key: k}: at 10M rows LadybugDB answers that with a join whose hash table grew
            # the page cache from 2 to 8 GiB (10,000 payees: 4.8 GiB resident against 0.8 GiB for this form)
            df = store.query(f"MATCH (a:Unit)-[e:PAYMENT]->(b:{kind}) WHERE b.key IN $keys "
                             f"RETURN a.key AS _src, b.key AS _dst, {ret}", {"keys": part})
            for row in df.to_dict("records"):
                if (str(row["_src"]), str(row["_dst"])) not in pairs and str(row["key"]) not in explicit:
                    continue  # another unit's payment to this payee: no case cites it
                out[str(row["key"])] = (str(row["_src"]), str(row["_dst"]), _Item(str(row["key"]), "PAYMENT",
                                                                                  _typed(props, row)))
    for k in explicit - set(out):  # the rows' own payment edges, fetched with the path (fetch_graph)
        if k in g.edges and g.edges[k][2].kind == "PAYMENT":
            out[k] = g.edges[k]
    for part in _chunks(sorted(explicit - set(out))):
        df = store.query(f"MATCH (a:Unit)-[e:PAYMENT]->(b) WHERE e.key IN $keys RETURN a.key AS _src, b.key AS _dst, "
                         f"{ret}", {"keys": part})
        for row in df.to_dict("records"):
            out[str(row["key"])] = (str(row["_src"]), str(row["_dst"]), _Item(str(row["key"]), "PAYMENT",
                                                                              _typed(props, row)))
    return out


def _names_of(store: Store, g: _Graph, keys: set[str]) -> None:
    """Fetch display names of payer units and payees not yet in ``g``."""
    missing = sorted(k for k in keys if k not in g.nodes)
    if missing:
        extra = fetch_graph(store, {"Unit": {k for k in missing if k.startswith("unit:")},
                                    "Company": {k for k in missing if not k.startswith(("unit:", "ric:", "anon:"))},
                                    "Person": {k for k in missing if k.startswith(("ric:", "anon:"))}}, {})
        g.nodes.update(extra.nodes)


def _by_pair(pays: Mapping[str, tuple[str, str, _Item]]) -> dict[tuple[str, str], list[_Item]]:
    """Payment rows grouped by (payer, payee), so a case reads only the rows of its own pairs."""
    out: dict[tuple[str, str], list[_Item]] = {}
    for u, x, item in pays.values():
        out.setdefault((u, x), []).append(item)
    return out


def _vouchers(w: _Want, pays: Mapping[str, tuple[str, str, _Item]], g: _Graph,
              by_pair: Mapping[tuple[str, str], list[_Item]]) -> tuple[Voucher, ...]:
    """The voucher rows of one case (its explicit keys and its pairs' rows in their day ranges), by date then
    file and row; ``by_pair`` is :func:`_by_pair` of ``pays``."""
    chosen: dict[str, tuple[str, str, _Item]] = {k: pays[k] for k in w.keys if k in pays}
    for (u, x), (lo, hi) in w.pairs.items():
        for item in by_pair.get((u, x), ()):
            day = item.props.get("paid_on_day")
            if day is None or lo <= int(day) <= hi:
                chosen.setdefault(item.key, (u, x, item))
    out = []
    for u, x, item in chosen.values():
        p = item.props
        amount = p.get("amount")
        out.append(Voucher(
            key=item.key, kind="subsidy" if p.get("item") else "payment", file=p.get("src_file"),
            row=p.get("src_row"), date=iso_day(p.get("paid_on_day")),
            amount_fen=None if amount is None else int(amount), voucher=p.get("voucher"), contract=p.get("contract"),
            purpose=p.get("purpose") or p.get("item"), payer=_display(g.nodes.get(u), u),
            payee=_display(g.nodes.get(x), x)))
    return tuple(sorted(out, key=_voucher_order))


def _voucher_order(v: Voucher) -> tuple[str, str, int, str]:
    return (v.date or "", v.file or "", v.row or 0, v.key)


_ACTION_ZH = {"left": "退出", "joined": "加入"}


def _change_vouchers(f: Finding, g: _Graph) -> list[Voucher]:
    """The registry change records on a case's path (a relative leaving or joining, a deregistration) as
    vouchers: file, row, date as recorded, what changed, who and which company."""
    out = []
    for e in f.path.edges:
        if e.type != "CHANGE" or e.key is None or e.key not in g.edges:
            continue
        src, dst, item = g.edges[e.key]
        p = item.props
        what = " → ".join(str(x) for x in (p.get("before"), p.get("after")) if x) or _ACTION_ZH.get(
            str(p.get("action")), "")
        purpose = "：".join(str(x) for x in (p.get("item"), what) if x) or None
        out.append(Voucher(key=item.key, kind="change", file=p.get("src_file"), row=p.get("src_row"),
                           date=p.get("changed_on") or iso_day(p.get("changed_on_day")), amount_fen=None,
                           purpose=purpose, payer=_display(g.nodes.get(src), src),
                           payee=_display(g.nodes.get(dst), dst)))
    return out


def _posts(g: _Graph) -> dict[str, list[tuple[str, int, int]]]:
    """``{official key: [(unit key, start day, end day)]}`` of the SERVES_IN edges in ``g`` (open ends
    unbounded), gathered once for every case."""
    out: dict[str, list[tuple[str, int, int]]] = {}
    for src, dst, item in g.edges.values():
        if item.kind == "SERVES_IN":
            lo, hi = item.props.get("term_start_day"), item.props.get("term_end_day")
            out.setdefault(src, []).append((dst, -10**7 if lo is None else int(lo), 10**7 if hi is None else int(hi)))
    return out


def _tenures(w: _Want, posts: Mapping[str, list[tuple[str, int, int]]]) -> dict[str, list[tuple[int, int]]]:
    """``{unit key: [(start day, end day)]}`` of the case officials' posts (``posts`` is :func:`_posts`)."""
    out: dict[str, list[tuple[int, int]]] = {}
    for official in w.officials:
        for unit, lo, hi in posts.get(official, ()):
            out.setdefault(unit, []).append((lo, hi))
    return out


def _summary(vouchers: Sequence[Voucher], pays: Mapping[str, tuple[str, str, _Item]], w: _Want,
             posts: Mapping[str, list[tuple[str, int, int]]]) -> PaymentSummary | None:
    """The payment summary computed from exactly the money-moving voucher rows (payments and subsidies; the
    sum exact in fen); None when there are none."""
    money = [v for v in vouchers if v.is_money]
    if not money:
        return None
    total = sum(v.amount_fen for v in money if v.amount_fen is not None)
    dates = sorted(v.date for v in money if v.date)
    in_tenure: int | None = None
    if w.tenure:
        terms = _tenures(w, posts)
        in_tenure = 0
        for v in money:
            u, _, item = pays[v.key]
            day = item.props.get("paid_on_day")
            if day is not None and any(lo <= int(day) <= hi for lo, hi in terms.get(u, [])):
                in_tenure += 1
    return PaymentSummary(count=len(money), sum_fen=total, first=dates[0] if dates else None,
                          last=dates[-1] if dates else None, in_tenure=in_tenure)


def _inline_edges(hits: Sequence[_Hit]) -> dict[str, tuple[str, str, _Item]]:
    """Edges a query returned whole (column ``<edge column>_data``, ends named by the header's ``ends``).

    Saves a lookup per edge: LadybugDB finds an edge by key only by scanning its table (seconds for millions of
    POSSIBLY_SAME edges). Fuzzy edges are stored from the lower key to the higher one, so their ends are sorted.
    """
    m = model()
    out: dict[str, tuple[str, str, _Item]] = {}
    for h in hits:
        for c in h.query.edge_columns():
            data = h.row.get(f"{c.name}_data")
            key = h.row.get(c.name)
            if not c.ends or not isinstance(data, dict) or not key or len(c.edges) != 1:
                continue
            a, b = (h.row.get(e) for e in c.ends)
            if not a or not b:
                continue
            ek = m.edge(c.edges[0])
            src, dst = sorted((str(a), str(b))) if ek.fuzzy else (str(a), str(b))
            props = {p.name: p.type for p in ek.all_props}
            out[str(key)] = (src, dst, _Item(str(key), ek.name, _typed(props, data)))
    return out


def build_findings(
    store: Store, lib: Library, results: Mapping[str, pd.DataFrame], bound: Mapping[str, Mapping[str, Any]]
) -> list[Finding]:
    """Findings from query results (``{query id: rows}``), merged by node set and sorted by score.

    Args:
        store: the store the rows came from (node and edge details are fetched from it).
        lib: the library that ran them.
        results: rows per query id (as returned by :meth:`Library.run`).
        bound: the parameters each query ran with (used in explanations).
    """
    hits = _hits(lib, results)
    node_keys: dict[str, set[str]] = {}
    edge_keys: dict[str, set[str]] = {}
    edge_ends: dict[str, set[tuple[str, str]]] = {}
    for h in hits:
        row_nodes = [k for _, _, keys in h.node_cols for k in keys]
        for c in h.query.node_columns():
            keys = next(k for name, _, k in h.node_cols if name == c.name)
            for kind in c.nodes:
                node_keys.setdefault(kind, set()).update(keys)
        for c in h.query.edge_columns():
            v = h.row.get(c.name)
            keys = [str(x) for x in v if x][:MAX_PATH_EDGES_PER_COLUMN] if isinstance(v, list) else (
                [str(v)] if v else [])
            for kind in c.edges:
                edge_keys.setdefault(kind, set()).update(keys)
                edge_ends.setdefault(kind, set()).update((n, k) for k in keys for n in row_nodes)
    inline = _inline_edges(hits)
    for kind in edge_keys:
        edge_keys[kind] -= set(inline)
    g = fetch_graph(store, node_keys, edge_keys, edge_ends)
    g.edges.update(inline)
    _fetch_routes(store, g)
    _fetch_routed_names(store, g)
    _fetch_namesakes(store, g)
    by_id: dict[str, Finding] = {}
    wants: dict[str, _Want] = {}
    built = [(_build_one(h, g, bound.get(h.query.id, {})), h) for h in hits]
    # Engines return rows in different orders: fold each case's rows strongest first, ties by their content, so
    # the case's entities, path, evidence and routes come out in the same order on every engine.
    built.sort(key=lambda fh: (fh[0].id, tuple(-x for x in _route_rank(fh[0].routes[0])), fh[0].routes[0].query,
                               tuple(n.key for n in fh[0].path.nodes), tuple(e.key for e in fh[0].path.edges)))
    for f, h in built:
        by_id[f.id] = _merge(by_id[f.id], f) if f.id in by_id else f
        _want(h, wants.setdefault(f.id, _Want()))
    store.release_cache()  # the fetches above may have grown the page cache; the payments need no more than its base
    pays = _fetch_payments(store, wants, g)
    store.release_cache()
    _names_of(store, g, {e for u, x, _ in pays.values() for e in (u, x)})
    by_pair = _by_pair(pays)
    posts = _posts(g)
    for fid, f in by_id.items():
        w = wants.get(fid, _Want())
        money = _vouchers(w, pays, g, by_pair)
        vouchers = tuple(sorted((*money, *_change_vouchers(f, g)), key=_voucher_order))
        if not vouchers and not any(e.type == _TOTAL for e in f.path.edges):
            continue
        # A payment total (PAID, derived by the loader, no source row of its own) is cited as the payment rows it
        # sums; only when none are found, as the total. Change records are path edges, already cited as such.
        cited = [_voucher_evidence(v) for v in money] or [
            _evidence(g.edges[e.key][2].props.get("src_file"), g.edges[e.key][2].props.get("src_row"),
                      g.edges[e.key][2], True)
            for e in f.path.edges if e.type == _TOTAL and e.key in g.edges]
        by_id[fid] = replace(f, vouchers=vouchers, payments=_summary(money, pays, w, posts) if money else f.payments,
                             evidence=(*f.evidence, *cited))
    titles = {q: (lib.get(q).title_zh, lib.get(q).title_en) for q in results}
    settled = [_settle(f, titles) for f in by_id.values()]
    return sorted(settled, key=lambda f: (-f.score, f.id))


def scan(
    store: Store,
    params: Mapping[str, object] | None = None,
    extra_dirs: Sequence[str | Path] | None = None,
    *,
    queries: Sequence[str] | None = None,
    library: Library | None = None,
) -> FindingsDoc:
    """Run every saved query and return the findings document: the body of ``guanlian scan``.

    Args:
        store: the graph store.
        params: ``{name: value}`` applied to every query that declares ``name`` (e.g. ``window_days``,
            ``min_match_tier``); a name no query declares raises :class:`QueryError`.
        extra_dirs: folders of user queries to run as well.
        queries: only these query ids (default: all).
        library: an already loaded library (overrides ``extra_dirs``).

    Returns:
        The :class:`~guanlian.finding.FindingsDoc` (``generated_at``, ``store``, ``params``, ``findings``,
        ``query_params``, ``query_runs``); findings sorted by score (highest first).

    Example:
        >>> import tempfile
        >>> from guanlian.graph.ladybug import LadybugStore
        >>> s = LadybugStore(tempfile.mkdtemp() + "/s"); s.ensure_schema()
        >>> doc = scan(s, {"window_days": "60"})
        >>> doc.findings, doc.params
        ((), {'window_days': 60})
    """
    lib = library or Library.load(extra_dirs or ())
    ids = list(queries) if queries is not None else lib.ids()
    given = dict(params or {})
    declared = {name for qid in ids for name in lib.get(qid).params}
    unknown = sorted(set(given) - declared)
    if unknown:
        raise said(QueryError, f"没有查询使用参数 {unknown}；可用的参数：{sorted(declared)}",
                   f"no query takes the parameters {unknown}; known: {sorted(declared)}")
    results: dict[str, pd.DataFrame] = {}
    bound: dict[str, dict[str, Any]] = {}
    runs: list[QueryRun] = []
    typed_given: dict[str, Any] = {}
    bar = progress.start("查询 / saved queries", total=len(ids))
    for qid in ids:
        bar.describe(f"查询 {qid} / query {qid}")
        q = lib.get(qid)
        mine = {k: v for k, v in given.items() if k in q.params}
        bound[qid] = lib.bind(qid, mine)
        typed_given.update({k: bound[qid][k] for k in mine})
        t0 = time.perf_counter()
        results[qid] = lib.run(store, qid, mine)
        store.release_cache()  # one query that needed a bigger page cache must not raise the rest of the scan
        runs.append(QueryRun(qid, len(results[qid]), round(time.perf_counter() - t0, 3)))
        bar.advance()
    bar.describe("查询 / saved queries")
    bar.close()
    t0 = time.perf_counter()
    with progress.phase("汇总发现 / building findings"):
        findings = build_findings(store, lib, results, bound)
    runs.append(QueryRun("(findings)", len(findings), round(time.perf_counter() - t0, 3)))
    return FindingsDoc(
        findings=tuple(findings),
        generated_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        store=store.location,
        params=_as_json_values(typed_given),
        query_params={k: _as_json_values(v) for k, v in bound.items()},
        query_runs=tuple(runs),
    )


def _as_json_values(params: Mapping[str, Any]) -> dict[str, Any]:
    """Parameter values as findings.json keeps them: amounts (Decimal yuan) as exact decimal text."""
    return {k: str(v) if isinstance(v, Decimal) else v for k, v in params.items()}


def masked_findings(doc: FindingsDoc) -> FindingsDoc:
    """A copy of a findings document with every resident ID masked in every string (node keys included).

    Finding ids are fingerprints (hashes), so a masked document still files into the clue library and renders
    views; only the identity numbers are hidden.

    Example:
        >>> from guanlian.finding import Entity, Finding
        >>> f = Finding("f1", ("q",), "示例", "Example", "low", 0.1,
        ...             entities=(Entity("relative", "Person", "刘", "ric:36080219700101001X"),))
        >>> masked_findings(FindingsDoc((f,))).findings[0].entities[0].key
        'ric:3608**********001X'
    """

    # One finding at a time: at 10M rows the whole document as JSON objects took more memory than the findings.
    head = FindingsDoc.from_json(mask_nested(replace(doc, findings=()).to_json()))
    return replace(head, findings=tuple(Finding.from_json(mask_nested(f.to_json()), f"findings[{i}]")
                                        for i, f in enumerate(doc.findings)))


def write_findings(doc: FindingsDoc, out_dir: str | Path, *, show_ids: bool = False, masked: bool = False) -> Path:
    """Write ``findings.json`` (UTF-8, Chinese kept readable) into ``out_dir`` and return its path.

    Resident IDs are masked (as :func:`masked_findings` does) unless ``show_ids`` or ``masked`` (``doc`` is
    masked already). The file is written one finding at a time, through a temporary file renamed at the end
    (a crash leaves the previous file), and reads back as ``json.dumps(doc.to_json(), indent=2)`` would write it.

    Example:
        >>> import tempfile
        >>> write_findings(FindingsDoc(), tempfile.mkdtemp()).name
        'findings.json'
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "findings.json"
    mask = not (show_ids or masked)
    skeleton = replace(doc, findings=()).to_json()
    # a placeholder no parameter value can equal, with no digits (so masking leaves it alone)
    slot = "findings-" + uuid.uuid4().hex.translate(str.maketrans("0123456789", "ghijklmnop"))
    skeleton["findings"] = slot
    text = json.dumps(mask_nested(skeleton) if mask else skeleton, ensure_ascii=False, indent=2, default=str)
    before, after = text.split(json.dumps(slot), 1)
    with replacing(path) as tmp, tmp.open("w", encoding="utf-8") as fh:
        fh.write(before)
        if not doc.findings:
            fh.write("[]")
        else:
            fh.write("[")
            for i, f in enumerate(doc.findings):
                one = mask_nested(f.to_json()) if mask else f.to_json()
                fh.write(("\n    " if i == 0 else ",\n    ")
                         + json.dumps(one, ensure_ascii=False, indent=2, default=str).replace("\n", "\n    "))
            fh.write("\n  ]")
        fh.write(after + "\n")
    return path
