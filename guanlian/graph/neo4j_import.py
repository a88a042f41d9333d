"""Export a store as CSV files for ``neo4j-admin database import full`` (the offline bulk loader).

One node file per node kind and one relationship file per (edge kind, source kind, target kind), written
with the import tool's typed headers:

* nodes: ``key:ID(Person)`` (one id space per kind, so keys only need to be unique within a kind; the column
  is also stored as property ``key``), typed property columns (``:long``, ``:double``, ``:boolean``; strings
  untyped) and ``:LABEL``;
* relationships: ``:START_ID(Unit)``, ``:END_ID(Company)``, typed property columns and ``:TYPE``.

Integers and floats are written as ``long``/``double``, the types the Bolt path stores for Python ints and
floats, so a bulk-imported graph and an upserted one are the same graph. Missing values are empty unquoted
fields (no property); strings are always quoted, so an empty string stays an empty string. Fields may hold
line breaks, hence ``--multiline-fields=true`` in the command.

Example:
    >>> import tempfile
    >>> from guanlian.graph import open_store
    >>> work = Path(tempfile.mkdtemp())
    >>> paths = export_neo4j_import(open_store(work / "store"), work / "neo4j-import")
    >>> paths[-1].name  # holds the neo4j-admin command
    'neo4j-admin-import.sh'
"""

from __future__ import annotations

import math
import os
import re
import shlex
import signal
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from guanlian.graph.store import Store, StoreError
from guanlian.model import EdgeKind, NodeKind, Prop, model
from guanlian.progress import start
from guanlian.values.vocab import said

COMMAND_FILE = "neo4j-admin-import.sh"

_HEADER_TYPES = {"string": "", "int": ":long", "float": ":double", "bool": ":boolean", "strings": ":string[]"}
ARRAY_DELIMITER = "\x1f"
"""Separates the items of a list property in one CSV field (a control character no source value holds)."""
NULL_MARK = "\\N"
"""An array item neo4j-admin import reads as null whatever the quoting."""


def _field(value: Any, prop_type: str) -> str:
    """One CSV field in the import tool's syntax ('' = no property)."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    if prop_type == "strings":
        items = [str(v) for v in value] if isinstance(value, (list, tuple)) else [str(value)]
        return '"' + ARRAY_DELIMITER.join(items).replace('"', '""') + '"'
    if prop_type == "string":
        return '"' + str(value).replace('"', '""') + '"'
    if prop_type == "bool":
        return "true" if bool(value) else "false"
    if prop_type == "int":
        return str(int(value))
    f = float(value)
    if math.isinf(f):
        return "Infinity" if f > 0 else "-Infinity"
    return repr(f)


def _write(path: Path, header: list[str], frame: pd.DataFrame, types: list[str], tail: str) -> None:
    """Write ``frame`` (columns in ``types`` order) with a constant last column ``tail`` (label or type)."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(",".join(header) + "\n")
        cols = [frame[c].astype(object).tolist() for c in frame.columns]
        for row in zip(*cols, strict=True):
            fh.write(",".join(_field(v, t) for v, t in zip(row, types, strict=True)) + "," + tail + "\n")


def _prop_header(p: Prop) -> str:
    return p.name + _HEADER_TYPES[p.type]


def _node_query(kind: NodeKind) -> str:
    cols = ", ".join(f"n.{p.name} AS {p.name}" for p in kind.all_props)
    return f"MATCH (n:{kind.name}) RETURN {cols} ORDER BY n.key"


def _edge_query(kind: EdgeKind, src: str, dst: str) -> str:
    cols = ", ".join(f"e.{p.name} AS {p.name}" for p in kind.all_props)
    return (
        f"MATCH (a:{src})-[e:{kind.name}]->(b:{dst}) RETURN a.key AS src, b.key AS dst, {cols} ORDER BY e.key"
    )


def import_command(files: list[Path], database: str = "neo4j") -> list[str]:
    """The ``neo4j-admin database import full`` argument list for files written by :func:`export_neo4j_import`.

    Args:
        files: CSV paths (node files are those whose name starts with ``nodes_``).
        database: target database name (must not exist or be empty; stop it first).

    Returns:
        argv, starting with ``neo4j-admin``.
    """
    nodes = [f"--nodes={p}" for p in files if p.name.startswith("nodes_")]
    rels = [f"--relationships={p}" for p in files if p.name.startswith("rels_")]
    # The database name goes first: the file-list options take every following bare word as another file.
    return [
        "neo4j-admin",
        "database",
        "import",
        "full",
        database,
        "--id-type=string",
        "--multiline-fields=true",
        "--array-delimiter=U+001F",
        "--overwrite-destination=true",
        *nodes,
        *rels,
    ]


def export_neo4j_import(store: Store, out_dir: Path, database: str = "neo4j") -> list[Path]:
    """Write every node and edge of ``store`` as ``neo4j-admin database import`` CSV files.

    Args:
        store: any store (embedded or Neo4j); read with portable Cypher.
        out_dir: folder to write into (created if missing; existing files of the same names are replaced).
        database: database name put into the generated command.

    Returns:
        The CSV files (nodes first, then relationships; kinds without rows are skipped), and last the shell
        script ``neo4j-admin-import.sh`` holding the import command (paths relative to the script's folder).

    Example:
        >>> import tempfile
        >>> from guanlian.graph import open_store
        >>> work = Path(tempfile.mkdtemp())
        >>> files = export_neo4j_import(open_store(work / "store"), work / "import")
        >>> files[-1].name
        'neo4j-admin-import.sh'
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    m = model()
    written: list[Path] = []
    bar = start("导出表 / exporting tables", total=len(m.nodes) + sum(len(ek.endpoints) for ek in m.edges))
    for nk in m.nodes:
        bar.advance()
        frame = store.query(_node_query(nk))
        if frame.empty:
            continue
        path = out_dir / f"nodes_{nk.name}.csv"
        header = [f"key:ID({nk.name})", *(_prop_header(p) for p in nk.all_props[1:]), ":LABEL"]
        _write(path, header, frame, [p.type for p in nk.all_props], nk.name)
        written.append(path)
    for ek in m.edges:
        for src, dst in ek.endpoints:
            bar.advance()
            frame = store.query(_edge_query(ek, src, dst))
            if frame.empty:
                continue
            path = out_dir / f"rels_{ek.name}_{src}_{dst}.csv"
            header = [
                f":START_ID({src})",
                f":END_ID({dst})",
                *(_prop_header(p) for p in ek.all_props),
                ":TYPE",
            ]
            _write(path, header, frame, ["string", "string", *(p.type for p in ek.all_props)], ek.name)
            written.append(path)
    bar.close()
    argv = import_command([Path(p.name) for p in written], database)
    script = out_dir / COMMAND_FILE
    script.write_text(
        "#!/usr/bin/env bash\n"
        "# Bulk-load these CSV files into an EMPTY database of a STOPPED Neo4j 5 server:\n"
        "#   NEO4J_HOME=/path/to/neo4j bash neo4j-admin-import.sh   (then start the server)\n"
        "set -euo pipefail\n"
        'cd "$(dirname "${BASH_SOURCE[0]}")"\n'
        'exec "${NEO4J_HOME:+$NEO4J_HOME/bin/}"' + shlex.join(argv) + "\n",
        encoding="utf-8",
    )
    script.chmod(0o755)
    return [*written, script]


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What ``neo4j-admin database import`` reported."""

    nodes: int
    relationships: int
    properties: int
    seconds: float
    output: str


def prepare_home(
    home: Path,
    dist: Path,
    *,
    heap: str = "512m",
    pagecache: str = "256m",
    auth: bool = True,
    jvm_options: Sequence[str] = (),
) -> Path:
    """Lay out a throwaway ``NEO4J_HOME`` (own conf and data, ``lib``/``bin`` linked to ``dist``).

    Args:
        home: folder to create (its data folder is where the import writes).
        dist: an assembled distribution (``scripts/neo4j-server dist`` prints it).
        heap: JVM heap if a server is later started from this home.
        pagecache: page cache for that server.
        auth: ``False`` turns authentication off (a throwaway server for a test).
        jvm_options: extra JVM flags for that server (``server.jvm.additional``), e.g.
            ``-XX:TieredStopAtLevel=1`` for a short-lived test server (about half the start-up and
            first-query time on 2 cores, measured).

    Returns:
        ``home``.
    """
    for sub in ("conf", "data", "logs", "run", "import", "plugins"):
        (home / sub).mkdir(parents=True, exist_ok=True)
    for sub in ("lib", "bin"):
        link = home / sub
        if not link.exists():
            link.symlink_to(dist / sub)
    (home / "conf" / "neo4j.conf").write_text(
        "\n".join(
            [
                "server.default_listen_address=127.0.0.1",
                "server.http.enabled=false",
                "server.https.enabled=false",
                "dbms.usage_report.enabled=false",
                f"dbms.security.auth_enabled={'true' if auth else 'false'}",
                f"server.memory.heap.initial_size={heap}",
                f"server.memory.heap.max_size={heap}",
                f"server.memory.pagecache.size={pagecache}",
                *(f"server.directories.{d}={home / d}" for d in ("data", "logs", "run", "import", "plugins")),
                *(f"server.jvm.additional={opt}" for opt in jvm_options),
                "",
            ]
        ),
        encoding="utf-8",
    )
    return home


def run_import(
    home: Path,
    files: list[Path],
    database: str = "neo4j",
    *,
    max_off_heap: str = "1g",
    timeout_s: float = 1800,
    conf: Path | None = None,
) -> ImportReport:
    """Run ``bin/neo4j-admin database import full`` of ``home`` on ``files`` (written by export_neo4j_import).

    Args:
        home: a Neo4j home (e.g. from :func:`prepare_home`); the server using it must be stopped.
        files: the paths returned by :func:`export_neo4j_import` (the script entry is ignored).
        database: target database (replaced).
        max_off_heap: memory cap for the importer.
        timeout_s: give up after this long.
        conf: the configuration folder (default ``home/conf``), as env ``NEO4J_CONF`` names it.

    Returns:
        The counts the importer reported and the wall time.

    Raises:
        StoreError: the importer failed (message names its output tail).
    """
    csvs = [p.resolve() for p in files if p.suffix == ".csv"]
    argv = import_command(csvs, database)
    argv[0] = str(home / "bin" / "neo4j-admin")
    argv.insert(5, f"--max-off-heap-memory={max_off_heap}")
    # The importer writes its report of bad entries into the working folder unless told where: beside the files.
    report_dir = csvs[0].parent if csvs else Path.cwd()
    argv.insert(5, f"--report-file={report_dir / 'import.report'}")
    env = {**os.environ, "NEO4J_HOME": str(home), "NEO4J_CONF": str(conf or home / "conf"), "HEAP_SIZE": "512m"}
    t0 = time.perf_counter()
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=timeout_s, check=False)
    seconds = time.perf_counter() - t0
    out = proc.stdout + proc.stderr
    found = {
        k: int(v.replace(",", "")) for v, k in re.findall(r"([\d,]+) (nodes|relationships|properties)\b", out)
    }
    if proc.returncode != 0 or "IMPORT DONE" not in out:
        lines = [ln.strip() for ln in out.splitlines() if ln.strip() and not ln.lstrip().startswith("at ")]
        tail = " | ".join(lines[-4:])
        raise StoreError(f"neo4j-admin import failed (exit {proc.returncode}): {tail}")
    return ImportReport(
        found.get("nodes", 0), found.get("relationships", 0), found.get("properties", 0), seconds, out
    )


# -- import files from frames (the load's own rows, not a store) ------------------------------------------------


def _quoted(text: pa.Array) -> pa.Array:
    """Strings quoted for the import tool's CSV (``"`` doubled); nulls stay null."""
    escaped = pc.replace_substring(text, '"', '""')
    return pc.binary_join_element_wise('"', escaped, '"', "")


def _csv_column(values: pd.Series, prop_type: str) -> pa.Array:
    """One column as CSV fields, the same text :func:`_field` writes for each value ('' = no property).

    Empty lists are no property, as on the Bolt path (which leaves them out of the property map).
    """
    if prop_type == "strings":
        lists = [v if isinstance(v, list) and v else None for v in values.tolist()]
        items = pa.array(lists, type=pa.list_(pa.string()))
        if pc.any(pc.equal(pc.list_flatten(items), NULL_MARK)).as_py():
            raise said(StoreError, f"列表属性中有值 {NULL_MARK!r}:neo4j-admin import 会把它读成空值。修复:用 "
                       "--neo4j-import never 经 Bolt 导入",
                       f"a list property holds the value {NULL_MARK!r}, which neo4j-admin import reads as null. "
                       "Fix: load over Bolt with --neo4j-import never")
        out = _quoted(pc.binary_join(items, ARRAY_DELIMITER))
    elif prop_type == "string":
        out = _quoted(pa.array(values.to_numpy(dtype=object), type=pa.string(), from_pandas=True))
    elif prop_type == "bool":
        arr = pa.array(values.astype("boolean"), type=pa.bool_(), from_pandas=True)
        out = pc.if_else(arr, "true", "false")
    elif prop_type == "int":
        arr = pa.array(values.astype("Int64"), type=pa.int64(), from_pandas=True)
        out = pc.cast(arr, pa.string())
    else:
        arr = pa.array(values.astype("float64"), type=pa.float64(), from_pandas=True)
        arr = pc.if_else(pc.is_nan(arr), pa.scalar(None, pa.float64()), arr)
        # shortest round-trip text (the same double comes back); infinities in the importer's spelling
        out = pc.cast(arr, pa.string())
        out = pc.replace_substring_regex(out, "^inf$", "Infinity")
        out = pc.replace_substring_regex(out, "^-inf$", "-Infinity")
    return pc.fill_null(out, "")


def write_csv(path: Path, header: list[str], frame: pd.DataFrame, types: Sequence[str], tail: str) -> int:
    """Write ``frame`` (columns in ``types`` order) as one import CSV with a constant last column ``tail``
    (the label or relationship type), column by column with Arrow. Returns the rows written.

    Example:
        >>> import tempfile
        >>> p = Path(tempfile.mkdtemp()) / "nodes_Unit.csv"
        >>> write_csv(p, ["key:ID(Unit)", "name", ":LABEL"], pd.DataFrame({"key": ["u1"], "name": ['甲"局']}),
        ...           ["string", "string"], "Unit")
        1
        >>> p.read_text(encoding="utf-8").splitlines()[1]
        '"u1","甲""局",Unit'
    """
    cols = [_csv_column(frame[c], t) for c, t in zip(frame.columns, types, strict=True)]
    lines = pc.binary_join_element_wise(*cols, pa.array([tail] * len(frame), pa.string()), ",")
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(",".join(header) + "\n")
        for start in range(0, len(lines), 100_000):
            part = lines.slice(start, 100_000).to_pylist()
            fh.write("\n".join(part) + "\n")
    return len(frame)


def node_header(kind: NodeKind) -> list[str]:
    """The import header of a node file of ``kind`` (its rows: ``node_columns(kind)``, then the label)."""
    return [f"key:ID({kind.name})", *(_prop_header(p) for p in kind.all_props[1:]), ":LABEL"]


def edge_header(kind: EdgeKind, src: str, dst: str) -> list[str]:
    """The import header of a relationship file of ``kind`` from ``src`` to ``dst`` nodes."""
    return [f":START_ID({src})", f":END_ID({dst})", *(_prop_header(p) for p in kind.all_props), ":TYPE"]


# -- the local server a bulk load stops, imports into and starts again ------------------------------------------


_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})


def _conf_values(conf_file: Path) -> dict[str, str]:
    """``key=value`` settings of a ``neo4j.conf`` (the last of a repeated key wins, as for the server)."""
    out: dict[str, str] = {}
    for line in conf_file.read_text(encoding="utf-8", errors="replace").splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            k, v = line.split("=", 1)
            out[k.strip()] = v.strip()
    return out


@dataclass(frozen=True, slots=True)
class LocalServer:
    """A Neo4j server on this machine, known by its ``NEO4J_HOME`` (``bin/neo4j``, ``bin/neo4j-admin``, ``conf/``).

    Build it with :meth:`of`; :meth:`serves` tells whether it is the server at a Bolt URI.
    """

    home: Path
    conf: Path
    port: int
    data: Path
    transactions: Path
    run: Path

    @classmethod
    def of(cls, home: Path) -> LocalServer:
        """Read ``home``'s configuration (env ``NEO4J_CONF`` when set, else ``home/conf``).

        Raises:
            StoreError: ``home`` has no ``bin/neo4j-admin`` or no ``neo4j.conf``.
        """
        home = Path(home).expanduser().resolve()
        conf = Path(os.environ.get("NEO4J_CONF") or home / "conf")
        if not (home / "bin" / "neo4j-admin").exists() or not (conf / "neo4j.conf").is_file():
            raise StoreError(f"{home} is not a Neo4j home (no bin/neo4j-admin or conf/neo4j.conf)")
        values = _conf_values(conf / "neo4j.conf")
        listen = values.get("server.bolt.listen_address", ":7687")
        port = int(listen.rsplit(":", 1)[1]) if ":" in listen else 7687

        def folder(key: str, default: Path) -> Path:
            v = values.get(key)
            return (home / v if not Path(v).is_absolute() else Path(v)) if v else default

        data = folder("server.directories.data", home / "data")
        tx = folder("server.directories.transaction.logs.root", data / "transactions")
        run = folder("server.directories.run", home / "run")
        return cls(home, conf, port, data, tx, run)

    def serves(self, uri: str) -> bool:
        """Whether ``uri`` names this server: a loopback host and the Bolt port of its configuration."""
        rest = re.sub(r"^[a-z0-9+.-]+://", "", uri.lower()).split("/")[0].split("@")[-1]
        host, _, port = rest.rpartition(":")
        if not host:
            host, port = rest, "7687"
        return host in _LOOPBACK and port.isdigit() and int(port) == self.port

    def pid(self) -> int | None:
        """The server's process id when it runs (its pid file names a live process), else None."""
        try:
            pid = int((self.run / "neo4j.pid").read_text().strip())
            os.kill(pid, 0)
        except (OSError, ValueError):
            return None
        return pid

    def _env(self) -> dict[str, str]:
        return {**os.environ, "NEO4J_HOME": str(self.home), "NEO4J_CONF": str(self.conf)}

    def stop(self, timeout_s: float = 120) -> None:
        """Stop the server cleanly (SIGTERM, what ``bin/neo4j stop`` sends, without that command's own JVM start:
        about half the time) and return when its process is gone; its pid file is removed.

        Raises:
            StoreError: it is still running after ``timeout_s``.
        """
        pid = self.pid()
        if pid is None:
            return
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except OSError:
                (self.run / "neo4j.pid").unlink(missing_ok=True)
                return
            time.sleep(0.2)
        raise StoreError(f"the Neo4j server (pid {pid}) did not stop within {timeout_s:.0f} s")

    def start(self) -> None:
        """Start the server in the background (``bin/neo4j start``; Bolt answers some seconds later).

        Raises:
            StoreError: the start command failed (its output's tail is in the message).
        """
        # its own session: a Ctrl-C meant for guanlian must not reach the server it leaves running
        proc = subprocess.run([str(self.home / "bin" / "neo4j"), "start"], env=self._env(), capture_output=True,
                              text=True, timeout=300, check=False, start_new_session=True)
        if proc.returncode != 0:
            tail = " | ".join((proc.stdout + proc.stderr).strip().splitlines()[-3:])
            raise StoreError(f"neo4j start failed (exit {proc.returncode}): {tail}")

    def database_dirs(self, database: str) -> list[Path]:
        """The store folder and the transaction-log folder of ``database``."""
        return [self.data / "databases" / database, self.transactions / database]
