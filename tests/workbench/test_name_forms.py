"""Aliases everywhere (issue 13 part 4): the workbench search finds a person, company or unit under every name
form it has and shows those forms in the hit; a payee name routed to a registry company is one of its forms
(find, the workbench, findings); forms that differ only by spacing are one form. Near misses: a namesake with
another ID and an unrelated company carry no aliases; a different character is still an alias.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from guanlian.cli import app
from guanlian.loaders import load_files
from guanlian.matching.company_store import find_organisations
from guanlian.matching.matcher import find_candidates, match_store
from guanlian.queries import scan
from tests.loaders.test_aliases import C1, C3, MOTHER, NAMESAKE, OFFICIAL
from tests.queries.test_identity_rows import PAYEE, REGISTRY, Engine, engine, write_payee_world

__all__ = ["engine"]  # the engine-parametrised store fixture, shared with tests/queries/test_identity_rows.py

PAYEE_FORM = "吉安鑫盛建材有限公司"


def test_name_forms_in_find_workbench_and_findings(engine: Engine, tmp_path: Path) -> None:
    files = write_payee_world(tmp_path / "data")
    # the official also holds shares of 恒达 under his ID, written with a space: the same form, not an alias
    holders = tmp_path / "data" / "shareholders.csv"
    df = pd.read_csv(holders, dtype=str, keep_default_na=False)
    df.loc[len(df)] = {"企业名称": "吉安市恒达建材有限公司", "统一社会信用代码": C3, "股东名称": "周 建国",
                       "证件号码": OFFICIAL, "持股比例": "5%"}
    df.to_csv(holders, index=False, encoding="utf-8")
    store = engine.store
    load_files(store, files, rejects_path=tmp_path / "rejects.csv")
    match_store(store)
    official = find_candidates(store, "周建国").set_index("key")
    mother = find_candidates(store, "刘桂兰").set_index("key")
    orgs = find_organisations(store, PAYEE_FORM).set_index("key")
    other_org = find_organisations(store, "吉安市恒达建材有限公司").set_index("key")
    doc = scan(store)
    engine.release()

    # find: spacing is no alias, a registry spelling is; the routed payee name is the company's alias
    assert official.loc[f"ric:{OFFICIAL}", "aliases"] == ""
    assert "刘桂香（officers.csv:2）" in mother.loc[f"ric:{MOTHER}", "aliases"]
    assert mother.loc[f"ric:{NAMESAKE}", "aliases"] == ""
    assert f"{PAYEE_FORM}（payments.csv:4）" in orgs.loc[REGISTRY, "aliases"]
    assert orgs.loc[PAYEE, "aliases"] == "" and other_org.loc[f"uscc:{C3}", "aliases"] == ""
    out = CliRunner().invoke(app, ["find", PAYEE_FORM, "--kind", "org", "--store", engine.location])
    assert out.exit_code == 0, out.output
    assert f"{PAYEE_FORM}（payments.csv:4）" in out.output.replace("\n", "")

    # findings: the company entity carries the payee form; the spaced name of the official is no alias
    entities = [e for f in doc.findings for e in f.entities]
    assert any(e.key == REGISTRY and any(a.startswith(f"{PAYEE_FORM}（") for a in e.aliases) for e in entities)
    assert all(not e.aliases for e in entities if e.key in (f"ric:{OFFICIAL}", f"uscc:{C3}"))

    wb = engine.workbench(tmp_path)
    try:
        # the search finds the mother under the form only the registry gave, the hit shows her forms
        hits = wb.search("刘桂香", kinds="Person")["hits"]
        top = next(h for h in hits if h["key"] == wb.public_key(f"ric:{MOTHER}"))
        assert top["match"] == "exact" and {"刘桂香", "劉桂蘭"} <= set(top["aliases"]) and top["name"] == "刘桂兰"
        # the traditional form the registry wrote finds her too, with the declared and registry forms in the hit
        trad = next(h for h in wb.search("劉桂蘭", kinds="Person")["hits"] if h["key"] == top["key"])
        assert {"刘桂香", "劉桂蘭"} <= set(trad["aliases"])
        namesake = next(h for h in wb.search("刘桂兰", kinds="Person")["hits"]
                        if h["key"] == wb.public_key(f"ric:{NAMESAKE}"))
        assert "刘桂香" not in namesake["aliases"]
        # the registry company under the payee's spelling, with that spelling among its aliases
        company = wb.search(PAYEE_FORM, kinds="Company")["hits"]
        assert company[0]["key"] == REGISTRY and company[0]["match"] == "exact"
        assert PAYEE_FORM in company[0]["aliases"]
        assert all(PAYEE_FORM not in h["aliases"] for h in company if h["key"] != REGISTRY)
        spaced = wb.search("周 建国", kinds="Person")["hits"]
        assert spaced[0]["key"] == wb.public_key(f"ric:{OFFICIAL}") and spaced[0]["aliases"] == []
        # the entity page lists the payee form with its row
        ent = wb.entity(REGISTRY)
        assert any(a.startswith(f"{PAYEE_FORM}（payments.csv:4") for a in ent["aliases"])
        assert wb.entity(f"uscc:{C1}")["aliases"] == ent["aliases"]
    finally:
        wb.close()
