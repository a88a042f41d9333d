"""The ``xlarge`` world (≈10M rows) end to end, each step its own process, with a memory guard.

Generates the world (``guanlian.demo.generate(size="xlarge", seed=7)``) into ``WORK/world`` unless it is
there, then runs ``guanlian load``, ``guanlian match`` and ``guanlian scan --views none`` on a fresh store,
each as ``/usr/bin/time -v python benchmarks/rss_trace.py --log … -- ARGS`` (wall, peak RSS, and where the
memory was held, sampled as it goes). A guard samples the step's resident set every two seconds and kills the
step when it passes ``--max-gib`` or the machine's available memory drops under ``--min-free-gib``; the table
then names the step and the log where it was. After ``scan`` the planted truth is checked with
``benchmarks/cases.py``. ``--size large --data DIR`` runs the same steps on the 1M world for the same-code
comparison. Run it under the shared lock:

Usage:
    flock /tmp/heavy.lock python benchmarks/xlarge.py --work /work/bench-1m/xlarge
    flock /tmp/heavy.lock python benchmarks/xlarge.py --size large --data /work/bench-1m/world-large \
        --work /work/bench-1m/xlarge-1m
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from machine import describe  # benchmarks/machine.py (scripts run from this folder)

HERE = Path(__file__).resolve().parent


def _rss_gib(pid: int) -> float:
    """Resident set of ``pid`` and its children in GiB (0 when gone)."""
    total = 0
    for p in [pid, *_children(pid)]:
        try:
            with open(f"/proc/{p}/statm", encoding="ascii") as fh:
                total += int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except OSError:
            pass
    return total / 2**30


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as fh:
            kids = [int(x) for x in fh.read().split()]
    except OSError:
        return []
    return kids + [g for k in kids for g in _children(k)]


def _available_gib() -> float:
    with open("/proc/meminfo", encoding="ascii") as fh:
        m = re.search(r"MemAvailable:\s+(\d+) kB", fh.read())
    return int(m.group(1)) / 2**20 if m else 99.0


def run(name: str, cmd: list[str], work: Path, max_gib: float, min_free: float,
        env: dict[str, str]) -> dict[str, object]:
    """One step under ``/usr/bin/time -v`` with the guard; returns its record."""
    log = work / f"{name}.rss"
    log.unlink(missing_ok=True)
    out, err = (work / f"{name}.out").open("w"), (work / f"{name}.err").open("w")
    trace = [str(HERE / "rss_trace.py"), "--every", "2", "--log", str(log), "--"] if cmd[0] != "-c" else []
    full = ["/usr/bin/time", "-v", sys.executable, *trace, *cmd]
    t0 = time.perf_counter()
    proc = subprocess.Popen(full, stdout=out, stderr=err, env=env, start_new_session=True)
    peak, killed = 0.0, ""
    while proc.poll() is None:
        time.sleep(2)
        rss = _rss_gib(proc.pid)
        peak = max(peak, rss)
        avail = _available_gib()
        if rss > max_gib or avail < min_free:
            killed = f"RSS {rss:.2f} GiB, machine available {avail:.2f} GiB"
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            break
    wall = time.perf_counter() - t0
    out.close()
    err.close()
    rec: dict[str, object] = {"step": name, "wall_s": round(wall, 1), "guard_peak_gib": round(peak, 2),
                              "rc": proc.returncode, "killed": killed, "load_avg_end": os.getloadavg()[0]}
    text = (work / f"{name}.err").read_text(encoding="utf-8", errors="replace")
    r = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    if r:
        rec["peak_rss_gib"] = round(int(r.group(1)) / 2**20, 2)
    m = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", text)
    if m:
        rec["wall_s"] = round(int(m.group(1) or 0) * 3600 + int(m.group(2)) * 60 + float(m.group(3)), 1)
    print(json.dumps(rec), flush=True)
    return rec


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", default="xlarge")
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--data", type=Path, help="world folder (default WORK/world; generated when missing)")
    ap.add_argument("--src", type=Path, default=HERE.parent, help="package folder (default: this checkout)")
    ap.add_argument("--steps", default="load,match,scan")
    ap.add_argument("--max-gib", type=float, default=18.0)
    ap.add_argument("--min-free-gib", type=float, default=1.0)
    ns = ap.parse_args()
    work = ns.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    data = (ns.data or work / "world").resolve()
    src = ns.src.resolve()
    env = {**os.environ, "PYTHONPATH": str(src)}
    print(f"machine: {describe()}; load average {os.getloadavg()}; src {src}", flush=True)
    recs = []
    if not (data / "data" / "manifest.json").exists():
        code = ("import sys; from pathlib import Path; from guanlian.demo import generate; "
                "generate(Path(sys.argv[1]), size=sys.argv[2], seed=7)")
        rec = run("generate", ["-c", code, str(data), ns.size], work, ns.max_gib, ns.min_free_gib, env)
        recs.append(rec)
    store = work / "store"
    if "load" in ns.steps.split(","):  # a run of match/scan alone continues on the store a load left
        shutil.rmtree(store, ignore_errors=True)
    cmds = {
        "load": ["load", str(data / "data" / "manifest.json"), "--store", str(store), "--json"],
        "match": ["match", "--store", str(store), "--json"],
        "scan": ["scan", "--store", str(store), "--out", str(work / "scan"), "--views", "none"],
    }
    for step in ns.steps.split(","):
        rec = run(step, cmds[step], work, ns.max_gib, ns.min_free_gib, env)
        recs.append(rec)
        if rec["rc"] != 0:
            break
    else:
        if "scan" in ns.steps:
            shutil.copy(data / "truth.json", work / "scan" / "truth.json")
            sys.path.insert(0, str(HERE))
            import cases

            problems, counts = cases.check(work / "scan")
            print(json.dumps({"truth_check": counts, "problems": problems}, ensure_ascii=False), flush=True)
    (work / "results.json").write_text(json.dumps(recs, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
