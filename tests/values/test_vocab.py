"""The zh/en vocabulary: complete tables, one wording per idea, the language type."""

from __future__ import annotations

import re
from collections.abc import Mapping

import pytest

from guanlian.loaders.kinship import classify
from guanlian.model import PROVENANCE, TIERS
from guanlian.values import vocab
from guanlian.values.vocab import (
    CLUE_STATUS,
    HIDDEN_PROPS,
    KINSHIP,
    RATING,
    RATING_WORDS,
    SEVERITIES,
    TIER,
    TIER_PHRASE,
    as_lang,
    is_lang,
    kind_label,
    pick,
    prop_label,
    tr,
)

CJK = re.compile("[\u4e00-\u9fff]")
TABLES = {name: table for name in vocab.__all__
          if isinstance(table := getattr(vocab, name), Mapping) and name not in ("RATING_WORDS", "PROP_VALUES")}


def test_the_tables_are_found() -> None:
    assert {"TIER", "SEVERITY", "KINSHIP", "CLUE_STATUS", "CHANNEL"} <= set(TABLES) and len(TABLES) >= 14


@pytest.mark.parametrize("name", sorted(TABLES))
def test_every_label_has_chinese_and_english(name: str) -> None:
    for value, (zh, en) in TABLES[name].items():
        assert CJK.search(zh), (name, value, zh)
        assert en and not CJK.search(en), (name, value, en)


def test_tiers_have_one_wording() -> None:
    """'probable' reads 很可能 everywhere (findings used to say 较可能)."""
    assert set(TIER) == set(TIERS)
    assert tr(TIER, "probable", "zh") == "很可能"
    assert TIER_PHRASE["probable"][0].startswith(TIER["probable"][0])
    assert all(TIER_PHRASE[t][0].startswith(TIER[t][0]) for t in TIERS)


def test_tr_and_pick() -> None:
    assert tr(CLUE_STATUS, "fed_back", "zh") == "已反馈" and tr(CLUE_STATUS, "fed_back", "en") == "fed back"
    assert tr(CLUE_STATUS, "odd", "zh") == "odd" and tr(CLUE_STATUS, None, "en") == ""
    assert pick(("高", "high"), "en") == "high"
    assert SEVERITIES == ("high", "medium", "low")


def test_lang() -> None:
    assert as_lang("zh") == "zh" and is_lang("en") and not is_lang("fr") and not is_lang(None)
    with pytest.raises(ValueError, match="zh 或 en"):
        as_lang("ZH")


def test_kinship_labels_are_the_canonical_terms() -> None:
    for relation, (zh, _en) in KINSHIP.items():
        assert classify(zh).relation == relation
    assert classify("丈母娘").zh == "岳母" and tr(KINSHIP, classify("丈母娘").relation, "en") == "mother-in-law"


def test_ratings_accept_every_word_and_label_the_first() -> None:
    assert set(RATING) == set(RATING_WORDS)
    assert RATING["unverifiable"] == ("无法查实", "unverifiable")


def test_hidden_props_and_model_labels() -> None:
    assert {p.name for p in PROVENANCE} <= HIDDEN_PROPS and "key" in HIDDEN_PROPS and "name" not in HIDDEN_PROPS
    assert kind_label("Person", "zh") == "人员" and kind_label("Nope", "zh") == "Nope"
    assert prop_label("Person", "nope", "en") == "nope"
