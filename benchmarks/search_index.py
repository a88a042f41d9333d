"""Build time of the workbench's search index on an existing store, now against a baseline package, same run.

Each repeat runs one fresh process per package (baseline first, then now, alternating, so a change in the
machine's load hits both alike). A process opens the store read-only and times, with wall and CPU seconds:

* ``SearchIndex.build(store)``: read every searchable node and build the lookup tables;
* ``Workbench.index()``: the same plus what the workbench does next (registering the public key of every
  entry whose key may hold a resident ID) — what the first search request after a start or a store change
  pays.

Prints a table (median and min per package; ratios now / baseline of the wall and of the CPU medians — on a
shared machine the CPU ratio is the steadier one) and one JSON line. Make the
baseline with ``git archive <commit> guanlian | tar -x -C DIR``. At 1M rows run it under the shared lock.

Usage:
    python benchmarks/search_index.py --store /tmp/medium/store --baseline-src /tmp/guanlian-before --repeat 5
    flock /tmp/heavy.lock python benchmarks/search_index.py --store /work/bench-1m/store --baseline-src DIR
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from machine import describe  # benchmarks/machine.py (scripts run from this folder)

_CHILD = r"""
import json, sys, tempfile, time
sys.path.insert(0, sys.argv[1])
from pathlib import Path
from guanlian.graph import open_store
from guanlian.workbench.search import SearchIndex
from guanlian.workbench.service import Workbench
out = {}
s = open_store(sys.argv[2], read_only=True, create=False)
w0, c0 = time.perf_counter(), time.process_time()
idx = SearchIndex.build(s)
out["build"] = (time.perf_counter() - w0, time.process_time() - c0)
out["entries"] = len(idx.entries)
s.close()
tmp = Path(tempfile.mkdtemp())
wb = Workbench(sys.argv[2], clues=tmp / "clues.db", sidecar=tmp)
with wb.store():
    pass
w0, c0 = time.perf_counter(), time.process_time()
wb.index()
out["index"] = (time.perf_counter() - w0, time.process_time() - c0)
wb.close()
print(json.dumps(out))
"""


Timing = dict[str, list[float]]
"""One process's result: ``{"build": [wall, cpu], "index": [wall, cpu], "entries": [n]}``."""


def run_once(src: Path, store: str) -> Timing:
    """One process with the package under ``src`` (see :data:`Timing`)."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    proc = subprocess.run([sys.executable, "-c", _CHILD, str(src), store], capture_output=True, text=True,
                          env=env, check=False)
    if proc.returncode:
        raise SystemExit(f"{src}: {proc.stderr.strip()[-2000:]}")
    raw = json.loads(proc.stdout.strip().splitlines()[-1])
    return {k: [float(x) for x in v] if isinstance(v, list) else [float(v)] for k, v in raw.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", required=True)
    ap.add_argument("--baseline-src", type=Path)
    ap.add_argument("--repeat", type=int, default=3)
    ns = ap.parse_args()
    now_src = Path(__file__).resolve().parents[1]
    packages = ([("baseline", ns.baseline_src.resolve())] if ns.baseline_src else []) + [("now", now_src)]
    runs: dict[str, list[Timing]] = {name: [] for name, _ in packages}
    load = [os.getloadavg()[0]]
    for _ in range(ns.repeat):
        for name, src in packages:
            runs[name].append(run_once(src, ns.store))
    load.append(os.getloadavg()[0])
    print(f"store: {ns.store}; entries: {int(runs['now'][0]['entries'][0]):,}; repeat {ns.repeat}; {describe()}; "
          f"load average {load[0]:.1f} → {load[1]:.1f}")
    summary: dict[str, dict[str, float]] = {}
    for name in runs:
        for step in ("build", "index"):
            walls = [r[step][0] for r in runs[name]]
            cpus = [r[step][1] for r in runs[name]]
            summary[f"{name} {step}"] = {"wall_median": statistics.median(walls), "wall_min": min(walls),
                                         "cpu_median": statistics.median(cpus)}
    print("| step | package | wall s (median) | wall s (min) | CPU s (median) | wall ratio | CPU ratio |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for step in ("build", "index"):
        base = summary.get(f"baseline {step}")
        for name in runs:
            m = summary[f"{name} {step}"]
            ratios = (f"{m['wall_median'] / base['wall_median']:.2f} | {m['cpu_median'] / base['cpu_median']:.2f}"
                      if base and name == "now" else " | ")
            label = {"build": "SearchIndex.build", "index": "Workbench.index()"}[step]
            print(f"| {label} | {name} | {m['wall_median']:.2f} | {m['wall_min']:.2f} | {m['cpu_median']:.2f} | "
                  f"{ratios} |")
    print(json.dumps({"store": ns.store, "repeat": ns.repeat, "load": load, "summary": summary}))


if __name__ == "__main__":
    main()
