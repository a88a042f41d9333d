"""On the generated demo world, ``scan`` finds every planted scheme at its expected confidence, no decoy above
``possible``. Generator + loaders + matcher + scan, end to end on the embedded store."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest
from reliability.golden import run_demo_world

from guanlian.graph.store import Store
from guanlian.model import TIERS
from guanlian.values.privacy import mask_id


def truth_keys(entry: dict[str, Any]) -> set[str]:
    """The node keys truth.json names for a scheme or decoy (official, person, company, unit)."""
    return {v for k, v in entry["keys"].items() if isinstance(v, str) and v and k != "payer_unit"}


def upstream_gap(store: Store, scheme: dict[str, Any]) -> str | None:
    """Why a scheme cannot be found yet because of another module (None when nothing blocks it)."""
    if scheme["query"] == "subsidy_to_relative" and scheme.get("role") == "approver":
        return "model: PAYMENT has no approver_unit property (loaders compute it, the model drops it)"
    company = (scheme.get("company") or {}).get("name")
    if company:
        dup = store.query("MATCH (c:Company) WHERE c.name = $n AND c.key STARTS WITH 'cname:' RETURN c.key AS k",
                          {"n": company})
        if len(dup):
            return "loaders: some payments name the payee company without its credit code and land on a duplicate cname: node"
    return None


@pytest.fixture(scope="module")
def demo(demo_run: Any) -> tuple[Store, dict[str, Any], dict[str, Any]]:
    """(store, truth.json, findings document as JSON) of the session's tiny demo world."""
    return demo_run.store, demo_run.truth, demo_run.doc.to_json()


def test_every_planted_scheme_is_found_at_its_confidence(demo: tuple[Store, dict[str, Any], dict[str, Any]]) -> None:
    store, truth, doc = demo
    assert truth["schemes"]
    wrong, gaps = [], []
    for s in truth["schemes"]:
        want = truth_keys(s)
        found = [f for f in doc["findings"] if s["query"] in f["queries"] and want <= {e["key"] for e in f["entities"]}]
        best = max((f["confidence"] for f in found), key=TIERS.index, default=None)
        if best == s["expected_confidence"]:
            continue
        gap = upstream_gap(store, s)
        if gap and best is None:
            gaps.append(f"{s['id']} {s['query']}: {gap}")
        else:
            wrong.append(f"{s['id']} {s['query']}: expected {s['expected_confidence']}, got {best} — {s['description_en']}")
    assert not wrong, "\n".join(wrong)
    if gaps:
        pytest.xfail("blocked by other modules:\n" + "\n".join(gaps))


def test_no_decoy_above_possible(demo: tuple[Store, dict[str, Any], dict[str, Any]]) -> None:
    _, truth, doc = demo
    assert truth["decoys"]
    for d in truth["decoys"]:
        want = decoy_keys(d)
        for f in doc["findings"]:
            if want <= {e["key"] for e in f["entities"]}:
                assert f["confidence"] == "possible", (d["id"], d["kind"], f["queries"], f["confidence"])


def test_findings_carry_evidence_rows_from_the_files(demo: tuple[Store, dict[str, Any], dict[str, Any]]) -> None:
    _, _, doc = demo
    assert doc["findings"]
    for f in doc["findings"]:
        assert f["evidence"] and all(ev["file"] and isinstance(ev["row"], int) for ev in f["evidence"]), f["id"]
        for text in (f["explanation_zh"], f["explanation_en"]):
            assert not re.search(r"(?<![0-9])[0-9]{17}[0-9X](?![0-9])", text), text  # resident IDs are masked


def decoy_keys(entry: dict[str, Any]) -> set[str]:
    """What a finding about a decoy names: its official and its company."""
    return {entry["keys"][k] for k in ("official", "company") if entry["keys"].get(k)}


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, dict[str, Any], dict[str, Any]]]:
    """(store, truth.json, findings document as JSON) of the small demo world (~20 s)."""
    run = run_demo_world(Path(tmp_path_factory.mktemp("small-demo")), size="small")
    yield run.store, run.truth, run.doc.to_json()
    run.store.close()


@pytest.fixture(params=["tiny", "small"])
def world(request: pytest.FixtureRequest) -> tuple[Store, dict[str, Any], dict[str, Any]]:
    return cast(tuple[Store, dict[str, Any], dict[str, Any]],
                request.getfixturevalue("demo" if request.param == "tiny" else "small"))


def test_each_planted_scheme_is_one_case_citing_every_payment_row(
        world: tuple[Store, dict[str, Any], dict[str, Any]]) -> None:
    _, truth, doc = world
    wrong = []
    for s in truth["schemes"]:
        want = truth_keys(s)
        found = [f for f in doc["findings"] if s["query"] in f["queries"] and want <= {e["key"] for e in f["entities"]}]
        if len(found) != 1:
            wrong.append(f"{s['id']} {s['query']}: {len(found)} findings")
            continue
        rows = {(src["file"].rsplit("/", 1)[-1], r) for src in s["sources"]
                if src["kind"] in ("payments", "subsidies", "changes") for r in src["rows"]}
        cited = {((v["file"] or "").rsplit("/", 1)[-1], v["row"]) for v in found[0]["vouchers"]}
        if rows - cited:
            wrong.append(f"{s['id']} {s['query']}: rows not cited {sorted(rows - cited)}")
    assert not wrong, "\n".join(wrong)


def test_no_decoy_is_high_and_namesakes_name_the_different_id(
        world: tuple[Store, dict[str, Any], dict[str, Any]]) -> None:
    _, truth, doc = world
    about = {d["id"]: [f for f in doc["findings"] if decoy_keys(d) <= {e["key"] for e in f["entities"]}]
             for d in truth["decoys"]}
    namesakes = [d for d in truth["decoys"] if d["kind"] in ("namesake", "same_name_same_birth") and about[d["id"]]]
    assert namesakes  # the decoys do reach findings (through a name-only link), so the checks below bite
    for d in truth["decoys"]:
        for f in about[d["id"]]:
            assert f["severity"] != "high", (d["id"], d["kind"], f["queries"])
    for d in namesakes:
        for f in about[d["id"]]:
            other = mask_id(d["keys"]["namesake"].removeprefix("ric:"))
            assert "但登记人身份证号不同" in f["explanation_zh"] and other in f["explanation_zh"], f["explanation_zh"]
            assert "the registered person's resident ID differs" in f["explanation_en"], f["explanation_en"]
    # near miss: a planted scheme found through the same kind of name-only link to its own registry record says
    # nothing of a different ID (the registered person is the relative)
    for s in truth["schemes"]:
        for f in doc["findings"]:
            if s["query"] in f["queries"] and truth_keys(s) <= {e["key"] for e in f["entities"]}:
                assert "身份证号不同" not in f["explanation_zh"], (s["id"], f["explanation_zh"])
