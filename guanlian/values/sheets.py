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
from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, WriteOnlyCell
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


def new_workbook() -> Workbook:
    """An empty streaming (write-only) workbook for :func:`add_sheet`: rows go to a temporary file as they are
    appended, so a report citing millions of voucher rows does not hold a cell object per value.

    Example:
        >>> new_workbook().write_only
        True
    """
    return Workbook(write_only=True)


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

    Rows are consumed one at a time and streamed when ``wb`` is write-only (:func:`new_workbook`); an ordinary
    workbook gets the same sheet, in place of its default empty sheet on the first call.

    Args:
        wb: the workbook, best from :func:`new_workbook`.
        title: sheet name (cut to 31 characters; ``[ ] : * ? / \\`` become ``_``).
        headers: column titles.
        rows: row values; strings are neutralised and stored as text, longer ones (over 40 characters) wrapped.
        widths: optional column widths in characters.
        formats: optional Excel number formats of numeric cells, by column index from 0
            (e.g. ``{4: "#,##0.00"}`` for amounts in yuan).
        max_rows: rows per sheet, the header included (default :data:`EXCEL_MAX_ROWS`).

    Example:
        >>> import io
        >>> from openpyxl import load_workbook
        >>> wb = new_workbook()
        >>> add_sheet(wb, "线索", ["名称"], [["=1+1"]])
        >>> add_sheet(wb, "凭证", ["行"], [[1], [2], [3]], max_rows=3)
        >>> buf = io.BytesIO(); wb.save(buf)
        >>> got = load_workbook(buf)
        >>> got["线索"]["A2"].value
        "'=1+1"
        >>> [(ws.title, ws.max_row) for ws in got.worksheets[1:]]
        [('凭证', 3), ('凭证 (2)', 2)]
    """
    part = 1
    title = _SHEET_NAME_BAD.sub("_", title) or "Sheet"
    ws = _start_sheet(wb, title[:31], headers, widths)
    n = 1
    fmt = dict(formats or {})
    for row in rows:
        if n >= max_rows:
            _finish_sheet(ws, headers, n)
            part += 1
            suffix = f" ({part})"
            ws = _start_sheet(wb, title[: 31 - len(suffix)] + suffix, headers, widths)
            n = 1
        n += 1
        ws.append([_styled(ws, col, _clean(v), fmt) for col, v in enumerate(row)])
    _finish_sheet(ws, headers, n)


_WRAP = Alignment(wrap_text=True, vertical="top")
_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")
"""Characters Excel refuses in a sheet name (a query id or a clue title can hold them)."""


def _styled(ws: Any, col: int, value: Any, formats: Mapping[int, str]) -> Any:
    """A cleaned value as it is appended: plain, or a styled cell for long text (wrapped) and formatted numbers.

    Strings are already neutralised by :func:`_clean`, so openpyxl types them as text, never as formulas."""
    if isinstance(value, str):
        if len(value) > 40:
            cell = WriteOnlyCell(ws, value=value)
            cell.data_type = "s"
            cell.alignment = _WRAP
            return cell
        return value
    if formats and col in formats and isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = formats[col]
        return cell
    return value


def _start_sheet(wb: Workbook, title: str, headers: Sequence[str], widths: Sequence[int] | None) -> Any:
    """A new sheet (in place of an ordinary workbook's default empty one) with its column widths, the frozen header
    row and the bold header written; a write-only sheet takes widths and panes only before its first row."""
    first = wb.worksheets[0] if len(wb.worksheets) == 1 and not wb.write_only else None
    if first is not None and first.title == "Sheet" and first.max_row == 1 and first["A1"].value is None:
        wb.remove(first)  # replaced, not reused: reading its A1 moved its append row to 2
    ws = wb.create_sheet(title)
    for i, _ in enumerate(headers, start=1):
        width = widths[i - 1] if widths and i - 1 < len(widths) else 16
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    head = []
    for h in headers:
        cell = WriteOnlyCell(ws, value=_clean(h))
        cell.font = _BOLD
        cell.fill = HEADER_FILL
        head.append(cell)
    ws.append(head)
    return ws


_BOLD = Font(bold=True)


def _finish_sheet(ws: Any, headers: Sequence[str], n: int) -> None:
    """The autofilter over rows 1..``n`` (written after the rows, so a streamed sheet can take it last)."""
    ws.auto_filter.ref = f"A1:{get_column_letter(max(1, len(headers)))}{n}"


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
