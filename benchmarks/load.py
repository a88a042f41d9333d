"""Load benchmark: guanlian's load into the embedded store vs merely reading the same files (the floor).

For each generated dataset size it measures, in one run on the same files:

* floor: reading every file with pandas (``read_csv(dtype=str)``; ``read_excel(engine="calamine")``);
* load: ``guanlian.loaders.load_files`` into a fresh LadybugDB store (parse, validate, build, write, PAID);
* reload: the same call again (idempotent: nothing changes);

and prints a table with rows/s and the ratio load / floor.

Usage:
    python benchmarks/load.py                      # small, medium
    python benchmarks/load.py --sizes small medium large --work /tmp/gl-bench
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import time
from pathlib import Path

import pandas as pd

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


def bench(size: str, work: Path) -> dict[str, object]:
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
    start = time.perf_counter()
    summary = load_files(store, files, kinds=kinds, rejects_path=data_dir / "rejects.csv")
    load_s = time.perf_counter() - start
    rows = sum(f.read for f in summary.files)
    start = time.perf_counter()
    again = load_files(store, files, kinds=kinds, rejects_path=data_dir / "rejects.csv")
    reload_s = time.perf_counter() - start
    store.close()
    return {
        "size": size,
        "rows": rows,
        "files": len(files),
        "floor_s": round(floor, 2),
        "load_s": round(load_s, 2),
        "rows_per_s": int(rows / load_s),
        "ratio": round(load_s / floor, 1),
        "reload_s": round(reload_s, 2),
        "reload_unchanged": again.counts_before == again.counts_after,
        "reconciled": all(f.read == f.loaded + f.rejected for f in summary.files),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", nargs="+", default=["small", "medium"])
    ap.add_argument("--work", type=Path, default=Path("/tmp/guanlian-bench"))
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    print(f"machine: {platform.processor() or platform.machine()}, {platform.python_version()}")
    results = [bench(s, args.work) for s in args.sizes]
    cols = list(results[0])
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for r in results:
        print("| " + " | ".join(str(r[c]) for c in cols) + " |")


if __name__ == "__main__":
    main()
