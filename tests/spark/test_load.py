"""``load --engine spark``: the same graph as the in-process load, and one clear error for what Spark cannot read."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from guanlian.cli import app
from guanlian.demo import generate
from guanlian.graph.ladybug import LadybugStore
from guanlian.loaders import load_files
from guanlian.spark.loading import SparkLoader, spark_readable
from tests.reliability.graphdigest import digest

pytestmark = pytest.mark.spark


def test_spark_load_gives_the_in_process_graph(tmp_path: Path, spark: Any) -> None:
    m = generate(tmp_path / "demo", size="tiny", seed=7)
    # The demo's CSVs (messy on purpose: GB18030, title rows, blank lines, CRLF), saved as UTF-8 as Spark
    # needs; its workbooks are for the in-process reader only.
    files = []
    for p, k in m.files:
        if p.suffix == ".csv" and k in ("companies", "shareholders", "officers", "payments"):
            if spark_readable(p):
                assert "UTF-8" in str(spark_readable(p))  # near miss: GB18030 is refused until converted
                p.write_text(p.read_bytes().decode("gb18030"), encoding="utf-8", newline="")
            files.append((p, k))
    assert all(spark_readable(f) is None for f, _ in files)
    assert {"companies", "shareholders", "officers", "payments"} == {k for _, k in files}
    paths, kinds = [p for p, _ in files], [k for _, k in files]
    expected_store = LadybugStore(tmp_path / "in-process")
    expected_summary = load_files(expected_store, paths, kinds=kinds)
    expected = digest(expected_store)
    expected_store.close()
    got_store = LadybugStore(tmp_path / "spark")
    # 3 partitions per file: each file's rows are built in slices and combined on the driver
    got_summary = load_files(got_store, paths, kinds=kinds, parser=SparkLoader(spark, partitions=3))
    got = digest(got_store)
    got_store.close()
    assert expected.counts["Person"] > 0 and expected.counts["SHAREHOLDER_OF"] > 0
    assert got.counts == expected.counts
    assert got.per_kind == expected.per_kind
    assert [(f.read, f.loaded, f.rejected) for f in got_summary.files] == [
        (f.read, f.loaded, f.rejected) for f in expected_summary.files]


def test_cli_load_engine_spark(tmp_path: Path, spark: Any) -> None:
    csv = tmp_path / "股东.csv"
    csv.write_text("企业名称,统一社会信用代码,股东名称,认缴出资额\n"
                   "吉安市甲有限公司,91360800MA35A0001X,张三,100万\n\n"
                   "吉安市乙有限公司,91360800MA35A0002X,李四,50万\n", encoding="utf-8")
    r = CliRunner().invoke(app, ["load", str(csv), "--store", str(tmp_path / "s"), "--engine", "spark", "--json"])
    assert r.exit_code == 0, r.output
    r2 = CliRunner().invoke(app, ["load", str(csv), "--store", str(tmp_path / "p"), "--json"])
    a, b = LadybugStore(tmp_path / "s"), LadybugStore(tmp_path / "p")
    assert digest(a).sha256 == digest(b).sha256 and a.counts()["Company"] == 2  # src_row skips the blank line
    a.close()
    b.close()
    assert r2.exit_code == 0


@pytest.mark.parametrize(("name", "data", "expect"), [
    ("登记.xlsx", b"PK\x03\x04 not a workbook", "UTF-8 CSV"),
    ("股东.csv", "企业名称,股东名称\n吉安市甲有限公司,张三\n".encode("gb18030"), "UTF-8"),
])
def test_a_file_spark_cannot_read_is_refused_before_loading(tmp_path: Path, name: str, data: bytes, expect: str
                                                           ) -> None:
    bad = tmp_path / name
    bad.write_bytes(data)
    r = CliRunner().invoke(app, ["load", str(bad), "--store", str(tmp_path / "s"), "--engine", "spark",
                                 "--lang", "en"])
    assert r.exit_code == 2 and name in r.output and expect in r.output and "--engine spark" in r.output
    assert "Traceback" not in r.output
    assert not (tmp_path / "s").exists()  # nothing was created


def test_a_line_break_inside_a_cell_fails_that_file(tmp_path: Path, spark: Any) -> None:
    bad = tmp_path / "股东.csv"
    bad.write_text('企业名称,统一社会信用代码,股东名称\n吉安市甲有限公司,91360800MA35A0001X,"张\n三"\n', encoding="utf-8")
    r = CliRunner().invoke(app, ["load", str(bad), "--store", str(tmp_path / "s"), "--engine", "spark", "--json"])
    assert r.exit_code == 1  # the file fails, with the reason; the load reports it like any unreadable file
    err = json.loads(r.output)["files"][0]
    assert "line 2 ends inside a quoted cell" in err["error_en"] and "one record per line" in err["error_en"]
    assert "第 2 行的带引号单元格内有换行" in err["error_zh"] and "每行一条记录" in err["error_zh"]
    assert err["error_zh"].count("股东.csv") == 1 and err["error_en"].count("股东.csv") == 1  # named once
    assert not re.search(r"[A-Za-z]{4,}", err["error_zh"].replace("UTF-8 CSV", "").replace("--engine spark", "")
                         .replace("Spark", "")), err["error_zh"]  # wholly Chinese apart from names
    assert not re.search(r"[\u4e00-\u9fff]", err["error_en"].replace("股东.csv", "")), err["error_en"]
    ok = CliRunner().invoke(app, ["load", str(bad), "--store", str(tmp_path / "p"), "--json"])
    assert ok.exit_code == 0  # near miss: the in-process reader takes the same file
