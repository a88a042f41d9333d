"""Crash safety of output files: ``kill -9`` a ``guanlian collide`` while it writes its CSV.

The kill is anchored on the writer's temporary file (it exists only while the rows are being written), so it
lands inside the write. The earlier output must survive byte for byte — a truncated CSV looks like a complete
one — and the next complete run writes the same bytes as a clean run and removes what the killed one left.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pandas as pd

from guanlian.matching.synth import make_labelled, make_people

from .conftest import cli


def _lists(folder: Path, n_left: int, n_right: int) -> tuple[Path, Path]:
    right, lab = make_labelled(n_right, n_left // 5, seed=3)
    taken = set(right["id_number"]) | set(lab["id_number"])
    fresh = make_people(n_left - len(lab), seed=11, exclude=taken)
    cols = ["name", "id_number", "birth_date", "sex", "phone"]
    left = pd.concat([lab.reindex(columns=cols), fresh.reindex(columns=cols)], ignore_index=True).fillna("")
    heads = ["姓名", "身份证号码", "出生日期", "性别", "联系电话"]
    lp, rp = folder / "left.csv", folder / "right.csv"
    left.set_axis(heads, axis=1).to_csv(lp, index=False)
    right.reindex(columns=cols).fillna("").set_axis(heads, axis=1).to_csv(rp, index=False)
    return lp, rp


def test_kill_9_while_collide_writes_keeps_the_previous_output(tmp_path: Path) -> None:
    lp, rp = _lists(tmp_path, 8_000, 80_000)
    args = ("collide", str(lp), str(rp), "--unmatched", "--lang", "en")
    clean = tmp_path / "clean.csv"
    subprocess.run(cli(*args, "--out", str(clean)), check=True, capture_output=True, timeout=600)
    assert clean.stat().st_size > 500_000  # enough rows that the write takes a while

    out = tmp_path / "cases" / "pairs.csv"
    out.parent.mkdir()
    out.write_bytes(b"the previous run's pairs\n")
    stale: list[Path] = []
    for _attempt in range(5):
        proc = subprocess.Popen(cli(*args, "--out", str(out)), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 600
        while proc.poll() is None and time.monotonic() < deadline:
            stale = [p for p in out.parent.glob(".pairs.*.tmp.csv") if p.stat().st_size > 0]
            if stale:
                os.kill(proc.pid, signal.SIGKILL)
                break
            time.sleep(0.001)
        proc.wait(timeout=60)
        if stale and proc.returncode == -signal.SIGKILL:
            break
        assert out.read_bytes() == clean.read_bytes()  # finished before the kill: a whole file, then try again
        out.write_bytes(b"the previous run's pairs\n")
    assert stale, "the write was never caught in progress"
    assert out.read_bytes() == b"the previous run's pairs\n"  # not truncated, not half replaced
    assert stale[0].exists()  # kill -9 runs no cleanup: the temporary file is still there

    live = out.parent / f".pairs.{os.getpid()}.tmp.csv"  # near miss: a writer still running (this process)
    live.write_bytes(b"being written")
    subprocess.run(cli(*args, "--out", str(out)), check=True, capture_output=True, timeout=600)
    assert out.read_bytes() == clean.read_bytes()
    # the killed writer's file removed, the running one's kept
    assert sorted(p.name for p in out.parent.iterdir()) == sorted(["pairs.csv", live.name])
