"""Every workbench endpoint on both engines: answers, filters, 400 for bad parameters, 404 for unknown keys."""

from __future__ import annotations

import io
import json
import re
from typing import Any

import openpyxl
import pytest
from starlette.testclient import TestClient

from guanlian.workbench.service import Workbench
from tests.workbench.conftest import HOSTILE, TOKEN, TRADITIONAL, World

Bench = tuple[Workbench, TestClient]
RAW_ID = re.compile(r"(?<![\dA-Za-z])\d{6}(?:19|20)\d{2}[01]\d[0-3]\d\d{3}[\dX](?![\dA-Za-z])")


def _json(client: TestClient, url: str, status: int = 200) -> Any:
    r = client.get(url)
    assert r.status_code == status, (url, r.status_code, r.text[:300])
    assert not RAW_ID.search(r.text), f"unmasked resident ID in {url}"
    return r.json()


def _person(client: TestClient, name: str) -> str:
    hits = _json(client, f"/api/search?q={name}&kinds=Person")["hits"]
    exact = [h for h in hits if h["name"] == name]
    assert exact, (name, hits[:3])
    return str(exact[0]["key"])


def test_search_traditional_pinyin_kinds_and_masking(bench: Bench, world: World) -> None:
    _wb, c = bench
    hits = _json(c, "/api/search?q=刘桂兰")["hits"]  # simplified query, traditional record
    assert hits[0]["name"] == TRADITIONAL and hits[0]["match"] == "exact" and hits[0]["kind"] == "Person"
    official = _json(c, f"/api/search?q={world.official}&kinds=Person")["hits"][0]
    assert official["name"] == world.official and official["key"].startswith("p:")  # ID-bearing key hidden
    assert re.fullmatch(r"\d{4}\*{10}[\dX]{4}", official["id"])
    py = _json(c, "/api/search?q=liu guilan")["hits"]
    assert any(h["name"] == TRADITIONAL and h["match"] == "pinyin" for h in py)
    unit = _json(c, "/api/search?q=局&kinds=Unit")["hits"]
    assert unit and all(h["kind"] == "Unit" for h in unit)
    assert _json(c, "/api/search?q=x&kinds=Planet", 400)["error"].count("Planet")
    assert "q" in _json(c, "/api/search", 400)["error"]
    assert _json(c, "/api/search?q=x&limit=abc", 400)["error"]
    assert _json(c, "/api/search?q=完全不存在的名字甲乙丙丁")["hits"] == [] or all(
        h["match"] == "fuzzy" for h in _json(c, "/api/search?q=完全不存在的名字甲乙丙丁")["hits"]
    )


def test_search_finds_registry_company_from_a_payee_variant(bench: Bench) -> None:
    _wb, c = bench
    companies = [e for f in _json(c, "/api/findings?per_page=500")["findings"] for e in f["entities"]
                 if e["kind"] == "Company" and str(e["name"]).endswith("公司")]
    assert companies
    company = companies[0]
    name = str(company["name"])
    for form, other in (("股份有限公司", "有限公司"), ("有限责任公司", "有限公司"), ("有限公司", "有限责任公司")):
        if name.endswith(form):
            variant = name[: -len(form)] + other
            break
    hits = _json(c, f"/api/search?q={variant}&kinds=Company")["hits"]
    assert company["key"] in [h["key"] for h in hits[:5]], (variant, hits[:5])
    assert hits[0]["match"] != "exact"  # found as a variant, not by the same text


def test_capped_neighbours_are_said(bench: Bench, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """An entity with more neighbours than the cap: the API says how many were left out and the page says so."""
    import guanlian.workbench.service as service

    _wb, c = bench
    key = _person(c, world.official)
    whole = _json(c, f"/api/neighbours/{key}")
    assert whole["truncated"] == 0 and whole["limit"] == service.ENTITY_LIMIT
    def note(page: str) -> str:
        found = re.search(r'id="graph-capped">([^<]*)<', page)
        assert found is not None
        return found.group(1)

    assert note(c.get(f"/entity/{key}").text) == ""  # near miss: under the cap nothing is said
    monkeypatch.setattr(service, "ENTITY_LIMIT", 2)
    capped = _json(c, f"/api/neighbours/{key}")
    assert len(capped["nodes"]) == 2 and capped["limit"] == 2
    assert capped["truncated"] == len(whole["nodes"]) - 2
    assert _json(c, f"/api/entity/{key}")["truncated"] == capped["truncated"]
    assert note(c.get(f"/entity/{key}").text) == (f"相邻节点超过上限：另有至少 {capped['truncated']} 个未显示"
                                                 "（每个节点最多显示 2 个）。")


def test_entity_neighbours_timeline(bench: Bench, world: World) -> None:
    _wb, c = bench
    key = _person(c, world.official)
    ent = _json(c, f"/api/entity/{key}")
    assert ent["name"] == world.official and ent["kind"] == "Person"
    assert ent["roles"] and ent["roles"][0]["type"] == "SERVES_IN"
    rel_names = {r["other"]["name"] for r in ent["relatives"]}
    assert {TRADITIONAL, *HOSTILE} <= rel_names
    assert ent["sources"] and all(s["file"] and s["row"] is not None for s in ent["sources"])
    assert ent["judgements"] == []  # none yet (test_judgements.py judges a copy of this world)
    assert all(x["id"].startswith(("ps:", "sc:")) and x["judgement"] is None for x in ent["links"])
    ids = {n["id"] for n in ent["graph"]["nodes"]}
    assert key in ids and len(ids) == len(ent["graph"]["nodes"])
    nb = _json(c, f"/api/neighbours/{key}")
    assert nb["center"] == key and {n["id"] for n in nb["nodes"]} == ids
    labels = {n["label"] for n in nb["nodes"]}
    assert HOSTILE[0] in labels  # plain text in JSON; the page shows it with textContent
    tl = _json(c, f"/api/entity/{key}/timeline")
    assert tl["events"] and [e["date"] for e in tl["events"]] == sorted(e["date"] for e in tl["events"])
    assert "tenure_start" in {e["event"] for e in tl["events"]}
    for bad in ("nope", "p:0000", "unit:没有这个单位"):
        for url in (f"/api/entity/{bad}", f"/api/neighbours/{bad}", f"/api/entity/{bad}/timeline"):
            assert "no entity" in _json(c, f"{url}?lang=en", 404)["error"]


def test_timeline_has_payments_for_a_paid_company(bench: Bench) -> None:
    _wb, c = bench
    doc = _json(c, "/api/findings?per_page=500")
    paid = [f for f in doc["findings"] if (f.get("payments") or {}).get("count")]
    assert paid
    company = next(e["key"] for e in paid[0]["entities"] if e["kind"] == "Company")
    events = _json(c, f"/api/entity/{company}/timeline")["events"]
    pays = [e for e in events if e["event"] == "payment"]
    assert pays and all(re.fullmatch(r"\d+\.\d\d", e["amount"]) and e["payer"] for e in pays)


def test_path(bench: Bench, world: World) -> None:
    _wb, c = bench
    official = _person(c, world.official)
    relative = _person(c, TRADITIONAL)
    p = _json(c, f"/api/path?from={official}&to={relative}")
    assert p["found"] and p["hops"] == 1 and p["steps"][0][0]["type"] == "RELATIVE_OF"
    assert [n["name"] for n in p["paths"][0]] == [world.official, TRADITIONAL]
    far = _json(c, "/api/findings?per_page=500")["findings"]
    unit = next(e["key"] for f in far for e in f["entities"] if e["kind"] == "Unit")
    q = _json(c, f"/api/path?from={relative}&to={unit}&max_hops=6")
    assert q["hops"] is None or q["hops"] >= 2
    none = _json(c, f"/api/path?from={relative}&to={unit}&max_hops=1")
    assert none["found"] is False and none["paths"] == []
    assert _json(c, f"/api/path?from={official}&to={relative}&max_hops=0", 400)["error"].count("max_hops")
    assert _json(c, f"/api/path?from={official}&to={relative}&max_hops=x", 400)
    assert _json(c, f"/api/path?from={official}", 400)
    assert _json(c, f"/api/path?from={official}&to=unit:nope", 404)


def test_path_marks_fuzzy_links(bench: Bench) -> None:
    _wb, c = bench
    doc = _json(c, "/api/findings?per_page=500")
    for f in doc["findings"]:
        full = _json(c, f"/api/findings/{f['id']}")
        fuzzy = [e for e in full["path"]["edges"] if e["type"] == "POSSIBLY_SAME"]
        if fuzzy:
            p = _json(c, f"/api/path?from={fuzzy[0]['src']}&to={fuzzy[0]['dst']}&max_hops=1")
            assert p["found"] and p["fuzzy"] is True
            return
    raise AssertionError("the tiny demo plants at least one finding through a fuzzy identity link")


def test_findings_filters_sort_page(bench: Bench) -> None:
    _wb, c = bench
    all_ = _json(c, "/api/findings?per_page=500")
    n = all_["total"]
    assert n == len(all_["findings"]) > 3
    scores = [f["score"] for f in all_["findings"]]
    assert scores == sorted(scores, reverse=True)
    high = _json(c, "/api/findings?severity=high&per_page=500")
    assert 0 < high["total"] < n and {f["severity"] for f in high["findings"]} == {"high"}
    conf = _json(c, "/api/findings?confidence=certain&per_page=500")
    assert {f["confidence"] for f in conf["findings"]} <= {"certain"}
    qid = all_["findings"][0]["queries"][0]
    by_q = _json(c, f"/api/findings?query={qid}&per_page=500")["findings"]
    assert by_q and all(qid in f["queries"] for f in by_q)
    f0 = next(f for f in all_["findings"] if any(e["kind"] == "Unit" for e in f["entities"]))
    unit_name = next(e["name"] for e in f0["entities"] if e["kind"] == "Unit")
    by_unit = _json(c, f"/api/findings?unit={unit_name}&per_page=500")["findings"]
    assert f0["id"] in {f["id"] for f in by_unit} and len(by_unit) < n
    person = next(e for f in all_["findings"] for e in f["entities"] if e["kind"] == "Person")
    by_person = _json(c, f"/api/findings?person={person['key']}&per_page=500")["findings"]
    assert by_person and all(any(e["key"] == person["key"] for e in f["entities"]) for f in by_person)
    company = next(e for f in all_["findings"] for e in f["entities"] if e["kind"] == "Company")
    assert _json(c, f"/api/findings?company={company['name']}")["total"] >= 1
    paid = [f for f in all_["findings"] if (f.get("payments") or {}).get("sum")]
    top = max(float(f["payments"]["sum"]) for f in paid)
    rich = _json(c, f"/api/findings?min_amount={top}&per_page=500")["findings"]
    assert rich and all(float(f["payments"]["sum"]) >= top for f in rich)
    assert _json(c, f"/api/findings?min_amount={top + 0.01}")["total"] < len(rich) + 1
    first = min(str(f["payments"]["first"]) for f in paid)
    assert _json(c, f"/api/findings?to={first}&per_page=500")["total"] >= 1
    assert _json(c, "/api/findings?from=2999-01-01")["total"] == 0
    by_amount = [float((f.get("payments") or {}).get("sum") or 0)
                 for f in _json(c, "/api/findings?sort=amount&per_page=500")["findings"]]
    assert by_amount == sorted(by_amount, reverse=True)
    page2 = _json(c, "/api/findings?per_page=2&page=2")
    assert [f["id"] for f in page2["findings"]] == [f["id"] for f in all_["findings"][2:4]]
    for bad in ("severity=urgent", "confidence=maybe", "from=2020-13-01", "to=yesterday", "min_amount=lots",
                "min_amount=-5", "sort=colour", "page=0", "per_page=10000", "query=no_such_query", "colour=red"):
        assert _json(c, f"/api/findings?{bad}", 400)["error"], bad


def test_finding_detail(bench: Bench) -> None:
    _wb, c = bench
    f = _json(c, "/api/findings")["findings"][0]
    d = _json(c, f"/api/findings/{f['id']}")
    assert d["id"] == f["id"] and d["evidence"] and d["path"]["edges"]
    node_ids = {n["id"] for n in d["graph"]["nodes"]}
    assert {e["key"] for e in d["entities"]} <= node_ids
    assert _json(c, "/api/findings/ffffffffffffffff", 404)["error"]


def test_finding_detail_cites_every_voucher(bench: Bench) -> None:
    """Issue 13 in the workbench: a paid case lists every payment row it sums (file, Excel row, exact yuan),
    the page shows the vouchers table, and no chain step cites the matcher's or the PAID total's placeholder row."""
    from decimal import Decimal

    wb, c = bench
    paid = next(f for f in wb.findings_raw() if (f.get("payments") or {}).get("count"))
    d = _json(c, f"/api/findings/{paid['id']}")
    money = [v for v in d["vouchers"] if v["amount"] is not None and v["kind"] in ("付款", "补贴")]
    assert len(money) == paid["payments"]["count"] and all(v["file"] and v["row"] for v in money)
    assert sum(Decimal(v["amount"]) for v in money) * 100 == paid["payments"]["sum_fen"]
    html = c.get(f"/findings/{paid['id']}").text
    assert 'id="vouchers"' in html and money[0]["file"] in html
    summary = html.split('id="payments"', 1)[1].split("</p>", 1)[0]
    assert "sum_fen" not in summary and f"笔数 {paid['payments']['count']}" in summary
    chain = html.split('id="chain"', 1)[1].split("</ul>", 1)[0]
    assert "matcher 0" not in chain and "(PAYMENT)" not in chain and "{'" not in chain
    # one vocabulary (issue 15 item 7): the evidence rows in the page's language, coded values in words
    ev_zh = html.split('id="evidence"', 1)[1].split("</table>", 1)[0]
    assert ("企业:" in ev_zh or "人员:" in ev_zh) and "状态 valid" not in ev_zh and "渠道 treasury" not in ev_zh
    en = c.get(f"/findings/{paid['id']}?lang=en").text
    ev_en = en.split('id="evidence"', 1)[1].split("</table>", 1)[0]
    assert ("Company:" in ev_en or "Person:" in ev_en) and "状态" not in ev_en and "企业:" not in ev_en
    c.get("/?lang=zh")  # the choice is kept in a cookie: back to Chinese for the other tests


def test_saved_queries_and_exports(bench: Bench) -> None:
    _wb, c = bench
    qs = _json(c, "/api/queries")["queries"]
    with_params = next(q for q in qs if q["params"])
    assert all(q["title_zh"] and q["title_en"] for q in qs)
    res = _json(c, f"/api/queries/{with_params['id']}")
    assert res["columns"] and isinstance(res["rows"], list)
    p = with_params["params"][0]
    assert _json(c, f"/api/queries/{with_params['id']}?no_such_param=1", 400)["error"].count("no_such_param")
    if p["type"] == "int":
        assert _json(c, f"/api/queries/{with_params['id']}?{p['name']}=abc", 400)
    assert _json(c, "/api/queries/no_such_query", 404)
    assert _json(c, f"/api/queries/{with_params['id']}?format=pdf", 400)
    r = c.get(f"/api/queries/{with_params['id']}?format=csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.content.decode("utf-8-sig").splitlines()[0].split(",") == res["columns"]
    x = c.get(f"/api/queries/{with_params['id']}?format=xlsx")
    assert x.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(x.content)).active
    assert ws is not None and [cell.value for cell in ws[1]] == res["columns"]
    assert ws.max_row == len(res["rows"]) + 1
    assert ws.freeze_panes == "A2" and ws["A1"].font.bold and ws.auto_filter.ref  # as `run --format xlsx`


def test_clue_filing_and_transition_with_audit(bench: Bench) -> None:
    wb, c = bench
    f = _json(c, "/api/findings")["findings"][0]
    auth = {"Authorization": f"Bearer {TOKEN}"}
    r = c.post("/api/clues", json={"finding_id": f["id"], "by": "张三"}, headers=auth)
    assert r.status_code == 200, r.text
    clue = r.json()
    assert clue["status"] == "new" and clue["history"][0]["actor"] == "张三"
    cid = clue["clue_id"]
    assert _json(c, "/api/clues")["clues"][0]["clue_id"] == cid
    assert _json(c, "/api/clues?status=bogus", 400)
    r = c.post(f"/api/clues/{cid}/transition", json={"action": "transfer", "to_unit": "市纪委监委第三室",
                                                     "note": "附报告", "by": "李四"}, headers=auth)
    assert r.status_code == 200 and r.json()["status"] == "transferred"
    assert r.json()["history"][-1]["actor"] == "李四" and r.json()["history"][-1]["note"] == "附报告"
    again = c.post(f"/api/clues/{cid}/transition", json={"action": "transfer", "to_unit": "x"},
                   headers={**auth, "Accept-Language": "en-GB,en;q=0.9,zh;q=0.5"})
    assert again.status_code == 409 and "transferred" in again.json()["error"]
    assert c.post(f"/api/clues/{cid}/transition", json={"action": "explode"}, headers=auth).status_code == 400
    assert c.post(f"/api/clues/{cid}/transition", json={"action": "handle"}, headers=auth).status_code == 409
    assert c.post("/api/clues/XS-1999-9999/transition", json={"action": "transfer", "to_unit": "x"},
                  headers=auth).status_code == 404
    assert c.post("/api/clues", json={"finding_id": "nope"}, headers=auth).status_code == 404
    assert _json(c, "/api/clues/XS-1999-9999", 404)
    lines = [json.loads(x) for x in (wb.sidecar / "audit.jsonl").read_text(encoding="utf-8").splitlines()]
    ours = [x for x in lines if x["path"].startswith(f"/api/clues/{cid}")] + [
        x for x in lines if x["what"].get("finding_id") == f["id"]]
    assert {(x["who"], x["status"]) for x in ours} >= {("张三", 200), ("李四", 200), ("?", 409)} - {("?", 409)}
    assert any(x["status"] == 409 for x in ours) and all(x["at"].endswith("Z") for x in ours)


def test_clue_snapshot_versions_new_information_and_stats(bench: Bench) -> None:
    """The clue page's record (issue 14 part 3 in the browser): triage (暂存待查, 予以了结), the transfer snapshot
    beside the latest state, a later scan's version with its change summary and the 有新情况 flag, who/when on
    every step, and the precision table (/api/clues/stats)."""
    from dataclasses import replace

    from guanlian.clues.library import ClueLibrary
    from guanlian.finding import FindingsDoc
    from guanlian.queries.findings import masked_findings

    wb, c = bench
    doc = wb.findings_doc()
    first, second = doc.findings[1], doc.findings[2]
    auth = {"Authorization": f"Bearer {TOKEN}"}

    def step(cid: str, body: dict[str, str], status: int = 200) -> Any:
        r = c.post(f"/api/clues/{cid}/transition{'' if status == 200 else '?lang=en'}", json=body, headers=auth)
        assert r.status_code == status, (body, r.text[:300])
        return r.json()

    cid = c.post("/api/clues", json={"finding_id": first.id, "by": "甲"}, headers=auth).json()["clue_id"]
    other = c.post("/api/clues", json={"finding_id": second.id, "by": "甲"}, headers=auth).json()["clue_id"]
    rec = _json(c, f"/api/clues/{cid}")
    assert rec["version"] == 1 and rec["new_info"] is False and rec["snapshot"] is None
    assert rec["latest"]["title_zh"] == first.title_zh and rec["latest"]["id"] == first.id
    # triage straight from new: park (暂存待查), then close (予以了结) from parked
    assert step(other, {"action": "park", "note": "待补充材料", "by": "乙"})["status"] == "parked"
    closed = step(other, {"action": "close", "note": "已查明无问题", "by": "丙"})
    assert closed["status"] == "closed" and [(h["actor"], h["action"]) for h in closed["history"][-2:]] == [
        ("乙", "park"), ("丙", "close")]
    assert "closed" in step(other, {"action": "transfer", "to_unit": "x"}, 409)["error"]
    assert step(cid, {"action": "acknowledge"}, 409)["error"]  # nothing new to acknowledge yet
    # transfer freezes the snapshot; a later scan that changes the case adds a version and flags it
    moved = step(cid, {"action": "transfer", "to_unit": "第三监督检查室", "note": "附报告", "by": "乙"})
    assert moved["snapshot"] == moved["latest"] and moved["snapshot_at"]
    changed = replace(first, severity="low" if first.severity != "low" else "high")
    with ClueLibrary(wb.clues_path, actor="扫描员") as lib:
        lib.add_findings(masked_findings(FindingsDoc((changed,))))
    rec = _json(c, f"/api/clues/{cid}")
    assert rec["new_info"] is True and rec["version"] == 2 and rec["status"] == "transferred"
    assert rec["snapshot"]["severity"] == first.severity and rec["latest"]["severity"] == changed.severity
    assert "风险等级" in rec["changes_since_snapshot"]["zh"]
    assert [(v["version"], v["actor"]) for v in rec["versions"]] == [(1, "甲"), (2, "扫描员")]
    assert "风险等级" in rec["versions"][1]["summary_zh"]
    page = c.get(f"/clues/{cid}").text
    assert "有新情况" in page and 'id="snapshot"' in page and 'id="latest"' in page and "form-acknowledge" in page
    assert "有新情况" in c.get("/clues").text
    seen = step(cid, {"action": "acknowledge", "note": "已阅", "by": "丁"})
    assert seen["new_info"] is False and seen["history"][-1]["actor"] == "丁"
    assert seen["snapshot"]["severity"] == first.severity  # the snapshot never changes
    # the precision table: evaluate the clue as substantiated
    step(cid, {"action": "handle", "result": "立案", "by": "乙"})
    step(cid, {"action": "feedback", "note": "已反馈", "by": "乙"})
    step(cid, {"action": "evaluate", "rating": "substantiated", "by": "戊"})
    stats = _json(c, "/api/clues/stats")
    rows = {r["key"]: r for r in stats["by_query"]}
    q = first.queries[0]
    assert rows[q]["substantiated"] >= 1 and stats["total"]["closed"] >= 1 and stats["total"]["precision"] > 0
    assert "precision" in stats["definition"]
    assert c.get("/clues/stats").status_code == 200 and q in c.get("/clues/stats").text
    assert "action must be one of" in step(cid, {"action": "explode"}, 400)["error"]


CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
ENGLISH_WORDS = re.compile(r"[A-Za-z]{2,} [A-Za-z]{2,}")  # a phrase of English, not a parameter's name


def test_errors_answer_in_the_request_language(bench: Bench) -> None:
    """Issue 15 item 7: an error is wholly Chinese in zh (the default) and wholly English in en, asked by the
    ``lang`` parameter, the page switch's cookie or ``Accept-Language``."""
    from guanlian.workbench.app import LANG_COOKIE, Settings, create_app

    wb, _c = bench
    fresh = TestClient(create_app(wb, Settings(token=TOKEN)), base_url="http://127.0.0.1",
                       headers={"Authorization": f"Bearer {TOKEN}"})
    bad = [("/api/findings?page=abc", 400), ("/api/findings?severity=bogus", 400), ("/api/search?q=x&limit=999", 400),
           ("/api/links?colour=red", 400), ("/api/search", 400), ("/api/findings/ffffffffffffffff", 404),
           ("/api/queries/no_such_query", 404)]
    for url, status in bad:
        zh = _json(fresh, url, status)["error"]
        assert CJK.search(zh) and not ENGLISH_WORDS.search(zh) and " / " not in zh, (url, zh)
        en = _json(fresh, f"{url}{'&' if '?' in url else '?'}lang=en", status)["error"]
        assert not CJK.search(en) and ENGLISH_WORDS.search(en), (url, en)
        assert _json(fresh, url, status)["error"] == zh  # an API call with lang=en sets no cookie
    assert "page must be an integer" in _json(fresh, "/api/findings?page=abc&lang=en", 400)["error"]
    assert "page 应为整数" in _json(fresh, "/api/findings?page=abc&lang=zh", 400)["error"]
    # Accept-Language: the first of zh/en by weight; anything else is Chinese
    for header, lang in (("en-GB,en;q=0.9", "en"), ("fr,en;q=0.5", "en"), ("en;q=0.3,zh-CN", "zh"), ("fr", "zh"),
                         ("zh-TW", "zh"), ("en;q=0", "zh")):
        msg = fresh.get("/api/findings?page=abc", headers={"Accept-Language": header}).json()["error"]
        assert bool(CJK.search(msg)) == (lang == "zh"), (header, msg)
    page = fresh.get("/findings/ffffffffffffffff", headers={"Accept-Language": "en"})  # pages: zh until switched
    assert page.status_code == 404 and "没有这个发现" in page.text and "no finding" not in page.text
    # the page's switch (a cookie) wins over Accept-Language; the error page speaks the page's language
    fresh.get("/?lang=en")
    assert fresh.cookies.get(LANG_COOKIE) == "en"
    msg = fresh.get("/api/findings?page=abc", headers={"Accept-Language": "zh-CN"}).json()["error"]
    assert not CJK.search(msg)
    shown = fresh.get("/findings/ffffffffffffffff")
    assert shown.status_code == 404 and "no finding" in shown.text and "没有这个发现" not in shown.text
    shown = fresh.get("/findings/ffffffffffffffff?lang=zh")
    assert shown.status_code == 404 and "没有这个发现" in shown.text and "no finding" not in shown.text
    # 401 and the CSRF refusal too
    anon = TestClient(create_app(wb, Settings(token=TOKEN)), base_url="http://127.0.0.1")
    assert not CJK.search(anon.get("/api/findings?lang=en").json()["error"])
    assert "令牌" in anon.get("/api/findings").json()["error"]
