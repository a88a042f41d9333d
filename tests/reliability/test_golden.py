"""Behaviour pinned: the tiny demo world gives the committed graph digest and findings.json
(``tests/data/golden/``), and every finding survives ``Finding.from_json(to_json())``.

When behaviour changes on purpose, run ``python tests/data/make_golden.py`` and name the change in the
commit message (see :mod:`reliability.golden`).
"""

from __future__ import annotations

import json

import pytest

from guanlian.finding import SCHEMA_VERSION, Finding, FindingsDoc

from .golden import GOLDEN, DemoRun, snapshot


@pytest.fixture(scope="module")
def fresh(demo_run: DemoRun) -> dict[str, str]:
    return snapshot(demo_run)


@pytest.mark.parametrize("name", ["tiny.digest.json", "tiny.findings.json"])
def test_tiny_demo_matches_the_golden_file(fresh: dict[str, str], name: str) -> None:
    want = (GOLDEN / name).read_text(encoding="utf-8")
    if fresh[name] != want:
        got, exp = json.loads(fresh[name]), json.loads(want)
        changed = sorted(k for k in set(got) | set(exp) if got.get(k) != exp.get(k))
        pytest.fail(f"{name} differs from the golden file in {changed}; if the change is intended, run "
                    "`python tests/data/make_golden.py` and name it in the commit message", pytrace=False)


def test_golden_findings_are_not_trivial(fresh: dict[str, str]) -> None:
    doc = json.loads(fresh["tiny.findings.json"])
    assert doc["schema_version"] == SCHEMA_VERSION and "generated_at" not in doc
    assert len(doc["findings"]) >= 10 and {q for f in doc["findings"] for q in f["queries"]} >= {
        "relative_company_paid", "shell_company", "split_payments"}
    assert "*" in json.dumps(doc, ensure_ascii=False)  # masked IDs, as the file is written


def test_every_demo_finding_round_trips(demo_run: DemoRun) -> None:
    assert demo_run.doc.findings
    for f in demo_run.doc.findings:
        data = json.loads(json.dumps(f.to_json(), ensure_ascii=False))  # through JSON text, as on disk
        assert Finding.from_json(data) == f, f.id
        assert Finding.from_json(data).to_json() == data, f.id
    whole = json.loads(json.dumps(demo_run.doc.to_json(), ensure_ascii=False, default=str))
    assert FindingsDoc.from_json(whole) == demo_run.doc
    # near miss: a changed score is a different finding
    f0 = demo_run.doc.findings[0]
    assert Finding.from_json({**f0.to_json(), "score": f0.score + 0.001}) != f0
