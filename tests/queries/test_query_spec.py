"""Saved-query headers: strict parsing, clear errors naming file and line, typed parameters."""

from __future__ import annotations

from pathlib import Path

import pytest

from guanlian.graph.ladybug import LadybugStore
from guanlian.queries import Library, QueryError, QueryFileError
from guanlian.queries.spec import cypher_params, parse_query_text

GOOD = """// ---
// id: my_check
// title_zh: 测试查询
// title_en: Test query
// severity: low
// why_zh: 测试用
// why_en: for the tests
// params:
//   min_total: {type: money, default: 1000, doc: smallest total in yuan}
//   tier: {type: tier, default: possible}
// returns:
//   unit: {node: Unit, role: unit}
//   company: {node: Company, role: company}
//   paid_edge: {edge: PAID}
//   total: {type: money}
// example: 某局向某公司付款
// ---
MATCH (u:Unit)-[pd:PAID]->(c:Company)
WHERE pd.total >= $min_total AND $tier >= 0
RETURN u.key AS unit, c.key AS company, pd.key AS paid_edge, pd.total AS total
"""


def write(tmp_path: Path, text: str, name: str = "my_check.cypher") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_every_builtin_query_is_documented() -> None:
    """Fails when a saved query lacks a title, a description (why) or an example."""
    lib = Library.load()
    assert len(lib) == 13
    for q in lib:
        for field in ("title_zh", "title_en", "why_zh", "why_en", "example"):
            assert len(getattr(q, field).strip()) >= 4, f"{q.path}: {field} is missing or too short"
        assert q.explain_zh and q.explain_en, f"{q.path}: no explanation template"
        for p in q.params.values():
            assert p.doc or p.type == "tier", f"{q.path}: parameter {p.name} has no doc"


def test_builtin_ids_are_the_contracted_ones() -> None:
    assert set(Library.load().ids()) == {
        "relative_company_paid", "official_in_business", "relative_company_chain", "relative_left_before_payment",
        "newborn_company_paid", "shared_contact", "supplier_ring", "subsidy_to_relative", "split_payments",
        "revolving_door", "relative_across_units", "shell_company", "ambiguous_payee",
    }


@pytest.mark.parametrize(
    ("old", "new", "line", "words"),
    [
        ("// example: 某局向某公司付款\n", "", 2, "lacks 'example'"),
        ("// title_zh: 测试查询\n", "// title_zh: ''\n", 3, "title_zh"),
        ("// severity: low", "// severity: urgent", 5, "severity"),
        ("//   tier: {type: tier, default: possible}", "//   tier: {type: tier, default: sure}", 10, "possible"),
        ("//   total: {type: money}", "//   total: {type: euro}", 15, "total"),
        ("//   company: {node: Company, role: company}", "//   company: {node: Firm, role: company}", 13, "Firm"),
        ("// why_en: for the tests", "// why_en: [unclosed", 8, "YAML"),
        ("AND $tier >= 0", "AND $tier >= $nope", 19, "$nope"),
        ("// id: my_check", "// id: other", 2, "file name"),
        ("// colour: red\n", "", 0, ""),
    ],
)
def test_bad_headers_name_file_and_line(tmp_path: Path, old: str, new: str, line: int, words: str) -> None:
    if not words:  # an unknown key
        text = GOOD.replace("// example:", "// colour: red\n// example:")
        line, words = 16, "colour"
    else:
        text = GOOD.replace(old, new)
        assert text != GOOD
    p = write(tmp_path, text)
    with pytest.raises(QueryFileError) as err:
        Library.load([p], builtin=False)
    assert str(err.value).startswith(f"{p}:{line}:"), str(err.value)
    assert words in str(err.value)


def test_header_must_be_closed_and_first(tmp_path: Path) -> None:
    with pytest.raises(QueryFileError, match="starts with"):
        parse_query_text("MATCH (n) RETURN n", tmp_path / "x.cypher")
    with pytest.raises(QueryFileError, match="not closed"):
        parse_query_text(GOOD.split("// ---\nMATCH")[0], tmp_path / "my_check.cypher")


def test_user_query_runs_with_typed_params(tmp_path: Path) -> None:
    from tests.queries.graph_builder import world

    store = LadybugStore(tmp_path / "s")
    world().build(store)
    lib = Library.load([write(tmp_path, GOOD)])
    assert "my_check" in lib.ids() and len(lib) == 14
    df = lib.run(store, "my_check", {"min_total": "1,000,000"})
    assert set(df["company"]) == {"uscc:C35"}  # 2,000,000 is the only total above 1M
    assert set(lib.run(store, "my_check", {"min_total": "1"})["company"]) > {"uscc:C35"}  # 1 yuan = 100 fen
    with pytest.raises(QueryError, match="no parameter 'min_totl'"):
        lib.run(store, "my_check", {"min_totl": "5"})
    with pytest.raises(QueryError, match="expected an amount in yuan"):
        lib.run(store, "my_check", {"min_total": "lots"})
    with pytest.raises(QueryError, match=r"可能、很可能、确定、经核查组确认.*possible, probable, certain, confirmed"):
        lib.run(store, "my_check", {"tier": "sure"})
    with pytest.raises(QueryError, match="unknown query"):
        lib.run(store, "no_such_query")
    store.close()


def test_compile_errors_name_file_and_line(tmp_path: Path) -> None:
    store = LadybugStore(tmp_path / "s")
    store.ensure_schema()
    bad = write(tmp_path, GOOD.replace("RETURN u.key AS unit", "RETURN u.nosuch AS unit"))
    with pytest.raises(QueryFileError) as err:
        Library.load([bad], builtin=False).check(store)
    assert str(err.value).startswith(f"{bad}:") and "nosuch" in str(err.value)
    syntax = write(tmp_path, GOOD.replace("WHERE pd.total", "WHERE WHERE pd.total"))
    with pytest.raises(QueryFileError) as err:
        Library.load([syntax], builtin=False).check(store)
    assert str(err.value).startswith(f"{syntax}:19:"), str(err.value)
    Library.load([write(tmp_path, GOOD)], builtin=False).check(store)  # the good one compiles
    store.close()


def test_duplicate_ids_and_missing_dirs(tmp_path: Path) -> None:
    d = tmp_path / "mine"
    d.mkdir()
    write(d, GOOD.replace("id: my_check", "id: shell_company"), "shell_company.cypher")
    with pytest.raises(QueryFileError, match="already defined"):
        Library.load([d])
    with pytest.raises(QueryFileError, match="no such"):
        Library.load([tmp_path / "nowhere"])


def test_overrides_are_picked_per_engine(tmp_path: Path) -> None:
    write(tmp_path, GOOD)
    write(tmp_path, "MATCH (u:Unit)-[pd:PAID]->(c:Company) WHERE pd.total >= $min_total\n"
                    "RETURN u.key AS unit, c.key AS company, pd.key AS paid_edge, pd.total AS total LIMIT 1\n",
          "my_check.ladybug.cypher")
    q = Library.load([tmp_path], builtin=False).get("my_check")
    assert q.text_for("ladybug")[1].rstrip().endswith("LIMIT 1")
    assert "$tier" in q.text_for("neo4j")[1]
    write(tmp_path, "MATCH (n) WHERE n.x = $undeclared RETURN n", "my_check.neo4j.cypher")
    with pytest.raises(QueryFileError, match=r"my_check\.neo4j\.cypher:1: \$undeclared"):
        Library.load([tmp_path], builtin=False)


def test_cypher_params_skip_strings_and_comments() -> None:
    text = "// $a in a comment\nMATCH (n) WHERE n.x = '$b' AND n.y = $c /* $d */\nRETURN $e"
    assert cypher_params(text) == [("c", 2), ("e", 3)]


def test_listing_for_the_cli() -> None:
    df = Library.load().listing("en")
    assert list(df.columns) == ["id", "severity", "title", "why", "params", "file"]
    row = df[df["id"] == "split_payments"].iloc[0]
    assert "threshold=50000.0" in row["params"] and row["severity"] == "medium"


EXPLAINED = GOOD.replace(
    "// example:",
    "// explain: [company_roles]\n// explain_zh: '{unit}向{company}付款，合计{total}元；{link_zh}'\n"
    "// explain_en: '{unit} paid {company} CNY {total}; {link_en}{match_en}'\n// example:",
)


def test_explainers_are_declared_by_name() -> None:
    q = parse_query_text(EXPLAINED, "my_check.cypher")
    assert q.explainers == ("company_roles",)
    single = parse_query_text(EXPLAINED.replace("explain: [company_roles]", "explain: company_roles"), "my_check.cypher")
    assert single.explainers == ("company_roles",)


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        ("explain: [company_roles]", "explain: [company_role]", "unknown explainer 'company_role'; known: "),
        ("explain: [company_roles]", "explain: {a: 1}", "explainer name or a list"),
        # a template key nothing provides: the error names the explainer that would
        ("// explain: [company_roles]\n", "", "explain_zh uses {link_zh}, which nothing provides; declare the "
                                              "explainer that provides it (explain: [company_roles])"),
        ("{total}元", "{totl}元", "explain_zh uses {totl}, which nothing provides; return it as a column"),
        ("{total}元", "{total元", "explain_zh is not a valid template"),
    ],
)
def test_bad_explain_headers_name_the_file(tmp_path: Path, old: str, new: str, words: str) -> None:
    text = EXPLAINED.replace(old, new)
    assert text != EXPLAINED
    p = write(tmp_path, text)
    with pytest.raises(QueryFileError) as err:
        Library.load([p], builtin=False)
    assert str(err.value).startswith(f"{p}:"), str(err.value)
    assert words in str(err.value), str(err.value)
    Library.load([write(tmp_path, EXPLAINED)], builtin=False)  # near miss: the declared one loads


def test_every_builtin_template_key_is_provided() -> None:
    from guanlian.queries.explain import EXPLAINERS
    from guanlian.queries.spec import template_keys

    lib = Library.load()
    used: set[str] = set()
    for qid in lib.ids():
        q = lib.get(qid)
        assert set(q.explainers) <= set(EXPLAINERS)
        used.update(q.explainers)
        assert template_keys(q)  # parse_query_text already checked every placeholder
    assert used == set(EXPLAINERS)  # no registered explainer is dead
