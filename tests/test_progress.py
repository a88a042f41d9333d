"""The progress seam: bars only on a terminal and not under --json, late bars only, the final line, and the
load pipeline reporting through it on real files."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from guanlian import progress
from guanlian.demo import generate
from guanlian.graph.ladybug import LadybugStore
from guanlian.loaders import load_files


def terminal() -> tuple[Console, io.StringIO]:
    buf = io.StringIO()
    return Console(file=buf, force_terminal=True, width=120, color_system=None), buf


def test_wanted_only_on_a_terminal_and_never_under_json() -> None:
    console, _ = terminal()
    assert progress.wanted(console)
    assert not progress.wanted(console, as_json=True)
    assert not progress.wanted(Console(file=io.StringIO()))  # a pipe or a file: no bars


def test_without_a_reporter_tasks_count_but_print_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    with progress.task("解析 / parsing", total=2) as t:
        t.advance(2)
        progress.step("ignored")
    assert t.done == 2
    assert capsys.readouterr() == ("", "")


def test_bars_show_counts_and_the_final_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress, "SHOW_AFTER_S", 0.0)
    console, buf = terminal()
    with progress.reporting(console):
        with progress.task("查询 / saved queries", total=3) as t:
            t.advance(3)
        with progress.phase("匹配 / matching"):
            progress.step("匹配：写入链接 / matching: writing links")
    out = buf.getvalue()
    assert "查询" in out and "saved queries" not in out and "3/3" in out  # the label in the reporter's language
    assert "匹配：写入链接" in out and "writing" not in out  # step relabels the innermost open task
    assert "完成:" in out and "峰值内存" in out and "GiB" in out
    console, buf = terminal()
    with progress.reporting(console, lang="en"), progress.task("查询 / saved queries", total=1) as t:
        t.advance()
    out = buf.getvalue()
    assert "saved queries" in out and "查询" not in out and "done:" in out and "peak memory" in out


def test_short_tasks_leave_no_bar_and_a_disabled_reporter_prints_nothing() -> None:
    console, buf = terminal()
    with progress.reporting(console):  # SHOW_AFTER_S = 2: a task this short never becomes visible
        with progress.task("短 / short", total=1) as t:
            t.advance()
    out = buf.getvalue()
    assert "短" not in out and "完成:" in out
    console, buf = terminal()
    with progress.reporting(console, enabled=False), progress.task("x / hidden", total=1) as t:
        t.advance()
    assert buf.getvalue() == ""


def test_load_reports_files_parsed_and_tables_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress, "SHOW_AFTER_S", 0.0)
    world = generate(tmp_path / "w", size="tiny", seed=3)
    files = [Path(p) for p, _k in world.files]
    console, buf = terminal()
    store = LadybugStore(tmp_path / "store")
    try:
        with progress.reporting(console):
            summary = load_files(store, files, rejects_path=tmp_path / "rejects.csv")
    finally:
        store.close()
    assert summary.ok
    out = buf.getvalue()
    assert f"{len(files)}/{len(files)}" in out  # one count per file parsed
    assert "写入" in out and "汇总付款" in out  # tables written, PAID totals rebuilt (labels in Chinese)


def test_each_command_ends_with_the_final_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """load, match and scan end with the time-and-memory line, in the command's language, after their summary
    (stdout and stderr share one terminal here, so the order is the one a user sees)."""
    from typer.testing import CliRunner

    from guanlian import cli

    world = generate(tmp_path / "w", size="tiny", seed=3)
    store = str(tmp_path / "store")
    runs = [
        (["load", str(world.files[0][0].parent / "manifest.json"), "--store", store, "--lang", "en"], "done: "),
        (["match", "--store", store], "完成: "),
        (["scan", "--store", store, "--out", str(tmp_path / "out"), "--views", "none", "--lang", "en"], "done: "),
    ]
    for args, final in runs:
        shared, buf = terminal()
        monkeypatch.setattr(cli, "console", shared)
        monkeypatch.setattr(cli, "err", shared)
        result = CliRunner().invoke(cli.app, args)
        assert result.exit_code == 0, result.output
        lines = [line for line in buf.getvalue().splitlines() if line.strip()]
        assert len(lines) > 1, args[0]  # the command's own summary came first
        assert lines[-1].startswith(final) and "GiB" in lines[-1], (args[0], lines[-3:])
        other = "完成: " if final == "done: " else "done: "
        assert not any(line.startswith(other) for line in lines), args[0]  # one final line, one language
