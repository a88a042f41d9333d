"""Company resolution: name parts, tiers, similar names kept apart, payments routed on both engines."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from stdnum.cn import ric, uscc

from guanlian.graph import open_store
from guanlian.graph.store import Store
from guanlian.loaders import load_files
from guanlian.matching import company_store, matcher
from guanlian.matching.companies import CompanyConfig, parse_company_name, resolve_companies
from guanlian.matching.company_store import find_organisations, match_companies
from guanlian.matching.matcher import match_store
from guanlian.queries.library import Library
from tests.matching.test_incremental_match import _companies

REGISTRY_NAME = "吉安市鑫盛建材有限公司"
VARIANTS = ["吉安市鑫盛建材有限公司", "吉安市鑫盛建材有限责任公司", "吉安市鑫盛建材有限责任公司",
            "江西省吉安市鑫盛建材有限公司", "江西省吉安市鑫盛建材有限公司", "吉安鑫盛建材有限公司"]
CODE = "91360800MA35F0QX" + "5"
DECOY_CODE_BODY = "91360800MA35F0QY"


def _code(body: str) -> str:
    for last in "0123456789":
        c = body + last
        if uscc.is_valid(c + uscc.calc_check_digit(c)):
            return c + uscc.calc_check_digit(c)
    raise AssertionError


def _rid(body17: str) -> str:
    return body17 + ric.calc_check_digit(body17 + "0")


@pytest.mark.parametrize(("name", "core", "form", "regions"), [
    ("吉安市鑫盛建材有限责任公司", "鑫盛建材", "limited", ("吉安市",)),
    ("江西省吉安市鑫盛建材有限公司", "鑫盛建材", "limited", ("江西省", "吉安市")),
    ("吉安鑫盛建材有限公司", "鑫盛建材", "limited", ("吉安",)),
    ("吉安市鑫盛建材股份有限公司", "鑫盛建材", "joint_stock", ("吉安市",)),
    ("鑫盛建材贸易有限公司", "鑫盛建材贸易", "limited", ()),
    ("華信科技（吉安）有限公司", "华信科技", "limited", ("吉安",)),
    ("大同贸易有限公司", "大同贸易", "limited", ()),  # the place name is the trade name
    ("吉水县鑫盛农民专业合作社", "鑫盛", "coop", ("吉水县",)),
    ("吉安市张三建材店（个体工商户）", "张三建材店", "individual", ("吉安市",)),
    ("吉安市住房和城乡建设局", "住房和城乡建设局", "", ("吉安市",)),
])
def test_parse_company_name(name: str, core: str, form: str, regions: tuple[str, ...]) -> None:
    p = parse_company_name(name)
    assert (p.core, p.form, p.regions) == (core, form, regions)


def test_branch_is_not_its_head_office() -> None:
    p = parse_company_name("华信科技有限公司赣州分公司")
    assert (p.core, p.branch) == ("华信科技", "赣州分公司")
    r = resolve_companies(pd.DataFrame({"name": ["华信科技有限公司赣州分公司"]}),
                          pd.DataFrame({"name": ["华信科技有限公司"]}))
    assert set(r["tier"]) <= {"possible"}


def test_variants_probable_similar_names_apart() -> None:
    left = pd.DataFrame({"name": [*VARIANTS[1:], "吉安市鑫盛建材贸易有限公司", "南昌市鑫盛建材有限公司",
                                  "吉安市鑫晟建材有限公司"]})
    right = pd.DataFrame({"name": [REGISTRY_NAME, "吉安市鑫盛建材贸易有限公司"],
                          "credit_code": [_code(CODE[:16]), _code(DECOY_CODE_BODY)]})
    r = resolve_companies(left, right)
    got = {(int(a), int(b)): t for a, b, t in r[["left_row", "right_row", "tier"]].itertuples(index=False)}
    for i in range(5):
        assert got[(i, 0)] == "probable"
        assert (i, 1) not in got  # 鑫盛建材贸易 is another company
    assert got[(5, 1)] == "probable" and (5, 0) not in got
    assert (6, 0) not in got  # 南昌 vs 吉安: the region contradicts
    assert got[(7, 0)] == "possible"  # one character off, nothing else: not enough for probable
    expl = r.loc[(r["left_row"] == 2) & (r["right_row"] == 0), "explanation_zh"].iloc[0]
    assert "行政区划一致" in expl and "名称主体(字号+行业)相同" in expl


def test_two_registry_companies_fit_a_bare_name() -> None:
    right = pd.DataFrame({"name": ["吉安市鑫盛建材有限公司", "南昌市鑫盛建材有限公司"],
                          "credit_code": [_code(CODE[:16]), _code(DECOY_CODE_BODY)]})
    r = resolve_companies(pd.DataFrame({"name": ["鑫盛建材有限公司"]}), right)
    assert list(r["tier"]) == ["possible", "possible"]
    assert "另有1家企业同样相符" in r.loc[0, "explanation_zh"]


def test_account_corroborates_a_typo() -> None:
    left = pd.DataFrame({"name": ["吉安市鑫晟建材有限公司"], "accounts": ["6222 0215 0000 1234"]})
    right = pd.DataFrame({"name": [REGISTRY_NAME], "accounts": ["6222021500001234"]})
    assert resolve_companies(left, right)["tier"].tolist() == ["probable"]


def write_case(d: Path) -> list[Path]:
    """Official 周建国 at 吉安市住房和城乡建设局; his mother-in-law 刘桂英 holds 60 % of 吉安市鑫盛建材有限公司;
    the bureau paid it 6 times under 4 spellings, and paid the similar 吉安市鑫盛建材贸易有限公司 twice."""
    off_id, rel_id = _rid("36080219700101001"), _rid("36080219480305002")
    code, decoy = _code(CODE[:16]), _code(DECOY_CODE_BODY)
    files = {
        "officials.csv": pd.DataFrame({"姓名": ["周建国"], "身份证号": [off_id], "工作单位": ["吉安市住房和城乡建设局"],
                                       "职务": ["局长"], "任职开始时间": ["2015-01-01"]}),
        "relatives.csv": pd.DataFrame({"干部姓名": ["周建国"], "干部身份证号": [off_id], "称谓": ["岳母"],
                                       "姓名": ["刘桂英"], "身份证号": [rel_id]}),
        "companies.csv": pd.DataFrame({"企业名称": [REGISTRY_NAME, "吉安市鑫盛建材贸易有限公司"],
                                       "统一社会信用代码": [code, decoy], "成立日期": ["2012-05-01", "2013-05-01"]}),
        "shareholders.csv": pd.DataFrame({"企业名称": [REGISTRY_NAME], "统一社会信用代码": [code],
                                          "股东名称": ["刘桂英"], "证件号码": [rel_id], "持股比例": ["60%"]}),
        "payments.csv": pd.DataFrame({
            "付款单位": ["吉安市住房和城乡建设局"] * 8,
            "收款单位": [*VARIANTS, "吉安市鑫盛建材贸易有限公司", "吉安市鑫盛建材贸易有限公司"],
            "金额": ["10000", "20000", "30000", "40000", "50000", "60000", "70000", "80000"],
            "付款日期": [f"2021-0{m}-10" for m in range(1, 9)],
            "凭证号": [f"V{m}" for m in range(1, 9)],
        }),
    }
    out = []
    for name, df in files.items():
        p = d / name
        df.to_csv(p, index=False, encoding="utf-8")
        out.append(p)
    return out


def check_case(s: Store, paths: list[Path]) -> None:
    assert load_files(s, paths).ok
    before = Library.load().run(s, "relative_company_paid")
    assert before["payments_count"].tolist() == [1]  # measured on main before this change
    summary = match_store(s)
    assert summary.companies is not None and summary.companies.routed_payments == 5
    rows = Library.load().run(s, "relative_company_paid")
    assert rows["payments_count"].tolist() == [6]
    assert int(rows["payments_sum"].iloc[0]) == 21_000_000  # fen
    decoy = s.query("MATCH (:Unit)-[p:PAYMENT]->(c:Company) WHERE c.name = '吉安市鑫盛建材贸易有限公司' "
                    "RETURN count(p) AS n")["n"].iloc[0]
    assert decoy == 2
    links = s.query("MATCH (a:Company)-[e:SAME_COMPANY]->(b:Company) RETURN e.tier AS t, e.payments_routed AS n, "
                    "a.name AS a, b.name AS b")
    assert set(links["t"]) == {"probable"} and links["n"].sum() == 5
    assert not links["a"].str.contains("贸易").any() and not links["b"].str.contains("贸易").any()
    again = match_store(s)  # idempotent: nothing moves the second time
    assert again.companies is not None and (again.companies.routed_payments, again.companies.restored_payments) == (0, 0)
    assert Library.load().run(s, "relative_company_paid")["payments_count"].tolist() == [6]
    found = find_organisations(s, "吉安鑫盛建材有限责任公司")
    assert found.loc[0, "name"] == REGISTRY_NAME and found.loc[0, "tier"] == "probable"
    units = find_organisations(s, "吉安市住房和城乡建设局")
    assert units.loc[0, "kind"] == "Unit"


def test_payments_routed_embedded(tmp_path: Path) -> None:
    with open_store(tmp_path / "s") as s:  # type: ignore[attr-defined]
        check_case(s, write_case(tmp_path))


@pytest.mark.neo4j
def test_payments_routed_neo4j(tmp_path: Path, neo4j_store: Store) -> None:
    check_case(neo4j_store, write_case(tmp_path))


def test_unrouted_when_link_disappears(tmp_path: Path) -> None:
    """Rerunning match after the registry company is gone puts the payments back on the payee as recorded."""
    with open_store(tmp_path / "s") as s:  # type: ignore[attr-defined]
        load_files(s, write_case(tmp_path))
        match_store(s)
        s.execute("MATCH (c:Company) WHERE c.name = $n SET c.name = '吉安市别的建材有限公司'", {"n": REGISTRY_NAME})
        again = match_store(s)
        assert again.companies is not None and again.companies.restored_payments == 5
        n = s.query("MATCH (:Unit)-[p:PAYMENT]->(c:Company) WHERE c.key STARTS WITH 'cname:' RETURN count(p) AS n")
        assert n["n"].iloc[0] == 5
        assert s.query("MATCH ()-[p:PAYMENT]->() WHERE p.routed_from IS NOT NULL RETURN count(p) AS n")["n"].iloc[0] == 0


def test_finding_cites_the_company_route(tmp_path: Path) -> None:
    from guanlian.queries.findings import scan

    with open_store(tmp_path / "s") as s:  # type: ignore[attr-defined]
        load_files(s, write_case(tmp_path))
        match_store(s)
        doc = scan(s).to_json()
    hits = [f for f in doc["findings"] if "relative_company_paid" in f["queries"]]
    assert len(hits) == 1
    f = hits[0]
    assert f["payments"]["count"] == 6
    routes = [e for e in f["path"]["edges"] if e["type"] == "SAME_COMPANY"]
    assert len(routes) == 3 and all(e["props"]["tier"] == "probable" for e in routes)
    assert f["confidence"] == "probable"
    assert "经企业名称匹配很可能为同一企业而计入" in f["explanation_zh"] and "吉安鑫盛建材有限公司" in f["explanation_zh"]
    cited = sorted((e["file"], e["row"]) for e in f["evidence"] if "疑似同一企业" in e["what"])
    # each of the three routes cites both records it links: the payee's ledger row and the registry row (a payee
    # named on several rows cites the one the merge rules rank first: by content, not by row number)
    assert cited == [("companies.csv", 2)] * 3 + [("payments.csv", 4), ("payments.csv", 6), ("payments.csv", 7)]


@pytest.mark.parametrize("chunk", [1, 2_000_000])
def test_link_budget_stores_only_links_a_check_can_use(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       chunk: int) -> None:
    """刘桂英 without ID in the family record has namesakes: the shareholder of the company her son-in-law's
    bureau paid (stored), a shareholder elsewhere (left to find), a person the bureau paid (stored) and one another
    unit paid (left to find); links between the payees and the registry persons are not stored. The same with
    the budget's join run one pair at a time (``RELEVANT_CHUNK``, which bounds its memory at 10M rows)."""
    monkeypatch.setattr(matcher, "RELEVANT_CHUNK", chunk)
    off_id = _rid("36080219700101001")
    code, other = _code(CODE[:16]), _code(DECOY_CODE_BODY)
    files = {
        "officials.csv": pd.DataFrame({"姓名": ["周建国"], "身份证号": [off_id], "工作单位": ["吉安市住房和城乡建设局"],
                                       "职务": ["局长"], "任职开始时间": ["2015-01-01"]}),
        "relatives.csv": pd.DataFrame({"干部姓名": ["周建国"], "干部身份证号": [off_id], "称谓": ["岳母"],
                                       "姓名": ["刘桂英"]}),
        "companies.csv": pd.DataFrame({"企业名称": [REGISTRY_NAME, "南昌市永安物流有限公司"],
                                       "统一社会信用代码": [code, other]}),
        "shareholders.csv": pd.DataFrame({"企业名称": [REGISTRY_NAME, "南昌市永安物流有限公司"],
                                          "统一社会信用代码": [code, other], "股东名称": ["刘桂英", "刘桂英"],
                                          "证件号码": [_rid("36080219480305002"), _rid("36010219550101002")],
                                          "持股比例": ["60%", "30%"]}),
        "payments.csv": pd.DataFrame({"付款单位": ["吉安市住房和城乡建设局", "吉安市住房和城乡建设局", "吉安市民政局"],
                                      "收款单位": [REGISTRY_NAME, "刘桂英", "刘桂英"], "金额": ["10000", "800", "900"],
                                      "付款日期": ["2021-01-10", "2021-02-10", "2021-03-10"]}),
    }
    paths = []
    for name, df in files.items():
        df.to_csv(tmp_path / name, index=False, encoding="utf-8")
        paths.append(tmp_path / name)
    with open_store(tmp_path / "s") as s:  # type: ignore[attr-defined]
        load_files(s, paths)
        summary = match_store(s)
        links = s.query("MATCH (a:Person)-[e:POSSIBLY_SAME]->(b:Person) RETURN a.key AS a, b.key AS b")
        keys = {str(k): str(v) for k, v in s.query(
            "MATCH (p:Person)-[r:SHAREHOLDER_OF]->(c:Company) RETURN p.key AS k, c.name AS v").itertuples(index=False)}
        rel = s.query("MATCH (p:Person)-[:RELATIVE_OF]->() RETURN p.key AS k")["k"].iloc[0]
        payee = s.query("MATCH (u:Unit)-[:PAYMENT]->(p:Person) WHERE u.name = '吉安市住房和城乡建设局' "
                        "RETURN p.key AS k")["k"].iloc[0]
        elsewhere = s.query("MATCH (u:Unit)-[:PAYMENT]->(p:Person) WHERE u.name = '吉安市民政局' "
                            "RETURN p.key AS k")["k"].iloc[0]
        found = find_candidates_names(s)
    pairs = {frozenset(p) for p in zip(links["a"], links["b"], strict=True)}
    holder_paid = next(k for k, v in keys.items() if v == REGISTRY_NAME)
    holder_else = next(k for k, v in keys.items() if v != REGISTRY_NAME)
    assert frozenset((rel, holder_paid)) in pairs
    assert frozenset((rel, holder_else)) not in pairs
    assert frozenset((rel, payee)) in pairs  # paid by her official's unit: subsidy_to_relative can use it
    assert frozenset((rel, elsewhere)) not in pairs  # paid by another unit
    assert frozenset((payee, holder_paid)) not in pairs and frozenset((payee, holder_else)) not in pairs
    assert frozenset((payee, elsewhere)) not in pairs
    assert summary.budget_skipped == 7
    assert found >= 3  # find still lists every namesake on demand


def find_candidates_names(s: Store) -> int:
    from guanlian.matching.matcher import find_candidates

    return len(find_candidates(s, "刘桂英"))


def test_cli_find_and_match_for_companies(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from rich.console import Console
    from typer.testing import CliRunner

    import guanlian.cli
    from guanlian.cli import app

    # The CLI's console takes its width from COLUMNS once, when guanlian.cli is first imported, and a
    # pytest-xdist worker starts with COLUMNS=80 in its environment: the table would stay 80 wide whatever env
    # CliRunner passes, and the long unit name below would wrap inside its cell. A wide console of this test's
    # own keeps each name on one line.
    monkeypatch.setattr(guanlian.cli, "console", Console(width=400))

    store = str(tmp_path / "s")
    with open_store(store) as s:  # type: ignore[attr-defined]
        load_files(s, write_case(tmp_path))
    runner = CliRunner()
    res = runner.invoke(app, ["match", "--store", store, "--json"])
    assert res.exit_code == 0, res.output
    got = json.loads(res.output)
    assert got["by_kind"]["companies"]["probable"] == 6 and got["routed_payments"] == 5  # 3 spellings: 3 + 3 pairs
    wide = {"COLUMNS": "400"}
    res = runner.invoke(app, ["find", "吉安鑫盛建材有限责任公司", "--store", store, "--lang", "en"], env=wide)
    assert res.exit_code == 0, res.output
    assert REGISTRY_NAME in res.output and "probable" in res.output
    res = runner.invoke(app, ["find", "住房和城乡建设局", "--store", store, "--kind", "org"], env=wide)
    assert res.exit_code == 0 and "吉安市住房和城乡建设局" in res.output


def test_ledger_matched_before_the_registry_still_relinks(tmp_path: Path) -> None:
    """Ledgers loaded and matched first (two spellings linked to each other), then the registry: the exact
    spelling still merges into the registry company (the SAME_COMPANY link is derived, not a registry edge) and
    the next match routes the variant's payments."""
    paths = write_case(tmp_path)
    ledger = [p for p in paths if p.name == "payments.csv"]
    rest = [p for p in paths if p.name != "payments.csv"]
    with open_store(tmp_path / "s") as s:  # type: ignore[attr-defined]
        load_files(s, ledger)
        match_store(s)
        assert len(s.query("MATCH ()-[e:SAME_COMPANY]->() RETURN e.key AS k")) > 0
        second = load_files(s, rest)
        assert second.relinked["companies"] >= 1
        match_store(s)
        rows = Library.load().run(s, "relative_company_paid")
    assert rows["payments_count"].tolist() == [6]


def test_company_pairs_are_reused_only_for_the_same_companies(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """The company matcher keeps its scored pairs beside the store with a fingerprint of the companies it read:
    a match over the same companies scores nothing and writes the same SAME_COMPANY edges and routes; a renamed
    company, another configuration or a damaged file scores again, with the results of a match without the file."""
    scored: list[int] = []
    real = company_store.score_company_pairs

    def counted(*args: Any, **kwargs: Any) -> Any:
        scored.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(company_store, "score_company_pairs", counted)
    with open_store(tmp_path / "s") as s:
        assert load_files(s, write_case(tmp_path)).ok
        first = match_companies(s)
        path = s.sidecar / company_store.PAIRS_FILE
        assert len(scored) == 1 and path.is_file()
        want = _companies(s)
        assert want[0] and want[1]
        again = match_companies(s)
        assert len(scored) == 1, "the same companies: pairs from the sidecar"
        assert _companies(s) == want
        assert (again.unresolved, again.candidate_pairs, again.per_tier()) == \
            (first.unresolved, first.candidate_pairs, first.per_tier())

        path.write_bytes(b"not an arrow file")
        match_companies(s)
        assert len(scored) == 2 and _companies(s) == want

        match_companies(s, CompanyConfig(probable_threshold=30.0))
        assert len(scored) == 3
        stricter = _companies(s)
        assert stricter != want, "a configuration that changes the links is not answered from the file"
        path.unlink()
        match_companies(s, CompanyConfig(probable_threshold=30.0))
        assert len(scored) == 4 and _companies(s) == stricter

        # near miss: one routed payee renamed; the fingerprint differs, the pairs are scored again
        payee = str(want[1][0][2])
        s.execute("MATCH (c:Company {key: $k}) SET c.name = $n", {"k": payee, "n": "欧阳无双咨询服务部"})
        match_companies(s)
        assert len(scored) == 5
        renamed = _companies(s)
        assert payee not in {str(r[2]) for r in renamed[1]}, "the renamed payee's payments are no longer routed"
        path.unlink()
        match_companies(s)
        assert len(scored) == 6 and _companies(s) == renamed
