"""``guanlian collide`` on files: wall time and peak RSS of the whole command, beside the matcher alone.

Writes two person lists as real files — LEFT (CSV, Chinese headers: 姓名, 身份证号码, 出生日期, 性别, 联系电话)
and RIGHT (CSV, English headers: name, ID number, date of birth, gender, mobile) — from the labelled synthetic
generator the matching benchmark uses (a fifth of LEFT are variants or namesakes of RIGHT persons, the rest new
people), then runs, each as its own process under ``/usr/bin/time -v``:

* ``matcher``: :func:`guanlian.matching.matcher.collide` on the same records already in memory (pickled frames;
  the number issue 16's "100k × 1M under 10 s" target is about);
* ``guanlian collide``: the command end to end — read and check both files, match, lay out one row per
  record and candidate with both records named, write the CSV.

and prints a table with the ratio of each to the matcher in the same run. Run it under the shared lock:

Usage:
    flock /tmp/heavy.lock python benchmarks/collide_files.py                      # 100k x 1M
    python benchmarks/collide_files.py --left 2000 --right 20000 --work /tmp/cf   # a quick look
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from guanlian.matching.synth import make_labelled, make_people

_MATCHER = (
    "import sys, pandas as pd; sys.path.insert(0, sys.argv[1]);"
    "from guanlian.matching.matcher import collide;"
    "l = pd.read_pickle(sys.argv[2]); r = pd.read_pickle(sys.argv[3]);"
    "out = collide(l, r); print(len(out))"
)
_CLI = "import sys; sys.path.insert(0, sys.argv.pop(1)); from guanlian.cli import app; app()"


def timed(cmd: list[str], src: Path) -> tuple[float, float, str]:
    """Run ``cmd`` under ``/usr/bin/time -v``: (wall seconds, peak RSS GiB, stdout)."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    proc = subprocess.run(["/usr/bin/time", "-v", *cmd], capture_output=True, text=True, env=env, check=False)
    if proc.returncode:
        raise RuntimeError(f"{' '.join(cmd)} failed: {proc.stderr[-3000:]}")
    r = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    m = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", proc.stderr)
    assert m is not None and r is not None
    wall = int(m.group(1) or 0) * 3600 + int(m.group(2)) * 60 + float(m.group(3))
    return wall, int(r.group(1)) / 2**20, proc.stdout


def make_files(n_left: int, n_right: int, work: Path) -> tuple[Path, Path, Path, Path]:
    """The two lists as CSV files and as pickled matcher frames (same records)."""
    right, lab = make_labelled(n_right, n_left // 5, seed=3)
    taken = set(right["id_number"]) | set(lab["id_number"])
    fresh = make_people(n_left - len(lab), seed=11, exclude=taken).drop(columns=["kind"])
    cols = ["name", "id_number", "birth_date", "sex", "phone"]
    left = pd.concat([lab.reindex(columns=cols), fresh[cols]], ignore_index=True).fillna("")
    right = right.reindex(columns=cols).fillna("")
    work.mkdir(parents=True, exist_ok=True)
    lcsv, rcsv = work / "left.csv", work / "right.csv"
    left.set_axis(["姓名", "身份证号码", "出生日期", "性别", "联系电话"], axis=1).to_csv(lcsv, index=False)
    right.set_axis(["name", "ID number", "date of birth", "gender", "mobile"], axis=1).to_csv(rcsv, index=False)
    lp, rp = work / "left.pkl", work / "right.pkl"
    left.assign(row=np.arange(len(left)) + 2).to_pickle(lp)
    right.assign(row=np.arange(len(right)) + 2).to_pickle(rp)
    return lcsv, rcsv, lp, rp


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--left", type=int, default=100_000)
    ap.add_argument("--right", type=int, default=1_000_000)
    ap.add_argument("--work", type=Path, default=Path(".cache/collide_files"))
    ap.add_argument("--src", type=Path, default=Path(__file__).resolve().parents[1], help="package under test")
    args = ap.parse_args()
    sys.path.insert(0, str(Path(__file__).parent))
    from machine import describe

    print(describe(), flush=True)
    t0 = time.perf_counter()
    lcsv, rcsv, lp, rp = make_files(args.left, args.right, args.work)
    print(f"wrote {args.left:,} x {args.right:,} records ({lcsv.stat().st_size / 2**20:.0f} MiB + "
          f"{rcsv.stat().st_size / 2**20:.0f} MiB CSV) in {time.perf_counter() - t0:.0f} s", flush=True)
    print(f"load average before: {os.getloadavg()[0]:.1f}", flush=True)
    m_wall, m_rss, m_out = timed([sys.executable, "-c", _MATCHER, str(args.src), str(lp), str(rp)], args.src)
    out = args.work / "matches.csv"
    c_wall, c_rss, c_out = timed([sys.executable, "-c", _CLI, str(args.src), "collide", str(lcsv), str(rcsv),
                                  "--out", str(out), "--lang", "en"], args.src)
    print(f"load average after: {os.getloadavg()[0]:.1f}", flush=True)
    lines = sum(1 for _ in out.open(encoding="utf-8-sig")) - 1
    print(f"matcher pairs: {m_out.strip()}; output rows: {lines:,}")
    print(c_out.strip())
    print()
    print("| step | wall s | peak RSS GiB | wall / matcher |")
    print("|---|---:|---:|---:|")
    print(f"| matcher (`collide()` on frames in memory) | {m_wall:.1f} | {m_rss:.2f} | 1.00 |")
    print(f"| `guanlian collide left.csv right.csv --out matches.csv` | {c_wall:.1f} | {c_rss:.2f} | "
          f"{c_wall / m_wall:.2f} |")
    shutil.rmtree(args.work, ignore_errors=True)


if __name__ == "__main__":
    main()
