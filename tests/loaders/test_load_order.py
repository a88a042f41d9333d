"""Load order never changes the graph or the findings (issue 20).

The same files loaded in one call, file by file, in reverse, and in random groupings (hypothesis) give the same
graph digest (provenance included) and the same findings, on both engines. The world has namesake registered
companies in two registry exports, payees named without a code (one decided by its account), change records
that reach companies before their registry rows, and ledger rows that lack what the registry knows.
"""

from __future__ import annotations

import json
import random
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reliability.graphdigest import CleanLoad, digest

from guanlian.demo import DemoManifest, generate
from guanlian.graph import open_store
from guanlian.graph.store import Store
from guanlian.loaders import load_files
from guanlian.matching.matcher import match_store
from guanlian.queries import scan

from .order_world import ACCOUNT, ALIVE, DEAD, NAMESAKE, OTHER, THIRD, write_world

VOLATILE = {"generated_at", "load_id", "created_at", "path", "out_dir", "seconds"}


def _scrub(x: Any) -> Any:
    if isinstance(x, dict):
        return {k: _scrub(v) for k, v in x.items() if k not in VOLATILE}
    if isinstance(x, list):
        return [_scrub(v) for v in x]
    return x


def outcome(store: Store, groups: list[list[Path]], rejects: Path) -> tuple[dict[str, str], str]:
    """Load ``groups`` one ``load_files`` call each; return the per-kind digest and the findings (as JSON)."""
    for group in groups:
        summary = load_files(store, group, rejects_path=rejects)
        assert summary.ok
    graph = digest(store).per_kind
    return graph, matched_findings(store)


def matched_findings(store: Store) -> str:
    """``match`` then ``scan`` the store; its findings as one canonical JSON string (volatile fields dropped)."""
    match_store(store)
    doc = scan(store)
    findings = sorted(json.dumps(_scrub(f), ensure_ascii=False, sort_keys=True) for f in doc.to_json()["findings"])
    return json.dumps(findings, ensure_ascii=False)


def plans(files: list[Path]) -> dict[str, list[list[Path]]]:
    kinds = {p.stem: p for p in files}
    return {
        "one call": [files],
        "file by file": [[p] for p in files],
        "reverse": [[p] for p in reversed(files)],
        "payees and changes first": [[kinds["payments"], kinds["changes"]], [kinds["companies"]],
                                     [p for p in files if p.stem not in ("payments", "changes", "companies")]],
        "namesake last": [[p for p in files if p.stem != "companies_extra"], [kinds["companies_extra"]]],
        # the name-only rows first, then one registered company of their name (they resolve to it), then its
        # namesake (they go back to the name): three steps
        "namesake third": [[kinds[k] for k in ("shareholders", "officers", "changes", "payments")],
                           [kinds["companies"]], [kinds["companies_extra"]],
                           [p for p in files if p.stem not in ("shareholders", "officers", "changes", "payments",
                                                                "companies", "companies_extra")]],
    }


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return write_world(tmp_path_factory.mktemp("order-world"))


@pytest.fixture(scope="module")
def reference(world: list[Path], tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, str], str]:
    d = tmp_path_factory.mktemp("order-ref")
    store = open_store(d / "store")
    try:
        return outcome(store, [world], d / "rejects.csv")
    finally:
        store.close()


def _embedded(groups: list[list[Path]]) -> tuple[dict[str, str], str]:
    with tempfile.TemporaryDirectory(prefix="guanlian-order-") as tmp:
        d = Path(tmp)
        store = open_store(d / "store")
        try:
            return outcome(store, groups, d / "rejects.csv")
        finally:
            store.close()


def _differing(got: tuple[dict[str, str], str], want: tuple[dict[str, str], str]) -> list[str]:
    kinds = [k for k in want[0] if got[0].get(k) != want[0][k]]
    return kinds + (["findings"] if got[1] != want[1] else [])


@pytest.mark.parametrize("plan", ["file by file", "reverse", "payees and changes first", "namesake last",
                                  "namesake third"])
def test_named_plans_give_the_one_call_graph(plan: str, world: list[Path],
                                             reference: tuple[dict[str, str], str]) -> None:
    assert _differing(_embedded(plans(world)[plan]), reference) == []


def _groups(world: list[Path], order: list[int], cuts: list[bool]) -> list[list[Path]]:
    """The files of ``world`` in ``order``, cut into a new group before each file whose ``cuts`` entry is True."""
    groups: list[list[Path]] = [[world[order[0]]]]
    for cut, i in zip(cuts, order[1:], strict=True):
        if cut:
            groups.append([])
        groups[-1].append(world[i])
    return groups


GROUPINGS = {"order": st.permutations(list(range(9))), "cuts": st.lists(st.booleans(), min_size=8, max_size=8)}


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(**GROUPINGS)
def test_random_groupings_give_the_one_call_graph(order: list[int], cuts: list[bool], world: list[Path],
                                                  reference: tuple[dict[str, str], str]) -> None:
    assert _differing(_embedded(_groups(world, order, cuts)), reference) == []


@pytest.mark.neo4j
@settings(max_examples=2, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(**GROUPINGS)
def test_random_groupings_on_neo4j_give_the_embedded_graph(order: list[int], cuts: list[bool], world: list[Path],
                                                           neo4j_store: Store,
                                                           reference: tuple[dict[str, str], str]) -> None:
    """Random groupings loaded into Neo4j: the graph digest and findings of one embedded load."""
    neo4j_store.clear()  # the fixture empties the database once per test, not per example
    with tempfile.TemporaryDirectory(prefix="guanlian-order-") as tmp:
        got = outcome(neo4j_store, _groups(world, order, cuts), Path(tmp) / "rejects.csv")
    assert _differing(got, reference) == []


def test_shared_payee_name_is_never_pinned(world: list[Path], tmp_path: Path) -> None:
    """The namesake payee keeps its name, links to both registered companies, and a finding names the ambiguity;
    the payment whose account was used for one of them by code goes to that one; registry values survive."""
    store = open_store(tmp_path / "store")
    try:
        load_files(store, world, rejects_path=tmp_path / "rejects.csv")
        paid = store.query("MATCH (:Unit)-[e:PAYMENT]->(c:Company) WHERE e.payee_name IS NOT NULL "
                           "RETURN e.voucher AS v, c.key AS k ORDER BY v")
        links = store.query("MATCH (c:Company)-[m:MAY_BE]->(d:Company) RETURN c.key AS src, d.key AS dst, "
                            "m.tier AS tier, m.explanation_zh AS why ORDER BY dst")
        statuses = store.query("MATCH (c:Company) WHERE c.credit_code IS NOT NULL RETURN c.credit_code_status AS s")
        match_store(store)
        found = [f for f in scan(store).to_json()["findings"] if "ambiguous_payee" in f["queries"]]
    finally:
        store.close()
    by_voucher = dict(zip(paid["v"], paid["k"], strict=True))
    assert by_voucher["V1"] == by_voucher["V2"] == f"cname:{NAMESAKE}"
    assert by_voucher["V3"] == f"uscc:{ALIVE}"  # its account ({ACCOUNT}) was paid to ALIVE by code
    assert by_voucher["V4"].startswith("uscc:")  # a unique name resolves
    assert links["dst"].tolist() == sorted([f"uscc:{ALIVE}", f"uscc:{DEAD}"])
    assert set(links["src"]) == {f"cname:{NAMESAKE}"}
    assert set(links["tier"]) == {"possible"}  # both were in business when paid: nothing decides
    assert all("收款单位名称对应2家登记企业" in w for w in links["why"])
    assert set(statuses["s"]) == {"valid"}  # a ledger row without a code never erases the registry's
    assert len(found) == 1 and "收款单位名称对应2家登记企业" in found[0]["explanation_zh"]
    assert ACCOUNT  # (used in the comment above)


def test_a_later_absence_never_erases_a_known_value(world: list[Path], tmp_path: Path) -> None:
    """Registry first, ledgers after: credit code status, established date and names stay; sources list both."""
    store = open_store(tmp_path / "store")
    try:
        registry = [p for p in world if p.stem.startswith("companies")]
        load_files(store, registry, rejects_path=tmp_path / "rejects.csv")
        before = store.query("MATCH (c:Company) RETURN c.key AS k, c.credit_code_status AS s, c.established AS e "
                             "ORDER BY k")
        load_files(store, [p for p in world if p not in registry], rejects_path=tmp_path / "rejects.csv")
        after = store.query("MATCH (c:Company) WHERE c.credit_code IS NOT NULL "
                            "RETURN c.key AS k, c.credit_code_status AS s, c.established AS e, c.sources AS src "
                            "ORDER BY k")
    finally:
        store.close()
    assert before[["k", "s", "e"]].values.tolist() == after[["k", "s", "e"]].values.tolist()
    other = after.set_index("k").loc[f"uscc:{ALIVE}", "src"]
    assert any(s.startswith("companies.csv:") for s in other) and any(s.startswith("payments.csv:") for s in other)


@pytest.mark.neo4j
def test_plans_on_neo4j_give_the_embedded_graph(world: list[Path], neo4j_store: Store, tmp_path: Path,
                                                reference: tuple[dict[str, str], str]) -> None:
    """One call, file by file, reverse, namesake last and namesake third on Neo4j: the graph and findings of one
    embedded load."""
    for i, plan in enumerate(["one call", "file by file", "reverse", "namesake last", "namesake third"]):
        neo4j_store.clear()
        got = outcome(neo4j_store, plans(world)[plan], tmp_path / f"plan{i}" / "rejects.csv")
        assert _differing(got, reference) == [], plan


@pytest.mark.parametrize("engine", ["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def test_a_corrected_file_replaces_what_it_said(engine: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """payments.csv reloaded with one amount corrected and one row removed, officers.csv with the code added to a
    row that named its company only by name (吉安市新源物业管理有限公司 has a namesake, so the row was left on the
    name): the graph of loading the corrected files in the first place (the old payment, the removed row and the
    name-only officer link are gone, provenance names the new rows), on both engines."""
    first, second = tmp_path / "first", tmp_path / "second"
    files = write_world(first)
    store = request.getfixturevalue("neo4j_store") if engine == "neo4j" else open_store(tmp_path / "store")
    try:
        load_files(store, files, rejects_path=tmp_path / "rejects.csv")
        ledger, officers = first / "payments.csv", first / "officers.csv"
        fixed = pd.read_csv(ledger, dtype=str, keep_default_na=False)
        fixed.loc[fixed["凭证号"] == "V4", "金额"] = "85000"
        fixed = fixed[fixed["凭证号"] != "V7"]
        fixed.to_csv(ledger, index=False, encoding="utf-8")
        staff = pd.read_csv(officers, dtype=str, keep_default_na=False)
        staff.loc[(staff["姓名"] == "冯十二") & (staff["职务"] == "经理"), "统一社会信用代码"] = ALIVE
        staff.to_csv(officers, index=False, encoding="utf-8")
        summary = load_files(store, [ledger, officers], rejects_path=tmp_path / "rejects.csv")
        got = digest(store).per_kind
        amounts = store.query("MATCH (:Unit)-[e:PAYMENT]->() WHERE e.voucher IS NOT NULL "
                               "RETURN e.voucher AS v, e.amount AS a ORDER BY v")
        manager = store.query("MATCH (p:Person)-[e:OFFICER_OF {title: '经理'}]->(c:Company) "
                              "WHERE p.name = '冯十二' RETURN c.key AS k")
    finally:
        if engine == "embedded":
            store.close()
    assert all(any("corrected file" in n for n in f.notes) for f in summary.files)
    assert dict(zip(amounts["v"], amounts["a"], strict=True)) == {  # integer fen
        "V1": 500_000, "V2": 1_200_000, "V3": 3_500_000, "V4": 8_500_000, "V5": 2_000_000, "V6": 600_000}
    assert manager["k"].tolist() == [f"uscc:{ALIVE}"]
    again = write_world(second)
    for name in ("payments.csv", "officers.csv"):
        (second / name).write_bytes((first / name).read_bytes())
    want = digest_of([again], tmp_path / "fresh")
    assert [k for k in want if got.get(k) != want[k]] == []


def _demo_plans(files: list[Path]) -> dict[str, list[list[Path]]]:
    rng = random.Random(20)
    shuffled = rng.sample(files, len(files))
    groups: list[list[Path]] = [[shuffled[0]]]
    for p in shuffled[1:]:
        if rng.random() < 0.4:
            groups.append([])
        groups[-1].append(p)
    return {"reverse": [[p] for p in reversed(files)], "random groups": groups}


@pytest.fixture(scope="module")
def small_demo(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return [p for p, _ in generate(tmp_path_factory.mktemp("demo-small"), size="small", seed=7).files]


@pytest.fixture(scope="module")
def small_reference(small_demo: list[Path]) -> tuple[dict[str, str], str]:
    return _embedded([small_demo])


@pytest.mark.slow
@pytest.mark.parametrize("plan", ["reverse", "random groups"])
def test_demo_small_plans_give_the_one_call_graph(plan: str, small_demo: list[Path],
                                                  small_reference: tuple[dict[str, str], str]) -> None:
    """The small demo world (~8k rows, 15 files): file by file in reverse and in seeded random groups."""
    assert _differing(_embedded(_demo_plans(small_demo)[plan]), small_reference) == []


@pytest.mark.slow
def test_demo_medium_reverse_gives_the_one_call_graph(medium_demo: DemoManifest, medium_clean: CleanLoad) -> None:
    """The medium demo world (~100k rows): one file per call in reverse order gives the graph and findings of
    the session's one-call load (``medium_clean``, shared with the kill tests)."""
    with open_store(medium_clean.store) as s:  # type: ignore[attr-defined]
        want = (medium_clean.digest.per_kind, matched_findings(s))
    files = [p for p, _ in medium_demo.files]
    assert _differing(_embedded(_demo_plans(files)["reverse"]), want) == []


@pytest.mark.slow
@pytest.mark.neo4j
def test_demo_small_reverse_on_neo4j_gives_the_embedded_graph(small_demo: list[Path], neo4j_store: Store,
                                                              small_reference: tuple[dict[str, str], str],
                                                              tmp_path: Path) -> None:
    """The small demo world loaded file by file in reverse into Neo4j: the embedded one-call graph and findings."""
    got = outcome(neo4j_store, _demo_plans(small_demo)["reverse"], tmp_path / "rejects.csv")
    assert _differing(got, small_reference) == []


@pytest.mark.parametrize(("column", "value", "want"), [
    ("注销日期", "2019-12-31", {DEAD: ("possible", "付款日已注销"), ALIVE: ("probable", "唯一在付款日在营的同名企业")}),
    ("成立日期", "2023-01-01", {DEAD: ("probable", "唯一在付款日在营的同名企业"), ALIVE: ("possible", "付款日尚未成立")}),
    # near miss: deregistered between the two payments that name it — in business on the first one
    ("注销日期", "2021-04-01", {DEAD: ("possible", "无代码或账号可区分"), ALIVE: ("possible", "无代码或账号可区分")}),
])
def test_payment_dates_weigh_the_namesakes(column: str, value: str, want: dict[str, tuple[str, str]],
                                           tmp_path: Path) -> None:
    """A namesake out of business on every date the name was paid (2021-03-05, 2021-04-05) ranks below the one in
    business then; one in business on either date is not ruled out. The findings name the reason (zh and en)."""
    files = write_world(tmp_path / "w")
    changed = tmp_path / "w" / ("companies_extra.csv" if column == "注销日期" else "companies.csv")
    frame = pd.read_csv(changed, dtype=str, keep_default_na=False)
    frame.loc[frame["统一社会信用代码"].isin([DEAD, ALIVE]), column] = value
    frame.to_csv(changed, index=False, encoding="utf-8")
    store = open_store(tmp_path / "store")
    try:
        load_files(store, files, rejects_path=tmp_path / "rejects.csv")
        links = store.query("MATCH (:Company)-[m:MAY_BE]->(d:Company) RETURN d.credit_code AS code, m.tier AS tier, "
                            "m.explanation_zh AS zh, m.explanation_en AS en")
        match_store(store)
        found = [f for f in scan(store).to_json()["findings"] if "ambiguous_payee" in f["queries"]]
    finally:
        store.close()
    got = {c: (t, z) for c, t, z in zip(links["code"], links["tier"], links["zh"], strict=True)}
    assert {c: t for c, (t, _) in got.items()} == {c: t for c, (t, _) in want.items()}
    assert all(want[c][1] in got[c][1] for c in want)
    assert len(found) == 1 and all(w in found[0]["explanation_zh"] for _, w in want.values())
    if "付款日已注销" in str(want):
        assert any("deregistered on the payment date" in e for e in links["en"])
        assert "deregistered on the payment date" in found[0]["explanation_en"]


def test_registry_rows_named_before_the_registry_are_rekeyed(tmp_path: Path) -> None:
    """Officers naming companies only by name, loaded alone first (郑十一's, 孙八's and 周九's companies are
    then known by name only); the other files arrive after: their company and the people keyed by it become those
    of one call (no name-only company left but the shared payee name)."""
    files = write_world(tmp_path / "w")
    officers = tmp_path / "w" / "officers.csv"
    frame = pd.read_csv(officers, dtype=str, keep_default_na=False)
    frame[frame["统一社会信用代码"] == ""].to_csv(officers, index=False, encoding="utf-8")
    want = digest_of([files], tmp_path / "one")
    store = open_store(tmp_path / "store")
    try:
        load_files(store, [officers], rejects_path=tmp_path / "rejects.csv")
        before = store.query("MATCH (p:Person)-[:OFFICER_OF]->(c:Company) RETURN p.name AS n, c.key AS k")
        load_files(store, [p for p in files if p != officers], rejects_path=tmp_path / "rejects.csv")
        after = store.query("MATCH (p:Person)-[:OFFICER_OF|SHAREHOLDER_OF|CHANGE]->(c:Company) "
                            "WHERE p.name IN ['郑十一', '孙八', '周九', '吴十'] RETURN p.name AS n, c.key AS k")
        names = store.query("MATCH (c:Company) WHERE c.key STARTS WITH 'cname:' RETURN c.key AS k")
        got = digest(store).per_kind
    finally:
        store.close()
    assert dict(zip(before["n"], before["k"], strict=True)) == {
        "孙八": "cname:吉安市恒达建材有限公司", "周九": "cname:吉安市永丰商贸有限公司", "冯十二": f"cname:{NAMESAKE}"}
    assert dict(zip(after["n"], after["k"], strict=True)) == {
        "郑十一": f"uscc:{OTHER}", "孙八": f"uscc:{OTHER}", "周九": f"uscc:{THIRD}", "吴十": f"uscc:{THIRD}"}
    assert names["k"].tolist() == [f"cname:{NAMESAKE}"]  # the shared payee name only
    assert [k for k in want if got.get(k) != want[k]] == []


def test_a_later_namesake_reopens_what_was_resolved_by_name(world: list[Path], tmp_path: Path) -> None:
    """The registry holds one 吉安市新源物业管理有限公司 (ALIVE) when shareholders, officers, changes and payments
    name it without a code: they resolve to it. Its namesake (DEAD) registers in a later load: exactly those
    references go back to the name, linked to both candidates and explained, as one call leaves them; the officer row
    that gave ALIVE's code stays. Graph and findings equal one call's."""
    files = {p.stem: p for p in world}
    first = [p for p in world if p.stem != "companies_extra"]
    store = open_store(tmp_path / "store")

    def roles() -> dict[tuple[str, str], str]:
        out = {}
        for kind, what in (("CHANGE", "e.action"), ("OFFICER_OF", "e.title"), ("SHAREHOLDER_OF", "''")):
            df = store.query(f"MATCH (p:Person {{name: '冯十二'}})-[e:{kind}]->(c:Company) RETURN {what} AS w, "
                             "c.key AS k")
            out.update({(kind, str(w)): str(k) for w, k in zip(df["w"], df["k"], strict=True)})
        return out

    try:
        load_files(store, first, rejects_path=tmp_path / "rejects.csv")
        before = roles()
        marked = store.query(f"MATCH (c:Company {{key: 'uscc:{ALIVE}'}}) RETURN c.by_name AS b").iloc[0, 0]
        payments = store.query("MATCH (:Unit)-[e:PAYMENT]->(c:Company) WHERE e.voucher IN ['V1', 'V2'] "
                               "RETURN DISTINCT c.key AS k")
        load_files(store, [files["companies_extra"]], rejects_path=tmp_path / "rejects.csv")
        after = roles()
        repaid = store.query("MATCH (:Unit)-[e:PAYMENT]->(c:Company) WHERE e.voucher IN ['V1', 'V2', 'V3'] "
                             "RETURN e.voucher AS v, c.key AS k ORDER BY v")
        alive = store.query(f"MATCH (c:Company {{key: 'uscc:{ALIVE}'}}) RETURN c.by_name AS b, c.sources AS s")
        links = store.query(f"MATCH (c:Company {{key: 'cname:{NAMESAKE}'}})-[m:MAY_BE]->(d:Company) "
                            "RETURN d.key AS k, m.explanation_zh AS why ORDER BY k")
        got = digest(store).per_kind, matched_findings(store)
    finally:
        store.close()
    assert set(before.values()) == {f"uscc:{ALIVE}"} and len(before) == 4  # resolved by the then unique name
    assert sorted(str(s) for s in marked) == ["changes.csv:5-6", "officers.csv:5", "shareholders.csv:5"]
    assert payments["k"].tolist() == [f"uscc:{ALIVE}"]
    assert after == {
        ("CHANGE", "joined"): f"cname:{NAMESAKE}", ("OFFICER_OF", "经理"): f"cname:{NAMESAKE}",
        ("OFFICER_OF", "董事"): f"uscc:{ALIVE}", ("SHAREHOLDER_OF", ""): f"cname:{NAMESAKE}"}
    assert repaid["k"].tolist() == [f"cname:{NAMESAKE}"] * 2 + [f"uscc:{ALIVE}"]  # V3: its account decides
    assert not isinstance(alive["b"].iloc[0], (list, tuple)) and pd.isna(alive["b"].iloc[0])
    assert list(alive["s"].iloc[0]) == ["companies.csv:2", "officers.csv:6", "payments.csv:7", "shareholders.csv:3"]
    assert links["k"].tolist() == sorted([f"uscc:{ALIVE}", f"uscc:{DEAD}"])
    assert all("收款单位名称对应2家登记企业" in w for w in links["why"])
    assert _differing(got, _embedded([world])) == []


def digest_of(groups: list[list[Path]], folder: Path) -> dict[str, str]:
    """The per-kind graph digest of loading ``groups`` (one call each) into a new store in ``folder``."""
    store = open_store(folder / "store")
    try:
        for group in groups:
            load_files(store, group, rejects_path=folder / "rejects.csv")
        return digest(store).per_kind
    finally:
        store.close()


def test_cited_record_does_not_depend_on_file_names(world: list[Path], tmp_path: Path) -> None:
    """The same files under other names (a new export named to sort first): every node and edge cites the same
    record (file as renamed, same row) and lists the same records, and the findings cite the same rows."""
    renamed = {p.name: f"{'a' if p.stem.startswith(('payments', 'subsidies')) else 'z'}_{p.stem}_2024{p.suffix}"
               for p in world}
    copies = []
    for p in world:
        copy = tmp_path / "renamed" / renamed[p.name]
        copy.parent.mkdir(exist_ok=True)
        copy.write_bytes(p.read_bytes())
        copies.append(copy)
    back = {v: k for k, v in renamed.items()}

    def cited(files: list[Path], folder: Path, names: dict[str, str]) -> tuple[list[tuple[object, ...]], list[str]]:
        store = open_store(folder / "store")
        try:
            load_files(store, files, rejects_path=folder / "rejects.csv")
            out: list[tuple[object, ...]] = []
            for kind in ("Person", "Company", "Unit"):
                df = store.query(f"MATCH (n:{kind}) RETURN n.key AS k, n.src_file AS f, n.src_row AS r, "
                                 "n.sources AS s")
                out += [(k, names.get(f, f), r, sorted(names.get(e.rpartition(":")[0], e.rpartition(":")[0])
                                                        + ":" + e.rpartition(":")[2] for e in s))
                        for k, f, r, s in zip(df["k"], df["f"], df["r"], df["s"], strict=True)]
            df = store.query("MATCH ()-[e:PAYMENT]->() RETURN e.key AS k, e.src_file AS f, e.src_row AS r")
            out += [(k, names.get(f, f), r) for k, f, r in zip(df["k"], df["f"], df["r"], strict=True)]
            match_store(store)
            evidence = sorted(f"{names.get(ev['file'], ev['file'])}:{ev['row']}"
                              for f in scan(store).to_json()["findings"] for ev in f["evidence"])
        finally:
            store.close()
        return sorted(out, key=str), evidence

    want, want_evidence = cited(world, tmp_path / "orig", {})
    got, got_evidence = cited(copies, tmp_path / "new", back)
    assert got == want
    assert got_evidence == want_evidence
    # what the merge rules cite: the registry record of a company the ledger also names, not the ledger row
    company = next(c for c in want if c[0] == f"uscc:{ALIVE}")
    assert company[1] == "companies.csv"
