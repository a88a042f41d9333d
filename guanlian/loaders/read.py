"""Read a CSV or Excel export into a table of strings, finding the real header row.

Handles: UTF-8, UTF-8 with BOM, GB18030/GBK (sniffed), comma/tab/semicolon/pipe delimiters (sniffed), merged
title rows and blank lines above the header, ragged rows, .xlsx/.xlsm/.xls/.ods via python-calamine (first
visible sheet with a recognisable header; hidden sheets are skipped with a warning).

Example:
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.csv"
    >>> _ = p.write_bytes("标题\\n\\n姓名,身份证号\\n张三,1\\n".encode("gb18030"))
    >>> t = read_table(p, header_score=lambda cells: sum(c in {"姓名", "身份证号"} for c in cells))
    >>> t.header, t.rows.iloc[0].tolist(), t.row_numbers.tolist()
    (['姓名', '身份证号'], ['张三', '1'], [4])
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from guanlian.values.vocab import said

HEADER_SCAN_ROWS = 30
MAX_FILE_BYTES = 2 * 1024**3
MAX_COLUMNS = 2_000
MAX_CELL_CHARS = 100_000


class ReadError(ValueError):
    """The file cannot be read as a table; the message says why (Chinese / English)."""


@dataclass
class RawTable:
    """A table as read: header cells, data rows as strings, the Excel-visible row number of each row."""

    path: Path
    header: list[str]
    rows: pd.DataFrame
    row_numbers: pd.Series
    encoding: str | None = None
    sheet: str | None = None
    warnings: list[str] = field(default_factory=list)
    ragged: pd.Series | None = None


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    mixed = _decode_mixed(data)
    if mixed is not None:
        return mixed, "utf-8 + gb18030 (mixed)"
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data[:200_000]).best()
    enc = best.encoding if best is not None else "gb18030"
    return data.decode(enc, errors="replace"), f"{enc} (with replacement characters)"


def _decode_mixed(data: bytes) -> str | None:
    """Line-by-line decoding for files pasted together from UTF-8 and GB18030 parts (None if not mixed).

    A line that is valid UTF-8 and not plain ASCII is UTF-8 (GB18030 text is almost never valid UTF-8);
    other lines are GB18030. Only used when the file as a whole is not valid UTF-8.
    """
    lines = data.split(b"\n")
    utf8 = sum(1 for ln in lines if not ln.isascii() and _is_utf8(ln))
    if utf8 == 0:
        return None
    return "\n".join(
        ln.decode("utf-8") if _is_utf8(ln) else ln.decode("gb18030", errors="replace") for ln in lines
    )


def _is_utf8(line: bytes) -> bool:
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _sniff_delimiter(sample: str) -> str:
    lines = [ln for ln in sample.splitlines()[:50] if ln.strip()]
    best, best_score = ",", -1.0
    for d in (",", "\t", ";", "|"):
        counts = [ln.count(d) for ln in lines]
        if not counts or max(counts) == 0:
            continue
        common = max(set(counts), key=counts.count)
        score = counts.count(common) + common / 100
        if common > 0 and score > best_score:
            best, best_score = d, score
    return best


def _cell(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float):
        if v != v:
            return ""
        return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
    if isinstance(v, dt.datetime):
        return v.date().isoformat() if v.time() == dt.time(0) else v.isoformat(sep=" ")
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, dt.timedelta):
        return str(v)
    return str(v)


def _csv_text(path: Path, data: bytes) -> tuple[str, str, str]:
    """The decoded text of a CSV file, its encoding and its delimiter."""
    text, enc = _decode(data)
    if "\x00" in text[:10_000]:
        raise said(ReadError, f"不是文本表格（含二进制内容）：{path.name}", f"not a text table (binary content): {path.name}")
    return text, enc, _sniff_delimiter(text[:65_536])


def _grid_csv(path: Path, text: str, delim: str) -> list[list[str]]:
    csv.field_size_limit(MAX_CELL_CHARS * 200)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    try:
        grid = [row for row in reader]
    except csv.Error as exc:
        raise said(ReadError, f"CSV 格式错误（{path.name}）：{exc}", f"malformed CSV in {path.name}: {exc}") from None
    return grid


def _columns_csv(text: str, delim: str) -> list[pa.Array] | None:
    """The columns of a CSV text without quote characters whose rows all have as many cells as the first,
    parsed by Arrow (C++, both cores); None for any other text (the ``csv`` module reads it).

    Without quotes, Python's ``csv`` reader and Arrow's parser with quoting off split the same way: records at
    ``\n``, ``\r`` or ``\r\n``, cells at the delimiter, nothing else special. An empty line is a row of empty
    cells for Arrow and ``[]`` for ``csv``: blank either way, and the row count is the same.
    """
    if '"' in text or "\x00" in text:
        return None
    cut = min((i for i in (text.find("\n"), text.find("\r")) if i >= 0), default=len(text))
    width = text[:cut].count(delim) + 1
    if width < 2 or not text[:cut]:
        return None
    names = [f"f{i}" for i in range(width)]
    try:
        table = pa_csv.read_csv(
            io.BytesIO(text.encode("utf-8")),
            read_options=pa_csv.ReadOptions(column_names=names, block_size=1 << 24),
            parse_options=pa_csv.ParseOptions(delimiter=delim, quote_char=False, double_quote=False,
                                              escape_char=False, newlines_in_values=False, ignore_empty_lines=False),
            convert_options=pa_csv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()), null_values=[],
                                                  strings_can_be_null=False, quoted_strings_can_be_null=False))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowCapacityError):
        return None  # a row of another width, a line longer than a block …
    columns = [table.column(n).combine_chunks() for n in names]
    limit = MAX_CELL_CHARS * 200  # the csv module's field limit (characters; bytes are at least as many)
    if any(len(c) and (pc.max(pc.binary_length(c)).as_py() or 0) > limit for c in columns):
        return None
    return columns


def _blank_rows(columns: list[pa.Array], n: int) -> npt.NDArray[np.bool_]:
    """Rows whose cells joined are white space only (``not "".join(row).strip()``), as the row-wise check says.

    A cell holding a letter or digit is never blank; the few rows without one are checked in Python."""
    maybe = np.ones(n, dtype=bool)
    for c in columns:
        maybe &= ~pc.match_substring_regex(c, r"[\pL\pN]").to_numpy(zero_copy_only=False)
    out = np.zeros(n, dtype=bool)
    idx = np.flatnonzero(maybe)
    if len(idx):
        cells = [c.take(pa.array(idx)).to_pylist() for c in columns]
        out[idx] = [not "".join(r).strip() for r in zip(*cells, strict=True)]
    return out


def _grid_excel(
    path: Path, warnings: list[str], header_score: Callable[[list[str]], int], nrows: int | None = None
) -> tuple[list[list[str]], str]:
    from python_calamine import CalamineWorkbook

    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        try:
            with zipfile.ZipFile(path) as zf:
                total = sum(i.file_size for i in zf.infolist())
        except (zipfile.BadZipFile, NotImplementedError, EOFError, ValueError, OSError):
            # NotImplementedError: a zip "version needed" or compression method zipfile does not know (fuzzing)
            raise said(ReadError, f"不是有效的 Excel 文件：{path.name}", f"not a valid .xlsx file: {path.name}") from None
        if total > MAX_FILE_BYTES:
            raise ReadError(
                f"Excel 解压后过大({total} 字节),疑似压缩炸弹 / .xlsx expands to {total} bytes: refused (zip bomb?)"
            )
    try:
        wb = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises several exception types for corrupt files
        raise said(ReadError, f"无法读取 Excel 文件 {path.name}：{exc}", f"cannot read workbook {path.name}: {exc}") from None
    sheets = wb.sheets_metadata
    visible = [s for s in sheets if "hidden" not in str(getattr(s, "visible", "")).lower()]
    hidden = [s.name for s in sheets if s not in visible]
    if hidden:
        warnings.append(f"跳过隐藏工作表 / skipped hidden sheets: {', '.join(hidden)}")
    if not visible:
        raise said(ReadError, f"没有可见的工作表：{path.name}", f"no visible sheet in {path.name}")
    grids: list[tuple[str, list[list[str]]]] = []
    for s in visible:
        try:
            rows = wb.get_sheet_by_name(s.name).to_python(skip_empty_area=False, nrows=nrows)
        except Exception as exc:
            raise said(ReadError, f"无法读取工作表 {s.name!r}：{exc}", f"cannot read sheet {s.name!r}: {exc}") from None
        grids.append((s.name, [[_cell(v) for v in r] for r in rows]))
    return _pick_sheet(grids, warnings, header_score)


def _pick_sheet(
    grids: list[tuple[str, list[list[str]]]], warnings: list[str], header_score: Callable[[list[str]], int]
) -> tuple[list[list[str]], str]:
    if len(grids) == 1:
        return grids[0][1], grids[0][0]
    scored = [(max((header_score(norm_header(r)) for r in g[:HEADER_SCAN_ROWS]), default=0), n, g) for n, g in grids]
    scored.sort(key=lambda t: -t[0])
    if len(grids) > 1:
        warnings.append(f"多个工作表,读取 {scored[0][1]!r} / several sheets; reading {scored[0][1]!r}")
    return scored[0][2], scored[0][1]


def _head_bytes(path: Path, size: int = 256 * 1024) -> bytes:
    """The first ``size`` bytes of a file, cut after the last complete line."""
    with path.open("rb") as fh:
        data = fh.read(size)
    cut = data.rfind(b"\n")
    return data[: cut + 1] if cut > 0 and len(data) == size else data


def norm_header(cells: list[str]) -> list[str]:
    """Header cells as compared with aliases: NFKC, no white space, no ``*``/``：``, ASCII brackets."""
    out = []
    for c in cells:
        t = unicodedata.normalize("NFKC", c or "")
        t = "".join(t.split()).strip("*:：").replace("（", "(").replace("）", ")")
        out.append(t)
    return out


def _header_row(grid: list[list[str]], header_score: Callable[[list[str]], int]) -> int:
    """The first row of the highest score (≥ 2) among the first rows, -1 if none."""
    best_i, best_score = -1, 1
    for i, row in enumerate(grid[:HEADER_SCAN_ROWS]):
        if len(row) > MAX_COLUMNS:
            continue
        score = header_score(norm_header(row))
        if score > best_score:
            best_i, best_score = i, score
    return best_i


def _header_cells(row: list[str]) -> list[str]:
    """The header row's cells, stripped, without the empty cells at its end (both readers use it).

    >>> _header_cells([" 姓名 ", "身份证号", "", " "])
    ['姓名', '身份证号']
    """
    header = [c.strip() for c in row]
    width = len(header)
    while width and not header[width - 1]:
        width -= 1
    return header[:width]


def _table_from_columns(path: Path, columns: list[pa.Array], encoding: str, warnings: list[str],
                        header_score: Callable[[list[str]], int]) -> RawTable | None:
    """:func:`read_table`'s result from the columns of a uniform CSV (:func:`_columns_csv`), the same as the
    row-wise code gives; None when the header is not among the first rows with content (the row-wise code then
    says what is wrong)."""
    n = len(columns[0])
    head = [list(r) for r in zip(*(c.slice(0, HEADER_SCAN_ROWS).to_pylist() for c in columns), strict=True)]
    if not any(any(c.strip() for c in r) for r in head):
        return None
    best_i = _header_row(head, header_score)
    if best_i < 0:
        return None
    header = _header_cells(head[best_i])
    width = len(header)
    body = [c.slice(best_i + 1) for c in columns]
    keep = np.flatnonzero(~_blank_rows(body, n - best_i - 1))
    take = pa.array(keep)
    if width < len(columns):
        ragged = ~_blank_rows([c.take(take) for c in body[width:]], len(keep))
    else:
        ragged = np.zeros(len(keep), dtype=bool)
    frame = pd.DataFrame({i: body[i].take(take).to_numpy(zero_copy_only=False) for i in range(width)},
                         columns=list(range(width)), dtype=object)
    return RawTable(
        path=path,
        header=header,
        rows=frame,
        row_numbers=pd.Series(keep + (best_i + 2), dtype="int64"),
        encoding=encoding,
        sheet=None,
        warnings=warnings,
        ragged=pd.Series(ragged, dtype=bool),
    )


def read_table(path: Path, header_score: Callable[[list[str]], int], *, head_only: bool = False) -> RawTable:
    """Read ``path`` and return its data below the best header row.

    Args:
        path: a .csv/.txt/.tsv or .xlsx/.xlsm/.xls/.ods file.
        header_score: scores a normalised row as a header candidate (number of recognised column names);
            the first row with the highest score (≥ 2) within the first 30 rows is the header.

    Returns:
        RawTable with string cells (``""`` for empty), ragged rows marked in ``ragged``.

    Raises:
        ReadError: empty file, not a table, no header found, too large.
    """
    path = Path(path)
    if not path.exists():
        raise said(ReadError, f"文件不存在：{path}", f"file not found: {path}")
    size = path.stat().st_size
    if size == 0:
        raise said(ReadError, f"空文件：{path.name}", f"empty file: {path.name}")
    if size > MAX_FILE_BYTES:
        raise said(ReadError, f"文件过大（{size} 字节）：{path.name}", f"file too large ({size} bytes): {path.name}")
    warnings: list[str] = []
    suffix = path.suffix.lower()
    encoding: str | None = None
    sheet: str | None = None
    with path.open("rb") as fh:
        head = fh.read(8)
    is_zip = head.startswith(b"PK\x03\x04")
    is_ole = head.startswith(b"\xd0\xcf\x11\xe0")
    if suffix in {".xlsx", ".xlsm", ".xls", ".ods", ".xlsb"} or is_zip or is_ole:
        if head.startswith(b"%PDF"):
            raise said(ReadError, f"这是 PDF 文件，不是 Excel：{path.name}", f"this is a PDF, not a spreadsheet: {path.name}")
        if suffix in {".xlsx", ".xlsm", ".ods"} and not is_zip:
            raise said(ReadError, f"{path.name} 扩展名是 {suffix}，但内容不是 Excel", f"{path.name} is not a real {suffix} file")
        grid, sheet = _grid_excel(path, warnings, header_score, HEADER_SCAN_ROWS if head_only else None)
    else:
        if head.startswith(b"%PDF"):
            raise said(ReadError, f"这是 PDF 文件，不是表格：{path.name}", f"this is a PDF, not a table: {path.name}")
        data = path.read_bytes() if not head_only else _head_bytes(path)
        text, encoding, delim = _csv_text(path, data)
        columns = _columns_csv(text, delim) if encoding in {"utf-8", "utf-8-sig"} else None
        fast = _table_from_columns(path, columns, encoding, warnings, header_score) if columns is not None else None
        if fast is not None:
            return fast
        grid = _grid_csv(path, text, delim)
        del text
        if "replacement" in encoding or "mixed" in encoding:
            warnings.append(f"编码无法确定,按 {encoding} 读取 / uncertain encoding, read as {encoding}")
    if not any(any(c.strip() for c in r) for r in grid):
        raise said(ReadError, f"文件没有内容：{path.name}", f"no data in {path.name}")
    best_i = _header_row(grid, header_score)
    if best_i < 0:
        first = next((r for r in grid if any(c.strip() for c in r)), [])
        missing = said(ReadError, f"找不到表头：{path.name}；第一行：{first[:12]}",
                       f"no recognisable header row in {path.name}; first row: {first[:12]}")
        setattr(missing, "no_header", True)  # noqa: B010  (read by the person-list reader to add its hint)
        raise missing
    header = _header_cells(grid[best_i])
    width = len(header)
    body = grid[best_i + 1 :]
    keep = [i for i, r in enumerate(body) if "".join(r).strip()]
    numbers = [best_i + 2 + i for i in keep]
    ragged = [len(body[i]) > width and bool("".join(body[i][width:]).strip()) for i in keep]
    rows = [r if len(r) == width else r[:width] + [""] * (width - len(r)) for r in (body[i] for i in keep)]
    frame = pd.DataFrame(rows, columns=list(range(width)), dtype=object)
    return RawTable(
        path=path,
        header=header,
        rows=frame,
        row_numbers=pd.Series(numbers, dtype="int64"),
        encoding=encoding,
        sheet=sheet,
        warnings=warnings,
        ragged=pd.Series(ragged, dtype=bool),
    )
