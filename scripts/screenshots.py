"""Render the sample findings and save docs/img/view.png and docs/img/report.png (headless Chromium, offline).

Usage: python scripts/screenshots.py [FINDINGS_JSON] [--out docs/img]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from guanlian.finding import FindingsDoc
from guanlian.viz.report import write_report
from guanlian.viz.view import finding_graph, render_finding_view, render_finding_views

ROOT = Path(__file__).resolve().parents[1]
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("findings", nargs="?", default=str(ROOT / "tests/viz/data/findings_sample.json"))
    ap.add_argument("--out", default=str(ROOT / "docs/img"))
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    a = ap.parse_args()
    doc = FindingsDoc.from_json(json.loads(Path(a.findings).read_text(encoding="utf-8")))
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="guanlian-shots-"))
    views = render_finding_views(doc, work / "views")
    report, _ = write_report(doc, work, views=views)
    # the first finding's path, highlighted, inside the context of the other findings that share a node
    first = doc.findings[0]
    keys = set(first.path.keys())
    context = None
    for f in doc.findings[1:]:
        if keys & set(f.path.keys()):
            context = finding_graph(f, context)
    view = render_finding_view(first, work / "view-context.html", context=context)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=a.chromium, args=ARGS)
        page = b.new_page(viewport={"width": 1280, "height": 760})
        page.route(
            "**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:")) else r.abort()
        )
        page.goto(view.as_uri())
        page.wait_for_function("() => window.guanlianView && window.guanlianView.stabilized", timeout=30000)
        page.evaluate("window.guanlianView.network.fit()")
        page.wait_for_timeout(400)
        page.screenshot(path=str(out / "view.png"))
        page.set_viewport_size({"width": 1100, "height": 1500})
        page.goto(report.as_uri())
        page.screenshot(path=str(out / "report.png"))
        b.close()
    print(out / "view.png", out / "report.png")


if __name__ == "__main__":
    main()
