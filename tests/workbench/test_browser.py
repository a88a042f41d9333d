"""The investigator's journey in real Chromium against a running ``guanlian serve`` (uvicorn, loopback):
search → entity → expand the graph → path → finding → file it → transfer the clue → the history shows who.

Every request that does not go to the loopback server is aborted and fails the test. Screenshots of each
step are kept in ``$GUANLIAN_TEST_ARTIFACTS/workbench`` (default ``.cache/test-artifacts/workbench``).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from guanlian.workbench.service import Workbench
from tests.browser import GuardedPage
from tests.judgements.test_judgements import _only_on
from tests.workbench.conftest import HOSTILE, TOKEN, TRADITIONAL, World, running_workbench

pytestmark = pytest.mark.browser

ARTIFACTS = Path(os.environ.get("GUANLIAN_TEST_ARTIFACTS", Path(__file__).resolve().parents[2] / ".cache" /
                                "test-artifacts")) / "workbench"


@dataclass
class Served:
    """The running server's address and its workbench (the journey judges, so it serves a copy of the store)."""

    url: str
    wb: Workbench


@pytest.fixture(scope="module")
def served(ladybug_world: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:

    tmp = tmp_path_factory.mktemp("bworld")
    shutil.copytree(ladybug_world.location, tmp / "store")
    wb = Workbench(str(tmp / "store"), clues=tmp / "clues.db")
    with running_workbench(wb) as url:
        yield Served(url, wb)
    wb.close()


class Session(GuardedPage):
    """One browser tab on the workbench (requests off the machine aborted and failing the test), with
    screenshots and a wait for the graph."""

    def __init__(self, browser: Any, base: str) -> None:
        super().__init__(browser, width=1280, height=900)
        self.base = base
        ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def shot(self, name: str) -> None:
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)

    def graph_ready(self) -> None:
        self.page.wait_for_function("() => window.guanlianGraph && window.guanlianGraph.stabilized",
                                    timeout=30000)

    def assert_clean(self, *, failed: bool = False) -> None:
        """As :meth:`GuardedPage.assert_clean`; a reload after a write may abort the page's own requests."""
        super().assert_clean(failed=failed)


def test_investigator_journey(browser: Any, served: Served, ladybug_world: World) -> None:
    server = served.url
    s = Session(browser, server)
    page = s.page
    page.goto(f"{server}/?token={TOKEN}")
    assert page.url == f"{server}/"  # token dropped from the address bar, cookie set
    assert "token" not in page.url and page.context.cookies()[0]["httpOnly"] is True

    # search: simplified input finds the traditional record; then the official
    page.fill("#q", "刘桂兰")
    page.press("#q", "Enter")
    page.wait_for_selector(f"a.hit:text-is('{TRADITIONAL}')")
    s.shot("01-search")
    page.fill("#q", ladybug_world.official)
    page.press("#q", "Enter")
    page.wait_for_selector(f"a.hit:text-is('{ladybug_world.official}')")
    page.click(f"a.hit:text-is('{ladybug_world.official}')")

    # entity page: graph drawn, hostile relatives shown as text
    page.wait_for_selector("#entity-name")
    s.graph_ready()
    assert ladybug_world.official in page.inner_text("#entity-name")
    relatives = page.inner_text("#group-relatives")
    assert HOSTILE[0] in relatives and HOSTILE[1] in relatives and TRADITIONAL in relatives
    assert page.locator("#timeline-table tr").count() > 1
    s.shot("02-entity")

    # expand: click a unit node on the canvas; the graph grows without reloading
    before = page.evaluate("window.guanlianGraph.nodes.length")
    target = page.evaluate(
        """(() => { const g = window.guanlianGraph; const ids = g.nodes.getIds();
        const unit = ids.find(id => String(id).startsWith('unit:')); return unit; })()"""
    )
    assert target, "the official's graph has his unit"
    pos = page.evaluate(
        """(id) => { const n = window.guanlianGraph.network; const p = n.canvasToDOM(n.getPositions([id])[id]);
        const r = document.querySelector('#graph canvas').getBoundingClientRect();
        return [r.left + p.x, r.top + p.y]; }""",
        target,
    )
    page.evaluate("window.scrollTo(0, 0)")
    page.mouse.click(pos[0], pos[1])
    page.wait_for_function(f"() => window.guanlianGraph.nodes.length > {before} && "
                           "window.guanlianGraph.pending === 0", timeout=30000)
    assert page.url.startswith(f"{server}/entity/")  # expanded in place
    s.shot("03-expanded")

    # path: from this entity to the traditional-name relative
    rel_key = page.evaluate(
        f"""(() => window.guanlianGraph.nodes.get().find(n => n.label === {TRADITIONAL!r}).id)()"""
    )
    page.click("#path-from-here")
    page.fill("input[name=to]", rel_key)
    page.click("#path-form button[type=submit]")
    page.wait_for_selector("#path-summary")
    assert "1" in page.inner_text("#path-summary")
    s.shot("04-path")
    assert s.errors == [], s.errors
    s.graph_ready()
    s.shot("04-path")

    # finding: open the first, file it as a clue (htmx POST with the page's CSRF token)
    page.goto(f"{server}/findings")
    page.wait_for_selector("a.finding")
    s.shot("05-findings")
    page.click("a.finding >> nth=0")
    page.wait_for_selector("#finding-title")
    s.graph_ready()
    s.shot("06-finding")
    page.fill("#file-clue input[name=by]", "调查员甲")
    page.click("#file-clue button[type=submit]")
    page.wait_for_selector("#clue-link", timeout=30000)  # htmx asked the page to refresh
    page.click("#clue-link")

    # transfer the clue; the history shows who did it
    page.wait_for_selector("#form-transfer")
    page.fill("#form-transfer input[name=to_unit]", "市纪委监委第三监督检查室")
    page.fill("#form-transfer input[name=note]", "请核查")
    page.fill("#form-transfer input[name=by]", "调查员乙")
    page.click("#form-transfer button[type=submit]")
    page.wait_for_selector("#form-handle", timeout=30000)
    history = page.inner_text("#history")
    assert "调查员甲" in history and "调查员乙" in history and "移送" in history and "请核查" in history
    assert "已移送" in page.inner_text("#clue-status")
    s.shot("07-clue-history")
    clue_url = page.url

    # judge in the browser: confirm one fuzzy link (the rescan lifts its finding), reject another (its finding
    # goes); the same functions and judgements.db as `guanlian judge`
    doc = served.wb.findings_doc()
    gone_id, bad_link = _only_on(doc, set())
    lifted_id, good_link = _only_on(doc, {bad_link})
    page.goto(f"{server}/findings/{lifted_id}")
    item = page.locator(f"li.link-item[data-link='{good_link}']")
    item.locator("input[name=reason]").fill("身份证复印件一致")
    item.locator("input[name=by]").fill("调查员丙")
    item.scroll_into_view_if_needed()
    s.shot("08-judge-buttons")
    assert "经核查组确认" not in page.inner_text("#explanation")
    item.locator("button[value=confirm]").click()
    page.wait_for_function("() => document.querySelector('#explanation') && "
                           "document.querySelector('#explanation').textContent.includes('经核查组确认')",
                           timeout=60000)
    assert "经核查组确认（调查员丙" in page.inner_text("#explanation")
    assert "调查员丙" in page.inner_text(f"li.link-item[data-link='{good_link}'] .verdict")
    page.locator("#judgement-box").scroll_into_view_if_needed()
    s.shot("09-confirmed")

    page.goto(f"{server}/findings/{gone_id}")
    item = page.locator(f"li.link-item[data-link='{bad_link}']")
    item.locator("button[value=reject]").click()  # no reason yet: the browser asks for one, nothing is sent
    assert page.url == f"{server}/findings/{gone_id}"
    item.locator("input[name=reason]").fill("户籍核对：不是同一人")
    item.locator("button[value=reject]").click()
    page.wait_for_url(f"{server}/findings", timeout=60000)  # the finding rested on that link alone: gone
    page.wait_for_selector("a.finding")
    assert page.locator(f"a.finding[href='/findings/{gone_id}']").count() == 0
    assert page.locator(f"a.finding[href='/findings/{lifted_id}']").count() == 1
    s.shot("10-after-reject")
    page.goto(f"{server}/links?tier=confirmed")  # the links view: the confirmed link with who and why
    assert page.locator(f"tr[id='link-{good_link}']").count() == 1, (page.url, page.content()[:500])
    assert "调查员丙" in page.inner_text(f"tr[id='link-{good_link}']")
    s.shot("11-links")
    page.goto(f"{server}/clues/stats")
    page.wait_for_selector("#by-query")
    s.shot("12-clue-stats")

    # English switch (on the clue page)
    page.goto(clue_url)
    page.click("#lang-switch")
    page.wait_for_selector("#history")
    assert "transfer" in page.inner_text("#history").lower()
    s.assert_clean()
