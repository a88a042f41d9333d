"""Resident IDs are masked in every human-facing output by default.

``guanlian demo --size tiny`` writes the data, the store, the report, views, findings, clue library and rejects;
every output file except the source data, the truth file and the database is searched for a valid 18-character
resident ID (checksum-valid, so other long numbers do not raise false alarms); so is the console output of
load/find/run/scan and the clue exports. ``--show-ids`` must actually show them (a near-miss negative).
"""

from __future__ import annotations

import re
import sqlite3
import subprocess
from pathlib import Path

from openpyxl import load_workbook
from stdnum.cn import ric

from guanlian.graph.store import SIDECAR_FILES

from .conftest import cli

ID_RE = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")


def unmasked_ids(text: str) -> list[str]:
    return [m for m in ID_RE.findall(text) if ric.is_valid(m.upper()) or _checksum_ok(m.upper())]


def _checksum_ok(number: str) -> bool:
    try:
        return ric.calc_check_digit(number) == number[-1]
    except Exception:
        return False


def text_of(path: Path) -> str:
    if path.suffix == ".xlsx":
        wb = load_workbook(path, read_only=True)
        return "\n".join(str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row)
    if path.suffix == ".db":
        con = sqlite3.connect(path)
        try:
            tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
            return "\n".join(str(row) for t in tables for row in con.execute(f'SELECT * FROM "{t}"'))  # noqa: S608
        finally:
            con.close()
    return path.read_bytes().decode("utf-8", errors="replace")


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(cli(*args), capture_output=True, text=True, timeout=600, check=False)
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
    return proc


def test_demo_outputs_mask_resident_ids(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    demo = _run("demo", "--size", "tiny", "--out", str(out))
    assert demo.returncode == 0, demo.stderr[-2000:]
    source_ids = set()
    for f in (out / "data").iterdir():
        if f.suffix in (".csv", ".xlsx"):
            source_ids.update(unmasked_ids(text_of(f)))
    assert source_ids, "the demo data should contain resident IDs (else this test proves nothing)"

    store = out / "store"
    consoles = {"demo": demo.stdout + demo.stderr}
    consoles["load"] = _run("load", "--store", str(store), str(out / "data" / "manifest.json")).stdout
    consoles["find"] = _run("find", "--store", str(store), "张").stdout
    consoles["run"] = _run("run", "relative_company_paid", "--store", str(store), "--format", "csv").stdout
    consoles["run_json"] = _run("run", "official_in_business", "--store", str(store), "--format", "json",
                                "--raw").stdout
    consoles["scan"] = _run("scan", "--store", str(store), "--out", str(tmp_path / "scan")).stdout
    for fmt in ("csv", "xlsx", "json"):
        _run("clues", "export", "--store", str(store), "--format", fmt, "--out", str(tmp_path / f"clues.{fmt}"))

    leaks: list[str] = []
    skip_dirs = {out / "data"}
    # the store's own files hold what the database holds (IDs included): the matcher's caches beside it are read
    # by guanlian only, never shown; everything an investigator reads is checked
    store_internal = {SIDECAR_FILES[k] for k in ("journal", "match_cache", "match_persons", "company_names",
                                                  "company_pairs")}
    outputs = [p for p in [*out.rglob("*"), *(tmp_path / "scan").rglob("*"), *tmp_path.glob("clues.*")]
               if p.is_file() and not any(d in p.parents for d in skip_dirs)
               and p.name != "truth.json" and not p.name.startswith("graph.lbug")
               and p.name not in store_internal]
    assert (store / SIDECAR_FILES["match_persons"]).is_file(), "the exclusion above names a file the store has"
    assert any(p.name == "report.html" for p in outputs) and any(p.suffix == ".xlsx" for p in outputs)
    assert any(p.name == "findings.json" for p in outputs) and any(p.name == "clues.db" for p in outputs)
    for p in outputs:
        found = unmasked_ids(text_of(p))
        if found:
            leaks.append(f"{p.relative_to(tmp_path)}: {found[:3]}")
    for name, text in consoles.items():
        found = unmasked_ids(text)
        if found:
            leaks.append(f"console {name}: {found[:3]}")
    assert not leaks, "\n".join(leaks)

    shown = _run("run", "official_in_business", "--store", str(store), "--format", "json", "--raw",
                 "--show-ids").stdout
    hidden = consoles["run_json"]
    if unmasked_ids(shown):  # the query returned people with IDs: --show-ids must show them, default must not
        assert not unmasked_ids(hidden)


