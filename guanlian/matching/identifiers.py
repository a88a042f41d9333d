"""Resident ID numbers (公民身份号码) and unified social credit codes (统一社会信用代码).

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

from stdnum import numdb
from stdnum.cn import ric, uscc
from stdnum.exceptions import InvalidChecksum, ValidationError

__all__ = [
    "CreditCode",
    "ResidentId",
    "id15_to_18",
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


_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z０-９Ａ-Ｚａ-ｚ])(\d{17}[\dXxＸｘ]|\d{15})(?![0-9A-Za-z０-９Ａ-Ｚａ-ｚ])")


def _mask_token(tok: str) -> str:
    return tok[:4] + "*" * (len(tok) - 8) + tok[-4:]


def mask_ids_in_text(text: str) -> str:
    """Mask every 15- or 18-character ID-looking token in free text (logs, explanations, reports).

    Conservative on purpose: any standalone run of 15 digits, or 17 digits plus a digit or X, is masked,
    valid or not (a typo'd ID is still personal data).

    Example:
        >>> mask_ids_in_text("身份证 11010519491231002X，电话 13800138000")
        '身份证 1101**********002X，电话 13800138000'
    """
    if not text:
        return text
    return _ID_IN_TEXT.sub(lambda m: _mask_token(m.group(1)), text)


def mask_resident_id(s: str | None) -> str:
    """Mask a resident ID for display: first 4 + ``*`` + last 4 (``1101**********002X``; 15 digits: 7 ``*``).

    Other strings are returned unchanged except that ID-looking tokens inside them are masked
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
