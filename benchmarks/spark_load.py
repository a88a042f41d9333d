"""``load --engine spark`` against the in-process load, on the same files in the same run.

Takes a demo world's registry CSVs (``--data``: e.g. a ``--size large`` world), saves them as UTF-8 (Spark
reads UTF-8 only; the conversion is not timed), and loads them into two fresh embedded stores: in process, then
with the files parsed on Spark ``local[2]``. Prints rows, parse / write / total seconds (the load summary's
own phases), peak resident memory of the process tree (driver, JVM, Python workers) and whether the node and
edge counts agree. Run it under the shared lock::

    flock /tmp/heavy.lock python benchmarks/spark_load.py --data /work/bench-1m/world-large/data
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from benchmarks.machine import describe
from benchmarks.spark import Peak
from guanlian.graph.ladybug import LadybugStore
from guanlian.loaders import load_files
from guanlian.spark import spark_session
from guanlian.spark.loading import SparkLoader, spark_readable

KINDS = {"registry_companies": "companies", "registry_companies_extra": "companies",
         "registry_shareholders": "shareholders", "registry_shareholders_2": "shareholders",
         "registry_officers": "officers", "registry_changes": "changes"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--driver-memory", default="4g")
    ap.add_argument("--partitions", type=int, default=8)
    args = ap.parse_args()
    print(f"machine: {describe()}; load average before: {os.getloadavg()[0]:.2f}")
    work = Path(tempfile.mkdtemp(prefix="guanlian-spark-load-"))
    paths, kinds = [], []
    for stem, kind in KINDS.items():
        src = args.data / f"{stem}.csv"
        if not src.exists():
            continue
        dst = work / src.name
        raw = src.read_bytes()
        try:
            raw.decode("utf-8")
            dst.write_bytes(raw)
        except UnicodeDecodeError:
            dst.write_text(raw.decode("gb18030"), encoding="utf-8", newline="")
        assert spark_readable(dst) is None
        paths.append(dst)
        kinds.append(kind)
    rows = []
    with Peak() as pk:
        store = LadybugStore(work / "in-process")
        t = time.perf_counter()
        s1 = load_files(store, paths, kinds=kinds)
        secs = time.perf_counter() - t
        c1 = store.counts()
        store.close()
    rows.append(("in-process", s1, secs, pk.peak))
    with Peak() as pk:
        t0 = time.perf_counter()
        spark = spark_session(args.master, {"spark.driver.memory": args.driver_memory,
                                            "spark.default.parallelism": "2"})
        start = time.perf_counter() - t0
        store = LadybugStore(work / "spark")
        t = time.perf_counter()
        s2 = load_files(store, paths, kinds=kinds, parser=SparkLoader(spark, partitions=args.partitions))
        secs = time.perf_counter() - t
        c2 = store.counts()
        store.close()
        spark.stop()
    rows.append((f"spark {args.master}", s2, secs, pk.peak))
    n = sum(f.read for f in s1.files)
    print(f"files: {len(paths)}, rows read: {n:,}; spark session start {start:.1f} s; same node and edge counts: "
          f"{c1 == c2}; load average after: {os.getloadavg()[0]:.2f}")
    print("| parser | rows/s | parse s | write s | total s | peak RSS |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, summ, secs, peak in rows:
        sec = summ.seconds
        print(f"| {name} | {n / secs:,.0f} | {sec['parse']:.1f} | {sec['write']:.1f} | {secs:.1f} | "
              f"{peak / 2**30:.2f} GiB |")


if __name__ == "__main__":
    main()
