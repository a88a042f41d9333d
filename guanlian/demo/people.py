"""Names, phones, addresses and accounts for synthetic people and companies (vectorised with numpy)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from guanlian.demo import tables as T

_SURNAME = np.array([s for s, _ in T.SURNAMES])
_SURNAME_P = np.array([w for _, w in T.SURNAMES]) / sum(w for _, w in T.SURNAMES)
_MALE = np.array(T.MALE_GIVEN)
_FEMALE = np.array(T.FEMALE_GIVEN)


_COMPOUND = frozenset(s for s, _ in T.SURNAMES if len(s) == 2)


def surname_of(name: str) -> str | None:
    """The surname of a Han name (compound surnames included); None for a transliterated name."""
    if "·" in name:
        return None
    return name[:2] if name[:2] in _COMPOUND else name[:1]


def surnames(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` surnames drawn by frequency."""
    return rng.choice(_SURNAME, size=n, p=_SURNAME_P)


def given_names(rng: np.random.Generator, male: np.ndarray) -> list[str]:
    """One given name (1 or 2 characters) per row, from the male or female pool."""
    n = len(male)
    a = np.where(male, rng.choice(_MALE, size=n), rng.choice(_FEMALE, size=n))
    b = np.where(male, rng.choice(_MALE, size=n), rng.choice(_FEMALE, size=n))
    single = rng.random(n) < 0.3
    return [x if s else x + y for x, y, s in zip(a, b, single, strict=True)]


def full_names(rng: np.random.Generator, male: np.ndarray, fixed_surname: Sequence[str | None] | None = None) -> list[str]:
    """Full names; a few are ethnic-minority names with a middle dot."""
    n = len(male)
    sur = surnames(rng, n)
    if fixed_surname is not None:
        sur = np.array([f if f else s for f, s in zip(fixed_surname, sur, strict=True)])
    given = given_names(rng, male)
    names = [s + g for s, g in zip(sur, given, strict=True)]
    minority = rng.random(n) < 0.01
    for i in np.flatnonzero(minority):
        if fixed_surname is None or not fixed_surname[int(i)]:
            a, b = T.MINORITY_NAMES[int(rng.integers(0, len(T.MINORITY_NAMES)))]
            names[i] = f"{a}·{b}"
    return names


def traditional_variant(name: str) -> str | None:
    """The name with every character that has a traditional form written traditionally (None if none has)."""
    out = "".join(T.TRADITIONAL.get(c, c) for c in name)
    return out if out != name else None


def homophone_variant(name: str) -> str | None:
    """The name with its last replaceable given-name character swapped for a homophone (None if none)."""
    for i in range(len(name) - 1, 0, -1):
        if name[i] in T.HOMOPHONES:
            return name[:i] + T.HOMOPHONES[name[i]] + name[i + 1 :]
    return None


def unique_numbers(rng: np.random.Generator, n: int, make: Callable[[np.random.Generator, int], list[str]],
                   used: set[str]) -> list[str]:
    """Draw ``n`` strings with ``make(rng, k) -> list[str]`` that are not yet in ``used`` (and add them)."""
    out: list[str] = []
    while len(out) < n:
        k = int((n - len(out)) * 1.1) + 4
        for x in make(rng, k):
            if x not in used:
                used.add(x)
                out.append(x)
                if len(out) == n:
                    break
    return out


def _mobiles(rng: np.random.Generator, k: int) -> list[str]:
    pre = rng.choice(np.array(T.MOBILE_PREFIXES), size=k)
    num = rng.integers(0, 100_000_000, size=k)
    return [f"{p}{x:08d}" for p, x in zip(pre, num, strict=True)]


def _landlines(rng: np.random.Generator, k: int) -> list[str]:
    num = rng.integers(0, 1_000_000, size=k)
    return [f"0796-8{x:06d}" for x in num]


def mobiles(rng: np.random.Generator, n: int, used: set[str]) -> list[str]:
    """Unique 11-digit mobile numbers."""
    return unique_numbers(rng, n, _mobiles, used)


def landlines(rng: np.random.Generator, n: int, used: set[str]) -> list[str]:
    """Unique 吉安 landline numbers (0796-8xxxxxx)."""
    return unique_numbers(rng, n, _landlines, used)


def _home_addresses(rng: np.random.Generator, k: int) -> list[str]:
    c = rng.integers(0, len(T.COUNTIES), size=k)
    road = rng.choice(np.array(T.ROADS), size=k)
    no = rng.integers(1, 400, size=k)
    comm = rng.choice(np.array(T.COMMUNITIES), size=k)
    bld = rng.integers(1, 40, size=k)
    room = rng.integers(1, 30, size=k) * 100 + rng.integers(1, 5, size=k)
    out = []
    for ci, r, n_, cm, b, rm in zip(c, road, no, comm, bld, room, strict=True):
        code, county, city, prov = T.COUNTIES[int(ci)]
        out.append(f"{prov}{city}{county}{r}{n_}号{cm}{b}栋{rm}室")
    return out


def home_addresses(rng: np.random.Generator, n: int, used: set[str]) -> list[str]:
    """Unique home addresses (province, city, county, road, number, estate, building, room)."""
    return unique_numbers(rng, n, _home_addresses, used)


def _office_addresses(rng: np.random.Generator, k: int) -> list[str]:
    c = rng.integers(0, 13, size=k)  # 吉安's counties
    road = rng.choice(np.array(T.ROADS), size=k)
    no = rng.integers(1, 900, size=k)
    room = rng.integers(1, 20, size=k) * 100 + rng.integers(1, 30, size=k)
    out = []
    for ci, r, n_, rm in zip(c, road, no, room, strict=True):
        _, county, city, prov = T.COUNTIES[int(ci)]
        out.append(f"{prov}{city}{county}{r}{n_}号{rm}室")
    return out


def office_addresses(rng: np.random.Generator, n: int, used: set[str]) -> list[str]:
    """Unique registered addresses of companies."""
    return unique_numbers(rng, n, _office_addresses, used)


def _accounts(rng: np.random.Generator, k: int) -> list[str]:
    a = rng.integers(10**8, 10**9, size=k)
    b = rng.integers(10**9, 10**10, size=k)
    return [f"{x}{y}" for x, y in zip(a, b, strict=True)]


def accounts(rng: np.random.Generator, n: int, used: set[str]) -> list[str]:
    """Unique 19-digit bank account numbers."""
    return unique_numbers(rng, n, _accounts, used)


def _emails(rng: np.random.Generator, k: int) -> list[str]:
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    out = []
    dom = rng.choice(np.array(T.EMAIL_DOMAINS), size=k)
    for i in range(k):
        if rng.random() < 0.5:
            out.append(f"{rng.integers(10**7, 10**10)}@qq.com")
        else:
            user = "".join(rng.choice(letters, size=int(rng.integers(4, 9))))
            out.append(f"{user}{rng.integers(0, 1000)}@{dom[i]}")
    return out


def emails(rng: np.random.Generator, n: int, used: set[str]) -> list[str]:
    """Unique e-mail addresses."""
    return unique_numbers(rng, n, _emails, used)
