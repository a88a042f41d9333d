"""Latency of every workbench endpoint: p50/p95/max over real HTTP on loopback, against a direct call.

Starts the workbench (uvicorn, 127.0.0.1, a free port) over an existing store, warms it up (search index,
the graph's shape and the scan are built on first use; their times are printed), then requests each endpoint ``--repeat``
times with varied keys taken from the findings, and prints a Markdown table. The "direct" column is the
same work called directly on :class:`guanlian.workbench.service.Workbench` in the same run (no HTTP, no
JSON, no page), so the ratio is what the web layer adds.

With ``--baseline-src DIR`` (a package made with ``git archive <commit> guanlian | tar -x -C DIR``) the
whole measurement runs twice in fresh processes, baseline first, then the current code, and a last table
gives both p95s and their ratio (now / baseline). Both get the same findings: one scan by the current code
written (unmasked, to a temporary file) before either measurement, so neither pays the scan twice (at 1M rows
it takes minutes; ``--findings`` gives such a file instead). A case stops repeating after ``--budget`` seconds
(the n column says how many requests it made).

Usage:
    python benchmarks/workbench.py --store demo-medium/store [--repeat 30]
    # build the store first: guanlian demo --out demo-medium --size medium
    flock /tmp/heavy.lock python benchmarks/workbench.py --store /work/bench-1m/store --baseline-src DIR
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
# the package measured: --src DIR in a child process of --baseline-src, else this checkout
sys.path.insert(0, next((sys.argv[i + 1] for i, a in enumerate(sys.argv[:-1]) if a == "--src"),
                        str(Path(__file__).resolve().parents[1])))

import httpx

from benchmarks.machine import describe
from guanlian.workbench.app import Settings, create_app
from guanlian.workbench.server import free_port
from guanlian.workbench.service import Workbench

TOKEN = "benchmark-token-0123456789"


def _pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def _timed(fn: Callable[[], Any], n: int, budget: float) -> list[float]:
    out: list[float] = []
    start = time.perf_counter()
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
        if time.perf_counter() - start > budget:
            break
    return out


def measure(store: str, repeat: int, budget: float, findings: Path | None) -> dict[str, Any]:
    """One measurement with the package imported by this process; prints its table, returns it as JSON."""
    import uvicorn

    clues = Path(tempfile.mkdtemp()) / "clues.db"
    doc = json.loads(findings.read_text(encoding="utf-8")) if findings else None
    wb = Workbench(store, clues=clues, sidecar=clues.parent, findings=doc)
    t0 = time.perf_counter()
    wb.index()
    t_index = time.perf_counter() - t0
    t0 = time.perf_counter()
    shape = getattr(wb, "path_index", None)  # the graph's shape in memory (newer code; paths and entity reads)
    if shape is not None:
        shape()
    t_shape = time.perf_counter() - t0
    t0 = time.perf_counter()
    raw = wb.findings_raw()
    t_scan = time.perf_counter() - t0

    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(create_app(wb, Settings(token=TOKEN)), host="127.0.0.1", port=port,
                                        log_level="warning"))
    threading.Thread(target=srv.run, daemon=True).start()
    while not srv.started:
        time.sleep(0.05)
    http = httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {TOKEN}"},
                        timeout=600)

    pub = [{e["kind"]: wb.public_key(str(e["key"])) for e in f["entities"]} for f in raw]
    names = [str(e["name"]) for f in raw for e in f["entities"]][:repeat]
    persons = [p["Person"] for p in pub if "Person" in p][:repeat]
    companies = [p["Company"] for p in pub if "Company" in p][:repeat]
    pairs = [(p["Person"], p["Company"]) for p in pub if "Person" in p and "Company" in p][:repeat]
    fids = [str(f["id"]) for f in raw][:repeat]
    units = [str(e["name"]) for f in raw for e in f["entities"] if e["kind"] == "Unit"][:repeat]
    person_names = [str(e["name"]) for f in raw for e in f["entities"] if e["kind"] == "Person"][:repeat]
    qid = "shell_company"
    filters = [{"severity": "high", "sort": "amount"}, {"min_amount": "100000", "from": "2020-01-01"},
               {"confidence": "certain", "to": "2022-12-31", "sort": "date"}, {"query": qid, "page": "2"}]

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
        ("/api/findings?person=", lambda u: http.get("/api/findings", params={"person": u}),
         lambda u: wb.findings({"person": u}), cycle(person_names)),
        ("/api/findings (severity, amount, dates, query, sort)", lambda f: http.get("/api/findings", params=f),
         lambda f: wb.findings(f), cycle(filters)),
        ("/api/findings/{id}", lambda f: http.get(f"/api/findings/{f}"), lambda f: wb.finding(f), cycle(fids)),
        ("/api/queries", lambda _x: http.get("/api/queries"), lambda _x: wb.queries(), cycle([0])),
        (f"/api/queries/{qid}", lambda _x: http.get(f"/api/queries/{qid}"), lambda _x: wb.run_query(qid, {}),
         cycle([0])),
        ("/api/clues", lambda _x: http.get("/api/clues"), lambda _x: wb.clues(), cycle([0])),
        ("page /entity/{key}", lambda k: http.get(f"/entity/{k}"), lambda k: (wb.entity(k), wb.timeline(k)),
         cycle(persons)),
        ("page /findings", lambda _x: http.get("/findings"), lambda _x: wb.findings({}), cycle([0])),
        ("page /findings/{id}", lambda f: http.get(f"/findings/{f}"), lambda f: wb.finding(f), cycle(fids)),
        ("page /queries", lambda _x: http.get("/queries"), lambda _x: wb.queries(), cycle([0])),
    ]
    print(f"machine: {describe()}; load average {os.getloadavg()[0]:.1f}")
    print(f"store: {store}; findings {len(raw)}; search entries {len(wb.index())}")
    print(f"first use: search index {t_index:.1f} s, graph shape {t_shape:.1f} s, findings {t_scan:.1f} s; "
          f"repeat {repeat}\n")
    print("| endpoint | n | first ms | p50 ms | p95 ms | max ms | direct p95 ms | ratio |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    rows = []
    for name, via_http, direct, pick in cases:
        t = time.perf_counter()
        first = via_http(pick())  # the first request pays what is computed once per store version
        t_first = (time.perf_counter() - t) * 1000
        assert first.status_code == 200, (name, first.status_code, first.text[:200])
        via_http(pick())
        direct(pick())

        def one_http(via: Callable[[Any], Any] = via_http, p: Callable[[], Any] = pick) -> None:
            r = via(p())
            assert r.status_code == 200, (r.status_code, r.text[:200])

        def one_direct(d: Callable[[Any], Any] = direct, p: Callable[[], Any] = pick) -> None:
            d(p())

        h = _timed(one_http, repeat, budget)
        d = _timed(one_direct, repeat, budget)
        row = {"endpoint": name, "n": len(h), "first": t_first, "p50": statistics.median(h), "p95": _pct(h, 0.95),
               "max": max(h), "direct_p95": _pct(d, 0.95)}
        rows.append(row)
        print(f"| {name} | {row['n']} | {t_first:.0f} | {row['p50']:.0f} | {row['p95']:.0f} | {row['max']:.0f} | "
              f"{row['direct_p95']:.0f} | {row['p95'] / max(row['direct_p95'], 0.001):.2f} |", flush=True)
    print(f"\nload average after: {os.getloadavg()[0]:.1f}")
    srv.should_exit = True
    wb.close()
    return {"rows": rows, "index_s": t_index, "shape_s": t_shape, "findings_s": t_scan, "findings": len(raw)}


def _write_findings(store: str) -> Path:
    """One scan by the current code, unmasked (keys as in the store), for both measurements."""
    from guanlian.graph import open_store
    from guanlian.queries import scan

    t0 = time.perf_counter()
    with open_store(store, read_only=True, create=False) as s:
        doc = scan(s)
    out = Path(tempfile.mkdtemp()) / "findings.json"
    out.write_text(json.dumps(doc.to_json(), ensure_ascii=False), encoding="utf-8")
    print(f"scan (current code, shared by both measurements): {time.perf_counter() - t0:.1f} s, "
          f"{len(doc.findings)} findings", flush=True)
    return out


def _child(src: Path, ns: argparse.Namespace, findings: Path) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--store", ns.store, "--repeat", str(ns.repeat),
           "--budget", str(ns.budget), "--findings", str(findings), "--src", str(src), "--json-out"]
    out = tempfile.mktemp(suffix=".json")
    subprocess.run([*cmd, out], check=True)
    result: dict[str, Any] = json.loads(Path(out).read_text(encoding="utf-8"))
    return result


def main() -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--store", required=True)
    ap.add_argument("--repeat", type=int, default=30)
    ap.add_argument("--budget", type=float, default=60.0, help="seconds per case and side before it stops")
    ap.add_argument("--findings", type=Path, help="an unmasked findings.json of this store (instead of a scan)")
    ap.add_argument("--baseline-src", type=Path, help="package to compare with (same run)")
    ap.add_argument("--src", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--json-out", type=Path, help=argparse.SUPPRESS)
    ns = ap.parse_args()
    if ns.baseline_src is None:
        result = measure(ns.store, ns.repeat, ns.budget, ns.findings)
        if ns.json_out:
            ns.json_out.write_text(json.dumps(result), encoding="utf-8")
        return 0
    findings = ns.findings or _write_findings(ns.store)
    load0 = os.getloadavg()[0]
    print(f"\n## baseline ({ns.baseline_src})\n", flush=True)
    base = _child(ns.baseline_src.resolve(), ns, findings)
    print("\n## now\n", flush=True)
    now = _child(Path(__file__).resolve().parents[1], ns, findings)
    print(f"\n## now against baseline (p95 over HTTP; load average {load0:.1f} → {os.getloadavg()[0]:.1f})\n")
    print(f"first use: search index {base['index_s']:.1f} s → {now['index_s']:.1f} s; graph shape (paths, entity "
          f"reads) {now.get('shape_s', 0):.1f} s\n")
    print("| endpoint | baseline p95 ms | now p50 ms | now p95 ms | now max ms | ratio p95 now / baseline |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    by_name = {r["endpoint"]: r for r in base["rows"]}
    for r in now["rows"]:
        b = by_name.get(r["endpoint"])
        print(f"| {r['endpoint']} | {b['p95']:.0f} | {r['p50']:.0f} | {r['p95']:.0f} | {r['max']:.0f} | "
              f"{r['p95'] / max(b['p95'], 0.001):.2f} |" if b else
              f"| {r['endpoint']} | – | {r['p50']:.0f} | {r['p95']:.0f} | {r['max']:.0f} | – |")
    print(json.dumps({"store": ns.store, "baseline": base, "now": now}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
