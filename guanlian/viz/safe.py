"""Escaping and masking shared by every human-facing output (HTML views, report, XLSX/CSV exports).

* :func:`neutralise_cell` stops spreadsheet formula injection (CSV/XLSX).
* :func:`mask_text` / :func:`mask_id` hide resident ID numbers unless the user asked for them.
* :func:`json_for_script` serialises data for a ``<script type="application/json">`` block.

Resident-ID masking is delegated to :mod:`guanlian.matching.identifiers` (``mask_resident_id``,
``mask_ids_in_text``) so that every output masks the same way; a local equivalent is used only when that
module is not importable.
"""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Callable
from typing import Any

FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
"""Leading characters that make Excel/LibreOffice treat a cell as a formula (OWASP CSV injection)."""


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


# --- resident ID masking -----------------------------------------------------------------------------

_ID_RE = re.compile(
    r"(?<![0-9A-Za-z])([1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[0-9Xx]"
    r"|[1-9]\d{7}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3})(?![0-9A-Za-z])"
)


def _local_mask_id(number: str) -> str:
    s = number.strip()
    if len(s) <= 8:
        return "*" * len(s)
    return s[:4] + "*" * (len(s) - 8) + s[-4:]


def _local_mask_text(text: str) -> str:
    return _ID_RE.sub(lambda m: _local_mask_id(m.group(0)), text)


def _identifiers_fn(name: str) -> Callable[[str], str] | None:
    try:
        mod = importlib.import_module("guanlian.matching.identifiers")
    except ImportError:
        return None
    fn = getattr(mod, name, None)
    return fn if callable(fn) else None


def mask_id(number: str | None, show_ids: bool = False) -> str:
    """Mask one resident ID number (``3624**********1234``) unless ``show_ids``.

    Args:
        number: an ID number as stored (18 or 15 characters), or None.
        show_ids: return the number unchanged.

    Returns:
        The masked (or original) number; ``""`` for None.

    Example:
        >>> mask_id("36240119680512123X")
        '3624**********123X'
    """
    if not number:
        return ""
    if show_ids:
        return number
    fn = _identifiers_fn("mask_resident_id")
    masked = fn(number) if fn else _local_mask_id(number)
    # whatever the shared helper does with odd input, never let the raw number through
    return masked if masked != number else _local_mask_id(number)


def mask_text(text: Any, show_ids: bool = False) -> str:
    """Mask every resident ID number inside free text unless ``show_ids``.

    Args:
        text: any value; it is converted with ``str`` (None becomes ``""``).
        show_ids: return the text unchanged.

    Returns:
        The text with each 15/18-digit resident ID masked.

    Example:
        >>> mask_text("刘桂英 360821194503012042")
        '刘桂英 3608**********2042'
    """
    if text is None:
        return ""
    s = str(text)
    if show_ids:
        return s
    fn = _identifiers_fn("mask_ids_in_text")
    out = fn(s) if fn else s
    return _local_mask_text(out)


def json_for_script(data: Any) -> str:
    """Serialise ``data`` as JSON safe to embed inside an HTML ``<script>`` element.

    ``<``, ``>`` and ``&`` are written as ``\\u003c``/``\\u003e``/``\\u0026`` so no data can close the
    script element or open a comment, whatever it contains.

    Example:
        >>> json_for_script({"n": "</script><img src=x>"})
        '{"n": "\\\\u003c/script\\\\u003e\\\\u003cimg src=x\\\\u003e"}'
    """
    s = json.dumps(data, ensure_ascii=False, default=str)
    return (
        s.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )
