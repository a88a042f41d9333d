"""Planted schemes as cases: on a demo output folder, how many findings each scheme in ``truth.json`` became,
whether every payment, subsidy and change row of the scheme is cited among the finding's vouchers, the decoys'
severity and whether a namesake decoy's explanation names the different ID.

Usage::

    python benchmarks/cases.py DEMO_OUT [DEMO_OUT ...]

Prints one table per folder and the totals (findings, clues). Exit status 1 when a scheme is not exactly one
finding with every payment row cited, a decoy is ``high``, or a namesake decoy's explanation does not say that the
registered person's ID differs.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path
from typing import Any

from guanlian.values.privacy import mask_nested

PAYMENT_KINDS = frozenset({"payments", "subsidies", "changes"})
"""Source kinds in truth.json whose rows a finding must cite among its vouchers (change records too)."""


def truth_keys(entry: dict[str, Any]) -> set[str]:
    """The node keys truth.json names for a scheme or decoy (official, person, company, unit).

    >>> sorted(truth_keys({"keys": {"official": "ric:1", "payer_unit": "unit:x", "company": ""}}))
    ['ric:1']
    """
    return {v for k, v in entry["keys"].items() if isinstance(v, str) and v and k != "payer_unit"}


def decoy_keys(entry: dict[str, Any]) -> set[str]:
    """The keys a finding about a decoy names: the official and the company (the decoy's point is that the
    person between them is not the official's relative, or the money is out of tenure or from another unit).

    >>> sorted(decoy_keys({"keys": {"official": "ric:1", "company": "uscc:2", "namesake": "ric:3"}}))
    ['ric:1', 'uscc:2']
    """
    return {entry["keys"][k] for k in ("official", "company") if entry["keys"].get(k)}


def scheme_rows(entry: dict[str, Any]) -> set[tuple[str, int]]:
    """(file name, row) of the scheme's payment, subsidy and change rows.

    >>> scheme_rows({"sources": [{"file": "data/pay.csv", "kind": "payments", "rows": [3]}]})
    {('pay.csv', 3)}
    """
    return {(Path(s["file"]).name, int(r)) for s in entry.get("sources", []) if s["kind"] in PAYMENT_KINDS
            for r in s["rows"]}


def check(out: Path) -> tuple[list[str], dict[str, int]]:
    """(problems, counts) for one demo output folder."""
    doc = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    truth = json.loads((out / "truth.json").read_text(encoding="utf-8"))
    truth = truth if doc.get("params", {}).get("show_ids") else mask_nested(truth)  # findings.json masks IDs
    findings = doc["findings"]
    problems: list[str] = []
    for s in truth["schemes"]:
        want = truth_keys(s)
        found = [f for f in findings if s["query"] in f["queries"] and want <= {e["key"] for e in f["entities"]}]
        if len(found) != 1:
            problems.append(f"{s['id']} {s['query']}: {len(found)} findings")
            continue
        cited = {(Path(v["file"] or "").name, v["row"]) for v in found[0].get("vouchers", [])}
        missing = scheme_rows(s) - cited
        if missing:
            problems.append(f"{s['id']} {s['query']}: payment rows not cited {sorted(missing)}")
    decoy_findings = 0
    for d in truth["decoys"]:
        want = decoy_keys(d)
        for f in findings:
            if not want <= {e["key"] for e in f["entities"]}:
                continue
            decoy_findings += 1
            if f["severity"] == "high":
                problems.append(f"{d['id']} {d['kind']}: decoy is high ({f['id']})")
            if d["kind"] in ("namesake", "same_name_same_birth") and "身份证号不同" not in f["explanation_zh"]:
                problems.append(f"{d['id']} {d['kind']}: the explanation does not name the different ID ({f['id']})")
    clues = 0
    db = out / "store" / "clues.db"
    if db.exists():
        with sqlite3.connect(db) as con:
            clues = int(con.execute("SELECT count(*) FROM clues").fetchone()[0])
    return problems, {"findings": len(findings), "clues": clues, "schemes": len(truth["schemes"]),
                      "high": sum(f["severity"] == "high" for f in findings), "decoys": len(truth["decoys"]),
                      "decoy_findings": decoy_findings}


def main(argv: list[str]) -> int:
    """Check every folder given; print a table; 1 when any problem."""
    bad = 0
    print("| folder | schemes | findings | high | clues | decoys (findings about them) | problems |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for arg in argv:
        problems, n = check(Path(arg))
        bad += len(problems)
        print(f"| {arg} | {n['schemes']} | {n['findings']} | {n['high']} | {n['clues']} | {n['decoys']} "
              f"({n['decoy_findings']}) | {len(problems)} |")
        for p in problems:
            print(f"  - {p}")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
