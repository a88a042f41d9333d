"""Loaders: read messy Chinese exports, map headers, parse values, build graph rows, account for every row.

One module per source kind (``officials``, ``relatives``, ``companies``, ``shareholders``, ``officers``,
``changes``, ``payments``, ``subsidies``); :func:`load_files` runs them against a store.
"""

from __future__ import annotations

from guanlian.loaders.pipeline import (
    KINDS,
    FileResult,
    LoadError,
    LoadSummary,
    detect_kind,
    load_files,
    parse_file,
)
from guanlian.loaders.read import ReadError

__all__ = ["KINDS", "FileResult", "LoadError", "LoadSummary", "ReadError", "detect_kind", "load_files", "parse_file"]
