"""``guanlian load --engine spark``: registry-scale files parsed on Spark, written into the graph as usual.

Each file's rows are split over Spark partitions; every partition goes through the same builder as in
process (:func:`~guanlian.loaders.pipeline.build_table`: header mapping, cell checks, typed cells, the kind's
builder, the merge of duplicate keys). The partitions' batches come back to the driver, are combined (the
merge is associative, so the combination equals the batch of the whole file) and are written by the load
pipeline's write phase: the same journal, the same reject log, the same graph. Only the parsing moves.

What Spark reads: delimited UTF-8 text (``.csv``, ``.tsv``, ``.txt``), one record per line. Anything else (an
Excel workbook, GB18030 text, a line break inside a quoted cell) is refused with one line naming the fix:
convert it, or load that file without ``--engine spark``.

Example (``tests/spark/test_load.py`` runs this on ``local[2]``)::

    loader = SparkLoader(spark_session("local[2]"))
    load_files(store, paths, parser=loader)       # the same graph as load_files(store, paths)
"""

from __future__ import annotations

import csv
import pickle
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from guanlian.loaders.pipeline import KINDS, _Resolver, build_table, detect_kind, header_score, map_columns
from guanlian.loaders.read import HEADER_SCAN_ROWS, RawTable, _sniff_delimiter, norm_header, read_table
from guanlian.loaders.spec import Batch, KindSpec
from guanlian.spark.session import SparkError
from guanlian.values.vocab import said

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = ["SparkLoader", "spark_readable"]

TEXT_SUFFIXES = frozenset({".csv", ".tsv", ".txt"})


def spark_readable(path: Path) -> tuple[str, str] | None:
    """Why Spark cannot read ``path`` (a sentence in Chinese and in English, naming the fix), or None when it can.

    Example:
        >>> spark_readable(Path("登记.xlsx"))[1][-44:]
        'as UTF-8 CSV, or load without --engine spark'
    """
    fix_zh, fix_en = "请另存为 UTF-8 CSV，或不用 --engine spark 导入", "save it as UTF-8 CSV, or load without --engine spark"
    if path.suffix.lower() not in TEXT_SUFFIXES:
        return (f"Spark 只读取分隔文本（.csv/.tsv/.txt），不读 {path.name}：{fix_zh}",
                f"Spark reads delimited text only, not {path.name}: {fix_en}")
    if not path.is_file():
        return f"文件不存在：{path}", f"file not found: {path}"
    with path.open("rb") as fh:
        head = fh.read(256 * 1024)
    if b"\x00" in head:
        return f"{path.name} 含二进制内容，不是文本表格：{fix_zh}", f"{path.name} is not a text table: {fix_en}"
    try:  # a multi-byte character cut at the end of the sample is fine
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:
            return (f"{path.name} 不是 UTF-8 编码（可能是 GB18030）：{fix_zh}",
                    f"{path.name} is not UTF-8 (GB18030?): {fix_en}")
    return None


def _split(line: str, delim: str) -> list[str] | None:
    """One line → its cells; None when a quoted cell runs past the end of the line (a line break inside it)."""
    try:
        return next(csv.reader([line], delimiter=delim, strict=True), [])
    except csv.Error:
        return None


def _partition_fn(path: Path, header: list[str], header_line: int, delim: str, spec: KindSpec,
                  resolver: _Resolver, load_id: str) -> Any:
    """The ``mapPartitions`` function: ``(line, index)`` pairs → one pickled ``(batch, rows read)``."""
    width = len(header)

    def run(it: Iterable[tuple[str, int]]) -> Iterator[bytes]:
        rows: list[list[str]] = []
        numbers: list[int] = []
        ragged: list[bool] = []
        for line, index in it:
            if index <= header_line:
                continue
            cells = _split(line, delim)
            if cells is None:
                raise ValueError(f"guanlian: quoted-cell line {index + 1}")
            if not "".join(cells).strip():
                continue
            ragged.append(len(cells) > width and bool("".join(cells[width:]).strip()))
            rows.append(cells[:width] + [""] * (width - len(cells)) if len(cells) != width else cells)
            numbers.append(index + 1)  # the row number a spreadsheet shows (the in-process reader's)
        if not rows:  # a partition of blank lines, or only the lines above the header
            yield pickle.dumps((Batch(), 0), protocol=pickle.HIGHEST_PROTOCOL)
            return
        table = RawTable(path=path, header=header, rows=pd.DataFrame(rows, columns=list(range(width)), dtype=object),
                         row_numbers=pd.Series(numbers, dtype="int64"), encoding="utf-8",
                         ragged=pd.Series(ragged, dtype=bool))
        batch, read = build_table(table, spec, resolver, load_id)
        yield pickle.dumps((batch, read), protocol=pickle.HIGHEST_PROTOCOL)

    return run


def combine(batches: Iterable[Batch]) -> Batch:
    """Batches of one file's slices → the file's batch (frames concatenated and merged again, references and
    rejected rows united, issues in row order; a file-level issue — row 0, e.g. a duplicate header — once)."""
    out = Batch()
    seen_file_issues: set[tuple[tuple[str, object], ...]] = set()
    for b in batches:
        for k, fs in b.nodes.items():
            out.nodes.setdefault(k, []).extend(fs)
        for k, fs in b.edges.items():
            out.edges.setdefault(k, []).extend(fs)
        for issue in b.issues:
            if issue.get("row") == 0:
                sig = tuple(sorted(issue.items()))
                if sig in seen_file_issues:
                    continue
                seen_file_issues.add(sig)
            out.issues.append(issue)
        out.rejected_rows |= b.rejected_rows
        for n, keys in b.company_names.items():
            out.company_names.setdefault(n, set()).update(keys)
        for k, v in b.officials.items():
            out.officials.setdefault(k, v)
    out.issues.sort(key=lambda i: int(str(i.get("row") or 0)))
    out.compact()
    return out


class SparkLoader:
    """A :data:`~guanlian.loaders.pipeline.FileParser` that parses each file on Spark.

    Args:
        spark: a session (:func:`~guanlian.spark.session.spark_session`).
        partitions: at least this many partitions per file (default ``2 × spark.default.parallelism``).

    Example::

        load_files(store, ["股东.csv"], parser=SparkLoader(spark_session("local[2]")))
    """

    def __init__(self, spark: SparkSession, partitions: int | None = None) -> None:
        self.spark = spark
        self.partitions = partitions or max(2, 2 * spark.sparkContext.defaultParallelism)

    def __call__(self, path: Path, kind: str | None, resolver: _Resolver, load_id: str
                 ) -> tuple[KindSpec, Batch, int]:
        """Parse ``path`` on Spark; returns ``(kind spec, batch, rows read)`` as :func:`parse_file` does.

        Raises:
            SparkError: Spark cannot read the file (see :func:`spark_readable`) or the job failed.
            ReadError, LoadError: no header, missing required columns (found on the driver, as in process).
        """
        why = spark_readable(path)
        if why:
            raise said(SparkError, *why)

        def score(cells: list[str]) -> int:
            if kind:
                return sum(1 for c in cells if KINDS[kind].field_for(c))
            return header_score(cells)

        head = read_table(path, score, head_only=True)  # header row, kind and missing columns, on the driver
        spec = KINDS[kind] if kind else detect_kind(head.header, path)
        # missing required columns raise LoadError here, before any Spark job
        map_columns(RawTable(path, head.header, head.rows.iloc[:0], head.row_numbers.iloc[:0]), spec, Batch())
        with path.open("rb") as fh:
            text = fh.read(65_536).decode("utf-8", errors="ignore").lstrip("\ufeff")
        delim = _sniff_delimiter(text)
        header_line = _header_line(text, delim, score)
        lines = self.spark.sparkContext.textFile(str(path.resolve()), self.partitions).zipWithIndex()
        fn = _partition_fn(path, head.header, header_line, delim, spec, resolver, load_id)
        try:
            parts = lines.mapPartitions(fn).collect()
        except Exception as exc:
            detail = " ".join(str(exc).split())
            # the worker's traceback quotes our raise statement's source too: the last match is the raised value
            cell = re.findall(r"guanlian: quoted-cell line (\d+)", detail)
            msg_zh, msg_en = ((f"第 {cell[-1]} 行的带引号单元格内有换行", f"line {cell[-1]} ends inside a quoted cell")
                              if cell else (detail[:300], detail[:300]))
            raise said(SparkError, f"Spark 无法读取 {path.name}（{msg_zh}）：请另存为每行一条记录的 UTF-8 CSV，或不用 "
                       "--engine spark 导入", f"Spark could not read {path.name} ({msg_en}): save it as UTF-8 CSV "
                       "with one record per line, or load without --engine spark") from exc
        loaded = [pickle.loads(p) for p in parts]
        batch = combine(b for b, _ in loaded)
        for note in head.warnings:
            batch.issues.append({"row": 0, "field": "", "value": "", "code": "file", "severity": "warning",
                                 "reason_zh": note, "reason_en": note})
        return spec, batch, sum(n for _, n in loaded)


def _header_line(text: str, delim: str, score: Any) -> int:
    """0-based line of the header row, chosen as the in-process reader chooses it: the first line with the
    highest score (at least 2) among the first rows."""
    best_i, best = 0, 1
    for i, line in enumerate(text.splitlines()[:HEADER_SCAN_ROWS]):
        cells = _split(line, delim) or []
        n = int(score(norm_header(cells)))
        if n > best:
            best_i, best = i, n
    return best_i
