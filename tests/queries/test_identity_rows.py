"""Identity links cite the rows of the two records they link (issue 13 part 2), wherever a link is shown raw: a
finding's path in findings.json, report.html, the network views (path and neighbourhood) and the workbench's
entity and path API. A matcher's link has no row of its own; the store's placeholder (``matcher``, row 0) never
reaches any of them. Near miss: an ordinary edge keeps its own row and gets no second one.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from starlette.testclient import TestClient

from guanlian.finding import FindingsDoc
from guanlian.graph import open_store
from guanlian.graph.store import Store
from guanlian.loaders import load_files
from guanlian.matching.matcher import match_store
from guanlian.queries import scan
from guanlian.viz.neighbourhood import neighbourhood
from guanlian.viz.report import write_report_html
from guanlian.viz.view import finding_graph, render_finding_view
from guanlian.workbench.app import Settings, create_app
from guanlian.workbench.service import Workbench
from tests.loaders.test_aliases import C1, MOTHER, UNIT, write_alias_world

REGISTRY, PAYEE = f"uscc:{C1}", "cname:吉安鑫盛建材有限公司"
IDENTITY = ("POSSIBLY_SAME", "SAME_COMPANY")


def write_payee_world(folder: Path) -> list[Path]:
    """The alias world plus a payment to 鑫盛 written without its credit code and without 市
    (吉安鑫盛建材有限公司, payments.csv row 4): the company matcher links it to the registry's 吉安市鑫盛建材有限公司
    (companies.csv row 2) and routes the payment."""
    files = write_alias_world(folder)
    pay = folder / "payments.csv"
    df = pd.read_csv(pay, dtype=str, keep_default_na=False)
    df.loc[len(df)] = {"付款单位": UNIT, "收款单位": "吉安鑫盛建材有限公司", "收款单位统一社会信用代码": "",
                       "金额": "30000", "付款日期": "2022-03-01", "凭证号": "V3"}
    df.to_csv(pay, index=False, encoding="utf-8")
    return files


@dataclass
class Engine:
    """An open store of either engine, its location (path or URI) and the sidecar a workbench on it uses."""

    store: Store
    location: str
    sidecar: Path | None
    embedded: bool

    def release(self) -> None:
        """Close an embedded store (one process holds it; the workbench opens its own); a server stays open."""
        if self.embedded:
            self.store.close()

    def workbench(self, tmp_path: Path) -> Workbench:
        return Workbench(self.location, clues=tmp_path / "clues.db", sidecar=self.sidecar)


@pytest.fixture(params=["ladybug", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "neo4j":
        yield Engine(request.getfixturevalue("neo4j_store"), str(os.environ["NEO4J_URI"]), tmp_path / "sidecar", False)
        return
    location = str(tmp_path / "store")
    e = Engine(open_store(location), location, None, True)
    yield e
    e.release()


def test_identity_links_cite_both_records(engine: Engine, tmp_path: Path) -> None:
    store = engine.store
    load_files(store, write_payee_world(tmp_path / "data"), rejects_path=tmp_path / "rejects.csv")
    match_store(store)
    doc = scan(store)
    around = neighbourhood(store, REGISTRY, hops=1)
    engine.release()
    doc = FindingsDoc.from_json(json.loads(json.dumps(doc.to_json())))  # as read back from findings.json
    raw = json.dumps(doc.to_json(), ensure_ascii=False)
    assert '"matcher"' not in raw
    steps = [(f, e) for f in doc.findings for e in f.path.edges]
    links = [(f, e) for f, e in steps if e.type in IDENTITY]
    assert {e.type for _, e in links} == set(IDENTITY)
    for f, e in links:
        nodes = {n.key: n for n in f.path.nodes}
        assert e.src_file is None and e.src_row is None
        assert e.sources == ((nodes[e.src].src_file, nodes[e.src].src_row), (nodes[e.dst].src_file, nodes[e.dst].src_row))
        assert all(file and row for file, row in e.sources)
    routed = next(e for _, e in links if e.type == "SAME_COMPANY")
    assert {routed.src, routed.dst} == {REGISTRY, PAYEE}
    assert set(routed.sources) == {("payments.csv", 4), ("companies.csv", 2)}
    # near miss: every other edge cites its own row, and only that
    ordinary = [e for _, e in steps if e.type not in IDENTITY and e.type != "PAID"]
    assert ordinary and all(e.src_file and e.src_row and not e.sources for e in ordinary)

    finding = next(f for f, e in links if e is routed)
    html = write_report_html(doc, tmp_path / "out").read_text(encoding="utf-8")
    assert "matcher" not in html
    assert "<td>payments.csv, 4 ↔ companies.csv, 2</td>" in html or "<td>companies.csv, 2 ↔ payments.csv, 4</td>" in html
    g = finding_graph(finding)
    (attrs,) = [a for _, _, a in g.edges(data=True) if a["type"] == "SAME_COMPANY"]
    assert set(attrs["sources"]) == {("payments.csv", 4), ("companies.csv", 2)} and attrs["src_file"] is None
    view = render_finding_view(finding, tmp_path / "v.html").read_text(encoding="utf-8")
    assert "来源: matcher" not in view and "来源: payments.csv 第4行" in view and "来源: companies.csv 第2行" in view

    # the neighbourhood read from the store (views with context, workbench): same citations
    (ctx,) = [a for _, _, a in around.edges(data=True) if a["type"] == "SAME_COMPANY"]
    assert set(ctx["sources"]) == {("payments.csv", 4), ("companies.csv", 2)} and ctx["src_file"] is None
    serves = [a for _, _, a in around.edges(data=True) if a["type"] not in IDENTITY]
    assert serves and all(a["src_file"] and "sources" not in a for a in serves)

    wb = engine.workbench(tmp_path)
    try:
        ent = wb.entity(REGISTRY)
        (link,) = ent["links"]
        assert sorted((s["file"], s["row"]) for s in link["sources"]) == [("companies.csv", 2), ("payments.csv", 4)]
        assert all(s["file"] != "matcher" for s in ent["sources"])
        assert ("payments.csv", 4) in {(s["file"], s["row"]) for s in ent["sources"]}
        other = next(i for i in ent["companies"] + ent["payments"] + ent["other"] if not i["fuzzy"])
        assert len(other["sources"]) == 1 and other["sources"][0]["file"] == other["source"]["file"]
        person = wb.entity(wb.public_key(f"ric:{MOTHER}"))
        fuzzy = [i for i in person["links"] if i["type"] == "POSSIBLY_SAME"]
        assert fuzzy and all(len(i["sources"]) == 2 and "matcher" not in json.dumps(i) for i in fuzzy)
        # the finding page's chain cites both rows of the link
        client = TestClient(create_app(wb, Settings(token="t" * 32)), base_url="http://127.0.0.1")
        assert client.get(f"/?token={'t' * 32}", follow_redirects=False).status_code == 303
        page = client.get(f"/findings/{finding.id}").text
        chain = page.split('id="chain"', 1)[1].split("</ul>", 1)[0]
        assert "payments.csv 行 4" in chain and "companies.csv 行 2" in chain and "matcher" not in chain
        path = wb.path(PAYEE, REGISTRY)
        (step,) = [e for chain in path["steps"] for e in chain if e["type"] == "SAME_COMPANY"][:1]
        assert sorted((s["file"], s["row"]) for s in step["sources"]) == [("companies.csv", 2), ("payments.csv", 4)]
        assert "matcher" not in json.dumps(path, ensure_ascii=False)
    finally:
        wb.close()
