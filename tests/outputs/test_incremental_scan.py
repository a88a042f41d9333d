"""A scan after one more month (issue 18 item 5), into the folder of the previous scan: the findings are those
of a full scan of the same store and of a store that took everything in one load (every planted scheme found
at its expected confidence, no decoy high), and the views folder holds the same bytes as a fresh scan's, while
the views of unchanged findings are kept rather than drawn again."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from guanlian.demo import generate
from guanlian.demo.extra import extra_month
from guanlian.graph import open_store
from guanlian.loaders import load_files
from guanlian.matching.matcher import match_store
from guanlian.workflow import scan_to_dir
from tests.demo.truth_check import assert_findings_match_truth

OLD = 1_000_000_000_000_000_000
"""A recognisable mtime (ns): a view that keeps it was not written again."""


def _doc(out: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    for volatile in ("generated_at", "store", "query_runs"):
        doc.pop(volatile, None)
    return doc


def _views(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((out / "views").glob("view-*.html"))}


def test_scan_after_a_month_into_the_same_folder_equals_a_full_scan(tmp_path: Path) -> None:
    world = generate(tmp_path / "world", size="tiny", seed=7)
    base = [p for p, _ in world.files]
    month = extra_month(tmp_path / "extra", "tiny", 7, share=0.05)
    truth = json.loads(world.truth_path.read_text(encoding="utf-8"))

    with open_store(tmp_path / "all") as whole:  # the full pipeline over everything
        assert load_files(whole, [*base, month]).ok
        match_store(whole)
        scan_to_dir(whole, tmp_path / "whole", views=None)

    out = tmp_path / "scan"
    with open_store(tmp_path / "inc") as inc:
        assert load_files(inc, base).ok
        match_store(inc)
        scan_to_dir(inc, out, views=None)
        before = _doc(out)
        for p in (out / "views").glob("view-*.html"):
            os.utime(p, ns=(OLD, OLD))
        assert load_files(inc, [month]).ok
        match_store(inc)
        again = scan_to_dir(inc, out, views=None)  # the next scan, into the same folder
        scan_to_dir(inc, tmp_path / "fresh", views=None)  # the same store, an empty folder

    doc = _doc(out)
    assert doc == _doc(tmp_path / "fresh") == _doc(tmp_path / "whole")
    assert _views(out) == _views(tmp_path / "fresh") == _views(tmp_path / "whole")
    # findings the month left as they were keep their views as written (a changed finding's view is drawn again:
    # tests/viz/test_view.py, the tiny month's background payments change none here)
    old_by_id = {f["id"]: f for f in before["findings"]}
    kept = [f for f in doc["findings"] if old_by_id.get(f["id"]) == f]
    assert kept
    for f in kept:
        fid = "".join(c for c in f["id"] if c.isalnum() or c in "-_")[:64]
        assert (out / "views" / f"view-{fid}.html").stat().st_mtime_ns == OLD, f["id"]
    # the generator's truth (resident IDs unmasked): every planted scheme once at its expected confidence, no decoy
    # high
    found_doc = again.doc.to_json()
    assert [f["id"] for f in found_doc["findings"]] == [f["id"] for f in doc["findings"]]
    assert_findings_match_truth(found_doc["findings"], truth)
