"""Peak memory and wall time of each CLI step as its own process (``/usr/bin/time -v``), on one generated world.

Runs ``guanlian load``, ``guanlian match``, ``guanlian scan --views none`` (queries, findings, report.html/.xlsx)
and ``guanlian scan --views all`` (the same plus one view per finding) (and, with ``--demo``, ``guanlian demo``)
one after the other, each in a fresh process, and prints a table of wall seconds and peak RSS (GiB) per step.
The world is generated once (timed as the ``generate`` step, its own process) into ``--data`` (default
``WORK/world-SIZE``) and reused by later runs. With
``--baseline-src DIR`` (``git archive <commit> guanlian | tar -x -C DIR``) the same steps run with that package
first, in the same run, and the table gives the ratio now / baseline for both. Run it under the shared lock:

Usage:
    flock /tmp/heavy.lock python benchmarks/steps.py --size large --work .cache/steps
    flock /tmp/heavy.lock python benchmarks/steps.py --size large --baseline-src /tmp/guanlian-before --demo
    flock /tmp/heavy.lock python benchmarks/steps.py --size large --data /work/bench-1m/world-large --steps load,match
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


def timed(src: Path, args: list[str], stdout: Path | None = None) -> tuple[float, float]:
    """Run ``guanlian ARGS`` with the package under ``src``; return (wall seconds, peak RSS GiB).

    ``stdout``: also keep what the command printed there (``match --json`` gives the link counts)."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    proc = subprocess.run(["/usr/bin/time", "-v", sys.executable, "-c", _CLI, str(src), *args],
                          capture_output=True, text=True, env=env, check=False)
    if proc.returncode:
        raise RuntimeError(f"guanlian {' '.join(args)} failed: {proc.stderr[-3000:]}")
    if stdout is not None:
        stdout.write_text(proc.stdout, encoding="utf-8")
    return _parse_time(proc.stderr)


def _parse_time(stderr: str) -> tuple[float, float]:
    """(wall seconds, peak RSS GiB) from ``/usr/bin/time -v`` output."""
    r = re.search(r"Maximum resident set size \(kbytes\): (\d+)", stderr)
    m = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", stderr)
    assert m is not None and r is not None
    rss = int(r.group(1))
    wall = int(m.group(1) or 0) * 3600 + int(m.group(2)) * 60 + float(m.group(3))
    return wall, rss / 2**20


STEPS = ("load", "match", "scan", "views")
"""``scan`` runs with ``--views none`` (queries, findings, reports); ``views`` is ``scan --views all``."""


def run_steps(src: Path, data: Path, work: Path, demo: bool, size: str,
              steps: tuple[str, ...] = STEPS, keep: bool = False) -> dict[str, tuple[float, float]]:
    """The chosen steps (in order; ``match`` and the scans need ``load``) on a fresh store under ``work``:
    {step: (wall s, peak GiB)}."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    store = str(work / "store")
    out: dict[str, tuple[float, float]] = {}
    if "load" in steps:
        out["load"] = timed(src, ["load", str(data / "data" / "manifest.json"), "--store", store, "--json"],
                            work / "load.json")
    if "match" in steps:
        out["match"] = timed(src, ["match", "--store", store, "--json"], work / "match.json")
    if "scan" in steps:
        out["scan"] = timed(src, ["scan", "--store", store, "--out", str(work / "scan"), "--views", "none"])
    if "views" in steps:
        out["views"] = timed(src, ["scan", "--store", store, "--out", str(work / "views"), "--views", "all"])
    if demo:
        out["demo"] = timed(src, ["demo", "--size", size, "--out", str(work / "demo")])
    if not keep:
        shutil.rmtree(work, ignore_errors=True)
    return out


def generate_timed(src: Path, data: Path, size: str) -> tuple[float, float]:
    """Generate the world into ``data`` in its own process (seed 7): (wall s, peak GiB)."""
    code = ("import sys; sys.path.insert(0, sys.argv[1]); from pathlib import Path; "
            "from guanlian.demo import generate; generate(Path(sys.argv[2]), size=sys.argv[3], seed=7)")
    env = {**os.environ, "PYTHONPATH": str(src)}
    proc = subprocess.run(["/usr/bin/time", "-v", sys.executable, "-c", code, str(src), str(data), size],
                          capture_output=True, text=True, env=env, check=False)
    if proc.returncode:
        raise RuntimeError(f"generate failed: {proc.stderr[-3000:]}")
    return _parse_time(proc.stderr)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", default="medium")
    ap.add_argument("--work", type=Path, default=Path(".cache/steps"))
    ap.add_argument("--baseline-src", type=Path)
    ap.add_argument("--src", type=Path, help="package folder for the measured run (default: this checkout)")
    ap.add_argument("--demo", action="store_true", help="also time `guanlian demo --size SIZE` in one process")
    ap.add_argument("--data", type=Path, help="world folder to reuse (generated there when missing)")
    ap.add_argument("--keep", action="store_true", help="keep WORK/now (the store and outputs) afterwards")
    ap.add_argument("--steps", default=",".join(STEPS), help=f"comma-separated subset of {','.join(STEPS)}")
    ns = ap.parse_args()
    here = (ns.src or Path(__file__).parent.parent).resolve()
    work = ns.work.resolve()
    data = (ns.data or work / f"world-{ns.size}").resolve()
    steps = tuple(s for s in ns.steps.split(",") if s)
    unknown = set(steps) - set(STEPS)
    if unknown:
        raise SystemExit(f"unknown steps {sorted(unknown)}; choose from {STEPS}")
    gen = None
    if not (data / "data" / "manifest.json").exists():
        gen = generate_timed(here, data, ns.size)
    load0 = os.getloadavg()
    base = run_steps(ns.baseline_src.resolve(), data, work / "base", ns.demo, ns.size, steps) if ns.baseline_src else None
    now = run_steps(here, data, work / "now", ns.demo, ns.size, steps, ns.keep)
    if gen is not None:
        now = {"generate": gen, **now}
    print(f"machine: {describe()}; size {ns.size}; load average {load0[0]:.2f} → {os.getloadavg()[0]:.2f}")
    head = "| step | wall s | peak RSS GiB |" + (" baseline wall s | baseline GiB | wall ratio | RSS ratio |" if base else "")
    print(head)
    print("|---" * (head.count("|") - 1) + "|")
    for step, (wall, gib) in now.items():
        row = f"| {step} | {wall:.1f} | {gib:.2f} |"
        if base and step in base:
            bw, bg = base[step]
            row += f" {bw:.1f} | {bg:.2f} | {wall / bw:.2f} | {gib / bg:.2f} |"
        print(row)
    print(json.dumps({"size": ns.size, "now": now, "baseline": base}))


if __name__ == "__main__":
    main()
