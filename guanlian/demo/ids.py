"""Identifiers for the synthetic world: resident IDs (GB 11643) and credit codes (GB 32100).

Check characters come from python-stdnum (``stdnum.cn.ric``, ``stdnum.cn.uscc``); the number bodies are drawn
with numpy so that a million-row world builds in seconds. Uniqueness is enforced against a shared ``used`` set.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from stdnum.cn import ric, uscc

EPOCH = np.datetime64("1970-01-01", "D")
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def ric_check(body17: str) -> str:
    """Check character of a resident ID body (17 digits), via stdnum.

    Example:
        >>> ric_check("11010519491231002")
        'X'
    """
    return str(ric.calc_check_digit(body17 + "0"))


def uscc_check(body17: str) -> str:
    """Check character of a unified social credit code body (17 characters), via stdnum.

    Example:
        >>> uscc_check("91110108551385082")
        'Q'
    """
    return str(uscc.calc_check_digit(body17))


def org_code_check(body8: str) -> str:
    """GB 11714 check character of an organisation code body (8 characters, digits or A-Z).

    Example:
        >>> org_code_check("D2143569")
        'X'
    """
    total = sum(int(c, 36) * w for c, w in zip(body8, _ORG_WEIGHTS, strict=True))
    c = 11 - total % 11
    return "X" if c == 10 else "0" if c == 11 else str(c)


def days_to_ymd(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Split day numbers (days since 1970-01-01) into year, month, day arrays."""
    d = EPOCH + days.astype("timedelta64[D]")
    y = d.astype("datetime64[Y]").astype(np.int64) + 1970
    mstart = d.astype("datetime64[M]")
    m = mstart.astype(np.int64) % 12 + 1
    dd = (d - mstart.astype("datetime64[D]")).astype(np.int64) + 1
    return y, m, dd


def make_rics(
    rng: np.random.Generator,
    regions: np.ndarray,
    birth_days: np.ndarray,
    male: np.ndarray,
    used: set[str],
) -> list[str]:
    """Draw unique, valid 18-character resident IDs.

    Args:
        rng: random generator.
        regions: 6-digit region codes (str array).
        birth_days: birth dates as day numbers.
        male: bool array; the sequence number is odd for men.
        used: IDs already taken; new IDs are added to it.

    Returns:
        One ID per input row, none of them in ``used`` before the call.
    """
    n = len(regions)
    y, m, d = days_to_ymd(np.asarray(birth_days, dtype=np.int64))
    prefix = [f"{r}{yy:04d}{mm:02d}{dd:02d}" for r, yy, mm, dd in zip(regions, y, m, d, strict=True)]
    out: list[str] = [""] * n
    todo = list(range(n))
    while todo:
        seq = rng.integers(0, 500, size=len(todo)) * 2 + np.where(np.asarray(male)[todo], 1, 0)
        retry: list[int] = []
        for i, s in zip(todo, seq, strict=True):
            body = f"{prefix[i]}{s:03d}"
            num = body + ric_check(body)
            if num in used:
                retry.append(i)
            else:
                used.add(num)
                out[i] = num
        todo = retry
    return out


def make_usccs(rng: np.random.Generator, regions: Iterable[str], used: set[str]) -> list[str]:
    """Draw unique, valid unified social credit codes for enterprises (9 + 1 + region + org code).

    About half use the post-2015 ``MA`` org-code form seen on newly registered companies; the organisation
    code carries its own GB 11714 check character, the whole code its GB 32100 one (via stdnum).
    """
    regions = list(regions)
    out: list[str] = [""] * len(regions)
    todo = list(range(len(regions)))
    alphabet = np.array(list(USCC_ALPHABET))
    while todo:
        k = len(todo)
        ma = rng.random(k) < 0.5
        letters = rng.choice(alphabet, size=(k, 6))
        digits = rng.integers(0, 10, size=(k, 8)).astype(str)
        retry: list[int] = []
        for j, i in enumerate(todo):
            org = "MA" + "".join(letters[j]) if ma[j] else "".join(digits[j])
            org9 = org + org_code_check(org)
            if org9[-1] not in USCC_ALPHABET:
                retry.append(i)
                continue
            body = f"91{regions[i]}{org9}"
            code = body + uscc_check(body)
            if code in used:
                retry.append(i)
            else:
                used.add(code)
                out[i] = code
        todo = retry
    return out


def to_legacy15(id18: str) -> str:
    """The 15-digit legacy form of an 18-digit ID of someone born in the 1900s.

    Example:
        >>> to_legacy15("360802196505120013")
        '360802650512001'
    """
    if id18[6:8] != "19":
        raise ValueError("only IDs of people born 1900-1999 have a 15-digit form")
    return id18[:6] + id18[8:17]


def corrupt_check(id18: str) -> str:
    """The same ID with a wrong check character (a planted data error)."""
    good = id18[-1]
    for c in "0123456789X":
        if c != good:
            return id18[:-1] + c
    raise AssertionError("unreachable")
