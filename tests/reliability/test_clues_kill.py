"""``kill -9`` during ``guanlian clues add`` (the CLI), at three points; rerunning the same command gives exactly
the library of a clean add (same short ids, fingerprints, statuses, scores, history), and SQLite's integrity
check passes after each kill.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

from .conftest import cli

N = 3000


def _doc(path: Path) -> Path:
    findings = [
        {"id": f"fp-{i:05d}", "title_zh": f"线索{i} <b>'}}) DETACH DELETE n //", "title_en": f"clue {i}",
         "severity": ("high", "medium", "low")[i % 3], "score": round(0.3 + (i % 70) / 100, 2),
         "queries": ["relative_company_paid"],
         "evidence": [{"file": "付款.xlsx", "row": i + 2, "what": "x" * 200}]}
        for i in range(N)
    ]
    path.write_text(json.dumps({"findings": findings}, ensure_ascii=False), encoding="utf-8")
    return path


def _content(db: Path) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    con = sqlite3.connect(db)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        cols = [r[1] for r in con.execute("PRAGMA table_info(clues)")]
        # when and how often a finding was seen are bookkeeping: a kill that lands after the commit makes the
        # rerun a second sighting of the same findings (scans=2), which is what happened
        keep = [c for c in cols if c not in ("first_seen", "last_seen", "scans", "updated_at")]
        clues = sorted(con.execute(f"SELECT {', '.join(keep)} FROM clues").fetchall())  # noqa: S608
        hist = sorted(con.execute("SELECT clue_id, action FROM history").fetchall())
    finally:
        con.close()
    return clues, hist


def test_kill_9_during_clues_add(tmp_path: Path) -> None:
    doc = _doc(tmp_path / "findings.json")
    env = dict(os.environ)
    t0 = time.monotonic()
    clean = subprocess.run(cli("clues", "add", "--from", str(doc), "--clues", str(tmp_path / "clean.db")),
                           env=env, capture_output=True, text=True, timeout=300, check=False)
    duration = time.monotonic() - t0
    assert clean.returncode == 0, clean.stderr[-2000:]
    want = _content(tmp_path / "clean.db")
    assert len(want[0]) == N

    rng = random.Random(20261126)
    killed = 0
    for i, frac in enumerate((0.35, 0.6, 0.85)):
        db = tmp_path / f"k{i}.db"
        cmd = cli("clues", "add", "--from", str(doc), "--clues", str(db))
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(duration * (frac + rng.uniform(-0.1, 0.1)))
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            killed += 1
        proc.wait()
        if db.exists():
            _content(db)  # integrity check right after the kill
        again = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300, check=False)
        assert again.returncode == 0 and "Traceback" not in again.stderr, again.stderr[-2000:]
        assert _content(db) == want
    assert killed >= 2, "the add finished before most kills; nothing was tested"
