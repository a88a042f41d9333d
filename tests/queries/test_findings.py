"""The findings document: merged by node set, scored, explained, evidenced; identical on both engines."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from guanlian.finding import SCHEMA_VERSION, Finding, FindingsDoc
from guanlian.graph.store import Store
from guanlian.queries import QueryError, scan, write_findings
from guanlian.queries.findings import masked_findings
from guanlian.values.money import to_fen

SAMPLE = Path(__file__).parents[1] / "viz" / "data" / "findings_sample.json"


@pytest.fixture(scope="module")
def typed(embedded_world: Store) -> FindingsDoc:
    return scan(embedded_world)


@pytest.fixture(scope="module")
def doc(typed: FindingsDoc) -> dict[str, Any]:
    """The document as written to findings.json (the JSON contract these tests check)."""
    return typed.to_json()


def by_entities(doc: dict[str, Any], *keys: str, query: str | None = None) -> dict[str, Any]:
    found = [f for f in doc["findings"] if set(keys) <= {e["key"] for e in f["entities"]}
             and (query is None or query in f["queries"])]
    assert len(found) == 1, [f["queries"] for f in found]
    return found[0]


def test_document_shape_matches_the_viz_sample(doc: dict[str, Any]) -> None:
    sample = json.loads(SAMPLE.read_text(encoding="utf-8"))
    assert set(sample) <= set(doc)
    want = set(sample["findings"][0])
    for f in doc["findings"]:
        assert want <= set(f), want - set(f)
        for n in f["path"]["nodes"]:
            assert set(sample["findings"][0]["path"]["nodes"][0]) <= set(n)
        for e in f["path"]["edges"]:
            assert set(sample["findings"][0]["path"]["edges"][0]) <= set(e)
        assert f["severity"] in ("high", "medium", "low") and 0 < f["score"] <= 1
        assert f["confidence"] in ("certain", "probable", "possible")


def test_sorted_by_score_and_one_finding_per_link(doc: dict[str, Any]) -> None:
    scores = [f["score"] for f in doc["findings"]]
    assert scores == sorted(scores, reverse=True)
    ids = [f["id"] for f in doc["findings"]]
    assert len(ids) == len(set(ids))
    # C35 is both newborn and a shell: one finding carrying both query ids
    c35 = by_entities(doc, "uscc:C35")
    assert c35["queries"] == ["newborn_company_paid", "shell_company"]


def test_the_mother_in_law_case(doc: dict[str, Any]) -> None:
    f = by_entities(doc, "ric:R1", "uscc:C1", query="relative_company_paid")
    assert f["queries"] == ["relative_company_paid"] and f["severity"] == "high" and f["confidence"] == "certain"
    assert f["payments"] == {"count": 2, "sum_fen": 80000000, "sum": "800000.00", "first": "2019-04-10", "last": "2020-01-15", "in_tenure": 2}
    roles = {(e["role"], e["key"]) for e in f["entities"]}
    assert roles == {("official", "ric:O1"), ("relative", "ric:R1"), ("company", "uscc:C1"), ("unit", "unit:住建局")}
    assert [e["type"] for e in f["path"]["edges"]] == ["SERVES_IN", "RELATIVE_OF", "SHAREHOLDER_OF", "PAID"]
    assert "岳母刘桂英" in f["explanation_zh"] and "60%" in f["explanation_zh"] and "任期内2笔" in f["explanation_zh"]
    assert "mother-in-law" in f["explanation_en"]
    # evidence for every node and edge on the path, with source file and row; the payment total (PAID, derived)
    # is cited as the payment rows it sums
    assert len(f["evidence"]) == len(f["path"]["nodes"]) + len(f["path"]["edges"]) - 1 + len(f["vouchers"])
    assert all(ev["file"] and ev["row"] for ev in f["evidence"])
    assert any("岳母" in ev["what"] and ev["file"] == "家庭成员.csv" for ev in f["evidence"])


def test_confidence_is_the_weakest_identity_link(doc: dict[str, Any]) -> None:
    assert by_entities(doc, "anon:H2")["confidence"] == "probable"
    possible = by_entities(doc, "anon:H7")
    assert possible["confidence"] == "possible"
    assert possible["score"] < by_entities(doc, "ric:R1", "uscc:C1", query="relative_company_paid")["score"]
    # the matcher's explanation quotes a resident ID: masked in both languages
    assert "36240119920817301X" not in possible["explanation_zh"] + possible["explanation_en"]
    assert "3624**********301X" in possible["explanation_zh"]


def test_chain_path_is_ordered(doc: dict[str, Any]) -> None:
    f = by_entities(doc, "uscc:C12")
    chain = [(e["src"], e["dst"]) for e in f["path"]["edges"] if e["type"] == "SHAREHOLDER_OF"]
    assert chain == [("ric:R1", "uscc:C1"), ("uscc:C1", "uscc:C11"), ("uscc:C11", "uscc:C12")]
    assert "uscc:C11" in {n["key"] for n in f["path"]["nodes"]}  # intermediate company on the path
    assert "24.0%" in f["explanation_zh"]


def test_exact_contact_links_are_certain(doc: dict[str, Any]) -> None:
    # one Phone / Account / Person node: an exact key match, no fuzzy identity hop on the path
    for key in ("uscc:C18", "acct:62220001", "anon:X1"):
        assert by_entities(doc, key)["confidence"] == "certain"


def test_name_only_legal_rep_ring_is_possible_and_says_so(doc: dict[str, Any]) -> None:
    f = by_entities(doc, "anon:X41")
    assert f["confidence"] == "possible" and f["queries"] == ["supplier_ring"]
    assert {"uscc:C41", "uscc:C42", "anon:X42"} <= {e["key"] for e in f["entities"]}
    assert "only share the name" in f["explanation_en"] and "仅同名" in f["explanation_zh"]
    # namesakes with two different IDs (ric:P43, ric:P44) are no ring at all
    assert not any(e["key"] in {"uscc:C43", "uscc:C44"} for g in doc["findings"] for e in g["entities"])


def test_near_misses_make_no_findings(doc: dict[str, Any]) -> None:
    keys = {e["key"] for f in doc["findings"] for e in f["entities"]}
    for miss in ("uscc:C3", "uscc:C4", "uscc:C6", "uscc:C10", "uscc:C14", "uscc:C17", "uscc:C20", "uscc:C29",
                 "uscc:C30", "uscc:C34", "uscc:C38", "uscc:C51", "ric:R4B", "ric:O5B", "ric:R10B"):
        assert miss not in keys, miss


def test_params_reach_every_query_that_declares_them(embedded_world: Store) -> None:
    doc = scan(embedded_world, {"min_match_tier": "probable", "window_days": "30", "threshold": "100000"}).to_json()
    keys = {e["key"] for f in doc["findings"] for e in f["entities"]}
    assert "anon:H7" not in keys and "anon:H2" in keys
    assert "uscc:C16" not in keys  # newborn window 30 < 41 days
    assert "uscc:C28" in keys  # split payments just below 100,000
    assert doc["params"] == {"min_match_tier": "probable", "window_days": 30, "threshold": "100000.00"}  # yuan, exact text
    assert doc["query_params"]["split_payments"]["window_days"] == 30
    with pytest.raises(QueryError, match="no query takes"):
        scan(embedded_world, {"windw_days": "30"})


def test_ids_are_stable_across_runs(embedded_world: Store, typed: FindingsDoc) -> None:
    again = scan(embedded_world)
    assert [f.id for f in again.findings] == [f.id for f in typed.findings]
    assert again.findings == typed.findings


@pytest.mark.neo4j
def test_engines_give_the_same_findings(embedded_world: Store, request: pytest.FixtureRequest) -> None:
    neo = request.getfixturevalue("neo4j_world")
    a, b = scan(embedded_world), scan(neo)
    assert json.dumps(a.to_json()["findings"], ensure_ascii=False, sort_keys=True) == json.dumps(
        b.to_json()["findings"], ensure_ascii=False, sort_keys=True
    )
    assert a.findings == b.findings


def test_write_findings_and_render_with_viz(typed: FindingsDoc, doc: dict[str, Any], tmp_path: Path) -> None:
    path = write_findings(typed, tmp_path / "out")
    text = path.read_text(encoding="utf-8")
    assert "刘桂英" in text and "\\u" not in text
    written = json.loads(text)
    assert written["schema_version"] == SCHEMA_VERSION
    assert written["findings"] == masked_findings(typed).to_json()["findings"]  # IDs masked by default
    assert "36240119920817301X" in json.dumps(doc, ensure_ascii=False)  # near miss: the unmasked document has it
    assert "36240119920817301X" not in text
    exact = write_findings(typed, tmp_path / "exact", show_ids=True)
    assert json.loads(exact.read_text(encoding="utf-8"))["findings"] == doc["findings"]
    from guanlian.viz.report import write_report
    from guanlian.viz.view import render_finding_views

    views = render_finding_views(typed, tmp_path / "out" / "views")
    html, _ = write_report(typed, tmp_path / "out", views=views)
    assert "刘桂英" in html.read_text(encoding="utf-8")


def test_findings_json_is_streamed_as_the_one_shot_dump(typed: FindingsDoc, doc: dict[str, Any],
                                                         tmp_path: Path) -> None:
    """findings.json is written one finding at a time (at 10M rows the whole document as one JSON string took
    gigabytes); the text is what dumping the whole masked or unmasked document at once gives, and the masked
    copy made one finding at a time equals masking the whole document as JSON."""
    from guanlian.values.privacy import mask_nested

    whole_masked = FindingsDoc.from_json(mask_nested(typed.to_json()))
    assert masked_findings(typed) == whole_masked

    def dump(d: FindingsDoc) -> str:
        return json.dumps(d.to_json(), ensure_ascii=False, indent=2, default=str) + "\n"

    assert len(typed.findings) > 3
    masked = write_findings(typed, tmp_path / "m").read_text(encoding="utf-8")
    assert masked == dump(whole_masked)
    assert write_findings(whole_masked, tmp_path / "pre", masked=True).read_text(encoding="utf-8") == masked
    shown = write_findings(typed, tmp_path / "s", show_ids=True).read_text(encoding="utf-8")
    assert shown == dump(typed) and shown != masked  # near miss: unmasked text differs where IDs are
    empty = FindingsDoc(params={"min_total": Decimal("1.50")})
    assert write_findings(empty, tmp_path / "e").read_text(encoding="utf-8") == dump(empty)
    assert [f.name for f in (tmp_path / "m").iterdir()] == ["findings.json"]  # no temporary file left


class _Unwritable:
    """A finding whose text cannot be made: stands for an interrupt (Ctrl-C) or an error halfway through."""

    def to_json(self) -> dict[str, Any]:
        raise KeyboardInterrupt


def test_an_interrupted_findings_json_leaves_the_previous_one(typed: FindingsDoc, tmp_path: Path) -> None:
    """findings.json is written beside and renamed when complete: a write stopped after the first finding
    leaves the previous file byte for byte (or none), never a truncated document, and no temporary file."""
    from dataclasses import replace

    broken = replace(typed, findings=(typed.findings[0], _Unwritable()))  # type: ignore[arg-type]
    with pytest.raises(KeyboardInterrupt):
        write_findings(broken, tmp_path / "new")
    assert list((tmp_path / "new").iterdir()) == []
    before = write_findings(typed, tmp_path / "old").read_bytes()
    with pytest.raises(KeyboardInterrupt):
        write_findings(broken, tmp_path / "old")
    assert (tmp_path / "old" / "findings.json").read_bytes() == before
    assert [f.name for f in (tmp_path / "old").iterdir()] == ["findings.json"]


def test_every_finding_round_trips_on_each_engine(world_store: Store) -> None:
    doc = scan(world_store)
    assert len(doc.findings) >= 10
    for f in doc.findings:
        data = json.loads(json.dumps(f.to_json(), ensure_ascii=False))  # through JSON text, as on disk
        assert Finding.from_json(data) == f and Finding.from_json(data).to_json() == data, f.id
    assert FindingsDoc.from_json(json.loads(json.dumps(doc.to_json(), default=str))) == doc
    assert any(f.identity_routes() for f in doc.findings)  # fuzzy routes are typed too


def test_a_case_id_is_the_fingerprint_of_its_actors(doc: dict[str, Any]) -> None:
    from guanlian.queries.findings import case_key

    f = by_entities(doc, "ric:R1", "uscc:C1", query="relative_company_paid")
    actors = [("official", "ric:O1"), ("relative", "ric:R1"), ("company", "uscc:C1"), ("unit", "unit:住建局")]
    assert f["id"] == case_key(actors)
    # near miss: another unit is another case
    assert case_key([*actors[:3], ("unit", "unit:财政局")]) != f["id"]
    assert [r["query"] for r in f["routes"]] == f["queries"]


def test_a_name_only_case_is_never_high(doc: dict[str, Any]) -> None:
    possible = by_entities(doc, "anon:H7")
    assert possible["confidence"] == "possible" and possible["severity"] == "medium"
    assert possible["routes"][0]["severity"] == "high"  # the pattern's severity, kept on the route
    # near miss: the same pattern through an ID link stays high
    assert by_entities(doc, "ric:R1", "uscc:C1", query="relative_company_paid")["severity"] == "high"


def test_the_payment_summary_sums_exactly_the_cited_vouchers(doc: dict[str, Any]) -> None:
    f = by_entities(doc, "ric:R1", "uscc:C1", query="relative_company_paid")
    vouchers = f["vouchers"]
    assert [(v["date"], v["amount_fen"], v["amount"]) for v in vouchers] == [
        ("2019-04-10", 50000000, "500000.00"), ("2020-01-15", 30000000, "300000.00")]
    assert all(v["file"] and isinstance(v["row"], int) and v["payer"] == "住建局" for v in vouchers)
    assert f["payments"]["count"] == len(vouchers)
    assert f["payments"]["sum_fen"] == sum(v["amount_fen"] for v in vouchers)  # exact, in fen
    assert f["payments"]["sum"] == "800000.00"
    for g in doc["findings"]:
        money = [v for v in g["vouchers"] if v["kind"] != "change"]
        if money:
            assert g["payments"]["count"] == len(money), g["id"]
            assert g["payments"]["sum_fen"] == sum(v["amount_fen"] for v in money), g["id"]
            assert all(to_fen(v["amount"]) == v["amount_fen"] for v in money), g["id"]
            dates = sorted(v["date"] for v in money if v["date"])
            assert (g["payments"]["first"], g["payments"]["last"]) == (dates[0], dates[-1]), g["id"]
            if g["payments"]["in_tenure"] is not None:  # recounted from the cited rows and the officials' posts
                names = {n["key"]: n["name"] for n in g["path"]["nodes"]}
                officials = {e["key"] for e in g["entities"] if e["role"] == "official"}
                terms = [(names[e["dst"]], e["props"].get("term_start") or "", e["props"].get("term_end") or "9999")
                         for e in g["path"]["edges"] if e["type"] == "SERVES_IN" and e["src"] in officials]
                assert all(len(t) == 10 for _, lo, hi in terms for t in (lo, hi) if t not in ("", "9999"))
                recount = sum(any(v["payer"] == unit and lo <= v["date"] <= hi for unit, lo, hi in terms)
                              for v in money)
                assert g["payments"]["in_tenure"] == recount, g["id"]
    # near miss: a subsidy paid by another unit than the official's is cited and summed, but not in tenure
    other = by_entities(doc, "ric:O3", "ric:R10", "unit:交通局")
    assert other["payments"]["count"] == 1 and other["payments"]["in_tenure"] == 0


def test_every_cited_row_is_a_source_row_and_every_voucher_is_cited(doc: dict[str, Any]) -> None:
    """Derived edges (payment totals, matcher links) have no row of their own: findings cite the rows behind."""
    for f in doc["findings"]:
        files = {e["file"] for e in f["evidence"]}
        assert "matcher" not in files and not any(e["what"].startswith("付款汇总") for e in f["evidence"]), f["id"]
        assert all(e["row"] for e in f["evidence"]), f["id"]
        cited = {(e["file"], e["row"]) for e in f["evidence"]}
        assert {(v["file"], v["row"]) for v in f["vouchers"]} <= cited, f["id"]
    f = by_entities(doc, "ric:R1", "uscc:C1", query="relative_company_paid")
    pay = [e["what"] for e in f["evidence"] if e["what"].startswith("付款凭证")]
    assert len(pay) == 2 and "日期 2019-04-10；金额 500,000.00元" in pay[0] and pay[0].endswith("住建局 → 恒信建材有限公司")


def test_an_identity_route_cites_both_records_it_links(typed: FindingsDoc) -> None:
    f = next(x for x in typed.findings if any(e.key == "anon:H7" for e in x.entities))
    (route,) = f.identity_routes()
    nodes = {n.key: n for n in f.path.nodes}
    assert route.sources() == [(nodes[route.a].src_file, nodes[route.a].src_row),
                               (nodes[route.b].src_file, nodes[route.b].src_row)]
    assert all(file not in (None, "matcher") and row for file, row in route.sources())
    linked = [e for e in f.evidence if e.what.startswith("疑似同一人")]
    assert {(e.file, e.row) for e in linked} == set(route.sources())
    assert all("另一条记录" in e.what for e in linked)


def test_change_records_a_pattern_uses_are_vouchers(doc: dict[str, Any]) -> None:
    dead = by_entities(doc, "uscc:C50")
    (change,) = [v for v in dead["vouchers"] if v["kind"] == "change"]
    assert (change["file"], change["date"], change["purpose"]) == ("变更.csv", "2022-01-10", "登记状态：存续 → 注销")
    assert change["amount"] is None and change["amount_fen"] is None
    assert dead["payments"]["count"] == len(dead["vouchers"]) - 1  # the change record is cited, not summed
    left = [f for f in doc["findings"] if f["queries"] == ["relative_left_before_payment"]]
    assert left and all(any(v["kind"] == "change" and "投资人变更：" in v["purpose"] for v in f["vouchers"])
                        for f in left)
    # near miss: a shell company flagged for its capital and address only cites no change record
    c35 = by_entities(doc, "uscc:C35")
    assert c35["vouchers"] and all(v["kind"] == "payment" for v in c35["vouchers"])


def test_shell_company_dates_the_deregistration_or_says_it_is_unknown(doc: dict[str, Any]) -> None:
    dated = by_entities(doc, "uscc:C50")
    assert "已于2022-01-10注销或吊销，此后仍收款1笔" in dated["explanation_zh"]
    assert "deregistered or revoked on 2022-01-10, yet paid 1 times after that" in dated["explanation_en"]
    unknown = by_entities(doc, "uscc:C37")
    assert "日期不明" in unknown["explanation_zh"] and "the date is unknown" in unknown["explanation_en"]
    # near miss: C51 was deregistered only after its payment (test_near_misses_make_no_findings)


def test_a_units_edges_fetched_by_key_list_or_by_unwind_give_the_same_findings(
        world_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """fetch_graph looks up a unit's PAID/PAYMENT edges from a few payees by a key-list filter and from many by
    UNWIND; the two forms must fetch the same edges (the world's findings cite payments and totals both ways)."""
    import guanlian.queries.findings as findings_module

    sent: list[str] = []
    query = world_store.query

    def spy(cypher: str, params: Any = None) -> Any:
        sent.append(" ".join(cypher.split()))
        return query(cypher, params)

    monkeypatch.setattr(world_store, "query", spy)
    monkeypatch.setattr(findings_module, "_FEW_PAYEES", 10**6)
    by_list = scan(world_store)
    monkeypatch.setattr(findings_module, "_FEW_PAYEES", 0)
    by_unwind = scan(world_store)
    # each form found every edge it was asked for: none left to the scan by edge key
    assert not [q for q in sent if ("[e:PAID]" in q or "[e:PAYMENT]" in q) and "e.key IN" in q]
    assert any("b.key IN $nodes" in q for q in sent) and any("UNWIND $nodes" in q and "[e:PAID]" in q for q in sent)
    assert any(f.vouchers for f in by_list.findings)
    assert any(e.type == "PAID" for f in by_list.findings for e in f.path.edges)
    assert [f.to_json() for f in by_list.findings] == [f.to_json() for f in by_unwind.findings]
