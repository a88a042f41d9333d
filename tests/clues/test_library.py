from __future__ import annotations

import copy
import csv
import json
import multiprocessing as mp
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from guanlian.clues import ClueError, ClueLibrary
from guanlian.finding import FindingsDoc
from guanlian.outputs.clues import export_clues

SAMPLE = Path(__file__).parents[1] / "viz" / "data" / "findings_sample.json"
RAW_ID = re.compile(r"(?<![0-9])\d{17}[\dXx](?![0-9])")


def sample() -> dict[str, Any]:
    return json.loads(SAMPLE.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def synthetic(ids: range) -> dict[str, Any]:
    return {
        "findings": [
            {"id": f"fp-{i:05d}", "title_zh": f"线索{i}", "severity": "low", "score": 0.5, "queries": ["q"]}
            for i in ids
        ]
    }


@pytest.fixture
def lib(tmp_path: Path) -> ClueLibrary:
    lib = ClueLibrary(tmp_path / "clues.db", actor="审计员甲")
    yield lib  # type: ignore[misc]
    lib.close()


def test_add_assigns_short_ids_and_dedups_second_scan(lib: ClueLibrary) -> None:
    doc = sample()
    r1 = lib.add_findings(FindingsDoc.from_json(doc))
    assert (r1.new, r1.updated, r1.unchanged) == (3, 0, 0)
    year = time.gmtime().tm_year
    assert sorted(r1.clue_ids.values()) == [f"XS-{year}-0001", f"XS-{year}-0002", f"XS-{year}-0003"]

    # second scan: one finding's score and evidence changed, one identical, one gone, one new
    doc2 = copy.deepcopy(doc)
    doc2["findings"][0]["score"] = 0.99
    doc2["findings"][0]["evidence"].append({"file": "新.xlsx", "row": 5, "what": "追加"})
    doc2["findings"].pop(2)
    doc2["findings"].append({"id": "new-fp", "title_zh": "新线索", "severity": "high", "score": 0.8})
    r2 = lib.add_findings(FindingsDoc.from_json(doc2))
    assert (r2.new, r2.updated, r2.unchanged) == (1, 1, 1)
    assert r2.clue_ids[doc["findings"][0]["id"]] == r1.clue_ids[doc["findings"][0]["id"]]
    clues = lib.list()
    assert len(clues) == 4
    assert len({c.fingerprint for c in clues}) == 4
    d = lib.show(r1.clue_ids[doc["findings"][0]["id"]])
    assert d.clue.score == 0.99
    assert d.finding.evidence[-1].file == "新.xlsx" and d.finding.score == 0.99
    assert [h.action for h in d.history] == ["create", "update"]
    assert d.clue.scans == 2


def test_add_selected_ids_only_and_unknown_id_rejected(lib: ClueLibrary) -> None:
    doc = sample()
    fid = doc["findings"][1]["id"]
    r = lib.add_findings(FindingsDoc.from_json(doc), [fid])
    assert (r.new, list(r.clue_ids)) == (1, [fid])
    with pytest.raises(ClueError, match="not in the findings document"):
        lib.add_findings(FindingsDoc.from_json(doc), [fid, "no-such-id"])
    assert len(lib.list()) == 1  # nothing written by the failed call


def test_lifecycle_and_history(lib: ClueLibrary) -> None:
    cid = lib.add_findings(FindingsDoc.from_json(sample())).clue_ids["f1a2b3c4d5e6f7a8"]
    assert lib.transfer(cid, "市纪委监委第三监督检查室", "移送核查").status == "transferred"
    assert lib.handle(cid, "初步核实", "调取合同").status == "handled"
    c = lib.handle(cid, "立案审查", "", actor="纪检员乙")  # a second handling step is allowed
    assert (c.status, c.result) == ("handled", "立案审查")
    assert lib.feedback(cid, "已立案").status == "fed_back"
    c = lib.evaluate(cid, "属实", "质量高")
    assert (c.status, c.rating, c.to_unit) == ("evaluated", "substantiated", "市纪委监委第三监督检查室")
    hist = lib.show(cid).history
    assert [h.action for h in hist] == ["create", "transfer", "handle", "handle", "feedback", "evaluate"]
    assert [h.to_status for h in hist][-1] == "evaluated"
    assert hist[1].from_status == "new" and hist[1].note == "移送核查"
    assert hist[3].actor == "纪检员乙" and hist[2].actor == "审计员甲"
    assert all(h.at.endswith("Z") and h.at[:4].isdigit() for h in hist)
    assert [c.clue_id for c in lib.list(status="evaluated")] == [cid]
    assert lib.list(status="new", severity="high") == []
    assert len(lib.list(status="new")) == 2
    # the fingerprint works as well as the short id
    assert lib.show("f1a2b3c4d5e6f7a8").clue.clue_id == cid


def test_illegal_transitions_name_status_and_next_steps(lib: ClueLibrary) -> None:
    cid = lib.add_findings(FindingsDoc.from_json(sample())).clue_ids["f1a2b3c4d5e6f7a8"]
    with pytest.raises(ClueError) as e:
        lib.evaluate(cid, "属实")
    msg = str(e.value)
    assert "新建" in msg and "'new'" in msg and "transfer" in msg and "移送" in msg
    with pytest.raises(ClueError, match="'feedback' is not allowed; allowed next: transfer"):
        lib.feedback(cid, "x")
    lib.transfer(cid, "审计局", "")
    with pytest.raises(ClueError, match="allowed next: handle"):
        lib.transfer(cid, "别的单位", "")  # near miss: transfer twice
    with pytest.raises(ClueError, match="unknown rating"):
        lib.evaluate(cid, "很好")
    with pytest.raises(ClueError, match="No clue"):
        lib.transfer("XS-1999-0001", "审计局", "")
    with pytest.raises(ClueError):
        lib.transfer(cid.replace("XS", "xs") + "9", "审计局", "")
    for step in (
        lambda: lib.handle(cid, "r"),
        lambda: lib.feedback(cid, "f"),
        lambda: lib.evaluate(cid, "partly"),
    ):
        step()
    with pytest.raises(ClueError, match="none \\(closed\\)"):
        lib.handle(cid, "again")
    # failed calls left no history rows behind
    assert [h.action for h in lib.show(cid).history] == [
        "create",
        "transfer",
        "handle",
        "feedback",
        "evaluate",
    ]


def _worker(db: str, lo: int, hi: int, rounds: int, barrier: Any) -> None:
    lib = ClueLibrary(db, actor=f"p{lo}", busy_timeout=60)
    barrier.wait(60)
    for r in range(rounds):
        doc = synthetic(range(lo, hi))
        for f in doc["findings"]:
            f["score"] = 0.5 + r / 100  # later rounds are updates
        lib.add_findings(FindingsDoc.from_json(doc))
        time.sleep(0.01)  # give the other writer a chance at the lock between transactions
    lib.close()


def test_concurrent_writers_lose_nothing(tmp_path: Path) -> None:
    db = tmp_path / "clues.db"
    ClueLibrary(db).close()
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(2)
    procs = [
        ctx.Process(target=_worker, args=(str(db), 0, 300, 20, barrier)),
        ctx.Process(target=_worker, args=(str(db), 150, 450, 20, barrier)),
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    con = sqlite3.connect(db)
    assert con.execute(
        "SELECT count(*), count(DISTINCT fingerprint), count(DISTINCT clue_id) FROM clues"
    ).fetchone() == (450, 450, 450)
    assert con.execute("SELECT count(*) FROM history WHERE action = 'create'").fetchone() == (450,)
    year = time.gmtime().tm_year
    assert con.execute("SELECT n FROM counters WHERE year = ?", (year,)).fetchone() == (450,)
    ids = sorted(r[0] for r in con.execute("SELECT clue_id FROM clues"))
    assert ids == [f"XS-{year}-{i:04d}" for i in range(1, 451)]  # no gaps, no repeats
    assert con.execute("SELECT min(scans) FROM clues").fetchone()[0] >= 20
    # the writers really overlapped: their transactions interleave in the history
    actors = [r[0] for r in con.execute("SELECT actor FROM history ORDER BY id")]
    switches = sum(1 for a, b in zip(actors, actors[1:], strict=False) if a != b)
    assert switches >= 3, switches
    con.close()


_CRASH_CHILD = """
import sys
from guanlian.clues import ClueLibrary
from guanlian.finding import FindingsDoc
db = sys.argv[1]
lib = ClueLibrary(db, actor="crash")
for b in range(1000):
    doc = {"findings": [{"id": f"fp-{b}-{i}", "title_zh": "x" * 200, "severity": "low", "score": 0.1}
                        for i in range(400)]}
    lib.add_findings(FindingsDoc.from_json(doc))
    print(b, flush=True)
"""


def test_kill_9_mid_add_leaves_db_consistent(tmp_path: Path) -> None:
    db = tmp_path / "clues.db"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])}
    proc = subprocess.Popen(
        [sys.executable, "-c", _CRASH_CHILD, str(db)], stdout=subprocess.PIPE, text=True, env=env
    )
    assert proc.stdout is not None
    for _ in range(3):  # let three batches commit, then kill inside a later one
        proc.stdout.readline()
    time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    assert proc.returncode == -signal.SIGKILL
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    n = con.execute("SELECT count(*) FROM clues").fetchone()[0]
    assert n >= 3 * 400 and n % 400 == 0  # whole batches only
    assert con.execute("SELECT count(*) FROM history WHERE action='create'").fetchone()[0] == n
    assert (
        con.execute(
            "SELECT count(*) FROM history h LEFT JOIN clues c USING (clue_id) WHERE c.clue_id IS NULL"
        ).fetchone()[0]
        == 0
    )
    assert con.execute("SELECT n FROM counters").fetchone()[0] == n
    con.close()
    lib = ClueLibrary(db)  # still writable, numbering continues
    r = lib.add_findings(FindingsDoc.from_json(synthetic(range(2))))
    assert r.new == 2 and sorted(r.clue_ids.values())[-1].endswith(f"{n + 2:04d}")
    lib.close()


def test_export_xlsx_round_trip_and_masking(lib: ClueLibrary, tmp_path: Path) -> None:
    r = lib.add_findings(FindingsDoc.from_json(sample()))
    lib.transfer(r.clue_ids["f1a2b3c4d5e6f7a8"], '=HYPERLINK("http://x")', "note 360821194503012042")
    out = export_clues(lib, "xlsx", tmp_path / "clues.xlsx")
    wb = load_workbook(out)
    assert wb.sheetnames == ["线索库", "流转记录"]
    ws = wb["线索库"]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref is not None
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "线索编号" and len(rows) == 4
    by_id = {row[0]: row for row in rows[1:]}
    first = by_id[r.clue_ids["f1a2b3c4d5e6f7a8"]]
    assert first[1] == "已移送" and first[7] == '\'=HYPERLINK("http://x")'
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f"
    titles = [row[5] for row in rows[1:]]
    assert "'=" not in "".join(t for t in titles if not t.startswith("收款人"))
    hist = list(wb["流转记录"].iter_rows(values_only=True))
    assert any(h[3] == "移送" and "3608**********2042" in h[6] for h in hist[1:])
    for p in (out,):
        for ws in load_workbook(p).worksheets:
            for row in ws.iter_rows(values_only=True):
                for v in row:
                    assert not (isinstance(v, str) and RAW_ID.search(v)), v


def test_export_csv_neutralises_formulas_and_masks(lib: ClueLibrary, tmp_path: Path) -> None:
    lib.add_findings(FindingsDoc.from_json(sample()))
    out = export_clues(lib, "csv", tmp_path / "clues.csv", lang="en")
    text = out.read_text(encoding="utf-8-sig")
    rows = list(csv.reader(text.splitlines()))
    assert rows[0][0] == "clue id"
    cells = [c for row in rows[1:] for c in row]
    assert not any(c.startswith(("=", "+", "-", "@", "\t", "\r")) for c in cells)
    assert any(c.startswith("'=cmd|") for c in cells) or any("=cmd|" in c for c in cells)
    assert not RAW_ID.search(text)
    assert "3624**********123X" in text
    shown = export_clues(lib, "csv", tmp_path / "ids.csv", show_ids=True).read_text(encoding="utf-8-sig")
    assert "36240119680512123X" in shown  # near miss: the option really shows them


def test_export_json_masks_deeply(lib: ClueLibrary, tmp_path: Path) -> None:
    lib.add_findings(FindingsDoc.from_json(sample()))
    out = export_clues(lib, "json", tmp_path / "clues.json")
    text = out.read_text(encoding="utf-8")
    assert not RAW_ID.search(text)
    data = json.loads(text)
    assert len(data["clues"]) == 3
    f = next(c for c in data["clues"] if c["fingerprint"] == "f1a2b3c4d5e6f7a8")
    assert f["finding"]["entities"][0]["id_number"] == "3624**********123X"
    assert f["history"][0]["action"] == "create"
