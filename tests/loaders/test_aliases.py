"""Aliases (issue 13 part 4): a person merged from several records by resident ID keeps every name form with
the records that gave it; ``find``, findings, reports, views and matching use them. A namesake with another ID
is never an alias. Both engines.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from guanlian.cli import app
from guanlian.graph import open_store
from guanlian.graph.store import Store
from guanlian.loaders import load_files
from guanlian.matching.matcher import find_candidates, match_store
from guanlian.queries import scan
from guanlian.viz.labels import node_tooltip
from guanlian.viz.report import write_report_html

from .order_world import code, rid

OFFICIAL, MOTHER, NAMESAKE = rid("36080219700101001"), rid("36080219480506002"), rid("36080219600707003")
C1, C2, C3 = code("91360800MA35F1001"), code("91360800MA35F1002"), code("91360800MA35F1003")
UNIT = "吉安市交通运输局"


def write_alias_world(folder: Path) -> list[Path]:
    """周建国's mother-in-law declared as 刘桂兰; the registry spells the same ID 劉桂蘭 (shareholder of 鑫盛)
    and 刘桂香 (supervisor of 鑫盛); an ID-less 刘桂香 runs 永丰, and a namesake 刘桂兰 with another ID owns 恒达."""
    folder.mkdir(parents=True, exist_ok=True)

    def csv(name: str, frame: pd.DataFrame) -> Path:
        path = folder / name
        frame.to_csv(path, index=False, encoding="utf-8")
        return path

    return [
        csv("officials.csv", pd.DataFrame({"姓名": ["周建国"], "公民身份号码": [OFFICIAL], "工作单位": [UNIT],
                                           "职务": ["局长"], "任职时间": ["2015.03-至今"]})),
        csv("relatives.csv", pd.DataFrame({"干部姓名": ["周建国"], "干部身份证号": [OFFICIAL], "称谓": ["岳母"],
                                           "姓名": ["刘桂兰"], "公民身份号码": [MOTHER]})),
        csv("companies.csv", pd.DataFrame({
            "企业名称": ["吉安市鑫盛建材有限公司", "吉安市永丰商贸有限公司", "吉安市恒达建材有限公司"],
            "统一社会信用代码": [C1, C2, C3], "法定代表人": ["周小华", "刘桂香", "刘桂兰"],
            "成立日期": ["2016-08-08", "2017-01-01", "2012-02-02"], "登记状态": ["存续", "存续", "存续"]})),
        csv("shareholders.csv", pd.DataFrame({
            "企业名称": ["吉安市鑫盛建材有限公司", "吉安市恒达建材有限公司"], "统一社会信用代码": [C1, C3],
            "股东名称": ["劉桂蘭", "刘桂兰"], "证件号码": [MOTHER, NAMESAKE], "持股比例": ["60%", "100%"]})),
        csv("officers.csv", pd.DataFrame({
            "企业名称": ["吉安市鑫盛建材有限公司", "吉安市永丰商贸有限公司"], "统一社会信用代码": [C1, C2],
            "姓名": ["刘桂香", "刘桂香"], "职务": ["监事", "执行董事"], "证件号码": [MOTHER, ""]})),
        csv("payments.csv", pd.DataFrame({
            "付款单位": [UNIT, UNIT], "收款单位": ["吉安市鑫盛建材有限公司", "吉安市永丰商贸有限公司"],
            "收款单位统一社会信用代码": [C1, C2], "金额": ["80000", "50000"],
            "付款日期": ["2021-06-01", "2021-07-01"], "凭证号": ["V1", "V2"]})),
    ]


def _names(store: Store) -> dict[str, tuple[list[str], list[str]]]:
    df = store.query("MATCH (p:Person) RETURN p.key AS k, p.names AS n, p.name_sources AS s")
    return {str(k): (sorted(n), sorted(s)) for k, n, s in zip(df["k"], df["n"], df["s"], strict=True)}


def _check_store(store: Store) -> None:
    names = _names(store)
    forms, sources = names[f"ric:{MOTHER}"]
    assert forms == ["刘桂兰", "刘桂香", "劉桂蘭"]
    assert sources == ["刘桂兰|relatives.csv:2", "刘桂香|officers.csv:2", "劉桂蘭|shareholders.csv:2"]
    # near miss: the namesake with another ID is another person; nothing of hers is an alias of the mother
    assert names[f"ric:{NAMESAKE}"] == (["刘桂兰"], ["刘桂兰|shareholders.csv:3"])
    hits = find_candidates(store, "刘桂兰")
    by_key = dict(zip(hits["key"], hits["aliases"], strict=True))
    assert "刘桂兰（relatives.csv:2）" in by_key[f"ric:{MOTHER}"] and "劉桂蘭（shareholders.csv:2）" in by_key[
        f"ric:{MOTHER}"]
    assert by_key[f"ric:{NAMESAKE}"] == ""
    # a name only the registry gave finds the merged person, the explanation says it was an alias
    alias_hit = find_candidates(store, "刘桂香").set_index("key")
    top = alias_hit.loc[f"ric:{MOTHER}"]
    assert top["tier"] != "" and float(top["score"]) >= float(alias_hit["score"].max())
    assert "别名" in top["explanation_zh"] and "alias" in top["explanation_en"]
    assert f"ric:{NAMESAKE}" not in set(alias_hit.index[alias_hit["tier"] != ""])


def _check_matching_and_findings(store: Store, out: Path) -> None:
    match_store(store)
    links = store.query("MATCH (a:Person)-[l:POSSIBLY_SAME]-(b:Person) WHERE a.key = $k "
                        "RETURN b.name AS n, l.explanation_zh AS why", {"k": f"ric:{MOTHER}"})
    # the ID-less 刘桂香 of 永丰 is linked to the mother on the alias her own registry record gave
    assert any(n == "刘桂香" and "别名" in str(w) for n, w in zip(links["n"], links["why"], strict=True)), links
    doc = scan(store)
    mothers = [e for f in doc.findings for e in f.entities if e.key == f"ric:{MOTHER}"]
    assert mothers and all(any(a.startswith("劉桂蘭（") for a in e.aliases) for e in mothers)
    assert all(not e.aliases for f in doc.findings for e in f.entities if e.key == f"ric:{NAMESAKE}")
    report = write_report_html(doc, out).read_text(encoding="utf-8")
    assert "别名：" in report and "劉桂蘭（shareholders.csv:2）" in report
    node = next(n for f in doc.findings for n in f.path.nodes if n.key == f"ric:{MOTHER}")
    tip = node_tooltip(node.to_json(), "zh", show_ids=False)
    assert "别名: " in tip and "刘桂香（officers.csv:2）" in tip


def test_aliases_embedded(tmp_path: Path) -> None:
    store = open_store(tmp_path / "store")
    try:
        load_files(store, write_alias_world(tmp_path / "data"), rejects_path=tmp_path / "rejects.csv")
        _check_store(store)
        _check_matching_and_findings(store, tmp_path / "out")
    finally:
        store.close()
    result = CliRunner().invoke(app, ["find", "刘桂兰", "--store", str(tmp_path / "store")])
    assert result.exit_code == 0, result.output
    assert "劉桂蘭" in result.output and "刘桂香" in result.output


def test_corrected_file_takes_its_spelling_back(tmp_path: Path) -> None:
    """officers.csv reloaded without the 刘桂香 spelling for the mother's ID: that form and its source go."""
    files = write_alias_world(tmp_path / "data")
    store = open_store(tmp_path / "store")
    try:
        load_files(store, files, rejects_path=tmp_path / "rejects.csv")
        officers = tmp_path / "data" / "officers.csv"
        fixed = pd.read_csv(officers, dtype=str, keep_default_na=False)
        fixed.loc[0, "姓名"] = "刘桂兰"
        fixed.to_csv(officers, index=False, encoding="utf-8")
        load_files(store, [officers], rejects_path=tmp_path / "rejects.csv")
        forms, sources = _names(store)[f"ric:{MOTHER}"]
    finally:
        store.close()
    assert forms == ["刘桂兰", "劉桂蘭"]
    assert sources == ["刘桂兰|officers.csv:2", "刘桂兰|relatives.csv:2", "劉桂蘭|shareholders.csv:2"]


@pytest.mark.neo4j
def test_aliases_neo4j(neo4j_store: Store, tmp_path: Path) -> None:
    load_files(neo4j_store, write_alias_world(tmp_path / "data"), rejects_path=tmp_path / "rejects.csv")
    _check_store(neo4j_store)
    _check_matching_and_findings(neo4j_store, tmp_path / "out")
