"""Look-alike Chinese characters (形近字: 己/已, 末/未, 王/玉) from glyph data: the four-corner code (四角号码).

The four-corner method codes a character by the stroke shapes at its four corners; characters that look alike
share the code (己 and 已 are both 1771, 末 and 未 5090, 王 1010 and 玉 1010 with a different fifth digit). The
codes come from the ``four_corner_method`` package's table (74,184 characters); we compare the first four digits.
A shared code is weaker evidence than a shared reading: many unrelated characters share a code too, so the
matcher gives a look-alike substitution a little more than any one-character difference, and only with other
evidence does it reach ``probable``.

Example:
    >>> four_corner("己"), lookalike("己", "已"), lookalike("末", "未"), lookalike("王", "李")
    ('1771', True, True, False)
    >>> lookalike_names("王玉己", "王玉已"), lookalike_names("王晓明", "王小明")
    (True, False)
"""

from __future__ import annotations

import pickle
from functools import cache
from importlib.resources import files

__all__ = ["four_corner", "lookalike", "lookalike_names"]


@cache
def _table() -> dict[str, str]:
    with files("four_corner_method").joinpath("data/data.pkl").open("rb") as fh:
        data: dict[str, str] = pickle.load(fh)  # the package's own data file (not user input)
    return data


def four_corner(ch: str) -> str:
    """The first four digits of the four-corner code of ``ch`` (``""`` when unknown or not one character)."""
    if len(ch) != 1:
        return ""
    return (_table().get(ch) or "")[:4]


def lookalike(a: str, b: str) -> bool:
    """True for two different characters with the same four-corner code."""
    if a == b:
        return False
    ca = four_corner(a)
    return bool(ca) and ca == four_corner(b)


def lookalike_names(a: str, b: str) -> bool:
    """True when two names of equal length differ in exactly one position and those characters look alike."""
    if len(a) != len(b) or len(a) < 2:
        return False
    diff = [(x, y) for x, y in zip(a, b, strict=True) if x != y]
    return len(diff) == 1 and lookalike(*diff[0])
