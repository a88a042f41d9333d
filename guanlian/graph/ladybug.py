"""The embedded store: LadybugDB (the maintained Kùzu continuation), on disk, no server.

A store location is a directory; the database file is ``graph.lbug`` inside it, and the directory is also
the store's sidecar folder: the other per-store files (``rejects.csv``, ``clues.db``, the load journal) sit
beside the database.

Bulk writes go through ``COPY … FROM <arrow table>`` (LadybugDB's fast path); only rows whose key already
exists and whose values changed are updated with a parametrised ``UNWIND``. Reloading the same rows
therefore writes nothing.

Example:
    >>> import tempfile, pandas as pd
    >>> s = LadybugStore(tempfile.mkdtemp() + "/store")
    >>> s.ensure_schema()
    >>> s.upsert_nodes("Unit", pd.DataFrame({"key": ["unit:a"], "name": ["A局"]}))
    1
    >>> s.counts()["Unit"]
    1
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import ladybug as lb
import pandas as pd
import pyarrow as pa

from guanlian.graph.frames import (
    ARROW_TYPES,
    Conflict,
    edge_columns,
    merge_stored,
    node_columns,
    prepare_edges,
    prepare_nodes,
)
from guanlian.graph.store import Engine, StoreError, StoreOutdated
from guanlian.model import EdgeKind, NodeKind, model
from guanlian.values.privacy import plain
from guanlian.values.vocab import said

DB_FILE = "graph.lbug"

BUFFER_POOL_ENV = "GUANLIAN_BUFFER_POOL_MB"
"""Environment variable: the embedded engine's page cache in MiB (default :data:`DEFAULT_BUFFER_POOL_MB`)."""

DEFAULT_BUFFER_POOL_MB = 2048
"""LadybugDB's own default page cache is 80 % of the machine's memory, and pages a query touched stay resident
until the cache is full: at 1M rows most of the peak of ``scan`` and of ``load``'s bulk write was this cache.
A query's hash tables live in the same cache and do not spill to disk, so a query that needs more than the
cache fails (``Buffer manager exception``); the store then reopens with twice the cache (up to LadybugDB's
default) and runs the statement again (:meth:`LadybugStore._grow`). Peak memory follows what the biggest
query needs, not the machine's size (docs/benchmarks.md, Memory at 1M rows)."""


COPIES_PER_OPEN = 8
"""The embedded store closes and reopens its database after this many ``COPY`` statements. LadybugDB 0.22 keeps
native memory for every ``COPY`` until the database is closed (about 12 MB for a copy of 10 rows, 52 MB for one
of 100k rows, measured in a loop of 40 copies into one node table: 2,240 MiB after 40 copies of 100k rows; a
reopen every 10 copies of 1,000 rows kept it at 232 MiB instead of 674). A load writes each kind, and at 10M
rows each of its ten parts (``pipeline.key_parts``), with its own ``COPY``: the 10M load's write grew by about
0.5 GiB per part of Person nodes (2.2 to 9.2 GiB of resident memory, none of it Python objects) before this."""


def buffer_pool_bytes() -> int:
    """The page cache an embedded store opens with: ``$GUANLIAN_BUFFER_POOL_MB`` MiB (default 2048), never more
    than :func:`max_buffer_pool_bytes`.

    Raises:
        StoreError: the variable is set but is not a positive whole number of MiB.

    Example:
        >>> buffer_pool_bytes() <= DEFAULT_BUFFER_POOL_MB * 2**20 or BUFFER_POOL_ENV in os.environ
        True
    """
    text = os.environ.get(BUFFER_POOL_ENV, "").strip()
    if text and not (text.isdigit() and int(text) > 0):
        raise said(StoreError, f"{BUFFER_POOL_ENV} 必须是正整数（MiB），而不是 {text!r}",
                   f"{BUFFER_POOL_ENV} must be a positive whole number of MiB, not {text!r}")
    return min(int(text or DEFAULT_BUFFER_POOL_MB) * 2**20, max_buffer_pool_bytes())


def max_buffer_pool_bytes() -> int:
    """The most the page cache grows to: 80 % of the machine's memory (LadybugDB's own default).

    Example:
        >>> max_buffer_pool_bytes() > 0
        True
    """
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") * 0.8)
    except (ValueError, OSError):  # not every platform names these
        return 8 * 2**30


def _pool_full(exc: RuntimeError) -> bool:
    """True when LadybugDB refused a statement because its page cache could not hold the query's data."""
    return "buffer pool is full" in str(exc).lower()


_DDL_TYPES = {"string": "STRING", "int": "INT64", "float": "DOUBLE", "bool": "BOOLEAN", "strings": "STRING[]"}


def _node_ddl(kind: NodeKind) -> str:
    cols = ", ".join(f"{p.name} {_DDL_TYPES[p.type]}" for p in kind.all_props)
    return f"CREATE NODE TABLE IF NOT EXISTS {kind.name}({cols}, PRIMARY KEY (key))"


def _edge_ddl(kind: EdgeKind) -> str:
    ends = ", ".join(f"FROM {s} TO {d}" for s, d in kind.endpoints)
    cols = ", ".join(f"{p.name} {_DDL_TYPES[p.type]}" for p in kind.all_props)
    return f"CREATE REL TABLE IF NOT EXISTS {kind.name}({ends}, {cols})"


def sidecar_dir(location: str, database: str | None = None) -> Path:
    """The sidecar folder of the embedded store at ``location``: the store's own folder.

    Example:
        >>> sidecar_dir("demo-out/store").as_posix()
        'demo-out/store'
    """
    return Path(location)


def open_store(location: str, *, database: str | None = None, read_only: bool = False,
               create: bool = True) -> LadybugStore:
    """Engine module contract (:mod:`guanlian.graph.engines`): open or create the store in folder ``location``.

    ``database`` has no meaning for an embedded store (one folder holds one graph) and is ignored.
    """
    return LadybugStore(location, read_only=read_only, create=create)


def generation_of(folder: Path) -> str:
    """:meth:`LadybugStore.generation` of the store in ``folder``, without opening it.

    Example:
        >>> generation_of(Path("/nonexistent"))
        ''
    """
    parts = []
    for f in sorted(folder.glob("graph*")):
        try:
            st = f.stat()
        except FileNotFoundError:  # the write-ahead log disappears at a checkpoint
            continue
        parts.append(f"{f.name}:{st.st_mtime_ns}:{st.st_size}")
    return ";".join(parts)


class LadybugStore:
    """Store protocol over an embedded LadybugDB database in directory ``path``.

    Args:
        path: the store folder.
        read_only: open read-only (the store must exist).
        create: create the folder and database when missing; with ``False`` a missing folder, or a folder
            without ``graph.lbug``, raises :class:`StoreError` and nothing is created.
    """

    engine: Engine = "ladybug"

    def __init__(self, path: str | Path, *, read_only: bool = False, create: bool = True) -> None:
        self.dir = Path(path)
        self.location = str(self.dir)
        self.sidecar = self.dir
        if self.dir.exists() and not self.dir.is_dir():
            raise said(StoreError, f"存储路径不是目录：{self.dir}", f"store path is not a directory: {self.dir}")
        if (read_only or not create) and not (self.dir / DB_FILE).exists():
            if self.dir.is_dir():
                raise said(StoreError,
                           f"不是图存储（其中没有 {DB_FILE}）：{self.dir}。修复：检查路径，或先导入文件"
                           f"（`guanlian load --store {self.dir} …`）",
                           f"not a guanlian store (no {DB_FILE} inside): {self.dir}. "
                           f"Fix: check the path, or load files first (`guanlian load --store {self.dir} …`)")
            raise said(StoreError,
                       f"图存储不存在：{self.dir}。修复：检查路径，或先导入文件（`guanlian load --store {self.dir} …`）",
                       f"no store at {self.dir} (it does not exist). "
                       f"Fix: check the path, or load files first (`guanlian load --store {self.dir} …`)")
        self.dir.mkdir(parents=True, exist_ok=True)
        self._read_only = read_only
        self.buffer_pool = buffer_pool_bytes()
        """The page cache this store has open now, in bytes (grows when a query needs more)."""
        self._base_pool = self.buffer_pool
        self.bulk_seconds = 0.0
        """Seconds spent inside the engine's bulk writes (``COPY``) since the store was opened: the floor of
        any load into this engine (``load --json`` reports the load's share as ``seconds.copy``)."""
        self._open()
        self._schema_ready = False
        if read_only:
            # amounts still in yuan would be read as fen without any error: check them now; a missing table
            # or property fails its first query, which then checks everything (_fetch)
            gap = self._schema_gap(money_only=True)
            if gap is not None:
                self.close()
                raise self._outdated(gap)

    def _open(self) -> None:
        try:
            self._db = lb.Database(str(self.dir / DB_FILE), read_only=self._read_only,
                                   buffer_pool_size=self.buffer_pool)
        except RuntimeError as exc:
            raise said(StoreError, f"无法打开图数据库 {self.dir}：{exc}",
                       f"cannot open the graph store at {self.dir}: {exc}") from None
        self._conn = lb.Connection(self._db)
        self._copies = 0

    def _reopen_after_copies(self) -> None:
        """Close and reopen the database once :data:`COPIES_PER_OPEN` ``COPY`` statements ran since it was
        opened, which gives back the native memory LadybugDB keeps for each of them. Statements run in their
        own transactions and every result is read before the next statement, so nothing is open across it."""
        self._copies += 1
        if self._copies >= COPIES_PER_OPEN:
            self._conn.close()
            self._db.close()
            self._open()

    def _grow(self) -> bool:
        """Reopen the database with twice the page cache (at most :func:`max_buffer_pool_bytes`); False when it
        is already there. Statements run in their own transactions, so nothing is open across the reopen."""
        top = max_buffer_pool_bytes()
        if self.buffer_pool >= top:
            return False
        self._conn.close()
        self._db.close()
        self.buffer_pool = min(self.buffer_pool * 2, top)
        self._open()
        return True

    def release_cache(self) -> bool:
        """Give back the page cache a statement made the store grow: reopen with the cache it opened with.

        A grown cache keeps every page later statements touch until it is full, so one big query would raise
        the rest of the run to twice the cache (``scan`` at 1M: 4.3 GiB instead of 3.3). Statements run in their
        own transactions and every result is read before the next statement, so nothing is open across the
        reopen. Returns True when the cache was given back, False when it had not grown.

        Example:
            >>> import tempfile
            >>> LadybugStore(tempfile.mkdtemp() + "/s").release_cache()
            False
        """
        if self.buffer_pool <= self._base_pool:
            return False
        self._conn.close()
        self._db.close()
        self.buffer_pool = self._base_pool
        self._open()
        return True

    def _run(self, cypher: str, params: dict[str, Any] | None = None) -> Any:
        """Execute one statement; when the page cache cannot hold the query, grow it and run the statement again."""
        while True:
            try:
                return self._conn.execute(cypher, params or {})
            except RuntimeError as exc:
                if not (_pool_full(exc) and self._grow()):
                    raise

    # -- schema -----------------------------------------------------------------------------------------
    def ensure_schema(self) -> None:
        if self._schema_ready:
            return
        m = model()
        for n in m.nodes:
            self._conn.execute(_node_ddl(n))
        for e in m.edges:
            self._conn.execute(_edge_ddl(e))
        # A store made by an older version lacks properties the model has gained since: add them (empty).
        kinds: list[NodeKind | EdgeKind] = [*m.nodes, *m.edges]
        for kind in kinds:
            info = self._fetch(f"CALL table_info('{kind.name}') RETURN name, type")
            have = dict(zip(info["name"].astype(str), info["type"].astype(str), strict=True)) if len(info) else {}
            for p in kind.all_props:
                if p.name not in have:
                    self._conn.execute(f"ALTER TABLE {kind.name} ADD {p.name} {_DDL_TYPES[p.type]}")
                elif p.money and have[p.name] == "DOUBLE":
                    self._amounts_to_fen(kind, p.name)
        self._schema_ready = True

    def _schema_gap(self, *, money_only: bool = False) -> str | None:
        """What this store lacks against the model (``Person.name_norm``, a table, a money column still in
        yuan), or None when it has everything; :meth:`ensure_schema` adds exactly these. ``money_only``: look
        only at the tables with amounts (one catalogue call each)."""
        m = model()
        tables = set(self._fetch("CALL show_tables() RETURN name")["name"].astype(str))
        kinds: list[NodeKind | EdgeKind] = [*m.nodes, *m.edges]
        if money_only:
            kinds = [k for k in kinds if any(p.money for p in k.all_props)]
        for kind in kinds:
            if kind.name not in tables:
                return f"缺少 / missing {kind.name}"
            info = self._fetch(f"CALL table_info('{kind.name}') RETURN name, type")
            have = dict(zip(info["name"].astype(str), info["type"].astype(str), strict=True))
            for p in kind.all_props:
                if p.name not in have:
                    return f"缺少 / missing {kind.name}.{p.name}"
                if p.money and have[p.name] == "DOUBLE":
                    return f"{kind.name}.{p.name} 仍以元计 / still in yuan, not fen"
        return None

    def _outdated(self, gap: str) -> StoreOutdated:
        return said(
            StoreOutdated,
            f"图存储由旧版本写入，只读打开无法升级（{gap}）。修复：运行一次 `guanlian stats --store {self.dir}`"
            "（以写方式打开即就地升级）",
            f"the store was written before a model change and a read-only open cannot upgrade it ({gap}). Fix: run "
            f"`guanlian stats --store {self.dir}` once (opening it for writing upgrades it in place)",
        )

    def _amounts_to_fen(self, kind: NodeKind | EdgeKind, name: str) -> None:
        """A store made before amounts were integer fen holds yuan as DOUBLE: convert the column in place."""
        tmp = f"{name}__fen"
        pattern = f"()-[x:{kind.name}]->()" if isinstance(kind, EdgeKind) else f"(x:{kind.name})"
        self._conn.execute(f"ALTER TABLE {kind.name} ADD {tmp} INT64")
        self._conn.execute(f"MATCH {pattern} WHERE x.{name} IS NOT NULL "
                           f"SET x.{tmp} = CAST(round(x.{name} * 100, 0) AS INT64)")
        self._conn.execute(f"ALTER TABLE {kind.name} DROP {name}")
        self._conn.execute(f"ALTER TABLE {kind.name} RENAME {tmp} TO {name}")

    # -- writes -----------------------------------------------------------------------------------------
    def upsert_nodes(self, kind: str, rows: pd.DataFrame, conflicts: list[Conflict] | None = None) -> int:
        nk = model().node(kind)
        self.ensure_schema()
        frame = prepare_nodes(nk, rows, conflicts)
        if frame.empty:
            return 0
        cols = node_columns(nk)
        existing = self._existing(f"MATCH (n:{nk.name})", "n", frame["key"], node=nk.name)
        new = frame[~_member(frame["key"], existing["key"])] if len(existing) else frame
        if len(new):
            self._copy(nk.name, new[cols], [nk.prop(c) for c in cols], None)
        if len(existing):
            self._update(f"MATCH (n:{nk.name} {{key: r.key}})", "n", merge_stored(nk, frame, existing, conflicts), cols)
        return len(frame)

    def upsert_edges(self, kind: str, rows: pd.DataFrame, conflicts: list[Conflict] | None = None) -> int:
        ek = model().edge(kind)
        self.ensure_schema()
        frame = prepare_edges(ek, rows, conflicts)
        if frame.empty:
            return 0
        cols = edge_columns(ek)
        existing = self._existing(f"MATCH ()-[e:{ek.name}]->()", "e", frame["key"],
                                  ends=f"MATCH (a)-[e:{ek.name}]->(b)")
        new = frame[~_member(frame["key"], existing["key"])] if len(existing) else frame
        for (src_kind, dst_kind), part in new.groupby(["src_kind", "dst_kind"], sort=False):
            self._check_endpoints(ek, str(src_kind), str(dst_kind), part)
            data = part.rename(columns={"src": "from", "dst": "to"})[["from", "to", *cols]]
            self._copy(ek.name, data, [ek.prop(c) for c in cols], (str(src_kind), str(dst_kind)))
        if len(existing):
            todo = merge_stored(ek, frame, existing.drop(columns=list(_STORED_ENDS)), conflicts)
            # The stored edge is found from one stored endpoint's primary key (an index lookup), then that
            # node's few edges: the endpoints are the stored ones, not the new row's. The end is bound in its own
            # MATCH first: with both ends keyed in one pattern, LadybugDB plans a cross product of the rows with
            # every edge of the kind (9,255 updated Company HAS_ACCOUNT edges took 7.7 s of a 1M month's load;
            # bound first, 5,000 took 0.3 s). A unit has thousands of payments, so the other end is bound there.
            ends = existing.drop_duplicates("key").set_index("key").reindex(todo["key"].tolist())
            todo = todo.assign(**{c: ends[c].to_numpy() for c in _STORED_ENDS})
            for (sk, dk), part in todo.groupby(["_sk", "_dk"], sort=False):
                if sk == "Unit":
                    match = (f"MATCH (b:{dk} {{key: r._d}}) WITH b, r MATCH (a:{sk})-[n:{ek.name}]->(b) "
                             "WHERE n.key = r.key AND a.key = r._s")
                else:
                    match = (f"MATCH (a:{sk} {{key: r._s}}) WITH a, r MATCH (a)-[n:{ek.name}]->(b:{dk}) "
                             "WHERE n.key = r.key AND b.key = r._d")
                self._update(match, "n", part, cols, extra=["_s", "_d"])
        return len(frame)

    def delete_edges(self, kind: str) -> int:
        ek = model().edge(kind)
        self.ensure_schema()
        n = _count(self._fetch(f"MATCH ()-[e:{ek.name}]->() RETURN count(e) AS n"))
        if n:
            self._run(f"MATCH ()-[e:{ek.name}]->() DELETE e")
        return n

    def clear(self) -> int:
        """Delete every node and edge (tables stay); returns the number of nodes deleted."""
        self.ensure_schema()
        m = model()
        for e in m.edges:
            self._conn.execute(f"MATCH ()-[e:{e.name}]->() DELETE e")
        total = 0
        for n in m.nodes:
            total += _count(self._fetch(f"MATCH (n:{n.name}) RETURN count(n) AS c"))
            self._conn.execute(f"MATCH (n:{n.name}) DELETE n")
        return total

    # -- reads ------------------------------------------------------------------------------------------
    def query(self, cypher: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
        return self._fetch(cypher, params)

    def query_arrow(self, cypher: str, params: dict[str, Any] | None = None) -> pa.Table:
        table: pa.Table = self._result(cypher, params).get_as_arrow()
        return table

    def rows(self, cypher: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        result = self._result(cypher, params)
        cols = result.get_column_names()
        return [dict(zip(cols, row, strict=True)) for row in result.get_all()]

    def execute(self, cypher: str, params: dict[str, Any] | None = None) -> None:
        try:
            self._run(cypher, params)
        except RuntimeError as exc:
            raise said(StoreError, f"查询失败（LadybugDB）：{exc}", f"query failed on LadybugDB: {exc}") from None

    def counts(self) -> dict[str, int]:
        if not self._read_only:  # a read-only store cannot run DDL; a table it lacks fails as StoreOutdated (_fetch)
            self.ensure_schema()
        m = model()
        out: dict[str, int] = {}
        for n in m.nodes:
            out[n.name] = _count(self._fetch(f"MATCH (n:{n.name}) RETURN count(n) AS c"))
        for e in m.edges:
            out[e.name] = _count(self._fetch(f"MATCH ()-[e:{e.name}]->() RETURN count(e) AS c"))
        return out

    def generation(self) -> str:
        """Name, modification time and size of the database files (``graph.lbug`` and its write-ahead log):
        every committed write, from any process, changes one of them.

        Example:
            >>> # s.generation() != (s.upsert_nodes("Unit", rows), s.generation())[1]
        """
        return generation_of(self.dir)

    def close(self) -> None:
        self._conn.close()
        self._db.close()

    def __enter__(self) -> LadybugStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- internals --------------------------------------------------------------------------------------
    def _result(self, cypher: str, params: dict[str, Any] | None = None) -> Any:
        """The engine's result of a read (the last statement's), engine errors turned into StoreError."""
        try:
            result = self._run(cypher, params)
        except RuntimeError as exc:
            gap = self._schema_gap() if self._read_only and "Binder exception" in str(exc) else None
            if gap is not None:
                raise self._outdated(gap) from None
            raise said(StoreError, f"查询失败（LadybugDB）：{exc}", f"query failed on LadybugDB: {exc}") from None
        if isinstance(result, list):
            result = result[-1]
        return result

    def _fetch(self, cypher: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
        result = self._result(cypher, params)
        df: pd.DataFrame = result.get_as_df()
        wide = [i for i, t in enumerate(result.get_column_data_types()) if t == "INT128"]
        if wide and len(df):
            # sum() of INT64 (money in fen) is INT128, which get_as_df turns into float64 (inexact above 2**53
            # and printed as 1.0e10); the Arrow form holds it exactly as decimal128(38, 0).
            result.reset_iterator()
            table = result.get_as_arrow()
            for i in wide:
                values = table.column(i).to_pylist()
                df[df.columns[i]] = pd.Series([None if v is None else int(v) for v in values], index=df.index,
                                              dtype=object)
        return df

    def _copy(self, table: str, data: pd.DataFrame, props: list[Any], ends: tuple[str, str] | None) -> None:
        n_ends = len(data.columns) - len(props)
        fields = [pa.field(c, pa.string()) for c in data.columns[:n_ends]]
        fields += [pa.field(p.name, ARROW_TYPES[p.type]) for p in props]
        arrow = pa.Table.from_pandas(data, schema=pa.schema(fields), preserve_index=False)  # noqa: F841
        opts = f" (from='{ends[0]}', to='{ends[1]}')" if ends else ""
        # LadybugDB resolves `arrow` by name from this frame (a replacement scan), so no data is formatted in.
        started = time.perf_counter()
        self.execute(f"COPY {table} FROM arrow{opts}")
        self._reopen_after_copies()  # its close writes what the copies wrote to the database file: counted here
        self.bulk_seconds += time.perf_counter() - started

    def _existing(self, match: str, var: str, keys: pd.Series, *, ends: str | None = None,
                  node: str | None = None) -> pd.DataFrame:
        """Stored rows (all properties) whose key is among ``keys``; with ``ends`` (``match`` with the edge's
        endpoints bound as ``a`` and ``b``) also their labels and keys as the columns ``_sk``, ``_s``, ``_dk``,
        ``_d``. ``node``: the node table ``match`` reads, whose rows are then looked up by primary key."""
        stored = self._fetch(f"{match} RETURN {var}.key AS key")
        overlap = keys[_member(keys, stored["key"])] if len(stored) else keys.iloc[:0]
        if overlap.empty:
            return pd.DataFrame({c: pd.Series([], dtype=object) for c in ("key", *(_STORED_ENDS if ends else ()))})
        head = "label(a) AS _sk, a.key AS _s, label(b) AS _dk, b.key AS _d, " if ends else ""
        rows_match = ends or match
        if node is not None and len(overlap) <= _LOOKUP_MAX:
            # one primary-key lookup per key: `IN $keys` compared every stored row with the list (271 re-seen
            # persons of a month took 2.3 s against 477k stored), a full read is seconds per million rows
            wanted = list(dict.fromkeys(overlap.tolist()))
            parts = [self._fetch(f"UNWIND $keys AS k MATCH ({var}:{node} {{key: k}}) RETURN {var}.*",
                                 {"keys": wanted[i:i + _LOOKUP_CHUNK]})
                     for i in range(0, len(wanted), _LOOKUP_CHUNK)]
            df = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
        elif len(overlap) <= 2_000:
            df = self._fetch(f"{rows_match} WHERE {var}.key IN $keys RETURN {head}{var}.*", {"keys": list(overlap)})
        else:  # `IN $keys` over a long list is quadratic in LadybugDB 0.22; a full scan is seconds per million
            df = self._fetch(f"{rows_match} RETURN {head}{var}.*")
        df.columns = [c.split(".", 1)[-1] for c in df.columns]
        return df[_member(df["key"], overlap)]

    def _update(self, match: str, var: str, todo: pd.DataFrame, cols: list[str], extra: list[str] | None = None
                ) -> None:
        """Write the merged values of existing rows that changed (:func:`~guanlian.graph.frames.merge_stored`);
        ``extra``: more columns of ``todo`` that ``match`` reads (as ``r.<column>``) but are not written."""
        if todo.empty:
            return
        # A column that is null in every row is left out: merging never turns a known value into null, and
        # LadybugDB would type an all-null struct field as STRING.
        props = [c for c in cols if c != "key" and todo[c].notna().any()]
        sets = ", ".join(f"{var}.{c} = r.{c}" for c in props)
        given = [*(extra or []), *props]
        records = [
            {"key": k, **{c: plain(v) for c, v in zip(given, row, strict=True)}}
            for k, row in zip(todo["key"].tolist(), todo[given].itertuples(index=False, name=None), strict=True)
        ]
        for start in range(0, len(records), 20_000):
            self.execute(f"UNWIND $rows AS r {match} SET {sets}", {"rows": records[start : start + 20_000]})

    def _check_endpoints(self, ek: EdgeKind, src_kind: str, dst_kind: str, part: pd.DataFrame) -> None:
        if (src_kind, dst_kind) not in ek.endpoints:
            raise StoreError(f"{ek.name} cannot join {src_kind} to {dst_kind}; allowed: {ek.endpoints}")


_LOOKUP_MAX = 200_000
"""Up to this many stored nodes of an upsert are read by primary-key lookups (about 35 µs each at 1M rows);
more are read by one scan of the node table."""

_LOOKUP_CHUNK = 20_000
"""Keys per lookup statement."""

_STORED_ENDS = ("_sk", "_s", "_dk", "_d")
"""Columns :meth:`LadybugStore._existing` adds for an edge's stored endpoints (label and key of each)."""


def _count(df: pd.DataFrame) -> int:
    """The single integer a ``RETURN count(…)`` query returns."""
    return int(df.to_numpy()[0][0])


def _member(values: pd.Series, pool: pd.Series) -> pd.Series:
    """``values.isin(pool)`` through a Python set (pandas' Arrow-string ``isin`` is slow on millions of keys)."""
    keys = set(pool.tolist())
    return pd.Series([v in keys for v in values.tolist()], index=values.index, dtype=bool)
