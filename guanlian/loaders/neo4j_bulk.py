"""A first load into an empty local Neo4j database through ``neo4j-admin database import full``.

``neo4j-admin database import`` writes a database's store files directly, many times faster than Bolt
transactions, but only into a database that is not running, on the server's own machine, with the server's
``NEO4J_HOME``. Neo4j Community can neither stop one database (``STOP DATABASE``) nor create another
(``CREATE DATABASE``), so the import stops the whole server, imports into its database, and starts it again.

:class:`Neo4jImportRoute` is the :class:`~guanlian.loaders.pipeline.WriteRoute` that ``guanlian load`` passes to
:func:`~guanlian.loaders.pipeline.load_files`. Before the write it checks, in this order: the store is Neo4j; the
load writes at least :data:`IMPORT_MIN_ROWS` rows (``auto`` mode); a Neo4j home is known (``--neo4j-home`` or
env ``NEO4J_HOME``); that home's server is the one at the store's URI (a loopback address and the Bolt port of
its ``neo4j.conf``) and is running; the database holds no node and no schema but guanlian's. When all hold, the
parked frames are shaped exactly as the Bolt writer shapes them (:func:`~guanlian.graph.frames.prepare_nodes`,
:func:`~guanlian.graph.frames.prepare_edges`), written as import CSVs, and imported; otherwise the ordinary Bolt
write runs. Either way ``decision`` says which and why, in Chinese and English. Everything after the write
(payee relink, PAID totals, journal, counts, rejects) runs over Bolt as on any load.

If the import fails after the server was stopped, the empty database is put back (its folders were moved aside
before the import), the server is started again and the load stops with an error saying so.

Example:
    >>> route = Neo4jImportRoute(mode="never")
    >>> route.decision
    {}
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from guanlian.graph.frames import Conflict, edge_columns, prepare_edges, prepare_nodes
from guanlian.graph.neo4j import Neo4jStore
from guanlian.graph.neo4j_import import LocalServer, edge_header, node_header, run_import, write_csv
from guanlian.graph.store import Store, StoreError
from guanlian.loaders.pipeline import Parked, ParkedWriter, note_paid_pairs
from guanlian.model import model
from guanlian.progress import phase as progress_phase
from guanlian.progress import task as progress_task
from guanlian.values.vocab import said

IMPORT_MIN_ROWS = 200_000
"""Rows a load must write before ``auto`` mode imports instead of writing over Bolt (docs/benchmarks.md, "Neo4j
bulk import": stopping, importing and starting the server costs about a minute whatever the size)."""

Mode = Literal["auto", "always", "never"]
MODES: dict[str, Mode] = {"auto": "auto", "always": "always", "never": "never"}
"""``--neo4j-import`` values."""
MODE_LABELS: dict[str, tuple[str, str]] = {"auto": ("自动", "auto"), "always": ("总是", "always"),
                                           "never": ("从不", "never")}
"""``--neo4j-import`` values in Chinese and English (the CLI accepts either)."""

_SET_ASIDE = ".guanlian-before-import"


def _env_home() -> Path | None:
    value = os.environ.get("NEO4J_HOME")
    return Path(value) if value else None


@dataclass
class Neo4jImportRoute:
    """Write a load by ``neo4j-admin database import`` when it is a first load into an empty local database.

    Args:
        mode: ``auto`` (import when every condition holds and the load has at least ``min_rows`` rows),
            ``always`` (import whatever the size; any other unmet condition stops the load before it writes),
            ``never`` (always Bolt).
        home: the server's ``NEO4J_HOME``; default env ``NEO4J_HOME``.
        min_rows: the ``auto`` threshold.

    ``decision`` holds, after the call, ``route`` (``import`` or ``bolt``), ``reason_zh``, ``reason_en`` and, for
    an import, ``seconds`` (CSV, stop, import, start, schema).
    """

    mode: Mode = "auto"
    home: Path | None = None
    min_rows: int = IMPORT_MIN_ROWS
    decision: dict[str, Any] = field(default_factory=dict)

    def __call__(self, store: Store, rows: int) -> ParkedWriter | None:
        """Choose the writer for ``rows`` rows into ``store``: the import writer, or None (Bolt)."""
        if not isinstance(store, Neo4jStore):
            return None  # the embedded store has its own bulk path; nothing to say
        chosen = self._check(store, rows)
        if not isinstance(chosen[0], LocalServer):
            zh, en = str(chosen[0]), str(chosen[1])
            if self.mode == "always":
                raise said(StoreError, f"无法批量导入(--neo4j-import always):{zh}", f"cannot bulk-import "
                           f"(--neo4j-import always): {en}")
            self.decision = {"route": "bolt", "reason_zh": zh, "reason_en": en}
            return None
        server, database = chosen[0], str(chosen[1])
        self.decision = {
            "route": "import",
            "reason_zh": f"首次导入空数据库 {database!r}({rows:,} 行,本机服务器 {server.home}):"
                         "用 neo4j-admin database import,期间服务器停止约一分钟",
            "reason_en": f"first load into the empty database {database!r} ({rows:,} rows, local server "
                         f"{server.home}): neo4j-admin database import, the server stops for about a minute",
        }
        return partial(self._write, server=server, database=database)

    def _check(self, store: Neo4jStore, rows: int) -> tuple[LocalServer, str] | tuple[str, str]:
        """The server and database to import into, or why not (zh, en)."""
        if self.mode == "never":
            return "按 --neo4j-import never 经 Bolt 写入", "--neo4j-import never: written over Bolt"
        if self.mode == "auto" and rows < self.min_rows:
            return (f"{rows:,} 行少于批量导入门槛 {self.min_rows:,} 行,经 Bolt 写入",
                    f"{rows:,} rows, below the bulk-import threshold of {self.min_rows:,}: written over Bolt")
        home = self.home or _env_home()
        if home is None:
            return ("不知道服务器的 Neo4j 目录(用 --neo4j-home 或环境变量 NEO4J_HOME 指定),经 Bolt 写入",
                    "no Neo4j home known (pass --neo4j-home or set NEO4J_HOME): written over Bolt")
        try:
            server = LocalServer.of(home)
        except (StoreError, OSError, ValueError) as exc:
            return f"{home} 不是可用的 Neo4j 目录({exc}),经 Bolt 写入", f"{home} is no usable Neo4j home ({exc}): " \
                "written over Bolt"
        if not server.serves(store.uri):
            return (f"{store.uri} 不是本机 {home} 的服务器(其 Bolt 端口 {server.port}),经 Bolt 写入",
                    f"{store.uri} is not the local server of {home} (its Bolt port is {server.port}): "
                    "written over Bolt")
        if server.pid() is None:
            return (f"{home} 的服务器未在运行(无有效的 neo4j.pid),经 Bolt 写入",
                    f"the server of {home} is not running (no live neo4j.pid): written over Bolt")
        database = str(store.query("CALL db.info() YIELD name RETURN name").loc[0, "name"])
        if not store.query("MATCH (n) RETURN 1 AS x LIMIT 1").empty:
            return (f"数据库 {database!r} 不是空的(批量导入只用于首次导入),经 Bolt 写入",
                    f"the database {database!r} is not empty (the bulk import is for a first load only): "
                    "written over Bolt")
        other = sorted(str(r["n"]) for r in store.rows(
            "SHOW INDEXES YIELD name, type WHERE type <> 'LOOKUP' AND NOT name STARTS WITH 'guanlian_' "
            "RETURN name AS n"))
        if other:
            return (f"数据库 {database!r} 有其他索引或约束 {other},导入会删除它们,经 Bolt 写入",
                    f"the database {database!r} has other indexes or constraints {other} that an "
                    "import would drop: written over Bolt")
        return server, database

    def _write(self, store: Store, parked: list[Parked] | tuple[Parked, ...] | Any, conflicts: list[Conflict],
               paid_pairs: set[tuple[str, str, str]] | None, *, server: LocalServer, database: str) -> None:
        """Write ``parked`` as import CSVs (shaped as the Bolt writer shapes them), stop the server, import,
        start it, wait for the database and create the schema again."""
        assert isinstance(store, Neo4jStore)
        seconds: dict[str, float] = {}
        t0 = time.perf_counter()
        folder = Path(tempfile.mkdtemp(prefix="guanlian-neo4j-import-"))
        try:
            files, nodes, rels = _write_files(parked, folder, conflicts, paid_pairs)
            seconds["csv"] = time.perf_counter() - t0
            if not store.query("MATCH (n) RETURN 1 AS x LIMIT 1").empty:  # someone wrote meanwhile
                raise said(StoreError, f"数据库 {database!r} 在解析期间被写入,未导入;请重新运行 load",
                           f"the database {database!r} was written to while the files were parsed; nothing was "
                           "imported; run load again")
            _import(store, server, database, files, seconds)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        got = store.counts()
        m = model()
        got_nodes = sum(got[k] for k in m.node_names)
        got_rels = sum(got[k] for k in m.edge_names)
        if (got_nodes, got_rels) != (nodes, rels):
            raise said(StoreError, f"批量导入后数据库有 {got_nodes:,} 个节点、{got_rels:,} 条关系,应为 {nodes:,} 和 {rels:,}",
                       f"after the bulk import the database holds {got_nodes:,} nodes and {got_rels:,} "
                       f"relationships instead of {nodes:,} and {rels:,}")
        self.decision["seconds"] = {k: round(v, 3) for k, v in seconds.items()}


def _write_files(parked: Any, folder: Path, conflicts: list[Conflict],
                 paid_pairs: set[tuple[str, str, str]] | None) -> tuple[list[Path], int, int]:
    """Import CSVs of every parked kind (nodes in model order, then edges), one kind in memory at a time.

    Rows are merged and typed by the same functions as the Bolt writer, and edges are checked as it checks them
    (allowed endpoint kinds, endpoint nodes present). Returns the files, and the nodes and relationships in them.
    """
    m = model()
    todo = [("nodes", k) for k in m.node_names] + [("edges", k) for k in m.edge_names]
    todo = [(side, kind) for side, kind in todo if any(p.has(side, kind) for p in parked)]
    keys: dict[str, pa.Array] = {}
    files: list[Path] = []
    n_nodes = n_rels = 0
    with progress_task("写入导入文件 / writing import files", total=len(todo)) as bar:
        for side, kind in todo:
            bar.describe(f"写入 {kind} / writing {kind}")
            rows = pd.concat([f for p in parked for f in p.take_all(side, kind)], ignore_index=True)
            if side == "nodes":
                nk = m.node(kind)
                frame = prepare_nodes(nk, rows, conflicts)
                del rows
                if not frame.empty:
                    path = folder / f"nodes_{kind}.csv"
                    n_nodes += write_csv(path, node_header(nk), frame, [str(p.type) for p in nk.all_props], kind)
                    files.append(path)
                    keys[kind] = pa.array(frame["key"].astype(str).to_numpy(dtype=object), pa.string())
            else:
                ek = m.edge(kind)
                if kind == "PAYMENT" and paid_pairs is not None:
                    note_paid_pairs(rows, paid_pairs)
                frame = prepare_edges(ek, rows, conflicts)
                del rows
                types = ["string", "string", *(p.type for p in ek.all_props)]
                for (src_kind, dst_kind), part in frame.groupby(["src_kind", "dst_kind"], sort=False):
                    pair = (str(src_kind), str(dst_kind))
                    if pair not in ek.endpoints:
                        raise said(StoreError, f"{ek.name} 不能连接 {pair[0]} 与 {pair[1]};允许:{list(ek.endpoints)}",
                                   f"{ek.name} cannot join {pair[0]} to {pair[1]}; allowed: {list(ek.endpoints)}")
                    _check_ends(ek.name, pair, part, keys)
                    path = folder / f"rels_{kind}_{pair[0]}_{pair[1]}.csv"
                    n_rels += write_csv(path, edge_header(ek, *pair), part[["src", "dst", *edge_columns(ek)]],
                                        types, kind)
                    files.append(path)
            bar.advance()
    return files, n_nodes, n_rels


def _check_ends(kind: str, pair: tuple[str, str], part: pd.DataFrame, keys: dict[str, pa.Array]) -> None:
    """Raise as the Bolt writer does when edges name endpoint nodes that are not written."""
    missing = 0
    for col, node_kind in (("src", pair[0]), ("dst", pair[1])):
        ends = pa.array(part[col].astype(str).to_numpy(dtype=object), pa.string())
        known = keys.get(node_kind, pa.array([], pa.string()))
        missing = max(missing, len(part) - int(pc.sum(pc.is_in(ends, value_set=known)).as_py() or 0))
    if missing:
        raise said(StoreError, f"{kind}:{len(part)} 条 {pair[0]}->{pair[1]} 关系中有 {missing} 条的端点不在存储中。"
                   "修复:先写入节点,再写关系",
                   f"{kind}: {missing} of {len(part)} {pair[0]}->{pair[1]} edges name endpoint nodes that are not in "
                   "the store. Fix: upsert the nodes before the edges")


def _import(store: Neo4jStore, server: LocalServer, database: str, files: list[Path],
            seconds: dict[str, float]) -> None:
    """Stop the server, import ``files`` into ``database``, start it again and recreate the schema.

    The database's folders are moved aside first and put back if the import or the restart fails, so a failed
    import leaves the empty database it found (and a running server), and says so.
    """
    t = time.perf_counter()
    with progress_phase("停止 Neo4j 服务器 / stopping the Neo4j server"):
        server.stop()
    seconds["stop"] = time.perf_counter() - t
    aside = [(d, d.with_name(d.name + _SET_ASIDE)) for d in server.database_dirs(database)]

    def put_back() -> None:
        for d, kept in aside:
            if kept.exists():  # only what was moved aside replaces what the importer left
                shutil.rmtree(d, ignore_errors=True)
                kept.rename(d)

    try:
        for d, kept in aside:
            shutil.rmtree(kept, ignore_errors=True)
            if d.exists():
                d.rename(kept)
        t = time.perf_counter()
        with progress_phase("neo4j-admin 批量导入 / neo4j-admin import"):
            run_import(server.home, files, database, conf=server.conf)
        seconds["import"] = time.perf_counter() - t
        t = time.perf_counter()
        with progress_phase("启动 Neo4j 服务器 / starting the Neo4j server"):
            server.start()
            store.reconnect()
        seconds["start"] = time.perf_counter() - t
    except BaseException as exc:  # Ctrl-C included: the server must not stay stopped with a broken database
        detail = (str(exc) or type(exc).__name__)[:300]
        try:
            server.stop()
            put_back()
            server.start()
            store.reconnect()
        except (StoreError, OSError, subprocess.SubprocessError) as again:
            raise said(StoreError,
                       f"批量导入失败({detail}),恢复也失败({again}):服务器 {server.home} 可能已停止,"
                       f"导入前的空数据库在 {aside[0][1]}。修复:把它移回 {aside[0][0]} 后启动服务器",
                       f"the bulk import failed ({detail}) and so did the recovery ({again}): the server of "
                       f"{server.home} may be stopped; the empty database from before is in {aside[0][1]}. Fix: "
                       f"move it back to {aside[0][0]} and start the server") from exc
        if not isinstance(exc, Exception):
            raise
        raise said(StoreError,
                   f"批量导入失败,未写入任何数据:{detail}。服务器已重新启动,数据库仍是导入前的空库。"
                   "修复:查看原因,或用 --neo4j-import never 经 Bolt 导入",
                   f"the bulk import failed and wrote nothing: {detail}. The server was started again with the "
                   "empty database it had. Fix: see the reason, or load over Bolt with --neo4j-import never") from exc
    for _d, kept in aside:
        shutil.rmtree(kept, ignore_errors=True)
    t = time.perf_counter()
    with progress_phase("建立索引 / creating indexes"):
        store.ensure_schema()
    seconds["schema"] = time.perf_counter() - t
