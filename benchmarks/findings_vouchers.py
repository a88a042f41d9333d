"""Findings build, per-case payment step: each case's voucher rows and payment summary (issue 18).

Builds a synthetic graph of the 1M scan's shape (1,190 cases, 4,877 fetched PAYMENT rows, 30,000 fetched edges of
which 1,500 SERVES_IN, every case with a tenure) and times choosing each case's vouchers and summing them, in
the source tree given (run it once on a base tree and once on a changed tree for a same-run ratio). Prints the
source, the number of summaries, an md5 of their repr (must match between trees) and the seconds.

Example:
    python benchmarks/findings_vouchers.py /tmp/base-tree
    python benchmarks/findings_vouchers.py .
"""

from __future__ import annotations

import hashlib
import sys
import time
from typing import Any


def main(src: str) -> None:
    """Time the per-case payment step of the findings build in the source tree ``src`` and print the result."""
    sys.path.insert(0, src)
    from guanlian.queries import findings as f

    g = f._Graph()
    pairs = [(f"unit:u{i % 50}", f"uscc:c{i}") for i in range(1200)]
    pays: dict[str, Any] = {}
    for i in range(4877):
        u, x = pairs[i % len(pairs)]
        pays[f"p{i}"] = (u, x, f._Item(f"p{i}", "PAYMENT", {"paid_on_day": 18000 + i % 700, "amount": 100 * i}))
    for i in range(30000):
        g.edges[f"e{i}"] = (f"ric:o{i}", f"unit:u{i % 50}", f._Item(
            f"e{i}", "SERVES_IN" if i < 1500 else "KIN_OF", {"term_start_day": 18000, "term_end_day": 18400}))
    wants = []
    for c in range(1190):
        w = f._Want(tenure=True, officials={f"ric:o{c}"})
        w.pairs[pairs[c]] = (18100, 18500)
        wants.append(w)
    t = time.perf_counter()
    new = hasattr(f, "_by_pair")
    by_pair, posts = (f._by_pair(pays), f._posts(g)) if new else (None, None)
    vouchers: Any = f._vouchers  # the signature differs between the base and the changed tree
    summary: Any = f._summary
    out = []
    for w in wants:
        money = vouchers(w, pays, g, by_pair) if new else vouchers(w, pays, g)
        if money:
            out.append(summary(money, pays, w, posts if new else g))
    print(src, len(out), hashlib.md5(repr(out).encode()).hexdigest(), f"{time.perf_counter() - t:.2f} s")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
