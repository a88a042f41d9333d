"""Writing tables investigators open in Excel: XLSX sheets and CSV files, formula-safe.

Every string cell goes through :func:`guanlian.values.privacy.neutralise_cell`; XLSX strings are stored as text
cells (never formulas), with a frozen header row and an autofilter. CSV is written as UTF-8 with a BOM so
that Excel on Chinese Windows opens it without garbling.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook

from guanlian.values.privacy import FORMULA_PREFIXES, neutralise_cell

HEADER_FILL = PatternFill("solid", fgColor="DDE4EE")


def _clean(value: Any) -> Any:
    value = neutralise_cell(value)
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    elif value is not None and not isinstance(value, int | float | bool | Decimal):
        value = neutralise_cell(str(value))
    return value


EXCEL_MAX_ROWS = 1_048_576
"""Rows in one Excel sheet, the header included (openpyxl refuses row 1,048,577)."""


def add_sheet(
    wb: Workbook,
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
    so no row is lost (at 10M rows a report cites more voucher rows than one sheet holds).

    Args:
        wb: the workbook (its default empty sheet is reused for the first call).
        title: sheet name (at most 31 characters).
        headers: column titles.
        rows: row values; strings are neutralised and stored as text.
        widths: optional column widths in characters.
        formats: optional Excel number formats of numeric cells, by column index from 0
            (e.g. ``{4: "#,##0.00"}`` for amounts in yuan).
        max_rows: rows per sheet, the header included (default :data:`EXCEL_MAX_ROWS`).

    Example:
        >>> from openpyxl import Workbook
        >>> wb = Workbook()
        >>> add_sheet(wb, "线索", ["名称"], [["=1+1"]])
        >>> wb["线索"]["A2"].value
        "'=1+1"
        >>> add_sheet(wb, "凭证", ["行"], [[1], [2], [3]], max_rows=3)
        >>> [(ws.title, ws.max_row) for ws in wb.worksheets[1:]]
        [('凭证', 3), ('凭证 (2)', 2)]
    """
    part = 1
    ws = _start_sheet(wb, title[:31], headers)
    n = 1
    for row in rows:
        if n >= max_rows:
            _finish_sheet(ws, headers, n, widths)
            part += 1
            suffix = f" ({part})"
            ws = _start_sheet(wb, title[: 31 - len(suffix)] + suffix, headers)
            n = 1
        n += 1
        for col, v in enumerate(row, start=1):
            cell = ws.cell(row=n, column=col, value=_clean(v))
            if isinstance(cell.value, str):
                cell.data_type = "s"
            elif formats and col - 1 in formats and isinstance(cell.value, int | float):
                cell.number_format = formats[col - 1]
    _finish_sheet(ws, headers, n, widths)


def _start_sheet(wb: Workbook, title: str, headers: Sequence[str]) -> Any:
    """A new sheet (the workbook's default empty one reused) with the bold header row written."""
    first = wb.worksheets[0] if len(wb.worksheets) == 1 else None
    if first is not None and first.title == "Sheet" and first.max_row == 1 and first["A1"].value is None:
        ws = first
        ws.title = title
    else:
        ws = wb.create_sheet(title)
    for col, h in enumerate(headers, start=1):
        cell = ws.cell(row=1, column=col, value=_clean(h))
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
    return ws


def _finish_sheet(ws: Any, headers: Sequence[str], n: int, widths: Sequence[int] | None) -> None:
    """Frozen header, autofilter over rows 1..``n``, column widths, long text wrapped."""
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(max(1, len(headers)))}{n}"
    for i, _ in enumerate(headers, start=1):
        width = widths[i - 1] if widths and i - 1 < len(widths) else 16
        ws.column_dimensions[get_column_letter(i)].width = width
    for row_cells in ws.iter_rows(min_row=2):
        for cell in row_cells:
            if isinstance(cell.value, str) and len(cell.value) > 40:
                cell.alignment = Alignment(wrap_text=True, vertical="top")


def write_csv(out: Path, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> Path:
    """Write a formula-safe CSV (UTF-8 with BOM).

    Example:
        >>> import tempfile, pathlib
        >>> p = write_csv(pathlib.Path(tempfile.mkdtemp()) / "a.csv", ["x"], [["@SUM(A1)"]])
        >>> p.read_text(encoding="utf-8-sig").splitlines()[1]
        "'@SUM(A1)"
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow([neutralise_cell(h) for h in headers])
        # neutralise_cell inlined: a function call per cell was a third of the time at 1.6M cells
        w.writerows(["" if v is None else ("'" + v if isinstance(v, str) and v.startswith(FORMULA_PREFIXES) else v)
                     for v in row] for row in rows)
    return out
