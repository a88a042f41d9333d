"""Spark benchmark: collide N family members against M synthetic registry persons on ``local[2]``, and the
in-process engine on the same data in the same run.

Prints one table: seconds, CPU seconds (the driver's process tree: less sensitive to the machine's load than
wall seconds), records per second, candidate pairs, linked pairs, shuffle bytes written/read
(Spark's event log), peak memory (the driver's process tree, sampled every 0.5 s: the Python driver, the JVM
and the Python workers), and whether both engines gave identical pairs and tiers. Per-stage rows (tasks,
seconds, input rows) follow, for the per-partition costs that docs/scale.md extrapolates from.

Run it under the shared lock, with the driver memory capped::

    flock /tmp/heavy.lock python benchmarks/spark.py --registry 1000000 --family 100000 --driver-memory 4g

``--self-match``: instead, the registry and the family records as one table matched with itself, as
``match --store`` does, with the family records as the people who may be stored and the link budget's core
(``side``, ``core``): the in-process engine, then Spark twice in one session — without the budget (every linked
pair comes to the driver, as before the budget ran in the tasks) and with it — so the rows that reach the
driver and the driver's peak are compared in the same run. ``--name-only`` (default 0.3): that share of the
registry records lose their birth date and ID, as officers and shareholders often have in registry exports (the
1M world's registry people are like that): namesakes among them are the ``possible`` pairs the budget is for; the
labelled registry alone, with a date and an ID each, has almost none.

``--ordered``: the Spark run keeps the linked pairs out of the driver, as ``guanlian collide --engine spark``
does for a CSV (``SparkEngine.link_ordered``: the executors demote, fold, sort and write them as Parquet; the
driver streams them back in order, 100k rows at a time, and here only counts them and compares them with the
in-process frame when that ran). The table then also gives the seconds to stream them and the Parquet size.

``--cli DIR``: instead, the data are written as two CSV files into DIR (the family list with Chinese headers, the
registry with English ones) and ``guanlian collide LEFT RIGHT --engine spark --out DIR/pairs.csv`` runs on them as
its own process (reading, matching through the files route, writing the CSV), with Spark's event log on for the
per-stage table; wall and CPU seconds and the peak RSS of its process tree (driver, JVM, Python workers).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

import guanlian
from benchmarks.machine import describe
from guanlian.matching.matcher import Linked, MatchConfig, collide, link_records
from guanlian.matching.synth import make_labelled
from guanlian.spark import SparkEngine, spark_session


def _tree_rss(root: int, cpu: dict[int, float] | None = None) -> int:
    """Resident bytes of ``root`` and all its descendants (from /proc); ``cpu`` receives each one's CPU seconds
    (user + system) so far."""
    parent: dict[int, int] = {}
    rss: dict[int, int] = {}
    ticks: dict[int, float] = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
            fields = stat[stat.rindex(")") + 2:].split()
            parent[int(d.name)] = int(fields[1])
            rss[int(d.name)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
            ticks[int(d.name)] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            continue
    total = 0
    for pid, r in rss.items():
        p = pid
        while p > 1:
            if p == root:
                total += r
                if cpu is not None:
                    cpu[pid] = ticks[pid]
                break
            p = parent.get(p, 0)
    return total


class Peak:
    """Samples the process tree's resident memory in a thread, and its CPU seconds (``cpu``: user + system of
    the driver and every descendant seen, counted from the start; a process that ends between two samples
    loses at most its last 0.5 s). CPU seconds, unlike wall seconds, barely depend on the machine's load."""

    def __init__(self) -> None:
        self.peak = 0
        self.cpu = 0.0
        self._start: dict[int, float] = {}
        self._now: dict[int, float] = {}
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(0.5)

    def sample(self) -> float:
        """Sample now; the CPU seconds so far."""
        self._sample()
        return self.cpu

    def _sample(self) -> None:
        self.peak = max(self.peak, _tree_rss(os.getpid(), self._now))
        self.cpu = sum(v - self._start.get(p, 0.0) for p, v in self._now.items())

    def __enter__(self) -> Peak:
        self.peak = 0
        self._now = {}
        _tree_rss(os.getpid(), self._now)
        self._start = dict(self._now)
        self._t = threading.Thread(target=self._run, daemon=True)
        self._stop.clear()
        self._t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._t.join()
        self._sample()


def _events(log_dir: Path) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for f in sorted(log_dir.rglob("events*")):
        for line in f.read_text(encoding="utf-8").splitlines():
            out.append(json.loads(line))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--registry", type=int, default=1_000_000)
    ap.add_argument("--family", type=int, default=100_000)
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--driver-memory", default="4g")
    ap.add_argument("--partitions", type=int, default=8)
    ap.add_argument("--skip-inprocess", action="store_true")
    ap.add_argument("--name-only", type=float, default=0.3)
    ap.add_argument("--ordered", action="store_true",
                    help="Spark writes the ordered pairs to files and the driver streams them (see above)")
    ap.add_argument("--cli", type=Path, help="write the data as CSV into this folder and time `guanlian collide` "
                    "--engine spark on them (see above)")
    ap.add_argument("--self-match", action="store_true",
                    help="registry + family matched with itself, with and without the link budget (see above)")
    args = ap.parse_args()
    if args.self_match:
        self_match(args)
        return

    print(f"machine: {describe()}; load average before: {os.getloadavg()[0]:.2f}")
    print(f"guanlian from {Path(guanlian.__file__).parent}")
    t = time.perf_counter()
    right, left = make_labelled(args.registry, args.family, seed=1)
    print(f"data: {len(right):,} registry x {len(left):,} family ({time.perf_counter() - t:.1f} s to make)")
    if args.cli:
        cli_run(args, left, right)
        return
    cfg = MatchConfig()
    rows: list[tuple[str, float, int, int, int, int, int, float]] = []
    expected = None
    if not args.skip_inprocess:
        with Peak() as pk:
            t = time.perf_counter()
            expected = collide(left, right, cfg)
            secs = time.perf_counter() - t
        rows.append(("in-process", secs, -1, len(expected), 0, 0, pk.peak, pk.cpu))

    log_dir = Path(tempfile.mkdtemp(prefix="guanlian-spark-events-"))
    with Peak() as pk:
        t0 = time.perf_counter()
        spark = spark_session(args.master, {
            "spark.driver.memory": args.driver_memory,
            "spark.sql.shuffle.partitions": str(args.partitions),
            "spark.eventLog.enabled": "true", "spark.eventLog.dir": str(log_dir),
            "spark.eventLog.compress": "false",
        })
        start = time.perf_counter() - t0
        engine = SparkEngine(spark, partitions=args.partitions)
        cpu0 = pk.sample()
        t = time.perf_counter()
        if args.ordered:
            work = Path(tempfile.mkdtemp(prefix="guanlian-spark-pairs-"))
            ordered = engine.link_ordered(left, right, cfg, work / "pairs")
            t_stream = time.perf_counter()
            got, same_order = _stream(ordered, left, right, expected)
            stream_s = time.perf_counter() - t_stream
            size = sum(f.stat().st_size for f in ordered.files)
            print(f"ordered pairs: {ordered.pairs:,} in {len(ordered.files)} Parquet files, {size / 2**20:,.0f} MiB; "
                  f"streamed in {stream_s:.1f} s; in-process order and values identical: {same_order}")
        else:
            got = collide(left, right, cfg, engine=engine)
        secs = time.perf_counter() - t
        cpu = pk.sample() - cpu0
        spark.stop()
    written, read, stages = _stages(log_dir)
    rows.append((f"spark {args.master}", secs, engine.last.candidate_pairs, len(got), written, read, pk.peak, cpu))
    same = None
    if expected is not None and args.ordered:
        same = same_order
    elif expected is not None:
        cols = ["left_row", "right_row", "tier"]
        same = bool((expected[cols].to_numpy() == got[cols].to_numpy()).all()) and len(expected) == len(got) and \
            bool(np.allclose(expected["score"].astype(float), got["score"].astype(float)))
    n = len(left) + len(right)
    print(f"spark session start: {start:.1f} s; refined keys {engine.last.refined_keys}, salted keys "
          f"{engine.last.salted_keys}; identical pairs, tiers and scores: {same}")
    print("| engine | seconds | CPU seconds | records/s | candidate pairs | linked | shuffle written | shuffle read | "
          "peak RSS |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, s, cand, linked, w, r, peak, cpu_s in rows:
        cand_s = f"{cand:,}" if cand >= 0 else "—"
        print(f"| {name} | {s:.1f} | {cpu_s:.1f} | {n / s:,.0f} | {cand_s} | {linked:,} | {w / 2**20:,.0f} MiB | "
              f"{r / 2**20:,.0f} MiB | {peak / 2**30:.2f} GiB |")
    if len(rows) == 2:
        print(f"spark / in-process time: {rows[1][1] / rows[0][1]:.1f}x")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    _print_stages(stages)


def _stages(log_dir: Path) -> tuple[int, int, list[tuple[Any, ...]]]:
    """Shuffle bytes written and read, and one row per completed stage, from Spark's event log in ``log_dir``."""
    ev = _events(log_dir)
    written = read = 0
    stages = []
    for e in ev:
        if e.get("Event") != "SparkListenerStageCompleted":
            continue
        info = e["Stage Info"]
        acc = {a.get("Name"): a.get("Value") for a in info.get("Accumulables", [])}
        w = int(acc.get("internal.metrics.shuffle.write.bytesWritten", 0) or 0)
        r = int(acc.get("internal.metrics.shuffle.read.remoteBytesRead", 0) or 0) + int(
            acc.get("internal.metrics.shuffle.read.localBytesRead", 0) or 0)
        written += w
        read += r
        ops = sorted({json.loads(rdd["Scope"])["name"] for rdd in info.get("RDD Info", []) if rdd.get("Scope")})
        stages.append((info["Stage ID"], info["Number of Tasks"],
                       (info["Completion Time"] - info["Submission Time"]) / 1000, w, r,
                       int(acc.get("internal.metrics.executorRunTime", 0) or 0) / 1000, ", ".join(ops)))
    return written, read, stages


def _print_stages(stages: list[tuple[Any, ...]]) -> None:
    print("\nstages: id, tasks, wall s, executor run s (sum over tasks), shuffle written MiB, read MiB, operators")
    for sid, tasks, wall, w, r, run, op_names in stages:
        print(f"  {sid:>3} {tasks:>4} {wall:8.1f} {run:8.1f} {w / 2**20:9.1f} {r / 2**20:9.1f}  {op_names}")


def cli_run(args: argparse.Namespace, left: Any, right: Any) -> None:
    """``--cli DIR``: both lists as CSV files, then ``guanlian collide --engine spark`` on them, timed."""
    import subprocess
    import sys

    work = args.cli
    work.mkdir(parents=True, exist_ok=True)
    lcsv, rcsv, out = work / "left.csv", work / "right.csv", work / "pairs.csv"
    t = time.perf_counter()
    left[["name", "id_number", "birth_date", "phone"]].fillna("").set_axis(
        ["姓名", "身份证号码", "出生日期", "联系电话"], axis=1).to_csv(lcsv, index=False)
    right[["name", "id_number", "birth_date", "sex", "phone"]].fillna("").set_axis(
        ["name", "ID number", "date of birth", "gender", "mobile"], axis=1).to_csv(rcsv, index=False)
    print(f"files: {lcsv.stat().st_size / 2**20:,.0f} + {rcsv.stat().st_size / 2**20:,.0f} MiB "
          f"({time.perf_counter() - t:.1f} s to write)")
    del left, right
    log_dir = Path(tempfile.mkdtemp(prefix="guanlian-spark-events-"))
    cmd = [str(Path(sys.executable).parent / "guanlian"), "collide", str(lcsv), str(rcsv), "--out", str(out),
           "--lang", "en", "--engine", "spark", "--spark-master", args.master,
           "--conf", f"spark.driver.memory={args.driver_memory}",
           "--conf", f"spark.sql.shuffle.partitions={args.partitions}",
           "--conf", f"spark.default.parallelism={max(1, args.partitions // 2)}",
           "--conf", "spark.eventLog.enabled=true", "--conf", f"spark.eventLog.dir={log_dir}",
           "--conf", "spark.eventLog.compress=false"]
    print("$ " + " ".join(cmd))
    with Peak() as pk:
        t = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        secs = time.perf_counter() - t
    print(proc.stdout[-3000:])
    if proc.returncode:
        print(f"exit status {proc.returncode}: {proc.stderr[-3000:]}")
        return
    with out.open("rb") as fh:
        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 24), b""))
    written, read, stages = _stages(log_dir)
    print("| command | seconds | CPU seconds (tree) | output rows | output size | shuffle written | peak RSS (tree) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    print(f"| guanlian collide --engine spark | {secs:.1f} | {pk.cpu:.1f} | {lines - 1:,} | "
          f"{out.stat().st_size / 2**20:,.0f} MiB | {written / 2**20:,.0f} MiB | {pk.peak / 2**30:.2f} GiB |")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    _print_stages(stages)


def _stream(ordered: Any, left: Any, right: Any, expected: Any) -> tuple[Any, bool | None]:
    """Read the ordered pairs back 100k rows at a time: per-tier counts (a frame of one ``tier`` column per pair
    is not kept: at 10M × 1M they are tens of millions), and, when ``expected`` (the in-process frame) is given,
    whether every chunk equals its rows (positions, tier, score, both texts)."""
    import pandas as pd

    tiers: dict[str, int] = {}
    pos = 0
    same: bool | None = None if expected is None else True
    refs_l, refs_r = left.index.to_numpy(), right.index.to_numpy()
    for t in ordered.batches(100_000):
        for k, v in pd.Series(t.column("tier").to_numpy(zero_copy_only=False)).value_counts().items():
            tiers[str(k)] = tiers.get(str(k), 0) + int(v)
        if expected is not None and same:
            e = expected.iloc[pos:pos + t.num_rows]
            same = bool(len(e) == t.num_rows
                        and (e["left_row"].to_numpy() == refs_l[t.column("li").to_numpy()]).all()
                        and (e["right_row"].to_numpy() == refs_r[t.column("ri").to_numpy()]).all()
                        and (e["tier"].to_numpy(dtype=object) == t.column("tier").to_numpy(zero_copy_only=False)).all()
                        and np.array_equal(e["score"].to_numpy(dtype=float), t.column("score").to_numpy())
                        and e["explanation_en"].tolist() == t.column("explanation_en").to_pylist())
        pos += t.num_rows
    if expected is not None and pos != len(expected):
        same = False
    print(f"ordered pairs per tier: {tiers}")
    return range(pos), same


def _same(a: Linked, b: Linked) -> bool:
    return bool(a.li.tolist() == b.li.tolist() and a.ri.tolist() == b.ri.tolist() and a.tier.tolist() == b.tier.tolist()
                and np.array_equal(a.score, b.score) and a.explanation_zh == b.explanation_zh
                and (a.dropped, a.dropped_budget) == (b.dropped, b.dropped_budget))


def self_match(args: argparse.Namespace) -> None:
    """The ``--self-match`` run: one table, ``side`` = ``core`` = the family rows."""
    import pandas as pd

    print(f"machine: {describe()}; load average before: {os.getloadavg()[0]:.2f}")
    print(f"guanlian from {Path(guanlian.__file__).parent}")
    right, left = make_labelled(args.registry, args.family, seed=1)
    both = pd.concat([left, right], ignore_index=True)
    del left, right
    family = np.zeros(len(both), dtype=bool)
    family[:args.family] = True
    blank = np.flatnonzero(~family)
    blank = blank[np.random.default_rng(2).random(len(blank)) < args.name_only]
    both.loc[blank, ["birth_date", "id_number"]] = None
    cfg = MatchConfig()
    rows: list[tuple[str, float, float, int, int, int, int]] = []
    expected = None
    if not args.skip_inprocess:
        with Peak() as pk:
            t = time.perf_counter()
            expected = link_records(both, None, cfg, side=family, core=family)
            secs = time.perf_counter() - t
        rows.append(("in-process, budget", secs, pk.cpu, len(expected), expected.dropped + expected.dropped_budget,
                     expected.candidates, pk.peak))
    spark = spark_session(args.master, {"spark.driver.memory": args.driver_memory,
                                        "spark.sql.shuffle.partitions": str(args.partitions)})
    engine = SparkEngine(spark, partitions=args.partitions)
    got: dict[str, Linked] = {}
    for name, flags in (("spark, all pairs to the driver", None), ("spark, budget in the tasks", family)):
        with Peak() as pk:
            t = time.perf_counter()
            got[name] = engine(both, None, cfg, side=flags, core=flags)
            secs = time.perf_counter() - t
        g = got[name]
        rows.append((name, secs, pk.cpu, len(g), g.dropped + g.dropped_budget, g.candidates, pk.peak))
    spark.stop()
    budgeted = got["spark, budget in the tasks"]
    print(f"data: {len(both):,} records ({args.family:,} family = side and core; {len(blank):,} registry records "
          f"by name only); identical to in-process: "
          f"{None if expected is None else _same(budgeted, expected)}")
    print("| run | seconds | CPU seconds | pairs to the caller | possible pairs left out (counted) | candidate pairs "
          "| peak RSS (process tree) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, secs, cpu, linked, out, cand, peak in rows:
        print(f"| {name} | {secs:.1f} | {cpu:.1f} | {linked:,} | {out:,} | {cand:,} | {peak / 2**30:.2f} GiB |")
    a, b = rows[-2], rows[-1]
    print(f"budget / all pairs: seconds {b[1] / a[1]:.2f}, pairs to the driver {b[3] / max(a[3], 1):.3f}, "
          f"peak {b[6] / a[6]:.2f}")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
