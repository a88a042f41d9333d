"""Investigator judgements on both engines: reject → finding gone, confirm → finding lifted, dismiss → kept out of
clues; all of it surviving a reload of every file and a full ``match`` (issue 14)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from reliability.golden import SEED, SIZE
from typer.testing import CliRunner

from guanlian.cli import app
from guanlian.demo import generate
from guanlian.finding import FindingsDoc
from guanlian.graph.ladybug import LadybugStore
from guanlian.graph.store import Store
from guanlian.judgements import JudgementBook, JudgementError, dismiss, judge, judgements_path, list_links
from guanlian.loaders import load_files
from guanlian.matching.matcher import match_store
from guanlian.queries import scan
from guanlian.workflow import scan_to_dir


def _links_of(doc: FindingsDoc) -> dict[str, set[str]]:
    """finding id → the keys of the fuzzy identity links on its path."""
    return {f.id: {e.key for e in f.path.edges if e.is_identity_link} for f in doc.findings}


def _only_on(doc: FindingsDoc, skip: set[str]) -> tuple[str, str]:
    """(finding id, link key) of a finding resting on exactly one fuzzy link, a link no other finding uses (not in
    ``skip``)."""
    uses: dict[str, int] = {}
    for keys in _links_of(doc).values():
        for k in keys:
            uses[k] = uses.get(k, 0) + 1
    for f in doc.findings:
        steps = [e for e in f.path.edges if e.is_identity_link]
        # a case found by several routes may hold a stronger one elsewhere: only a case whose every route is
        # this one fuzzy link rests on it alone
        if len(steps) == 1 and uses[steps[0].key] == 1 and steps[0].key not in skip \
                and f.confidence in ("possible", "probable") and len(f.routes) <= 1:
            return f.id, steps[0].key
    raise AssertionError("no finding rests on one fuzzy link")


def _loop(store: Store, files: list[Path], tmp: Path) -> None:
    judgements_path(store).unlink(missing_ok=True)
    load_files(store, files)
    match_store(store)
    before = scan(store)
    gone_id, bad_link = _only_on(before, set())
    lifted_id, good_link = _only_on(before, {bad_link})
    other = next(f for f in before.findings if f.id not in (gone_id, lifted_id) and f.confidence == "certain")
    near_miss = before.by_id(gone_id)
    assert near_miss is not None and near_miss.confidence in ("possible", "probable")

    judge(store, bad_link, "reject", by="张三", reason="户籍核对：不是同一人")
    judge(store, good_link, "confirm", by="李四", reason="身份证复印件一致")
    dismiss(store, other.id, by="王五", reason="已另案处理", known={f.id for f in before.findings})

    def check(doc: FindingsDoc) -> None:
        assert doc.by_id(gone_id) is None  # rested only on the rejected link
        lifted = doc.by_id(lifted_id)
        assert lifted is not None and lifted.confidence == "confirmed"
        assert "经核查组确认（李四" in lifted.explanation_zh and "身份证复印件一致" in lifted.explanation_zh
        assert "confirmed by the investigators (李四" in lifted.explanation_en.lower() or \
            "Confirmed by the investigators (李四" in lifted.explanation_en
        assert len(doc.findings) == len(before.findings) - 1  # nothing else changed

    check(scan(store))  # applied at once
    load_files(store, files)  # every file again, then a full rematch
    match_store(store)
    check(scan(store))
    tiers = {r.id: r.tier for r in list_links(store)}
    assert bad_link not in tiers and tiers[good_link] == "confirmed"
    clues = tmp / "clues.db"
    result = scan_to_dir(store, tmp / "scan", clues=clues, views=0)
    assert result.dismissed == 1
    assert other.id not in {f.id for f in result.filed.findings}  # not filed as a clue
    marked = result.doc.by_id(other.id)
    assert marked is not None and marked.explanation_zh.startswith("【已排除】经核查组排除（王五")

    # judging twice: the later wins, both are kept; undismiss brings the finding back into clues
    judge(store, bad_link, "unsure", by="张三", reason="再查")
    dismiss(store, other.id, by="王五", reason="撤回", undo=True)
    with JudgementBook(judgements_path(store)) as book:
        assert [j.verdict for j in book.history(bad_link)] == ["reject", "unsure"]
        assert book.dismissed() == {}
    assert other.id in {f.id for f in scan_to_dir(store, tmp / "scan2", views=0).filed.findings}
    with pytest.raises(JudgementError, match="no link with id"):
        judge(store, "ps:000000000000000000000000", "reject", by="张三", reason="x")
    with pytest.raises(JudgementError, match="no finding with id"):
        dismiss(store, "0000000000000000", by="张三", reason="x", known={f.id for f in before.findings})
    with pytest.raises(JudgementError, match="--reason"):
        judge(store, good_link, "confirm", by="张三", reason=" ")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    manifest = generate(tmp_path_factory.mktemp("world"), size=SIZE, seed=SEED)
    return [p for p, _ in manifest.files]


def test_judgement_loop_ladybug(world: list[Path], tmp_path: Path) -> None:
    store = LadybugStore(tmp_path / "store")
    try:
        _loop(store, world, tmp_path)
    finally:
        store.close()


@pytest.mark.neo4j
def test_judgement_loop_neo4j(world: list[Path], neo4j_store: Store, tmp_path: Path) -> None:
    _loop(neo4j_store, world, tmp_path)


def test_cli_links_judge_orphaned(world: list[Path], tmp_path: Path) -> None:
    """The CLI contract: links --json carries id/records/tier/judgement; a judgement whose records left the store is
    kept and listed as orphaned; bad input is one line with exit 2."""
    store = LadybugStore(tmp_path / "store")
    load_files(store, world)
    match_store(store)
    row = next(r for r in list_links(store) if r.tier == "probable" and r.kind == "POSSIBLY_SAME")
    store.close()
    s = str(tmp_path / "store")
    run = CliRunner().invoke
    res = run(app, ["judge", row.id, "confirm", "--store", s, "--by", "张三", "--reason", "核对一致"])
    assert res.exit_code == 0, res.output
    out = json.loads(run(app, ["links", "--store", s, "--tier", "confirmed", "--json"]).stdout)
    assert [x["id"] for x in out["links"]] == [row.id]
    got = out["links"][0]
    assert got["judgement"]["by"] == "张三" and got["judgement"]["verdict"] == "confirm"
    assert {got["a"]["key"], got["b"]["key"]} == {row.a.key, row.b.key}
    assert all("*" in x["id_masked"] or not x["id_masked"] for x in (got["a"], got["b"]))
    bad = run(app, ["judge", row.id, "maybe", "--store", s, "--by", "张三", "--reason", "x"])
    assert bad.exit_code == 2 and "确认、否定、存疑" in bad.output
    assert run(app, ["links", "--store", s, "--tier", "sure"]).exit_code == 2
    # the record leaves the store: the judgement stays, reported as orphaned
    store = LadybugStore(tmp_path / "store")
    store.execute("MATCH (n:Person) WHERE n.key = $k DETACH DELETE n", {"k": row.a.key})
    store.close()
    out = json.loads(run(app, ["links", "--store", s, "--json"]).stdout)
    assert [o["id"] for o in out["orphaned"]] == [row.id]
    res = run(app, ["scan", "--store", s, "--out", str(tmp_path / "scan"), "--views", "none"])
    assert res.exit_code == 0 and "孤立判定: 1" in res.output, res.output
