"""The output seam's types: what a writer is given, the two writer protocols, and the registry.

Two families of writers, because guanlian writes two kinds of things:

* a **findings writer** turns a scan's :class:`~guanlian.finding.FindingsDoc` into files in a folder
  (``findings.json``, ``views``, ``report.html``, ``report.xlsx``); ``scan`` runs every registered one in
  order, and a later writer may read what an earlier one wrote (the report links the views) through
  :class:`ScanContext`;
* a **table writer** turns a :class:`TableData` (named sheets of rows plus a JSON document) into one file or
  the console (``table``, ``csv``, ``json``, ``xlsx``); ``run --format`` and ``clues export --format`` pick one
  by name.

Example:
    >>> reg = Registry("demo", [_Named("a"), _Named("b")])
    >>> reg.names()
    ('a', 'b')
    >>> reg.get("c")
    Traceback (most recent call last):
    ...
    guanlian.outputs.base.OutputError: 未知格式 'c'；可选：a, b / unknown demo format 'c'; registered: a, b
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from guanlian.values.vocab import Lang, said

if TYPE_CHECKING:
    from guanlian.finding import FindingsDoc


class OutputError(ValueError):
    """An output cannot be written as asked (unknown format, a console-only format given a file …)."""


# -- tables -------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Sheet:
    """One table: a name (the XLSX sheet, the console title), column headers and rows of plain values.

    Values are ``str``, ``int``, ``float``, ``bool``, :class:`~decimal.Decimal` (exact money in yuan) or
    ``None`` (writers neutralise spreadsheet formulas; masking is the caller's business, done before the sheet
    is built).
    """

    name: str
    headers: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    widths: tuple[int, ...] | None = None


@dataclass(frozen=True)
class TableData:
    """What a table writer writes: sheets (``csv``/``table``: the first; ``xlsx``: all) and ``document``, the
    same content as one JSON value (``json``)."""

    sheets: tuple[Sheet, ...]
    document: Any
    title: str = ""
    """Console title (default: the first sheet's name)."""
    shown_rows: int | None = None
    """At most this many rows on the console (``table``); files always get every row."""
    lang: Lang = "zh"
    """Language of the writer's own words (the console's "showing N of M rows" line)."""


class TableWriter(Protocol):
    """Writes a :class:`TableData` to a file, or to the console/stdout when ``out`` is None."""

    @property
    def name(self) -> str:
        """The ``--format`` value (``csv``)."""
        ...

    @property
    def suffix(self) -> str:
        """File suffix for a default file name (``.csv``); empty for console-only writers."""
        ...

    @property
    def to_stdout(self) -> bool:
        """Whether the writer can write without a file (``out=None``)."""
        ...

    def write(self, data: TableData, out: Path | None) -> Path | None:
        """Write ``data`` to ``out`` (created with its folder) or, with ``out=None``, to standard output.

        Returns:
            The file written, or None for standard output.
        """
        ...


def check_target(writer: TableWriter, out: Path | None) -> None:
    """Raise :class:`OutputError` when ``writer`` cannot write to ``out`` (a file, or stdout for None).

    Example:
        >>> from guanlian.outputs import TABLE_WRITERS
        >>> check_target(TABLE_WRITERS.get("xlsx"), None)
        Traceback (most recent call last):
        ...
        guanlian.outputs.base.OutputError: xlsx 格式写入文件：请用 --out 指定 / the xlsx format writes a file: give --out
    """
    if out is None and not writer.to_stdout:
        raise said(OutputError, f"{writer.name} 格式写入文件：请用 --out 指定", f"the {writer.name} format writes a file: give --out")
    if out is not None and not writer.suffix:
        raise said(OutputError, f"{writer.name} 格式只输出到屏幕：请去掉 --out，或选择文件格式",
                   f"the {writer.name} format prints to the console; leave out --out or choose a file format")


# -- findings -----------------------------------------------------------------------------------------------
@dataclass
class ScanContext:
    """Options and results shared by the findings writers of one scan.

    Attributes:
        lang: language of human-facing text.
        show_ids: resident IDs unmasked.
        views: how many finding views (None: all; 0: none).
        report_possible: how many ``possible`` findings ``report.html`` shows in full at most (None: all; see
            :func:`guanlian.viz.report.html_selection`).
        written: files per writer name, filled as writers run (a later writer reads an earlier one's).
        view_paths: ``{finding id: view file}`` from the ``views`` writer (the report links them).
        masked: the document with resident IDs masked as ``show_ids`` asks (``scan_to_dir`` masks it once, files
            it as clues, and ``findings.json`` is written from it); None: a writer masks what it needs itself.
    """

    lang: Lang = "zh"
    show_ids: bool = False
    views: int | None = None
    report_possible: int | None = 1000
    written: dict[str, list[Path]] = field(default_factory=dict)
    view_paths: dict[str, Path] = field(default_factory=dict)
    masked: FindingsDoc | None = None


class FindingsWriter(Protocol):
    """Writes one output of a scan into folder ``out``."""

    @property
    def name(self) -> str:
        """The output's name (``report.html``)."""
        ...

    def write(self, doc: FindingsDoc, out: Path, ctx: ScanContext) -> list[Path]:
        """Write the output for ``doc`` into ``out``; returns the files written."""
        ...


# -- registry -----------------------------------------------------------------------------------------------
class _HasName(Protocol):
    @property
    def name(self) -> str: ...


W = TypeVar("W", bound=_HasName)


class Registry(Generic[W]):
    """Writers by name, in registration order (the order ``scan`` runs them).

    Args:
        kind: what the writers write, for messages (``findings``, ``table``).
        writers: the writers; names must be unique.
    """

    def __init__(self, kind: str, writers: Sequence[W]) -> None:
        self.kind = kind
        self._writers: dict[str, W] = {}
        for w in writers:
            self.register(w)

    def register(self, writer: W) -> None:
        """Add a writer (last in order). Raises :class:`OutputError` when the name is taken."""
        if writer.name in self._writers:
            raise OutputError(f"{self.kind} writer {writer.name!r} is already registered")
        self._writers[writer.name] = writer

    def get(self, name: str) -> W:
        """The writer called ``name``; an unknown name raises :class:`OutputError` listing the registered ones."""
        try:
            return self._writers[name]
        except KeyError:
            known = ", ".join(self._writers)
            raise said(OutputError, f"未知格式 {name!r}；可选：{known}",
                       f"unknown {self.kind} format {name!r}; registered: {known}") from None

    def names(self) -> tuple[str, ...]:
        """Registered names, in order."""
        return tuple(self._writers)

    def __iter__(self) -> Iterator[W]:
        return iter(list(self._writers.values()))


@dataclass(frozen=True)
class _Named:
    name: str
