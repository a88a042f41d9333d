"""Token, cookie, CSRF, host check, headers, hostile names inert on every page, and store/CLI coexistence."""

from __future__ import annotations

import html
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from guanlian.workbench.app import Settings, create_app
from guanlian.workbench.server import is_loopback, read_token
from guanlian.workbench.service import Workbench
from tests.workbench.conftest import HOSTILE, TOKEN, TRADITIONAL, World, make_client

Bench = tuple[Workbench, TestClient]


def _key_of(c: TestClient, name: str) -> str:
    hits = c.get("/api/search", params={"q": name, "kinds": "Person"}).json()["hits"]
    return str(next(h["key"] for h in hits if h["name"] == name))


def test_no_token_is_401_everywhere(bench: Bench) -> None:
    wb, _c = bench
    anon = TestClient(create_app(wb, Settings(token=TOKEN)), base_url="http://127.0.0.1")
    for url in ("/", "/findings", "/queries", "/clues", "/path", "/entity/x", "/api/search?q=a", "/api/findings",
                "/api/queries", "/api/clues", "/static/app.js", "/links", "/api/links", "/api/judgements"):
        r = anon.get(url)
        assert r.status_code == 401, url
        assert "token" in r.text.lower() or "令牌" in r.text
    assert anon.get("/?token=wrong-token-but-long-enough").status_code == 401
    assert anon.get("/api/findings", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert anon.post("/api/clues", json={"finding_id": "x"}).status_code == 401
    assert anon.post("/api/judgements", json={"link_id": "x", "verdict": "reject", "reason": "x"}).status_code == 401
    ok = anon.get("/api/findings", headers={"Authorization": f"Bearer {TOKEN}"})
    assert ok.status_code == 200


def test_token_url_sets_httponly_cookie_and_drops_token(bench: Bench) -> None:
    wb, _c = bench
    anon = TestClient(create_app(wb, Settings(token=TOKEN)), base_url="http://127.0.0.1")
    r = anon.get(f"/findings?token={TOKEN}&severity=high", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/findings?severity=high"
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "samesite=strict" in cookie.lower() and TOKEN not in cookie
    page = anon.get("/findings?severity=high")
    assert page.status_code == 200 and TOKEN not in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "connect-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"


def test_foreign_host_is_refused(bench: Bench) -> None:
    wb, _c = bench
    evil = TestClient(create_app(wb, Settings(token=TOKEN)), base_url="http://attacker.example")
    assert evil.get("/api/findings", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 400
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.10")


def test_csrf_on_cookie_writes(bench: Bench) -> None:
    wb, c = bench
    fid = c.get("/api/findings").json()["findings"][0]["id"]
    assert c.post("/api/clues", data={"finding_id": fid}).status_code == 403  # cookie, no CSRF token
    forged = c.post("/api/clues", data={"finding_id": fid}, headers={"X-CSRF-Token": "forged"})
    assert forged.status_code == 403
    assert c.post("/api/clues", data={"finding_id": fid, "csrf_token": "forged"}).status_code == 403
    page = c.get(f"/findings/{fid}").text
    m = re.search(r'"X-CSRF-Token": "([0-9a-f]{64})"', html.unescape(page))
    assert m, "the page carries its CSRF token for htmx"
    ok = c.post("/api/clues", data={"finding_id": fid, "by": "王五"}, headers={"X-CSRF-Token": m.group(1),
                                                                                "HX-Request": "true"})
    assert ok.status_code == 200 and ok.headers.get("HX-Refresh") == "true"
    audit = (wb.sidecar / "audit.jsonl").read_text(encoding="utf-8")
    assert '"status": 403' in audit and '"who": "王五"' in audit


def test_hostile_names_are_inert_on_every_page(bench: Bench, world: World) -> None:
    _wb, c = bench
    official = _key_of(c, world.official)
    targets = [_key_of(c, h) for h in HOSTILE]
    pages = [
        "/", f"/?q={HOSTILE[0]}", f"/?q={HOSTILE[1]}", f"/entity/{official}", *(f"/entity/{t}" for t in targets),
        f"/path?from={official}&to={targets[0]}", f"/path?from={targets[1]}&to={official}", "/findings",
        f"/findings?person={HOSTILE[0]}", "/queries", "/clues", f"/entity/{HOSTILE[0]}", "/links",
        f"/links?name={HOSTILE[1]}",
    ]
    for url in pages:
        r = c.get(url)
        assert r.status_code in (200, 404), url
        body = r.text.replace("&#39;", "'").replace("&#34;", '"')
        assert "<script>alert(1)</script>" not in body, url
        assert not re.search(r"<script(?![^>]*(src=\"/static/|type=\"application/json\"))", body), url
        for hostile in HOSTILE:
            if html.escape(hostile, quote=False) in body or hostile.replace("<", "\\u003c") in body:
                break
        else:
            if url.startswith(("/entity/", "/?q=", "/path")) and r.status_code == 200:
                raise AssertionError(f"{url}: the hostile name should be shown (as text)")
    ent = c.get(f"/entity/{official}").text
    assert html.escape(HOSTILE[0], quote=False) in ent and TRADITIONAL in ent
    assert "&#39;}) DETACH DELETE n //" in ent or "'}) DETACH DELETE n //" in ent.replace("&#39;", "'")
    # the graph's data block escapes < so the name cannot close the script element
    data = re.search(r'<script type="application/json" id="graph-data">(.*?)</script>', ent, re.S)
    assert data and "\\u003cscript\\u003e" in data.group(1)
    # the store still holds everything: the quote-laden name was a value, never Cypher
    assert c.get("/api/findings").status_code == 200 and _key_of(c, HOSTILE[1])


def test_token_file_and_short_token(tmp_path: Path) -> None:
    good = tmp_path / "t"
    good.write_text("a-long-enough-token-123\n", encoding="utf-8")
    assert read_token(good) == "a-long-enough-token-123"
    short = tmp_path / "s"
    short.write_text("short", encoding="utf-8")
    with pytest.raises(ValueError, match="16"):
        read_token(short)
    assert len(read_token(None)) >= 24 and read_token(None) != read_token(None)


def test_cli_writes_while_serving_then_reopen(ladybug_world: World, tmp_path: Path) -> None:
    """LadybugDB allows one read-write process: the workbench holds a read-only handle, a CLI process loads
    more data meanwhile, and the next request sees it (the store is reopened and the index rebuilt)."""
    wb = Workbench(ladybug_world.location, clues=tmp_path / "clues.db")
    c = make_client(wb)
    try:
        assert c.get("/api/search", params={"q": "新来的单位甲"}).json()["hits"] == [] or all(
            h["match"] == "fuzzy" for h in c.get("/api/search", params={"q": "新来的单位甲"}).json()["hits"])
        extra = tmp_path / "officials.csv"
        extra.write_text("姓名,身份证号,单位,职务\n赵新来,,新来的单位甲,科员\n", encoding="utf-8")
        proc = subprocess.run(
            [sys.executable, "-m", "guanlian.cli", "load", str(extra), "--kind", "officials",
             "--store", ladybug_world.location],
            capture_output=True, text=True, timeout=300,
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
        hits = c.get("/api/search", params={"q": "新来的单位甲"}).json()["hits"]
        assert any(h["name"] == "新来的单位甲" and h["match"] == "exact" for h in hits)
        assert any(h["name"] == "赵新来" for h in c.get("/api/search", params={"q": "赵新来"}).json()["hits"])
    finally:
        wb.close()


def test_serve_command_prints_one_url_and_answers(ladybug_world: World, tmp_path: Path) -> None:
    import httpx

    token_file = tmp_path / "token"
    token_file.write_text(TOKEN, encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "guanlian.cli", "serve", "--store", ladybug_world.location, "--port", "0",
         "--token-file", str(token_file), "--clues", str(tmp_path / "clues.db")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        m = re.fullmatch(r"http://127\.0\.0\.1:(\d+)/\?token=(\S+)", line)
        assert m and m.group(2) == TOKEN, line
        base = f"http://127.0.0.1:{m.group(1)}"
        for _ in range(100):
            try:
                r = httpx.get(f"{base}/api/queries", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30)
                break
            except httpx.ConnectError:
                time.sleep(0.2)
        assert r.status_code == 200 and r.json()["queries"]
        assert httpx.get(f"{base}/api/queries", timeout=30).status_code == 401
    finally:
        proc.terminate()
        proc.wait(timeout=30)
