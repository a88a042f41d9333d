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
import io
import json
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd

from guanlian.outputs.base import Sheet, TableData, check_target
from guanlian.values.files import replacing
from guanlian.values.privacy import neutralise_cell, plain
from guanlian.values.vocab import Lang


def _cell(value: Any, lang: Lang = "zh") -> Any:
    """A plain value for a sheet: None for missing, Python scalars for numpy ones, exact Decimals kept, lists
    joined (``、`` or ``, ``), maps as JSON text, text for the rest."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, str | bool | int | float | Decimal):
        return value
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    if isinstance(value, list | tuple):
        parts = [_cell(v, lang) for v in value]
        return ("、" if lang == "zh" else ", ").join(str(v) for v in parts if v is not None)
    item = getattr(value, "item", None)
    if callable(item) and not hasattr(value, "__len__"):
        return _cell(item(), lang)
    if hasattr(value, "tolist"):
        return _cell(value.tolist(), lang)
    return str(value)


def _json_value(value: Any) -> Any:
    """A value for the JSON document: exact money (Decimal) as its text (``"1229983.83"``), like findings.json."""
    value = plain(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list):
        return [_json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items()}
    return value


def frame_table(df: pd.DataFrame, name: str, *, title: str = "", shown_rows: int | None = None,
                headers: Sequence[str] | None = None, lang: Lang = "zh") -> TableData:
    """A :class:`TableData` of one DataFrame: one sheet (cells as plain values) and the records as JSON.

    Args:
        df: the rows (already masked as the caller wants); its column names are the JSON keys.
        name: sheet name.
        title: console title (default ``name``).
        shown_rows: at most this many rows on the console.
        headers: column headers for the sheet (default: the column names).
        lang: how lists are joined in cells (``、`` or ``, ``).

    Example:
        >>> t = frame_table(pd.DataFrame({"a": [1, None], "b": [["甲", "乙"], None]}), "q")
        >>> t.sheets[0].rows, t.document
        (((1.0, '甲、乙'), (None, None)), [{'a': 1.0, 'b': ['甲', '乙']}, {'a': None, 'b': None}])
    """
    rows = tuple(tuple(_cell(v, lang) for v in row) for row in df.itertuples(index=False, name=None))
    cols = [str(c) for c in df.columns]
    document = [{c: _json_value(v) for c, v in zip(cols, row, strict=True)}
                for row in df.itertuples(index=False, name=None)]
    shown = tuple(headers) if headers is not None else tuple(cols)
    return TableData((Sheet(name, shown, rows),), document, title, shown_rows, lang)


def _text(value: Any) -> str:
    """A cell as console text: blank for missing, money with thousands separators."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


@dataclass(frozen=True)
class ConsoleTable:
    """``table``: the first sheet on the console (at most ``shown_rows`` rows). Console only.

    A table that fits the terminal (columns wrapped at :attr:`wrap_at` cells) is printed as a table whose
    cells wrap; a wider one is printed one record per row (``label: value`` lines, values wrapped), so that
    nothing is cut to "…" at 80 columns.
    """

    name: str = "table"
    suffix: str = ""
    to_stdout: bool = True
    wrap_at: int = 28

    def write(self, data: TableData, out: Path | None) -> Path | None:
        from rich.console import Console

        check_target(self, out)
        console = Console()
        sheet = data.sheets[0]
        rows = sheet.rows if data.shown_rows is None else sheet.rows[: data.shown_rows]
        texts = [[_text(v) for v in row] for row in rows]
        title = data.title or sheet.name
        if self.fits(sheet.headers, texts, console.width):
            console.print(self._table(title, sheet.headers, texts))
        else:
            self._records(console, title, sheet.headers, texts)
        if len(rows) < len(sheet.rows):
            console.print(f"仅显示前 {len(rows)} 行，共 {len(sheet.rows)} 行；全部写出请用 --format csv|xlsx|json --out 文件"
                          if data.lang == "zh" else f"showing {len(rows)} of {len(sheet.rows)} rows: write them all "
                          "with --format csv|xlsx|json --out FILE", highlight=False)
        return None

    def fits(self, headers: Sequence[str], texts: Sequence[Sequence[str]], width: int) -> bool:
        """Whether a table of these cells fits ``width`` terminal cells with every column at least as wide as
        its header's longest word and at most :attr:`wrap_at`."""
        from rich.cells import cell_len

        need = 1
        for i, h in enumerate(headers):
            longest = max([cell_len(h)] + [cell_len(line) for row in texts for line in row[i].splitlines()])
            word = max(cell_len(w) for w in (h.split() or [""]))
            need += max(min(longest, self.wrap_at), word, 4) + 3
        return need <= width

    @staticmethod
    def _table(title: str, headers: Sequence[str], texts: Sequence[Sequence[str]]) -> Any:
        from rich.table import Table

        t = Table(title=title)
        for h in headers:
            t.add_column(h, overflow="fold")
        for row in texts:
            t.add_row(*row)
        return t

    @staticmethod
    def _records(console: Any, title: str, headers: Sequence[str], texts: Sequence[Sequence[str]]) -> None:
        from rich.rule import Rule
        from rich.table import Table

        console.print(title, style="bold", highlight=False)
        for n, row in enumerate(texts, start=1):
            console.print(Rule(f"{n}", align="left"))
            grid = Table.grid(padding=(0, 1))
            grid.add_column(style="bold", no_wrap=True)
            grid.add_column(overflow="fold")
            for h, v in zip(headers, row, strict=True):
                grid.add_row(h, v)
            console.print(grid)


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
        with replacing(out) as tmp:
            tmp.write_text(text, encoding="utf-8")
        return out


@dataclass(frozen=True)
class XlsxWriter:
    """``xlsx``: every sheet, bold frozen header, autofilter, formula-safe text cells. Needs a file."""

    name: str = "xlsx"
    suffix: str = ".xlsx"
    to_stdout: bool = False

    def write(self, data: TableData, out: Path | None) -> Path | None:
        check_target(self, out)
        assert out is not None
        out = Path(out)
        with replacing(out) as tmp:
            _save_xlsx(data, tmp)
        return out


def _save_xlsx(data: TableData, target: Path | io.BytesIO) -> None:
    """Every sheet of ``data`` streamed into one workbook saved to ``target`` (a path or a buffer)."""
    from guanlian.values.sheets import add_sheet, new_workbook

    with new_workbook(target) as book:
        for sheet in data.sheets:
            add_sheet(book, sheet.name, sheet.headers, sheet.rows,
                      widths=list(sheet.widths) if sheet.widths else None)


def xlsx_bytes(data: TableData) -> bytes:
    """``data`` as the bytes of the XLSX file :class:`XlsxWriter` writes (for a download).

    Example:
        >>> xlsx_bytes(frame_table(pd.DataFrame({"a": [1]}), "q"))[:2]
        b'PK'
    """
    buf = io.BytesIO()
    _save_xlsx(data, buf)
    return buf.getvalue()
