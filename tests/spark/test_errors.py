"""Bad input and a Spark that cannot start: one clear line naming the fix, exit status 2, no stack trace."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from guanlian.cli import app
from guanlian.spark import SparkError, parse_conf

pytestmark = pytest.mark.spark

ROOT = Path(__file__).resolve().parents[2]


def _cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The CLI in a fresh process (a new JVM: the test session's SparkSession would otherwise be reused)."""
    code = "import sys; from guanlian.cli import main; sys.argv[0] = 'guanlian'; main()"
    full = {**os.environ, "PYTHONPATH": str(ROOT), **env}
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=full,
                          timeout=300, check=False)


def test_no_java_names_the_fix(tmp_path: Path) -> None:
    p = _cli(["collide", "a.csv", "b.csv", "--engine", "spark", "--out", str(tmp_path / "x.csv")],
             {"JAVA_HOME": str(tmp_path / "no-such-jdk")})
    assert p.returncode == 2
    assert "JAVA_HOME" in p.stderr and "openjdk-17" in p.stderr
    assert "Traceback" not in p.stderr


def test_load_without_java_names_the_fix_and_creates_nothing(tmp_path: Path) -> None:
    csv = tmp_path / "股东.csv"
    csv.write_text("企业名称,股东名称\n吉安市甲有限公司,张三\n", encoding="utf-8")
    p = _cli(["load", str(csv), "--store", str(tmp_path / "s"), "--engine", "spark"],
             {"JAVA_HOME": str(tmp_path / "no-such-jdk")})
    assert p.returncode == 2 and "JAVA_HOME" in p.stderr and "openjdk-17" in p.stderr
    assert "Traceback" not in p.stderr
    assert not (tmp_path / "s").exists()


def test_bad_master_url_names_the_fix(tmp_path: Path, spark: Any) -> None:
    p = _cli(["collide", "a.csv", "b.csv", "--engine", "spark", "--spark-master", "nonsense://nowhere",
              "--out", str(tmp_path / "x.csv")], {})
    assert p.returncode == 2, p.stderr[-2000:]
    assert "--spark-master" in p.stderr and "nonsense://nowhere" in p.stderr
    assert "Traceback" not in p.stderr


def test_unknown_engine_and_bad_conf() -> None:
    r = CliRunner().invoke(app, ["collide", "a.csv", "b.csv", "--engine", "hadoop"])
    assert r.exit_code == 2 and "未知引擎 'hadoop'" in r.output and "in-process 或 spark" in r.output
    r = CliRunner().invoke(app, ["collide", "a.csv", "b.csv", "--engine", "hadoop", "--lang", "en"])
    assert r.exit_code == 2 and "in-process or spark" in r.output
    with pytest.raises(SparkError, match="key=value"):
        parse_conf(["spark.driver.memory"])
    assert parse_conf(["a=b=c"]) == {"a": "b=c"}  # near miss: '=' inside the value is kept


def test_unreadable_file_with_spark_engine(tmp_path: Path, spark: Any) -> None:
    bad = tmp_path / "人员.xlsx"
    bad.write_bytes(b"PK\x03\x04 this is not a workbook")
    good = tmp_path / "b.csv"
    good.write_text("姓名,身份证号\n张三,110105194912310026\n", encoding="utf-8")
    r = CliRunner().invoke(app, ["collide", str(bad), str(good), "--engine", "spark",
                                 "--out", str(tmp_path / "x.csv")])
    assert r.exit_code == 2 and "人员.xlsx" in r.output
    assert not (tmp_path / "x.csv").exists()


def test_a_failed_job_names_its_stage_failure_and_the_setting_to_change() -> None:
    from guanlian.spark.matching import job_failure

    trace = ("An error occurred while calling o1068.getResult. : org.apache.spark.SparkException: Exception thrown in "
             "awaitResult: \n\tat org.apache.spark.util.SparkThreadUtils$.awaitResult(SparkThreadUtils.scala:53)\n"
             "Caused by: org.apache.spark.SparkException: Job aborted due to stage failure: Total size of serialized "
             "results of 32 tasks (1199.2 MiB) is bigger than spark.driver.maxResultSize (1024.0 MiB)\n"
             "\tat org.apache.spark.scheduler.DAGScheduler.failJobAndIndependentStages(DAGScheduler.scala:3122)")
    zh, en = job_failure(trace)
    assert en.startswith("the Spark job failed: Total size of serialized results of 32 tasks (1199.2 MiB)")
    assert "--conf spark.driver.maxResultSize=" in en and "spark.driver.maxResultSize=" in zh
    assert "awaitResult" not in en and "DAGScheduler" not in en  # the reason, not the stack
    # near miss: another stage failure gets its reason and no advice about result sizes
    other = job_failure("Job aborted due to stage failure: Task 2 in stage 60.0 failed 1 times, most recent failure: "
                        "TaskResultLost (result lost from block manager)\nDriver stacktrace:\n\tat org.apache.x")
    assert other[1] == ("the Spark job failed: Task 2 in stage 60.0 failed 1 times, most recent failure: "
                        "TaskResultLost (result lost from block manager)")
    assert "maxResultSize" not in other[0]


def test_a_failed_ordered_collision_is_one_line_and_leaves_the_session_usable(tmp_path: Path, spark: Any) -> None:
    """``link_ordered`` (what ``collide --engine spark`` to a CSV runs): a real failed write (the work folder
    under a regular file) comes back as one sentence, not a Java stack; the cached feature tables are released,
    and the same engine then finishes a collision. A work folder holding files is refused before any job."""
    from guanlian.matching.matcher import MatchConfig, collide
    from guanlian.matching.synth import make_labelled
    from guanlian.spark import SparkEngine

    right, left = make_labelled(300, 80, seed=7)
    engine = SparkEngine(spark, partitions=2)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(SparkError) as failed:
        engine.link_ordered(left, right, MatchConfig(), blocker / "work")
    text = str(failed.value)
    assert text.startswith("the Spark job failed:") or text.startswith("Spark 作业失败"), text
    assert "not a directory" in text and str(blocker) in text  # the reason, naming the path
    assert " at org." not in text and "error occurred while calling" not in text and "\n" not in text.strip()
    assert engine._cached == []  # released: nothing stays persisted after the failure
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "keep.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(SparkError, match="not an empty folder|不是空目录"):
        engine.link_ordered(left, right, MatchConfig(), busy)
    assert [f.name for f in busy.iterdir()] == ["keep.txt"]  # nothing written into someone else's folder
    got = engine.link_ordered(left, right, MatchConfig(), tmp_path / "work")
    assert got.pairs == len(collide(left, right)) > 0
