from __future__ import annotations

import json

import pytest

from guanlian.viz.safe import json_for_script, mask_id, mask_text, neutralise_cell


@pytest.mark.parametrize("v", ["=cmd|' /C calc'!A0", "+1", "-1+1", "@SUM(A1)", "\tx", "\rx"])
def test_formula_prefixes_neutralised(v: str) -> None:
    assert neutralise_cell(v) == "'" + v


@pytest.mark.parametrize("v", ["王建国", "a=b", " =1", "1-2", 3, -1.5, None, True])
def test_harmless_values_untouched(v: object) -> None:
    assert neutralise_cell(v) == v


def test_mask_id_and_text() -> None:
    assert mask_id("36240119680512123X") == "3624**********123X"
    assert mask_id("36240119680512123X", show_ids=True) == "36240119680512123X"
    assert mask_id("3608211945030120") != "3608211945030120"  # odd length: still never shown raw
    assert mask_text("电话13807960002 证件360821194503012042") == "电话13807960002 证件3608**********2042"
    assert mask_text(None) == ""


def test_json_for_script_cannot_close_script() -> None:
    s = json_for_script({"n": "</script><img src=x onerror=alert(1)>&"})
    assert "<" not in s and ">" not in s and "&" not in s
    assert json.loads(s) == {"n": "</script><img src=x onerror=alert(1)>&"}
