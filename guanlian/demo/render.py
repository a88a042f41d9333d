"""Turn clean world tables into messy export files: encodings, header aliases, title rows, mixed formats.

A :class:`FileSpec` says how one file looks (format, headers, per-column format styles with weights, bad
rows to plant). :func:`render_file` renders and writes it and reports where each tagged row landed.
All messiness is lossless (the loaders can recover the value) except month-precision dates, which are never
used for rows flagged ``_precise``, and the planted bad rows, which are counted.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from guanlian.demo.ids import corrupt_check, days_to_ymd, to_legacy15
from guanlian.demo.world import NODATE, day

FileFormat = str  # "csv_gb18030" | "csv_utf8sig" | "xlsx"
Styles = tuple[tuple[str, float], ...]

_FW = str.maketrans({**{chr(0x30 + i): chr(0xFF10 + i) for i in range(10)}, " ": "\u3000", ".": "．"})
_EXCEL_EPOCH = day(1899, 12, 30)
LOSSY_DATE = frozenset({"ym_dot", "ym_cn"})
BAD_DATES = ("2019-02-30", "2020年13月5日", "2021.14.03", "20181340", "2017/02/29", "2022-00-12")


@dataclass(frozen=True, slots=True)
class Col:
    """One output column: canonical ``field``, the header written, a format and weighted styles."""

    field: str
    header: str
    fmt: str = "text"
    styles: Styles = ()


@dataclass(frozen=True, slots=True)
class FileSpec:
    """How one export file looks."""

    name: str
    kind: str
    fmt: FileFormat
    cols: tuple[Col, ...]
    title: str | None = None
    blank_above: int = 0
    serial: bool = False
    bad: tuple[tuple[str, str], ...] = ()
    sheet: str = "Sheet1"
    crlf: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def path_name(self) -> str:
        return self.name + (".xlsx" if self.fmt == "xlsx" else ".csv")


# ---------------------------------------------------------------------------------------------- formats


def _choose(rng: np.random.Generator, styles: Styles, n: int, default: str) -> np.ndarray:
    if not styles:
        return np.full(n, default, dtype=object)
    names = np.array([s for s, _ in styles], dtype=object)
    p = np.array([w for _, w in styles], dtype=float)
    return rng.choice(names, size=n, p=p / p.sum())


def _base(vals: Sequence[Any]) -> list[Any]:
    """Values as a list with every missing value (None, NaN, pd.NA) as None."""
    arr = np.asarray(vals, dtype=object)
    arr[pd.isna(arr)] = None
    out: list[Any] = arr.tolist()
    return out


def _sparse(vals: Sequence[Any], style: np.ndarray, fn: Any, plain: str = "plain") -> list[Any]:
    """Apply ``fn(value, style)`` only to the rows whose style is not ``plain`` (most rows are plain)."""
    out = _base(vals)
    for i in np.flatnonzero(style != plain):
        v = out[i]
        if v is not None:
            out[i] = fn(v, style[i])
    return out


def fmt_date(days: np.ndarray, style: np.ndarray, xlsx: bool) -> list[Any]:
    """Render day numbers in per-row styles (NODATE renders as empty)."""
    safe = np.where(days == NODATE, 0, days)
    y, m, d = days_to_ymd(safe)
    out: list[Any] = []
    for i, s in enumerate(style):
        if days[i] == NODATE:
            out.append(None)
            continue
        yy, mm, dd = int(y[i]), int(m[i]), int(d[i])
        if s == "iso":
            out.append(f"{yy:04d}-{mm:02d}-{dd:02d}")
        elif s == "dash":
            out.append(f"{yy}-{mm}-{dd}")
        elif s == "cn":
            out.append(f"{yy}年{mm}月{dd}日")
        elif s == "compact":
            out.append(f"{yy:04d}{mm:02d}{dd:02d}")
        elif s == "slash":
            out.append(f"{yy:04d}/{mm:02d}/{dd:02d}")
        elif s == "dot":
            out.append(f"{yy:04d}.{mm:02d}.{dd:02d}")
        elif s == "ym_dot":
            out.append(f"{yy:04d}.{mm:02d}")
        elif s == "ym_cn":
            out.append(f"{yy}年{mm}月")
        elif s == "dt":
            sec = (int(days[i]) * 7919) % 36000 + 28800
            out.append(f"{yy:04d}-{mm:02d}-{dd:02d} {sec // 3600:02d}:{sec // 60 % 60:02d}:{sec % 60:02d}")
        elif s == "xl_date" and xlsx:
            out.append(date(yy, mm, dd))
        elif s == "xl_serial" and xlsx:
            out.append(int(days[i]) - _EXCEL_EPOCH)
        else:
            out.append(f"{yy:04d}-{mm:02d}-{dd:02d}")
    return out


def _num(a: float) -> str:
    return f"{a:.0f}" if a == int(a) else f"{a:.2f}"


def fmt_amount(vals: Sequence[float], style: np.ndarray, xlsx: bool) -> list[Any]:
    """Money in per-row styles: ``1,234.50``, ``12.3万元``, ``¥5000``, full-width digits, numbers."""
    out: list[Any] = []
    for a, s in zip(vals, style, strict=True):
        a = float(a)
        if s == "num" and xlsx:
            out.append(a)
        elif s == "comma":
            out.append(f"{a:,.2f}")
        elif s == "wan" and round(a * 100) % 10000 == 0:
            out.append(f"{a / 10000:g}万元")
        elif s == "yen":
            out.append(("¥" if int(a) % 2 else "￥") + (_num(a) if int(a) % 3 else f"{a:,.2f}"))
        elif s == "fw":
            out.append(_num(a).translate(_FW))
        elif s == "yuan":
            out.append(f"{a:.2f}元")
        else:
            out.append(_num(a))
    return out


def fmt_capital(vals: Sequence[float], style: np.ndarray, xlsx: bool) -> list[Any]:
    """Registered capital / subscribed amounts: ``100万元``, ``50万人民币``, ``100.000000万元人民币``, ``3000000``."""
    out: list[Any] = []
    for c, s in zip(vals, style, strict=True):
        c = float(c)
        w = c / 10000
        if s == "wan":
            out.append(f"{w:g}万元")
        elif s == "wanrmb":
            out.append(f"{w:g}万人民币")
        elif s == "wan6":
            out.append(f"{w:.6f}万元人民币")
        elif s == "num" and xlsx:
            out.append(c)
        else:
            out.append(_num(c))
    return out


def fmt_share(vals: Sequence[float], style: np.ndarray, xlsx: bool) -> list[Any]:
    """Shares: ``80%``, ``80.00%``, ``0.8``, ``80``."""
    out: list[Any] = []
    for v, s in zip(vals, style, strict=True):
        v = float(v)
        if s == "pct":
            out.append(f"{v * 100:g}%")
        elif s == "pct2":
            out.append(f"{v * 100:.2f}%")
        elif s == "frac":
            out.append(round(v, 4) if xlsx else f"{v:g}")
        else:
            out.append(f"{v * 100:g}")
    return out


def fmt_phone(vals: Sequence[Any], style: np.ndarray) -> list[Any]:
    out: list[Any] = []
    for p, s in zip(vals, style, strict=True):
        if not isinstance(p, str) or not p:
            out.append(None)
        elif len(p) != 11 or not p.startswith("1"):
            out.append(p.translate(_FW) if s == "fw" else p)
        elif s == "spaced":
            out.append(f"{p[:3]} {p[3:7]} {p[7:]}")
        elif s == "dashed":
            out.append(f"{p[:3]}-{p[3:7]}-{p[7:]}")
        elif s == "plus86":
            out.append(f"+86 {p}")
        elif s == "fw":
            out.append(p.translate(_FW))
        else:
            out.append(p)
    return out


def fmt_id(vals: Sequence[Any], forms: Sequence[Any], style: np.ndarray) -> list[Any]:
    """Resident IDs: per-row forced form (``std``/``15``/``lower``) or a random one from the styles."""
    out: list[Any] = []
    for v, f, s in zip(vals, forms, style, strict=True):
        if not isinstance(v, str) or not v:
            out.append(None)
            continue
        form = f if isinstance(f, str) and f else s
        if len(v) != 18 or not v[:17].isdigit():  # a credit code in a shareholder's 证件号码
            out.append(v)
        elif form == "15" and v[6:8] == "19":
            out.append(to_legacy15(v))
        elif form == "lower":
            out.append(v.lower())
        elif form == "fw":
            out.append(v.translate(_FW))
        elif form == "tab":
            out.append("\t" + v)
        else:
            out.append(v)
    return out


def _name1(v: Any, s: str) -> Any:
    if not isinstance(v, str):
        return v
    if s == "pad" and len(v) == 2:
        return v[0] + "\u3000" + v[1]
    if s == "trail":
        return v + " "
    if "·" in v and s in ("dot", "nodot", "bullet"):
        return v.replace("·", {"dot": ".", "nodot": "", "bullet": "•"}[s])
    return v


def fmt_name(vals: Sequence[Any], style: np.ndarray) -> list[Any]:
    """Person names: full-width padding of two-character names, trailing spaces, middle-dot variants."""
    return _sparse(vals, style, _name1)


_BR_HALF = str.maketrans({"（": "(", "）": ")"})


def _org1(v: Any, s: str) -> Any:
    if s == "space":
        return f"{v}\u3000"
    if s == "lead":
        return f" {v}"
    if s == "halfbr":
        return str(v).translate(_BR_HALF)
    return v


def fmt_org(vals: Sequence[Any], style: np.ndarray) -> list[Any]:
    """Unit or company names: stray full-width spaces, half-width brackets."""
    return _sparse(vals, style, _org1)


def _text1(v: Any, s: str) -> Any:
    if s == "fw":
        return str(v).translate(_FW)
    if s == "groups":
        t = str(v)
        return " ".join(t[i : i + 4] for i in range(0, len(t), 4))
    return v


def fmt_text(vals: Sequence[Any], style: np.ndarray) -> list[Any]:
    """Free text: occasional full-width digits, account numbers in groups of four."""
    return _sparse(vals, style, _text1)


def _tenure(start: np.ndarray, end: np.ndarray, style: np.ndarray, precise: np.ndarray) -> list[str]:
    """``2015.03-至今`` / ``2015.03—2020.06`` / ``2015年3月至2020年6月`` (month precision by nature)."""
    s_str = fmt_date(start, np.full(len(start), "ym_dot", dtype=object), False)
    e_str = fmt_date(end, np.full(len(end), "ym_dot", dtype=object), False)
    s_cn = fmt_date(start, np.full(len(start), "ym_cn", dtype=object), False)
    e_cn = fmt_date(end, np.full(len(end), "ym_cn", dtype=object), False)
    out = []
    for i, st in enumerate(style):
        open_end = end[i] == NODATE
        if st == "cn":
            out.append(f"{s_cn[i]}至{'今' if open_end else e_cn[i]}")
        else:
            sep = {"dash": "-", "emdash": "—", "tilde": "~", "fwdash": "－"}.get(str(st), "-")
            out.append(f"{s_str[i]}{sep}{'至今' if open_end else e_str[i]}")
    return out


def render_column(df: pd.DataFrame, col: Col, rng: np.random.Generator, xlsx: bool) -> list[Any]:
    """Render one column of ``df`` according to ``col``."""
    n = len(df)
    precise = df["_precise"].to_numpy(dtype=bool)
    if col.fmt == "date" or col.fmt == "end":
        style = _choose(rng, col.styles, n, "iso")
        style = np.where(precise & np.isin(style, list(LOSSY_DATE)), "iso", style)
        days = df[col.field].to_numpy(dtype=np.int64)
        out = fmt_date(days, style, xlsx)
        if col.fmt == "end":
            out = ["至今" if v is None else v for v in out]
        return out
    if col.fmt == "tenure":
        style = _choose(rng, col.styles, n, "dash")
        return _tenure(df["start"].to_numpy(dtype=np.int64), df["end"].to_numpy(dtype=np.int64), style, precise)
    vals = df[col.field].tolist()
    style = _choose(rng, col.styles, n, "plain")
    if col.fmt == "amount":
        return fmt_amount(vals, style, xlsx)
    if col.fmt == "capital":
        return fmt_capital(vals, style, xlsx)
    if col.fmt == "share":
        return fmt_share(vals, style, xlsx)
    if col.fmt == "phone":
        return fmt_phone(vals, style)
    if col.fmt == "id":
        forms = df["id_form"].tolist() if col.field in ("id_number", "legal_rep_id", "holder_id") else [""] * n
        return fmt_id(vals, forms, style)
    if col.fmt == "name":
        return fmt_name(vals, style)
    if col.fmt == "org":
        return fmt_org(vals, style)
    return fmt_text(vals, style)


# ---------------------------------------------------------------------------------------------- bad rows


def plant_bad(df: pd.DataFrame, spec: FileSpec, cells: dict[str, list[Any]], rng: np.random.Generator,
              count: int) -> dict[str, int]:
    """Overwrite rendered cells of ``count`` background rows per planted reason; return the counts.

    Reasons use the loaders' issue codes: ``id_bad_checksum`` (a warning: the row loads, the ID is not
    trusted), ``bad_date``, ``negative_amount`` and ``missing_required`` (an empty amount).
    """
    done: dict[str, int] = {}
    tags = df["_tag"].tolist()
    taken: set[int] = set()
    for reason, fld in spec.bad:
        header = next(c.header for c in spec.cols if c.field == fld)
        vals = df[fld].tolist()
        if reason == "id_bad_checksum":
            ok = [i for i, (t, v) in enumerate(zip(tags, vals, strict=True))
                  if not t and isinstance(v, str) and len(v) == 18 and i not in taken]
        else:
            ok = [i for i, t in enumerate(tags) if not t and i not in taken]
        k = min(count, len(ok))
        if k == 0:
            continue
        rows = sorted(int(x) for x in rng.choice(np.array(ok), size=k, replace=False))
        for i in rows:
            taken.add(i)
            if reason == "id_bad_checksum":
                cells[header][i] = corrupt_check(vals[i])
            elif reason == "bad_date":
                cells[header][i] = BAD_DATES[i % len(BAD_DATES)]
            elif reason == "negative_amount":
                cells[header][i] = "-" + _num(float(vals[i]))
            elif reason == "missing_required":
                cells[header][i] = None
        done[reason] = k
    return done


# ---------------------------------------------------------------------------------------------- writers


def header_offset(spec: FileSpec) -> int:
    """Number of lines/rows above the header."""
    return (1 if spec.title else 0) + spec.blank_above


def write_csv(path: Path, spec: FileSpec, headers: list[str], rows: Sequence[Sequence[Any]]) -> None:
    enc = "gb18030" if spec.fmt == "csv_gb18030" else "utf-8-sig"
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n" if spec.crlf else "\n")
    if spec.title:
        w.writerow([spec.title] + [""] * (len(headers) - 1))
    for _ in range(spec.blank_above):
        w.writerow([])
    w.writerow(headers)
    w.writerows(rows)
    path.write_bytes(buf.getvalue().encode(enc))


_FIXED_TIME = "2024-12-31T00:00:00Z"
_CORE_TIME_RE = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")


def write_xlsx(path: Path, spec: FileSpec, headers: list[str], rows: Sequence[Sequence[Any]]) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = spec.sheet
    r = 1
    if spec.title:
        ws.cell(row=1, column=1, value=spec.title).font = Font(bold=True, size=14)
        ws.cell(row=1, column=1).alignment = Alignment(horizontal="center")
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
        r = 2
    r += spec.blank_above
    for j, h in enumerate(headers, start=1):
        ws.cell(row=r, column=j, value=h).font = Font(bold=True)
    for row in rows:
        ws.append(list(row))
    for j in range(1, len(headers) + 1):
        ws.column_dimensions[ws.cell(row=r, column=j).column_letter].width = 16
    raw = io.BytesIO()
    wb.save(raw)
    path.write_bytes(_deterministic_zip(raw.getvalue()))


def _deterministic_zip(data: bytes) -> bytes:
    """Rewrite an xlsx with fixed entry timestamps and fixed document dates, so same seed → same bytes."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = _CORE_TIME_RE.sub(rb"\g<1>" + _FIXED_TIME.encode() + rb"\g<2>", body)
            zi = zipfile.ZipInfo(info.filename, date_time=(2024, 12, 31, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = info.external_attr
            dst.writestr(zi, body)
    return out.getvalue()


@dataclass(slots=True)
class Rendered:
    """Where the rows of one written file came from."""

    path: Path
    rows: int
    bad: dict[str, int]
    tag_rows: dict[str, list[int]]


def render_file(df: pd.DataFrame, spec: FileSpec, out_dir: Path, rng: np.random.Generator, bad_count: int) -> Rendered:
    """Render ``df`` (already the rows of this file) as ``spec`` into ``out_dir``."""
    xlsx = spec.fmt == "xlsx"
    df = df.reset_index(drop=True)
    cells = {c.header: render_column(df, c, rng, xlsx) for c in spec.cols}
    bad = plant_bad(df, spec, cells, rng, bad_count) if bad_count else {}
    headers = (["序号"] if spec.serial else []) + [c.header for c in spec.cols]
    cols = [cells[c.header] for c in spec.cols]
    if spec.serial:
        cols.insert(0, list(range(1, len(df) + 1)))
    rows = list(zip(*cols, strict=True)) if len(df) else []  # csv writes None as ""
    path = out_dir / spec.path_name
    (write_xlsx if xlsx else write_csv)(path, spec, headers, rows)
    first = header_offset(spec) + 2
    tag_rows: dict[str, list[int]] = {}
    for i, t in enumerate(df["_tag"].tolist()):
        if t:
            tag_rows.setdefault(t, []).append(first + i)
    return Rendered(path, len(df), bad, tag_rows)
