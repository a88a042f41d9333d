"""A first load into an empty Neo4j database: over Bolt vs through ``neo4j-admin database import`` (load
``--neo4j-import never`` vs ``always``), on the files of a demo world.

Each load runs in its own process (``load_files`` with :class:`guanlian.loaders.neo4j_bulk.Neo4jImportRoute`);
before each, the database is emptied by stopping the server, removing the database's folders and starting it
again (a fresh empty database; deleting millions of items over Bolt would take longer than the load). Wall
time, the loading process's peak RSS and the peak RSS of its child processes (the ``neo4j-admin`` JVM) are
reported; the server's own memory (heap + page cache, fixed by its configuration) is not.

Needs the server of ``scripts/neo4j-server`` (``eval "$(scripts/neo4j-server start)"``: NEO4J_URI, NEO4J_HOME).
EVERYTHING IN ITS DATABASE IS DELETED.

Usage:
    python benchmarks/neo4j_bulk_load.py MANIFEST [--modes never,always]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

from machine import describe  # benchmarks/machine.py (scripts run from this folder)

from guanlian.graph.neo4j import Neo4jStore
from guanlian.graph.neo4j_import import LocalServer
from guanlian.loaders import load_files
from guanlian.loaders.neo4j_bulk import MODES, Neo4jImportRoute
from guanlian.workflow import expand_manifests


def empty_database(server: LocalServer, uri: str) -> None:
    """Stop the server, delete the default database's folders, start it: an empty database comes back."""
    server.stop()
    for d in server.database_dirs("neo4j"):
        shutil.rmtree(d, ignore_errors=True)
    server.start()
    store = Neo4jStore(uri)
    try:
        store.reconnect()
        assert store.query("MATCH (n) RETURN count(n) AS n").loc[0, "n"] == 0
        shutil.rmtree(store.sidecar, ignore_errors=True)  # journal and rejects of the last run
    finally:
        store.close()


def worker(mode: str, manifest: Path) -> None:
    """One load in this process; prints a JSON line."""
    paths, kinds = expand_manifests([manifest], None)
    store = Neo4jStore(os.environ["NEO4J_URI"])
    route = Neo4jImportRoute(mode=MODES[mode])
    t0 = time.perf_counter()
    summary = load_files(store, paths, kinds=kinds, route=route)
    wall = time.perf_counter() - t0
    rows = sum(f.loaded for f in summary.files)
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20
    print(json.dumps({"mode": mode, "wall": wall, "rows": rows, "rss_gib": own, "child_rss_gib": kids,
                      "route": summary.write_route, "seconds": summary.seconds,
                      "nodes_edges": sum(summary.counts_after.values())}))
    store.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("manifest", type=Path)
    ap.add_argument("--modes", default="never,always", help="--neo4j-import modes, in order")
    ap.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(args.worker, args.manifest)
        return 0
    uri, home = os.environ["NEO4J_URI"], Path(os.environ["NEO4J_HOME"])
    server = LocalServer.of(home)
    print(f"machine: {describe()}; load average at start {os.getloadavg()[0]:.2f}", flush=True)
    results = []
    for mode in args.modes.split(","):
        empty_database(server, uri)
        load0 = os.getloadavg()[0]
        proc = subprocess.run([sys.executable, __file__, str(args.manifest), "--worker", mode],
                              capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            print(proc.stderr[-3000:], file=sys.stderr)
            return 1
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        r["load"] = f"{load0:.1f}-{os.getloadavg()[0]:.1f}"
        results.append(r)
        print(json.dumps(r), flush=True)
    print("\n| write | rows | nodes + edges | wall | parse | write | derive | peak RSS (load) | peak RSS (neo4j-admin)"
          " | import steps | load avg |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|")
    for r in results:
        steps = ", ".join(f"{k} {v:.0f} s" for k, v in r["route"].get("seconds", {}).items()) or "-"
        label = "neo4j-admin import" if r["route"].get("route") == "import" else "Bolt"
        s = r["seconds"]
        print(f"| {label} | {r['rows']:,} | {r['nodes_edges']:,} | {r['wall']:.0f} s | {s['parse']:.0f} s | "
              f"{s['write']:.0f} s | {s['derive']:.0f} s | {r['rss_gib']:.2f} GiB | "
              f"{r['child_rss_gib']:.2f} GiB | {steps} | {r['load']} |")
    if len(results) == 2:
        print(f"\nratio {results[1]['mode']}/{results[0]['mode']} wall: {results[1]['wall'] / results[0]['wall']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
