"""Golden snapshot of the tiny demo world: the graph content digest and ``findings.json``, volatile fields
scrubbed. ``test_golden.py`` compares a fresh run with the files in ``tests/data/golden/``; a refactor must
leave them unchanged.

After an intended behaviour change, regenerate them and name the change in the commit message::

    python tests/data/make_golden.py          # rewrites tests/data/golden/tiny.*.json
    git diff tests/data/golden/               # review what changed

Example:
    >>> scrub({"generated_at": "x", "store": "/tmp/s", "query_runs": [{"id": "q", "rows": 1, "seconds": 0.1}]})
    {'query_runs': [{'id': 'q', 'rows': 1}]}
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from guanlian.demo import generate
from guanlian.finding import FindingsDoc
from guanlian.graph.ladybug import LadybugStore
from guanlian.graph.store import Store
from guanlian.loaders import load_files
from guanlian.matching.matcher import match_store
from guanlian.queries import scan, write_findings

from .graphdigest import digest

GOLDEN = Path(__file__).resolve().parents[1] / "data" / "golden"
SIZE, SEED = "tiny", 7
VOLATILE_TOP = ("generated_at", "store")
"""Document fields that name the run (time, store path), not the data."""


@dataclass(frozen=True)
class DemoRun:
    """A generated, loaded, matched and scanned demo world."""

    out: Path
    store: Store
    truth: dict[str, Any]
    doc: FindingsDoc


def run_demo_world(out: Path, size: str = SIZE, seed: int = SEED) -> DemoRun:
    """Generate the demo world into ``out``, load it into an embedded store, match and scan (the store stays open)."""
    manifest = generate(out, size=size, seed=seed)
    store = LadybugStore(out / "store")
    load_files(store, [p for p, _ in manifest.files])
    match_store(store)
    truth = json.loads(manifest.truth_path.read_text(encoding="utf-8"))
    return DemoRun(out, store, truth, scan(store))


def scrub(doc: dict[str, Any]) -> dict[str, Any]:
    """A findings document without what names the run: time, store path, seconds per query."""
    out = {k: v for k, v in doc.items() if k not in VOLATILE_TOP}
    if "query_runs" in out:
        out["query_runs"] = [{k: v for k, v in r.items() if k != "seconds"} for r in out["query_runs"]]
    return out


def snapshot(run: DemoRun) -> dict[str, str]:
    """``{golden file name: text}`` for a run: the digest and findings.json as written (IDs masked), scrubbed."""
    d = digest(run.store)
    written = json.loads(write_findings(run.doc, run.out / "golden-findings").read_text(encoding="utf-8"))
    return {
        f"{SIZE}.digest.json": json.dumps({"counts": d.counts, "sha256": d.sha256, "per_kind": d.per_kind},
                                          indent=1, sort_keys=True) + "\n",
        f"{SIZE}.findings.json": json.dumps(scrub(written), ensure_ascii=False, indent=1) + "\n",
    }
