"""The generator's truth checked against a scan's findings (shared by the demo, shard and incremental-scan tests)."""

from __future__ import annotations

from typing import Any

from guanlian.model import TIERS


def assert_findings_match_truth(findings: list[dict[str, Any]], truth: dict[str, Any]) -> None:
    """Every planted scheme is found once at its expected confidence, and no finding naming a decoy is high.

    ``findings`` is ``FindingsDoc.to_json()["findings"]`` with resident IDs unmasked (entity keys are compared);
    ``truth`` is the generator's ``truth.json``. Raises AssertionError listing every scheme found wrongly.
    """
    wrong = []
    for s in truth["schemes"]:
        want = {v for k, v in s["keys"].items() if isinstance(v, str) and v and k != "payer_unit"}
        found = [f for f in findings if s["query"] in f["queries"] and want <= {e["key"] for e in f["entities"]}]
        best = max((f["confidence"] for f in found), key=TIERS.index, default=None)
        if best != s["expected_confidence"] or len(found) != 1:
            wrong.append(f"{s['id']} {s['query']}: expected one {s['expected_confidence']}, got {len(found)} best {best}")
    assert not wrong, "\n".join(wrong)
    for d in truth["decoys"]:
        want = {d["keys"][k] for k in ("official", "company") if d["keys"].get(k)}
        for f in findings:
            if want <= {e["key"] for e in f["entities"]}:
                assert f["severity"] != "high", (d["id"], d["kind"], f["queries"])
