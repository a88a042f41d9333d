"""The clue loop on both engines (issue 14 part 3): a transferred clue's snapshot stays byte-identical across later
scans (a new payments month loaded, matched, scanned) while its history grows with the change summary; a scan that
changes nothing adds no version; who and when on every step; the CLI record, triage and precision table."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from reliability.golden import SEED, SIZE
from typer.testing import CliRunner

from guanlian.cli import app
from guanlian.clues import ClueLibrary
from guanlian.demo import generate
from guanlian.finding import Finding
from guanlian.graph.ladybug import LadybugStore
from guanlian.graph.store import Store
from guanlian.loaders import load_files
from guanlian.matching.matcher import match_store
from guanlian.workflow import scan_to_dir

RAW_ID = re.compile(r"(?<![0-9])\d{17}[\dXx](?![0-9])")
WHEN = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    manifest = generate(tmp_path_factory.mktemp("world"), size=SIZE, seed=SEED)
    return [p for p, _ in manifest.files]


@pytest.fixture(scope="module")
def loaded(world: list[Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An embedded store with the world loaded and matched once (tests copy the closed folder)."""
    path = tmp_path_factory.mktemp("loaded") / "store"
    store = LadybugStore(path)
    try:
        load_files(store, world)
        match_store(store)
    finally:
        store.close()
    return path


def _target(findings: tuple[Finding, ...]) -> Finding:
    """A case summing payment rows, all in the official's tenure (a payment on its last day counts for it too)."""
    for f in findings:
        p = f.payments
        if p and f.vouchers and all(v.kind == "payment" for v in f.vouchers) and p.in_tenure == p.count \
                and "relative_company_paid" in f.queries:
            return f
    raise AssertionError("no relative_company_paid case with payments")


def _month(path: Path, f: Finding) -> Path:
    """A new month's payments file: one more payment of 50,000.00 from the case's payer to its payee."""
    last = max(f.vouchers, key=lambda v: v.date or "")
    day = (last.date or "").replace("-", "")
    path.write_text("凭证号,付款日期,付款单位,收款单位(人),金额,用途,合同号\n"
                    f"记-NEW-00001,{day},{last.payer},{last.payee},50000.00,{last.purpose or '货款'},HT-NEW-1\n",
                    encoding="utf-8")
    return path


def _loop(store: Store, files: list[Path], tmp: Path) -> list[str]:
    """The loop (``files`` loaded and matched first, unless empty: the store holds them already); returns the notes
    of clues the new month changed that do not say it added the payment."""
    db = tmp / "clues.db"
    if files:
        load_files(store, files)
        match_store(store)
    first = scan_to_dir(store, tmp / "s1", clues=db, views=0)
    case = _target(first.filed.findings)
    with ClueLibrary(db, actor="扫描") as lib:
        cid = lib.add_findings(first.filed).clue_ids[case.id]  # filed already: nothing changes
        lib.transfer(cid, "市纪委监委第三监督检查室", "移送核查", actor="张三")
        frozen = lib.show(cid).snapshot_json
        versions_before = {c.clue_id: c.version for c in lib.list()}
        history_before = len(lib.show(cid).history)
    assert frozen is not None and json.loads(frozen)["id"] == case.id
    assert set(versions_before.values()) == {1}

    # near miss: a scan over the same data changes nothing and adds no version anywhere
    scan_to_dir(store, tmp / "s2", clues=db, views=0)
    with ClueLibrary(db) as lib:
        assert {c.clue_id: c.version for c in lib.list()} == versions_before
        d = lib.show(cid)
        assert len(d.history) == history_before and not d.clue.new_info and d.snapshot_json == frozen

    # a new payments month: load, match, scan
    load_files(store, [_month(tmp / "付款2026-12.csv", case)])
    match_store(store)
    scan_to_dir(store, tmp / "s3", clues=db, views=0)
    with ClueLibrary(db) as lib:
        d = lib.show(cid)
        assert d.snapshot_json == frozen  # byte-identical
        assert d.clue.version == 2 and d.clue.new_info and d.clue.status == "transferred"
        up = d.history[-1]
        assert (up.action, up.version, up.note, up.note_en) == (
            "update", 2, "新增付款1笔 ¥50,000.00", "1 new payment CNY 50,000.00")
        assert d.finding.payments is not None and case.payments is not None
        assert d.finding.payments.count == case.payments.count + 1
        assert d.finding.payments.sum_fen == case.payments.sum_fen + 5_000_000
        assert d.changes_since_snapshot()[0] == "新增付款1笔 ¥50,000.00"
        # every clue this month touched says so; no other clue got a version (checked by the callers)
        churn = [f"{c.clue_id}: {lib.show(c.clue_id).history[-1].note}" for c in lib.list()
                 if c.version != versions_before[c.clue_id]
                 and "新增付款1笔 ¥50,000.00" not in lib.show(c.clue_id).history[-1].note]
        for h in d.history:
            assert h.actor and WHEN.fullmatch(h.at), h
        assert [h.actor for h in d.history][:2] == [d.history[0].actor, "张三"]
        lib.acknowledge(cid, "已通知承办室", actor="张三")
    # near miss again: scanning the same data after the acknowledgement adds nothing and keeps the flag off
    scan_to_dir(store, tmp / "s4", clues=db, views=0)
    with ClueLibrary(db) as lib:
        d2 = lib.show(cid)
        assert d2.clue.version == 2 and not d2.clue.new_info and d2.snapshot_json == frozen
        assert [h.action for h in d2.history][-2:] == ["update", "acknowledge"]
    return churn


def test_clue_loop_ladybug(loaded: Path, tmp_path: Path) -> None:
    shutil.copytree(loaded, tmp_path / "store")
    store = LadybugStore(tmp_path / "store")
    try:
        assert _loop(store, [], tmp_path) == []
    finally:
        store.close()


@pytest.mark.neo4j
def test_clue_loop_neo4j(world: list[Path], neo4j_store: Store, tmp_path: Path) -> None:
    # no churn: a later file keeps the provenance of the nodes it mentions on Neo4j too (it used to rewrite it, so a
    # new payments month changed the evidence of unrelated cases)
    assert _loop(neo4j_store, world, tmp_path) == []


def test_cli_record_triage_stats_and_errors(loaded: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                            ) -> None:
    """The CLI contract: show (text zh/en, --json with snapshot and history, masked), park/close/ack, --by and the
    GUANLIAN_USER / GUANLIAN_ACTOR defaults, stats from a scripted evaluation with a dismissal, one-line errors."""
    run = CliRunner().invoke
    store = str(tmp_path / "store")
    shutil.copytree(loaded, store)
    s = LadybugStore(store)
    try:
        filed = scan_to_dir(s, tmp_path / "s1", clues=tmp_path / "store" / "clues.db", views=0).filed.findings
    finally:
        s.close()
    ids = [f.id for f in filed]
    lib = ClueLibrary(tmp_path / "store" / "clues.db")
    clue = {c.fingerprint: c.clue_id for c in lib.list()}
    lib.close()
    a, b, c, d = (clue[i] for i in ids[:4])

    monkeypatch.setenv("GUANLIAN_ACTOR", "旧变量")
    monkeypatch.delenv("GUANLIAN_USER", raising=False)
    r = run(app, ["clues", "park", a, "--note", "待数据", "-s", store])
    assert r.exit_code == 0, r.output
    monkeypatch.setenv("GUANLIAN_USER", "张三")  # GUANLIAN_USER wins over the older name
    assert run(app, ["clues", "transfer", a, "--to", "第三室", "--note", "移送", "-s", store]).exit_code == 0
    assert run(app, ["clues", "close", b, "--note", "正常采购", "--by", "李四", "-s", store]).exit_code == 0
    for cid, rating in ((a, "属实"), (c, "不属实")):
        if cid != a:
            assert run(app, ["clues", "transfer", cid, "--to", "第三室", "-s", store]).exit_code == 0
        for step in (["handle", cid, "--result", "初核"], ["feedback", cid, "--note", "已反馈"],
                     ["evaluate", cid, "--rating", rating, "--note", "评估"]):
            r = run(app, ["clues", *step, "-s", store])
            assert r.exit_code == 0, r.output
    assert run(app, ["dismiss", ids[3], "--reason", "另案处理", "--by", "王五", "-s", store]).exit_code == 0

    r = run(app, ["clues", "show", a, "--json", "-s", store])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.output)
    assert doc["snapshot"]["id"] == ids[0] and doc["latest"]["id"] == ids[0]
    hist = [(h["action"], h["actor"]) for h in doc["history"]]
    assert hist[1:] == [("park", "旧变量"), ("transfer", "张三"), ("handle", "张三"), ("feedback", "张三"),
                        ("evaluate", "张三")]
    assert all(WHEN.fullmatch(h["at"]) for h in doc["history"]) and not RAW_ID.search(r.output)
    zh = run(app, ["clues", "show", a, "-s", store]).output
    en = run(app, ["clues", "show", a, "--lang", "en", "-s", store]).output
    assert "移送时快照" in zh and "暂存待查" in zh and "流转记录" in zh and "ClueDetail(" not in zh
    assert "Snapshot at transfer" in en and "History" in en and not RAW_ID.search(zh + en)
    close = [h for h in json.loads(run(app, ["clues", "show", b, "--json", "-s", store]).output)["history"]
             if h["action"] == "close"]
    assert [(h["actor"], h["note"], h["to_status"]) for h in close] == [("李四", "正常采购", "closed")]

    r = run(app, ["clues", "stats", "--json", "-s", store])
    assert r.exit_code == 0, r.output
    st = json.loads(r.output)
    assert st["total"]["substantiated"] == 1 and st["total"]["unsubstantiated"] == 1
    assert st["total"]["dismissed"] == 1 and st["total"]["closed"] == 1
    assert st["total"]["judged"] == 3 and st["total"]["precision"] == pytest.approx(1 / 3, abs=1e-4)
    assert st["dismissed_not_found"] == []
    assert sum(row["judged"] for row in st["by_tier"]) == 3
    assert "准确率" in run(app, ["clues", "stats", "-s", store]).output

    # bad input: one line, exit 2, nothing written
    for args, words in ((["clues", "show", "XS-1999-0001"], "No clue"),
                        (["clues", "ack", a], "没有待阅的新情况"),
                        (["clues", "transfer", b, "--to", "第三室"], "allowed next: none"),
                        (["clues", "close", c, "--note", "x"], "not allowed"),
                        (["clues", "evaluate", a, "--rating", "很好"], "未知评估结果")):
        r = run(app, [*args, "-s", store])
        assert r.exit_code == 2 and words in r.output and len(r.output.strip().splitlines()) <= 2, (args, r.output)
