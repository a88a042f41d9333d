"""Privacy and safety of values on their way to people: masking resident IDs, spreadsheet-safe cells, plain values.

* :func:`mask_id` / :func:`mask_text` hide resident IDs in one value unless the user asked for them;
  :func:`mask_nested` does it for every string inside dicts, lists and arrays (findings documents, clue
  exports, query rows); :func:`mask_frame` for every text cell of a DataFrame.
* :func:`neutralise_cell` / :func:`neutralise_frame` stop spreadsheet formula injection (CSV/XLSX).
* :func:`plain` turns the values engines and pandas hand back (numpy scalars, NA, NaN, NaT, arrays) into
  plain Python values.

What counts as a resident ID in free text is decided by :func:`guanlian.values.ids.find_ids_in_text`.

Example:
    >>> mask_nested({"id_number": "N/A", "note": ["张三 11010519491231002X"]})
    {'id_number': '***', 'note': ['张三 1101**********002X']}
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from typing import Any

import pandas as pd

from guanlian.model import RESIDENT_ID_PROPS
from guanlian.values.ids import mask_ids_in_text, mask_resident_id

__all__ = [
    "FORMULA_PREFIXES",
    "mask_frame",
    "mask_id",
    "mask_nested",
    "mask_text",
    "neutralise_cell",
    "neutralise_frame",
    "plain",
]

FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
"""Leading characters that make Excel/LibreOffice treat a cell as a formula (OWASP CSV injection)."""


def plain(value: Any) -> Any:
    """A plain Python value: None for None/NA/NaN/NaT, Python scalars for numpy scalars, lists for arrays.

    Lists, tuples and arrays become lists with each item made plain; dicts and strings are returned as they are.

    Example:
        >>> import numpy as np
        >>> plain(np.int64(3)), plain(float("nan")), plain(pd.NA), plain(np.array([1, 2]))
        (3, None, None, [1, 2])
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, str | bytes | dict):
        return value
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    tolist = getattr(value, "tolist", None)
    if callable(tolist):  # numpy arrays and scalars (a scalar's tolist() is its Python value)
        return plain(tolist())
    return value


def mask_id(number: str | None, show_ids: bool = False) -> str:
    """Mask a value known to be a resident ID (``3624**********1234``) unless ``show_ids``.

    Whatever the value looks like, it is never shown raw: one that is not ID-shaped (odd length, ``N/A``)
    keeps at most its first and last 4 characters.

    Args:
        number: an ID number as stored (18 or 15 characters), or None.
        show_ids: return the number unchanged.

    Returns:
        The masked (or original) number; ``""`` for None or blank.

    Example:
        >>> mask_id("36240119680512123X")
        '3624**********123X'
        >>> mask_id("3608211945030120"), mask_id("N/A")
        ('3608********0120', '***')
    """
    if not number:
        return ""
    if show_ids:
        return number
    masked = mask_resident_id(number)
    if masked != number:
        return masked
    s = number.strip()
    return "*" * len(s) if len(s) <= 8 else s[:4] + "*" * (len(s) - 8) + s[-4:]


def mask_text(text: Any, show_ids: bool = False) -> str:
    """Mask every resident ID inside free text unless ``show_ids``.

    Args:
        text: any value; it is converted with ``str`` (None becomes ``""``).
        show_ids: return the text unchanged.

    Returns:
        The text with each resident ID masked (credit codes, phone numbers and other digits unchanged).

    Example:
        >>> mask_text("刘桂英 360821194503012042")
        '刘桂英 3608**********2042'
    """
    if text is None:
        return ""
    s = str(text)
    return s if show_ids else mask_ids_in_text(s)


def mask_nested(value: Any, id_keys: Collection[str] = RESIDENT_ID_PROPS, *, key: str = "") -> Any:
    """``value`` with resident IDs masked in every string inside it (dicts, lists, tuples and arrays included).

    A string under a key in ``id_keys`` (the model's resident-ID properties by default) is masked whole with
    :func:`mask_id`; every other string has the IDs inside it masked (:func:`mask_text`). Non-string scalars are
    returned unchanged; tuples and arrays come back as lists.

    Args:
        value: a JSON-like value (a findings document, a clue, a query row …).
        id_keys: names of fields that hold a resident ID.
        key: the field name ``value`` sits under (used when recursing).

    Returns:
        A new value; the input is not changed.

    Example:
        >>> mask_nested({"entities": [{"key": "ric:36080219700101001X", "id_number": "36080219700101001X"}]})
        {'entities': [{'key': 'ric:3608**********001X', 'id_number': '3608**********001X'}]}
    """
    if isinstance(value, str):
        return mask_id(value) if key in id_keys else mask_ids_in_text(value)
    if isinstance(value, Mapping):
        return {k: mask_nested(v, id_keys, key=str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [mask_nested(v, id_keys, key=key) for v in value]
    tolist = getattr(value, "tolist", None)
    if callable(tolist):
        items = tolist()
        return [mask_nested(v, id_keys, key=key) for v in items] if isinstance(items, list) else items
    return value


def mask_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Copy of ``df`` with resident IDs masked in every text cell (:func:`mask_nested` per cell).

    Example:
        >>> mask_frame(pd.DataFrame({"who": ["张三 11010519491231002X"], "n": [1]}))["who"].tolist()
        ['张三 1101**********002X']
    """
    out = df.copy()
    for c in out.columns:
        if out[c].dtype == object or str(out[c].dtype).startswith(("str", "string")):
            out[c] = out[c].map(lambda v: mask_nested(v, ()))
    return out


def neutralise_cell(value: Any) -> Any:
    """Make a value safe to write into a CSV or XLSX cell.

    Strings starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return get a leading apostrophe so that
    spreadsheet programs show them as text instead of evaluating them. Numbers, dates, booleans and None are
    returned unchanged (a real negative number is not a formula).

    Args:
        value: any cell value.

    Returns:
        The value, with a ``'`` prefix if it is a string that could be read as a formula.

    Example:
        >>> neutralise_cell("=cmd|' /C calc'!A0")
        "'=cmd|' /C calc'!A0"
        >>> neutralise_cell(-1.5)
        -1.5
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def neutralise_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Copy of ``df`` whose cells and column names cannot run as spreadsheet formulas.

    Example:
        >>> neutralise_frame(pd.DataFrame({"=x": ["@SUM(A1)", "ok"]})).to_dict("list")
        {"'=x": ["'@SUM(A1)", 'ok']}
    """
    out = df.copy()
    for c in out.columns:
        out[c] = out[c].map(neutralise_cell)
    out.columns = [neutralise_cell(c) for c in out.columns]
    return out
