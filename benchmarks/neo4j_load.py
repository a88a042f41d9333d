"""Neo4j load speed: naive one-row-per-transaction MERGE vs batched UNWIND (Neo4jStore) vs neo4j-admin import.

All three load the same generated rows (Person, Company, SHAREHOLDER_OF Person->Company) into the server named
by env NEO4J_URI (start one with ``eval "$(scripts/neo4j-server start)"``). The naive path is timed on a
sample and extrapolated (the output says so). neo4j-admin import runs on CSVs from
:func:`guanlian.graph.neo4j_import.export_neo4j_import` into a throwaway NEO4J_HOME, never the running
server's database.

Usage:
    python benchmarks/neo4j_load.py [--rows 100000] [--sample 2000] [--batch 5000] [--tune] [--clear]
                                    [--write-docs docs/benchmarks.md]

``--clear`` is required when the target database is not empty: the benchmark deletes everything in it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from machine import describe  # benchmarks/machine.py (scripts run from this folder)

from guanlian.graph.neo4j import BATCH_ROWS, Neo4jStore
from guanlian.graph.neo4j_import import export_neo4j_import, prepare_home, run_import
from guanlian.graph.store import StoreError

ROOT = Path(__file__).resolve().parents[1]
SECTION = "## Neo4j load"


def generate(rows: int, seed: int = 7) -> dict[str, pd.DataFrame]:
    """Synthetic rows: 40% Person, 20% Company, 40% SHAREHOLDER_OF (Person -> Company)."""
    rng = np.random.default_rng(seed)
    n_p, n_c = int(rows * 0.4), int(rows * 0.2)
    n_e = rows - n_p - n_c
    pid = np.arange(n_p)
    birth = rng.integers(-3650, 12000, n_p)
    people = pd.DataFrame(
        {
            "key": [f"anon:p{i:08d}" for i in pid],
            "name": [f"测试人员{i}" for i in pid],
            "name_norm": [f"ceshirenyuan{i}" for i in pid],
            "birth_date": pd.to_datetime(birth, unit="D").strftime("%Y-%m-%d"),
            "birth_date_day": birth,
            "sex": rng.choice(["男", "女"], n_p),
            "phone": [f"13{d:09d}" for d in rng.integers(0, 10**9, n_p)],
            "address": [f"某省某市某区第{i % 500}街{i}号" for i in pid],
            "src_file": "bench_people.xlsx",
            "src_row": pid + 2,
            "load_id": "bench",
        }
    )
    cid = np.arange(n_c)
    est = rng.integers(0, 19000, n_c)
    companies = pd.DataFrame(
        {
            "key": [f"cname:c{i:08d}" for i in cid],
            "name": [f"测试贸易有限公司{i}" for i in cid],
            "name_norm": [f"测试贸易{i}" for i in cid],
            "established": pd.to_datetime(est, unit="D").strftime("%Y-%m-%d"),
            "established_day": est,
            "reg_capital": rng.integers(1, 5000, n_c) * 10_000.0,
            "status": "存续",
            "src_file": "bench_registry.csv",
            "src_row": cid + 2,
            "load_id": "bench",
        }
    )
    src = rng.integers(0, n_p, n_e)
    dst = rng.integers(0, n_c, n_e)
    eid = np.arange(n_e)
    edges = pd.DataFrame(
        {
            "src": [f"anon:p{i:08d}" for i in src],
            "dst": [f"cname:c{i:08d}" for i in dst],
            "src_kind": "Person",
            "dst_kind": "Company",
            "key": [f"sh:{i:08d}" for i in eid],
            "share": rng.random(n_e).round(4),
            "subscribed": rng.integers(1, 1000, n_e) * 1000.0,
            "holder_type": "自然人股东",
            "src_file": "bench_registry.csv",
            "src_row": eid + 2,
            "load_id": "bench",
        }
    )
    return {"Person": people, "Company": companies, "SHAREHOLDER_OF": edges}


def _props(frame: pd.DataFrame, drop: list[str]) -> list[dict[str, Any]]:
    recs: list[dict[str, Any]] = frame.drop(columns=drop).to_dict("records")
    return [{k: (v.item() if hasattr(v, "item") else v) for k, v in r.items()} for r in recs]


def naive(store: Neo4jStore, data: dict[str, pd.DataFrame], sample: int) -> tuple[int, float]:
    """One MERGE per row, one transaction per row, same constraints; returns (rows, seconds) on a sample."""
    total = sum(len(f) for f in data.values())
    take = {k: max(1, int(round(sample * len(f) / total))) for k, f in data.items()}
    people = data["Person"].head(take["Person"])
    companies = data["Company"].head(take["Company"])
    edges = data["SHAREHOLDER_OF"]
    edges = edges[edges["src"].isin(people["key"]) & edges["dst"].isin(companies["key"])]
    if len(edges) < take["SHAREHOLDER_OF"]:  # few random edges land inside the sample: add some that do
        extra = pd.DataFrame(
            {
                "src": people["key"].sample(take["SHAREHOLDER_OF"], replace=True, random_state=1).to_numpy(),
                "dst": companies["key"]
                .sample(take["SHAREHOLDER_OF"], replace=True, random_state=2)
                .to_numpy(),
            }
        )
        base = data["SHAREHOLDER_OF"].head(len(extra)).reset_index(drop=True)
        edges = base.assign(src=extra["src"], dst=extra["dst"])
    edges = edges.head(take["SHAREHOLDER_OF"])
    node_q = {k: f"MERGE (n:{k} {{key: $key}}) SET n += $props" for k in ("Person", "Company")}
    edge_q = (
        "MATCH (a:Person {key: $src}) MATCH (b:Company {key: $dst}) "
        "MERGE (a)-[e:SHAREHOLDER_OF {key: $key}]->(b) SET e += $props"
    )
    driver = store._driver
    t0 = time.perf_counter()
    n = 0
    with driver.session(database=store.database) as s:
        for kind, frame in (("Person", people), ("Company", companies)):
            for key, props in zip(frame["key"], _props(frame, ["key"]), strict=True):
                s.execute_write(
                    lambda tx, k=key, p=props, q=node_q[kind]: tx.run(q, key=k, props=p).consume()
                )
                n += 1
        for (src, dst, key), props in zip(
            edges[["src", "dst", "key"]].itertuples(index=False, name=None),
            _props(edges, ["src", "dst", "src_kind", "dst_kind", "key"]),
            strict=True,
        ):
            s.execute_write(
                lambda tx, a=src, b=dst, k=key, p=props: tx.run(
                    edge_q, src=a, dst=b, key=k, props=p
                ).consume()
            )
            n += 1
    return n, time.perf_counter() - t0


def batched(store: Neo4jStore, data: dict[str, pd.DataFrame]) -> tuple[int, float]:
    t0 = time.perf_counter()
    n = store.upsert_nodes("Person", data["Person"])
    n += store.upsert_nodes("Company", data["Company"])
    n += store.upsert_edges("SHAREHOLDER_OF", data["SHAREHOLDER_OF"])
    return n, time.perf_counter() - t0


def tune(store: Neo4jStore, data: dict[str, pd.DataFrame], sizes: list[int]) -> list[tuple[int, float]]:
    """rows/s of batched node+edge upserts for several batch sizes on a 40k-row slice (fresh db each)."""
    part = generate(40_000, seed=11)
    best: dict[int, float] = {}
    for order in (sizes, sizes[::-1]):  # two rounds, best of each: a shared machine makes single runs noisy
        for size in order:
            store.clear()
            store.batch_rows = size
            n, secs = batched(store, part)
            best[size] = max(best.get(size, 0.0), n / secs)
    return sorted(best.items())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--sample", type=int, default=2_000, help="rows for the naive path (extrapolated)")
    ap.add_argument("--batch", type=int, default=None, help="UNWIND batch size (default: Neo4jStore's)")
    ap.add_argument("--tune", action="store_true", help="also compare batch sizes on a 40k-row slice")
    ap.add_argument("--clear", action="store_true", help="allow deleting a non-empty target database")
    ap.add_argument("--write-docs", type=Path, default=None, help="replace the '## Neo4j load' section there")
    args = ap.parse_args(argv)

    uri = os.environ.get("NEO4J_URI")
    if not uri:
        print('NEO4J_URI is not set; run: eval "$(scripts/neo4j-server start)"', file=sys.stderr)
        return 2
    store = Neo4jStore(uri)
    if args.batch:
        store.batch_rows = args.batch
    if sum(store.counts().values()) and not args.clear:
        print(
            f"{uri} is not empty; rerun with --clear to let the benchmark delete its contents",
            file=sys.stderr,
        )
        return 2
    store.clear()
    store.ensure_schema()
    load_before = os.getloadavg()[0]

    t0 = time.perf_counter()
    data = generate(args.rows)
    total = sum(len(f) for f in data.values())
    print(
        f"generated {total:,} rows in {time.perf_counter() - t0:.1f}s: "
        + ", ".join(f"{k} {len(f):,}" for k, f in data.items())
    )

    tuning = tune(store, data, [1_000, 2_000, 5_000, 10_000, 20_000]) if args.tune else []
    store.batch_rows = args.batch or BATCH_ROWS

    store.clear()
    n_naive, s_naive = naive(store, data, args.sample)
    naive_rps = n_naive / s_naive
    print(
        f"naive: {n_naive:,} sample rows in {s_naive:.1f}s -> {naive_rps:,.0f} rows/s (extrapolated to {total:,})"
    )

    store.clear()
    n_b, s_b = batched(store, data)
    batched_rps = n_b / s_b
    print(
        f"batched UNWIND (batch {store.batch_rows:,}): {n_b:,} rows in {s_b:.1f}s -> {batched_rps:,.0f} rows/s"
    )
    counts = store.counts()
    assert counts["Person"] == len(data["Person"]) and counts["SHAREHOLDER_OF"] == len(data["SHAREHOLDER_OF"])

    work = Path(tempfile.mkdtemp(prefix="neo4j-bench-"))
    try:
        t0 = time.perf_counter()
        files = export_neo4j_import(store, work / "csv")
        s_export = time.perf_counter() - t0
        dist = subprocess.run(
            ["bash", str(ROOT / "scripts" / "neo4j-server"), "dist"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        home = prepare_home(work / "home", Path(dist))
        report = run_import(home, files)
        tool_s = _tool_seconds(report.output)
        assert report.nodes == counts["Person"] + counts["Company"], report
        assert report.relationships == counts["SHAREHOLDER_OF"], report
    finally:
        shutil.rmtree(work, ignore_errors=True)
    import_rps = total / report.seconds
    print(
        f"neo4j-admin import: {report.nodes + report.relationships:,} rows in {report.seconds:.1f}s wall "
        f"({tool_s:.1f}s reported by the tool; CSV export from the store took {s_export:.1f}s, not counted)"
        f" -> {import_rps:,.0f} rows/s"
    )
    store.clear()
    store.close()

    table = [
        ("naive MERGE, 1 row/transaction (sample, extrapolated)", naive_rps),
        (f"batched UNWIND MERGE, {store.batch_rows:,} rows/transaction", batched_rps),
        ("neo4j-admin database import full (wall, incl. JVM start)", import_rps),
    ]
    lines = [
        "| method | rows/s | vs naive | vs import |",
        "| --- | ---: | ---: | ---: |",
        *(
            f"| {name} | {rps:,.0f} | {rps / naive_rps:,.1f}x | {rps / import_rps:,.2f}x |"
            for name, rps in table
        ),
    ]
    print()
    print("\n".join(lines))
    print(
        f"\nbatched / naive = {batched_rps / naive_rps:.0f}x (target >= 30x); "
        f"import / batched = {import_rps / batched_rps:.1f}x (target <= 5x)"
    )
    if tuning:
        print("\nbatch size tuning (40k rows, fresh db each):")
        for size, rps in tuning:
            print(f"  {size:>6,}: {rps:,.0f} rows/s")
    load = f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after"
    print(f"machine {load}")
    if args.write_docs:
        _write_docs(
            args,
            total,
            data,
            lines,
            tuning,
            batched_rps / naive_rps,
            import_rps / batched_rps,
            tool_s,
            report.seconds,
            f"{_server_memory(uri)}; {load}",
        )
    return 0


def _tool_seconds(output: str) -> float:
    import re

    m = re.search(r"IMPORT DONE in (?:(\d+)m )?(?:(\d+)s )?(\d+)ms", output)
    if not m:
        return float("nan")
    mins, secs, ms = (int(g) if g else 0 for g in m.groups())
    return mins * 60 + secs + ms / 1000


def _write_docs(
    args: argparse.Namespace,
    total: int,
    data: dict[str, pd.DataFrame],
    table: list[str],
    tuning: list[tuple[int, float]],
    ratio_naive: float,
    ratio_import: float,
    tool_s: float,
    wall_s: float,
    conditions: str,
) -> None:
    path: Path = args.write_docs
    cmd = "python benchmarks/neo4j_load.py " + " ".join(
        a for a in sys.argv[1:] if not a.startswith("--write-docs") and a != str(path)
    )
    body = [
        SECTION,
        "",
        f"Measured {time.strftime('%Y-%m-%d')} on {describe()}, shared with other work while running "
        f"({conditions}), Neo4j 5.26 Community from `scripts/neo4j-server`, Python driver "
        f"{_driver_version()} with neo4j-rust-ext.",
        f'Command: `{cmd.strip()}` against `eval "$(scripts/neo4j-server start)"`.',
        f"Data: {total:,} generated rows: "
        + ", ".join(f"{len(f):,} {k}" for k, f in data.items())
        + " (Person -> Company), ~10 properties each; uniqueness constraints on `key` in place for both "
        "online paths.",
        f"The naive row is timed on a {args.sample:,}-row sample (same proportions) and extrapolated. "
        f"neo4j-admin import wrote a fresh database in a throwaway NEO4J_HOME; its wall time ({wall_s:.1f}s) "
        f"includes two JVM start-ups, the tool itself reported {tool_s:.1f}s.",
        "",
        *table,
        "",
        f"Batched UNWIND is {ratio_naive:.0f}x the naive path (target >= 30x); neo4j-admin import is "
        f"{ratio_import:.1f}x batched (target: within 5x).",
    ]
    if tuning:
        body += [
            "",
            "Batch size (rows per UNWIND transaction, 40k-row slice, fresh database each, best of two rounds; "
            "differences below ~2x are noise on this shared machine):",
            "",
            "| batch | rows/s |",
            "| ---: | ---: |",
            *(f"| {s:,} | {r:,.0f} |" for s, r in tuning),
        ]
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    start = text.find(SECTION)
    if start >= 0:
        nxt = text.find("\n## ", start + len(SECTION))
        text = text[:start] + "\n".join(body) + "\n" + (text[nxt + 1 :] if nxt >= 0 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + "\n".join(body) + "\n"
    path.write_text(text, encoding="utf-8")
    print(f"\nwrote section '{SECTION}' in {path}")


def _server_memory(uri: str) -> str:
    store = Neo4jStore(uri)
    try:
        df = store.query(
            "SHOW SETTINGS YIELD name, value WHERE name IN "
            "['server.memory.heap.max_size', 'server.memory.pagecache.size'] RETURN name, value"
        )
        vals = dict(zip(df["name"], df["value"], strict=True))
        return f"heap {vals.get('server.memory.heap.max_size')}, page cache {vals.get('server.memory.pagecache.size')}"
    except StoreError:  # older servers lack SHOW SETTINGS; the figure is informative only
        return "server memory settings unknown"
    finally:
        store.close()


def _driver_version() -> str:
    import neo4j

    return str(neo4j.__version__)


if __name__ == "__main__":
    raise SystemExit(main())
