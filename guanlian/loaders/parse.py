"""Value parsers for messy Chinese exports, vectorised over pandas Series of strings.

Each parser takes a Series of cleaned strings (``""`` for empty) and returns parsed values plus a boolean
``bad`` mask: True where the cell was non-empty but could not be parsed. Callers decide whether a bad value
rejects the row or only warns.

Example:
    >>> import pandas as pd
    >>> d = parse_dates(pd.Series(["2019.03", "2019年3月5日", "20190305", "至今", "x"]))
    >>> d.iso.tolist()
    ['2019-03-01', '2019-03-05', '2019-03-05', None, None]
    >>> d.open_end.tolist(), d.bad.tolist()
    ([False, False, False, True, False], [False, False, False, False, True])
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from guanlian.values.money import to_fen

EPOCH = dt.date(1970, 1, 1)
MIN_DATE = dt.date(1900, 1, 1)
MAX_DATE = dt.date(2100, 12, 31)
_EXCEL_EPOCH = dt.date(1899, 12, 30)

OPEN_END_WORDS = frozenset({"至今", "今", "现在", "目前", "在任", "现任", "今天", "-"})

def clean_text(values: pd.Series) -> pd.Series:
    """NFKC-normalise (full-width digits and letters → ASCII), trim, collapse inner white space.

    Runs in Arrow's C++ string kernels; returns an object Series of ``str`` (``""`` for empty).

    >>> clean_text(pd.Series(["　１２３４ ", None, "a  b"])).tolist()
    ['1234', '', 'a b']
    """
    obj = values.to_numpy(dtype=object)
    try:  # CSV cells are all str already; only Excel cells (numbers, dates) need str()
        arr = pa.array(obj, type=pa.string(), from_pandas=True)
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        arr = pa.array([v if v is None or isinstance(v, str) else None if pd.isna(v) else str(v) for v in obj],
                       type=pa.string(), from_pandas=True)
    arr = pc.fill_null(arr, "")
    if not pc.all(pc.string_is_ascii(arr)).as_py():  # NFKC leaves ASCII as it is
        arr = pc.utf8_normalize(arr, form="NFKC")
    if pc.any(pc.match_substring_regex(arr, _SPACES_RE2)).as_py():
        arr = pc.replace_substring_regex(arr, pattern=_SPACES_RE2, replacement=" ")
    arr = pc.utf8_trim_whitespace(arr)
    return pd.Series(arr.to_numpy(zero_copy_only=False), index=values.index, dtype=object)


_SPACES_RE2 = r"[\s\x{3000}\x{00a0}\x{feff}\x{200b}]+"


def map_unique(values: pd.Series, fn: Callable[[Any], Any], dtype: Any = object) -> pd.Series:
    """``values.map(fn)`` that calls ``fn`` once per distinct value (exports repeat names, dates, codes).

    Missing values (None, NaN) reach ``fn`` as None.

    >>> map_unique(pd.Series(["a", "b", "a", ""]), lambda v: v.upper() if v else "-").tolist()
    ['A', 'B', 'A', '-']
    """
    codes, uniques = pd.factorize(values.to_numpy(dtype=object), use_na_sentinel=False)
    out = np.empty(len(uniques), dtype=object)
    for i, u in enumerate(uniques):
        out[i] = fn(None if isinstance(u, float) and u != u else u)  # factorize turns None into NaN
    result: pd.Series = pd.Series(out[codes], index=values.index, dtype=dtype)
    return result


def map_unique_many(values: pd.Series, fn: Callable[[list[Any]], list[Any]], dtype: Any = object) -> pd.Series:
    """:func:`map_unique` with a function that takes all the distinct values at once and returns their results
    in the same order (e.g. one OpenCC call for every name instead of one per name).

    >>> map_unique_many(pd.Series(["a", None, "a"]), lambda vs: [v.upper() if v else "-" for v in vs]).tolist()
    ['A', '-', 'A']
    """
    codes, uniques = pd.factorize(values.to_numpy(dtype=object), use_na_sentinel=False)
    given = [None if isinstance(u, float) and u != u else u for u in uniques.tolist()]  # factorize: None → NaN
    out = np.empty(len(given), dtype=object)
    out[:] = fn(given)
    result: pd.Series = pd.Series(out[codes], index=values.index, dtype=dtype)
    return result


def day_number(d: dt.date) -> int:
    """Days since 1970-01-01 (the integer stored in every ``*_day`` property).

    >>> day_number(dt.date(1970, 1, 2))
    1
    """
    return (d - EPOCH).days


@dataclass
class ParsedDates:
    """Result of :func:`parse_dates`: ISO strings, day numbers, open-ended ("至今") and bad masks."""

    iso: pd.Series
    day: pd.Series
    open_end: pd.Series
    bad: pd.Series
    out_of_range: pd.Series


_YMD = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_YMD8 = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_YM = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")
_YM6 = re.compile(r"^(\d{4})(\d{2})$")
_Y = re.compile(r"^(\d{4})\s*年?$")
_SERIAL = re.compile(r"^(\d{4,5})(?:\.\d+)?$")


def _one_date(text: str) -> tuple[dt.date | None, bool]:
    """(date, open_end) for one cleaned cell; (None, False) when unparseable or empty."""
    if not text:
        return None, False
    if text in OPEN_END_WORDS:
        return None, True
    for rx in (_YMD, _YMD8):
        m = rx.match(text)
        if m:
            return _mk(int(m[1]), int(m[2]), int(m[3])), False
    for rx in (_YM, _YM6):
        m = rx.match(text)
        if m:
            return _mk(int(m[1]), int(m[2]), 1), False
    m = _SERIAL.match(text)
    if m and 10_000 <= int(m[1]) <= 80_000:
        return _EXCEL_EPOCH + dt.timedelta(days=int(m[1])), False
    m = _Y.match(text)
    if m:
        return _mk(int(m[1]), 1, 1), False
    return None, False


def _mk(y: int, m: int, d: int) -> dt.date | None:
    try:
        return dt.date(y, m, d)
    except ValueError:
        return None


def parse_dates(values: pd.Series) -> ParsedDates:
    """Parse dates in the formats Chinese exports use.

    Accepts ``2019.03`` (→ first of month), ``2019-3-5``, ``2019/03/05``, ``2019年3月5日``, ``20190305``,
    ``2019-03-05 00:00:00``, Excel serial numbers (10000–80000), a bare year, and ``至今``/``今`` (open end).
    Dates before 1900 or after 2100 are flagged ``out_of_range`` (and not returned).
    """
    codes, uniques = pd.factorize(values.to_numpy(dtype=object), use_na_sentinel=False)
    n = len(uniques)
    iso_u = np.empty(n, dtype=object)
    day_u = np.zeros(n, dtype=np.int64)
    has_day = np.zeros(n, dtype=bool)
    open_u = np.zeros(n, dtype=bool)
    bad_u = np.zeros(n, dtype=bool)
    range_u = np.zeros(n, dtype=bool)
    for i, u in enumerate(uniques):
        text = "" if u is None or u != u else str(u)
        d, open_end = _one_date(text)
        if d is None:
            open_u[i] = open_end
            bad_u[i] = bool(text) and not open_end
        elif not (MIN_DATE <= d <= MAX_DATE):
            range_u[i] = True
        else:
            iso_u[i] = d.isoformat()
            day_u[i] = day_number(d)
            has_day[i] = True
    idx = values.index
    return ParsedDates(
        iso=pd.Series(iso_u[codes], index=idx, dtype=object),
        day=pd.Series(pd.arrays.IntegerArray(day_u[codes], ~has_day[codes]), index=idx),
        open_end=pd.Series(open_u[codes], index=idx, dtype=bool),
        bad=pd.Series(bad_u[codes], index=idx, dtype=bool),
        out_of_range=pd.Series(range_u[codes], index=idx, dtype=bool),
    )


def as_precise_as_given(iso: pd.Series, text: pd.Series) -> pd.Series:
    """ISO dates cut to the precision their cells gave: ``2014.04`` stays ``2014-04`` and ``2014年`` stays
    ``2014`` (the day numbers used in comparisons keep the first of the month or year).

    >>> as_precise_as_given(pd.Series(["2014-04-01", "2014-01-01", "2014-04-05", None], dtype=object),
    ...                     pd.Series(["2014.04", "2014年", "2014-4-5", ""])).tolist()
    ['2014-04', '2014', '2014-04-05', None]
    """

    def cut(pair: tuple[object, object]) -> object:
        value, cell = pair
        if not isinstance(value, str):
            return value
        t = str(cell or "").strip()
        if _YM.match(t) or _YM6.match(t):
            return value[:7]
        if _Y.match(t):
            return value[:4]
        return value

    return pd.Series([cut(p) for p in zip(iso.tolist(), text.reindex(iso.index).tolist(), strict=True)],
                     index=iso.index, dtype=object)


_RANGE = re.compile(r"^(.+?)\s*(?:—+|–|~|～|至|到|--|-(?=\s*(?:\d{4}|至今|今|现在)))\s*(.*)$")


def split_range(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Split tenure ranges like ``2015.03-至今`` or ``2015年3月至2020年6月`` into (start, end) text.

    >>> s, e = split_range(pd.Series(["2015.03-至今", "2015.03—2020.06", "2019"]))
    >>> s.tolist(), e.tolist()
    (['2015.03', '2015.03', '2019'], ['至今', '2020.06', ''])
    """

    def one(text: str) -> tuple[str, str]:
        m = _RANGE.match(text)
        if not m:
            return text, ""
        return m[1].strip(), (m[2].strip() or "至今")

    pairs = map_unique(values, one)
    return map_unique(pairs, lambda p: p[0]), map_unique(pairs, lambda p: p[1])


_AMOUNT = re.compile(r"^([-+]?)(\d+(?:\.\d+)?)\s*(万|亿|千)?$")
_AMOUNT_STRIP = re.compile(r"[¥￥$,\s元圆整]|人民币|RMB|CNY", re.IGNORECASE)
_MULT = {"万": Decimal(10**4), "亿": Decimal(10**8), "千": Decimal(10**3), None: Decimal(1)}


_CN_DIGIT = "零〇一二两三四五六七八九壹贰貳叁參肆伍陆陸柒捌玖"
_CN_AMOUNT = re.compile(
    rf"^([{_CN_DIGIT}十拾百佰千仟万萬亿億点\d.]+?)?[元圆圓]?(?:零?([{_CN_DIGIT}])角)?(?:零?([{_CN_DIGIT}])分)?[整正]?$"
)


def _chinese_amount(text: str) -> int | None:
    """Amounts in Chinese numerals, as on vouchers (``叁佰万元整``, ``壹仟贰佰叁拾肆元伍角陆分``), in fen."""
    import cn2an  # imported on first use: most exports never need it

    t = re.sub(r"^(人民币|RMB|CNY)", "", text.replace(" ", ""), flags=re.IGNORECASE)
    m = _CN_AMOUNT.match(t)
    if not m or not any(m.groups()) or not any(c in _CN_DIGIT + "十拾百佰千仟万萬亿億" for c in t):
        return None
    try:
        # cn2an gives int, or float for a decimal point: its repr is the numeral's exact decimal text
        value = Decimal(repr(cn2an.cn2an(m[1], "smart"))) if m[1] else Decimal(0)
        for part, scale in ((m[2], Decimal("0.1")), (m[3], Decimal("0.01"))):
            if part:
                value += Decimal(int(cn2an.cn2an(part, "smart"))) * scale
    except (ValueError, KeyError, IndexError, TypeError, InvalidOperation):  # cn2an: ValueError on bad numerals
        return None
    return to_fen(value)


def _one_amount(text: str) -> int | None:
    if not text:
        return None
    t = _AMOUNT_STRIP.sub("", text)
    neg = False
    if t.startswith("(") and t.endswith(")"):
        neg, t = True, t[1:-1]
    m = _AMOUNT.match(t)
    if not m:
        return _chinese_amount(text)
    try:
        fen = to_fen(Decimal(m[2]) * _MULT[m[3]])
    except ArithmeticError:  # more digits than the decimal context holds: not an amount
        return None
    if abs(fen) >= _MAX_FEN:  # beyond int64 fen (92 trillion yuan): a bad cell, never a crash
        return None
    return -fen if m[1] == "-" or neg else fen


_MAX_FEN = 2**63


def parse_amounts(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse money into integer fen: ``1,234.50``, ``１２３４``, ``12.3万元``, ``¥5000``, ``50万人民币``, ``(100)``,
    ``叁佰万元整``; amounts with more than two decimals are rounded half up to the fen.

    Returns (amount in fen as nullable Int64, bad mask).

    >>> a, bad = parse_amounts(pd.Series(["1,234.50", "12.3万元", "¥5000", "abc", ""]))
    >>> a.tolist()[:3], bad.tolist()
    ([123450, 12300000, 500000], [False, False, False, True, False])
    """
    codes, uniques = pd.factorize(values.to_numpy(dtype=object), use_na_sentinel=False)
    fen, known = _plain_amounts(uniques)
    for i in np.flatnonzero(~known).tolist():  # the rest (万, ¥, brackets, Chinese numerals …) one by one
        u = uniques[i]
        v = _one_amount(str(None if isinstance(u, float) and u != u else u))  # factorize turns None into NaN
        if v is not None:
            fen[i], known[i] = v, True
    out = pd.Series(pd.arrays.IntegerArray(fen[codes], ~known[codes]), index=values.index)
    bad = out.isna() & (values != "")
    return out, bad


_PLAIN_AMOUNT = r"^(?P<s>[-+]?)(?P<i>[0-9,]*[0-9][0-9,]*)(?:\.(?P<f>[0-9]{1,12}))?$"


def _plain_amounts(uniques: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Fen of the plain decimal amounts among ``uniques`` (``1234.5``, ``-9,481.47``: ASCII digits, commas, at most
    15 digits before the point and 12 after) by Arrow and integer arithmetic, rounded half up to the fen as
    :func:`_one_amount` rounds; (fen, parsed) per value, the others left for :func:`_one_amount`.

    >>> _plain_amounts(np.array(["9,481.47", "0.005", "-12", "12万", "1."], dtype=object))
    (array([948147,      1,  -1200,      0,      0]), array([ True,  True,  True, False, False]))
    """
    texts = pa.array([u if isinstance(u, str) else None for u in uniques.tolist()], type=pa.string())
    parts = pc.extract_regex(texts, _PLAIN_AMOUNT)
    whole = pc.replace_substring(parts.field("i"), ",", "")
    frac = pc.if_else(pc.equal(parts.field("f"), ""), "0", parts.field("f"))
    ok = pc.and_(parts.is_valid(), pc.less_equal(pc.utf8_length(whole), 15))
    known = pc.fill_null(ok, False).to_numpy(zero_copy_only=False)
    if not known.any():
        return np.zeros(len(uniques), dtype=np.int64), known
    whole = pc.if_else(ok, whole, "0")
    frac = pc.if_else(ok, frac, "0")
    padded = pc.utf8_rpad(frac, width=3, padding="0")
    cents = pc.cast(pc.utf8_slice_codeunits(padded, 0, 2), pa.int64()).to_numpy()
    up = pc.cast(pc.utf8_slice_codeunits(padded, 2, 3), pa.int64()).to_numpy() >= 5  # half up, away from zero
    fen = pc.cast(whole, pa.int64()).to_numpy() * 100 + cents + up
    negative = pc.fill_null(pc.equal(parts.field("s"), "-"), False).to_numpy(zero_copy_only=False)
    fen = np.where(negative, -fen, fen).astype(np.int64)
    return np.where(known, fen, 0), known


def parse_shares(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse shareholding as a fraction 0..1: ``80%`` → 0.8, ``0.8`` → 0.8, ``80`` → 0.8.

    >>> s, bad = parse_shares(pd.Series(["80%", "0.8", "80", "150", "x"]))
    >>> s.round(3).tolist()[:3], bad.tolist()
    ([0.8, 0.8, 0.8], [False, False, False, True, True])
    """

    def one(text: str) -> float | None:
        if not text:
            return None
        t = text.replace(" ", "")
        pct = t.endswith("%")
        t = t.rstrip("%")
        try:
            v = float(t.replace(",", ""))
        except ValueError:
            return None
        if pct or v > 1:
            v = v / 100
        if not (0 <= v <= 1) or v != v:
            return None
        return v

    raw = map_unique(values, lambda u: one(str(u)), dtype="float64")
    bad = raw.isna() & (values != "")
    return raw, bad


_SEX = {"男": "M", "m": "M", "male": "M", "男性": "M", "女": "F", "f": "F", "female": "F", "女性": "F"}


def parse_sex(values: pd.Series) -> pd.Series:
    """``男``/``女`` (and M/F, male/female) → ``M``/``F``; anything else → None.

    >>> parse_sex(pd.Series(["男", "女", "F", "?"])).tolist()
    ['M', 'F', 'F', None]
    """
    out = map_unique(values, lambda v: _SEX.get(str(v).strip().lower()))
    return out.where(out.notna(), None)
