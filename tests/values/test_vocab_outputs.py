"""One vocabulary (issue 15 item 7): coded property values are words in views, tooltips and the workbench, in
the language asked; credit codes are never masked as if they were resident IDs."""

from __future__ import annotations

import re

from guanlian.model import model
from guanlian.values.privacy import mask_text
from guanlian.values.vocab import PROP_VALUES, value_label
from guanlian.viz.labels import edge_label, edge_tooltip, node_tooltip

CJK = re.compile(r"[\u4e00-\u9fff]")


def test_every_coded_property_exists_in_the_model() -> None:
    props = {p.name for k in (*model().nodes, *model().edges) for p in k.all_props}
    assert set(PROP_VALUES) <= props


def test_tooltips_word_codes_in_the_language_asked() -> None:
    person = {"kind": "Person", "key": "anon:1", "name": "刘桂英", "props": {"sex": "F", "id_status": "valid"}}
    zh = node_tooltip(person, "zh", False)
    assert "性别: 女" in zh and "证件状态: 有效" in zh and "valid" not in zh and ": F" not in zh
    en = node_tooltip(person, "en", False)
    assert "female" in en and ": valid" in en
    assert not any(CJK.search(ln.split(":")[0]) for ln in en.splitlines()), en
    pay = {"type": "PAYMENT", "props": {"channel": "treasury", "amount": 100}}
    assert "国库集中支付" in edge_tooltip(pay, "zh", False) and "treasury" not in edge_tooltip(pay, "zh", False)
    rel = {"relation": "mother_in_law", "term": "岳母"}
    assert edge_label("RELATIVE_OF", rel, "zh") == "岳母" and edge_label("RELATIVE_OF", rel, "en") == "mother-in-law"
    change = {"item": "投资人", "action": "left", "changed_on": "2020-01-02"}
    assert "退出" in edge_label("CHANGE", change, "zh") and "left" in edge_label("CHANGE", change, "en")


def test_unknown_values_stay_as_written() -> None:
    """Near miss: a value no table knows (a new registry status) is shown as it is, never blanked."""
    assert value_label("status", "歇业", "en") == "歇业" and value_label("name", "M", "zh") == "M"
    assert value_label("sex", None, "zh") is None


def test_credit_codes_are_not_masked_as_resident_ids() -> None:
    code = "91360802557827654F"  # a valid unified social credit code (the demo's)
    assert mask_text(f"收款企业 {code}") == f"收款企业 {code}"
    assert mask_text("身份证 36082119450301204X") == "身份证 3608**********204X"
