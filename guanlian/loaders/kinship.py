"""Kinship terms (称谓) → canonical relation, degree of closeness and category.

Categories follow the rules investigators apply:

* ``spouse_children``: spouse, children and children's spouses (配偶、子女及其配偶) — the rule on doing business;
* ``close``: other close relatives (近亲属): parents, siblings, grandparents, grandchildren;
* ``in_law``: in-laws investigators look at in practice (岳父, 岳母, 公公, 婆婆, 妻兄, 小舅子, 连襟, 妯娌 …);
* ``other``: a term we do not know. It is kept verbatim (never dropped) with degree 9.

Degree: 1 = spouse, children and their spouses; 2 = parents, siblings, in-law parents; 3 = grandparents,
grandchildren, siblings-in-law; 9 = unknown.

Example:
    >>> classify("岳母")
    Kin(relation='mother_in_law', zh='岳母', degree=2, category='in_law')
    >>> classify("老表").category
    'other'
"""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

from guanlian.values.vocab import KINSHIP


class Kin(NamedTuple):
    """A canonical relation: identifier, Chinese label, degree, category."""

    relation: str
    zh: str
    degree: int
    category: str


_R: dict[str, Kin] = {}


def _add(relation: str, degree: int, category: str, *terms: str) -> None:
    zh = KINSHIP[relation][0]  # the canonical 称谓 is the relation's label
    kin = Kin(relation, zh, degree, category)
    for t in (zh, *terms):
        _R[t] = kin


_add("spouse", 1, "spouse_children", "妻子", "丈夫", "爱人", "夫人", "老婆", "老公", "妻", "夫", "前妻", "前夫")
_add("son", 1, "spouse_children", "长子", "次子", "三子", "幼子", "独子", "子", "养子", "继子")
_add("daughter", 1, "spouse_children", "长女", "次女", "三女", "幼女", "独女", "女", "养女", "继女")
_add("child", 1, "spouse_children", "孩子")
_add("son_in_law", 1, "spouse_children", "婿")
_add("daughter_in_law", 1, "spouse_children", "儿媳妇", "媳妇")
_add("father", 2, "close", "父", "爸爸", "继父", "养父")
_add("mother", 2, "close", "母", "妈妈", "继母", "养母")
_add("elder_brother", 2, "close", "兄", "长兄", "大哥", "二哥")
_add("younger_brother", 2, "close", "弟", "二弟", "三弟")
_add("elder_sister", 2, "close", "姐", "大姐", "二姐")
_add("younger_sister", 2, "close", "妹", "二妹", "小妹")
_add("sibling", 2, "close", "兄弟", "姐妹")
_add("grandfather", 3, "close", "爷爷", "外祖父", "外公", "姥爷")
_add("grandmother", 3, "close", "奶奶", "外祖母", "外婆", "姥姥")
_add("grandchild", 3, "close", "孙子", "孙女", "外孙", "外孙女")
_add("father_in_law", 2, "in_law", "公公", "丈人", "老丈人")
_add("mother_in_law", 2, "in_law", "婆婆", "丈母娘")
_add("spouse_sibling", 3, "in_law", "妻弟", "妻姐", "妻妹", "小舅子", "大舅子", "大伯子", "小叔子", "大姑子", "小姑子")
_add("sibling_spouse", 3, "in_law", "弟媳", "姐夫", "妹夫", "嫂", "弟妹")
_add("co_sibling_in_law", 3, "in_law", "妯娌")
assert {k.relation for k in _R.values()} == set(KINSHIP)

UNKNOWN_DEGREE = 9

_STRIP = re.compile(r"[\s\u3000()（）【】\[\]]")


def classify(term: str | None) -> Kin:
    """Map a 称谓 as written to its canonical relation; unknown terms keep their text, category ``other``."""
    text = _STRIP.sub("", unicodedata.normalize("NFKC", term or ""))
    kin = _R.get(text)
    if kin is not None:
        return kin
    # 配偶的母亲 / 妻子的父亲 style compound terms
    for prefix in ("配偶的", "妻子的", "爱人的"):
        if text.startswith(prefix):
            rest = _R.get(text[len(prefix) :])
            if rest and rest.relation == "mother":
                return _R["岳母"]
            if rest and rest.relation == "father":
                return _R["岳父"]
    return Kin(f"other:{text}" if text else "other", text, UNKNOWN_DEGREE, "other")
