"""The graph stays one graph at 500 nodes (issue 17 item 3): expanding adds nodes and edges to the vis-network
DataSets already drawn, in place — the same network object, the same DataSets, no page load — until more than
500 nodes are shown. Functional only; the time per expand and the redraw time at 500 nodes are measured by
``benchmarks/workbench_graph.py``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from guanlian.graph.ladybug import LadybugStore
from guanlian.workbench.service import Workbench
from tests.browser import GuardedPage
from tests.workbench.conftest import TOKEN, running_workbench

pytestmark = pytest.mark.browser

OFFICERS = 25
PHONES_EACH = 24
"""A company with 25 officers, each with 24 phones of his own: 1 + 25 + 600 nodes, 21 expands reach 500."""


def _star_store(path: Path) -> None:
    persons = [f"anon:p{i:02d}" for i in range(OFFICERS)]
    phones = [(p, f"tel:1390000{i:02d}{j:02d}") for i, p in enumerate(persons) for j in range(PHONES_EACH)]
    with LadybugStore(path) as s:
        s.upsert_nodes("Company", pd.DataFrame({"key": ["cname:星形公司"], "name": ["星形公司"]}))
        s.upsert_nodes("Person", pd.DataFrame({"key": persons, "name": [f"职员{i:02d}" for i in range(OFFICERS)]}))
        s.upsert_nodes("Phone", pd.DataFrame({"key": [t for _p, t in phones], "number": [t[4:] for _p, t in phones]}))
        s.upsert_edges("OFFICER_OF", pd.DataFrame({
            "src": persons, "dst": "cname:星形公司", "src_kind": "Person", "dst_kind": "Company",
            "key": [f"off:{p}" for p in persons]}))
        s.upsert_edges("HAS_PHONE", pd.DataFrame({
            "src": [p for p, _t in phones], "dst": [t for _p, t in phones], "src_kind": "Person", "dst_kind": "Phone",
            "key": [f"ph:{p}:{t}" for p, t in phones]}))


@pytest.fixture(scope="module")
def star(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:

    tmp = tmp_path_factory.mktemp("star")
    _star_store(tmp / "store")
    wb = Workbench(str(tmp / "store"), clues=tmp / "clues.db")
    with running_workbench(wb) as url:
        yield url
    wb.close()


def test_expand_adds_to_the_same_graph_up_to_500_nodes(browser: Any, star: str) -> None:
    g = GuardedPage(browser)
    page = g.page
    page.goto(f"{star}/?token={TOKEN}")
    page.goto(f"{star}/entity/cname:星形公司")
    page.wait_for_function("() => window.guanlianGraph && window.guanlianGraph.stabilized", timeout=30000)
    first = page.evaluate("window.guanlianGraph.nodes.getIds()")
    assert len(first) == OFFICERS + 1
    # markers that a page load or a new network/DataSet would lose
    page.evaluate("""() => { const s = window.guanlianGraph;
        window.__kept = {network: s.network, nodes: s.nodes, edges: s.edges}; }""")
    url = page.url
    need = -(-(500 - OFFICERS - 1) // PHONES_EACH)  # officers to expand
    added = page.evaluate("""async (need) => {
        const s = window.guanlianGraph;
        const ids = s.nodes.getIds().filter(id => String(id).startsWith('anon:')).slice(0, need);
        return await Promise.all(ids.map(id => s.expand(String(id)))); }""", need)
    assert added == [PHONES_EACH] * need  # each expand only adds its officer's phones
    counts = [OFFICERS + 1 + PHONES_EACH * need]
    assert counts[-1] >= 500 and page.evaluate("window.guanlianGraph.nodes.length") == counts[-1]
    same = page.evaluate("""() => { const s = window.guanlianGraph, k = window.__kept;
        return [k !== undefined, s.network === k.network, s.nodes === k.nodes, s.edges === k.edges,
                s.network.body.data.nodes === k.nodes]; }""")
    assert same == [True, True, True, True, True]  # no reload, no new network, no new DataSet
    assert page.url == url
    shown = set(page.evaluate("window.guanlianGraph.nodes.getIds()"))
    assert set(first) <= shown and len(shown) == counts[-1]
    assert page.evaluate("window.guanlianGraph.edges.length") == counts[-1] - 1  # a tree: one edge per new node
    assert page.inner_text("#graph-count").startswith(f"{counts[-1]} ·")
    # near miss: a node expanded before is not fetched again and adds nothing
    again = page.evaluate("async () => await window.guanlianGraph.expand('anon:p00')")
    assert again == 0 and page.evaluate("window.guanlianGraph.nodes.length") == counts[-1]
    page.wait_for_function("() => window.guanlianGraph.pending === 0", timeout=30000)
    g.assert_clean()
    g.close()
