from __future__ import annotations

from pathlib import Path

import pytest

from guanlian.finding import FindingsDoc
from guanlian.graph.ladybug import LadybugStore
from guanlian.viz.neighbourhood import EntityNotFound, neighbourhood
from guanlian.viz.view import render_view

from .conftest import load_findings_into


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, findings_doc: FindingsDoc) -> LadybugStore:
    s = LadybugStore(tmp_path_factory.mktemp("nb") / "store")
    load_findings_into(s, findings_doc)
    yield s  # type: ignore[misc]
    s.close()


def test_by_name_two_hops(store: LadybugStore) -> None:
    g = neighbourhood(store, "王建国", hops=2)
    assert g.graph["center"] == ["ric:36240119680512123X"] and g.graph["notes"] == []
    kinds = {d["kind"] for _, d in g.nodes(data=True)}
    assert kinds == {"Person", "Company", "Unit"}
    types = {d["type"] for *_, d in g.edges(data=True)}
    assert {"RELATIVE_OF", "SERVES_IN", "SHAREHOLDER_OF", "POSSIBLY_SAME", "PAID"} <= types
    assert g.has_edge("ric:36240119680512123X", "ric:360821194503012042")  # direction kept
    paid = [d for u, v, d in g.edges(data=True) if d["type"] == "PAID" and v.startswith("uscc:")][0]
    assert paid["props"]["payments"] == 12 and paid["src_row"] == 1204
    one = neighbourhood(store, "王建国", hops=1)
    assert "uscc:91360800MA35XXXX1K" not in one and "ric:360821194503012042" in one


def test_by_id_code_and_key(store: LadybugStore) -> None:
    assert neighbourhood(store, "36240119680512123x", hops=0).graph["center"] == ["ric:36240119680512123X"]
    assert neighbourhood(store, "91360800ma35xxxx1k", hops=0).graph["center"] == ["uscc:91360800MA35XXXX1K"]
    g = neighbourhood(store, "cname:<img src=x onerror=alert(1)>科技有限公司", hops=1)
    assert g.number_of_nodes() == 3  # legal rep and paying unit
    with pytest.raises(EntityNotFound, match="王建"):
        neighbourhood(store, "王建")  # near miss: a prefix is not a match
    hostile = neighbourhood(store, "'}) DETACH DELETE n //", hops=1)
    assert hostile.graph["center"] == ["anon:payee02"]
    assert store.counts()["Person"] == 7  # nothing was deleted


def test_limit_note_and_render(store: LadybugStore, tmp_path: Path) -> None:
    g = neighbourhood(store, "吉安市住房和城乡建设局", hops=3, limit=4)
    assert g.number_of_nodes() == 4 and g.graph["truncated"] >= 1
    assert "上限 4" in g.graph["notes"][0]["zh"]
    html = render_view(g, tmp_path / "v.html", title="x", highlight=set(g.graph["center"])).read_text("utf-8")
    assert "上限 4" in html


def test_ambiguous_name(tmp_path: Path) -> None:
    import pandas as pd

    s = LadybugStore(tmp_path / "st")
    s.ensure_schema()
    s.upsert_nodes(
        "Person", pd.DataFrame({"key": ["anon:1", "anon:2", "anon:3"], "name": ["张伟", "张伟", "张伟"]})
    )
    g = neighbourhood(s, "张伟")
    assert len(g.graph["center"]) == 3 and "3 个节点" in g.graph["notes"][0]["zh"]
    g = neighbourhood(s, "张伟", max_matches=2)
    assert len(g.graph["center"]) == 2 and "超过 2" in g.graph["notes"][0]["zh"]
    s.close()
