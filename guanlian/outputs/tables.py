"""Table writers: ``table`` (console), ``csv``, ``json`` and ``xlsx``, for ``run --format`` and ``clues export``.

Every writer is formula-safe (spreadsheet cells that start with ``= + - @`` are neutralised); masking is done
before the :class:`~guanlian.outputs.base.TableData` is built.

Example:
    >>> import tempfile, pathlib
    >>> data = TableData((Sheet("t", ("name",), (("=1+1",),)),), [{"name": "=1+1"}])
    >>> p = CsvWriter().write(data, pathlib.Path(tempfile.mkdtemp()) / "t.csv")
    >>> p.read_text(encoding="utf-8-sig").splitlines()
    ['name', "'=1+1"]
"""

from __future__ import annotations

import csv
import json
import math
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from guanlian.outputs.base import Sheet, TableData, check_target
from guanlian.values.privacy import neutralise_cell


def _cell(value: Any) -> Any:
    """A plain value for a sheet: None for missing, Python scalars for numpy ones, text for the rest."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, str | bool | int | float):
        return value
    item = getattr(value, "item", None)
    if callable(item) and not hasattr(value, "__len__"):
        return _cell(item())
    return str(value.tolist() if hasattr(value, "tolist") else value)


def frame_table(df: pd.DataFrame, name: str, *, title: str = "", shown_rows: int | None = None) -> TableData:
    """A :class:`TableData` of one DataFrame: one sheet (cells as plain values) and the records as JSON.

    Args:
        df: the rows (already masked as the caller wants).
        name: sheet name.
        title: console title (default ``name``).
        shown_rows: at most this many rows on the console.

    Example:
        >>> t = frame_table(pd.DataFrame({"a": [1, None]}), "q")
        >>> t.sheets[0].rows, t.document
        (((1.0,), (None,)), [{'a': 1.0}, {'a': None}])
    """
    rows = tuple(tuple(_cell(v) for v in row) for row in df.itertuples(index=False, name=None))
    document = json.loads(df.to_json(orient="records", force_ascii=False))
    return TableData((Sheet(name, tuple(str(c) for c in df.columns), rows),), document, title, shown_rows)


@dataclass(frozen=True)
class ConsoleTable:
    """``table``: the first sheet as a console table (at most ``shown_rows`` rows). Console only."""

    name: str = "table"
    suffix: str = ""
    to_stdout: bool = True

    def write(self, data: TableData, out: Path | None) -> Path | None:
        from rich.console import Console
        from rich.table import Table

        check_target(self, out)
        sheet = data.sheets[0]
        t = Table(title=data.title or sheet.name)
        for h in sheet.headers:
            t.add_column(h)
        rows = sheet.rows if data.shown_rows is None else sheet.rows[: data.shown_rows]
        for row in rows:
            t.add_row(*[str(v) for v in row])
        Console().print(t)
        return None


@dataclass(frozen=True)
class CsvWriter:
    """``csv``: the first sheet; a file is UTF-8 with BOM (Excel opens it), standard output plain UTF-8."""

    name: str = "csv"
    suffix: str = ".csv"
    to_stdout: bool = True

    def write(self, data: TableData, out: Path | None) -> Path | None:
        from guanlian.values.sheets import write_csv

        sheet = data.sheets[0]
        if out is not None:
            return write_csv(out, sheet.headers, sheet.rows)
        w = csv.writer(sys.stdout, lineterminator="\n")
        w.writerow([neutralise_cell(h) for h in sheet.headers])
        for row in sheet.rows:
            w.writerow(["" if v is None else neutralise_cell(v) for v in row])
        return None


@dataclass(frozen=True)
class JsonWriter:
    """``json``: the document (everything, structured), UTF-8, indented."""

    name: str = "json"
    suffix: str = ".json"
    to_stdout: bool = True

    def write(self, data: TableData, out: Path | None) -> Path | None:
        text = json.dumps(data.document, ensure_ascii=False, indent=2, default=str) + "\n"
        if out is None:
            sys.stdout.write(text)
            return None
        out = Path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
        return out


@dataclass(frozen=True)
class XlsxWriter:
    """``xlsx``: every sheet, bold frozen header, autofilter, formula-safe text cells. Needs a file."""

    name: str = "xlsx"
    suffix: str = ".xlsx"
    to_stdout: bool = False

    def write(self, data: TableData, out: Path | None) -> Path | None:
        from openpyxl import Workbook

        from guanlian.values.sheets import add_sheet

        check_target(self, out)
        assert out is not None
        wb = Workbook()
        for sheet in data.sheets:
            add_sheet(wb, sheet.name, sheet.headers, sheet.rows,
                      widths=list(sheet.widths) if sheet.widths else None)
        out = Path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        wb.save(out)
        return out
