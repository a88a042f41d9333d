"""Resident ID numbers (公民身份号码) and unified social credit codes (统一社会信用代码): the one home.

Parse one value (:func:`parse_resident_id`, :func:`parse_credit_code`), check many at once with numpy
(:func:`fast_valid_ids`, :func:`credit_codes`, and the byte-matrix checks :func:`id_check_ok` /
:func:`credit_code_check_ok` they and the matcher share), mask (:func:`mask_resident_id`) and find IDs in free
text (:func:`find_ids_in_text`, :func:`mask_ids_in_text`). Loaders, the matcher, privacy and every output call
these; nothing else implements a check character or an ID regex.

A resident ID is the strongest identity key there is, so parsing is strict and never "repairs" a number:

* ``valid``: 18 characters (or a 15-digit legacy number, converted) with a real birth date and a correct
  ISO 7064 MOD 11-2 check character. Only these have ``number`` set and may become node keys.
* ``bad_checksum``: well-formed, real birth date, wrong check character (a typo somewhere): ``number`` is
  None, ``raw`` is kept for people to read.
* ``masked``: a public extract with ``*`` in the middle (``3624**********1234``): ``prefix``/``suffix`` are the
  visible parts, usable as partial evidence (see :meth:`ResidentId.consistent_with`).
* ``invalid``: anything else.

The region code is informational only: python-stdnum's ``ric.validate`` also demands that the region code
existed in the birth year, which rejects real IDs (see ``PITFALLS.md``), so it is not used here.

Example:
    >>> r = parse_resident_id("110105491231002")
    >>> r.number, r.status, r.sex
    ('11010519491231002X', 'valid', 'F')
    >>> mask_resident_id("11010519491231002X")
    '1101**********002X'
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from stdnum import numdb
from stdnum.cn import ric, uscc
from stdnum.exceptions import InvalidChecksum, ValidationError

__all__ = [
    "CreditCode",
    "IdStatus",
    "ResidentId",
    "cached_credit_code",
    "cached_resident_id",
    "credit_code_check_ok",
    "credit_codes",
    "fast_valid_codes",
    "fast_valid_ids",
    "find_ids_in_text",
    "id15_to_18",
    "id_birth_ok",
    "id_check_ok",
    "is_resident_id_token",
    "mask_ids_in_text",
    "mask_resident_id",
    "parse_credit_code",
    "parse_resident_id",
    "region_name",
]

IdStatus = Literal["valid", "bad_checksum", "masked", "invalid"]

_SEPARATORS = re.compile(r"[\s\-_/.·]")
_MASK_CHARS = str.maketrans({"×": "*", "•": "*", "●": "*", "#": "*"})
_MASKED_RE = re.compile(r"^(\d*)\*+(\d*[0-9X]?)$")
_MIN_YEAR = 1880


@dataclass(frozen=True)
class ResidentId:
    """A parsed resident ID number.

    Attributes:
        raw: the text as given (stripped).
        number: the canonical 18-character upper-case number, or None unless ``status == "valid"``.
        status: ``valid``, ``bad_checksum``, ``masked`` or ``invalid``.
        birth_date: from the number (also for ``bad_checksum`` and for masked numbers that show it).
        sex: ``M`` (odd sequence) or ``F`` (even), when visible.
        region: province/prefecture/county name of the 6-digit code, when known (informational).
        prefix: visible leading characters (masked), or the 6-digit region code (full numbers).
        suffix: visible trailing characters (masked), or the last 4 characters (full numbers).
    """

    raw: str
    number: str | None
    status: IdStatus
    birth_date: dt.date | None
    sex: Literal["M", "F"] | None
    region: str | None
    prefix: str
    suffix: str

    @property
    def length(self) -> int:
        """Nominal length of the number (18 for converted 15-digit numbers)."""
        return 18 if self.number else len(self.raw_compact)

    @property
    def raw_compact(self) -> str:
        """``raw`` after NFKC, separators removed, upper-cased."""
        return _compact(self.raw)

    def consistent_with(self, other: ResidentId) -> bool | None:
        """Whether two IDs can belong to one person.

        Returns True (same valid number, or a masked one whose visible parts fit), False (different valid
        numbers, or visible parts that contradict), or None (nothing to compare: invalid, bad checksum).

        Example:
            >>> a = parse_resident_id("11010519491231002X")
            >>> b = parse_resident_id("1101**********002X")
            >>> c = parse_resident_id("1101**********0021")
            >>> a.consistent_with(b), a.consistent_with(c)
            (True, False)
        """
        if self.number and other.number:
            return self.number == other.number
        if self.status == "masked" and other.number:
            return other.consistent_with(self)
        if self.number and other.status == "masked":
            n, p, s = self.number, other.prefix, other.suffix
            if other.raw_compact and len(other.raw_compact) == 15:
                n = n[:6] + n[8:17]  # compare against the 15-digit form
            return n.startswith(p) and n.endswith(s)
        if self.status == "masked" and other.status == "masked":
            k = min(len(self.prefix), len(other.prefix))
            j = min(len(self.suffix), len(other.suffix))
            if len(self.raw_compact) != len(other.raw_compact):
                return None
            if self.prefix[:k] != other.prefix[:k]:
                return False
            if j and self.suffix[-j:] != other.suffix[-j:]:
                return False
            return True if (k or j) else None
        return None


def _text_or_none(raw: object) -> str | None:
    """The stripped text of a cell, or None for None, NaN and blank."""
    if raw is None or (isinstance(raw, float) and raw != raw):
        return None
    text = str(raw).strip()
    return text or None


def _compact(raw: str) -> str:
    t = unicodedata.normalize("NFKC", raw).translate(_MASK_CHARS)
    return _SEPARATORS.sub("", t).upper()


def _date8(s: str) -> dt.date | None:
    try:
        d = dt.date(int(s[0:4]), int(s[4:6]), int(s[6:8]))
    except ValueError:
        return None
    if d.year < _MIN_YEAR or d > dt.date.today():
        return None
    return d


@lru_cache(maxsize=8192)
def region_name(code6: str) -> str | None:
    """Province / prefecture / county of a 6-digit region code from python-stdnum's table (any period).

    Example:
        >>> region_name("360802")
        '江西省吉州区'
    """
    if len(code6) != 6 or not code6.isdigit():
        return None
    parts = numdb.get("cn/loc").info(code6)
    info: dict[str, str] = {}
    for _, props in parts:
        info.update(props)
    if not info:
        return None
    county = info.get("county", "")
    # "[2000-]吉州区,[-2000]吉安市": take the latest name.
    names = [c.split("]", 1)[-1] for c in county.split(",") if c]
    return (info.get("province", "") + info.get("prefecture", "") + (names[0] if names else "")) or None


def id15_to_18(number15: str) -> str:
    """Convert a 15-digit legacy number to 18 characters (insert ``19``, add the check character).

    Example:
        >>> id15_to_18("110105491231002")
        '11010519491231002X'
    """
    body = number15[:6] + "19" + number15[6:15]
    return body + ric.calc_check_digit(body + "0")


def _sex(seq_digit: str) -> Literal["M", "F"] | None:
    if not seq_digit.isdigit():
        return None
    return "M" if int(seq_digit) % 2 else "F"


def parse_resident_id(raw: str | None) -> ResidentId | None:
    """Parse a resident ID number as written in a spreadsheet.

    NFKC first (full-width digits), separators and spaces removed, ``x`` → ``X``; 15-digit numbers are
    converted to 18. A wrong check character is never fixed.

    Args:
        raw: the text, or None.

    Returns:
        A :class:`ResidentId`, or None for None / blank input.

    Example:
        >>> parse_resident_id("１１０１０５１９４９１２３１００２ｘ").status
        'valid'
        >>> parse_resident_id("110105194912310021").status
        'bad_checksum'
        >>> parse_resident_id("3624**********1234").suffix
        '1234'
    """
    raw_s = _text_or_none(raw)
    if raw_s is None:
        return None
    c = _compact(raw_s)
    if "*" in c:
        m = _MASKED_RE.match(c)
        if not m or not (6 <= len(c) <= 18):
            return ResidentId(raw_s, None, "invalid", None, None, None, "", "")
        prefix, suffix = m.group(1), m.group(2)
        birth = _date8(c[6:14]) if len(c) == 18 and len(prefix) >= 14 else None
        if len(c) == 15 and len(prefix) >= 12:
            birth = _date8("19" + c[6:12])
        sex = None
        seq_pos = 16 if len(c) == 18 else 14
        if len(c) in (15, 18) and len(c) - len(suffix) <= seq_pos:
            sex = _sex(c[seq_pos])
        elif len(prefix) > seq_pos:
            sex = _sex(c[seq_pos])
        return ResidentId(raw_s, None, "masked", birth, sex, region_name(prefix[:6]), prefix, suffix)
    if len(c) == 15 and c.isdigit():
        birth = _date8("19" + c[6:12])
        if birth is None:
            return ResidentId(raw_s, None, "invalid", None, None, None, "", "")
        n = id15_to_18(c)
        return ResidentId(raw_s, n, "valid", birth, _sex(n[16]), region_name(n[:6]), n[:6], n[-4:])
    if len(c) == 18 and c[:17].isdigit() and c[17] in "0123456789X":
        birth = _date8(c[6:14])
        if birth is None:
            return ResidentId(raw_s, None, "invalid", None, None, None, "", "")
        if ric.calc_check_digit(c) != c[17]:
            return ResidentId(raw_s, None, "bad_checksum", birth, _sex(c[16]), region_name(c[:6]), c[:6], c[-4:])
        return ResidentId(raw_s, c, "valid", birth, _sex(c[16]), region_name(c[:6]), c[:6], c[-4:])
    return ResidentId(raw_s, None, "invalid", None, None, None, "", "")


# --- IDs in free text ----------------------------------------------------------------------------------

_D = "0-9０-９"
_ALNUM = "0-9A-Za-z０-９Ａ-Ｚａ-ｚ"
_ID_TOKEN = re.compile(rf"(?<![{_ALNUM}])([{_D}]{{17}}[{_D}XxＸｘ]|[{_D}]{{15}})(?![{_ALNUM}])")
"""A standalone run of 18 characters (17 digits + digit or X) or of 15 digits, ASCII or full-width. Only a
candidate: :func:`is_resident_id_token` decides."""

_DATE = r"(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
_ID18_SHAPE = re.compile(rf"[1-9]\d{{5}}(?:18|19|20)\d{{2}}{_DATE}\d{{3}}[\dX]", re.ASCII)
_ID15_SHAPE = re.compile(rf"[1-9]\d{{7}}{_DATE}\d{{3}}", re.ASCII)
_TO_ASCII = str.maketrans("０１２３４５６７８９Ｘｘx", "0123456789XXX")


def is_resident_id_token(token: str) -> bool:
    """Whether an ID-shaped token found in text is (or is a mistyped) resident ID, to be masked.

    The rule (GB 11643 structure): a region code starting 1-9, then a plausible birth date (``YYYYMMDD``
    with year 18xx-20xx, or ``YYMMDD`` in a 15-digit number), then the sequence and check character. The
    check character is *not* required (a mistyped ID is still personal data), with one exception: an 18-digit
    token whose ID check fails but that is a valid unified social credit code is a company's code, never
    masked (credit codes are public, and many are all digits). A token valid as both is masked.

    Example:
        >>> is_resident_id_token("11010519491231002X"), is_resident_id_token("110105194912310021")
        (True, True)
        >>> is_resident_id_token("913601001583042257")  # a credit code
        False
    """
    c = token.translate(_TO_ASCII)
    if len(c) == 15:
        return _ID15_SHAPE.fullmatch(c) is not None
    if len(c) != 18 or _ID18_SHAPE.fullmatch(c) is None:
        return False
    if ric.calc_check_digit(c) == c[17]:
        return True
    return not uscc.is_valid(c)


def find_ids_in_text(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` spans of the resident IDs in free text (see :func:`is_resident_id_token` for the rule).

    Near misses are left alone: phone numbers (11 digits), longer digit runs (bank accounts), tokens glued to
    letters or digits, 18-digit numbers without a birth date, and valid credit codes.

    Example:
        >>> find_ids_in_text("张三身份证11010519491231002X，电话13800138000")
        [(5, 23)]
        >>> find_ids_in_text("信用代码913601001583042257；账号6222021234567890123")
        []
    """
    if not text:
        return []
    return [m.span(1) for m in _ID_TOKEN.finditer(text) if is_resident_id_token(m.group(1))]


def _mask_token(tok: str) -> str:
    return tok[:4] + "*" * (len(tok) - 8) + tok[-4:]


def mask_ids_in_text(text: str) -> str:
    """Mask every resident ID in free text (logs, explanations, keys, reports): first 4 + ``*`` + last 4.

    What counts as an ID is :func:`find_ids_in_text`'s rule: valid or mistyped IDs are masked, credit codes,
    phone numbers and other digit runs are not.

    Example:
        >>> mask_ids_in_text("身份证 11010519491231002X，电话 13800138000")
        '身份证 1101**********002X，电话 13800138000'
        >>> mask_ids_in_text("uscc:913601001583042257")
        'uscc:913601001583042257'
    """
    if not text:
        return text
    return _ID_TOKEN.sub(lambda m: _mask_token(m.group(1)) if is_resident_id_token(m.group(1)) else m.group(0), text)


def mask_resident_id(s: str | None) -> str:
    """Mask a value known to be a resident ID: first 4 + ``*`` + last 4 (``1101**********002X``; 15 digits: 7 ``*``).

    Any 18-character (17 digits + digit or X) or 15-digit value is masked, whatever its date. Other strings are returned unchanged except that ID-looking tokens inside them are masked
    (:func:`mask_ids_in_text`). None gives ``""``.

    Example:
        >>> mask_resident_id("110105491231002")
        '1101*******1002'
        >>> mask_resident_id("N/A")
        'N/A'
    """
    if s is None:
        return ""
    c = _compact(str(s))
    if (len(c) == 18 and c[:17].isdigit() and c[17] in "0123456789X") or (len(c) == 15 and c.isdigit()):
        return _mask_token(c)
    return mask_ids_in_text(str(s))


@dataclass(frozen=True)
class CreditCode:
    """A parsed unified social credit code.

    Attributes:
        raw: the text as given (stripped).
        code: canonical 18-character upper-case code, or None unless ``status == "valid"``.
        status: ``valid``, ``bad_checksum`` or ``invalid``.
    """

    raw: str
    code: str | None
    status: Literal["valid", "bad_checksum", "invalid"]


def parse_credit_code(raw: str | None) -> CreditCode | None:
    """Parse a unified social credit code with ``stdnum.cn.uscc``.

    Args:
        raw: the text, or None.

    Returns:
        A :class:`CreditCode`, or None for None / blank input.

    Example:
        >>> parse_credit_code("91110000600037341L").status
        'valid'
        >>> parse_credit_code("91110000600037341M").status
        'bad_checksum'
    """
    raw_s = _text_or_none(raw)
    if raw_s is None:
        return None
    c = _compact(raw_s)
    try:
        return CreditCode(raw_s, uscc.validate(c), "valid")
    except InvalidChecksum:
        return CreditCode(raw_s, None, "bad_checksum")
    except ValidationError:
        return CreditCode(raw_s, None, "invalid")


@lru_cache(maxsize=1_000_000)
def cached_resident_id(value: str) -> ResidentId | None:
    """:func:`parse_resident_id` with a cache (exports repeat the same numbers on many rows)."""
    return parse_resident_id(value)


@lru_cache(maxsize=1_000_000)
def cached_credit_code(value: str) -> CreditCode | None:
    """:func:`parse_credit_code` with a cache (``uscc.validate`` costs ~70 µs per call)."""
    return parse_credit_code(value)


# --- vectorised checks ----------------------------------------------------------------------------------
# The same verdicts as python-stdnum (tests/values/test_ids.py compares them on many generated numbers), on
# (n, 18) matrices of ASCII bytes so millions of values need no Python object per value.

_ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_ID_CHECK = np.frombuffer(b"10X98765432", dtype=np.uint8)
_MONTH_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_INDEX = np.full(256, 0, dtype=np.int64)
_USCC_INDEX[[ord(c) for c in _USCC_ALPHABET]] = np.arange(len(_USCC_ALPHABET))
_USCC_WEIGHTS = np.array([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28], dtype=np.int64)

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


def id_check_ok(chars: npt.NDArray[np.uint8]) -> BoolArray:
    """ISO 7064 MOD 11-2 check of 18-character resident IDs given as an ``(n, 18)`` matrix of ASCII bytes.

    The first 17 bytes must be digits and the last a digit or ``X`` (callers select such rows first).

    Example:
        >>> m = np.frombuffer(b"11010519491231002X110105194912310021", dtype=np.uint8).reshape(2, 18)
        >>> id_check_ok(m).tolist()
        [True, False]
    """
    weighted = np.zeros(len(chars), dtype=np.int64)
    for k in range(17):  # one column at a time: no int64 copy of the whole matrix
        weighted += int(_ID_WEIGHTS[k]) * (chars[:, k].astype(np.int64) - 48)
    ok: BoolArray = _ID_CHECK[weighted % 11] == chars[:, 17]
    return ok


def id_birth_ok(y: IntArray, m: IntArray, d: IntArray) -> BoolArray:
    """Calendar dates from 1880 up to today: the birth dates :func:`parse_resident_id` accepts.

    Example:
        >>> id_birth_ok(np.array([1949, 1900, 1879]), np.array([2, 2, 1]), np.array([28, 29, 1])).tolist()
        [True, False, False]
    """
    leap = (y % 4 == 0) & ((y % 100 != 0) | (y % 400 == 0))
    days = _MONTH_DAYS[np.clip(m, 0, 12)] + (leap & (m == 2))
    t = dt.date.today()
    ok: BoolArray = (m >= 1) & (m <= 12) & (d >= 1) & (d <= days) & (y >= _MIN_YEAR) & (
        y * 10000 + m * 100 + d <= t.year * 10000 + t.month * 100 + t.day)
    return ok


def credit_code_check_ok(chars: npt.NDArray[np.uint8]) -> BoolArray:
    """GB 32100 check of 18-character credit codes given as an ``(n, 18)`` matrix of ASCII bytes.

    Every byte must be in the code alphabet (digits and upper-case letters without I, O, S, V, Z).

    Example:
        >>> m = np.frombuffer(b"91110000600037341L91110000600037341M", dtype=np.uint8).reshape(2, 18)
        >>> credit_code_check_ok(m).tolist()
        [True, False]
    """
    idx = _USCC_INDEX[chars]
    ok: BoolArray = idx[:, 17] == (-(idx[:, :17] @ _USCC_WEIGHTS)) % 31
    return ok


def _text(values: pd.Series) -> pd.Series:
    return values.astype(object).where(values.notna(), "").astype(str)


def _matrix(texts: pd.Series) -> npt.NDArray[np.uint8]:
    return np.frombuffer("".join(texts).encode("ascii"), dtype=np.uint8).reshape(-1, 18)


def fast_valid_ids(values: pd.Series) -> pd.DataFrame:
    """The canonical 18-character IDs among ``values`` whose check character and birth date are right.

    A vectorised shortcut for the common case, equal to :func:`parse_resident_id` returning ``valid`` for
    such values (the tests compare both); every other value goes through :func:`parse_resident_id`.

    Args:
        values: raw cells (any dtype; None/NaN allowed).

    Returns:
        A frame indexed like the matching rows with columns ``number``, ``birth`` (ISO) and ``sex`` (M/F).

    Example:
        >>> fast_valid_ids(pd.Series(["11010519491231002X", "110105194912310021", "x"])).to_dict("records")
        [{'number': '11010519491231002X', 'birth': '1949-12-31', 'sex': 'F'}]
    """
    text = _text(values)
    canon = text[text.str.fullmatch(r"[0-9]{17}[0-9X]").fillna(False).astype(bool)]
    if canon.empty:
        return pd.DataFrame(columns=["number", "birth", "sex"], index=canon.index)
    chars = _matrix(canon)
    dg = chars[:, 6:14].astype(np.int64) - 48
    y = dg[:, 0] * 1000 + dg[:, 1] * 100 + dg[:, 2] * 10 + dg[:, 3]
    m = dg[:, 4] * 10 + dg[:, 5]
    d = dg[:, 6] * 10 + dg[:, 7]
    ok = id_check_ok(chars) & id_birth_ok(y, m, d)
    good = canon[ok]
    return pd.DataFrame(
        {
            "number": good,
            "birth": good.str.slice(6, 10) + "-" + good.str.slice(10, 12) + "-" + good.str.slice(12, 14),
            "sex": np.where((chars[ok, 16] - 48) % 2 == 1, "M", "F"),
        },
        index=good.index,
    )


def _canonical_codes(values: pd.Series) -> tuple[BoolArray, BoolArray]:
    """(canonical form, check character right) masks for credit codes."""
    text = _text(values)
    canon = text.str.fullmatch(r"[0-9]{8}[0-9A-HJ-NPQRTUWXY]{10}").fillna(False).astype(bool).to_numpy()
    ok = np.zeros(len(values), dtype=bool)
    if canon.any():
        ok[canon] = credit_code_check_ok(_matrix(text[canon]))
    return canon, ok


def fast_valid_codes(values: pd.Series) -> pd.Series:
    """True where a value is a canonical 18-character credit code with the right check character.

    A vectorised shortcut equal to ``parse_credit_code(v).status == "valid"`` for values already in canonical
    form (the tests compare both); anything else (lower case, separators) is False here and goes through
    :func:`parse_credit_code`.

    Example:
        >>> fast_valid_codes(pd.Series(["91110000600037341L", "91110000600037341M", "x"])).tolist()
        [True, False, False]
    """
    return pd.Series(_canonical_codes(values)[1], index=values.index, dtype=bool)


def credit_codes(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(canonical code or None, status) of the credit codes in ``values``, one parse per distinct value.

    Status is ``valid``, ``bad_checksum``, ``invalid`` or ``missing`` (blank cell). Canonical spellings are
    decided with numpy (the same verdicts as python-stdnum); only other spellings go through
    :func:`parse_credit_code`.

    Example:
        >>> code, status = credit_codes(pd.Series(["91110000600037341L", "91110000600037341M", "", "x"]))
        >>> code.tolist(), status.tolist()
        (['91110000600037341L', None, None, None], ['valid', 'bad_checksum', 'missing', 'invalid'])
    """
    codes, uniques = pd.factorize(values.to_numpy(dtype=object), use_na_sentinel=False)
    canon, ok = _canonical_codes(pd.Series(uniques, dtype=object))
    code_u = np.empty(len(uniques), dtype=object)
    status_u = np.empty(len(uniques), dtype=object)
    for i, v in enumerate(uniques):
        if not isinstance(v, str) or not v:
            status_u[i] = "missing"
        elif canon[i]:
            code_u[i], status_u[i] = (v, "valid") if ok[i] else (None, "bad_checksum")
        else:
            parsed = cached_credit_code(v)
            code_u[i], status_u[i] = (parsed.code, parsed.status) if parsed is not None else (None, "invalid")
    idx = values.index
    return pd.Series(code_u[codes], index=idx, dtype=object), pd.Series(status_u[codes], index=idx, dtype=object)
