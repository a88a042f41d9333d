"""``report.xlsx`` writer: time and memory on a findings document made ``--copies`` times larger (issue 18).

Reads a ``findings.json`` written by ``guanlian scan``, repeats its findings ``--copies`` times (each copy's ids
suffixed, so a 1M scan's 1,234 cases stand in for a 10M scan's ~100k), then writes ``report.xlsx`` with the
source tree given (``--src``: run once on a base tree and once on a changed tree for a same-run ratio). Prints
one line: the source, cases, voucher rows, evidence rows, seconds, RSS before the write, peak RSS after it (both
MiB, from ``/proc`` and ``getrusage``), the file's bytes and an MD5 of every cell value read back (must match
between trees; ``--no-verify`` skips the read-back).

Example:
    python benchmarks/report_xlsx.py --src /tmp/base-tree --findings demo-out/findings.json --copies 20 --out /tmp/r1
    python benchmarks/report_xlsx.py --src . --findings demo-out/findings.json --copies 20 --out /tmp/r2
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import hashlib
import json
import resource
import sys
import time
from pathlib import Path


def _rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    """Parse the arguments, build the enlarged document, write and measure ``report.xlsx``, print one line."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--src", required=True, help="source tree holding the guanlian package to measure")
    ap.add_argument("--findings", required=True, type=Path, help="a findings.json from guanlian scan")
    ap.add_argument("--copies", type=int, default=1, help="times to repeat the findings (default 1)")
    ap.add_argument("--out", required=True, type=Path, help="folder for report.xlsx")
    ap.add_argument("--no-verify", action="store_true", help="skip reading the file back for the MD5")
    args = ap.parse_args()
    sys.path.insert(0, str(Path(args.src).resolve()))
    from guanlian.finding import FindingsDoc
    from guanlian.viz.report import write_report_xlsx

    doc = FindingsDoc.from_json(json.loads(args.findings.read_text(encoding="utf-8")))
    findings = tuple(
        dataclasses.replace(f, id=f"{f.id}-{k}") if k else f for k in range(args.copies) for f in doc.findings
    )
    doc = dataclasses.replace(doc, findings=findings)
    vouchers = sum(len(f.vouchers) for f in findings)
    evidence = sum(len(f.evidence) for f in findings)
    gc.collect()
    before = _rss_mib()
    t = time.perf_counter()
    path = write_report_xlsx(doc, args.out)
    secs = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    digest = "-"
    if not args.no_verify:
        from openpyxl import load_workbook

        h = hashlib.md5()
        wb = load_workbook(path, read_only=True)
        for ws in wb.worksheets:
            h.update(ws.title.encode())
            for row in ws.iter_rows(values_only=True):
                h.update(repr(row).encode())
        digest = h.hexdigest()
    print(
        f"src={args.src} cases={len(findings)} vouchers={vouchers} evidence={evidence} seconds={secs:.2f} "
        f"rss_before_mib={before:.0f} peak_mib={peak:.0f} bytes={path.stat().st_size} md5={digest}"
    )


if __name__ == "__main__":
    main()
