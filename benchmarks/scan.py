"""Scan speed: every saved query and the findings build, on generated demo worlds, embedded and Neo4j.

For each size the demo world is generated once (``guanlian.demo.generate``), loaded
(``guanlian.loaders.load_files``) and matched (``guanlian.matching.matcher.match_store``); those steps are cached
under ``--cache`` and are not part of the measurement. Then ``guanlian.queries.scan`` runs ``--repeat`` times
and the best time per query is reported (the first run also warms the engine's caches).

Neo4j runs against env NEO4J_URI and **replaces the database's content** (``--neo4j`` must be given).

Usage:
    python benchmarks/scan.py [--sizes small medium large] [--neo4j] [--repeat 2] [--cache .cache/bench]
                              [--write-docs docs/benchmarks.md]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import sys
import time
from pathlib import Path

from guanlian.demo import generate
from guanlian.graph.ladybug import LadybugStore
from guanlian.graph.store import Store
from guanlian.loaders import load_files
from guanlian.matching.matcher import match_store
from guanlian.queries import Library, scan


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


def measure(store: Store, repeat: int) -> dict[str, float]:
    """Best seconds per query id (and ``(findings)``, ``total``) over ``repeat`` scans."""
    lib = Library.load()
    best: dict[str, float] = {}
    for _ in range(repeat):
        t0 = time.perf_counter()
        doc = scan(store, library=lib)
        total = time.perf_counter() - t0
        for r in doc["query_runs"]:
            best[r["id"]] = min(best.get(r["id"], 1e9), r["seconds"])
        best["total"] = min(best.get("total", 1e9), total)
        best["findings_count"] = len(doc["findings"])
    return best


def table(results: dict[str, dict[str, float]], rows: dict[str, int]) -> str:
    cols = list(results)
    ids = [q for q in next(iter(results.values())) if q not in ("total", "findings_count")]
    head = "| query | " + " | ".join(cols) + " |\n| --- | " + " | ".join("---:" for _ in cols) + " |\n"
    body = "".join(f"| {q} | " + " | ".join(f"{results[c].get(q, float('nan')):.2f}" for c in cols) + " |\n"
                   for q in ids)
    body += "| **total scan** | " + " | ".join(f"**{results[c]['total']:.2f}**" for c in cols) + " |\n"
    body += "| findings | " + " | ".join(f"{int(results[c]['findings_count'])}" for c in cols) + " |\n"
    body += "| input rows | " + " | ".join(f"{rows[c.split()[0]]:,}" for c in cols) + " |\n"
    return head + body


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", nargs="+", default=["small", "medium"])
    ap.add_argument("--neo4j", action="store_true", help="also measure Neo4j at env NEO4J_URI (clears it)")
    ap.add_argument("--neo4j-sizes", nargs="+", default=None, help="sizes for Neo4j (default: --sizes)")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--cache", type=Path, default=Path(".cache/bench"))
    ap.add_argument("--write-docs", type=Path, default=None)
    args = ap.parse_args()
    results: dict[str, dict[str, float]] = {}
    rows: dict[str, int] = {}
    for size in args.sizes:
        out, files, n = prepare(size, args.cache)
        rows[size] = n
        store_dir = out / "store"
        fresh = not (store_dir / "graph.lbug").exists()
        store = LadybugStore(store_dir)
        if fresh:
            load(store, files, f"{size} embedded")
        results[f"{size} embedded"] = measure(store, args.repeat)
        store.close()
        print(f"[{size} embedded] scan {results[f'{size} embedded']['total']:.2f}s", flush=True)
        if args.neo4j and size in (args.neo4j_sizes or args.sizes):
            from guanlian.graph.neo4j import Neo4jStore

            neo = Neo4jStore(os.environ["NEO4J_URI"])
            neo.clear()
            neo.ensure_schema()
            load(neo, files, f"{size} neo4j")
            results[f"{size} neo4j"] = measure(neo, args.repeat)
            neo.close()
            print(f"[{size} neo4j] scan {results[f'{size} neo4j']['total']:.2f}s", flush=True)
    md = table(results, rows)
    print(md)
    if args.write_docs:
        cpu = platform.processor() or platform.machine()
        section = (
            "## Scan\n\n"
            f"Measured {time.strftime('%Y-%m-%d')} on {os.cpu_count()} cores ({cpu}), shared with other work while "
            "running; LadybugDB 0.22 embedded, Neo4j 5.26 Community from `scripts/neo4j-server` (heap 768m, page "
            "cache 512m). Command: `python benchmarks/scan.py " + " ".join(
                a for a in sys.argv[1:] if not a.startswith("--write-docs") and not a.endswith(".md")) + "`.\n"
            "Data: `guanlian.demo.generate(size, seed=7)`, loaded and matched (not timed). Seconds per saved "
            f"query, best of {args.repeat} scans; `(findings)` is fetching path details and building the findings "
            "document; **total scan** is the whole `guanlian.queries.scan` call.\n\n" + md
        )
        text = args.write_docs.read_text(encoding="utf-8") if args.write_docs.exists() else "# Benchmarks\n"
        if "## Scan" in text:
            text = re.sub(r"## Scan\n.*?(?=\n## |\Z)", lambda _: section, text, flags=re.S)
        else:
            text = text.rstrip("\n") + "\n\n" + section
        args.write_docs.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
