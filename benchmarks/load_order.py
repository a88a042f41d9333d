"""Load-order benchmark: how many findings differ from one load of everything, per load plan (issue 20).

For a generated demo world (and, with ``--world order``, the hand-written namesake world of the tests) it loads the
same files with each plan into a fresh embedded store, runs ``match`` and every saved query, and compares with the
one-call plan:

* ``one call`` — every file in one ``load_files`` call (the reference);
* ``file by file`` — one call per file, in manifest order;
* ``reverse`` — one call per file, in reverse order;
* ``random`` — files shuffled (seeded) into random groups.

It prints, per plan, the graph kinds whose content digest differs (provenance included), the number of findings
present in one plan but not the other, and the load seconds. Run it with ``PYTHONPATH`` pointing at the code to
measure (e.g. a ``git archive`` of an older commit) to get before/after numbers from the same machine.

Usage:
    python benchmarks/load_order.py --size small
    PYTHONPATH=/tmp/guanlian-before python benchmarks/load_order.py --size small
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "reliability"))
sys.path.insert(0, str(HERE.parent / "tests" / "loaders"))

from graphdigest import digest  # noqa: E402  (tests/reliability/graphdigest.py)

from guanlian.demo import generate  # noqa: E402
from guanlian.graph import open_store  # noqa: E402
from guanlian.loaders import load_files  # noqa: E402
from guanlian.matching.matcher import match_store  # noqa: E402
from guanlian.queries import scan  # noqa: E402

VOLATILE = {"generated_at", "load_id", "created_at", "path", "out_dir", "seconds"}


def _scrub(x: Any) -> Any:
    if isinstance(x, dict):
        return {k: _scrub(v) for k, v in x.items() if k not in VOLATILE}
    if isinstance(x, list):
        return [_scrub(v) for v in x]
    return x


def run_plan(groups: list[list[Path]], work: Path) -> tuple[dict[str, str], set[str], float]:
    """Load ``groups`` (one call each) into a fresh store; return per-kind digest, findings, load seconds."""
    store = open_store(work / "store")
    try:
        t0 = time.perf_counter()
        for group in groups:
            load_files(store, group, rejects_path=work / "rejects.csv")
        seconds = time.perf_counter() - t0
        graph = digest(store).per_kind
        match_store(store)
        doc = scan(store)
        data = doc.to_json() if hasattr(doc, "to_json") else doc  # older code returned the JSON dict itself
        findings = {json.dumps(_scrub(f), ensure_ascii=False, sort_keys=True) for f in data["findings"]}
    finally:
        store.close()
    return graph, findings, seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--world", choices=["demo", "order"], default="demo")
    ap.add_argument("--size", default="small")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--work", type=Path, default=None)
    args = ap.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="gl-order-"))
    if args.world == "demo":
        files = [Path(p) for p, _k in generate(work / "data", size=args.size, seed=args.seed).files]
    else:
        from order_world import write_world  # tests/loaders/order_world.py

        files = write_world(work / "data")
    rng = random.Random(args.seed)
    shuffled = files[:]
    rng.shuffle(shuffled)
    cuts = sorted(rng.sample(range(1, len(files)), k=min(3, len(files) - 1)))
    random_groups = [shuffled[a:b] for a, b in zip([0, *cuts], [*cuts, len(files)], strict=True)]
    plans = {"one call": [files], "file by file": [[p] for p in files], "reverse": [[p] for p in reversed(files)],
             "random": random_groups}
    results = {name: run_plan(groups, work / name.replace(" ", "_")) for name, groups in plans.items()}
    ref_graph, ref_findings, _ = results["one call"]
    print(f"world: {args.world} {args.size if args.world == 'demo' else ''} ({len(files)} files), "
          f"{len(ref_findings)} findings in one call")
    print(f"{'plan':<14} {'groups':>6} {'load s':>8} {'graph kinds differing':<40} {'findings differing':>18}")
    for name, (graph, findings, seconds) in results.items():
        kinds = [k for k in ref_graph if graph.get(k) != ref_graph[k]]
        diff = len(findings ^ ref_findings)
        print(f"{name:<14} {len(plans[name]):>6} {seconds:>8.1f} {', '.join(kinds) or '-':<40} {diff:>18}")


if __name__ == "__main__":
    main()
