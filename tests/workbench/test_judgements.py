"""Judgements in the workbench (issue 14 in the browser) on both engines: ``POST /api/judgements`` confirms,
rejects and dismisses through :mod:`guanlian.judgements` (the CLI's functions, the CLI's ``judgements.db``),
the finding and link views show who/when/why, bad input is 400, unknown ids 404, forged CSRF 403."""

from __future__ import annotations

import html
import json
import re
import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from guanlian.graph import open_store, sidecar_for
from guanlian.judgements import JudgementBook
from guanlian.matching.matcher import match_store
from guanlian.workbench.service import Workbench
from tests.judgements.test_judgements import _only_on
from tests.workbench.conftest import TOKEN, World, make_client

Bench = tuple[Workbench, TestClient]
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def jbench(world: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bench]:
    """A workbench over a world this module may change: a copy of the embedded store; on Neo4j the shared
    world, put back afterwards (judgements removed, ``match`` rerun)."""
    tmp = tmp_path_factory.mktemp("judged")
    server = world.location.startswith("bolt")
    location = world.location
    if not server:
        location = str(tmp / "store")
        shutil.copytree(world.location, location)
    wb = Workbench(location, clues=tmp / "clues.db", sidecar=tmp / "wb" if server else None)
    yield wb, make_client(wb)
    wb.close()
    if server:
        (sidecar_for(location) / "judgements.db").unlink(missing_ok=True)
        s = open_store(location, create=False)
        try:
            match_store(s)
        finally:
            s.close()


def _post(c: TestClient, body: dict[str, str], status: int = 200, headers: dict[str, str] | None = None) -> Any:
    if headers is None:  # errors in English (Accept-Language), as the checks below read them
        headers = AUTH if status == 200 else {**AUTH, "Accept-Language": "en"}
    r = c.post("/api/judgements", json=body, headers=headers)
    assert r.status_code == status, (body, r.status_code, r.text[:300])
    return r.json()


def _book(wb: Workbench) -> JudgementBook:
    """The judgement book the CLI (`guanlian judge`, `links`, `match`, `scan`) reads for this store."""
    return JudgementBook(sidecar_for(wb.location) / "judgements.db")


def test_bad_input_unknown_ids_and_csrf(jbench: Bench) -> None:
    wb, c = jbench
    doc = wb.findings_doc()
    fid = doc.findings[0].id
    _gone, link = _only_on(doc, set())
    errors = [
        ({"verdict": "confirm", "reason": "x"}, "link_id"),  # neither id
        ({"link_id": link, "finding_id": fid, "verdict": "confirm", "reason": "x"}, "exactly one"),
        ({"link_id": link, "verdict": "maybe", "reason": "x"}, "confirm, reject, unsure"),
        ({"link_id": link, "verdict": "dismiss", "reason": "x"}, "confirm, reject, unsure"),  # a finding's verdict
        ({"finding_id": fid, "verdict": "confirm", "reason": "x"}, "dismiss, undismiss"),
        ({"link_id": link, "verdict": "reject", "reason": "  "}, "reason"),
        ({"finding_id": fid, "verdict": "dismiss"}, "reason"),
    ]
    for body, words in errors:
        assert words in _post(c, body, 400)["error"], body
    bad_json = c.post("/api/judgements", content=b"{not json", headers={**AUTH, "content-type": "application/json"})
    assert bad_json.status_code == 400 and "JSON" in bad_json.json()["error"]
    assert "no link" in _post(c, {"link_id": "ps:000000000000000000000000", "verdict": "reject", "reason": "x"},
                              404)["error"]
    assert "no finding" in _post(c, {"finding_id": "0000000000000000", "verdict": "dismiss", "reason": "x"},
                                 404)["error"]
    # cookie-authenticated: no or a forged CSRF token is 403 and records nothing; the page's token works
    body = {"link_id": link, "verdict": "unsure", "reason": "再查", "by": "调查员丙"}
    assert c.post("/api/judgements", json=body).status_code == 403
    assert c.post("/api/judgements", json=body, headers={"X-CSRF-Token": "forged"}).status_code == 403
    assert c.post("/api/judgements", data={**body, "csrf_token": "forged"}).status_code == 403
    with _book(wb) as book:
        assert book.history(link) == []
    page = c.get(f"/findings/{fid}").text
    token = re.search(r'"X-CSRF-Token": "([0-9a-f]{64})"', html.unescape(page))
    assert token
    ok = c.post("/api/judgements", json=body, headers={"X-CSRF-Token": token.group(1), "HX-Request": "true"})
    assert ok.status_code == 200 and ok.headers.get("HX-Refresh") == "true"
    with _book(wb) as book:
        assert [(j.verdict, j.by) for j in book.history(link)] == [("unsure", "调查员丙")]
    # the links view: filters checked, the judgement shown
    assert _get(c, "/api/links?tier=bogus", 400)["error"].startswith("tier")
    assert "unknown parameter" in _get(c, "/api/links?colour=red&lang=en", 400)["error"]
    assert "未知参数" in _get(c, "/api/links?colour=red", 400)["error"]
    assert "page" in _get(c, "/api/links?page=abc", 400)["error"]
    row = _get(c, f"/api/links?id={link}")["links"][0]
    assert row["judgement"]["by"] == "调查员丙" and row["judgement"]["reason"] == "再查"
    audit = [json.loads(x) for x in (wb.sidecar / "audit.jsonl").read_text(encoding="utf-8").splitlines()]
    mine = [(x["who"], x["status"]) for x in audit if x["path"] == "/api/judgements"]
    assert ("?", 403) in mine and ("调查员丙", 200) in mine and any(s == 400 for _w, s in mine)


def _get(c: TestClient, url: str, status: int = 200) -> Any:
    r = c.get(url)
    assert r.status_code == status, (url, r.status_code, r.text[:300])
    return r.json()


def test_confirm_reject_dismiss_one_truth_with_the_cli(jbench: Bench) -> None:
    wb, c = jbench
    before = wb.findings_doc()
    gone_id, bad_link = _only_on(before, set())
    lifted_id, good_link = _only_on(before, {bad_link})
    other = next(f.id for f in before.findings if f.id not in (gone_id, lifted_id))
    n = len(before.findings)

    j = _post(c, {"link_id": good_link, "verdict": "confirm", "reason": "身份证复印件一致", "by": "调查员甲"})
    assert j["judgement"]["verdict"] == "confirm" and j["judgement"]["by"] == "调查员甲"
    lifted = _get(c, f"/api/findings/{lifted_id}")  # rescanned: lifted, the judgement in its explanation
    assert lifted["confidence"] == "confirmed"
    assert "经核查组确认（调查员甲" in lifted["explanation_zh"] and "身份证复印件一致" in lifted["explanation_zh"]
    link = next(x for x in lifted["links"] if x["id"] == good_link)
    assert link["judgement"]["by"] == "调查员甲" and link["judgement"]["at"].endswith("Z")
    page = c.get(f"/findings/{lifted_id}").text
    assert "经核查组确认（调查员甲" in page and 'name="verdict" value="reject"' in page

    ends = _get(c, f"/api/links?id={bad_link}")["links"][0]
    across = f"/api/path?from={ends['a']['key']}&to={ends['b']['key']}&max_hops=1"
    assert _get(c, across)["fuzzy"] is True  # the path index is built here, with the link
    _post(c, {"link_id": bad_link, "verdict": "reject", "reason": "户籍核对：不是同一人", "by": "调查员乙"})
    assert _get(c, f"/api/findings/{gone_id}", 404)  # rested only on the rejected link
    assert _get(c, across)["found"] is False  # the path index was rebuilt without the deleted link
    assert _get(c, "/api/findings?per_page=500")["total"] == n - 1
    assert _get(c, f"/api/links?id={bad_link}")["total"] == 0  # deleted from the graph, as `judge` does
    confirmed = _get(c, "/api/links?tier=confirmed")["links"]
    assert [x["id"] for x in confirmed] == [good_link] and confirmed[0]["judgement"]["text_zh"].startswith("经核查组确认")
    page = c.get("/links?tier=confirmed")
    assert page.status_code == 200 and "经核查组确认（调查员甲" in page.text

    _post(c, {"finding_id": other, "verdict": "dismiss", "reason": "已另案处理", "by": "调查员丙"})
    shown = _get(c, f"/api/findings/{other}")
    assert shown["dismissed"]["by"] == "调查员丙" and shown["dismissed"]["reason"] == "已另案处理"
    assert shown["explanation_zh"].startswith("【已排除】经核查组排除（调查员丙")
    listed = {f["id"]: f["dismissed"] for f in _get(c, "/api/findings?per_page=500")["findings"]}
    assert listed[other] is True and listed[lifted_id] is False
    refused = c.post("/api/clues", json={"finding_id": other}, headers={**AUTH, "Accept-Language": "en"})
    assert refused.status_code == 409 and "dismissed" in refused.json()["error"]
    _post(c, {"finding_id": other, "verdict": "undismiss", "reason": "撤回", "by": "调查员丙"})
    assert _get(c, f"/api/findings/{other}")["dismissed"] is None
    assert [x["verdict"] for x in _get(c, f"/api/judgements?target={other}")["judgements"]] == ["dismiss",
                                                                                                "undismiss"]

    # one truth: what the CLI reads (judgements.db beside the store) holds every web judgement
    with _book(wb) as book:
        assert book.link_verdicts()  # non-empty
        assert [j.verdict for j in book.history(good_link)] == ["confirm"]
        assert (book.history(bad_link)[-1].verdict, book.history(bad_link)[-1].by) == ("reject", "调查员乙")
        assert book.dismissed() == {}
