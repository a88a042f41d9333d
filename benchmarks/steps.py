"""Peak memory and wall time of each CLI step as its own process (``/usr/bin/time -v``), on one generated world.

Runs ``guanlian load``, ``guanlian match`` and ``guanlian scan`` (and, with ``--demo``, ``guanlian demo``) one
after the other, each in a fresh process, and prints a table of wall seconds and peak RSS (GiB) per step. With
``--baseline-src DIR`` (``git archive <commit> guanlian | tar -x -C DIR``) the same steps run with that package
first, in the same run, and the table gives the ratio now / baseline for both. Run it under the shared lock:

Usage:
    flock /tmp/heavy.lock python benchmarks/steps.py --size large --work .cache/steps
    flock /tmp/heavy.lock python benchmarks/steps.py --size large --baseline-src /tmp/guanlian-before --demo
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from machine import describe  # benchmarks/machine.py (scripts run from this folder)

_CLI = "import sys; sys.path.insert(0, sys.argv.pop(1)); from guanlian.cli import app; app()"


def timed(src: Path, args: list[str]) -> tuple[float, float]:
    """Run ``guanlian ARGS`` with the package under ``src``; return (wall seconds, peak RSS GiB)."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    proc = subprocess.run(["/usr/bin/time", "-v", sys.executable, "-c", _CLI, str(src), *args],
                          capture_output=True, text=True, env=env, check=False)
    if proc.returncode:
        raise RuntimeError(f"guanlian {' '.join(args)} failed: {proc.stderr[-3000:]}")
    r = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    m = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", proc.stderr)
    assert m is not None and r is not None
    rss = int(r.group(1))
    wall = int(m.group(1) or 0) * 3600 + int(m.group(2)) * 60 + float(m.group(3))
    return wall, rss / 2**20


def run_steps(src: Path, data: Path, work: Path, demo: bool, size: str) -> dict[str, tuple[float, float]]:
    """Every step on a fresh store under ``work``: {step: (wall s, peak GiB)}."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    store = str(work / "store")
    out: dict[str, tuple[float, float]] = {}
    out["load"] = timed(src, ["load", str(data / "data" / "manifest.json"), "--store", store, "--json"])
    out["match"] = timed(src, ["match", "--store", store, "--json"])
    out["scan"] = timed(src, ["scan", "--store", store, "--out", str(work / "scan")])
    if demo:
        out["demo"] = timed(src, ["demo", "--size", size, "--out", str(work / "demo")])
    shutil.rmtree(work, ignore_errors=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", default="medium")
    ap.add_argument("--work", type=Path, default=Path(".cache/steps"))
    ap.add_argument("--baseline-src", type=Path)
    ap.add_argument("--src", type=Path, help="package folder for the measured run (default: this checkout)")
    ap.add_argument("--demo", action="store_true", help="also time `guanlian demo --size SIZE` in one process")
    ns = ap.parse_args()
    here = (ns.src or Path(__file__).parent.parent).resolve()
    work = ns.work.resolve()
    data = work / f"world-{ns.size}"
    if not (data / "data" / "manifest.json").exists():
        from guanlian.demo import generate
        generate(data, size=ns.size, seed=7)
    load0 = os.getloadavg()
    base = run_steps(ns.baseline_src.resolve(), data, work / "base", ns.demo, ns.size) if ns.baseline_src else None
    now = run_steps(here, data, work / "now", ns.demo, ns.size)
    print(f"machine: {describe()}; size {ns.size}; load average {load0[0]:.2f} → {os.getloadavg()[0]:.2f}")
    head = "| step | wall s | peak RSS GiB |" + (" baseline wall s | baseline GiB | wall ratio | RSS ratio |" if base else "")
    print(head)
    print("|---" * (head.count("|") - 1) + "|")
    for step, (wall, gib) in now.items():
        row = f"| {step} | {wall:.1f} | {gib:.2f} |"
        if base:
            bw, bg = base[step]
            row += f" {bw:.1f} | {bg:.2f} | {wall / bw:.2f} | {gib / bg:.2f} |"
        print(row)
    print(json.dumps({"size": ns.size, "now": now, "baseline": base}))


if __name__ == "__main__":
    main()
