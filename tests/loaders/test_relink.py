"""Loading the ledgers before the registry gives the graph of loading them together (relink of payee companies)."""

from __future__ import annotations

import random
from pathlib import Path

import pandas as pd
import pytest
from rich.console import Console
from stdnum.cn import uscc

from guanlian.demo import DemoManifest, generate
from guanlian.graph import open_store
from guanlian.graph.store import Store
from guanlian.loaders import load_files
from guanlian.loaders.common import normalize_account
from guanlian.loaders.relink import _targets
from guanlian.matching.normalize import normalize_company_name
from guanlian.model import model
from guanlian.report_console import print_load_summary


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> DemoManifest:
    return generate(tmp_path_factory.mktemp("relink"), size="tiny", seed=11)


def shape(store: Store) -> dict[str, set[tuple[object, ...]]]:
    """Node keys per kind and (source, target, key, amount) per edge kind: the graph without provenance."""
    out: dict[str, set[tuple[object, ...]]] = {}
    m = model()
    for n in m.nodes:
        out[n.name] = set(store.query(f"MATCH (n:{n.name}) RETURN n.key AS k")["k"])
    for e in m.edges:
        amount = "e.amount" if e.name == "PAYMENT" else ("e.total" if e.name == "PAID" else "0.0")
        df = store.query(f"MATCH (a)-[e:{e.name}]->(b) RETURN a.key AS s, b.key AS d, e.key AS k, {amount} AS x")
        out[e.name] = {(s, d, k, round(float(x), 2)) for s, d, k, x in df.itertuples(index=False, name=None)}
    return out


def test_ledgers_first_then_registry_equals_one_load(world: DemoManifest, tmp_path: Path) -> None:
    files = [(Path(p), k) for p, k in world.files]
    ledgers = [p for p, k in files if k == "payments"]
    rest = [p for p, k in files if k != "payments"]
    with open_store(tmp_path / "together") as s:  # type: ignore[attr-defined]
        load_files(s, [p for p, _ in files])
        want = shape(s)
    with open_store(tmp_path / "apart") as s:  # type: ignore[attr-defined]
        first = load_files(s, ledgers)
        stranded = s.query("MATCH (:Unit)-[:PAYMENT]->(c:Company) WHERE c.key STARTS WITH 'cname:' "
                           "RETURN count(DISTINCT c) AS n")["n"].iloc[0]
        second = load_files(s, rest)
        got = shape(s)
    assert first.ok and second.ok
    assert stranded > 0  # the ledger alone cannot know the codes: the case this guards
    assert second.relinked["companies"] > 0 and second.relinked["payments"] > 0
    for kind in want:
        assert got[kind] == want[kind], kind
    console = Console(record=True, width=200)
    print_load_summary(console, second, "en")
    assert f"{second.relinked['companies']} payee companies from earlier ledgers merged" in console.export_text()


def test_ambiguous_name_is_not_merged(tmp_path: Path) -> None:
    """Two registered companies share the payee's legal name: which one was paid is a guess, so nothing moves."""
    ledger = tmp_path / "ledger.csv"
    pd.DataFrame({"付款单位": ["吉安市交通运输局"], "收款单位": ["吉安市恒达建材有限公司"], "金额": ["5000"],
                  "付款日期": ["2021-03-05"]}).to_csv(ledger, index=False, encoding="utf-8")
    registry = tmp_path / "registry.csv"
    codes = [body + uscc.calc_check_digit(body) for body in ("91360800MA35F0QX5", "91360800MA35F0QY3", "91360800MA35F0QW1")]
    pd.DataFrame({"企业名称": ["吉安市恒达建材有限公司", "吉安市恒达建材有限公司", "吉安市永丰商贸有限公司"],
                  "统一社会信用代码": codes}).to_csv(registry, index=False, encoding="utf-8")
    with open_store(tmp_path / "s") as s:  # type: ignore[attr-defined]
        load_files(s, [ledger])
        second = load_files(s, [registry])
        payees = s.query("MATCH (:Unit)-[:PAYMENT]->(c:Company) RETURN c.key AS k")["k"].tolist()
        coded = s.query("MATCH (c:Company) WHERE c.credit_code IS NOT NULL RETURN count(c) AS n")["n"].iloc[0]
    assert coded == 3
    assert second.relinked["ambiguous"] == 1 and second.relinked["companies"] == 0
    assert len(payees) == 1 and payees[0].startswith("cname:")


@pytest.mark.neo4j
def test_relink_on_neo4j_matches_embedded(world: DemoManifest, neo4j_store: Store, tmp_path: Path) -> None:
    """Ledgers first, registry second on Neo4j: the same graph as one embedded load of everything."""
    files = [(Path(p), k) for p, k in world.files]
    with open_store(tmp_path / "together") as s:  # type: ignore[attr-defined]
        load_files(s, [p for p, _ in files])
        want = shape(s)
    rejects = tmp_path / "rejects.csv"
    load_files(neo4j_store, [p for p, k in files if k == "payments"], rejects_path=rejects)
    second = load_files(neo4j_store, [p for p, k in files if k != "payments"], rejects_path=rejects)
    got = shape(neo4j_store)
    assert second.relinked["companies"] > 0
    for kind in want:
        assert got[kind] == want[kind], kind


def _targets_one_by_one(pay: pd.DataFrame, per_name: dict[str, list[str]],
                        owners: dict[str, set[str]]) -> list[str]:
    """The payee rule written out per payment (the code before the batch version): the reference."""
    out = []
    for name, acct in zip(pay["payee_name"], pay["to_account"], strict=True):
        norm = normalize_company_name(str(name))
        found = per_name.get(norm, [])
        if len(found) == 1:
            out.append(found[0])
        elif len(found) > 1 and isinstance(acct, str) and \
                len(owners.get(normalize_account(acct), set()) & set(found)) == 1:
            out.append(next(iter(owners[normalize_account(acct)] & set(found))))
        else:
            out.append("cname:" + norm)
    return out


def test_batch_payee_rule_equals_the_rule_per_payment() -> None:
    """Names in several written forms (traditional, full-width, spaces), names that fit one registered company,
    several (decided by an account the registry paid, or not), none; accounts missing or unknown."""
    rng = random.Random(5)
    per_name = {"吉安市鑫盛建材有限公司": ["uscc:A"], "华信科技有限公司": ["uscc:B", "uscc:C"],
                "同名有限公司": ["uscc:D", "uscc:E", "uscc:F"]}
    owners = {"6222000011112222": {"uscc:B"}, "6222000033334444": {"uscc:B", "uscc:C"},
              "6222000055556666": {"uscc:E"}}
    names = ["吉安市鑫盛建材有限公司", "吉安市 鑫盛建材有限公司", "吉安市鑫盛建材有限公司 ", "華信科技有限公司",
             "华信科技有限公司", "華信科技（吉安）有限公司", "同名有限公司", "无名有限公司", "ＡＢＣ有限公司", "abc有限公司"]
    accounts = [None, "6222000011112222", "6222 0000 3333 4444", "6222000055556666", "9999", float("nan")]
    for _ in range(50):
        n = rng.randint(1, 60)
        pay = pd.DataFrame({"payee_name": [rng.choice(names) for _ in range(n)],
                            "to_account": [rng.choice(accounts) for _ in range(n)]},
                           index=pd.RangeIndex(100, 100 + n))
        got = _targets(pay, per_name, owners)
        assert got.index.equals(pay.index)
        assert got.tolist() == _targets_one_by_one(pay, per_name, owners)
