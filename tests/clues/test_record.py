"""Clue record integrity (issue 14 part 3-4): versions with change summaries, the transfer snapshot, 有新情况,
who/when on every step, triage from new, the precision table, and the upgrade of a version-1 library."""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from guanlian.clues import ClueError, ClueLibrary, precision_table
from guanlian.clues.changes import change_summary
from guanlian.finding import Entity, EvidenceItem, Finding, FindingsDoc, PaymentSummary, Voucher

RAW_ID = re.compile(r"(?<![0-9])\d{17}[\dXx](?![0-9])")


def _voucher(i: int, fen: int) -> Voucher:
    return Voucher(f"pay:{i}", "付款2021.xlsx", i + 1, f"2021-0{1 + i % 9}-05", fen, voucher=f"记-{i:04d}",
                   payer="吉安市住建局", payee="恒信建材")


def _case(n: int, *, fen: int = 5_000_000, cid: str = "case01") -> Finding:
    vs = tuple(_voucher(i, fen) for i in range(n))
    return Finding(cid, ("relative_company_paid",), "亲属企业收款", "A relative's company was paid", "high", 0.9,
                   "probable",
                   entities=(Entity("official", "Person", "王建国", "ric:36240119680512123X", "36240119680512123X"),
                             Entity("company", "Company", "恒信建材", "uscc:C1")),
                   payments=PaymentSummary(n, n * fen, vs[0].date, vs[-1].date, n),
                   explanation_zh=f"付款{n}笔", explanation_en=f"{n} payments", vouchers=vs)


@pytest.fixture
def lib(tmp_path: Path) -> ClueLibrary:
    lib = ClueLibrary(tmp_path / "clues.db", actor="扫描程序")
    yield lib  # type: ignore[misc]
    lib.close()


def test_snapshot_frozen_versions_grow_with_summary_and_new_info(lib: ClueLibrary) -> None:
    cid = lib.add_findings(FindingsDoc((_case(5),))).clue_ids["case01"]
    lib.transfer(cid, "第三监督检查室", "移送核查", actor="张三")
    frozen = lib.show(cid).snapshot_json
    assert frozen is not None and json.loads(frozen)["payments"]["count"] == 5

    r = lib.add_findings(FindingsDoc((_case(6),)), actor="李四")  # a new month: one more payment
    assert (r.new, r.updated, r.unchanged) == (0, 1, 0)
    d = lib.show(cid)
    assert d.snapshot_json == frozen  # byte-identical
    assert d.finding.payments is not None and d.finding.payments.count == 6
    assert d.clue.new_info and d.clue.version == 2 and d.clue.status == "transferred"
    up = d.history[-1]
    assert (up.action, up.actor, up.version) == ("update", "李四", 2)
    assert up.note == "新增付款1笔 ¥50,000.00" and up.note_en == "1 new payment CNY 50,000.00"
    assert [v.version for v in d.versions] == [1, 2] and d.versions[1].summary_zh == up.note
    assert d.changes_since_snapshot()[0] == "新增付款1笔 ¥50,000.00"

    # near miss: the same scan again adds no version and no history row
    r = lib.add_findings(FindingsDoc((_case(6),)))
    assert (r.updated, r.unchanged) == (0, 1)
    d2 = lib.show(cid)
    assert len(d2.versions) == 2 and len(d2.history) == len(d.history) and d2.clue.scans == 3

    lib.acknowledge(cid, "已转承办室", actor="张三")
    assert not lib.show(cid).clue.new_info
    with pytest.raises(ClueError, match="no new information"):
        lib.acknowledge(cid)
    lib.add_findings(FindingsDoc((_case(8),)))
    d3 = lib.show(cid)
    assert d3.clue.new_info and d3.snapshot_json == frozen
    assert d3.history[-1].note == "新增付款2笔 ¥100,000.00"
    assert d3.changes_since_snapshot()[1] == "3 new payments CNY 150,000.00"
    assert [c.clue_id for c in lib.list(new_info=True)] == [cid]


def test_a_new_clue_changing_is_not_flagged(lib: ClueLibrary) -> None:
    cid = lib.add_findings(FindingsDoc((_case(5),))).clue_ids["case01"]
    lib.add_findings(FindingsDoc((_case(6),)))
    d = lib.show(cid)
    assert d.clue.version == 2 and not d.clue.new_info and d.snapshot is None


def test_who_when_note_on_every_step_and_triage_from_new(lib: ClueLibrary) -> None:
    a, b, c = (lib.add_findings(FindingsDoc((_case(1, cid=x),))).clue_ids[x] for x in ("a", "b", "c"))
    lib.park(a, "待下季度数据", actor="王五")
    lib.close_clue(b, "经核实为公开招标", actor="王五")
    with pytest.raises(ClueError, match="Say why"):
        lib.close_clue(c, " ")
    with pytest.raises(ClueError, match="'closed', so 'transfer' is not allowed"):
        lib.transfer(b, "第三室")
    lib.transfer(a, "第三室", "补充数据后移送", actor="赵六")  # parked clues may still be transferred
    lib.apply(c, "park", note="先放一放", actor="钱七")
    lib.apply(c, "close", note="无实质问题", actor="钱七")
    with pytest.raises(ClueError, match="unknown action"):
        lib.apply(c, "delete")
    for cid in (a, b, c):
        for h in lib.show(cid).history:
            assert h.actor and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", h.at), h
    assert [(h.action, h.actor, h.note) for h in lib.show(a).history] == [
        ("create", "扫描程序", ""), ("park", "王五", "待下季度数据"), ("transfer", "赵六", "补充数据后移送")]
    assert lib.show(a).snapshot is not None and lib.show(b).snapshot is None
    assert [x.status for x in lib.list()] == ["transferred", "closed", "closed"]


def test_show_json_and_text_mask_ids(lib: ClueLibrary) -> None:
    cid = lib.add_findings(FindingsDoc((_case(2),))).clue_ids["case01"]
    lib.transfer(cid, "第三室", actor="张三")
    lib.add_findings(FindingsDoc((_case(3),)))
    d = lib.show(cid)
    doc = d.to_json()
    assert set(doc) >= {"clue", "snapshot", "latest", "history", "versions"}
    assert doc["snapshot"]["payments"]["count"] == 2 and doc["latest"]["payments"]["count"] == 3
    dumped = json.dumps(doc, ensure_ascii=False)
    assert not RAW_ID.search(dumped) and "3624**********123X" in dumped
    assert RAW_ID.search(json.dumps(d.to_json(show_ids=True), ensure_ascii=False))  # near miss: asked for
    zh, en = d.render("zh"), d.render("en")
    assert "【有新情况】" in zh and "移送时快照" in zh and "新增付款1笔 ¥50,000.00" in zh and "[新]" in zh
    assert "[NEW INFORMATION]" in en and "1 new payment CNY 50,000.00" in en and "transfer" in en
    assert not RAW_ID.search(zh + en) and "ClueDetail(" not in zh


def test_unknown_clue_is_one_line(lib: ClueLibrary) -> None:
    with pytest.raises(ClueError) as e:
        lib.show("XS-1999-0009")
    assert "\n" not in str(e.value) and "clues list" in str(e.value)


def test_change_summary_near_misses() -> None:
    f = _case(3)
    assert change_summary(f, f) == ("", "")
    assert change_summary(f, replace(f, score=0.91))[0] == "内容更新（说明或评分）"
    moved = replace(f, evidence=(EvidenceItem("新.csv", 2, "单位: 住建局"),))
    assert change_summary(replace(f, evidence=(EvidenceItem("旧.xlsx", 3, "单位: 住建局"),)), moved) == (
        "证据行变更1条（来源或内容）", "1 evidence row changed (source or content)")
    fewer = _case(2)
    assert change_summary(f, fewer)[0].startswith("不再出现付款1笔 ¥50,000.00")
    old = replace(f, vouchers=())  # an older finding without vouchers compares on the summary
    new = replace(old, payments=PaymentSummary(5, 25_000_000))
    assert change_summary(old, new)[0] == "付款 3笔 ¥150,000.00 → 5笔 ¥250,000.00"


def test_precision_table_from_scripted_evaluation(lib: ClueLibrary) -> None:
    def case(cid: str, query: str, tier: str) -> Finding:
        return replace(_case(1, cid=cid), queries=(query,), confidence=tier)  # type: ignore[arg-type]

    plan = [("a1", "q_a", "certain", "属实"), ("a2", "q_a", "certain", "属实"), ("a3", "q_a", "probable", "不属实"),
            ("b1", "q_b", "possible", "部分属实"), ("b2", "q_b", "possible", "无法查实"), ("b3", "q_b", "possible", None)]
    ids = lib.add_findings(FindingsDoc(tuple(case(c, q, t) for c, q, t, _ in plan))).clue_ids
    for cid, _q, _t, rating in plan:
        if rating is None:
            continue
        lib.transfer(ids[cid], "第三室")
        lib.handle(ids[cid], "初核")
        lib.feedback(ids[cid], "已反馈")
        lib.evaluate(ids[cid], rating)
    lib.close_clue(ids["b3"], "无问题")
    # a dismissed finding that never became a clue, and a dismissal of an evaluated clue (the rating wins)
    t = precision_table(lib, dismissed=[("x9", ("q_b",), "possible"), ("a1", ("q_a",), "certain")])
    rows = {r.key: r.to_json() for r in t.by_query}
    assert {k: rows["q_a"][k] for k in ("substantiated", "unsubstantiated", "dismissed", "judged", "precision")} == {
        "substantiated": 2, "unsubstantiated": 1, "dismissed": 0, "judged": 3, "precision": 0.6667}
    assert (rows["q_b"]["partly"], rows["q_b"]["unverifiable"], rows["q_b"]["dismissed"], rows["q_b"]["closed"],
            rows["q_b"]["judged"], rows["q_b"]["precision"], rows["q_b"]["precision_partly"]) == (1, 1, 1, 1, 2, 0.0,
                                                                                                 0.5)
    tiers = {r.key: r.to_json() for r in t.by_tier}
    assert [r.key for r in t.by_tier] == ["certain", "probable", "possible"]
    assert tiers["certain"]["precision"] == 1.0 and tiers["probable"]["precision"] == 0.0
    assert t.total.to_json()["judged"] == 5 and t.total.precision == pytest.approx(0.4)


# --- a library written by the old code (schema version 1) ----------------------------------------------------

OLD_SCHEMA = """
CREATE TABLE IF NOT EXISTS clues (
    clue_id TEXT PRIMARY KEY, fingerprint TEXT NOT NULL UNIQUE, status TEXT NOT NULL DEFAULT 'new', severity TEXT,
    score REAL, confidence TEXT, title_zh TEXT, title_en TEXT, queries TEXT NOT NULL DEFAULT '[]',
    finding TEXT NOT NULL, content_hash TEXT NOT NULL, to_unit TEXT, result TEXT, rating TEXT,
    first_seen TEXT NOT NULL, last_seen TEXT NOT NULL, scans INTEGER NOT NULL DEFAULT 1, updated_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS clues_status ON clues(status);
CREATE TABLE IF NOT EXISTS history (
    id INTEGER PRIMARY KEY AUTOINCREMENT, clue_id TEXT NOT NULL REFERENCES clues(clue_id), at TEXT NOT NULL,
    actor TEXT NOT NULL, action TEXT NOT NULL, from_status TEXT, to_status TEXT NOT NULL, note TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS history_clue ON history(clue_id);
CREATE TABLE IF NOT EXISTS counters (year INTEGER PRIMARY KEY, n INTEGER NOT NULL);
PRAGMA user_version = 1;
"""

OLD_FINDING = {  # a pre-case finding (schema 1: path fingerprint id, sum in yuan, no routes, no vouchers)
    "id": "9f3c0d2a11e4b7aa", "queries": ["relative_company_paid"], "title_zh": "亲属企业收款",
    "title_en": "A relative's company was paid", "severity": "high", "score": 0.9, "confidence": "probable",
    "entities": [{"role": "official", "kind": "Person", "name": "王建国", "key": "ric:36240119680512123X",
                  "id_number": "36240119680512123X"},
                 {"role": "company", "kind": "Company", "name": "恒信建材", "key": "uscc:C1", "id_number": None}],
    "path": {"nodes": [], "edges": []}, "payments": {"count": 5, "sum": 250000.0, "first": "2021-01-05",
                                                     "last": "2021-05-05", "in_tenure": 5},
    "explanation_zh": "付款5笔", "explanation_en": "5 payments", "evidence": []}


def _old_library(path: Path, finding: dict[str, object] | None = None) -> None:
    con = sqlite3.connect(path)
    con.executescript(OLD_SCHEMA)
    rows = [("XS-2025-0001", OLD_FINDING["id"], "transferred", json.dumps(finding or OLD_FINDING, ensure_ascii=False)),
            ("XS-2025-0002", "aaaa000011112222", "new",
             json.dumps({**OLD_FINDING, "id": "aaaa000011112222", "entities": []}, ensure_ascii=False))]
    for cid, fp, status, text in rows:
        con.execute("INSERT INTO clues(clue_id, fingerprint, status, severity, score, confidence, title_zh, title_en, "
                    "queries, finding, content_hash, to_unit, first_seen, last_seen, scans, updated_at) VALUES "
                    "(?, ?, ?, 'high', 0.9, 'probable', '亲属企业收款', 'paid', '[\"relative_company_paid\"]', ?, 'h0', "
                    "?, '2025-06-01T08:00:00Z', '2025-07-01T08:00:00Z', 2, '2025-07-01T08:00:00Z')",
                    (cid, fp, status, text, "第三室" if status != "new" else None))
        con.execute("INSERT INTO history(clue_id, at, actor, action, from_status, to_status, note) VALUES "
                    "(?, '2025-06-01T08:00:00Z', 'olduser', 'create', NULL, 'new', '')", (cid,))
    con.execute("INSERT INTO history(clue_id, at, actor, action, from_status, to_status, note) VALUES "
                "('XS-2025-0001', '2025-06-02T08:00:00Z', 'olduser', 'transfer', 'new', 'transferred', '移送核查')")
    con.execute("INSERT INTO history(clue_id, at, actor, action, from_status, to_status, note) VALUES "
                "('XS-2025-0001', '2025-07-01T08:00:00Z', 'olduser', 'update', 'transferred', 'transferred', '')")
    con.execute("INSERT INTO counters VALUES (2025, 2)")
    con.commit()
    con.close()


def test_old_library_opens_without_loss_and_a_case_adopts_its_clue(tmp_path: Path) -> None:
    db = tmp_path / "clues.db"
    _old_library(db)
    lib = ClueLibrary(db, actor="升级人")
    assert lib.user_version() == 2
    clues = lib.list()
    assert [(c.clue_id, c.status, c.to_unit, c.legacy_id) for c in clues] == [
        ("XS-2025-0001", "transferred", "第三室", OLD_FINDING["id"]),
        ("XS-2025-0002", "new", None, "aaaa000011112222")]
    d = lib.show("XS-2025-0001")
    assert [(h.action, h.actor, h.note) for h in d.history][:3] == [
        ("create", "olduser", ""), ("transfer", "olduser", "移送核查"), ("update", "olduser", "")]
    assert d.history[3].action == "migrate" and d.history[3].actor == "升级人" and "快照" in d.history[3].note
    assert d.snapshot is not None and d.snapshot.payments is not None and d.snapshot.payments.sum_fen == 25_000_000
    assert lib.show(str(OLD_FINDING["id"])).clue.clue_id == "XS-2025-0001"  # the old id still finds it

    # the next scan finds the same case under its case id: the old clue is re-keyed, not duplicated
    masked = replace(_case(6, cid="c0ffee0000000001"), entities=(
        Entity("official", "Person", "王建国", "ric:36240119680512123X", "36240119680512123X"),
        Entity("relative", "Person", "刘桂英", "ric:360821194503012042"), Entity("company", "Company", "恒信建材", "uscc:C1")))
    r = lib.add_findings(FindingsDoc((masked,)))
    assert (r.new, r.updated, r.adopted, r.clue_ids) == (0, 1, 1, {"c0ffee0000000001": "XS-2025-0001"})
    d = lib.show("c0ffee0000000001")
    assert d.clue.legacy_id == OLD_FINDING["id"] and d.clue.new_info and d.clue.version == 2
    assert d.history[-1].note.startswith("旧版线索改按案件编号 c0ffee0000000001 跟踪；")
    assert d.snapshot is not None and d.snapshot.id == OLD_FINDING["id"]  # the snapshot stays as it was
    # near miss: a clue with no entities is never adopted; the numbering continues after the old clues
    r = lib.add_findings(FindingsDoc((replace(_case(1, cid="other"), entities=()),)))
    assert r.adopted == 0 and r.new == 1 and r.clue_ids["other"] not in {"XS-2025-0001", "XS-2025-0002"}
    assert lib.show("XS-2025-0002").clue.fingerprint == "aaaa000011112222"
    lib.close()
    ClueLibrary(db).close()  # opening again does not migrate twice
    con = sqlite3.connect(db)
    assert con.execute("SELECT count(*) FROM history WHERE action = 'migrate'").fetchone() == (2,)
    con.close()


def test_a_failed_upgrade_leaves_the_old_file_as_it_was(tmp_path: Path) -> None:
    db = tmp_path / "clues.db"
    _old_library(db)
    con = sqlite3.connect(db)
    con.execute("UPDATE clues SET finding = '{broken' WHERE clue_id = 'XS-2025-0002'")
    con.commit()
    before = con.execute("SELECT * FROM clues ORDER BY clue_id").fetchall()
    con.close()
    with pytest.raises(json.JSONDecodeError):
        ClueLibrary(db)
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA user_version").fetchone() == (1,)
    assert con.execute("SELECT * FROM clues ORDER BY clue_id").fetchall() == before  # no column added
    assert con.execute("SELECT count(*) FROM sqlite_master WHERE name = 'versions'").fetchone() == (0,)
    con.close()


def test_a_newer_library_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "clues.db"
    ClueLibrary(db).close()
    con = sqlite3.connect(db)
    con.execute("PRAGMA user_version = 9")
    con.commit()
    con.close()
    with pytest.raises(ClueError, match="newer guanlian"):
        ClueLibrary(db)


def test_precision_counts_the_tier_handed_over(lib: ClueLibrary) -> None:
    cid = lib.add_findings(FindingsDoc((_case(2),))).clue_ids["case01"]  # probable
    lib.transfer(cid, "第三室")
    lib.add_findings(FindingsDoc((replace(_case(2), confidence="certain"),)))  # a later scan lifts it
    for step in (lambda: lib.handle(cid, "初核"), lambda: lib.feedback(cid, "反馈"), lambda: lib.evaluate(cid, "属实")):
        step()
    assert lib.show(cid).clue.confidence == "certain"
    tiers = {r.key: r.substantiated for r in precision_table(lib).by_tier}
    assert tiers == {"probable": 1}  # near miss: not under the latest tier
