"""Load benchmark: guanlian's load into the embedded store vs merely reading the same files (the floor).

For each generated dataset size it measures, in one run on the same files:

* floor: reading every file with pandas (``read_csv(dtype=str)``; ``read_excel(engine="calamine")``);
* load: ``guanlian.loaders.load_files`` into a fresh LadybugDB store (parse, validate, build, write, PAID);
* reload: the same call again (idempotent: nothing changes);

and prints a table with rows/s and the ratio load / floor, the load's steps (parse, write, PAID rebuild), its CPU
seconds (this process and the parse workers), the seconds spent inside the engine's ``COPY`` statements (the
bulk write itself: a floor for any loader on this engine) and the load average. With ``--baseline-src DIR`` (a copy of an
older ``guanlian`` package, e.g. ``git archive <commit> guanlian | tar -x -C DIR``) the same files are also
loaded by that code in a subprocess, right after, and the table gives the ratio baseline / load: on a shared
machine the ratio moves much less than either time.

Usage:
    python benchmarks/load.py                      # small, medium
    python benchmarks/load.py --sizes small medium large --work /tmp/gl-bench
    python benchmarks/load.py --sizes large --baseline-src /tmp/guanlian-before
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
from machine import describe  # benchmarks/machine.py (scripts run from this folder)

from guanlian.demo import generate
from guanlian.graph.ladybug import LadybugStore
from guanlian.loaders import load_files


def read_floor(files: list[Path]) -> float:
    """Seconds to read every file into DataFrames of strings (no parsing, no graph)."""
    start = time.perf_counter()
    for f in files:
        if f.suffix.lower() in {".xlsx", ".xls"}:
            pd.read_excel(f, engine="calamine", dtype=str, header=None)
        else:
            raw = f.read_bytes()
            enc = "utf-8-sig" if raw.startswith(b"\xef\xbb\xbf") else "utf-8"
            try:
                raw.decode(enc)
            except UnicodeDecodeError:
                enc = "gb18030"
            pd.read_csv(f, dtype=str, header=None, encoding=enc, keep_default_na=False, on_bad_lines="skip",
                        engine="c", skip_blank_lines=True)
    return time.perf_counter() - start


_BASELINE = """
import json, shutil, sys, time
sys.path.insert(0, sys.argv[1])
from guanlian.graph.ladybug import LadybugStore
from guanlian.loaders import load_files
files, kinds = json.loads(sys.argv[2]), json.loads(sys.argv[3])
shutil.rmtree(sys.argv[4], ignore_errors=True)
store = LadybugStore(sys.argv[4])
t = time.perf_counter()
from pathlib import Path
load_files(store, files, kinds=kinds, rejects_path=Path(sys.argv[4] + "-rejects.csv"))
print(json.dumps({"load_s": time.perf_counter() - t}))
store.close()
"""


def baseline_load(src: Path, files: list[Path], kinds: list[str], store: Path) -> float:
    """Seconds the package under ``src`` takes to load ``files`` into a fresh store (run in a subprocess)."""
    proc = subprocess.run(
        [sys.executable, "-c", _BASELINE, str(src), json.dumps([str(f) for f in files]), json.dumps(kinds),
         str(store)],
        capture_output=True, text=True, check=False, cwd=src,
    )
    if proc.returncode:
        raise RuntimeError(f"baseline load failed: {proc.stderr[-2000:]}")
    shutil.rmtree(store, ignore_errors=True)
    return float(json.loads(proc.stdout.strip().splitlines()[-1])["load_s"])


def _cpu() -> float:
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def bench(size: str, work: Path, baseline: Path | None = None) -> dict[str, object]:
    data_dir = work / size
    manifest = data_dir / "data" / "manifest.json"
    if not manifest.exists():
        generate(data_dir, size=size, seed=7)
    doc = json.loads(manifest.read_text(encoding="utf-8"))
    files = [manifest.parent / f["path"] for f in doc["files"]]
    kinds = [f["kind"] for f in doc["files"]]
    floor = read_floor(files)
    store_dir = data_dir / "store"
    shutil.rmtree(store_dir, ignore_errors=True)
    store = LadybugStore(store_dir)
    copy_s = [0.0]
    execute = store.execute

    def timed_execute(cypher: str, params: dict[str, object] | None = None) -> None:
        t = time.perf_counter()
        execute(cypher, params)
        if cypher.startswith("COPY "):
            copy_s[0] += time.perf_counter() - t

    store.execute = timed_execute  # type: ignore[method-assign]  # the engine's own bulk write, timed alone
    load_before = os.getloadavg()[0]
    cpu0, start = _cpu(), time.perf_counter()
    summary = load_files(store, files, kinds=kinds, rejects_path=data_dir / "rejects.csv")
    load_s = time.perf_counter() - start
    cpu_s = _cpu() - cpu0
    rows = sum(f.read for f in summary.files)
    copy_first = copy_s[0]
    start = time.perf_counter()
    again = load_files(store, files, kinds=kinds, rejects_path=data_dir / "rejects.csv")
    reload_s = time.perf_counter() - start
    store.close()
    out: dict[str, object] = {
        "size": size,
        "rows": rows,
        "files": len(files),
        "floor_s": round(floor, 2),
        "load_s": round(load_s, 2),
        "parse/write/PAID s": "/".join(f"{summary.seconds[k]:.1f}" for k in ("parse", "write", "derive")),
        "cpu_s": round(cpu_s, 1),
        "COPY_s": round(copy_first, 1),
        "COPY/floor": round(copy_first / floor, 1),
        "rows_per_s": int(rows / load_s),
        "load/floor": round(load_s / floor, 1),
        "reload_s": round(reload_s, 2),
        "reload_unchanged": again.counts_before == again.counts_after,
        "reconciled": all(f.read == f.loaded + f.rejected for f in summary.files),
    }
    if baseline is not None:
        base_s = baseline_load(baseline, files, kinds, data_dir / "baseline-store")
        out["baseline_s"] = round(base_s, 2)
        out["baseline/load"] = round(base_s / load_s, 2)
    out["loadavg before/after"] = f"{load_before:.1f}/{os.getloadavg()[0]:.1f}"
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", nargs="+", default=["small", "medium"])
    ap.add_argument("--work", type=Path, default=Path("/tmp/guanlian-bench"))
    ap.add_argument("--baseline-src", type=Path, default=None,
                    help="directory holding an older guanlian package to load the same files with, for a ratio")
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    print(f"machine: {describe()}, Python {platform.python_version()}")
    results = [bench(s, args.work, args.baseline_src) for s in args.sizes]
    cols = list(results[0])
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for r in results:
        print("| " + " | ".join(str(r[c]) for c in cols) + " |")


if __name__ == "__main__":
    main()
