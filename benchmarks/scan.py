"""Scan speed: every saved query and the findings build, on generated demo worlds, embedded and Neo4j.

For each size the demo world is generated once (``guanlian.demo.generate``), loaded
(``guanlian.loaders.load_files``) and matched (``guanlian.matching.matcher.match_store``) into the embedded
store; those steps are cached under ``--cache`` and are not part of the measurement (a store is reused only if
``store/.matched`` exists, which is written after matching, so an interrupted run never leaves a cache without
fuzzy links). Then ``guanlian.queries.scan`` runs ``--repeat`` times and the best time per query is reported
(the first run also warms the engine's caches).

With ``--neo4j`` the same sizes (or ``--neo4j-sizes``) are also scanned on Neo4j 5, and the benchmark checks
that both engines give the same findings (ids, query ids and confidence of every finding); a difference is
printed and makes the exit status 1. The table has one column per engine and a ratio column (Neo4j time /
embedded time).

Which server: by default a **private instance** run by ``scripts/neo4j-server`` with
``GUANLIAN_NEO4J_HOME=--neo4j-home`` (default ``<cache>/neo4j-home``; own port, data and password
``guanlian-bench``; heap ``--neo4j-heap``, page cache ``--neo4j-pagecache``), so the shared server the tests
use is never touched; it is stopped at the end unless ``--keep-server``. ``--neo4j-uri`` uses an existing
server instead (env NEO4J_USER / NEO4J_PASSWORD; its database is **replaced**; Bolt fill only).

How Neo4j is filled (``--neo4j-fill``):

* ``import``: the matched embedded store is exported with ``guanlian.graph.neo4j_import.export_neo4j_import``
  (what ``guanlian export-neo4j-import`` does), the private server is stopped, ``neo4j-admin database import
  full`` replaces its ``neo4j`` database, the server is started and ``Neo4jStore.ensure_schema`` creates the
  key constraints and indexes (the import creates none). Both engines then hold the same graph, so the
  comparison is of the query engines alone. 1M rows: minutes instead of ~25 min over Bolt.
* ``bolt``: ``load_files`` + ``match_store`` run again against Neo4j through ``Neo4jStore`` (the loaders and
  the matcher on Neo4j are part of what is compared). Slow for 100k rows and more.
* ``auto`` (default): ``bolt`` for tiny and small, ``import`` for medium and large.

``--neo4j-reuse`` (import fill only) skips export and import when the private server already holds a graph
with exactly the embedded store's node and edge counts (e.g. re-measuring after a query change).

Export, import, server start and index creation are timed and printed (not part of the scan times).

Usage:
    python benchmarks/scan.py [--sizes small medium large] [--repeat 2] [--cache .cache/bench]
                              [--neo4j [--neo4j-sizes large] [--neo4j-fill auto|import|bolt]
                               [--neo4j-heap 1g] [--neo4j-pagecache 1g] [--neo4j-home DIR] [--keep-server]
                               [--neo4j-reuse]
                               [--neo4j-uri bolt://…]]
                              [--write-docs docs/benchmarks.md --docs-title "…"]

``--write-docs`` appends the result as a new ``###`` subsection at the end of the file's ``## Scan`` section
(the file is re-read just before writing; other sections are left as they are).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from machine import describe  # benchmarks/machine.py (scripts run from this folder)

from guanlian.demo import generate
from guanlian.graph.ladybug import LadybugStore
from guanlian.graph.neo4j import Neo4jStore
from guanlian.graph.neo4j_import import export_neo4j_import, run_import
from guanlian.graph.store import Store
from guanlian.loaders import load_files
from guanlian.matching.matcher import match_store
from guanlian.queries import Library, scan

ROOT = Path(__file__).resolve().parents[1]
SERVER_SCRIPT = ROOT / "scripts" / "neo4j-server"
BENCH_PASSWORD = "guanlian-bench"
MATCHED = ".matched"


def prepare(size: str, cache: Path) -> tuple[Path, list[Path], int]:
    """Generated files for ``size`` (cached) and the number of data rows."""
    out = cache / f"demo_{size}"
    manifest_json = out / "bench_manifest.json"
    if not manifest_json.exists():
        t0 = time.perf_counter()
        m = generate(out, size=size, seed=7)
        manifest_json.write_text(json.dumps({"files": [str(p) for p, _ in m.files],
                                             "rows": sum(m.row_counts.values())}))
        print(f"[{size}] generated in {time.perf_counter() - t0:.1f}s", flush=True)
    info = json.loads(manifest_json.read_text())
    return out, [Path(p) for p in info["files"]], int(info["rows"])


def load(store: Store, files: list[Path], label: str) -> None:
    t0 = time.perf_counter()
    load_files(store, files)
    t1 = time.perf_counter()
    match_store(store)
    print(f"[{label}] loaded in {t1 - t0:.1f}s, matched in {time.perf_counter() - t1:.1f}s", flush=True)


def embedded_store(out: Path, files: list[Path], size: str) -> LadybugStore:
    """The cached, matched embedded store of ``size`` (rebuilt when no ``.matched`` marker says it is whole)."""
    store_dir = out / "store"
    if store_dir.exists() and not (store_dir / MATCHED).exists():
        print(f"[{size} embedded] cached store has no {MATCHED} marker (interrupted run?): rebuilding", flush=True)
        shutil.rmtree(store_dir)
    fresh = not store_dir.exists()
    store = LadybugStore(store_dir)
    if fresh:
        load(store, files, f"{size} embedded")
        (store_dir / MATCHED).write_text(time.strftime("%Y-%m-%dT%H:%M:%S"))
    return store


@dataclass
class Measured:
    """Best seconds per query id plus ``(findings)`` and ``total``, and what the last scan found."""

    seconds: dict[str, float] = field(default_factory=dict)
    findings: dict[str, tuple[tuple[str, ...], str]] = field(default_factory=dict)  # id -> (queries, confidence)
    load: tuple[float, float] = (0.0, 0.0)  # 1-minute load average before and after


def measure(store: Store, repeat: int) -> Measured:
    """Scan ``repeat`` times; keep the best time per query."""
    lib = Library.load()
    res = Measured()
    before = os.getloadavg()[0]
    for _ in range(repeat):
        t0 = time.perf_counter()
        doc = scan(store, library=lib)
        total = time.perf_counter() - t0
        for r in doc.query_runs:
            res.seconds[r.id] = min(res.seconds.get(r.id, 1e9), r.seconds)
        res.seconds["total"] = min(res.seconds.get("total", 1e9), total)
        res.findings = {f.id: (tuple(sorted(f.queries)), f.confidence) for f in doc.findings}
    res.load = (before, os.getloadavg()[0])
    return res


def compare(size: str, emb: Measured, neo: Measured) -> str | None:
    """None when both engines found the same findings, else a short description of the difference."""
    only_e = sorted(set(emb.findings) - set(neo.findings))
    only_n = sorted(set(neo.findings) - set(emb.findings))
    differ = sorted(k for k in set(emb.findings) & set(neo.findings) if emb.findings[k] != neo.findings[k])
    if not (only_e or only_n or differ):
        return None
    return (f"[{size}] findings differ: {len(only_e)} only embedded {only_e[:5]}, {len(only_n)} only Neo4j "
            f"{only_n[:5]}, {len(differ)} with other queries/confidence {differ[:5]}")


class PrivateNeo4j:
    """A Neo4j instance of its own (``scripts/neo4j-server`` with ``GUANLIAN_NEO4J_HOME``)."""

    def __init__(self, home: Path, heap: str, pagecache: str) -> None:
        self.home = home.resolve()
        self.env = {**os.environ, "GUANLIAN_NEO4J_HOME": str(self.home), "GUANLIAN_NEO4J_HEAP": heap,
                    "GUANLIAN_NEO4J_PAGECACHE": pagecache, "NEO4J_PASSWORD": BENCH_PASSWORD,
                    "GUANLIAN_NEO4J_TIMEOUT": "600"}

    def _script(self, command: str) -> str:
        proc = subprocess.run(["bash", str(SERVER_SCRIPT), command], env=self.env, capture_output=True,
                              text=True, timeout=900, check=False)
        if proc.returncode != 0:
            raise SystemExit(f"scripts/neo4j-server {command} failed: {proc.stderr.strip()[-600:]}")
        return proc.stdout

    def start(self) -> str:
        """Start (or reuse) the server; returns its Bolt URI."""
        m = re.search(r"NEO4J_URI=(\S+)", self._script("start"))
        if not m:
            raise SystemExit("scripts/neo4j-server start printed no NEO4J_URI")
        return m.group(1).strip("'\"")

    def stop(self) -> None:
        self._script("stop")

    def connect(self, uri: str) -> Neo4jStore:
        return Neo4jStore(uri, user="neo4j", password=BENCH_PASSWORD)

    def store_size(self) -> str:
        db = self.home / "data" / "databases" / "neo4j"
        total = sum(p.stat().st_size for p in db.rglob("*") if p.is_file()) if db.exists() else 0
        return f"{total / 2**20:,.0f} MiB"


def fill_by_import(
    embedded: Store, server: PrivateNeo4j, work: Path, label: str, reuse: bool = False
) -> tuple[Neo4jStore, dict[str, float]]:
    """Export ``embedded``, bulk-import it into the stopped private server, start it, create the schema.

    With ``reuse``, a running/startable private server whose counts equal the embedded store's is used as is
    (no steps timed).
    """
    steps: dict[str, float] = {}
    if reuse and (server.home / "data" / "databases" / "neo4j").exists():
        store = server.connect(server.start())
        if store.counts() == embedded.counts():
            store.ensure_schema()
            print(f"[{label}] reusing the private server's graph (same counts as embedded)", flush=True)
            return store, steps
        store.close()
    t0 = time.perf_counter()
    if work.exists():
        shutil.rmtree(work)
    files = export_neo4j_import(embedded, work)
    steps["export"] = time.perf_counter() - t0
    csv_mb = sum(p.stat().st_size for p in files) / 2**20
    print(f"[{label}] exported {len(files) - 1} CSV files ({csv_mb:,.0f} MiB) in {steps['export']:.1f}s", flush=True)
    if not (server.home / "data" / "databases" / "system").exists():
        server.start()  # first use: sets the password and creates the system database
    server.stop()
    report = run_import(server.home, files, max_off_heap="1g", timeout_s=3600)
    steps["import"] = report.seconds
    print(f"[{label}] neo4j-admin import: {report.nodes:,} nodes, {report.relationships:,} relationships, "
          f"{report.properties:,} properties in {report.seconds:.1f}s wall", flush=True)
    t0 = time.perf_counter()
    uri = server.start()
    steps["start"] = time.perf_counter() - t0
    store = server.connect(uri)
    t0 = time.perf_counter()
    store.ensure_schema()
    steps["schema"] = time.perf_counter() - t0
    print(f"[{label}] server started in {steps['start']:.1f}s, constraints and indexes online in "
          f"{steps['schema']:.1f}s; store {server.store_size()}", flush=True)
    return store, steps


def table(cols: dict[str, Measured], rows: dict[str, int]) -> str:
    """Markdown: one column per measured engine/size, plus ``ratio`` (Neo4j / embedded) after a Neo4j column."""
    names = list(cols)
    heads: list[str] = []
    for c in names:
        heads.append(c)
        if c.endswith(" neo4j"):
            heads.append(f"{c.split()[0]} ratio")
    ids = [q for q in next(iter(cols.values())).seconds if q != "total"]

    def cells(q: str) -> list[str]:
        out = []
        for c in names:
            v = cols[c].seconds.get(q, float("nan"))
            out.append(f"**{v:.2f}**" if q == "total" else f"{v:.2f}")
            if c.endswith(" neo4j"):
                e = cols[f"{c.split()[0]} embedded"].seconds.get(q, float("nan"))
                r = f"{v / e:.1f}x" if e >= 0.005 else "–"
                out.append(f"**{r}**" if q == "total" else r)
        return out

    md = "| query | " + " | ".join(heads) + " |\n| --- | " + " | ".join("---:" for _ in heads) + " |\n"
    md += "".join(f"| {q} | " + " | ".join(cells(q)) + " |\n" for q in ids)
    md += "| **total scan** | " + " | ".join(cells("total")) + " |\n"

    def per_col(fn: Any) -> str:
        return " | ".join(x for c in names for x in ([fn(c)] + ([""] if c.endswith(" neo4j") else [])))

    md += "| findings | " + per_col(lambda c: f"{len(cols[c].findings):,}") + " |\n"
    md += "| load avg (before/after) | " + per_col(lambda c: "{:.1f}/{:.1f}".format(*cols[c].load)) + " |\n"
    md += "| input rows | " + per_col(lambda c: f"{rows[c.split()[0]]:,}") + " |\n"
    return md


def write_docs(path: Path, title: str, body: str) -> None:
    """Append ``### title`` + ``body`` at the end of the ``## Scan`` section of ``path`` (re-read now)."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    block = f"### {title}\n\n{body.rstrip()}\n"
    m = re.search(r"^## Scan\n.*?(?=^## |\Z)", text, flags=re.S | re.M)
    if m is None:
        text = text.rstrip("\n") + "\n\n## Scan\n\n" + block
    else:
        sec = m.group(0).rstrip("\n") + "\n\n" + block + ("\n" if m.end() < len(text) else "")
        text = text[: m.start()] + sec + text[m.end():]
    path.write_text(text, encoding="utf-8")


def main() -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--sizes", nargs="+", default=["small", "medium"])
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--cache", type=Path, default=Path(".cache/bench"))
    ap.add_argument("--neo4j", action="store_true", help="also scan on Neo4j and compare the findings")
    ap.add_argument("--neo4j-sizes", nargs="+", default=None, help="sizes for Neo4j (default: --sizes)")
    ap.add_argument("--neo4j-fill", choices=["auto", "import", "bolt"], default="auto")
    ap.add_argument("--neo4j-home", type=Path, default=None, help="private instance (default <cache>/neo4j-home)")
    ap.add_argument("--neo4j-heap", default="1g")
    ap.add_argument("--neo4j-pagecache", default="1g")
    ap.add_argument("--neo4j-uri", default=None, help="use this existing server instead (its data is replaced)")
    ap.add_argument("--keep-server", action="store_true", help="leave the private server running at the end")
    ap.add_argument("--neo4j-reuse", action="store_true", help="import fill: keep a server graph with equal counts")
    ap.add_argument("--write-docs", type=Path, default=None)
    ap.add_argument("--docs-title", default=None)
    args = ap.parse_args()
    if args.neo4j_uri and args.neo4j_fill == "import":
        ap.error("--neo4j-fill import needs the private instance (neo4j-admin writes its files); drop --neo4j-uri")
    server = PrivateNeo4j(args.neo4j_home or args.cache / "neo4j-home", args.neo4j_heap, args.neo4j_pagecache)
    cols: dict[str, Measured] = {}
    rows: dict[str, int] = {}
    notes: list[str] = []
    mismatches: list[str] = []
    used_server = False
    try:
        for size in args.sizes:
            out, files, n = prepare(size, args.cache)
            rows[size] = n
            emb = embedded_store(out, files, size)
            cols[f"{size} embedded"] = measure(emb, args.repeat)
            print(f"[{size} embedded] scan {cols[f'{size} embedded'].seconds['total']:.2f}s, "
                  f"{len(cols[f'{size} embedded'].findings)} findings", flush=True)
            if not (args.neo4j and size in (args.neo4j_sizes or args.sizes)):
                emb.close()
                continue
            fill = args.neo4j_fill
            if fill == "auto":
                fill = "bolt" if size in ("tiny", "small") or args.neo4j_uri else "import"
            label = f"{size} neo4j"
            if fill == "import":
                used_server = True
                neo, steps = fill_by_import(emb, server, out / "neo4j-csv", label, args.neo4j_reuse)
                emb.close()
                if not steps:
                    notes.append(f"{size}: Neo4j graph from an earlier neo4j-admin import (--neo4j-reuse; same counts)")
                else:
                    notes.append(
                        f"{size}: filled by neo4j-admin import — export {steps['export']:.1f} s, import "
                        f"{steps['import']:.1f} s (wall, incl. JVM start), server start {steps['start']:.1f} s, "
                        f"constraints + indexes {steps['schema']:.1f} s; Neo4j store {server.store_size()}"
                    )
            else:
                emb.close()
                if args.neo4j_uri:
                    neo = Neo4jStore(args.neo4j_uri)
                else:
                    used_server = True
                    neo = server.connect(server.start())
                neo.clear()
                neo.ensure_schema()
                t0 = time.perf_counter()
                load(neo, files, label)
                notes.append(f"{size}: filled over Bolt (load_files + match_store) in {time.perf_counter() - t0:.0f} s")
            cols[label] = measure(neo, args.repeat)
            neo.close()
            diff = compare(size, cols[f"{size} embedded"], cols[label])
            if diff:
                mismatches.append(diff)
                print(diff, flush=True)
            else:
                print(f"[{size}] same {len(cols[label].findings)} findings on both engines (ids, queries, "
                      "confidence)", flush=True)
            print(f"[{label}] scan {cols[label].seconds['total']:.2f}s", flush=True)
    finally:
        if used_server and not args.keep_server:
            server.stop()
    md = table(cols, rows)
    print(md)
    for line in notes + mismatches:
        print(line)
    if args.write_docs:
        argv, skip = [], False
        for a in sys.argv[1:]:  # the command without the docs options
            if skip or a in ("--write-docs", "--docs-title"):
                skip = not skip
                continue
            argv.append(a)
        cmd = " ".join(argv)
        same = ("Both engines give the same findings (ids, query ids and confidence) at "
                + ", ".join(c.split()[0] for c in cols if c.endswith(" neo4j")) + "."
                if not mismatches else "**Findings differ:** " + " ".join(mismatches))
        body = (
            f"Measured {time.strftime('%Y-%m-%d %H:%M')} on {describe()}, shared with other engineers' work (load "
            "average in the table). LadybugDB 0.22 embedded; Neo4j 5.26 Community, a private instance from "
            f"`scripts/neo4j-server` (heap {args.neo4j_heap}, page cache {args.neo4j_pagecache}). Command: "
            f"`python benchmarks/scan.py {cmd.strip()}`. Seconds per saved query, best of {args.repeat} scans; "
            "ratio = Neo4j / embedded.\n\n" + md + "\n" + "".join(f"* {n}\n" for n in notes) + "\n" + same + "\n"
        )
        write_docs(args.write_docs, args.docs_title or f"Neo4j vs embedded ({time.strftime('%Y-%m-%d')})", body)
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
