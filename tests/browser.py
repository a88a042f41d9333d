"""Headless Chromium for the browser tests (views, report, workbench): the Debian Chromium driven by Playwright,
and a tab that aborts and records every request that would leave the machine.

The ``browser`` fixture (``tests/conftest.py``) launches Chromium once per session; each test opens a
:class:`GuardedPage` and ends with :meth:`GuardedPage.assert_clean`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

CHROMIUM = os.environ.get("GUANLIAN_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run"]
LOCAL_SCHEMES = ("file", "data", "about", "blob")
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
TRAP = """
window.__alerts = [];
window.alert = window.confirm = window.prompt = function (m) { window.__alerts.push(String(m)); };
window.__csp = [];
document.addEventListener('securitypolicyviolation', function (e) { window.__csp.push(e.violatedDirective + ' ' + e.blockedURI); });
"""
"""Alerts and Content-Security-Policy violations are recorded instead of shown (a hostile name that ran would
leave a trace here)."""


def is_local(url: str) -> bool:
    """True for a URL that stays on this machine: a file, data, about or blob URL, or a loopback host.

    >>> is_local("file:///tmp/a.html"), is_local("http://127.0.0.1:8765/x"), is_local("https://cdn.example/x.js")
    (True, True, False)
    """
    parts = urlsplit(url)
    return parts.scheme in LOCAL_SCHEMES or (parts.hostname or "") in LOOPBACK_HOSTS


@contextmanager
def launch() -> Iterator[Any]:
    """The Debian Chromium under Playwright (skipped locally when absent; a failure in CI, which installs it)."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"no Chromium at {CHROMIUM}", pytrace=False)
        pytest.skip(f"no Chromium at {CHROMIUM}")
    from playwright import sync_api

    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield b
        finally:
            b.close()


class GuardedPage:
    """A tab in its own browser context: every request that is not local (:func:`is_local`) is aborted and
    recorded in ``external``; failed requests, page errors, alerts and CSP violations are recorded too."""

    def __init__(self, browser: Any, *, width: int = 1280, height: int = 900) -> None:
        self.external: list[str] = []
        self.failed: list[str] = []
        self.errors: list[str] = []
        self.ctx = browser.new_context(viewport={"width": width, "height": height})
        self.page = self.ctx.new_page()
        self.page.add_init_script(TRAP)
        self.page.route("**/*", self._route)
        self.page.on("requestfailed", lambda r: self.failed.append(r.url))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def _route(self, route: Any) -> None:
        url = route.request.url
        if is_local(url):
            route.continue_()
        else:
            self.external.append(url)
            route.abort()

    def assert_clean(self, *, failed: bool = True) -> None:
        """No request left the machine, no script error, no alert, no CSP violation (and, with ``failed``, no
        request failed: a page that navigates away mid-request may abort its own loopback requests)."""
        assert self.external == [], self.external
        assert self.errors == [], self.errors
        if failed:
            assert self.failed == [], self.failed
        assert self.page.evaluate("window.__alerts") == []
        assert self.page.evaluate("window.__csp") == []

    def close(self) -> None:
        """Close the tab's context."""
        self.ctx.close()
