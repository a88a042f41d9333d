"""The person matcher compares every name form of a merged person, not only the node's name (issue 13 part 4).

周建国's mother-in-law is declared 刘桂兰 and registered 劉桂蘭 (shareholder) and 刘桂香 (supervisor) under one ID
(tests/loaders/test_aliases.py). An ID-less record with her birth date must link to her at the tier that name
and birth date give for two plain records, under whichever of her forms it is written; near misses: the same
name with another birth date, and the tier the node's own name alone would give.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from guanlian.graph import open_store
from guanlian.loaders import load_files
from guanlian.matching.matcher import match_store
from tests.loaders.test_aliases import MOTHER, OFFICIAL, write_alias_world
from tests.matching.test_matcher import tier

BIRTH, OTHER_BIRTH = "1948-05-06", "1952-03-09"  # MOTHER's ID carries 1948-05-06


def test_matching_uses_every_name_form(tmp_path: Path) -> None:
    files = write_alias_world(tmp_path / "data")
    extra = tmp_path / "data" / "relatives_2.csv"
    pd.DataFrame({"干部姓名": ["周建国"] * 3, "干部身份证号": [OFFICIAL] * 3, "称谓": ["姨母", "婶母", "舅母"],
                  "姓名": ["刘桂兰", "刘桂香", "刘桂香"], "出生日期": [BIRTH, BIRTH, OTHER_BIRTH]}
                 ).to_csv(extra, index=False, encoding="utf-8")
    store = open_store(tmp_path / "store")
    try:
        load_files(store, [*files, extra], rejects_path=tmp_path / "rejects.csv")
        match_store(store)
        node = store.query("MATCH (p:Person {key: $k}) RETURN p.name AS n, p.names AS ns", {"k": f"ric:{MOTHER}"})
        links = store.query(
            "MATCH (a:Person {key: $k})-[l:POSSIBLY_SAME]-(b:Person) WHERE b.src_file = 'relatives_2.csv' "
            "RETURN b.name AS name, b.birth_date AS birth, l.tier AS tier, l.explanation_zh AS why",
            {"k": f"ric:{MOTHER}"})
    finally:
        store.close()
    assert node.loc[0, "n"] == "刘桂兰" and sorted(node.loc[0, "ns"]) == ["刘桂兰", "刘桂香", "劉桂蘭"]
    got = {(str(n), str(b)): (str(t), str(w)) for n, b, t, w in links.itertuples(index=False)}
    mother = {"id_number": MOTHER, "birth_date": BIRTH}
    # the declared form, merged with the registry's 劉桂蘭 by ID: the tier of name + birth date
    same = tier({**mother, "name": "刘桂兰"}, {"name": "刘桂兰", "birth_date": BIRTH})
    assert same == "probable" and got[("刘桂兰", BIRTH)][0] == same
    # a form only the registry gave (刘桂香): the same tier, said to be under an alias ...
    assert got[("刘桂香", BIRTH)][0] == tier({**mother, "name": "刘桂香"}, {"name": "刘桂香", "birth_date": BIRTH}) == same
    assert "别名" in got[("刘桂香", BIRTH)][1]
    # ... where the node's own name alone gives less
    assert tier({**mother, "name": "刘桂兰"}, {"name": "刘桂香", "birth_date": BIRTH}) == "possible"
    # near miss: that form with another birth date is not linked at that tier
    assert got.get(("刘桂香", OTHER_BIRTH), ("none", ""))[0] != same
