"""What the workbench pages and its JSON API answer, independent of HTTP.

:class:`Workbench` owns the store connection, the search index, the findings of a scan and the clue
library. Every method takes and returns plain values (dicts ready for JSON), raises :class:`NotFound` for an
unknown key or id and :class:`BadRequest` for a bad parameter; the web layer (:mod:`guanlian.workbench.app`)
only maps those to 404 and 400.

LadybugDB allows one read-write process per store, so the workbench never writes the graph: it opens the
store read-only. Before each request it compares the store's generation (:meth:`Store.generation`: the
database files' size and modification time for LadybugDB, the last committed transaction for Neo4j) with the
one it computed from; after a write by another process (``guanlian load``, ``match``, ``judge``) it drops
what it computed (search index, scan, query results; an embedded store is reopened) and computes it again on
next use. It also watches ``judgements.db``: a ``guanlian dismiss`` or ``judge`` from the CLI is seen by the
next request, so the CLI and the web see one truth. The clue library is SQLite in WAL mode and takes writers
from any process, and is read on every request.

Judgements (``POST /api/judgements``) call :mod:`guanlian.judgements`, the same functions as ``guanlian judge``
and ``dismiss``. A link judgement changes the graph (a rejected link is deleted, a confirmed one lifted), so the
workbench closes its read-only connection, opens the store for writing for that one call, and reopens it
read-only; the search index is kept (a judgement changes no node) and the next findings request rescans. A
dismissal changes only ``judgements.db``: the findings of the last scan are marked again without a rescan.

Keys: a node key that holds a resident ID (``ric:3624…``) never leaves the server. It is replaced by
``p:<HMAC>`` under a secret kept in the store's sidecar folder, so links stay stable across restarts
and the number cannot be read back from the URL.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import secrets
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import networkx as nx
import pandas as pd

from guanlian.finding import FindingsDoc
from guanlian.graph import is_uri, open_store, sidecar_for
from guanlian.graph.store import Store, StoreOutdated
from guanlian.judgements import (
    FINDING_VERDICTS,
    LINK_EDGES,
    LINK_VERDICTS,
    Judgement,
    JudgementError,
    LinkRow,
    apply_dismissals,
    judgements_path,
    list_links,
    open_book,
)
from guanlian.matching.company_store import name_sources_of
from guanlian.matching.normalize import to_simplified
from guanlian.model import BY_NAME, MONEY_PROPS, NAME_SOURCES, NAMES, model
from guanlian.values.money import yuan_text
from guanlian.values.names import shown_forms
from guanlian.values.privacy import mask_frame, mask_id, mask_nested, mask_text
from guanlian.values.vocab import SEVERITIES, Lang, again, said
from guanlian.viz.neighbourhood import (
    DEFAULT_SKIP_EDGES,
    incident_edges,
    neighbourhood,
    node_by_key,
)
from guanlian.viz.view import vis_elements
from guanlian.workbench.paths import PathIndex
from guanlian.workbench.search import SEARCH_KINDS, SearchIndex

if TYPE_CHECKING:
    from guanlian.queries.library import Library

CONFIDENCES: tuple[str, ...] = ("confirmed", "certain", "probable", "possible")
MAX_HOPS = 6
"""Upper bound of ``/api/path``'s ``max_hops`` (each hop multiplies the nodes read)."""
ENTITY_LIMIT = 300
"""Nodes read around an entity for its page and for one expand step."""
TIMELINE_LIMIT = 2000
ID_DIGITS = r"\d{15}"
"""A resident ID (15 or 18 characters) holds at least 15 digits in a row: keys without such a run are public."""


class NotFound(LookupError):
    """An unknown entity key, finding, query or clue (HTTP 404)."""


class BadRequest(ValueError):
    """A parameter the caller must fix; the message says which and why, in Chinese and English (HTTP 400)."""


class StoreBusy(RuntimeError):
    """The store cannot be opened right now (another process is writing it); retry shortly (HTTP 503)."""


QUERY_CACHE = 32
"""Saved-query results kept per store generation (query id and parameters → rows)."""


@dataclass
class _Opened:
    store: Store
    generation: str


def _to_plain(v: Any) -> Any:
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, Decimal):  # an amount in yuan (a money parameter's default)
        return str(v)
    if hasattr(v, "item") and not isinstance(v, str | bytes):
        try:
            return v.item()
        except (ValueError, AttributeError):
            return v
    if v is pd.NA or v is pd.NaT:
        return None
    return v


@lru_cache(maxsize=65536)
def _norm_text(s: str) -> str:
    # cached: the findings filters compare every finding's entity names on each request
    return to_simplified(s.strip()).lower()


class Workbench:
    """The workbench over one store.

    Args:
        location: store path or Neo4j URI (as ``--store``).
        clues: the clue library file.
        database: Neo4j database name.
        findings: a findings document to use instead of scanning the store at start.
        queries_dir: extra saved-query folders.
        sidecar: folder for the audit log and the key secret (default: the store's sidecar folder,
            :func:`guanlian.graph.sidecar_for`).

    Example:
        >>> # wb = Workbench("demo/store", clues=Path("demo/clues.db")); wb.search("刘桂兰")
    """

    def __init__(
        self,
        location: str,
        *,
        clues: Path,
        database: str | None = None,
        findings: Mapping[str, Any] | None = None,
        queries_dir: list[Path] | None = None,
        sidecar: Path | None = None,
    ) -> None:
        self.location = location
        self.database = database
        self.clues_path = Path(clues)
        self.queries_dir = list(queries_dir or [])
        self.sidecar = sidecar or sidecar_for(location, database)
        self.sidecar.mkdir(parents=True, exist_ok=True)
        self._secret = self._load_secret()
        self._lock = threading.RLock()
        self._opened: _Opened | None = None
        self._index: SearchIndex | None = None
        self._paths: PathIndex | None = None
        self._fixed_findings = findings
        self._doc: FindingsDoc | None = None
        self._scanned: FindingsDoc | None = None
        self._dismissed: dict[str, Judgement] = {}
        self._findings: list[dict[str, Any]] | None = None
        self._public: dict[str, str] = {}
        self._private: dict[str, str] = {}
        self._judged_sig: tuple[tuple[str, int, int], ...] | None = None
        self._present: frozenset[str] | None = None
        self._results: dict[tuple[str, tuple[tuple[str, str], ...]], pd.DataFrame] = {}
        self._lib: Library | None = None
        self._lib_sig: tuple[tuple[str, int, int], ...] | None = None
        self.library()  # a query folder that does not exist is an error at start (as in the CLI)

    # -- store access ----------------------------------------------------------------------------

    def _load_secret(self) -> bytes:
        path = self.sidecar / "workbench.secret"
        if not path.exists():
            path.write_text(secrets.token_hex(32), encoding="ascii")
            path.chmod(0o600)
        return bytes.fromhex(path.read_text(encoding="ascii").strip())

    def _forget_graph(self) -> None:
        """Drop everything computed from the graph (another process wrote it)."""
        self._index = None
        self._paths = None
        self._doc = None
        self._scanned = None
        self._findings = None
        self._present = None
        self._results = {}

    def _judged_signature(self, s: Store) -> tuple[tuple[str, int, int], ...]:
        path = judgements_path(s)
        out = []
        for f in (path, path.with_name(path.name + "-wal")):
            try:
                st = f.stat()
            except FileNotFoundError:
                continue
            out.append((f.name, st.st_mtime_ns, st.st_size))
        return tuple(out)

    @contextmanager
    def store(self) -> Iterator[Store]:
        """The store. When another process wrote the graph since the last request (its generation changed),
        the search index, the findings and the query results are dropped (rebuilt on next use) and an embedded
        store is reopened; when only ``judgements.db`` changed (``guanlian dismiss``/``judge`` from the CLI),
        the findings are marked again from the last scan."""
        with self._lock:
            if self._opened is not None:
                now = self._opened.store.generation()
                if now != self._opened.generation:
                    self._forget_graph()
                    if is_uri(self.location):
                        self._opened.generation = now
                    else:  # a read-only LadybugDB connection does not see later writes: reopen
                        self._opened.store.close()
                        self._opened = None
            if self._opened is None:
                try:
                    s = open_store(self.location, database=self.database, read_only=not is_uri(self.location))
                except StoreOutdated:  # its message names the fix; the web layer shows it as it is (503)
                    raise
                except Exception as exc:  # the engine's lock or connection error, shown to the user
                    raise said(StoreBusy, f"数据库暂时无法打开（可能正被其他进程写入），请稍后重试。（{exc}）",
                               f"The store cannot be opened right now (another process may be writing it); retry "
                               f"shortly. ({exc})") from exc
                self._opened = _Opened(s, s.generation())
            judged = self._judged_signature(self._opened.store)
            if judged != self._judged_sig:
                self._judged_sig = judged
                self._doc = None  # dismissals (and, for a given findings file, rejected links) marked again
            yield self._opened.store

    def close(self) -> None:
        """Close the store connection."""
        with self._lock:
            if self._opened is not None:
                self._opened.store.close()
                self._opened = None

    @contextmanager
    def writable(self) -> Iterator[Store]:
        """The store opened for writing, for one write made by the workbench itself (a judgement).

        The embedded store allows one writer: the read-only connection is closed first and reopened after
        the write; the search index stays (a judgement changes no node) and the findings are dropped (the
        next request rescans). A server store is written over the connection the workbench holds.
        """
        with self._lock:
            if is_uri(self.location):
                with self.store() as s:
                    yield s
                    if self._opened is not None:  # our own write: the search index stays valid
                        self._opened.generation = s.generation()
            else:
                if self._opened is not None:
                    self._opened.store.close()
                    self._opened = None
                try:
                    s = open_store(self.location, database=self.database, create=False)
                except Exception as exc:
                    raise said(StoreBusy, f"数据库暂时无法写入（可能正被其他进程写入），请稍后重试。（{exc}）",
                               f"The store cannot be written right now (another process may be writing it); retry "
                               f"shortly. ({exc})") from exc
                try:
                    yield s
                finally:
                    s.close()
            self._doc = None
            self._scanned = None
            self._findings = None
            self._present = None
            self._paths = None  # a rejected link is deleted from the graph
            self._results = {}

    @property
    def engine(self) -> str:
        """``neo4j`` or ``ladybug``."""
        return "neo4j" if is_uri(self.location) else "ladybug"

    def _absent_edges(self, s: Store) -> frozenset[str]:
        """Edge kinds with no edge in the current store version (counted once per generation): they are not
        asked for around an entity (on LadybugDB a pattern over an empty relationship table can still scan its
        node tables)."""
        if self._present is None:
            self._present = frozenset(k for k, n in s.counts().items() if n)
        return frozenset(e.name for e in model().edges if e.name not in self._present)

    # -- keys ------------------------------------------------------------------------------------

    def public_key(self, key: str) -> str:
        """The key as shown in URLs and JSON: unchanged unless it holds a resident ID.

        Example:
            >>> # wb.public_key("unit:某局") == "unit:某局"; wb.public_key("ric:3624…").startswith("p:")
        """
        pub = self._public.get(key)
        if pub is not None:
            return pub
        if mask_text(key) == key:
            self._public[key] = key  # remembered: the findings filters ask for every entity on each request
            return key
        digest = hmac.new(self._secret, key.encode("utf-8"), hashlib.sha256).hexdigest()[:20]
        pub = f"p:{digest}"
        self._public[key] = pub
        self._private[pub] = key
        return pub

    def private_key(self, public: str) -> str:
        """The store key behind a public key (NotFound when it is unknown)."""
        if not public.startswith("p:"):
            return public
        self.index()  # registers every person's public key
        key = self._private.get(public)
        if key is None:
            raise said(NotFound, f"没有这个实体：{public!r}", f"no entity {public!r}")
        return key

    # -- search ----------------------------------------------------------------------------------

    def index(self) -> SearchIndex:
        """The search index of the current store version (built on first use)."""
        with self.store() as s, self._lock:
            if self._index is None:
                self._index = SearchIndex.build(s)
                keys = pd.Series(self._index.keys, dtype=object)
                for key in keys[keys.str.contains(ID_DIGITS, regex=True)]:  # only these can hold an ID
                    self.public_key(key)
            return self._index

    def path_index(self) -> PathIndex:
        """The shape of the current store version's graph (:class:`~guanlian.workbench.paths.PathIndex`): the
        path search runs on it, and the reads around an entity ask the store only for the edge kinds the node
        has. Built on first use; dropped with the search index when another process writes the graph, and when
        a judgement deletes a link."""
        with self.store() as s:
            return self._shape(s)

    def _shape(self, s: Store) -> PathIndex:
        with self._lock:
            if self._paths is None:
                self._paths = PathIndex.build(s, skip=PATH_SKIP | self._absent_edges(s))
            return self._paths

    def search(self, q: str, kinds: str | None = None, limit: int = 20) -> dict[str, Any]:
        """``/api/search``: hits for ``q`` (persons, companies, units, accounts, phones, addresses, e-mails)."""
        if not q.strip():
            raise said(BadRequest, "请输入搜索内容 q。", "Give the text to search for in q.")
        wanted = [k.strip() for k in (kinds or "").split(",") if k.strip()]
        unknown = [k for k in wanted if k not in SEARCH_KINDS]
        if unknown:
            raise said(BadRequest, f"未知类型 {unknown[0]!r}；可选：{'、'.join(SEARCH_KINDS)}",
                       f"unknown kind {unknown[0]!r}; known: {', '.join(SEARCH_KINDS)}")
        if not 1 <= limit <= 200:
            raise said(BadRequest, "limit 应在 1 到 200 之间。", "limit must be between 1 and 200.")
        hits = self.index().search(q, kinds=wanted or None, limit=limit)
        return {"q": q, "hits": [h.to_json(self.public_key(h.entry.key)) for h in hits]}

    # -- graph -----------------------------------------------------------------------------------

    def _node(self, s: Store, public: str) -> tuple[str, dict[str, Any]]:
        key = self.private_key(public)
        attrs = node_by_key(s, key, self.index().kind_of(key))
        if attrs is None:
            raise said(NotFound, f"没有这个实体：{public!r}", f"no entity {public!r}")
        return key, attrs

    def _node_json(self, key: str, attrs: Mapping[str, Any]) -> dict[str, Any]:
        props = {k: self._mask_prop(k, v) for k, v in (attrs.get("props") or {}).items()
                 if not k.endswith("_day") and k not in ("name_norm", NAMES, NAME_SOURCES, BY_NAME, "sources")}
        return {
            "key": self.public_key(key),
            "kind": attrs.get("kind", ""),
            "name": mask_text(str(attrs.get("name") or "")),
            "props": props,
            "source": {"file": attrs.get("src_file"), "row": attrs.get("src_row")},
        }

    @staticmethod
    def _mask_prop(name: str, value: Any) -> Any:
        if name == "id_number" and isinstance(value, str):
            return mask_id(value)
        if name in MONEY_PROPS and isinstance(value, int | float) and value == value:
            return yuan_text(int(value))  # amounts leave the API as exact yuan text, like findings.json "sum"
        if isinstance(value, str):
            return mask_text(value)
        return _to_plain(value)

    def _edge_json(self, src: str, dst: str, attrs: Mapping[str, Any]) -> dict[str, Any]:
        etype = str(attrs.get("type", ""))
        try:
            fuzzy = model().edge(etype).fuzzy
        except KeyError:
            fuzzy = False
        return {
            "src": self.public_key(src),
            "dst": self.public_key(dst),
            "type": etype,
            "fuzzy": fuzzy,
            "props": {k: self._mask_prop(k, v) for k, v in (attrs.get("props") or {}).items()
                      if not k.endswith("_day")},
            "source": {"file": attrs.get("src_file"), "row": attrs.get("src_row")},
            # the rows behind the edge: its own row, or for an identity link the rows of the two records it links
            "sources": [{"file": f, "row": r} for f, r in _edge_sources(attrs)],
        }

    def graph_json(
        self, g: nx.MultiDiGraph, lang: Lang, *, highlight: set[str] | None = None
    ) -> dict[str, Any]:
        """vis-network nodes/edges of ``g`` keyed by public key (what the pages draw and expand)."""
        ids = {k: self.public_key(k) for k in g.nodes}
        nodes, edges = vis_elements(g, list(g.nodes), ids, highlight=highlight, lang=lang)
        unique: dict[str, dict[str, Any]] = {}
        # every node is kept, so vis_elements gave one edge per edge of g, in g's order
        for e, (src, dst, mkey, data) in zip(edges, g.edges(keys=True, data=True), strict=True):
            e["id"] = self.edge_id(src, dst, mkey, data)
            unique.setdefault(e["id"], e)  # the same edge read from both ends of a path is drawn once
        return {"nodes": nodes, "edges": list(unique.values())}

    def edge_id(self, src: str, dst: str, mkey: Any, attrs: Mapping[str, Any]) -> str:
        """The id a drawn edge gets: an opaque digest of the edge's identity, the same in every language and
        whichever end it was read from, so the pages' DataSets (which expand adds to) hold it once.

        The identity is the edge type, its stored endpoints and its stored key; an edge without a key is
        named by the row it came from, and failing that by its key in ``g``. Stored keys can hold resident
        IDs, so the id is a keyed hash (as :meth:`public_key` makes opaque person keys), never the key.

        Example:
            >>> # wb.edge_id("anon:a", "cname:b", "OFFICER_OF:1", {"type": "OFFICER_OF", "edge_key": "off:a"})
            >>> # -> "e:3f0c…" (20 hex digits), equal for the same edge read from "cname:b"
        """
        etype = str(attrs.get("type") or mkey)
        stored = attrs.get("edge_key")
        ident: list[str]
        if stored is not None and stored != "":
            ident = ["key", etype, src, dst, str(stored)]
        elif attrs.get("src_file") is not None or attrs.get("src_row") is not None:
            ident = ["row", etype, src, dst, str(attrs.get("src_file")), str(attrs.get("src_row"))]
        else:
            ident = ["graph", etype, src, dst, str(mkey)]
        text = json.dumps(ident, ensure_ascii=False)
        return "e:" + hmac.new(self._secret, text.encode("utf-8"), hashlib.sha256).hexdigest()[:20]

    def entity(self, public: str, lang: Lang = "zh") -> dict[str, Any]:
        """``/api/entity/{key}``: the node, its source records, roles, relatives, companies, payments
        totals, contacts and identity links (fuzzy, with tier and explanation), and its 1-hop graph."""
        with self.store() as s:
            key, attrs = self._node(s, public)
            g = neighbourhood(s, key, hops=1, limit=ENTITY_LIMIT, centre=(key, attrs),
                              skip_edges=DEFAULT_SKIP_EDGES | self._absent_edges(s), present=self._shape(s).has)
            kind = str(attrs.get("kind", ""))
            # every name form: the node's own records and, for a company, the payee names routed to it
            own = shown_forms(name_sources_of(s, kind, [key]).get(key) if kind in ("Person", "Company", "Unit")
                              else None)
        groups: dict[str, list[dict[str, Any]]] = {
            "roles": [], "relatives": [], "companies": [], "payments": [], "contacts": [], "links": [],
            "changes": [], "other": [],
        }
        group_of = {
            "SERVES_IN": "roles", "OFFICER_OF": "companies", "LEGAL_REP_OF": "companies",
            "SHAREHOLDER_OF": "companies", "RELATIVE_OF": "relatives", "PAID": "payments",
            "HAS_PHONE": "contacts", "HAS_ADDRESS": "contacts", "HAS_EMAIL": "contacts",
            "HAS_ACCOUNT": "contacts", "POSSIBLY_SAME": "links", "SAME_COMPANY": "links", "CHANGE": "changes",
        }
        sources = [{"file": attrs.get("src_file"), "row": attrs.get("src_row"), "what": attrs.get("kind")}]
        for src, dst, data in g.edges(data=True):
            other = dst if src == key else src
            item = self._edge_json(src, dst, data)
            item["other"] = self._node_json(other, g.nodes[other])
            item["direction"] = "out" if src == key else "in"
            if item["type"] in LINK_EDGES:
                item["id"] = mask_text(str(data.get("edge_key") or ""))
            groups[group_of.get(item["type"], "other")].append(item)
            sources.extend({"file": f, "row": r, "what": item["type"]} for f, r in _edge_sources(data))
        seen: set[tuple[Any, Any, Any]] = set()
        unique_sources = []
        for src_rec in sources:
            ident = (src_rec["file"], src_rec["row"], src_rec["what"])
            if src_rec["file"] and ident not in seen:
                seen.add(ident)
                unique_sources.append(src_rec)
        node = self._node_json(key, attrs)
        current = self._current_links()
        judged = []
        for item in groups["links"]:  # a fuzzy link is judged by its id (the edge key, as `guanlian links` shows)
            j = current.get(item["id"])
            item["judgement"] = None if j is None else _judgement_json(j)
            if j is not None:
                judged.append(item["judgement"])
        return {
            **node,
            # the node's own name forms (merged records, with their sources), then the names of linked records
            "aliases": ([mask_text(f"{n}（{', '.join(src)}）") for n, src in own.items()] if len(own) > 1 else [])
            + sorted({mask_text(str(i["other"]["name"])) for i in groups["links"]} - {node["name"]}),
            "sources": unique_sources,
            **groups,
            "judgements": judged,
            "truncated": int(g.graph.get("truncated", 0)),
            "limit": ENTITY_LIMIT,
            "graph": self.graph_json(g, lang, highlight={key}),
        }

    def neighbours(self, public: str, lang: Lang = "zh") -> dict[str, Any]:
        """``/api/neighbours/{key}``: the node and everything one hop away, as graph elements to add."""
        with self.store() as s:
            key, attrs = self._node(s, public)
            g = neighbourhood(s, key, hops=1, limit=ENTITY_LIMIT, centre=(key, attrs),
                              skip_edges=DEFAULT_SKIP_EDGES | self._absent_edges(s), present=self._shape(s).has)
        out = self.graph_json(g, lang)
        out["center"] = self.public_key(key)
        out["truncated"] = int(g.graph.get("truncated", 0))
        out["limit"] = ENTITY_LIMIT
        return out

    def timeline(self, public: str) -> dict[str, Any]:
        """``/api/entity/{key}/timeline``: dated events, oldest first — tenure start/end, company founding,
        shareholdings, officer and shareholder changes, and every payment (date, amount, payer, voucher),
        including payments to the companies a person holds or serves."""
        with self.store() as s:
            key, attrs = self._node(s, public)
            kind = str(attrs["kind"])
            edges = incident_edges(
                s, {key: kind}, only={"SERVES_IN", "SHAREHOLDER_OF", "CHANGE", "PAYMENT", "OFFICER_OF",
                                      "LEGAL_REP_OF"} - self._absent_edges(s), limit=TIMELINE_LIMIT,
                present=self._shape(s).has,
            )
            companies = {other: o_attrs for _s, _d, et, _e, other, o_attrs in edges
                         if et in ("SHAREHOLDER_OF", "OFFICER_OF", "LEGAL_REP_OF") and o_attrs["kind"] == "Company"}
            if kind == "Person" and companies:
                for src, dst, et, e_attrs, other, o_attrs in incident_edges(
                    s, dict.fromkeys(companies, "Company"), only={"PAYMENT"}, limit=TIMELINE_LIMIT,
                    present=self._shape(s).has,
                ):
                    edges.append((src, dst, et, e_attrs, other, o_attrs))
        names: dict[str, str] = {key: str(attrs.get("name") or "")}
        for _src, _dst, _et, _e, other, o_attrs in edges:
            names[other] = str(o_attrs.get("name") or "")
        for c, c_attrs in companies.items():
            names[c] = str(c_attrs.get("name") or "")
        events: list[dict[str, Any]] = []

        def add(day: Any, what: str, **extra: Any) -> None:
            if day:
                events.append({"date": str(day)[:10], "event": what, **extra})

        if kind == "Company":
            add((attrs.get("props") or {}).get("established"), "company_founded", name=names[key])
        for c_attrs in companies.values():
            add((c_attrs.get("props") or {}).get("established"), "company_founded", name=c_attrs.get("name"))
        seen_payments: set[Any] = set()
        for src, dst, et, e_attrs, _other, _o in edges:
            p = e_attrs.get("props") or {}
            if et == "SERVES_IN":
                add(p.get("term_start"), "tenure_start", unit=names.get(dst), post=p.get("post"))
                add(p.get("term_end"), "tenure_end", unit=names.get(dst), post=p.get("post"))
            elif et == "SHAREHOLDER_OF":
                add(p.get("contrib_date"), "shareholding", company=names.get(dst), holder=names.get(src),
                    share=p.get("share"))
            elif et == "CHANGE":
                add(p.get("changed_on"), "change", company=names.get(dst), person=names.get(src),
                    item=p.get("item"), action=p.get("action"))
            elif et == "PAYMENT":
                ident = e_attrs.get("edge_key") or (src, dst, p.get("voucher"), p.get("paid_on"))
                if ident in seen_payments:
                    continue
                seen_payments.add(ident)
                add(p.get("paid_on"), "payment", payer=names.get(src), payee=names.get(dst),
                    amount=yuan_text(int(p["amount"])) if p.get("amount") is not None
                    else None, voucher=p.get("voucher"), purpose=p.get("purpose"))
        events.sort(key=lambda e: (e["date"], e["event"]))
        return {"key": self.public_key(key), "name": names[key], "kind": kind,
                "events": [{k: mask_text(v) if isinstance(v, str) else _to_plain(v) for k, v in e.items()}
                           for e in events]}

    def path(self, from_: str, to: str, max_hops: str | int | None = None, lang: Lang = "zh") -> dict[str, Any]:
        """``/api/path``: the shortest connections between two entities over family, ownership, office,
        contact, payment-total and identity (fuzzy, marked) edges.

        The search runs in memory over the graph's shape (:class:`~guanlian.workbench.paths.PathIndex`, built
        once per store version), widening the side with the smaller frontier and stopping as soon as the two
        sides meet or ``max_hops`` is spent; only the nodes and edges on the paths found (at most
        :data:`~guanlian.workbench.paths.MAX_PATHS`, in key order) are read from the store."""
        hops = _int_param("max_hops", max_hops, default=4, low=1, high=MAX_HOPS)
        with self.store() as s:
            a, a_attrs = self._node(s, from_)
            b, b_attrs = self._node(s, to)
            shape = self._shape(s)
            paths = shape.shortest(a, b, hops)
            g = shape.graph(s, paths)
        truncated = 0
        for key, attrs in ((a, a_attrs), (b, b_attrs)):
            if key not in g:
                g.add_node(key, **attrs)
        nodes_in = {n for p in paths for n in p}
        sub = nx.MultiDiGraph()
        for n in nodes_in:
            sub.add_node(n, **g.nodes[n])
        steps: list[list[dict[str, Any]]] = []
        for p in paths:
            chain = []
            for u, v in zip(p, p[1:], strict=False):
                for src, dst in ((u, v), (v, u)):
                    for k, data in (g.get_edge_data(src, dst) or {}).items():
                        sub.add_edge(src, dst, key=k, **data)
                        chain.append(self._edge_json(src, dst, data))
            steps.append(chain)
        return {
            "from": self.public_key(a), "to": self.public_key(b), "max_hops": hops,
            "found": bool(paths), "hops": (len(paths[0]) - 1) if paths else None,
            "paths": [[self._node_json(n, g.nodes[n]) for n in p] for p in paths],
            "steps": steps,
            "fuzzy": any(e["fuzzy"] for chain in steps for e in chain),
            "truncated": truncated,
            "graph": self.graph_json(sub, lang, highlight=nodes_in),
        }

    # -- findings --------------------------------------------------------------------------------

    def findings_doc(self) -> FindingsDoc:
        """Findings of the current store version: the given document, else one scan (cached), with the
        dismissals in force marked (as ``scan`` marks them: who, when, why). From a given document the findings
        whose path crosses a link rejected since are left out, as a new scan leaves them out (the rejected link
        is no longer in the graph)."""
        with self.store() as s, self._lock:
            if self._doc is None:
                if self._scanned is None:
                    if self._fixed_findings is not None:
                        self._scanned = FindingsDoc.from_json(self._fixed_findings)
                    else:
                        from guanlian.queries import scan

                        self._scanned = scan(s, library=self.library())
                doc = self._scanned
                if self._fixed_findings is not None:
                    doc = _without_rejected_links(s, doc)
                self._doc, self._dismissed = apply_dismissals(s, doc)
                self._findings = [f.to_json() for f in self._doc.findings]
            return self._doc

    def findings_raw(self) -> list[dict[str, Any]]:
        """The findings as JSON objects (unmasked; what the filters read)."""
        self.findings_doc()
        assert self._findings is not None
        return self._findings

    def _finding_json(self, f: Mapping[str, Any], *, full: bool) -> dict[str, Any]:
        masked = mask_nested(dict(f))
        out: dict[str, Any] = {k: masked.get(k) for k in (
            "id", "queries", "title_zh", "title_en", "severity", "score", "confidence", "payments",
            "explanation_zh", "explanation_en")}
        out["dismissed"] = f.get("id") in self._dismissed
        out["entities"] = [
            {**m, "key": self.public_key(str(r.get("key")))} for r, m in zip(
                f.get("entities", []), masked.get("entities", []), strict=False)
        ]
        if full:
            path = f.get("path") or {}
            out["path"] = {
                "nodes": [{**m, "key": self.public_key(str(r["key"]))} for r, m in zip(
                    path.get("nodes", []), (masked.get("path") or {}).get("nodes", []), strict=False)],
                "edges": [{**m, "src": self.public_key(str(r["src"])), "dst": self.public_key(str(r["dst"]))}
                          for r, m in zip(path.get("edges", []), (masked.get("path") or {}).get("edges", []),
                                          strict=False)],
            }
            out["evidence"] = masked.get("evidence", [])
        return out

    def finding(self, fid: str, lang: Lang = "zh") -> dict[str, Any]:
        """``/api/findings/{id}``: one finding with its path, evidence rows, payments and graph."""
        from guanlian.viz.report import voucher_rows
        from guanlian.viz.view import finding_graph

        doc = self.findings_doc()
        typed = doc.by_id(fid)
        for f in self.findings_raw():
            if f.get("id") == fid and typed is not None:
                out = self._finding_json(f, full=True)
                out["vouchers"] = [{**r, "amount": None if r["amount"] is None else str(r["amount"])}
                                   for r in voucher_rows(typed, lang, show_ids=False)]
                g = finding_graph(typed)
                out["graph"] = self.graph_json(g, lang, highlight=set(g.nodes))
                out["clue"] = self._clue_of(fid)
                out["links"] = self.finding_links(fid)
                dismissal = self._dismissed.get(fid)
                out["dismissed"] = None if dismissal is None else _judgement_json(dismissal)
                out["judgements"] = self.judgements(fid)["judgements"]
                return out
        raise said(NotFound, f"没有这个发现：{fid!r}", f"no finding {fid!r}")

    def findings(self, params: Mapping[str, str]) -> dict[str, Any]:
        """``/api/findings``: filter (unit, person, company, query, severity, confidence, from, to,
        min_amount), sort (score, amount, date) and page (page, per_page) the findings."""
        known = {"unit", "person", "company", "query", "severity", "confidence", "from", "to", "min_amount",
                 "sort", "page", "per_page", "lang"}
        extra = sorted(set(params) - known)
        if extra:
            raise said(BadRequest, f"未知参数 {extra[0]!r}；可用：{'、'.join(sorted(known))}",
                       f"unknown parameter {extra[0]!r}; known: {', '.join(sorted(known))}")
        severity = params.get("severity") or None
        if severity is not None and severity not in SEVERITIES:
            raise said(BadRequest, f"severity 只能是 {'、'.join(SEVERITIES)}", f"severity must be one of {', '.join(SEVERITIES)}")
        confidence = params.get("confidence") or None
        if confidence is not None and confidence not in CONFIDENCES:
            raise said(BadRequest, f"confidence 只能是 {'、'.join(CONFIDENCES)}",
                       f"confidence must be one of {', '.join(CONFIDENCES)}")
        query = params.get("query") or None
        if query is not None:
            if query not in self.library().ids():
                raise said(BadRequest, f"没有这个查询：{query!r}", f"unknown query {query!r}")
        d_from = _date_param("from", params.get("from"))
        d_to = _date_param("to", params.get("to"))
        min_amount = _decimal_param("min_amount", params.get("min_amount"))
        sort = params.get("sort") or "score"
        if sort not in ("score", "amount", "date"):
            raise said(BadRequest, "sort 只能是 score、amount 或 date", "sort must be score, amount or date")
        page = _int_param("page", params.get("page"), default=1, low=1, high=100000)
        per_page = _int_param("per_page", params.get("per_page"), default=50, low=1, high=500)

        def matches_entity(f: Mapping[str, Any], kinds: tuple[str, ...], value: str | None) -> bool:
            if not value:
                return True
            v = _norm_text(value)
            for e in f.get("entities", []):
                if e.get("kind") in kinds:
                    if self.public_key(str(e.get("key"))) == value or v in _norm_text(str(e.get("name") or "")):
                        return True
            return False

        out = []
        for f in self.findings_raw():
            pay = f.get("payments") or {}
            if severity and f.get("severity") != severity:
                continue
            if confidence and f.get("confidence") != confidence:
                continue
            if query and query not in (f.get("queries") or []):
                continue
            if not matches_entity(f, ("Unit",), params.get("unit")):
                continue
            if not matches_entity(f, ("Person",), params.get("person")):
                continue
            if not matches_entity(f, ("Company",), params.get("company")):
                continue
            if min_amount is not None and Decimal(str(pay.get("sum") or 0)) < min_amount:
                continue
            if d_from or d_to:
                first, last = pay.get("first"), pay.get("last")
                if not first or not last:
                    continue
                if d_from and str(last) < d_from.isoformat():
                    continue
                if d_to and str(first) > d_to.isoformat():
                    continue
            out.append(f)
        sort_key: Callable[[Mapping[str, Any]], Any] = {
            "score": lambda f: float(f.get("score") or 0),
            "amount": lambda f: int((f.get("payments") or {}).get("sum_fen") or 0),
            "date": lambda f: str((f.get("payments") or {}).get("last") or ""),
        }[sort]
        out.sort(key=sort_key, reverse=True)
        start = (page - 1) * per_page
        return {
            "total": len(out), "page": page, "per_page": per_page, "sort": sort,
            "findings": [self._finding_json(f, full=False) for f in out[start:start + per_page]],
        }

    # -- saved queries ---------------------------------------------------------------------------

    def library(self) -> Library:
        """The saved queries, built-in and from ``queries_dir``, loaded as the CLI loads them: a broken user
        file is left out and listed in ``problems`` (the other queries still work); read again when a file in
        ``queries_dir`` changes.

        Raises:
            QueryFileError: a query folder or file that does not exist.
        """
        from guanlian.queries.library import Library

        sig = _files_signature(self.queries_dir)
        with self._lock:
            if self._lib is None or sig != self._lib_sig:
                self._lib = Library.load(self.queries_dir, strict=False)
                self._lib_sig = sig
                self._results = {}
            return self._lib

    def queries(self) -> dict[str, Any]:
        """``/api/queries``: every saved query with its parameters (name, type, default, doc), and the user
        query files left out because they are broken (``problems``: file, line, what is wrong)."""
        lib = self.library()
        return {"problems": [str(p) for p in lib.problems], "queries": [
            {"id": q.id, "title_zh": q.title_zh, "title_en": q.title_en, "severity": q.severity,
             "why_zh": q.why_zh, "why_en": q.why_en,
             "params": [{"name": p.name, "type": p.type, "default": _to_plain(p.default), "doc": p.doc}
                        for p in q.params.values()]}
            for q in lib
        ]}

    def run_query(self, qid: str, params: Mapping[str, str]) -> pd.DataFrame:
        """``/api/queries/{id}``: the saved query's rows (IDs masked; engine objects dropped). A saved query
        reads the whole graph, so its rows are kept per store generation and parameter values
        (:data:`QUERY_CACHE` of them); a broken query file answers 400 with what is wrong in it."""
        from guanlian.queries.library import QueryError

        lib = self.library()
        if qid not in lib.ids() and not any(Path(p.path).stem == qid for p in lib.problems):
            raise said(NotFound, f"没有这个已存查询：{qid!r}", f"no saved query {qid!r}")
        try:
            bound = lib.bind(qid, params)
            with self.store() as s:
                ident = (qid, tuple(sorted((k, repr(v)) for k, v in bound.items())))
                df = self._results.get(ident)
                if df is None:
                    raw = lib.run(s, qid, params)
                    df = mask_frame(raw[[c for c in raw.columns if not str(c).endswith("_data")]])
                    if len(self._results) >= QUERY_CACHE:
                        self._results.pop(next(iter(self._results)))
                    self._results[ident] = df
        except QueryError as exc:
            raise again(BadRequest, exc) from None
        return df.copy()

    # -- clues -----------------------------------------------------------------------------------

    @contextmanager
    def _library(self, actor: str | None = None) -> Iterator[Any]:
        from guanlian.clues.library import ClueLibrary

        lib = ClueLibrary(self.clues_path, actor=actor)
        try:
            yield lib
        finally:
            lib.close()

    def _clue_of(self, fid: str) -> dict[str, Any] | None:
        if not self.clues_path.exists():
            return None
        from guanlian.clues.library import ClueError

        with self._library() as lib:
            try:
                d = lib.show(fid)
            except ClueError:
                return None
        return {"clue_id": d.clue.clue_id, "status": d.clue.status}

    def clues(self, status: str | None = None, severity: str | None = None) -> dict[str, Any]:
        """``/api/clues``: the clue library, optionally filtered by status and severity."""
        from guanlian.clues.library import ClueError

        with self._library() as lib:
            try:
                rows = lib.list(status or None, severity or None)
            except ClueError as exc:
                raise again(BadRequest, exc) from None
        return {"clues": [_clue_json(c) for c in rows]}

    def clue(self, clue_id: str, lang: Lang = "zh") -> dict[str, Any]:
        """``/api/clues/{id}``: one clue with its transfer snapshot and its latest state side by side (what
        changed since the transfer), its versions (who, when, the change summary) and its history (who, when,
        what, note); IDs masked. ``new_info`` is the 有新情况 flag."""
        from guanlian.clues.library import ClueError

        with self._library() as lib:
            try:
                d = lib.show(clue_id)
            except ClueError as exc:
                raise again(NotFound, exc) from None
        doc = d.to_json()  # masked
        return {**_clue_json(d.clue),
                "snapshot": None if doc["snapshot"] is None else _finding_brief(doc["snapshot"]),
                "latest": _finding_brief(doc["latest"]),
                "changes_since_snapshot": doc["changes_since_snapshot"],
                "versions": doc["versions"],
                "history": [
                    {"at": h.at, "actor": h.actor, "action": h.action, "from": h.from_status, "to": h.to_status,
                     "note": mask_text(h.note_in(lang)), "version": h.version} for h in d.history]}

    def clue_stats(self) -> dict[str, Any]:
        """``/api/clues/stats``: the precision table of ``guanlian clues stats`` (per saved query, per confidence
        tier, total; evaluations, triage closures and the store's dismissed findings)."""
        from guanlian.workflow import clue_precision

        with self._library() as lib:
            table, unknown = clue_precision(lib, self.location, self.database, doc=self.findings_doc())
        return {**table.to_json(), "dismissed_not_found": unknown}

    def transition(self, clue_id: str, form: Mapping[str, str], actor: str) -> dict[str, Any]:
        """``POST /api/clues/{id}/transition``: ``action`` (transfer, handle, feedback, evaluate, park 暂存待查,
        close 予以了结, acknowledge 已阅新情况) with ``note`` and ``to_unit`` / ``result`` / ``rating`` — the
        clue library's own :meth:`~guanlian.clues.library.ClueLibrary.apply`, so the CLI and the web see one
        history."""
        from guanlian.clues.library import ACTIONS, ClueError

        action = (form.get("action") or "").strip()
        if action not in ACTIONS:
            raise said(BadRequest, f"action 只能是 {'、'.join(ACTIONS)}", f"action must be one of {', '.join(ACTIONS)}")
        self.clue(clue_id)  # 404 before any write
        with self._library(actor) as lib:
            try:
                lib.apply(clue_id, action, note=form.get("note") or "", to_unit=form.get("to_unit") or "",
                          result=form.get("result") or "", rating=form.get("rating") or "", actor=actor)
            except ClueError as exc:
                raise again(Conflict, exc) from None
        return self.clue(clue_id)

    def file_clue(self, fid: str, actor: str) -> dict[str, Any]:
        """``POST /api/clues``: file one finding as a clue (IDs masked as ``scan --clues`` files them)."""
        from guanlian.queries.findings import masked_findings

        typed = self.findings_doc().by_id(fid)
        if typed is not None and fid in self._dismissed:
            raise said(Conflict, "此发现已排除，不再立为线索（可先撤销排除）",
                       "this finding is dismissed and is not filed as a clue (undismiss it first)")
        if typed is not None:
            with self._library(actor) as lib:
                r = lib.add_findings(masked_findings(FindingsDoc((typed,))))
            return self.clue(r.clue_ids.get(fid, fid))
        raise said(NotFound, f"没有这个发现：{fid!r}", f"no finding {fid!r}")

    # -- judgements ------------------------------------------------------------------------------

    def _link_json(self, row: LinkRow) -> dict[str, Any]:
        """A :class:`guanlian.judgements.LinkRow` for the API: public keys, names and IDs masked."""
        out: dict[str, Any] = dict(row.to_json())
        for side in ("a", "b"):
            rec: dict[str, Any] = dict(out[side])
            rec["key"] = self.public_key(str(rec["key"]))
            rec["name"] = mask_text(str(rec["name"]))
            out[side] = rec
        for lang in ("zh", "en"):
            out[f"explanation_{lang}"] = mask_text(str(out[f"explanation_{lang}"]))
        out["judgement"] = None if row.judgement is None else _judgement_json(row.judgement)
        return out

    def _current_links(self) -> dict[str, Judgement]:
        with self.store() as s:
            path = judgements_path(s)
            if not path.exists():
                return {}
            with open_book(s) as book:
                return book.current("link")

    def links(self, params: Mapping[str, str]) -> dict[str, Any]:
        """``/api/links``: fuzzy identity links (``guanlian links``) with both records and the judgement in
        force; ``name`` (a record's name contains it), ``tier``, ``id``, ``page``/``per_page``."""
        from guanlian.model import TIERS

        known = {"name", "tier", "id", "page", "per_page", "lang"}
        extra = sorted(set(params) - known)
        if extra:
            raise said(BadRequest, f"未知参数 {extra[0]!r}；可用：{'、'.join(sorted(known))}",
                       f"unknown parameter {extra[0]!r}; known: {', '.join(sorted(known))}")
        tier = params.get("tier") or None
        if tier is not None and tier not in TIERS:
            raise said(BadRequest, f"tier 只能是 {'、'.join(TIERS)}", f"tier must be one of {', '.join(TIERS)}")
        page = _int_param("page", params.get("page"), default=1, low=1, high=100000)
        per_page = _int_param("per_page", params.get("per_page"), default=50, low=1, high=500)
        with self.store() as s:
            rows = list_links(s, name=(params.get("name") or "").strip() or None, tier=tier,
                              link_id=params.get("id") or None)
        start = (page - 1) * per_page
        return {"total": len(rows), "page": page, "per_page": per_page,
                "links": [self._link_json(r) for r in rows[start:start + per_page]]}

    def judgements(self, target: str | None = None) -> dict[str, Any]:
        """``GET /api/judgements``: every judgement (of one link or finding id when ``target`` is given),
        oldest first: who, when, what, why."""
        with self.store() as s:
            if not judgements_path(s).exists():
                return {"judgements": []}
            with open_book(s) as book:
                rows = book.history(target or None)
        return {"judgements": [_judgement_json(j) for j in rows]}

    def judge(self, form: Mapping[str, str], actor: str) -> dict[str, Any]:
        """``POST /api/judgements``: ``link_id`` + ``verdict`` (confirm/reject/unsure) or ``finding_id`` +
        ``verdict`` (dismiss/undismiss), with ``reason``; ``actor`` is who judges. Calls
        :func:`guanlian.judgements.judge` / :func:`~guanlian.judgements.dismiss`, as ``guanlian judge`` and
        ``guanlian dismiss`` do, and answers the judgement recorded.

        Raises:
            BadRequest: neither or both ids, a verdict that does not fit, no reason or no actor.
            NotFound: a link or finding id that does not exist (and was never judged).
        """
        from guanlian import judgements as jm

        link_id = (form.get("link_id") or "").strip()
        finding_id = (form.get("finding_id") or "").strip()
        verdict = (form.get("verdict") or "").strip()
        reason = (form.get("reason") or "").strip()
        if bool(link_id) == bool(finding_id):
            raise said(BadRequest, "需要 link_id 或 finding_id 二者之一", "give exactly one of link_id and finding_id")
        allowed = LINK_VERDICTS if link_id else FINDING_VERDICTS
        if verdict not in allowed:
            raise said(BadRequest, f"verdict 只能是 {'、'.join(allowed)}，而不是 {verdict!r}",
                       f"verdict must be one of {', '.join(allowed)}, not {verdict!r}")
        if not reason:
            raise said(BadRequest, "请写明理由 reason", "give the reason (reason)")
        if not actor.strip():
            raise said(BadRequest, "请写明判定人 by", "say who judges (by)")
        if finding_id:
            known = {f.id for f in self.findings_doc().findings}
            with self.store() as s:
                never = not judgements_path(s).exists() or not self.judgements(finding_id)["judgements"]
                if finding_id not in known and never:
                    raise said(NotFound, f"没有这个发现：{finding_id!r}", f"no finding {finding_id!r}")
                try:
                    j = jm.dismiss(s, finding_id, by=actor, reason=reason, undo=verdict == "undismiss", known=known)
                except JudgementError as exc:
                    raise again(BadRequest, exc) from None
                with self._lock:
                    self._doc = None  # marked again from the last scan on next use; no rescan
            return {"judgement": _judgement_json(j)}
        with self.store() as s:
            found = bool(list_links(s, link_id=link_id)) or bool(self.judgements(link_id)["judgements"])
        if not found:
            raise said(NotFound, f"没有这个关联：{link_id!r}（见 /links 或 `guanlian links`）",
                       f"no link {link_id!r} (see /links or `guanlian links`)")
        with self.writable() as w:
            try:
                j = jm.judge(w, link_id, verdict, by=actor, reason=reason)
            except JudgementError as exc:
                raise again(BadRequest, exc) from None
        return {"judgement": _judgement_json(j)}

    def finding_links(self, fid: str) -> list[dict[str, Any]]:
        """The fuzzy identity links on finding ``fid``'s path (id, the two names, tier, score) with the judgement
        in force, for the finding page's buttons."""
        typed = self.findings_doc().by_id(fid)
        if typed is None:
            return []
        names = typed.path.names()
        current = self._current_links()
        out = []
        for e in typed.path.edges:
            if e.type not in LINK_EDGES or not e.key:
                continue
            j = current.get(e.key)
            out.append({"id": e.key, "type": e.type, "a": mask_text(names.get(e.src, e.src)),
                        "b": mask_text(names.get(e.dst, e.dst)), "tier": e.props.get("tier"),
                        "score": e.props.get("score"),
                        "judgement": None if j is None else _judgement_json(j)})
        return out

    # -- audit -----------------------------------------------------------------------------------

    def audit(self, who: str, client: str, method: str, path: str, what: Mapping[str, Any], status: int) -> None:
        """Append one line to ``<sidecar>/audit.jsonl``: when, who, from where, what, with which outcome."""
        line = {
            "at": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
            "who": who, "client": client, "method": method, "path": path,
            "what": {k: mask_text(v) if isinstance(v, str) else v for k, v in what.items()}, "status": status,
        }
        with self._lock, (self.sidecar / "audit.jsonl").open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(line, ensure_ascii=False) + "\n")


PATH_SKIP: frozenset[str] = frozenset({"PAYMENT"})
"""Single payments are summarised by PAID edges for paths too."""
def _edge_sources(attrs: Mapping[str, Any]) -> list[tuple[Any, Any]]:
    """(file, row) behind an edge of a neighbourhood graph: the two linked records' rows for an identity link
    (see :func:`guanlian.viz.neighbourhood.cite_linked_records`), else the edge's own row."""
    linked = attrs.get("sources")
    if linked:
        return [(f, r) for f, r in linked]
    return [(attrs.get("src_file"), attrs.get("src_row"))]


class Conflict(ValueError):
    """A write the current state does not allow (e.g. a clue transition from the wrong status; HTTP 409)."""


def _judgement_json(j: Judgement) -> dict[str, Any]:
    return {"target": j.target, "kind": j.kind, "verdict": j.verdict, "by": j.by, "at": j.at,
            "reason": mask_text(j.reason), "text_zh": mask_text(j.text("zh")), "text_en": mask_text(j.text("en"))}


def _clue_json(c: Any) -> dict[str, Any]:
    return {
        "clue_id": c.clue_id, "finding_id": c.fingerprint, "status": c.status, "severity": c.severity,
        "score": c.score, "confidence": c.confidence, "title_zh": c.title_zh, "title_en": c.title_en,
        "queries": c.queries, "to_unit": c.to_unit, "result": c.result, "rating": c.rating,
        "first_seen": c.first_seen, "updated_at": c.updated_at, "version": c.version, "new_info": c.new_info,
        "snapshot_at": c.snapshot_at,
    }


def _finding_brief(f: Mapping[str, Any]) -> dict[str, Any]:
    """What the clue page compares between the snapshot and the latest state (from masked finding JSON)."""
    return {k: f.get(k) for k in ("id", "title_zh", "title_en", "severity", "score", "confidence", "payments",
                                  "explanation_zh", "explanation_en")} | {
        "entities": [{"role": e.get("role"), "name": e.get("name"), "id_number": e.get("id_number")}
                     for e in f.get("entities", [])],
        "vouchers": len(f.get("vouchers") or []),
    }


def _int_param(name: str, value: str | int | None, *, default: int, low: int, high: int) -> int:
    if value is None or value == "":
        return default
    try:
        n = int(value)
    except (TypeError, ValueError):
        raise said(BadRequest, f"{name} 应为整数，而不是 {value!r}", f"{name} must be an integer, not {value!r}") from None
    if not low <= n <= high:
        raise said(BadRequest, f"{name} 应在 {low} 到 {high} 之间", f"{name} must be between {low} and {high}")
    return n


def _date_param(name: str, value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise said(BadRequest, f"{name} 应为日期 YYYY-MM-DD，而不是 {value!r}",
                   f"{name} must be a date YYYY-MM-DD, not {value!r}") from None


def _decimal_param(name: str, value: str | None) -> Decimal | None:
    if not value:
        return None
    try:
        d = Decimal(value)
    except InvalidOperation:
        raise said(BadRequest, f"{name} 应为金额（元），而不是 {value!r}", f"{name} must be an amount in yuan, not {value!r}") from None
    if not d.is_finite() or d < 0:
        raise said(BadRequest, f"{name} 应为非负金额", f"{name} must be a non-negative amount")
    return d


def _files_signature(paths: list[Path]) -> tuple[tuple[str, int, int], ...]:
    """Name, modification time and size of every ``*.cypher`` file under ``paths`` (folders or files)."""
    out = []
    for src in paths:
        files = sorted(src.glob("*.cypher")) if src.is_dir() else [src]
        for f in files:
            try:
                st = f.stat()
            except FileNotFoundError:
                out.append((str(f), -1, -1))
                continue
            out.append((str(f), st.st_mtime_ns, st.st_size))
    return tuple(out)


def _without_rejected_links(store: Store, doc: FindingsDoc) -> FindingsDoc:
    """``doc`` without the findings whose path crosses an identity link whose judgement in force is reject."""
    from dataclasses import replace

    if not judgements_path(store).exists():
        return doc
    with open_book(store) as book:
        rejected = {t for t, j in book.current("link").items() if j.verdict == "reject"}
    if not rejected:
        return doc
    kept = tuple(f for f in doc.findings
                 if not any(e.type in LINK_EDGES and e.key in rejected for e in f.path.edges))
    return replace(doc, findings=kept)
