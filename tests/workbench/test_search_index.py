"""The vectorised search index gives exactly what the one-pass index gave (tests/workbench/search_reference.py):
the same entries in the same order, and the same hits, in the same order, for every kind of query — except the
intended changes since (issue 13 part 4): a stored normalised name that differs from the name only by spacing
(郭 峰 / 郭峰) is no alias, and a node's other name forms (阿不都热依木.沙吾提 / 阿不都热依木·沙吾提 of one ID in the
tiny world) are its aliases. Aliases are compared without those two; the forms are checked on their own."""

from __future__ import annotations

import pandas as pd

from guanlian.graph import open_store
from guanlian.matching.company_store import name_sources_of
from guanlian.values.names import shown_forms
from guanlian.workbench.search import Entry, SearchIndex
from tests.workbench import search_reference as ref
from tests.workbench.conftest import HOSTILE, TRADITIONAL, World

FORMS: dict[str, list[str]] = {}
"""Node key → its name forms as shown (filled from the store by the test)."""


def _aliases(e: Entry | ref.Entry) -> tuple[str, ...]:
    """The entry's aliases without a spacing-only variant of its name and without its other name forms."""
    return tuple(a for a in e.aliases if a != "".join(e.name.split()) and a not in FORMS.get(e.key, ()))


def _hits(index: SearchIndex | ref.SearchIndex, q: str, kinds: list[str] | None = None) -> list[tuple[str, ...]]:
    return [(h.entry.kind, h.entry.key, h.entry.name, h.entry.norm, h.entry.ident, "|".join(_aliases(h.entry)),
             h.how, f"{h.score:.3f}") for h in index.search(q, kinds=kinds, limit=50)]


def test_vectorised_index_equals_the_one_pass_index(ladybug_world: World) -> None:
    s = open_store(ladybug_world.location, read_only=True, create=False)
    try:
        new = SearchIndex.build(s)
        old = ref.SearchIndex.build(s)
        FORMS.clear()
        for kind in ("Person", "Company", "Unit"):
            FORMS.update({k: list(shown_forms(v)) for k, v in name_sources_of(s, kind, several=True).items()})
    finally:
        s.close()
    assert FORMS  # the tiny world has a person with two forms
    for e in new.entries:
        if e.key in FORMS:  # the forms other than the name, first among the aliases
            assert e.aliases[:len(FORMS[e.key]) - 1] == tuple(f for f in FORMS[e.key] if f != e.name)
    assert len(new) == len(old.entries) > 100
    assert [tuple(vars_of(e)) for e in new.entries] == [tuple(vars_of(e)) for e in old.entries]
    spaced = [e for e in old.entries if e.aliases and not _aliases(e) and e.key not in FORMS]
    assert spaced and all(not n.aliases for n in new.entries if n.key in {e.key for e in spaced})  # 郭 峰
    names = [e.name for e in old.entries]
    queries = {TRADITIONAL, "刘桂兰", "liu guilan", "局", "张", "有限公司", "公司", "138", "  ", "x", *HOSTILE,
               "完全不存在的名字甲乙丙丁"}
    queries |= set(names[::9])  # every kind, exact text
    queries |= {n[1:] for n in names[::23] if len(n) > 2}  # contained text
    queries |= {n[:-1] + "有限责任公司" for n in names if n.endswith("有限公司")}  # company variants
    queries |= {e.ident for e in old.entries[::17] if e.ident}  # IDs, codes, phones, accounts
    queries |= {n.upper() for n in names[::31]}  # case
    for q in sorted(queries):
        assert _hits(new, q) == _hits(old, q), q
    for kinds in (["Person"], ["Company", "Unit"], ["Phone"]):
        for q in ("刘桂兰", "局", names[5], names[-1]):
            assert _hits(new, q, kinds) == _hits(old, q, kinds), (q, kinds)


def vars_of(e: Entry | ref.Entry) -> tuple[str, str, str, str, tuple[str, ...], str]:
    return (e.kind, e.key, e.name, e.norm, _aliases(e), e.ident)


def test_index_from_entries_and_empty_kinds() -> None:
    """The constructor from entries (what a caller with its own rows uses) and kinds without rows."""
    rows = [Entry("Person", "anon:1", "劉桂蘭", "刘桂兰", ("刘桂兰",), ""),
            Entry("Phone", "phone:1", "13800000000", "13800000000", (), "13800000000"),
            Entry("Company", "cname:1", "吉安鑫盛建材有限公司", "吉安鑫盛建材有限公司", (), "")]
    idx = SearchIndex(rows)
    assert idx.entries == rows
    assert [h.entry.key for h in idx.search("刘桂兰")][:1] == ["anon:1"]
    assert [h.how for h in idx.search("liuguilan")] == ["pinyin"]
    assert idx.search("鑫盛建材")[0].entry.key == "cname:1"
    assert idx.search("13800000000")[0].how == "exact"
    assert SearchIndex([]).search("x") == [] and len(SearchIndex([])) == 0
    assert pd.Series(SearchIndex([]).keys, dtype=object).empty
