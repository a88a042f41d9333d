"""Writing tables investigators open in Excel: XLSX sheets and CSV files, formula-safe.

Every string cell goes through :func:`guanlian.values.privacy.neutralise_cell`; XLSX strings are stored as text
cells (never formulas), with a frozen header row and an autofilter. CSV is written as UTF-8 with a BOM so
that Excel on Chinese Windows opens it without garbling.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

import xlsxwriter
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from guanlian.values.files import replacing
from guanlian.values.privacy import FORMULA_PREFIXES, neutralise_cell

HEADER_FILL_RGB = "DDE4EE"
"""The header row's fill colour."""


def _clean(value: Any) -> Any:
    value = neutralise_cell(value)
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    elif value is not None and not isinstance(value, int | float | bool | Decimal):
        value = neutralise_cell(str(value))
    return value


EXCEL_MAX_ROWS = 1_048_576
"""Rows in one Excel sheet, the header included."""

_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")
"""Characters Excel refuses in a sheet name (a query id or a clue title can hold them)."""
_WRAP_OVER = 40
"""Text longer than this is wrapped in its cell."""


class SheetBook:
    """An XLSX file written sheet by sheet and row by row in constant memory (XlsxWriter's ``constant_memory``
    mode: each row is written out before the next, strings inline), so a report citing millions of voucher rows
    holds one row at a time. Make one with :func:`new_workbook`, add sheets with :func:`add_sheet`, then
    :meth:`close` (or use it as a context manager; an exception inside leaves no file).
    """

    def __init__(self, target: str | Path | BinaryIO) -> None:
        self._wb = xlsxwriter.Workbook(str(target) if isinstance(target, Path) else target,
                                       {"constant_memory": True, "nan_inf_to_errors": True})
        self._header = self._wb.add_format({"bold": True, "bg_color": "#" + HEADER_FILL_RGB})
        self._wrap = self._wb.add_format({"text_wrap": True, "valign": "top"})
        self._numbers: dict[str, Any] = {}
        self._names: set[str] = set()

    def __enter__(self) -> SheetBook:
        return self

    def __exit__(self, kind: object, exc: object, tb: object) -> None:
        if kind is None:
            self.close()

    def close(self) -> None:
        """Write the file (nothing is on disk before)."""
        self._wb.close()

    def number_format(self, spec: str) -> Any:
        """The cell format of an Excel number format such as ``#,##0.00`` (one per distinct text)."""
        if spec not in self._numbers:
            self._numbers[spec] = self._wb.add_format({"num_format": spec})
        return self._numbers[spec]

    def sheet_name(self, title: str, suffix: str = "") -> str:
        """``title`` as a sheet name Excel takes: refused characters as ``_``, no apostrophe at either end, at
        most 31 UTF-16 units with ``suffix``, unique in the book ignoring case (`` (2)``, `` (3)`` … added)."""
        base = _SHEET_NAME_BAD.sub("_", title).strip("'") or "Sheet"
        k = 1
        while True:
            tail = suffix + ("" if k == 1 else f" ({k})")
            name = _utf16_cut(base, 31 - _utf16_len(tail)).rstrip("'") + tail
            if name.lower() not in self._names:
                self._names.add(name.lower())
                return name
            k += 1

    def add_worksheet(self, name: str) -> Any:
        return self._wb.add_worksheet(name)

    @property
    def header(self) -> Any:
        return self._header

    @property
    def wrap(self) -> Any:
        return self._wrap


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _utf16_cut(text: str, units: int) -> str:
    """The longest start of ``text`` of at most ``units`` UTF-16 code units (Excel counts sheet names so)."""
    while _utf16_len(text) > max(0, units):
        text = text[:-1]
    return text


def new_workbook(target: str | Path | BinaryIO) -> SheetBook:
    """An empty :class:`SheetBook` writing to ``target`` (a path or a binary buffer) when closed.

    Example:
        >>> import io
        >>> buf = io.BytesIO()
        >>> with new_workbook(buf) as book:
        ...     add_sheet(book, "线索", ["名称"], [["甲"]])
        >>> buf.getvalue()[:2]
        b'PK'
    """
    return SheetBook(target)


def add_sheet(
    book: SheetBook,
    title: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    widths: Sequence[int] | None = None,
    formats: Mapping[int, str] | None = None,
    max_rows: int = EXCEL_MAX_ROWS,
) -> None:
    """Append a sheet with a bold frozen header, an autofilter and formula-safe text cells; rows beyond one
    sheet's ``max_rows`` (Excel's limit) continue on sheets ``title (2)``, ``title (3)`` … with the same header,
    so no row is lost (at 10M rows a report cites more voucher rows than one sheet holds). Rows are taken one at
    a time from ``rows`` and written out at once.

    Args:
        book: the workbook (:func:`new_workbook`).
        title: sheet name (made one Excel takes: see :meth:`SheetBook.sheet_name`).
        headers: column titles.
        rows: row values: strings are neutralised and written as text (never formulas), longer ones (over 40
            characters) wrapped; ints, floats and Decimals as numbers, booleans as booleans, None and NaN blank,
            anything else as its text. Excel keeps at most 32,767 characters of a cell.
        widths: optional column widths in characters (default 16).
        formats: optional Excel number formats of numeric cells, by column index from 0
            (e.g. ``{4: "#,##0.00"}`` for amounts in yuan).
        max_rows: rows per sheet, the header included (default :data:`EXCEL_MAX_ROWS`).

    Example:
        >>> import io
        >>> from openpyxl import load_workbook
        >>> buf = io.BytesIO()
        >>> with new_workbook(buf) as book:
        ...     add_sheet(book, "线索", ["名称"], [["=1+1"]])
        ...     add_sheet(book, "凭证", ["行"], [[1], [2], [3]], max_rows=3)
        >>> got = load_workbook(buf)
        >>> got["线索"]["A2"].value
        "'=1+1"
        >>> [(ws.title, ws.max_row) for ws in got.worksheets[1:]]
        [('凭证', 3), ('凭证 (2)', 2)]
    """
    fmt = {col: book.number_format(spec) for col, spec in (formats or {}).items()}
    part = 1
    ws = _start_sheet(book, book.sheet_name(title), headers, widths)
    n = 1
    for row in rows:
        if n >= max_rows:
            _finish_sheet(ws, headers, n)
            part += 1
            ws = _start_sheet(book, book.sheet_name(title, f" ({part})"), headers, widths)
            n = 1
        r = n
        n += 1
        for col, v in enumerate(row):
            _write(book, ws, r, col, _clean(v), fmt)
    _finish_sheet(ws, headers, n)


def _write(book: SheetBook, ws: Any, r: int, col: int, value: Any, formats: Mapping[int, Any]) -> None:
    """One cleaned value into cell (``r``, ``col``), by its type (strings are already neutralised)."""
    if value is None:
        return
    if isinstance(value, str):
        if value:
            ws.write_string(r, col, value, book.wrap if len(value) > _WRAP_OVER else None)
    elif isinstance(value, bool):
        ws.write_boolean(r, col, value)
    elif isinstance(value, float) and value != value:
        return
    else:
        ws.write_number(r, col, value, formats.get(col))


def _start_sheet(book: SheetBook, name: str, headers: Sequence[str], widths: Sequence[int] | None) -> Any:
    """A new sheet with its column widths, the frozen header row and the bold header written."""
    ws = book.add_worksheet(name)
    for i, _ in enumerate(headers):
        ws.set_column(i, i, widths[i] if widths and i < len(widths) else 16)
    ws.freeze_panes(1, 0)
    for i, h in enumerate(headers):
        ws.write_string(0, i, str(_clean(h)), book.header)
    return ws


def _finish_sheet(ws: Any, headers: Sequence[str], n: int) -> None:
    """The autofilter over the header and the ``n - 1`` rows below it."""
    ws.autofilter(0, 0, max(0, n - 1), max(0, len(headers) - 1))


def write_csv(out: Path, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> Path:
    """Write a formula-safe CSV (UTF-8 with BOM); all or nothing (:func:`~guanlian.values.files.replacing`): rows
    that fail halfway (``rows`` may be a generator) leave ``out`` as it was.

    Example:
        >>> import tempfile, pathlib
        >>> p = write_csv(pathlib.Path(tempfile.mkdtemp()) / "a.csv", ["x"], [["@SUM(A1)"]])
        >>> p.read_text(encoding="utf-8-sig").splitlines()[1]
        "'@SUM(A1)"
    """
    out = Path(out)
    with replacing(out) as tmp, tmp.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow([neutralise_cell(h) for h in headers])
        # neutralise_cell inlined: a function call per cell was a third of the time at 1.6M cells
        w.writerows(["" if v is None else ("'" + v if isinstance(v, str) and v.startswith(FORMULA_PREFIXES) else v)
                     for v in row] for row in rows)
    return out
