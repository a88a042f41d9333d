"""A drawn edge's id is its identity, not its label: the same in zh and en, the same whichever end it was read
from (so the pages' DataSets, which expand adds to, hold it once), distinct for two parallel edges that happen to
share a label, and opaque (no resident ID from a stored edge key)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from starlette.testclient import TestClient

from guanlian.graph.ladybug import LadybugStore
from guanlian.graph.store import Store
from guanlian.workbench.service import Workbench
from tests.workbench.conftest import make_client

RID = "110101199003074514"
OFFICER = f"ric:{RID}"
COMPANY = "cname:甲公司"
RELATIVE = "anon:亲属"


def _twins(store: Store) -> None:
    """An officer (keyed by a resident ID) holding two untitled posts at one company — two parallel edges drawn
    with the same label, the edge kind's name in the page's language — and a relative of his."""
    store.upsert_nodes("Person", pd.DataFrame({"key": [OFFICER, RELATIVE], "name": ["王建国", "王建民"]}))
    store.upsert_nodes("Company", pd.DataFrame({"key": [COMPANY], "name": ["甲公司"]}))
    store.upsert_edges("OFFICER_OF", pd.DataFrame({
        "src": [OFFICER, OFFICER], "dst": COMPANY, "src_kind": "Person", "dst_kind": "Company",
        "key": [f"off:{RID}:1", f"off:{RID}:2"]}))
    store.upsert_edges("RELATIVE_OF", pd.DataFrame({
        "src": [RELATIVE], "dst": [OFFICER], "src_kind": "Person", "dst_kind": "Person",
        "key": [f"rel:{RID}"], "relation": "兄弟"}))


@pytest.fixture(params=["ladybug", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def twins(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Workbench, TestClient]]:
    sidecar = None
    if request.param == "ladybug":
        location = str(tmp_path / "store")
        with LadybugStore(location) as s:
            _twins(s)
    else:
        store = request.getfixturevalue("neo4j_store")
        _twins(store)
        location, sidecar = str(os.environ["NEO4J_URI"]), tmp_path / "sidecar"
    wb = Workbench(location, clues=tmp_path / "clues.db", sidecar=sidecar)
    yield wb, make_client(wb)
    wb.close()


def _edges(client: TestClient, url: str) -> list[dict[str, Any]]:
    r = client.get(url)
    assert r.status_code == 200, r.text
    body = r.json()
    edges: list[dict[str, Any]] = (body.get("graph") or body)["edges"]
    return edges


def test_edge_ids_follow_identity_not_label(twins: tuple[Workbench, TestClient]) -> None:
    wb, client = twins
    officer = wb.public_key(OFFICER)
    assert officer.startswith("p:")
    zh = _edges(client, f"/api/neighbours/{officer}?lang=zh")
    en = _edges(client, f"/api/neighbours/{officer}?lang=en")
    # (1) the same neighbours in zh and en: the labels differ, the ids do not
    assert {e["label"] for e in zh} != {e["label"] for e in en}
    assert sorted(e["id"] for e in zh) == sorted(e["id"] for e in en)
    # (2) two posts with the same label: two edges, two ids
    posts = [e for e in zh if e["to"] == COMPANY]
    assert len(posts) == 2 and posts[0]["label"] == posts[1]["label"]
    assert posts[0]["id"] != posts[1]["id"]
    assert len({e["id"] for e in zh}) == len(zh) == 3  # near miss: the relative's edge is a third, not merged
    # opaque: no resident ID, no stored key, in any id
    for e in zh:
        assert re.fullmatch(r"e:[0-9a-f]{20}", e["id"]), e["id"]
        assert RID not in str(e) and "off:" not in e["id"]
    # (3) read from the other end (the company's neighbours, the entity page's graph): the same ids
    from_company = _edges(client, f"/api/neighbours/{COMPANY}?lang=en")
    assert sorted(e["id"] for e in from_company) == sorted(e["id"] for e in posts)
    entity = _edges(client, f"/api/entity/{officer}?lang=en")
    assert sorted(e["id"] for e in entity) == sorted(e["id"] for e in zh)


def test_a_path_read_from_both_ends_draws_each_edge_once(twins: tuple[Workbench, TestClient]) -> None:
    wb, client = twins
    relative = wb.public_key(RELATIVE)
    there = _edges(client, f"/api/path?from={relative}&to={COMPANY}&lang=zh")
    back = _edges(client, f"/api/path?from={COMPANY}&to={relative}&lang=en")
    # relative → officer, then both posts: three edges, each once, the same ids either way and in either language
    assert len(there) == len({e["id"] for e in there}) == 3
    assert sorted(e["id"] for e in there) == sorted(e["id"] for e in back)
    # and the same edges as the neighbours reads give (what expand adds to the same DataSet)
    around = _edges(client, f"/api/neighbours/{wb.public_key(OFFICER)}")
    assert {e["id"] for e in there} == {e["id"] for e in around}
