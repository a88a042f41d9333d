"""Incremental load: one new month of payments (≈1 % new rows) into a loaded store, then match and scan,
against the full pipeline (load, match, scan of the whole world) in the same run (issue 18 item 5).

The new month comes from the demo world generator: the world of ``--size``/``--seed`` is built again and
``--share`` of its row count is drawn from its background payments (no scheme or decoy rows are drawn; the new
rows can still complete a pattern, e.g. one more payment), given dates in January 2025 (the world ends on
2024-12-31) and new voucher numbers, and written like the 2022–2024 treasury export (``treasury_2025_01.csv``,
GB18030). It is made once next to the world (``DATA/extra/``) and reused.

Steps, each as its own process (``/usr/bin/time -v``, see ``benchmarks/steps.py``):

* full: ``load`` of every file into a fresh store, ``match``, ``scan --views VIEWS`` (default none);
* incremental: a copy of the full run's store, ``load`` of the new month, ``match``, ``scan --views VIEWS`` into a
  copy of the full run's scan folder (a user scans into the same folder again: views of unchanged findings are
  kept, see ``render_finding_views``; ``--fresh-scan`` scans into an empty folder instead).

Prints wall seconds and peak RSS per step and the ratio incremental / full of the summed wall times (target
≤ 0.10). With ``--base-store`` the full run is skipped and the incremental steps start from a copy of that store
(e.g. the store a timed ``guanlian demo`` of the same world left). Run it under the shared lock:

Usage:
    cd benchmarks
    flock /tmp/heavy.lock python incremental.py --data /work/bench-1m/world-large --work /tmp/inc
    python incremental.py --size small --work ../.cache/incremental
    flock /tmp/heavy.lock python incremental.py --data /work/bench-1m/world-large --base-store DEMO/store --views all
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
from pathlib import Path

from machine import describe  # benchmarks/machine.py (scripts run from this folder)
from steps import generate_timed, timed


def extra_month(data: Path, size: str, seed: int, share: float) -> Path:
    """Write (once) the new month of payments for the world in ``data`` into ``data/extra``; returns the file.

    Example:
        >>> # extra_month(Path("/work/bench-1m/world-large"), "large", 7, 0.01).name
        >>> # 'treasury_2025_01.csv'
    """
    from guanlian.demo.extra import extra_month as write_month

    return write_month(data / "extra", size, seed, share)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", default="large")
    ap.add_argument("--seed", type=int, default=7, help="the world's seed (the world in --data must have it)")
    ap.add_argument("--share", type=float, default=0.01, help="new rows as a share of the world's rows")
    ap.add_argument("--data", type=Path, help="world folder (generated there when missing; default WORK/world-SIZE)")
    ap.add_argument("--work", type=Path, default=Path(".cache/incremental"))
    ap.add_argument("--src", type=Path, help="package folder (default: this checkout)")
    ap.add_argument("--keep", action="store_true", help="keep the stores and outputs afterwards")
    ap.add_argument("--base-store", type=Path, help="skip the full run: copy this loaded and matched store of the "
                    "same world instead (its full-pipeline times then come from elsewhere, e.g. a timed demo)")
    ap.add_argument("--base-scan", type=Path, help="with --base-store: the scan folder of that store (copied; the "
                    "incremental scan writes into the copy)")
    ap.add_argument("--fresh-scan", action="store_true", help="incremental scan into an empty folder")
    ap.add_argument("--views", default="none", help="--views of both scans (none, top:N, all)")
    ns = ap.parse_args()
    src = (ns.src or Path(__file__).parent.parent).resolve()
    work = ns.work.resolve()
    data = (ns.data or work / f"world-{ns.size}").resolve()
    if not (data / "data" / "manifest.json").exists():
        generate_timed(src, data, ns.size)
    extra = extra_month(data, ns.size, ns.seed, ns.share)
    load0 = os.getloadavg()
    shutil.rmtree(work / "full", ignore_errors=True)
    shutil.rmtree(work / "inc", ignore_errors=True)
    (work / "full").mkdir(parents=True)
    full_store, inc_store = work / "full" / "store", work / "inc" / "store"
    full: dict[str, tuple[float, float]] = {}
    if ns.base_store is None:
        full = {
            "load": timed(src, ["load", str(data / "data" / "manifest.json"), "--store", str(full_store), "--json"],
                          work / "full" / "load.json"),
            "match": timed(src, ["match", "--store", str(full_store), "--json"], work / "full" / "match.json"),
            "scan": timed(src, ["scan", "--store", str(full_store), "--out", str(work / "full" / "scan"),
                                "--views", ns.views]),
        }
    shutil.copytree(ns.base_store or full_store, inc_store)
    prev_scan = ns.base_scan if ns.base_store is not None else work / "full" / "scan"
    if not ns.fresh_scan and prev_scan is not None and prev_scan.is_dir():
        shutil.copytree(prev_scan, work / "inc" / "scan")
    inc = {
        "load": timed(src, ["load", str(extra), "--kind", "payments", "--store", str(inc_store), "--json"],
                      work / "inc" / "load.json"),
        "match": timed(src, ["match", "--store", str(inc_store), "--json"], work / "inc" / "match.json"),
        "scan": timed(src, ["scan", "--store", str(inc_store), "--out", str(work / "inc" / "scan"),
                            "--views", ns.views]),
    }
    loaded = json.loads((work / "inc" / "load.json").read_text(encoding="utf-8"))
    new_rows = sum(f["read"] for f in loaded["files"])
    print(f"machine: {describe()}; size {ns.size}; new month {extra.name} ({new_rows} rows read); "
          f"load average {load0[0]:.2f} → {os.getloadavg()[0]:.2f}")
    print("| step | full wall s | full GiB | incremental wall s | incremental GiB | wall ratio |")
    print("|---|---:|---:|---:|---:|---:|")
    for step, (iw, ig) in inc.items():
        fw, fg = full.get(step, (float("nan"), float("nan")))
        print(f"| {step} | {fw:.1f} | {fg:.2f} | {iw:.1f} | {ig:.2f} | {iw / fw:.2f} |")
    fw_all, iw_all = sum(w for w, _ in full.values()) or float("nan"), sum(w for w, _ in inc.values())
    print(f"| total | {fw_all:.1f} | {max((g for _, g in full.values()), default=float('nan')):.2f} | {iw_all:.1f} | "
          f"{max(g for _, g in inc.values()):.2f} | {iw_all / fw_all:.2f} |")
    matched = json.loads((work / "inc" / "match.json").read_text(encoding="utf-8"))
    print(f"incremental match mode: {matched.get('mode', '?')}")
    runs = {}
    for side in ("full", "inc"):
        doc = work / side / "scan" / "findings.json"
        if doc.exists():
            runs[side] = {r["id"]: r["seconds"]
                          for r in json.loads(doc.read_text(encoding="utf-8")).get("query_runs", [])}
    if runs:
        print("| saved query | full s | incremental s |")
        print("|---|---:|---:|")
        for q in runs.get("inc", runs.get("full", {})):
            print(f"| {q} | {runs.get('full', {}).get(q, float('nan')):.2f} | {runs.get('inc', {}).get(q, float('nan')):.2f} |")
    print(json.dumps({"size": ns.size, "full": full, "incremental": inc, "load_seconds": loaded.get("seconds"),
                      "match_mode": matched.get("mode")}))
    if not ns.keep:
        shutil.rmtree(work / "full", ignore_errors=True)
        shutil.rmtree(work / "inc", ignore_errors=True)


if __name__ == "__main__":
    main()
