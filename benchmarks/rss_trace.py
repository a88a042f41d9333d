"""Where a ``guanlian`` command holds its memory: resident set sampled over time with the code running then.

Runs ``guanlian ARGS`` in this process while a thread samples the resident set (``/proc/self/statm``) every
``--every`` seconds together with the innermost ``guanlian`` frames of the main thread. Prints the RSS
timeline folded by code location (highest RSS seen while each location ran, and for how long) and the stack
at the overall peak. Cheap enough for 1M-row runs (no allocation hooks), so it finds the step to cut before a
finer tool (tracemalloc, memray) looks inside it. Run it under the shared lock for big worlds:

Usage:
    flock /tmp/heavy.lock python benchmarks/rss_trace.py -- scan --store S --out /tmp/o
    python benchmarks/rss_trace.py --every 0.1 --top 15 -- match --store S
    python benchmarks/rss_trace.py --every 2 --log /tmp/load.rss -- load M.json --store S   # tail -f the log
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
import traceback
from pathlib import Path
from types import FrameType

_PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_gib() -> float:
    """The resident set of this process in GiB (``/proc/self/statm``)."""
    with open("/proc/self/statm", encoding="ascii") as fh:
        return int(fh.read().split()[1]) * _PAGE / 2**30


def where(frame: FrameType, depth: int) -> tuple[str, ...]:
    """The innermost ``depth`` frames of ``frame`` that belong to guanlian, outermost first."""
    stack = traceback.extract_stack(frame)
    ours = [f"{Path(f.filename).name}:{f.name}:{f.lineno}" for f in stack if "/guanlian/" in f.filename]
    return tuple(ours[-depth:])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--every", type=float, default=0.25, help="sampling interval in seconds")
    ap.add_argument("--depth", type=int, default=4, help="guanlian frames kept per sample")
    ap.add_argument("--top", type=int, default=12, help="locations printed")
    ap.add_argument("--log", type=Path, help="also append every sample to this file as it is taken (t s, RSS GiB, "
                    "frames), so a run killed for its memory still shows where it was")
    ap.add_argument("args", nargs=argparse.REMAINDER, help="-- then the guanlian arguments")
    ns = ap.parse_args()
    args = ns.args[1:] if ns.args[:1] == ["--"] else ns.args
    main_id = threading.get_ident()
    samples: list[tuple[float, float, tuple[str, ...]]] = []
    stop = threading.Event()
    t0 = time.perf_counter()

    log = ns.log.open("a", encoding="utf-8", buffering=1) if ns.log else None

    def sample() -> None:
        while not stop.wait(ns.every):
            frame = sys._current_frames().get(main_id)
            samples.append((time.perf_counter() - t0, rss_gib(), where(frame, ns.depth) if frame else ()))
            if log is not None:
                t, rss, loc = samples[-1]
                log.write(f"{t:.1f}\t{rss:.2f}\t{' → '.join(loc)}\n")

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    from guanlian.cli import app

    sys.argv = ["guanlian", *args]
    try:
        app()
    except SystemExit as exc:
        if exc.code not in (0, None):
            raise
    finally:
        stop.set()
        th.join()
    by_loc: dict[tuple[str, ...], list[float]] = {}
    for _t, rss, loc in samples:
        agg = by_loc.setdefault(loc, [0.0, 0.0])
        agg[0] = max(agg[0], rss)
        agg[1] += ns.every
    print(f"wall {time.perf_counter() - t0:.1f} s; peak sampled RSS {max((s[1] for s in samples), default=0):.2f} GiB")
    print("| max RSS GiB | seconds | where (guanlian frames, outer → inner) |\n|---:|---:|---|")
    for loc, (peak, secs) in sorted(by_loc.items(), key=lambda kv: -kv[1][0])[: ns.top]:
        print(f"| {peak:.2f} | {secs:.1f} | {' → '.join(loc) or '(outside guanlian)'} |")
    print("timeline (every ~5% of the run): t s, RSS GiB, innermost frame")
    step = max(1, len(samples) // 20)
    for t, rss, loc in samples[::step]:
        print(f"  {t:7.1f}  {rss:6.2f}  {loc[-1] if loc else '-'}")


if __name__ == "__main__":
    main()
