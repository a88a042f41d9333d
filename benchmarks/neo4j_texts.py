"""Each saved query's Neo4j text against its portable base text, on one Neo4j server: seconds, db hits, rows.

For every query with a ``<id>.neo4j.cypher`` beside it (or those named by ``--queries``), the base text and the
Neo4j text run alternately ``--repeat`` times on the server (best time of each kept, so both see the same
machine load), then once each under ``PROFILE`` for the total db hits (which do not depend on the load). The
rows of the two texts are compared (``*_data`` columns left out, lists sorted); a difference is printed and makes
the exit status 1. The graph is not changed.

Point it at a filled store, e.g. the private server ``benchmarks/scan.py --neo4j --keep-server`` leaves running:

    NEO4J_URI=bolt://127.0.0.1:PORT NEO4J_USER=neo4j NEO4J_PASSWORD=guanlian-bench \\
        python benchmarks/neo4j_texts.py [--repeat 3] [--queries supplier_ring shell_company]

Prints a Markdown table (machine, load average before/after).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Any

from machine import describe  # benchmarks/machine.py (scripts run from this folder)
from neo4j import GraphDatabase

from guanlian.queries import Library


def db_hits(plan: dict[str, Any]) -> int:
    """Total db hits of a PROFILE plan (the driver's nested dict)."""
    return int(plan.get("dbHits", 0)) + sum(db_hits(c) for c in plan.get("children", []))


def canon(records: list[dict[str, Any]]) -> list[str]:
    """Rows as sorted reprs; lists sorted, engine objects (``*_data``) left out."""
    return sorted(
        repr(sorted((k, sorted(map(repr, v)) if isinstance(v, list) else v) for k, v in r.items()
                    if not k.endswith("_data")))
        for r in records
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--queries", nargs="+", default=None, help="query ids (default: those with a Neo4j text)")
    args = ap.parse_args()
    lib = Library.load()
    ids = args.queries or [q.id for q in lib if "neo4j" in q.overrides]
    driver = GraphDatabase.driver(os.environ["NEO4J_URI"],
                                  auth=(os.environ.get("NEO4J_USER", "neo4j"), os.environ["NEO4J_PASSWORD"]))
    print(describe())
    load0 = os.getloadavg()[0]
    lines = ["| query | base text s | Neo4j text s | base db hits | Neo4j db hits | rows |",
             "| --- | ---: | ---: | ---: | ---: | --- |"]
    failed = False
    for qid in ids:
        q = lib.get(qid)
        bound = lib.bind(qid)
        texts = {"base": (q.cypher, {n: q.params[n].to_cypher(v) for n, v in bound.items()}),
                 "neo4j": lib.cypher_params(qid, "neo4j", bound)}
        best = {k: float("inf") for k in texts}
        rows: dict[str, list[str]] = {}
        hits: dict[str, int] = {}
        with driver.session() as s:
            for _ in range(args.repeat):
                for k, (text, params) in texts.items():
                    t0 = time.perf_counter()
                    rows[k] = canon([r.data() for r in s.run(text, params)])
                    best[k] = min(best[k], time.perf_counter() - t0)
            for k, (text, params) in texts.items():
                res = s.run("PROFILE " + text, params)
                list(res)
                profile = res.consume().profile
                hits[k] = db_hits(profile) if profile else 0
        same = rows["base"] == rows["neo4j"]
        failed |= not same
        lines.append(f"| {qid} | {best['base']:.2f} | {best['neo4j']:.2f} | {hits['base']:,} | {hits['neo4j']:,} | "
                     f"{len(rows['neo4j'])}, {'same' if same else 'DIFFERENT'} |")
        print(lines[-1], file=sys.stderr, flush=True)
    driver.close()
    print("\n".join(lines))
    print(f"\nload average before/after: {load0:.1f}/{os.getloadavg()[0]:.1f}; best of {args.repeat}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
