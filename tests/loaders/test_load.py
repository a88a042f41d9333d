"""Loading each kind from messy files: formats, aliases, rejects, idempotency, provenance."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from guanlian.graph.ladybug import LadybugStore
from guanlian.graph.store import Store
from guanlian.loaders import LoadError, detect_kind, load_files
from guanlian.model import model
from tests.loaders.conftest import OFFICIALS, ric, write_csv, write_xlsx

ZHANG = "36080219700101001X"
MOTHER_IN_LAW = ric("36080219480506002")
COMPANY_CODE = "91360802MA35L7XY5W"  # replaced below by a valid code


def valid_uscc(body17: str) -> str:
    from stdnum.cn import uscc

    return body17 + uscc.calc_check_digit(body17)


CODE = valid_uscc("91360802MA35L7XY5")


def _rejects(store: LadybugStore) -> pd.DataFrame:
    return pd.read_csv(Path(store.location) / "rejects.csv", encoding="utf-8-sig", dtype=str)


def case_files(d: Path) -> list[Path]:
    """A small consistent case across all eight kinds, in mixed formats and encodings."""
    zhang = ric("36080219700101001")
    off = [r[:] for r in OFFICIALS]
    off[1][1] = zhang
    off[2][1] = ric("36080219750202002")
    return [
        write_csv(d / "officials.csv", off, encoding="gb18030", title="吉安市领导干部基本信息表"),
        write_xlsx(
            d / "relatives.xlsx",
            [["干部姓名", "干部身份证号", "与本人关系", "亲属姓名", "出生日期", "身份证号", "工作单位及职务"],
             ["张三", zhang, "岳母", "劉桂蘭", "1948.05.06", "", "退休"],
             ["张三", zhang, "妻子", "陈红", "1972-03-04", ric("36080219720304004"), "吉安市一中教师"],
             ["张三", zhang, "老表", "王五", "", "", ""]],
            title="家庭成员及主要社会关系",
        ),
        write_csv(
            d / "companies.csv",
            [["企业名称", "统一社会信用代码", "法定代表人", "法定代表人证件号", "成立日期", "注册资本", "登记状态", "住所", "联系电话", "邮箱"],
             ["吉安市华信建材有限公司", CODE, "刘桂兰", MOTHER_IN_LAW, "2016-05-01", "100万元", "存续",
              "吉安市吉州区井冈山大道1号", "0796-8123456", "hx@example.cn"]],
            encoding="utf-8-sig",
        ),
        write_csv(
            d / "shareholders.csv",
            [["公司名称", "统一社会信用代码", "股东名称", "股东类型", "证件号码", "持股比例", "认缴出资额", "出资日期"],
             ["吉安市华信建材有限公司", CODE, "刘桂兰", "自然人股东", MOTHER_IN_LAW, "80%", "80万元", "2016-05-01"],
             ["吉安市华信建材有限公司", CODE, "吉安市恒通投资有限公司", "企业法人", "", "0.2", "20万", "2016/05/01"]],
            sep="\t",
        ),
        write_csv(
            d / "officers.csv",
            [["企业名称", "统一社会信用代码", "姓名", "职务"], ["吉安市华信建材有限公司", CODE, "刘桂兰", "执行董事"]],
        ),
        write_csv(
            d / "changes.csv",
            [["企业名称", "统一社会信用代码", "变更事项", "变更前", "变更后", "变更日期"],
             ["吉安市华信建材有限公司", CODE, "投资人变更", "刘桂兰、赵强", "刘桂兰", "2018年1月5日"],
             ["吉安市华信建材有限公司", CODE, "住所变更", "旧址", "新址", "20170101"]],
        ),
        write_xlsx(
            d / "payments.xlsx",
            [["付款单位", "收款单位(人)", "支付金额", "交易日期", "摘要", "凭证号"],
             ["吉安市交通运输局", "吉安市华信建材有限公司", "1,234.50", "2019/03/05", "材料款", "V1"],
             ["吉安市交通运输局", "吉安市华信建材有限公司", "12.3万元", 43560, "材料款", "V2"],
             ["吉安市交通运输局", "吉安市华信建材有限公司", "-5", "2019-04-06", "退款", "V3"],
             ["吉安市交通运输局", "吉安市华信建材有限公司", "", "2019-04-06", "缺金额", "V4"],
             ["吉安市交通运输局", "吉安市华信建材有限公司", "100", "2019-13-45", "坏日期", "V5"]],
            title="2019年国库集中支付明细",
        ),
        write_csv(
            d / "subsidies.csv",
            [["发放单位", "审批单位", "领取人", "身份证号", "补贴项目", "发放金额", "发放日期"],
             ["吉州区农业农村局", "吉安市交通运输局", "陈红", ric("36080219720304004"), "耕地地力保护补贴", "¥1200", "2020.06.01"]],
            encoding="gb18030",
        ),
    ]


def test_all_kinds_load_and_reconcile(tmp_path: Path, store: LadybugStore) -> None:
    files = case_files(tmp_path)
    summary = load_files(store, files)
    by_kind = {f.kind: f for f in summary.files}
    assert set(by_kind) == {"officials", "relatives", "companies", "shareholders", "officers", "changes", "payments",
                            "subsidies"}
    for f in summary.files:
        assert f.error is None, f
        assert f.read == f.loaded + f.rejected
    assert (by_kind["officials"].read, by_kind["officials"].rejected) == (2, 0)
    assert (by_kind["payments"].read, by_kind["payments"].loaded, by_kind["payments"].rejected) == (5, 2, 3)
    assert by_kind["relatives"].loaded == 3  # the unknown term 老表 is kept, with a warning
    c = store.counts()
    assert c["SERVES_IN"] == 2 and c["RELATIVE_OF"] == 3 and c["PAYMENT"] == 3 and c["PAID"] == 2
    assert c["SHAREHOLDER_OF"] == 2 and c["OFFICER_OF"] == 1 and c["LEGAL_REP_OF"] == 1
    # the mother-in-law is one node across registry sources (same resident ID)
    owners = store.query(
        "MATCH (p:Person)-[:SHAREHOLDER_OF]->(c:Company) MATCH (p)-[:LEGAL_REP_OF]->(c) RETURN p.key AS k, c.key AS c"
    )
    assert owners["k"].tolist() == [f"ric:{MOTHER_IN_LAW}"]
    assert owners["c"].tolist() == [f"uscc:{CODE}"]
    # the officer row has no ID: a separate node keyed by company + name, left for the matcher to link
    officer = store.query("MATCH (p:Person)-[:OFFICER_OF]->(:Company) RETURN p.key AS k")["k"].tolist()
    assert len(officer) == 1 and officer[0].startswith("anon:")
    paid = store.query("MATCH (u:Unit)-[p:PAID]->(c:Company) RETURN p.payments AS n, p.total AS t, p.first_paid AS f")
    assert paid.iloc[0].tolist() == [2, 12423450, "2019-03-05"]  # integer fen
    rel = store.query("MATCH (r:Person)-[e:RELATIVE_OF]->(o:Person) RETURN e.term AS t, e.relation AS rel, e.degree AS d, r.name_norm AS n ORDER BY t")
    rows = {t: (r, d, n) for t, r, d, n in rel.itertuples(index=False)}
    assert rows["岳母"] == ("mother_in_law", 2, "刘桂兰")
    assert rows["老表"][0] == "other:老表" and rows["老表"][1] == 9
    subsidy = store.query("MATCH (u:Unit)-[p:PAYMENT]->(x:Person) RETURN p.channel AS ch, p.approver_unit AS a, x.key AS k")
    assert subsidy.iloc[0].tolist() == ["subsidy", "unit:吉安市交通运输局", "ric:" + ric("36080219720304004")]
    change = store.query("MATCH (p:Person)-[e:CHANGE]->(c:Company) RETURN p.name AS n, e.action AS a, e.changed_on AS d")
    assert change.values.tolist() == [["赵强", "left", "2018-01-05"]]


def test_rejects_file_lists_file_row_field_reason(tmp_path: Path, store: LadybugStore) -> None:
    load_files(store, case_files(tmp_path))
    rej = _rejects(store)
    bad = rej[rej["severity"] == "rejected"]
    got = {(r.file, int(r.row), r.field, r.code) for r in bad.itertuples()}
    # payments.xlsx: title row, blank row, header on row 3 → data rows 4.. as Excel shows them
    assert ("payments.xlsx", 6, "amount", "negative_amount") in got
    assert ("payments.xlsx", 7, "amount", "missing_required") in got
    assert ("payments.xlsx", 8, "paid_on", "bad_date") in got
    assert all(r.reason_zh and r.reason_en for r in bad.itertuples())
    warn = rej[rej["severity"] == "warning"]
    assert ("relatives.xlsx", "term", "unknown_relation") in {(r.file, r.field, r.code) for r in warn.itertuples()}


def test_reload_is_idempotent(tmp_path: Path, store: LadybugStore) -> None:
    files = case_files(tmp_path)
    load_files(store, files)
    first = store.counts()
    snapshot = store.query("MATCH (p:Person) RETURN p.key AS k, p.name AS n, p.phone AS ph ORDER BY k")
    again = load_files(store, list(reversed(files)))
    assert again.counts_before == first
    assert store.counts() == first
    pd.testing.assert_frame_equal(snapshot, store.query("MATCH (p:Person) RETURN p.key AS k, p.name AS n, p.phone AS ph ORDER BY k"))


def test_provenance_on_every_node_and_edge(tmp_path: Path, store: LadybugStore) -> None:
    load_files(store, case_files(tmp_path))
    m = model()
    for n in m.nodes:
        df = store.query(f"MATCH (x:{n.name}) WHERE x.src_file IS NULL OR x.src_row IS NULL OR x.load_id IS NULL RETURN count(x) AS c")
        assert int(df.iloc[0, 0]) == 0, n.name
    for e in m.edges:
        df = store.query(f"MATCH ()-[x:{e.name}]->() WHERE x.src_file IS NULL OR x.src_row IS NULL RETURN count(x) AS c")
        assert int(df.iloc[0, 0]) == 0, e.name
    rows = store.query("MATCH (:Unit)-[p:PAYMENT]->(:Company) RETURN p.src_file AS f, p.src_row AS r ORDER BY r")
    assert rows.values.tolist() == [["payments.xlsx", 4], ["payments.xlsx", 5]]


def test_persons_without_id_are_not_merged_by_name(tmp_path: Path, store: LadybugStore) -> None:
    f = write_csv(tmp_path / "sh.csv", [["企业名称", "股东名称", "持股比例"], ["甲公司", "王伟", "50%"], ["乙公司", "王伟", "50%"]])
    load_files(store, [f])
    assert store.query("MATCH (p:Person) WHERE p.name = '王伟' RETURN count(p) AS c").iloc[0, 0] == 2


def test_missing_required_column_names_found_and_expected(tmp_path: Path, store: LadybugStore) -> None:
    f = write_csv(tmp_path / "pay.csv", [["付款单位", "收款单位", "用途"], ["甲局", "乙公司", "x"]])
    summary = load_files(store, [f], kind="payments")
    err = summary.files[0].error or ""
    assert "missing required columns" in err and "金额" in err and "付款单位" in err and "用途" in err
    with pytest.raises(LoadError) as exc:
        detect_kind(["付款单位", "收款单位", "用途"], "pay.csv")
    assert "Columns found" in str(exc.value)


def test_empty_file_and_wrong_content(tmp_path: Path, store: LadybugStore) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    pdf = tmp_path / "fake.xlsx"
    pdf.write_bytes(b"%PDF-1.4 not a workbook")
    summary = load_files(store, [empty, pdf])
    errors = {Path(f.path).name: f.error or "" for f in summary.files}
    assert "empty file" in errors["empty.csv"]
    assert "PDF" in errors["fake.xlsx"]
    assert all(f.read == 0 for f in summary.files)


def test_wrong_encoding_is_sniffed(tmp_path: Path, store: LadybugStore) -> None:
    rows = [["姓名", "工作单位", "任职时间"], ["欧阳娜娜", "吉安市教育局", "2018.01-至今"]]
    for enc in ("gb18030", "utf-8-sig", "utf-8", "utf-16"):
        write_csv(tmp_path / f"o_{enc}.csv", rows, encoding=enc)
    summary = load_files(store, sorted(tmp_path.glob("o_*.csv")))
    assert [f.loaded for f in summary.files] == [1, 1, 1, 1]
    names = store.query("MATCH (p:Person) RETURN DISTINCT p.name AS n")["n"].tolist()
    assert names == ["欧阳娜娜"]


def test_bad_id_checksum_warns_and_keeps_raw(tmp_path: Path, store: LadybugStore) -> None:
    bad = ZHANG[:-1] + ("1" if ZHANG[-1] != "1" else "2")
    f = write_csv(tmp_path / "o.csv", [["姓名", "身份证号", "工作单位"], ["张三", bad, "甲局"]])
    s = load_files(store, [f])
    assert s.files[0].loaded == 1 and s.files[0].warnings >= 1
    person = store.query("MATCH (p:Person) RETURN p.key AS k, p.id_status AS st, p.id_number AS n")
    assert person["k"].iloc[0].startswith("anon:")  # never keyed by an invalid number
    assert person["st"].iloc[0] in ("bad_checksum", "invalid")
    assert _rejects(store)["code"].isin(["id_bad_checksum", "id_invalid"]).any()


def test_rejects_mask_every_id_value_whole(tmp_path: Path, store: LadybugStore) -> None:
    """An ID reported in rejects.csv is masked whatever its shape (month 13 is no ID-in-text shape); other
    values keep their digits (a credit code or phone number is not personal data)."""
    bad_date = "36080219701301001X"
    bad_check = ZHANG[:-1] + ("1" if ZHANG[-1] != "1" else "2")
    f = write_csv(tmp_path / "o.csv", [["姓名", "身份证号", "工作单位"], ["张三", bad_date, "甲局"],
                                       ["李四", bad_check, "乙局"]])
    load_files(store, [f])
    rej = _rejects(store)
    ids = rej[rej["code"].str.startswith("id_")]
    assert set(ids["value"]) == {"3608**********001X", bad_check[:4] + "*" * 10 + bad_check[-4:]}
    text = (Path(store.location) / "rejects.csv").read_text(encoding="utf-8-sig")
    assert bad_date not in text and bad_check not in text


def test_15_digit_id_converts_to_18(tmp_path: Path, store: LadybugStore) -> None:
    f = write_csv(tmp_path / "o.csv", [["姓名", "身份证号", "工作单位"], ["张三", "360802700101001", "甲局"]])
    load_files(store, [f])
    key = store.query("MATCH (p:Person) RETURN p.key AS k")["k"].iloc[0]
    assert key.startswith("ric:36080219700101001") and len(key) == 22


def test_xlsx_hidden_sheet_skipped_and_title_rows(tmp_path: Path, store: LadybugStore) -> None:
    f = write_xlsx(tmp_path / "o.xlsx", [["姓名", "工作单位", "任职开始时间", "离任时间"], ["赵六", "乙局", 40179, "至今"]],
                   title="干部名册", hidden_first=True)
    s = load_files(store, [f])
    assert s.files[0].loaded == 1
    assert store.query("MATCH (p:Person) RETURN p.name AS n")["n"].tolist() == ["赵六"]
    t = store.query("MATCH ()-[s:SERVES_IN]->() RETURN s.term_start AS a, s.term_end AS b")
    assert t.iloc[0].tolist()[0] == "2010-01-01" and pd.isna(t.iloc[0].tolist()[1])


def test_tenure_end_before_start_rejected(tmp_path: Path, store: LadybugStore) -> None:
    f = write_csv(tmp_path / "o.csv", [["姓名", "工作单位", "任职时间"], ["甲", "乙局", "2020.01-2019.01"], ["乙", "乙局", "2019.01-2020.01"]])
    s = load_files(store, [f])
    assert (s.files[0].loaded, s.files[0].rejected) == (1, 1)
    assert "term_end_before_start" in _rejects(store)["code"].tolist()


def test_kind_detection_ambiguity_and_aliases() -> None:
    assert detect_kind(["干部姓名", "称谓", "姓名"]).name == "relatives"
    assert detect_kind(["企业名称", "姓名", "职务"]).name == "officers"
    assert detect_kind(["发放单位", "领取人", "发放金额", "发放日期"]).name == "subsidies"
    assert detect_kind(["付款单位", "收款单位(人)", "金额", "付款日期"]).name == "payments"
    assert detect_kind(["姓名", "单位"]).name == "officials"


def test_ragged_rows_rejected(tmp_path: Path, store: LadybugStore) -> None:
    p = tmp_path / "o.csv"
    p.write_text("姓名,工作单位\n甲,乙局\n乙,乙局,多余,字段\n丙\n", encoding="utf-8")
    s = load_files(store, [p])
    f = s.files[0]
    assert (f.read, f.loaded, f.rejected) == (3, 1, 2)  # too many fields; 丙 lacks the unit
    codes = set(_rejects(store)["code"])
    assert {"too_many_fields", "missing_required"} <= codes


def test_order_comes_from_headers_not_arguments(tmp_path: Path, store: LadybugStore) -> None:
    """Relatives name their official only by name: the officials file must be parsed first, even if given last."""
    rel = write_csv(tmp_path / "a_family.csv", [["干部姓名", "称谓", "亲属姓名"], ["欧阳明", "岳母", "司马兰"]])
    off = write_csv(tmp_path / "z_staff.csv", [["姓名", "工作单位", "任职时间"], ["欧阳明", "吉安市财政局", "2016.01-至今"]])
    summary = load_files(store, [rel, off])
    assert [f.error for f in summary.files] == [None, None]
    assert {f.kind: f.loaded for f in summary.files} == {"officials": 1, "relatives": 1}
    assert store.counts()["RELATIVE_OF"] == 1


def test_parallel_parse_gives_the_same_graph(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import guanlian.loaders.pipeline as pipeline

    files = case_files(tmp_path)
    serial = LadybugStore(tmp_path / "serial")
    load_files(serial, files)
    monkeypatch.setattr(pipeline, "PARALLEL_MIN_BYTES", 0)
    parallel = LadybugStore(tmp_path / "parallel")
    summary = load_files(parallel, files)
    assert all(f.error is None for f in summary.files)
    assert parallel.counts() == serial.counts()
    q = "MATCH (p:Person) RETURN p.key AS k, p.name AS n ORDER BY k"
    pd.testing.assert_frame_equal(parallel.query(q), serial.query(q))


def test_frames_parked_on_disk_give_the_same_graph(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 18: a big load parks each parsed file's frames on disk until their kind is written; forced here on the
    small case (in the two workers too), the graph digest (provenance included) is the in-memory one, and the
    private folder is gone afterwards."""
    import tempfile

    from reliability.graphdigest import digest

    import guanlian.loaders.pipeline as pipeline

    files = case_files(tmp_path)
    in_memory = LadybugStore(tmp_path / "memory")
    load_files(in_memory, files)
    spills = tmp_path / "tmp"
    spills.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spills))
    monkeypatch.setattr(pipeline, "SPILL_MIN_BYTES", 0)
    monkeypatch.setattr(pipeline, "PARALLEL_MIN_BYTES", 0)
    parked = LadybugStore(tmp_path / "parked")
    summary = load_files(parked, files)
    assert all(f.error is None for f in summary.files)
    assert digest(parked) == digest(in_memory)
    assert list(spills.iterdir()) == []


def test_a_load_written_in_parts_gives_the_same_graph(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 18: a big load writes each kind in parts split by key, so it never holds a whole kind of every file;
    forced to three parts on the small case (whose people, companies and units recur across files), the graph
    digest (merged values and provenance included) and the issues reported are those of the one-part load."""
    from reliability.graphdigest import digest

    import guanlian.loaders.pipeline as pipeline

    files = case_files(tmp_path)
    whole = LadybugStore(tmp_path / "whole")
    one = load_files(whole, files)
    size = sum(f.stat().st_size for f in files)
    monkeypatch.setattr(pipeline, "PART_BYTES", -(-size // 3))
    assert pipeline.load_parts(files) == 3
    monkeypatch.setattr(pipeline, "SPILL_MIN_BYTES", 0)
    monkeypatch.setattr(pipeline, "PARALLEL_MIN_BYTES", 0)
    parted = LadybugStore(tmp_path / "parted")
    three = load_files(parted, files)
    assert all(f.error is None for f in three.files)
    assert digest(parted) == digest(whole)
    assert [(f.read, f.loaded, f.rejected) for f in three.files] == [(f.read, f.loaded, f.rejected) for f in one.files]
    assert one.rejects_path and three.rejects_path
    issues = [sorted(pd.read_csv(r, dtype=str).fillna("").values.tolist()) for r in (one.rejects_path,
                                                                                   three.rejects_path)]
    assert issues[0] and issues[0] == issues[1]
    monkeypatch.setattr(pipeline, "PART_BYTES", size)  # near miss: exactly the files' size is still one part
    assert pipeline.load_parts(files) == 1


def test_rows_of_a_key_share_a_part_in_any_frame() -> None:
    from guanlian.loaders.pipeline import key_parts

    a = key_parts(pd.Series(["ric:1", "ric:2", "uscc:9", None]), 5)
    b = key_parts(pd.Series(["uscc:9", "ric:1"]), 5)
    assert (a[2], a[0]) == (b[0], b[1])
    assert set(a.tolist()) <= set(range(5))
    many = key_parts(pd.Series([f"ric:{i}" for i in range(1000)]), 5)
    assert len(set(many.tolist())) == 5  # near miss: a constant part would pass the checks above


def test_parked_frames_round_trip_and_leave_no_file(tmp_path: Path) -> None:
    from guanlian.loaders.pipeline import Parked
    from guanlian.loaders.spec import Batch

    frame = pd.DataFrame({"key": ["unit:甲", "unit:乙"], "sources": [["a.csv:2"], ["a.csv:3", "b.csv:2"]],
                          "src_row": pd.array([2, None], dtype="Int64")})
    b = Batch()
    b.add_nodes("Unit", frame)
    b.add_edges("SERVES_IN", frame.head(1))
    p = Parked.of(b, tmp_path)
    assert (b.nodes, b.edges) == ({}, {})
    assert len(list(tmp_path.iterdir())) == 2
    assert p.has("nodes", "Unit") and not p.has("edges", "Unit")  # near miss: same kind name, other side
    got = p.take("nodes", "Unit")
    pd.testing.assert_frame_equal(got[0], frame)  # dtypes and list cells survive the pickle
    assert p.take("nodes", "Unit") == []
    p.drop()
    assert list(tmp_path.iterdir()) == []
    b.add_nodes("Unit", frame)
    two = Parked.of(b, None, parts=2)
    assert sorted(f["key"].iloc[0] for part in (0, 1) for f in two.frames[("nodes", "Unit", part)]) == sorted(
        frame["key"])  # these two keys hash to different parts
    got = pd.concat(two.take_all("nodes", "Unit"))
    assert sorted(got["key"]) == sorted(frame["key"]) and not two.has("nodes", "Unit")


def test_spill_folders_of_killed_loads_are_removed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import subprocess
    import sys
    import tempfile

    import guanlian.loaders.pipeline as pipeline

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True)
    dead = tmp_path / f"guanlian-load-{gone.stdout.strip()}-x1"
    live = tmp_path / "guanlian-load-1-x2"  # pid 1 is always running: another load's folder, kept
    other = tmp_path / "guanlian-loader-5-x3"  # near miss: not our prefix
    for d in (dead, live, other):
        d.mkdir()
    big = tmp_path / "big.csv"
    big.write_bytes(b"x" * 10)
    monkeypatch.setattr(pipeline, "SPILL_MIN_BYTES", 10)
    with pipeline.spill_folder([big]) as folder:
        assert folder is not None and folder.is_dir()
        assert not dead.exists() and live.is_dir() and other.is_dir()
    assert not folder.exists()
    monkeypatch.setattr(pipeline, "SPILL_MIN_BYTES", 11)  # near miss: one byte below the threshold, in memory
    with pipeline.spill_folder([big]) as none:
        assert none is None


def test_tenure_dates_keep_the_precision_given(tmp_path: Path, store: LadybugStore) -> None:
    f = write_csv(tmp_path / "o.csv", [["姓名", "工作单位", "任职时间"], ["甲", "乙局", "2014.04—2021.05"],
                                       ["乙", "乙局", "2014-04-03—2021-05-20"]])
    load_files(store, [f])
    t = store.query("MATCH (p:Person)-[s:SERVES_IN]->() RETURN p.name AS n, s.term_start AS a, s.term_end AS b, "
                    "s.term_end_day AS d ORDER BY n")
    by_name = {r[0]: r[1:] for r in t.values.tolist()}
    assert by_name["甲"][:2] == ["2014-04", "2021-05"]  # month-only stays month-only, never "2021-05-01"
    assert by_name["乙"][:2] == ["2014-04-03", "2021-05-20"]  # near miss: full dates stay full
    assert int(by_name["甲"][2]) == (pd.Timestamp("2021-05-01") - pd.Timestamp("1970-01-01")).days


def _paid(store: Store) -> dict[str, tuple[object, ...]]:
    df = store.query("MATCH (u:Unit)-[e:PAID]->(x) RETURN e.key AS k, u.key AS u, x.key AS x, e.payments AS n, "
                     "e.total AS t, e.first_paid AS f, e.first_paid_day AS fd, e.last_paid AS l, "
                     "e.last_paid_day AS ld, e.channel AS c, e.src_file AS sf, e.sources AS s")
    return {str(r[0]): tuple(tuple(v) if isinstance(v, list) else v for v in r[1:])
            for r in df.itertuples(index=False, name=None)}


def _payments(store: Store, rows: list[tuple[str, str, str, str, int, str, str]]) -> None:
    """``rows``: (key, unit, payee kind, payee, fen, day, channel)."""
    frame = pd.DataFrame(rows, columns=["key", "src", "dst_kind", "dst", "amount", "paid_on", "channel"])
    frame["src_kind"] = "Unit"
    frame["paid_on_day"] = (pd.to_datetime(frame["paid_on"]) - pd.Timestamp("1970-01-01")).dt.days
    frame["src_file"], frame["src_row"] = "t.csv", range(2, 2 + len(frame))
    store.upsert_edges("PAYMENT", frame)


@pytest.mark.parametrize("engine", ["ladybug", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def test_rebuilding_given_pairs_updates_adds_and_drops_their_totals_only(
        engine: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """Issue 18 item 5: a load's PAID rebuild of the pairs its payments touch sets a stored pair's totals in
    place, adds a pair paid for the first time, deletes a pair left without payments, and leaves every other pair
    as stored; the result is what a rebuild of every pair gives."""
    from guanlian.loaders.pipeline import rebuild_paid

    store = LadybugStore(tmp_path / "s") if engine == "ladybug" else request.getfixturevalue("neo4j_store")
    store.ensure_schema()
    store.upsert_nodes("Unit", pd.DataFrame({"key": ["unit:甲", "unit:乙"], "name": ["甲局", "乙局"]}))
    store.upsert_nodes("Company", pd.DataFrame({"key": ["uscc:1", "uscc:2", "uscc:3"], "name": ["一", "二", "三"]}))
    store.upsert_nodes("Person", pd.DataFrame({"key": ["p:1"], "name": ["张三"]}))
    _payments(store, [("pay:1", "unit:甲", "Company", "uscc:1", 100, "2024-01-05", "treasury"),
                      ("pay:2", "unit:甲", "Company", "uscc:1", 250, "2024-03-01", "treasury"),
                      ("pay:3", "unit:甲", "Company", "uscc:2", 70, "2024-02-02", "treasury"),
                      ("pay:4", "unit:乙", "Person", "p:1", 30, "2024-04-04", "bank")])
    assert rebuild_paid(store) == 3
    before = _paid(store)
    _payments(store, [("pay:5", "unit:甲", "Company", "uscc:1", 5, "2023-12-31", "bank"),  # changed: set in place
                      ("pay:6", "unit:乙", "Company", "uscc:3", 9, "2025-01-02", "treasury"),  # a new pair
                      ("pay:7", "unit:乙", "Person", "p:1", 1, "2025-01-03", "bank")])  # near miss: not given
    store.execute("MATCH ()-[p:PAYMENT]->() WHERE p.key = $k DELETE p", {"k": "pay:3"})  # its pair: no payment left
    given = {("unit:甲", "Company", "uscc:1"), ("unit:乙", "Company", "uscc:3"), ("unit:甲", "Company", "uscc:2")}
    assert rebuild_paid(store, given) == 2
    got = _paid(store)
    assert set(got) == {"paid:unit:甲|uscc:1", "paid:unit:乙|uscc:3", "paid:unit:乙|p:1"}
    assert got["paid:unit:甲|uscc:1"][2:9] == (3, 355, "2023-12-31", 19722, "2024-03-01", 19783, "mixed")
    assert got["paid:unit:乙|uscc:3"][2:4] == (1, 9)
    assert got["paid:unit:乙|p:1"] == before["paid:unit:乙|p:1"]  # not given: kept as stored (one payment, 30)
    assert got["paid:unit:甲|uscc:1"][9:] == before["paid:unit:甲|uscc:1"][9:] == ("(PAYMENT)", ("(PAYMENT):0",))
    rebuild_paid(store)
    full = _paid(store)
    assert full["paid:unit:乙|p:1"][2:4] == (2, 31)
    assert {k: v for k, v in full.items() if k != "paid:unit:乙|p:1"} == {
        k: v for k, v in got.items() if k != "paid:unit:乙|p:1"}
