"""The schema validates itself, and the data-model document is generated from it."""

from __future__ import annotations

from pathlib import Path

import pytest

from guanlian.model import (
    EdgeKind,
    InvalidModel,
    Model,
    NodeKind,
    Prop,
    _validate,
    describe_markdown,
    model,
    tier_rank,
)


def test_model_is_valid_and_complete() -> None:
    m = model()
    assert {"Person", "Company", "Unit", "Account", "Phone", "Address", "Email"} <= set(m.node_names)
    assert {"RELATIVE_OF", "SHAREHOLDER_OF", "OFFICER_OF", "LEGAL_REP_OF", "SERVES_IN", "PAID", "PAYMENT",
            "HAS_PHONE", "HAS_ADDRESS", "CHANGE", "POSSIBLY_SAME"} <= set(m.edge_names)
    for kind in (*m.nodes, *m.edges):
        names = [p.name for p in kind.all_props]
        assert names[0] == "key" and {"src_file", "src_row", "load_id"} <= set(names)


def test_invalid_models_are_refused_with_the_culprit_named() -> None:
    person = NodeKind("Person", "人", "P", "k", (Prop("name"),), "#000", "dot")
    with pytest.raises(InvalidModel, match="RELATIVE_OF: endpoint 'Ghost'"):
        _validate(Model((person,), (EdgeKind("RELATIVE_OF", "亲", "r", (("Person", "Ghost"),)),)))
    with pytest.raises(InvalidModel, match="Person.name: declared twice"):
        _validate(Model((NodeKind("Person", "人", "P", "k", (Prop("name"), Prop("name")), "#000", "dot"),), ()))
    with pytest.raises(InvalidModel, match="unknown type"):
        _validate(Model((NodeKind("X", "x", "x", "k", (Prop("a", "date"),), "#000", "dot"),), ()))  # type: ignore[arg-type]


def test_tiers() -> None:
    assert [tier_rank(t) for t in ("possible", "probable", "certain")] == [0, 1, 2]
    with pytest.raises(ValueError, match="unknown match tier"):
        tier_rank("sure")


def test_data_model_doc_is_generated_from_the_model() -> None:
    doc = Path(__file__).resolve().parents[1] / "docs" / "data-model.md"
    assert doc.read_text(encoding="utf-8") == describe_markdown(), "run: python -m guanlian.model > docs/data-model.md"
