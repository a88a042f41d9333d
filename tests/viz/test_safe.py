from __future__ import annotations

import json

from guanlian.viz.safe import json_for_script


def test_json_for_script_cannot_close_script() -> None:
    s = json_for_script({"n": "</script><img src=x onerror=alert(1)>&"})
    assert "<" not in s and ">" not in s and "&" not in s
    assert json.loads(s) == {"n": "</script><img src=x onerror=alert(1)>&"}
