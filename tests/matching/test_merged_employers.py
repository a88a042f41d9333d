"""A person merged from records that give different employers keeps them all and is compared under each.

The official 张三 (resident ID) is also a registry shareholder, so one node carries two employers: the unit
吉安市交通运输局 (shown: the smaller) and the company 吉安市恒达建材有限公司. A relative of another official written
张三 without an ID, working at that company, must get the employer evidence (+3) the shown employer alone loses;
a namesake working elsewhere (near miss) gets none.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from stdnum.cn import ric, uscc

from guanlian.graph import open_store
from guanlian.loaders import load_files
from guanlian.matching.matcher import match_store

ZHANG, LI = (b + ric.calc_check_digit(b + "0") for b in ("36080219700101001", "36080219750202002"))
CODE = "91360800MA35F0QX5" + uscc.calc_check_digit("91360800MA35F0QX5")
COMPANY = "吉安市恒达建材有限公司"


def _write(folder: Path, relative_employer: str) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    frames = {
        "officials.csv": pd.DataFrame({"姓名": ["张三", "李四"], "公民身份号码": [ZHANG, LI],
                                       "工作单位": ["吉安市交通运输局", "吉安市住房和城乡建设局"], "职务": ["局长", "科长"]}),
        "shareholders.csv": pd.DataFrame({"企业名称": [COMPANY], "统一社会信用代码": [CODE],
                                          "股东名称": ["张三"], "证件号码": [ZHANG], "持股比例": ["60%"]}),
        "relatives.csv": pd.DataFrame({"干部姓名": ["李四"], "干部身份证号": [LI], "称谓": ["表兄"], "姓名": ["张三"],
                                       "公民身份号码": [""], "工作单位": [relative_employer]}),
    }
    for name, frame in frames.items():
        frame.to_csv(folder / name, index=False, encoding="utf-8")
    return [folder / n for n in frames]


def _link(tmp_path: Path, relative_employer: str) -> tuple[list[str], str, float]:
    store = open_store(tmp_path / "store")
    try:
        load_files(store, _write(tmp_path / "files", relative_employer), rejects_path=tmp_path / "rejects.csv")
        match_store(store)
        person = store.query("MATCH (p:Person {key: $k}) RETURN p.employer AS e, p.employers AS es",
                             {"k": f"ric:{ZHANG}"})
        links = store.query("MATCH (a:Person)-[l:POSSIBLY_SAME]-(b:Person) WHERE a.key = $k "
                            "RETURN l.explanation_zh AS zh, l.score AS s", {"k": f"ric:{ZHANG}"})
    finally:
        store.close()
    assert person["e"].tolist() == ["吉安市交通运输局"]  # the smaller spelling is shown
    assert len(links) == 1, links
    return sorted(person["es"].iloc[0]), str(links["zh"].iloc[0]), float(links["s"].iloc[0])


def test_every_employer_of_a_merged_person_is_compared(tmp_path: Path) -> None:
    employers, why, score = _link(tmp_path / "same", COMPANY)
    assert employers == sorted(["吉安市交通运输局", COMPANY])
    assert "工作单位与该人另一记录所写相同(+3)" in why
    _, why_other, score_other = _link(tmp_path / "other", "吉安市永丰商贸有限公司")
    assert "工作单位不同" in why_other and "另一记录所写相同" not in why_other
    assert score == score_other + 3
