"""The output seam: every format guanlian writes, registered once.

* :data:`FINDINGS_WRITERS` — what ``scan`` writes for a findings document, in order: ``findings.json``,
  ``views``, ``report.html``, ``report.xlsx`` (:mod:`guanlian.outputs.findings`).
* :data:`TABLE_WRITERS` — the ``--format`` values of ``run`` and ``clues export``: ``table``, ``csv``,
  ``json``, ``xlsx`` (:mod:`guanlian.outputs.tables`). The clue library's export table is built by
  :func:`guanlian.outputs.clues.clue_table`.

Adding an output = one class with ``name`` and ``write`` + one line here (docs/architecture.md, "Add an
output"). An unknown name is one :class:`OutputError` listing the registered ones.

Example:
    >>> TABLE_WRITERS.names()
    ('table', 'csv', 'json', 'xlsx')
    >>> FILE_TABLE_WRITERS.names()
    ('csv', 'json', 'xlsx')
"""

from __future__ import annotations

from pathlib import Path

from guanlian.outputs.base import (
    FindingsWriter,
    OutputError,
    Registry,
    ScanContext,
    Sheet,
    TableData,
    TableWriter,
    check_target,
)
from guanlian.outputs.findings import FindingsJson, ReportHtml, ReportXlsx, Views
from guanlian.outputs.tables import ConsoleTable, CsvWriter, JsonWriter, XlsxWriter, frame_table

__all__ = [
    "FILE_TABLE_WRITERS",
    "FINDINGS_WRITERS",
    "TABLE_WRITERS",
    "FindingsWriter",
    "OutputError",
    "Registry",
    "ScanContext",
    "Sheet",
    "TableData",
    "TableWriter",
    "frame_table",
    "table_writer",
]

FINDINGS_WRITERS: Registry[FindingsWriter] = Registry("findings", [
    FindingsJson(),
    Views(),
    ReportHtml(),
    ReportXlsx(),
])
"""What ``scan`` writes, in order (the report links the views written before it)."""

TABLE_WRITERS: Registry[TableWriter] = Registry("table", [
    ConsoleTable(),
    CsvWriter(),
    JsonWriter(),
    XlsxWriter(),
])
"""Formats of ``run --format`` and ``clues export --format``."""

FILE_TABLE_WRITERS: Registry[TableWriter] = Registry("export", [w for w in TABLE_WRITERS if w.suffix])
"""The table formats that write a file (``clues export``)."""


def table_writer(name: str, out: Path | None, registry: Registry[TableWriter] = TABLE_WRITERS) -> TableWriter:
    """The table writer for ``--format name`` that can write to ``out`` (a file, or stdout for None).

    Raises:
        OutputError: an unknown name (listing the registered ones), or a writer that cannot write there.

    Example:
        >>> table_writer("csv", None).name
        'csv'
    """
    writer = registry.get(name)
    check_target(writer, out)
    return writer
