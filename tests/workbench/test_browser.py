"""The investigator's journey in real Chromium against a running ``guanlian serve`` (uvicorn, loopback):
search → entity → expand the graph → path → finding → file it → transfer the clue → the history shows who.

Every request that does not go to the loopback server is aborted and fails the test. Screenshots of each
step are kept in ``$GUANLIAN_TEST_ARTIFACTS/workbench`` (default ``.cache/test-artifacts/workbench``).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from guanlian.workbench.app import Settings, create_app
from guanlian.workbench.server import free_port
from guanlian.workbench.service import Workbench
from tests.workbench.conftest import HOSTILE, TOKEN, TRADITIONAL, World

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("GUANLIAN_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run"]
ARTIFACTS = Path(os.environ.get("GUANLIAN_TEST_ARTIFACTS", Path(__file__).resolve().parents[2] / ".cache" /
                                "test-artifacts")) / "workbench"
TRAP = """
window.__alerts = [];
window.alert = window.confirm = window.prompt = function (m) { window.__alerts.push(String(m)); };
window.__csp = [];
document.addEventListener('securitypolicyviolation', function (e) { window.__csp.push(e.violatedDirective + ' ' + e.blockedURI); });
"""


@pytest.fixture(scope="module")
def server(ladybug_world: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    import uvicorn

    wb = Workbench(ladybug_world.location, clues=tmp_path_factory.mktemp("bclues") / "clues.db")
    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(create_app(wb, Settings(token=TOKEN)), host="127.0.0.1", port=port,
                                        log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(200):
        if srv.started:
            break
        time.sleep(0.05)
    assert srv.started
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)
    wb.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"no Chromium at {CHROMIUM}", pytrace=False)
        pytest.skip(f"no Chromium at {CHROMIUM}")
    from playwright import sync_api

    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


class Session:
    """One browser tab: non-loopback requests aborted and recorded, alerts and CSP violations trapped."""

    def __init__(self, browser: Any, base: str) -> None:
        self.base = base
        self.external: list[str] = []
        self.errors: list[str] = []
        self.ctx = browser.new_context(viewport={"width": 1280, "height": 900})
        self.page = self.ctx.new_page()
        self.page.add_init_script(TRAP)
        self.page.route("**/*", self._route)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def _route(self, route: Any) -> None:
        host = urlsplit(route.request.url).hostname or ""
        if host in ("127.0.0.1", "localhost", "::1"):
            route.continue_()
        else:
            self.external.append(route.request.url)
            route.abort()

    def shot(self, name: str) -> None:
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)

    def graph_ready(self) -> None:
        self.page.wait_for_function("() => window.guanlianGraph && window.guanlianGraph.stabilized",
                                    timeout=30000)

    def assert_clean(self) -> None:
        assert self.external == [], self.external
        assert self.errors == [], self.errors
        assert self.page.evaluate("window.__alerts") == []
        assert self.page.evaluate("window.__csp") == []


def test_investigator_journey(browser: Any, server: str, ladybug_world: World) -> None:
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

    # English switch
    page.click("#lang-switch")
    page.wait_for_selector("#history")
    assert "transfer" in page.inner_text("#history").lower()
    s.assert_clean()
