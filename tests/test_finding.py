"""The typed finding: exact JSON round trips, strict reading with errors that say where, derived views."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from guanlian.finding import (
    CONFIDENCES,
    SCHEMA_VERSION,
    Finding,
    FindingFormatError,
    FindingsDoc,
    PathStep,
)
from guanlian.model import TIERS

SAMPLE = Path(__file__).parent / "viz" / "data" / "findings_sample.json"


def sample() -> dict[str, Any]:
    return json.loads(SAMPLE.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def test_confidences_are_the_model_tiers() -> None:
    assert CONFIDENCES == TIERS


def test_sample_document_round_trips_exactly() -> None:
    raw = sample()
    doc = FindingsDoc.from_json(raw)
    again = doc.to_json()
    assert again["schema_version"] == SCHEMA_VERSION
    assert again["findings"] == raw["findings"]
    assert FindingsDoc.from_json(again) == doc
    assert [f.id for f in doc.findings] == [f["id"] for f in raw["findings"]]


def test_attributes_read_what_the_json_says() -> None:
    f = FindingsDoc.from_json(sample()).findings[0]
    assert f.severity == "high" and f.confidence == "certain" and f.payments is not None
    assert f.payments.count == 12 and f.payments.sum_fen == 234500000 and str(f.payments.sum) == "2345000.00"
    assert [e.role for e in f.entities] == ["official", "relative", "company", "unit"]
    assert f.path.edges[1].props["share"] == 0.6
    assert f.title("en").startswith("Company part-owned") and f.title("zh").startswith("王建国")
    assert f.identity_routes() == []  # every link of this one is an identifier


def test_identity_routes_come_from_possibly_same_steps() -> None:
    raw = sample()["findings"][0]
    raw["path"]["edges"].append({"src": "ric:360821194503012042", "dst": "anon:x", "type": "POSSIBLY_SAME",
                                 "key": "ps:1", "props": {"tier": "possible", "score": 0.61,
                                                          "explanation_zh": "姓名相同", "explanation_en": "same name"},
                                 "src_file": "matcher", "src_row": 0})
    f = Finding.from_json(raw)
    (route,) = f.identity_routes()
    assert route.pair == "刘桂英 ≈ ?" and route.tier == "possible" and route.score == 0.61
    assert route.explanation("en") == "same name" and route.explanation("zh") == "姓名相同"
    # the route cites the rows of the records it links, never the matcher's placeholder row
    first = next(n for n in raw["path"]["nodes"] if n["key"] == "ric:360821194503012042")
    assert route.sources() == [(first["src_file"], first["src_row"]), (None, None)]
    assert "matcher" not in {file for file, _ in route.sources()}
    assert Finding.from_json(f.to_json()) == f


def test_english_falls_back_to_chinese_then_id() -> None:
    f = Finding(id="f9", queries=(), title_zh="", title_en="", severity="low", score=0.1)
    assert f.title("en") == "f9"
    g = Finding(id="f9", queries=(), title_zh="标题", title_en="", severity="low", score=0.1, explanation_zh="说明")
    assert g.title("en") == "标题" and g.explanation("en") == "说明"


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda f: f.pop("severity"), "finding f1a2b3c4d5e6f7a8: missing 'severity'"),
        (lambda f: f.update(severity="urgent"), "severity: expected one of high, medium, low"),
        (lambda f: f.update(confidence="sure"), "confidence: expected one of possible, probable, certain"),
        (lambda f: f.update(score="0.9"), "score: expected a number"),
        (lambda f: f["payments"].update(count="12"), "payments.count: expected an integer"),
        (lambda f: f["path"]["nodes"][0].pop("key"), "path.nodes[0]: missing 'key'"),
        (lambda f: f["path"]["edges"][1]["props"].update(share=[0.6]), "edges[1].props.share: expected a plain"),
        (lambda f: f["evidence"][0].update(row="12"), "evidence[0].row: expected an integer"),
        (lambda f: f.update(entities={}), "entities: expected a list"),
    ],
)
def test_wrong_shapes_are_rejected_naming_the_place(edit: Any, message: str) -> None:
    raw = sample()
    bad = copy.deepcopy(raw)
    edit(bad["findings"][0])
    with pytest.raises(FindingFormatError, match=message.replace("[", r"\[").replace("]", r"\]")):
        FindingsDoc.from_json(bad)
    FindingsDoc.from_json(raw)  # the untouched document (near miss) reads fine


def test_newer_schema_version_is_refused_older_absent_is_read() -> None:
    raw = sample()
    assert "schema_version" not in raw
    assert FindingsDoc.from_json(raw).schema_version == SCHEMA_VERSION
    raw["schema_version"] = SCHEMA_VERSION + 1
    with pytest.raises(FindingFormatError, match="newer than this guanlian reads"):
        FindingsDoc.from_json(raw)


def test_step_without_key_keeps_it_out_of_the_json() -> None:
    s = PathStep.from_json({"src": "a", "dst": "b", "type": "PAID", "props": {}, "src_file": None, "src_row": None})
    assert s.key is None and "key" not in s.to_json()
    assert PathStep.from_json({**s.to_json(), "key": "k"}).to_json()["key"] == "k"


def test_payment_total_is_fen_and_exact_yuan_text() -> None:
    """``sum_fen`` is the exact integer; ``sum`` is yuan text with two decimals, never a float like
    1229983.8300000001; a version-1 document (``sum`` as a float of yuan) reads to the same fen."""
    raw = sample()
    pay = raw["findings"][0]["payments"]
    assert pay["sum_fen"] == 234500000 and pay["sum"] == "2345000.00"
    doc = FindingsDoc.from_json(raw)
    one = doc.findings[0].payments
    assert one is not None
    old = {**pay, "sum": 1229983.8300000001}
    del old["sum_fen"]
    from guanlian.finding import PaymentSummary

    assert PaymentSummary.from_json(old).sum_fen == 122998383
    assert PaymentSummary.from_json(old).to_json()["sum"] == "1229983.83"
    near = {**pay, "sum_fen": 1.5}
    with pytest.raises(FindingFormatError, match="sum_fen"):
        PaymentSummary.from_json(near)
