"""The server store: Neo4j 5 over Bolt, through the official ``neo4j`` driver.

Writes are batched ``UNWIND $rows AS row MERGE …`` statements run in managed write transactions
(``session.execute_write`` retries transient errors). Kind names (labels, relationship types) come only from
:mod:`guanlian.model` and are checked against it; every value reaches Cypher as a parameter. Missing values
(None/NaN/NA) are dropped from the property map rather than written as null, so ``n.prop IS NULL`` means
"missing" on both engines and a sparser reload never erases a stored value.

Rows are shaped by :mod:`guanlian.graph.frames` exactly as for the embedded store, so both engines hold the
same types.

Example (needs a running server, so it is shown, not run; ``tests/graph/test_neo4j_store.py`` runs it)::

    s = Neo4jStore("bolt://127.0.0.1:7687")
    s.ensure_schema()
    s.upsert_nodes("Unit", pd.DataFrame({"key": ["unit:a"], "name": ["A局"]}))  # → 1
"""

from __future__ import annotations

import math
import os
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path as FsPath
from typing import Any, LiteralString, TypeVar

import neo4j
import pandas as pd
import pyarrow as pa
from neo4j import GraphDatabase
from neo4j import exceptions as nx
from neo4j.graph import Node, Path, Relationship

from guanlian.graph.engines import data_home
from guanlian.graph.frames import (
    Conflict,
    edge_columns,
    merge_stored,
    node_columns,
    prepare_edges,
    prepare_nodes,
)
from guanlian.graph.store import Engine, StoreError
from guanlian.model import EdgeKind, NodeKind, model
from guanlian.values.vocab import said

BATCH_ROWS = 2_000
"""Rows per UNWIND transaction (docs/benchmarks.md, "Neo4j load": 1k-2k measured best; larger batches gained nothing)."""

RANGE_INDEXES: tuple[tuple[str, str], ...] = (("PAYMENT", "amount"),)
"""Relationship range indexes (kind, property) :meth:`Neo4jStore.ensure_schema` creates as ``guanlian_<kind>_<prop>``.
``split_payments`` starts from payments in an amount band: with the index Neo4j seeks the band instead of
expanding every unit's payments (1M-row world: 885,523 -> 2,177 db hits, 0.84 -> 0.03 s; docs/benchmarks.md)."""

DELETE_BATCH = 10_000
CONNECT_TIMEOUT_S = 10.0

_SCALARS = frozenset({str, int, float, bool, type(None)})
"""Result values passed through as they are (reads of whole graphs return millions of them)."""

T = TypeVar("T")


def _cypher(text: str) -> LiteralString:
    # Statement text here is built only from model names (checked by _node_kind/_edge_kind) or handed in by
    # the caller as a query string; values always travel as parameters.
    # mypy treats LiteralString as str, so no cast is needed (and a cast would be flagged as redundant).
    return text


def _one_line(exc: BaseException) -> str:
    msg = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return " ".join(str(msg).split())


def _node_kind(kind: str) -> NodeKind:
    try:
        return model().node(kind)
    except KeyError as exc:
        raise said(StoreError, f"未知节点类型：{exc.args[0]}", f"unknown node kind: {exc.args[0]}") from None


def _edge_kind(kind: str) -> EdgeKind:
    try:
        return model().edge(kind)
    except KeyError as exc:
        raise said(StoreError, f"未知关系类型：{exc.args[0]}", f"unknown edge kind: {exc.args[0]}") from None


def _present(value: object) -> bool:
    if isinstance(value, (list, tuple)):
        return len(value) > 0
    if value is None or value is pd.NA or value is pd.NaT:
        return False
    return not (isinstance(value, float) and math.isnan(value))


def _scalar(value: object) -> object:
    """Python value for a parameter (numpy scalars have ``.item()``; lists of strings stay lists)."""
    if isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    item = getattr(value, "item", None)
    return item() if callable(item) else value


def _props(frame: pd.DataFrame, cols: list[str]) -> list[dict[str, Any]]:
    """One property map per row, with missing values left out."""
    records = frame[cols].astype(object).to_dict("records")
    return [{str(k): _scalar(v) for k, v in r.items() if _present(v)} for r in records]


def _native(value: object) -> object:
    """Query results as plain Python: nodes and relationships become property dicts (plus ``_LABEL``)."""
    if isinstance(value, Node):
        return {"_LABEL": next(iter(value.labels), None), **dict(value)}
    if isinstance(value, Relationship):
        return {"_LABEL": value.type, **dict(value)}
    if isinstance(value, Path):
        return {"nodes": [_native(n) for n in value.nodes], "rels": [_native(r) for r in value.relationships]}
    if isinstance(value, list):
        return [_native(v) for v in value]
    if isinstance(value, dict):
        return {k: _native(v) for k, v in value.items()}
    to_native = getattr(value, "to_native", None)  # neo4j.time.Date/DateTime/Duration
    return to_native() if callable(to_native) else value


def _chunks(rows: list[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def sidecar_dir(location: str, database: str | None = None) -> FsPath:
    """The local sidecar folder of a Neo4j store: ``<data_home>/stores/neo4j-<host>_<port>[-<database>]``.

    The server and database name it (scheme, user and path do not), so every URI form of one server shares it;
    nothing is written into the Neo4j database itself. ``data_home`` is env ``GUANLIAN_HOME``, else
    ``$XDG_DATA_HOME/guanlian``, else ``~/.local/share/guanlian`` (:func:`guanlian.graph.engines.data_home`).

    Example:
        >>> sidecar_dir("neo4j+s://user@db.example.org:7687/x", "crm db").name
        'neo4j-db.example.org_7687-crm_db'
    """
    server = re.sub(r"^[a-z0-9+.-]+://", "", location.lower()).split("/")[0].split("@")[-1]
    name = re.sub(r"[^0-9a-z._-]+", "_", server)
    if database:
        name += "-" + re.sub(r"[^0-9A-Za-z._-]+", "_", database)
    return data_home() / "stores" / f"neo4j-{name}"


def open_store(location: str, *, database: str | None = None, read_only: bool = False,
               create: bool = True) -> Neo4jStore:
    """Engine module contract (:mod:`guanlian.graph.engines`): connect to the Neo4j database at ``location``.

    With ``create=False`` a database that does not exist or holds no guanlian schema is refused (nothing is
    created). ``read_only`` is not enforced on the server side (reads already run in read transactions).
    """
    store = Neo4jStore(location, database=database)
    if not create:
        try:
            store.check_is_store()
        except BaseException:
            store.close()
            raise
    return store


class Neo4jStore:
    """Store protocol over a Neo4j 5 server (Bolt, ``neo4j://``, or TLS variants of both).

    Args:
        uri: e.g. ``bolt://127.0.0.1:7687`` or ``neo4j+s://xxxx.databases.neo4j.io`` (passed to the driver as is).
        user: defaults to env ``NEO4J_USER``, then ``neo4j``.
        password: defaults to env ``NEO4J_PASSWORD``.
        database: database name; default: the user's home database on the server.
        batch_rows: rows per write transaction.

    Raises:
        StoreError: the server is unreachable, refuses the credentials, lacks the database, or is older than 5.

    Example (needs a running server)::

        with Neo4jStore("bolt://127.0.0.1:7687", password="secret") as s:
            s.counts()["Person"]  # → 0 on an empty database
    """

    engine: Engine = "neo4j"

    def __init__(
        self,
        uri: str,
        user: str | None = None,
        password: str | None = None,
        database: str | None = None,
        *,
        batch_rows: int = BATCH_ROWS,
    ) -> None:
        self.uri = uri
        self.location = uri
        self.sidecar = sidecar_dir(uri, database)
        self.user = user or os.environ.get("NEO4J_USER") or "neo4j"
        pw = password if password is not None else os.environ.get("NEO4J_PASSWORD")
        self.database = database
        self.batch_rows = batch_rows
        self._schema_ready = False
        self._auth = (self.user, pw) if pw is not None else None
        self._driver = self._new_driver()
        try:
            self._check_server()
        except ValueError as exc:  # e.g. a port that is not a number, only noticed when connecting
            self._driver.close()
            raise self._bad_uri(uri, exc) from None
        except BaseException:
            self._driver.close()
            raise

    def _new_driver(self) -> neo4j.Driver:
        try:
            return GraphDatabase.driver(
                self.uri,
                auth=self._auth,
                connection_timeout=CONNECT_TIMEOUT_S,
                # Model-driven reads name every declared property, present or not; "unknown property/label"
                # notifications would only be noise.
                notifications_disabled_classifications=["UNRECOGNIZED"],
            )
        except (nx.ConfigurationError, ValueError) as exc:
            raise self._bad_uri(self.uri, exc) from None

    def reconnect(self, timeout_s: float = 180) -> None:
        """Connect again after the server restarted, waiting until the database answers a query; the schema is
        checked again at the next write (a bulk import replaces the database, constraints included).

        Raises:
            StoreError: no answer within ``timeout_s`` (the last error is in the message).
        """
        self._driver.close()
        self._driver = self._new_driver()
        self._schema_ready = False
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                self._check_server()
                self.query("RETURN 1 AS ok")
                return
            except StoreError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(1)

    @staticmethod
    def _bad_uri(uri: str, exc: BaseException) -> StoreError:
        return said(StoreError, f"Neo4j 地址无效 {uri!r}：{_one_line(exc)}。修复：使用 bolt://主机:端口、"
                    "neo4j://主机:端口 或 neo4j+s://主机",
                    f"invalid Neo4j URI {uri!r}: {_one_line(exc)}. "
                    "Fix: use bolt://HOST:PORT, neo4j://HOST:PORT or neo4j+s://HOST")

    # -- connection ---------------------------------------------------------------------------------------
    def _fail(self, exc: BaseException) -> StoreError:
        """Translate a driver error into a one-line StoreError with the fix."""
        where = f"{self.uri}" + (f" (database {self.database!r})" if self.database else "")
        where_zh = f"{self.uri}" + (f"，数据库 {self.database!r}" if self.database else "")
        code = getattr(exc, "code", None) or ""
        if isinstance(exc, nx.AuthError) or code.startswith("Neo.ClientError.Security.Unauthorized"):
            return said(
                StoreError,
                f"Neo4j 拒绝了用户名或密码（用户 {self.user!r}，{where_zh}）。修复：把 NEO4J_USER 和 NEO4J_PASSWORD 设为服务器的账号",
                f"Neo4j refused user {self.user!r} at {where}. "
                "Fix: set NEO4J_USER and NEO4J_PASSWORD to the server's credentials",
            )
        if code == "Neo.ClientError.Database.DatabaseNotFound" or "DatabaseNotFound" in _one_line(exc):
            return said(
                StoreError,
                f"Neo4j 上没有数据库 {self.database!r}（{self.uri}）。修复：给出已有的数据库名（SHOW DATABASES），"
                "或不写 --database 以使用服务器的默认数据库",
                f"database {self.database!r} does not exist at {self.uri}. "
                "Fix: pass an existing name (SHOW DATABASES) or omit it to use the server's default",
            )
        if code == "Neo.ClientError.Schema.ConstraintValidationFailed":
            # The server's message quotes the key, which can hold a resident ID: say what happened without it.
            return said(
                StoreError,
                f"键冲突（{where_zh}）：同类关系中已有另一对端点的关系使用了这个键（关系键按类型唯一）。"
                "修复：由两个端点生成关系键，或先删除过时的关系",
                f"key conflict at {where}: an edge key is already used by an edge of the same kind "
                "between other endpoints (edge keys are unique per kind). "
                "Fix: derive edge keys from both endpoints, or delete the stale edge first",
            )
        if isinstance(exc, nx.DatabaseUnavailable):
            return said(
                StoreError,
                f"Neo4j 数据库不可用（{where_zh}）：{_one_line(exc)}。修复：START DATABASE，或等它上线",
                f"database unavailable at {where}: {_one_line(exc)}. Fix: START DATABASE it or wait until it is online",
            )
        if isinstance(exc, (nx.ServiceUnavailable, nx.SessionExpired, OSError)):
            return said(
                StoreError,
                f"无法连接 Neo4j（{self.uri}）：{_one_line(exc)}。修复：启动它（scripts/neo4j-server start），"
                "或检查地址、主机和端口",
                f"cannot reach Neo4j at {self.uri}: {_one_line(exc)}. "
                "Fix: start it (scripts/neo4j-server start) or check the URI, host and port",
            )
        if isinstance(exc, nx.Forbidden):
            return said(
                StoreError,
                f"Neo4j 权限不足（{where_zh}）：{_one_line(exc)}。修复：使用有写权限的用户",
                f"not allowed at {where}: {_one_line(exc)}. Fix: use a user with write rights",
            )
        return said(StoreError, f"Neo4j 查询失败（{where_zh}）：{_one_line(exc)}",
                    f"query failed at {where}: {_one_line(exc)}")

    def _run(self, fn: Callable[[], T], *, connecting: bool = False) -> T:
        try:
            return fn()
        except StoreError:
            raise
        except (nx.Neo4jError, nx.DriverError, OSError) as exc:
            raise self._fail(exc) from None
        except (TypeError, ValueError) as exc:
            if connecting:  # an unusable URI surfaces here; __init__ reports it
                raise
            raise said(StoreError, f"Neo4j 查询或参数无效：{_one_line(exc)}",
                       f"invalid query or parameters: {_one_line(exc)}") from None

    def _session(self, **kw: Any) -> neo4j.Session:
        return self._driver.session(database=self.database, **kw)

    def _check_server(self) -> None:
        def check() -> list[Any]:
            with self._session() as s:
                rec = s.run(_cypher("CALL dbms.components() YIELD versions RETURN versions[0] AS v")).single()
                return [rec["v"] if rec else ""]

        version = str(self._run(check, connecting=True)[0])
        try:
            major = int(version.split(".")[0])
        except ValueError:
            major = 0
        if major < 5:
            raise said(
                StoreError,
                f"Neo4j 版本过旧：{self.uri} 上是 {version or '?'}，guanlian 需要 Neo4j 5 或更新版本。"
                "修复：升级服务器，或用 scripts/neo4j-server start 启动本地 5.26",
                f"Neo4j {version or '?'} at {self.uri} is too old; guanlian needs Neo4j 5 or later. "
                "Fix: upgrade the server, or use scripts/neo4j-server start for a local 5.26",
            )
        self.server_version = version

    def check_is_store(self) -> None:
        """Raise :class:`StoreError` unless the database holds guanlian's schema (a store made by ``load``).

        A missing database is already refused when connecting; this catches an existing database that
        guanlian never wrote (e.g. a typo that names another project's database, or an empty server).
        """

        def work(tx: neo4j.ManagedTransaction) -> int:
            rec = tx.run(_cypher("SHOW CONSTRAINTS YIELD name WHERE name STARTS WITH 'guanlian_' "
                                 "RETURN count(*) AS n")).single()
            return int(rec["n"]) if rec else 0

        def run() -> int:
            with self._session() as s:
                return s.execute_read(work)

        if self._run(run) == 0:
            where = f"database {self.database!r}" if self.database else "the default database"
            where_zh = f"数据库 {self.database!r}" if self.database else "默认数据库"
            raise said(
                StoreError,
                f"不是图存储：{self.uri} 的{where_zh}中没有 guanlian 的结构。修复：检查 --store 和 --database，"
                f"或先导入文件（`guanlian load --store {self.uri} …`）",
                f"not a guanlian store: {where} at {self.uri} holds no guanlian schema. "
                f"Fix: check --store and --database, or load files first (`guanlian load --store {self.uri} …`)",
            )

    # -- schema -------------------------------------------------------------------------------------------
    def ensure_schema(self) -> None:
        """Uniqueness constraint on ``key`` per node kind and per edge kind (idempotent).

        Edge keys are unique per edge kind (the loaders derive them from both endpoints and the content, and
        the embedded store treats them the same way). A uniqueness constraint, not a plain index, matters for
        speed: ``MERGE (a)-[e:T {key: …}]->(b)`` planned while a plain relationship index was still empty
        (a fresh database) scanned the whole index for every row (129 M db hits for 2,000 payments, 100 s);
        a unique index is always a seek. Databases made by earlier versions have a plain index named
        ``guanlian_<EDGE>_key``: it is dropped and replaced by the constraint (same name). Then the range
        indexes of :data:`RANGE_INDEXES` (property filters the saved queries start from).
        """
        if self._schema_ready:
            return
        m = model()
        node_stmts = [
            f"CREATE CONSTRAINT guanlian_{n.name}_key IF NOT EXISTS FOR (n:{n.name}) REQUIRE n.key IS UNIQUE"
            for n in m.nodes
        ]
        edge_stmts = {
            f"guanlian_{e.name}_key": (
                f"CREATE CONSTRAINT guanlian_{e.name}_key IF NOT EXISTS FOR ()-[e:{e.name}]-() REQUIRE e.key IS UNIQUE"
            )
            for e in m.edges
        }
        range_stmts = [f"CREATE INDEX guanlian_{kind}_{prop} IF NOT EXISTS FOR ()-[e:{kind}]-() ON (e.{prop})"
                       for kind, prop in RANGE_INDEXES]

        def create() -> None:
            with self._session() as s:
                plain = {
                    str(r["name"])
                    for r in s.run(_cypher(
                        "SHOW INDEXES YIELD name, entityType, owningConstraint "
                        "WHERE entityType = 'RELATIONSHIP' AND owningConstraint IS NULL RETURN name"
                    ))
                }
                for name in sorted(plain & set(edge_stmts)):  # names from the model only
                    s.run(_cypher(f"DROP INDEX {name} IF EXISTS")).consume()
                for stmt in [*node_stmts, *edge_stmts.values(), *range_stmts]:
                    s.run(_cypher(stmt)).consume()
                s.run(_cypher("CALL db.awaitIndexes(300)")).consume()
                # A database written before amounts were integer fen holds yuan as floats: convert them.
                kinds: list[NodeKind | EdgeKind] = [*m.nodes, *m.edges]
                for kind in kinds:
                    pattern = f"()-[x:{kind.name}]->()" if isinstance(kind, EdgeKind) else f"(x:{kind.name})"
                    for p in kind.props:
                        if p.money:
                            s.run(_cypher(f"MATCH {pattern} WHERE valueType(x.{p.name}) STARTS WITH 'FLOAT' "
                                          f"CALL (x) {{ SET x.{p.name} = toInteger(round(x.{p.name} * 100)) }} "
                                          "IN TRANSACTIONS OF 10000 ROWS")).consume()

        self._run(create)
        self._schema_ready = True

    # -- writes -------------------------------------------------------------------------------------------
    def _write_batches(self, cypher: str, rows: list[dict[str, Any]]) -> int:
        """Run ``cypher`` (which must RETURN count(*) AS n) per batch in managed transactions; sum of n."""
        query = _cypher(cypher)

        def work(tx: neo4j.ManagedTransaction, batch: list[dict[str, Any]]) -> int:
            rec = tx.run(query, rows=batch).single()
            return int(rec["n"]) if rec else 0

        def run() -> int:
            total = 0
            with self._session() as s:
                for batch in _chunks(rows, self.batch_rows):
                    total += s.execute_write(work, batch)
            return total

        return self._run(run)

    def _stored(self, match: str, keys: list[str]) -> pd.DataFrame:
        """Stored properties (``key`` included) of the items ``match`` finds for ``keys`` (``k`` is the key)."""
        query = _cypher(f"UNWIND $keys AS k {match} RETURN properties(x) AS p")

        def work(tx: neo4j.ManagedTransaction, batch: list[str]) -> list[dict[str, Any]]:
            return [dict(r["p"]) for r in tx.run(query, keys=batch)]

        def run() -> list[dict[str, Any]]:
            out: list[dict[str, Any]] = []
            with self._session() as s:
                for start in range(0, len(keys), 10_000):
                    out.extend(s.execute_read(work, keys[start : start + 10_000]))
            return out

        found = self._run(run)
        return pd.DataFrame(found) if found else pd.DataFrame({"key": pd.Series([], dtype=object)})

    def _merged(self, kind: NodeKind | EdgeKind, frame: pd.DataFrame, match: str,
                conflicts: list[Conflict] | None) -> pd.DataFrame:
        """``frame`` with the rows of stored keys merged with the stored values by the model's merge rules."""
        stored = self._stored(match, frame["key"].astype(str).tolist())
        if stored.empty:
            return frame
        # every row is written again (MERGE checks an edge's endpoints), with the merged values
        merged = merge_stored(kind, frame, stored, conflicts, only_changed=False)
        known = set(stored["key"].tolist())
        fresh = frame[~frame["key"].isin(known)]
        return pd.concat([fresh, merged], ignore_index=True)

    def upsert_nodes(self, kind: str, rows: pd.DataFrame, conflicts: list[Conflict] | None = None) -> int:
        """Insert or update nodes of ``kind`` by ``key``; values merge by the model's rules.

        Args:
            kind: a node kind of :func:`guanlian.model.model`.
            rows: column ``key`` plus any of the kind's properties (others are ignored).
            conflicts: where to append conflicting values found (see :func:`~guanlian.graph.frames.merge_rows`).

        Returns:
            Number of distinct keys given.
        """
        nk = _node_kind(kind)
        self.ensure_schema()
        frame = prepare_nodes(nk, rows, conflicts)
        if frame.empty:
            return 0
        given = len(frame)
        frame = self._merged(nk, frame, f"MATCH (x:{nk.name} {{key: k}})", conflicts)
        if frame.empty:
            return given
        props = [c for c in node_columns(nk) if c != "key"]
        payload = [
            {"key": k, "props": p} for k, p in zip(frame["key"].tolist(), _props(frame, props), strict=True)
        ]
        self._write_batches(
            f"UNWIND $rows AS row MERGE (n:{nk.name} {{key: row.key}}) SET n += row.props RETURN count(*) AS n",
            payload,
        )
        return given

    def upsert_edges(self, kind: str, rows: pd.DataFrame, conflicts: list[Conflict] | None = None) -> int:
        """Insert or update edges of ``kind`` by edge ``key``; both endpoint nodes must exist.

        Args:
            kind: an edge kind of the model.
            rows: columns ``src``, ``dst``, ``src_kind``, ``dst_kind``, ``key`` plus properties.
            conflicts: where to append conflicting values found (values merge by the model's rules).

        Returns:
            Number of distinct edge keys given.

        Raises:
            StoreError: an endpoint pair the model does not allow, or endpoint nodes that are missing.
        """
        ek = _edge_kind(kind)
        self.ensure_schema()
        frame = prepare_edges(ek, rows, conflicts)
        if frame.empty:
            return 0
        given = len(frame)
        frame = self._merged(ek, frame, f"MATCH ()-[x:{ek.name} {{key: k}}]->()", conflicts)
        props = [c for c in edge_columns(ek) if c != "key"]
        written = 0
        for (src_kind, dst_kind), part in frame.groupby(["src_kind", "dst_kind"], sort=False):
            pair = (str(src_kind), str(dst_kind))
            if pair not in ek.endpoints:
                raise said(StoreError, f"{ek.name} 不能连接 {pair[0]} 与 {pair[1]}；允许：{list(ek.endpoints)}",
                           f"{ek.name} cannot join {pair[0]} to {pair[1]}; allowed: {list(ek.endpoints)}")
            payload = [
                {"src": s, "dst": d, "key": k, "props": p}
                for s, d, k, p in zip(
                    part["src"].astype(str).tolist(),
                    part["dst"].astype(str).tolist(),
                    part["key"].tolist(),
                    _props(part, props),
                    strict=True,
                )
            ]
            n = self._write_batches(
                f"UNWIND $rows AS row MATCH (a:{pair[0]} {{key: row.src}}) MATCH (b:{pair[1]} {{key: row.dst}}) "
                f"MERGE (a)-[e:{ek.name} {{key: row.key}}]->(b) SET e += row.props RETURN count(*) AS n",
                payload,
            )
            if n < len(payload):
                raise said(
                    StoreError,
                    f"{ek.name}：{len(payload)} 条 {pair[0]}->{pair[1]} 关系中有 {len(payload) - n} 条的端点不在存储中。"
                    "修复：先写入节点，再写关系",
                    f"{ek.name}: {len(payload) - n} of {len(payload)} {pair[0]}->{pair[1]} edges name endpoint nodes "
                    "that are not in the store. Fix: upsert the nodes before the edges",
                )
            written += n
        return given

    def delete_edges(self, kind: str) -> int:
        """Delete every edge of ``kind`` in batches; returns how many were deleted."""
        ek = _edge_kind(kind)
        query = _cypher(f"MATCH ()-[e:{ek.name}]->() WITH e LIMIT $n DELETE e RETURN count(*) AS n")

        def work(tx: neo4j.ManagedTransaction) -> int:
            rec = tx.run(query, n=DELETE_BATCH).single()
            return int(rec["n"]) if rec else 0

        def run() -> int:
            total = 0
            with self._session() as s:
                while (n := s.execute_write(work)) > 0:
                    total += n
            return total

        return self._run(run)

    def clear(self) -> int:
        """Delete every node and edge (in batches); schema stays. Returns the number of nodes deleted."""
        # Relationships first, in batches: DETACH DELETE of 10k nodes can take a hub's 100k edges into one
        # transaction and exceed db.memory.transaction.total.max (seen on the ~100k-row demo world).
        edges = _cypher("MATCH ()-[r]->() WITH r LIMIT $n DELETE r RETURN count(*) AS n")
        nodes = _cypher("MATCH (n) WITH n LIMIT $n DETACH DELETE n RETURN count(*) AS n")

        def work(tx: neo4j.ManagedTransaction, query: LiteralString) -> int:
            rec = tx.run(query, n=DELETE_BATCH).single()
            return int(rec["n"]) if rec else 0

        def run() -> int:
            total = 0
            with self._session() as s:
                while s.execute_write(work, edges) > 0:
                    pass
                while (n := s.execute_write(work, nodes)) > 0:
                    total += n
            return total

        return self._run(run)

    # -- reads --------------------------------------------------------------------------------------------
    def query(self, cypher: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
        """Run read-only Cypher (a read transaction: writes are refused by the server).

        Args:
            cypher: statement; values belong in ``params``, never in the text.
            params: parameter map.

        Returns:
            One column per RETURN item, in order; nodes and relationships as property dicts with ``_LABEL``.
        """
        q = _cypher(cypher)

        def work(tx: neo4j.ManagedTransaction) -> tuple[list[str], list[list[Any]]]:
            result = tx.run(q, params or {})
            keys = list(result.keys())
            plain = _native
            return keys, [[v if type(v) in _SCALARS else plain(v) for v in row] for row in result.values()]

        def run() -> tuple[list[str], list[list[Any]]]:
            with self._session() as s:
                return s.execute_read(work)

        keys, data = self._run(run)
        return pd.DataFrame(data, columns=keys)

    def query_arrow(self, cypher: str, params: dict[str, Any] | None = None) -> pa.Table:
        """Run read-only Cypher; :meth:`query`'s columns as an Arrow table (the driver gives Python values, so
        this saves nothing over :meth:`query`; it is here so callers need not know the engine)."""
        return pa.Table.from_pandas(self.query(cypher, params), preserve_index=False)

    def rows(self, cypher: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Run read-only Cypher; one dict per row, values as :meth:`query` gives them (no DataFrame)."""
        q = _cypher(cypher)

        def work(tx: neo4j.ManagedTransaction) -> list[dict[str, Any]]:
            result = tx.run(q, params or {})
            keys = list(result.keys())
            plain = _native
            return [dict(zip(keys, [v if type(v) in _SCALARS else plain(v) for v in row], strict=True))
                    for row in result.values()]

        def run() -> list[dict[str, Any]]:
            with self._session() as s:
                return s.execute_read(work)

        return self._run(run)

    def execute(self, cypher: str, params: dict[str, Any] | None = None) -> None:
        """Run one write statement with parameters in a managed write transaction."""
        q = _cypher(cypher)

        def work(tx: neo4j.ManagedTransaction) -> None:
            tx.run(q, params or {}).consume()

        def run() -> None:
            with self._session() as s:
                s.execute_write(work)

        self._run(run)

    def generation(self) -> str:
        """The bookmark of an empty read transaction: the server hands back the database's last committed
        transaction, so any write by any client changes it (one round trip, no graph read).

        Example:
            >>> # before = s.generation(); s.execute("MATCH (n:Unit) SET n.x = 1"); s.generation() != before
        """

        def run() -> str:
            with self._session(default_access_mode=neo4j.READ_ACCESS) as s:
                s.run(_cypher("RETURN 1")).consume()
                return ";".join(sorted(s.last_bookmarks().raw_values))

        return self._run(run)

    def counts(self) -> dict[str, int]:
        """Nodes per node kind and edges per edge kind, every kind of the model (zeros included)."""
        m = model()
        stmts = [(n.name, f"MATCH (n:{n.name}) RETURN count(n) AS c") for n in m.nodes]
        stmts += [(e.name, f"MATCH ()-[e:{e.name}]->() RETURN count(e) AS c") for e in m.edges]

        def work(tx: neo4j.ManagedTransaction) -> dict[str, int]:
            out: dict[str, int] = {}
            for name, stmt in stmts:
                rec = tx.run(_cypher(stmt)).single()
                out[name] = int(rec["c"]) if rec else 0
            return out

        def run() -> dict[str, int]:
            with self._session() as s:
                return s.execute_read(work)

        return self._run(run)

    def release_cache(self) -> bool:
        """Nothing to give back: the server manages its own page cache. Always False."""
        return False

    def close(self) -> None:
        self._driver.close()

    def __enter__(self) -> Neo4jStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
