"""Open the views and the report in headless Chromium with the network blocked; check they work and are safe."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from guanlian.finding import FindingsDoc
from guanlian.viz.report import write_report
from guanlian.viz.view import render_finding_views
from tests.browser import GuardedPage

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def outputs(
    tmp_path_factory: pytest.TempPathFactory, findings_doc: FindingsDoc
) -> tuple[Path, dict[str, Path]]:
    out = tmp_path_factory.mktemp("out")
    views = render_finding_views(findings_doc, out / "views")
    html, _ = write_report(findings_doc, out, views=views)
    return html, views


def test_view_draws_offline_and_is_xss_safe(browser: Any, outputs: tuple[Path, dict[str, Path]]) -> None:
    _, views = outputs
    p = GuardedPage(browser, height=800)
    page = p.page
    page.goto(views["0b9c8d7e6f5a4b3c"].as_uri())
    page.wait_for_function("() => window.guanlianView && window.guanlianView.stabilized", timeout=20000)
    size = page.evaluate(
        "(() => { const c = document.querySelector('#network canvas'); return [c.width, c.height]; })()"
    )
    assert size[0] > 300 and size[1] > 200
    drawn = page.evaluate(
        """(() => { const c = document.querySelector('#network canvas');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;
        for (let i = 0; i < d.length; i += 4) { if (d[i+3] > 0 && (d[i] < 240 || d[i+1] < 240 || d[i+2] < 240)) n++; }
        return n; })()"""
    )
    assert drawn > 2000  # nodes, edges and labels, not a blank canvas
    physics = page.evaluate("window.guanlianView.network.physics.options.enabled")
    assert physics is False  # settled, then physics off
    legend = page.inner_text("#legend")
    assert "图例" in legend and "人员" in legend and "疑似同一人" in legend
    text = page.inner_text("body")
    assert "<img src=x onerror=alert(1)>科技有限公司" in text  # shown as text in the heading
    assert page.evaluate("document.images.length") == 0
    assert page.evaluate("document.querySelectorAll('script').length") == 3
    # hover the hostile node: the tooltip shows the payload as text, with no child elements
    pos = page.evaluate(
        """(() => { const n = window.guanlianView.network;
        const id = n.body.data.nodes.get().find(x => x.label === '<script>alert(1)</script>').id;
        const p = n.canvasToDOM(n.getPositions([id])[id]);
        const r = document.querySelector('#network canvas').getBoundingClientRect();
        return [p.x + r.left, p.y + r.top]; })()"""
    )
    page.mouse.move(pos[0], pos[1])
    page.wait_for_selector("div.vis-tooltip", state="visible", timeout=5000)
    tip = page.eval_on_selector(
        "div.vis-tooltip", "e => [e.innerText, e.children.length - e.querySelectorAll('br').length]"
    )
    assert "<script>alert(1)</script>" in tip[0] and "<b onmouseover=alert(2)>" in tip[0]
    assert tip[1] == 0
    assert "家庭成员及主要社会关系.xlsx 第48行" in tip[0]
    p.assert_clean()
    p.close()


def test_report_opens_offline_and_links_views(browser: Any, outputs: tuple[Path, dict[str, Path]]) -> None:
    html, views = outputs
    p = GuardedPage(browser, height=800)
    page = p.page
    page.goto(html.as_uri())
    text = page.inner_text("body")
    assert "关联线索报告" in text and "<script>alert(1)</script>" in text and "=cmd|' /C calc'!A0" in text
    assert page.evaluate("document.images.length") == 0
    assert page.evaluate("document.querySelectorAll('script').length") == 0
    hrefs = page.eval_on_selector_all(".view-link a", "as => as.map(a => a.href)")
    assert len(hrefs) == 3 and all(h.startswith("file:") for h in hrefs)
    page.click(".view-link a >> nth=0")
    page.wait_for_function("() => window.guanlianView && window.guanlianView.stabilized", timeout=20000)
    assert page.url == views["f1a2b3c4d5e6f7a8"].as_uri()
    p.assert_clean()
    p.close()


def test_report_prints(browser: Any, outputs: tuple[Path, dict[str, Path]]) -> None:
    html, _ = outputs
    p = GuardedPage(browser, height=800)
    p.page.goto(html.as_uri())
    p.page.emulate_media(media="print")
    assert p.page.evaluate("getComputedStyle(document.querySelector('nav.toc')).display") == "none"
    pdf = p.page.pdf(format="A4")
    assert pdf[:4] == b"%PDF" and len(pdf) > 10000
    p.assert_clean()
    p.close()


def test_demo_report_and_view_in_the_browser(browser: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
    """The real pipeline's outputs (guanlian demo), not the hand-made sample, render offline and cleanly."""
    from guanlian.workflow import run_demo

    out = tmp_path_factory.mktemp("demo")
    result = run_demo(out, size="tiny", seed=7)
    assert result.scan.count > 0
    p = GuardedPage(browser, height=800)
    page = p.page
    page.goto(result.scan.report_html.as_uri())
    assert "关联线索报告" in page.inner_text("body")
    assert page.evaluate("document.querySelectorAll('section.finding').length") == result.scan.count
    first_view = next(iter(result.scan.views.values()))
    page.goto(first_view.as_uri())
    page.wait_for_function("() => window.guanlianView && window.guanlianView.stabilized", timeout=20000)
    drawn = page.evaluate(
        """(() => { const c = document.querySelector('#network canvas');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;
        for (let i = 0; i < d.length; i += 4) { if (d[i+3] > 0 && (d[i] < 240 || d[i+1] < 240 || d[i+2] < 240)) n++; }
        return n; })()"""
    )
    assert drawn > 1000
    assert "图例" in page.inner_text("#legend")
    p.assert_clean()
    p.close()
