"""The workbench graph in real Chromium up to 500+ nodes: time of each expand and the redraw time, same run.

Builds a small store (a company with 25 officers, each with 24 phones: 626 nodes), serves it with the workbench
on 127.0.0.1, opens the company's entity page in the Debian Chromium (Playwright) and expands officers one at a
time until more than 500 nodes are shown. For each expand it measures, in the page, the time until the new
nodes are in the DataSet (request + add) and until the layout has settled again; then the time of one
``network.redraw()`` (the canvas drawn once: what every pan, zoom and drag pays) at 26 nodes (the baseline, same
run) and at the end, with their ratio.

Usage:
    python benchmarks/workbench_graph.py [--repeat 20]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.machine import describe
from guanlian.workbench.app import Settings, create_app
from guanlian.workbench.server import free_port
from guanlian.workbench.service import Workbench
from tests.browser import GuardedPage, launch
from tests.workbench.test_graph_500 import OFFICERS, _star_store

TOKEN = "benchmark-token-0123456789"
REDRAW = """(n) => { const net = window.guanlianGraph.network; const out = [];
    for (let i = 0; i < n; i++) { const t = performance.now(); net.redraw(); out.push(performance.now() - t); }
    return out; }"""
EXPAND = """async (id) => { const s = window.guanlianGraph; const t = performance.now();
    const added = await s.expand(id); const got = performance.now() - t;
    while (!s.stabilized) { await new Promise(r => setTimeout(r, 10)); }
    return [added, got, performance.now() - t, s.nodes.length]; }"""


def main() -> int:
    import uvicorn

    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--repeat", type=int, default=20, help="redraws timed at each size")
    ns = ap.parse_args()
    tmp = Path(tempfile.mkdtemp())
    _star_store(tmp / "store")
    wb = Workbench(str(tmp / "store"), clues=tmp / "clues.db")
    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(create_app(wb, Settings(token=TOKEN)), host="127.0.0.1", port=port,
                                        log_level="warning"))
    threading.Thread(target=srv.run, daemon=True).start()
    while not srv.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    load0 = os.getloadavg()[0]
    with launch() as browser:
        g = GuardedPage(browser)
        page = g.page
        page.goto(f"{base}/?token={TOKEN}")
        page.goto(f"{base}/entity/cname:星形公司")
        page.wait_for_function("() => window.guanlianGraph && window.guanlianGraph.stabilized", timeout=60000)
        before = page.evaluate(REDRAW, ns.repeat)
        n0 = page.evaluate("window.guanlianGraph.nodes.length")
        officers = [i for i in page.evaluate("window.guanlianGraph.nodes.getIds()") if str(i).startswith("anon:")]
        steps = []
        for key in officers:
            if page.evaluate("window.guanlianGraph.nodes.length") >= 500:
                break
            steps.append(page.evaluate(EXPAND, key))
        after = page.evaluate(REDRAW, ns.repeat)
        n1 = page.evaluate("window.guanlianGraph.nodes.length")
        same = page.evaluate("window.guanlianGraph.network.body.data.nodes === window.guanlianGraph.nodes")
        g.assert_clean()
        g.close()
    srv.should_exit = True
    wb.close()
    got = [s[1] for s in steps]
    settled = [s[2] for s in steps]
    print(f"machine: {describe()}; load average {load0:.1f} → {os.getloadavg()[0]:.1f}")
    print(f"graph: {n0} → {n1} nodes in {len(steps)} expands of {OFFICERS} officers (24 phones each); "
          f"same DataSet throughout: {same}\n")
    print("| measure | median ms | max ms |")
    print("| --- | ---: | ---: |")
    print(f"| expand: request + nodes added | {statistics.median(got):.0f} | {max(got):.0f} |")
    print(f"| expand: until the layout settled | {statistics.median(settled):.0f} | {max(settled):.0f} |")
    print(f"| redraw at {n0} nodes (baseline) | {statistics.median(before):.1f} | {max(before):.1f} |")
    print(f"| redraw at {n1} nodes | {statistics.median(after):.1f} | {max(after):.1f} |")
    print(f"\nredraw ratio {n1} / {n0} nodes: {statistics.median(after) / max(statistics.median(before), 0.01):.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
