"""The output seam, table side: one registry serves ``run --format`` and ``clues export --format``."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from guanlian.cli import app
from guanlian.outputs import (
    FILE_TABLE_WRITERS,
    TABLE_WRITERS,
    OutputError,
    Registry,
    Sheet,
    TableData,
    TableWriter,
    frame_table,
    table_writer,
)

runner = CliRunner()

OFFICIALS = ("姓名,公民身份号码,性别,出生年月,工作单位,职务\n"
             "张三,36080219700101001X,男,1970.01,吉安市交通运输局,局长\n"
             "=HYPERLINK(\"x\"),,男,1971.02,吉安市交通运输局,科员\n")


def test_registry_names_and_unknown_format() -> None:
    assert TABLE_WRITERS.names() == ("table", "csv", "json", "xlsx")
    assert FILE_TABLE_WRITERS.names() == ("csv", "json", "xlsx")
    with pytest.raises(OutputError, match="registered: table, csv, json, xlsx"):
        TABLE_WRITERS.get("xml")
    with pytest.raises(OutputError, match="registered: csv, json, xlsx"):
        table_writer("table", None, FILE_TABLE_WRITERS)  # near miss: a console format is not an export format
    with pytest.raises(OutputError, match="give --out"):
        table_writer("xlsx", None)
    with pytest.raises(OutputError, match="console"):
        table_writer("table", Path("x.txt"))


def test_frame_table_cells_are_plain() -> None:
    df = pd.DataFrame({"n": [1, None], "names": [["甲", "乙"], None], "s": ["=1+1", "x"]})
    t = frame_table(df, "q")
    assert t.sheets[0].headers == ("n", "names", "s")
    assert t.sheets[0].rows == ((1.0, "甲、乙", "=1+1"), (None, None, "x"))
    assert t.document[1] == {"n": None, "names": None, "s": "x"}


def test_file_writers_are_formula_safe(tmp_path: Path) -> None:
    data = frame_table(pd.DataFrame({"name": ["=cmd|' /C calc'!A0", "张三"], "amount": [1.5, 2.0]}), "rows")
    got_csv = TABLE_WRITERS.get("csv").write(data, tmp_path / "a.csv")
    assert got_csv is not None
    rows = list(csv.reader(io.StringIO(got_csv.read_text(encoding="utf-8-sig"))))
    assert rows[1][0].startswith("'=") and rows[2] == ["张三", "2.0"]
    got_xlsx = TABLE_WRITERS.get("xlsx").write(data, tmp_path / "sub" / "a.xlsx")
    assert got_xlsx is not None
    ws = load_workbook(got_xlsx)["rows"]
    assert ws["A2"].data_type == "s" and str(ws["A2"].value).startswith("'=") and ws["B3"].value == 2.0
    got_json = TABLE_WRITERS.get("json").write(data, tmp_path / "a.json")
    assert got_json is not None
    assert json.loads(got_json.read_text(encoding="utf-8"))[1] == {"name": "张三", "amount": 2.0}


class _Broken(Exception):
    """An error while the rows are made (a failed Spark job, a lost store)."""


def _rows_then(exc: type[BaseException]) -> Iterator[tuple[str]]:
    """Rows that stop with ``exc`` after a few: what a streamed output (``collide`` to CSV) sees when the
    engine fails or the user presses Ctrl-C halfway."""
    for i in range(3):
        yield (f"甲{i}",)
    raise exc


@pytest.mark.parametrize("exc", [_Broken, KeyboardInterrupt])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_interrupted_file_write_leaves_the_previous_file(tmp_path: Path, fmt: str,
                                                             exc: type[BaseException]) -> None:
    """A table written to a file is all or nothing: rows failing halfway leave no file where there was none,
    the earlier file byte for byte where there was one, and no temporary file beside it."""
    writer = TABLE_WRITERS.get(fmt)
    out = tmp_path / f"pairs.{fmt}"

    def broken() -> TableData:
        return TableData((Sheet("rows", ("name",), _rows_then(exc)),), document=None)  # type: ignore[arg-type]

    with pytest.raises(exc):
        writer.write(broken(), out)
    assert list(tmp_path.iterdir()) == []
    writer.write(frame_table(pd.DataFrame({"name": ["乙"]}), "rows"), out)
    before = out.read_bytes()
    with pytest.raises(exc):
        writer.write(broken(), out)
    assert out.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == [out.name]


def test_write_csv_from_a_generator_is_all_or_nothing(tmp_path: Path) -> None:
    """``write_csv`` (what ``collide`` streams its pairs into) keeps the earlier file when the rows fail."""
    from guanlian.values.sheets import write_csv

    out = write_csv(tmp_path / "m.csv", ["name"], [("丙",)])
    with pytest.raises(KeyboardInterrupt):
        write_csv(out, ["name"], _rows_then(KeyboardInterrupt))
    assert out.read_bytes().decode("utf-8-sig") == "name\r\n丙\r\n"
    assert [p.name for p in tmp_path.iterdir()] == ["m.csv"]
    write_csv(out, ["name"], (r for r in [("丁",), ("戊",)]))  # a generator that ends: written whole
    assert out.read_bytes().decode("utf-8-sig") == "name\r\n丁\r\n戊\r\n"


def test_a_pipe_as_output_is_written_in_place(tmp_path: Path) -> None:
    """``--out`` naming a pipe (``/dev/stdout``, a FIFO) gets the rows in place: nothing is renamed over it."""
    import os
    import threading

    from guanlian.values.sheets import write_csv

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    write_csv(fifo, ["name"], [("甲",)])
    reader.join(timeout=10)
    assert got and got[0].decode("utf-8-sig") == "name\r\n甲\r\n"
    assert fifo.is_fifo() and [p.name for p in tmp_path.iterdir()] == ["pipe"]


def test_a_link_as_output_stays_a_link(tmp_path: Path) -> None:
    """``--out`` naming a symbolic link writes the file it names; the link is not replaced by a file."""
    from guanlian.values.sheets import write_csv

    real = tmp_path / "cases" / "pairs.csv"
    real.parent.mkdir()
    real.write_text("old", encoding="utf-8")
    link = tmp_path / "latest.csv"
    link.symlink_to(real)
    write_csv(link, ["name"], [("甲",)])
    assert link.is_symlink() and real.read_bytes().decode("utf-8-sig") == "name\r\n甲\r\n"
    assert sorted(p.name for p in real.parent.iterdir()) == ["pairs.csv"]


def test_a_new_table_format_is_one_class_and_one_line(tmp_path: Path) -> None:
    @dataclass(frozen=True)
    class Tsv:
        name: str = "tsv"
        suffix: str = ".tsv"
        to_stdout: bool = False

        def write(self, data: TableData, out: Path | None) -> Path | None:
            assert out is not None
            sheet = data.sheets[0]
            lines = ["\t".join(sheet.headers), *("\t".join(str(v) for v in r) for r in sheet.rows)]
            out.write_text("\n".join(lines), encoding="utf-8")
            return out

    reg: Registry[TableWriter] = Registry("table", [*TABLE_WRITERS, Tsv()])
    out = table_writer("tsv", tmp_path / "x.tsv", reg).write(frame_table(pd.DataFrame({"a": [1]}), "q"),
                                                              tmp_path / "x.tsv")
    assert out is not None and out.read_text(encoding="utf-8") == "a\n1"
    with pytest.raises(OutputError, match="already registered"):
        reg.register(Tsv())


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("outputs")
    (d / "officials.csv").write_text(OFFICIALS, encoding="utf-8")
    r = runner.invoke(app, ["load", str(d / "officials.csv"), "--store", str(d / "store"), "--kind", "officials"])
    assert r.exit_code == 0, r.output
    return d / "store"


def test_run_formats(store: Path, tmp_path: Path) -> None:
    q = "official_in_business"
    r = runner.invoke(app, ["run", q, "--store", str(store), "--format", "xml"])
    assert r.exit_code == 2 and "未知格式 'xml'；可选：table, csv, json, xlsx" in r.output, r.output
    r = runner.invoke(app, ["run", q, "--store", str(store), "--format", "xml", "--lang", "en"])
    assert r.exit_code == 2 and "registered: table, csv, json, xlsx" in r.output, r.output
    r = runner.invoke(app, ["run", q, "--store", str(store), "--format", "xlsx"])
    assert r.exit_code == 2 and "--out" in r.output, r.output
    r = runner.invoke(app, ["run", q, "--store", str(store), "--format", "xlsx", "--out", str(tmp_path / "r.xlsx")])
    assert r.exit_code == 0, r.output
    assert load_workbook(tmp_path / "r.xlsx")[q].max_row >= 1  # header row at least
    r = runner.invoke(app, ["run", q, "--store", str(store), "--format", "json"])
    assert r.exit_code == 0 and isinstance(json.loads(r.stdout), list), r.output
    r = runner.invoke(app, ["run", q, "--store", str(store), "--format", "csv"])
    assert r.exit_code == 0 and r.stdout.splitlines()[0].startswith("干部"), r.output
    r = runner.invoke(app, ["run", q, "--store", str(store), "--format", "csv", "--raw"])
    assert r.exit_code == 0 and r.stdout.splitlines()[0].startswith("official"), r.output


def test_console_table_wraps_or_prints_records_never_dots(capsys: pytest.CaptureFixture[str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """A narrow table is a table whose cells wrap; a wide one is printed one record per row, at 80 columns."""
    from rich.cells import cell_len

    monkeypatch.setenv("COLUMNS", "80")
    narrow = pd.DataFrame({"名称": ["吉安市恒信建材有限公司" * 2], "金额": [Decimal("1234567.80")], "空": [None]})
    TABLE_WRITERS.get("table").write(frame_table(narrow, "n"), None)
    out = capsys.readouterr().out
    assert "┃ 名称" in out and "1,234,567.80" in out and "None" not in out and "…" not in out
    wide = pd.DataFrame({f"column_{i}": [f"value number {i} of a wide row"] for i in range(12)})
    TABLE_WRITERS.get("table").write(frame_table(wide, "w", title="wide"), None)
    out = capsys.readouterr().out
    assert "…" not in out and "┃" not in out, "a wide table becomes records, not a table of '…'"
    assert all(f"column_{i} value number {i} of a wide row" in " ".join(out.split()) for i in range(12))
    assert max(cell_len(line) for line in out.splitlines()) <= 80
