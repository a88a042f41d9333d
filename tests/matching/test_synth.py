"""The labelled generator's negatives (guanlian.matching.synth)."""

from __future__ import annotations

from guanlian.matching.synth import make_labelled


def test_negatives_without_id_are_never_identical_to_a_registry_person() -> None:
    right, left = make_labelled(3_000, 2_000, seed=5, negative_share=0.8)
    known = set(zip(right["name"], right["birth_date"], strict=True))
    neg = left[left["variant"].isin(["namesake_no_id", "lookalike_other_birth"])]
    assert len(neg) > 500
    shown = set(zip(neg["name"], neg["birth_date"], strict=True))
    assert not shown & known  # else the record is that registry person as far as any matcher can tell
    # near miss: the namesakes do share their name with a registry person, only not name and birth date
    assert neg.loc[neg["variant"] == "namesake_no_id", "name"].isin(set(right["name"])).all()
