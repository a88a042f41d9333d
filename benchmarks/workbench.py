"""Latency of every workbench endpoint: p50/p95/max over real HTTP on loopback, against a direct call.

Starts the workbench (uvicorn, 127.0.0.1, a free port) over an existing store, warms it up (search index
and the scan are built on first use; their times are printed), then requests each endpoint ``--repeat``
times with varied keys taken from the findings, and prints a Markdown table. The baseline column is the
same work called directly on :class:`guanlian.workbench.service.Workbench` in the same run (no HTTP, no
JSON, no page), so the ratio is what the web layer adds.

Usage:
    python benchmarks/workbench.py --store demo-medium/store [--repeat 30]
    # build the store first: guanlian demo --out demo-medium --size medium
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx

from benchmarks.machine import describe
from guanlian.workbench.app import Settings, create_app
from guanlian.workbench.server import free_port
from guanlian.workbench.service import Workbench

TOKEN = "benchmark-token-0123456789"


def _pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def _timed(fn: Callable[[], Any], n: int) -> list[float]:
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", required=True)
    ap.add_argument("--repeat", type=int, default=30)
    args = ap.parse_args()

    import uvicorn

    clues = Path(tempfile.mkdtemp()) / "clues.db"
    wb = Workbench(args.store, clues=clues, sidecar=clues.parent)
    t0 = time.perf_counter()
    wb.index()
    t_index = time.perf_counter() - t0
    t0 = time.perf_counter()
    findings = wb.findings_raw()
    t_scan = time.perf_counter() - t0

    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(create_app(wb, Settings(token=TOKEN)), host="127.0.0.1", port=port,
                                        log_level="warning"))
    threading.Thread(target=srv.run, daemon=True).start()
    while not srv.started:
        time.sleep(0.05)
    http = httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {TOKEN}"},
                        timeout=120)

    pub = [{e["kind"]: wb.public_key(str(e["key"])) for e in f["entities"]} for f in findings]
    names = [str(e["name"]) for f in findings for e in f["entities"]][: args.repeat]
    persons = [p["Person"] for p in pub if "Person" in p][: args.repeat]
    companies = [p["Company"] for p in pub if "Company" in p][: args.repeat]
    pairs = [(p["Person"], p["Company"]) for p in pub if "Person" in p and "Company" in p][: args.repeat]
    fids = [str(f["id"]) for f in findings][: args.repeat]
    units = [str(e["name"]) for f in findings for e in f["entities"] if e["kind"] == "Unit"][: args.repeat]
    qid = "shell_company"

    def cycle(xs: list[Any]) -> Callable[[], Any]:
        it = itertools.cycle(xs)
        return lambda: next(it)

    cases: list[tuple[str, Callable[[Any], Any], Callable[[Any], Any], Callable[[], Any]]] = [
        ("/api/search?q=", lambda n: http.get("/api/search", params={"q": n}), lambda n: wb.search(n),
         cycle(names)),
        ("/api/entity/{key}", lambda k: http.get(f"/api/entity/{k}"), lambda k: wb.entity(k), cycle(persons)),
        ("/api/entity/{key}/timeline", lambda k: http.get(f"/api/entity/{k}/timeline"), lambda k: wb.timeline(k),
         cycle(companies)),
        ("/api/neighbours/{key}", lambda k: http.get(f"/api/neighbours/{k}"), lambda k: wb.neighbours(k),
         cycle(companies)),
        ("/api/path (person→company, 4 hops)", lambda p: http.get("/api/path", params={"from": p[0], "to": p[1]}),
         lambda p: wb.path(p[0], p[1]), cycle(pairs)),
        ("/api/findings?unit=", lambda u: http.get("/api/findings", params={"unit": u}),
         lambda u: wb.findings({"unit": u}), cycle(units)),
        ("/api/findings/{id}", lambda f: http.get(f"/api/findings/{f}"), lambda f: wb.finding(f), cycle(fids)),
        ("/api/queries", lambda _x: http.get("/api/queries"), lambda _x: wb.queries(), cycle([0])),
        (f"/api/queries/{qid}", lambda _x: http.get(f"/api/queries/{qid}"), lambda _x: wb.run_query(qid, {}),
         cycle([0])),
        ("/api/clues", lambda _x: http.get("/api/clues"), lambda _x: wb.clues(), cycle([0])),
        ("page /entity/{key}", lambda k: http.get(f"/entity/{k}"), lambda k: (wb.entity(k), wb.timeline(k)),
         cycle(persons)),
        ("page /findings", lambda _x: http.get("/findings"), lambda _x: wb.findings({}), cycle([0])),
        ("page /findings/{id}", lambda f: http.get(f"/findings/{f}"), lambda f: wb.finding(f), cycle(fids)),
    ]
    print(f"machine: {describe()}; load average {os.getloadavg()[0]:.1f}")
    print(f"store: {args.store}; findings {len(findings)}; search entries {len(wb.index())}")
    print(f"first use: search index {t_index:.1f} s, scan {t_scan:.1f} s; repeat {args.repeat}\n")
    print("| endpoint | p50 ms | p95 ms | max ms | direct p95 ms | ratio |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, via_http, direct, pick in cases:
        for warm in range(2):
            via_http(pick())
            direct(pick())
            del warm

        def one_http(via: Callable[[Any], Any] = via_http, p: Callable[[], Any] = pick) -> None:
            r = via(p())
            assert r.status_code == 200, (r.status_code, r.text[:200])

        def one_direct(d: Callable[[Any], Any] = direct, p: Callable[[], Any] = pick) -> None:
            d(p())

        h = _timed(one_http, args.repeat)
        d = _timed(one_direct, args.repeat)
        print(f"| {name} | {statistics.median(h):.0f} | {_pct(h, 0.95):.0f} | {max(h):.0f} | "
              f"{_pct(d, 0.95):.0f} | {_pct(h, 0.95) / max(_pct(d, 0.95), 0.001):.2f} |")
    print(f"\nload average after: {os.getloadavg()[0]:.1f}")
    srv.should_exit = True
    wb.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
