"""Small named comparisons, splink-style: each gives every candidate pair a level, each level a weight.

A comparison looks at one aspect of two person records (name characters, name sound, resident ID, birth
date, sex, phone, address, employer) and returns, for a whole array of pairs at once, the index of the level
each pair falls in. The level carries a weight (roughly a log2 Bayes factor: positive is evidence for "same
person", negative against); the weights of all comparisons add up to the pair's score, and the same levels,
with their Chinese and English labels, make the explanation.

Weights are hand-set defaults (see ``docs/matching.md`` for the reasoning) and can be overridden through
:attr:`guanlian.matching.matcher.MatchConfig.weights` with keys ``"<Comparison>.<level>"``.

Example:
    >>> [lv.name for lv in NameChars().levels]
    ['missing', 'exact', 'exact_variant', 'reordered', 'lookalike', 'one_char', 'similar', 'sound_alike', 'different']
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt
import pandas as pd
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA, Indel, JaroWinkler, Levenshtein

from guanlian.matching.features import CODE_COLUMNS, ID_KINDS, joint_codes, map_codes, shares_coding
from guanlian.matching.lookalike import lookalike_names
from guanlian.matching.normalize import company_trade_name, normalize_address, normalize_company_name
from guanlian.values.ids import parse_resident_id

__all__ = [
    "Address",
    "BirthDate",
    "Comparison",
    "Employer",
    "FormerName",
    "LatinName",
    "Level",
    "NameChars",
    "NamePinyin",
    "OtherId",
    "Pairs",
    "Phone",
    "ResidentIdComparison",
    "Sex",
    "default_comparisons",
]

IntArray = npt.NDArray[np.int8]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Level:
    """One outcome of a comparison.

    Attributes:
        name: identifier (``exact``, ``different``…).
        weight: contribution to the score.
        label_zh: Chinese words for the explanation.
        label_en: English words for the explanation.
        corroborates: True if this level is independent evidence beyond the name (needed for ``probable``).
    """

    name: str
    weight: float
    label_zh: str
    label_en: str
    corroborates: bool = False


class Pairs:
    """Candidate pairs as two index arrays into two prepared feature frames, with column access.

    Hot paths read integer codes (:meth:`codes`, :meth:`ints`) and fetch strings only for the few pairs
    that need them (:meth:`take`).

    Args:
        left: features of the left records (:func:`guanlian.matching.features.prepare_records`).
        right: features of the right records (may be the same frame as ``left``).
        li: left row positions.
        ri: right row positions.
    """

    def __init__(self, left: pd.DataFrame, right: pd.DataFrame, li: npt.NDArray[np.int64],
                 ri: npt.NDArray[np.int64]) -> None:
        self.left, self.right, self.li, self.ri = left, right, li, ri
        self._cache: dict[str, tuple[npt.NDArray[Any], npt.NDArray[Any]]] = {}

    def __len__(self) -> int:
        return len(self.li)

    def col(self, name: str) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.object_]]:
        """The column ``name`` of both sides, aligned with the pairs (slow for text: prefer :meth:`codes`)."""
        if name not in self._cache:
            self._cache[name] = (self.left[name].to_numpy()[self.li], self.right[name].to_numpy()[self.ri])
        return self._cache[name]

    def ints(self, name: str) -> tuple[npt.NDArray[np.integer[Any]], npt.NDArray[np.integer[Any]]]:
        """A numeric column of both sides, aligned with the pairs, in its stored dtype widened to at least
        16 bits (small dtypes keep the gathers cache-friendly; differences of years still fit)."""
        key = f"int:{name}"
        if key not in self._cache:
            a = self.left[name].to_numpy()
            b = self.right[name].to_numpy()
            dt = np.promote_types(np.promote_types(a.dtype, b.dtype), np.int16)
            self._cache[key] = (a[self.li].astype(dt, copy=False), b[self.ri].astype(dt, copy=False))
        return self._cache[key]

    def codes(self, code_col: str) -> tuple[npt.NDArray[np.integer[Any]], npt.NDArray[np.integer[Any]]]:
        """Comparable integer codes (``c_*`` columns, ``-1`` = blank) of both sides, aligned with the pairs."""
        key = f"code:{code_col}"
        if key not in self._cache:
            if shares_coding(self.left, self.right) or code_col not in CODE_COLUMNS:
                cl, cr = self.left[code_col].to_numpy(), self.right[code_col].to_numpy()
            else:
                cl, cr = joint_codes(self.left, self.right, code_col)
            self._cache[key] = (cl[self.li], cr[self.ri])
        return self._cache[key]

    def take(self, name: str, sel: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.object_]]:
        """Column ``name`` of both sides for the pairs at positions ``sel`` only."""
        return (self.left[name].iloc[self.li[sel]].to_numpy(dtype=object),
                self.right[name].iloc[self.ri[sel]].to_numpy(dtype=object))

    def mapped(self, name: str, fn: Callable[[Any], object]) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.object_]]:
        """Column ``name`` passed through ``fn`` once per distinct value among the records in pairs."""
        key = f"{name}:{getattr(fn, '__name__', id(fn))}"
        if key not in self._cache:
            a, b = self.col(name)
            uniq = pd.unique(np.concatenate([a, b]))
            mapping = {u: fn(u) for u in uniq}
            self._cache[key] = (pd.Series(a).map(mapping).to_numpy(dtype=object),
                                pd.Series(b).map(mapping).to_numpy(dtype=object))
        return self._cache[key]

    def both_sides_have(self, code_col: str) -> bool:
        """False when every record on one side is blank in ``code_col`` (then no pair can compare it)."""
        return bool((self.left[code_col].to_numpy() >= 0).any() and (self.right[code_col].to_numpy() >= 0).any())

    def mapped_codes(self, code_col: str, fn: Callable[[str], str]) -> tuple[npt.NDArray[np.int64],
                                                                            npt.NDArray[np.int64]]:
        """Codes of ``fn`` applied to the text behind ``code_col``, once per distinct value in the pairs."""
        key = f"mapped:{code_col}:{getattr(fn, '__name__', id(fn))}"
        if key not in self._cache:
            if not (self.left[code_col].to_numpy() >= 0).any() and not (self.right[code_col].to_numpy() >= 0).any():
                self._cache[key] = (np.full(len(self), -1, np.int64), np.full(len(self), -1, np.int64))
                return self._cache[key]
            a, b = self.codes(code_col)
            self._cache[key] = map_codes(self.left, self.right, a, b, CODE_COLUMNS[code_col], fn, self.li,
                                         self.ri)
        return self._cache[key]


class Comparison:
    """Base class: a named list of levels and a vectorised ``levels_for``."""

    name: ClassVar[str] = ""
    label_zh: ClassVar[str] = ""
    label_en: ClassVar[str] = ""
    levels: tuple[Level, ...] = ()

    def __init__(self, weights: Mapping[str, float] | None = None) -> None:
        w = weights or {}
        self.levels = tuple(
            Level(lv.name, float(w.get(f"{self.name}.{lv.name}", lv.weight)), lv.label_zh, lv.label_en,
                  lv.corroborates)
            for lv in type(self).levels
        )
        self.weight_array = np.array([lv.weight for lv in self.levels], dtype=np.float64)

    def level(self, name: str) -> int:
        """Index of the level called ``name``."""
        for i, lv in enumerate(self.levels):
            if lv.name == name:
                return i
        raise KeyError(f"{self.name} has no level {name!r}")

    def levels_for(self, pairs: Pairs, context: dict[str, IntArray]) -> IntArray:
        """Level index per pair. ``context`` holds levels of comparisons computed earlier (by name)."""
        raise NotImplementedError

    def _select(self, n: int, conditions: list[tuple[BoolArray, str]], default: str) -> IntArray:
        """First matching condition wins (like SQL CASE WHEN)."""
        out = np.full(n, self.level(default), dtype=np.int8)
        done = np.zeros(n, dtype=bool)
        for cond, name in conditions:
            take = cond & ~done
            out[take] = self.level(name)
            done |= take
        return out


def _nonempty(a: npt.NDArray[np.object_]) -> BoolArray:
    return np.asarray(a != "", dtype=bool)


class NameChars(Comparison):
    """The names' characters (after normalisation, middle dots ignored)."""

    name = "NameChars"
    label_zh = "姓名"
    label_en = "name"
    levels = (
        Level("missing", 0.0, "缺失", "missing"),
        Level("exact", 8.0, "相同", "identical"),
        Level("exact_variant", 8.0, "相同(写法不同：繁简/间隔号/全半角/空格)",
              "identical after normalising (script, middle dot, width, spaces)"),
        Level("reordered", 5.0, "用字相同但顺序不同", "same characters in a different order"),
        Level("lookalike", 5.0, "仅一字不同且字形相近(形近字，四角号码相同)",
              "one character differs and looks alike (same four-corner code)"),
        Level("one_char", 3.0, "仅一字不同", "one character differs"),
        Level("similar", 1.0, "相近", "similar"),
        Level("sound_alike", 0.0, "多字不同但读音相同或相近", "several characters differ but sound alike"),
        Level("different", -6.0, "不同", "different"),
    )

    def levels_for(self, pairs: Pairs, context: dict[str, IntArray]) -> IntArray:
        a, b = pairs.codes("c_name_key")
        present = (a >= 0) & (b >= 0)
        exact = present & (a == b)
        n = len(pairs)
        # Edit distances only where the keys differ (most blocked pairs are exact namesakes), and once per
        # distinct pair of keys (王伟/汪伟 recurs thousands of times in a big registry).
        todo = np.flatnonzero(present & ~exact)
        one_char = np.zeros(n, dtype=bool)
        looks = np.zeros(n, dtype=bool)
        similar = np.zeros(n, dtype=bool)
        la, lb = pairs.ints("name_len")
        if len(todo):
            k = np.int64(max(int(a.max()), int(b.max())) + 1)
            inv, uniq = pd.factorize(a[todo] * k + b[todo])
            first = np.empty(len(uniq), dtype=np.int64)
            first[inv[::-1]] = np.arange(len(todo), dtype=np.int64)[::-1]
            sa, sb = pairs.take("name_key", todo[first])
            lev_u = process.cpdist(sa, sb, scorer=Levenshtein.distance, workers=-1)
            lev = lev_u[inv]
            sim = process.cpdist(sa, sb, scorer=Indel.normalized_similarity, workers=-1)[inv]
            lt = la[todo]
            one_char[todo] = (lev == 1) & (lt == lb[todo]) & (lt >= 2)
            similar[todo] = sim >= 0.75
            one_u = np.flatnonzero(lev_u == 1)
            if len(one_u):
                la_u = np.zeros(len(uniq), dtype=bool)
                la_u[one_u] = [lookalike_names(str(x), str(y)) for x, y in zip(sa[one_u], sb[one_u], strict=True)]
                looks[todo] = la_u[inv] & one_char[todo]
        ra, rb = pairs.codes("c_name")
        sa_, sb_ = pairs.codes("c_sorted_key")
        pa, pb = pairs.codes("c_py_key")
        fa, fb = pairs.codes("c_py_fuzzy")
        return self._select(len(pairs), [
            (~present, "missing"),
            (exact & (ra == rb), "exact"),
            (exact, "exact_variant"),
            (sa_ == sb_, "reordered"),
            (looks, "lookalike"),
            (one_char, "one_char"),
            (similar, "similar"),
            ((pa == pb) | (fa == fb), "sound_alike"),
        ], "different")


class NamePinyin(Comparison):
    """The names' sound (toneless pinyin, surname-aware); counted only when the characters differ."""

    name = "NamePinyin"
    label_zh = "读音"
    label_en = "pronunciation"
    levels = (
        Level("not_needed", 0.0, "不需比较(用字相同或缺失)", "not needed (same characters or missing)"),
        Level("same_sound", 5.0, "相同(同音字)", "identical (homophones)"),
        Level("similar_sound", 3.0, "相近(模糊音)", "similar (easily confused sounds)"),
        Level("different", 0.0, "不同", "different"),
    )

    def levels_for(self, pairs: Pairs, context: dict[str, IntArray]) -> IntArray:
        nc = NameChars()
        chars = context[NameChars.name]
        skip = np.isin(chars, [nc.level("missing"), nc.level("exact"), nc.level("exact_variant")])
        a, b = pairs.codes("c_py_key")
        fa, fb = pairs.codes("c_py_fuzzy")
        present = (a >= 0) & (b >= 0)
        return self._select(len(pairs), [
            (skip | ~present, "not_needed"),
            (a == b, "same_sound"),
            (fa == fb, "similar_sound"),
        ], "different")


class ResidentIdComparison(Comparison):
    """Resident ID numbers: valid (15-digit converted), masked (visible parts), or with a bad checksum."""

    name = "ResidentId"
    label_zh = "身份证号"
    label_en = "resident ID"
    levels = (
        Level("missing", 0.0, "缺失或无法比较", "missing or not comparable"),
        Level("same", 20.0, "相同", "identical", corroborates=True),
        Level("conflict", -30.0, "不同(均为有效号码)", "different (both valid)"),
        Level("masked_consistent", 2.0, "脱敏号码可见部分一致", "visible parts of a masked number agree"),
        Level("masked_conflict", -12.0, "脱敏号码可见部分矛盾", "visible parts of a masked number disagree"),
        Level("same_unverified", 6.0, "相同(校验位错误的同一号码)", "identical (both with the same bad check digit)",
              corroborates=True),
        Level("typo_sequence", 8.0, "一方校验位错误，逐位比对仅一位顺序码不同(地区码与出生日期一致，应为录入错误)",
              "one side fails the checksum; digit by digit only one sequence digit differs (region and birth date "
              "agree: a typing error)", corroborates=True),
        Level("typo_check", 8.0, "一方校验位错误，逐位比对前17位相同、仅校验位不同(应为录入错误)",
              "one side fails the checksum; digit by digit the first 17 agree, only the check character differs",
              corroborates=True),
        Level("typo_too_far", -12.0, "一方校验位错误，逐位比对有三位以上不同(一处录入错误解释不了，应为另一号码)",
              "one side fails the checksum; digit by digit three or more characters differ (more than a typing "
              "error explains: another number)"),
    )

    def levels_for(self, pairs: Pairs, context: dict[str, IntArray]) -> IntArray:
        na, nb = pairs.codes("c_id")
        ka, kb = pairs.ints("id_kind")
        va, vb = na >= 0, nb >= 0
        masked = ID_KINDS.index("masked")
        ma, mb = ka == masked, kb == masked
        n = len(pairs)
        masked_ok = np.zeros(n, dtype=bool)
        masked_bad = np.zeros(n, dtype=bool)
        sel = np.flatnonzero((ma & (vb | mb)) | (mb & va))
        if len(sel):
            # Few pairs carry masked numbers; compare the visible parts in Python.
            sna, snb = pairs.take("id_number", sel)
            spa, spb = pairs.take("id_prefix", sel)
            sxa, sxb = pairs.take("id_suffix", sel)
            for t, i in enumerate(sel):
                full_a = sna[t] or ""
                full_b = snb[t] or ""
                pre_a, suf_a, pre_b, suf_b = spa[t], sxa[t], spb[t], sxb[t]
                if full_a:
                    pre_a, suf_a = full_a, full_a
                if full_b:
                    pre_b, suf_b = full_b, full_b
                k = min(len(pre_a), len(pre_b))
                j = min(len(suf_a), len(suf_b))
                if pre_a[:k] != pre_b[:k] or (j and suf_a[-j:] != suf_b[-j:]):
                    masked_bad[i] = True
                elif k + j >= 6:
                    masked_ok[i] = True
        bad_kind = ID_KINDS.index("bad_checksum")
        bad = np.zeros(n, dtype=bool)
        both_bad = np.flatnonzero((ka == bad_kind) & (kb == bad_kind))
        if len(both_bad):
            ra, rb = pairs.take("id_raw", both_bad)
            bad[both_bad] = ra == rb
        typo_seq = np.zeros(n, dtype=bool)
        typo_chk = np.zeros(n, dtype=bool)
        too_far = np.zeros(n, dtype=bool)
        one_bad = np.flatnonzero(((ka == bad_kind) & ((kb == bad_kind) | vb)) | ((kb == bad_kind) & va))
        if len(one_bad):
            # Digit by digit: a checksum failure is a typo somewhere; region + birth date (14 digits) agreeing
            # and one differing sequence digit (or only the check character) make it the same number mistyped.
            ra, rb = pairs.take("id_raw", one_bad)
            xa, xb = pairs.take("id_number", one_bad)
            compact: dict[str, str] = {}  # one parse per distinct raw number (a record recurs in many pairs)
            sa = [str(x) or _compact_cached(str(r), compact) for x, r in zip(xa, ra, strict=True)]
            sb = [str(x) or _compact_cached(str(r), compact) for x, r in zip(xb, rb, strict=True)]
            m = len(sa)
            both18 = (np.fromiter(map(len, sa), np.int64, m) == 18) & (np.fromiter(map(len, sb), np.int64, m) == 18)
            # Character by character as a (pairs, 18) matrix of code points (numpy compares them in one pass)
            diff = (np.array(sa, dtype="U18").view(np.uint32).reshape(m, 18)
                    != np.array(sb, dtype="U18").view(np.uint32).reshape(m, 18)) & both18[:, None]
            count = diff.sum(axis=1)
            # A broken checksum means a typo; one typed digit, a swap of two or two slips change at most two
            # characters. Three or more differing characters are another number, not this one mistyped.
            too_far[one_bad[count >= 3]] = True
            one = count == 1
            typo_chk[one_bad[one & diff[:, 17]]] = True
            typo_seq[one_bad[one & diff[:, 14:17].any(axis=1)]] = True
        return self._select(n, [
            (va & vb & (na == nb), "same"),
            (va & vb, "conflict"),
            (masked_bad, "masked_conflict"),
            (masked_ok, "masked_consistent"),
            (bad, "same_unverified"),
            (typo_chk, "typo_check"),
            (typo_seq, "typo_sequence"),
            (too_far, "typo_too_far"),
        ], "missing")


def _compact_id(raw: str) -> str:
    r = parse_resident_id(raw)
    return r.raw_compact if r is not None else ""


def _compact_cached(raw: str, seen: dict[str, str]) -> str:
    got = seen.get(raw)
    if got is None:
        got = seen[raw] = _compact_id(raw)
    return got


class BirthDate(Comparison):
    """Birth dates: from a valid ID when there is one, else from the birth-date field (year/month/day)."""

    name = "BirthDate"
    label_zh = "出生日期"
    label_en = "birth date"
    levels = (
        Level("missing", 0.0, "缺失", "missing"),
        Level("exact", 7.0, "相同", "identical", corroborates=True),
        Level("exact_vs_id", 7.0, "与对方身份证号中的出生日期一致", "matches the date in the other side's resident ID",
              corroborates=True),
        Level("same_month", 4.0, "年月相同(一方无日)", "same year and month (one side has no day)",
              corroborates=True),
        Level("same_year", 1.0, "年份相同(一方仅有年份)", "same year (one side has only the year)"),
        Level("close", -3.0, "相近(可能录入错误)", "close (possible typing error)"),
        Level("different", -8.0, "不同", "different"),
        Level("typo_impossible", 3.0, "一方日期不存在(月或日不可能，录入错误)，逐位比对仅一两位不同",
              "one side is an impossible date (month or day out of range: a typing error); digit by digit only one "
              "or two digits differ"),
        # A single typing error leaves a date within ~40 of the ~30,000 dates a namesake could have: weak
        # evidence *for* the same person (not corroboration on its own), unlike a date years apart.
        Level("typo", 3.0, "仅一处录入差异(一位数字不同、相邻两位颠倒或月日互换)，应为同一日期",
              "one typing difference (one digit wrong, two neighbouring digits swapped, or day and month swapped): "
              "the same date mistyped"),
    )

    def levels_for(self, pairs: Pairs, context: dict[str, IntArray]) -> IntArray:
        ya, yb = pairs.ints("by")
        ma, mb = pairs.ints("bm")
        da, db = pairs.ints("bd")
        sa, sb = pairs.ints("birth_src")
        present = (ya > 0) & (yb > 0)
        full = present & (ma > 0) & (mb > 0) & (da > 0) & (db > 0)
        exact = full & (ya == yb) & (ma == mb) & (da == db)
        vs_id = exact & (sa != sb)
        month_known = present & (ma > 0) & (mb > 0)
        same_month = month_known & (ya == yb) & (ma == mb) & ~full
        same_year = present & (ya == yb) & ~month_known
        swapped = full & (ya == yb) & (ma == db) & (da == mb)
        digits = _digit_differences(ya, ma, da, yb, mb, db)
        typo = full & ~exact & swapped
        # one or two differing digits first (a cheap count), then the neighbour-swap test on those few pairs
        sub = np.flatnonzero(full & ~exact & ~swapped & (digits <= 2))
        typo[sub] = _one_digit_typo(ya[sub], ma[sub], da[sub], yb[sub], mb[sub], db[sub])
        close = (full & (ya == yb) & (ma == mb)) | swapped | (full & (ya == yb) & (da == db)) | (
            full & (ma == mb) & (da == db) & (np.abs(ya - yb) <= 10) & ((ya - yb) % 10 == 0)
        ) | (full & ((ma != mb) | (da != db)) & (digits <= 2))
        # A written date with an impossible month or day (19403407) keeps only its year above; its digits still
        # say which date was meant, so compare them with the other side's digit by digit.
        wa, wb = pairs.ints("birth_digits")
        wa, wb = wa.astype(np.int64), wb.astype(np.int64)
        impossible = present & (wa % 10000 != 0) & (wb % 10000 != 0) & (
            ((ma == 0) & (wa % 10000 // 100 > 12)) | ((da == 0) & (wa % 100 > 31))
            | ((mb == 0) & (wb % 10000 // 100 > 12)) | ((db == 0) & (wb % 100 > 31)))
        typo_impossible = impossible & (_digit_differences(wa // 10000, wa // 100 % 100, wa % 100, wb // 10000,
                                                           wb // 100 % 100, wb % 100) <= 2)
        return self._select(len(pairs), [
            (~present, "missing"),
            (vs_id, "exact_vs_id"),
            (exact, "exact"),
            (typo_impossible, "typo_impossible"),
            (same_month, "same_month"),
            (same_year, "same_year"),
            (typo, "typo"),
            (close, "close"),
        ], "different")


def _yyyymmdd(y: npt.NDArray[Any], m: npt.NDArray[Any], d: npt.NDArray[Any]) -> npt.NDArray[np.int64]:
    """Dates as the eight-digit numbers YYYYMMDD, for digit-by-digit comparison."""
    return np.asarray(y.astype(np.int64) * 10000 + m.astype(np.int64) * 100 + d.astype(np.int64), dtype=np.int64)


def _one_digit_typo(ya: npt.NDArray[Any], ma: npt.NDArray[Any], da: npt.NDArray[Any], yb: npt.NDArray[Any],
                    mb: npt.NDArray[Any], db: npt.NDArray[Any]) -> BoolArray:
    """YYYYMMDD written with one typing error: exactly one digit differs, or two neighbouring digits swapped.

    Example:
        >>> y, m, d = (np.array([v]) for v in (1985, 3, 28))
        >>> [bool(_one_digit_typo(y, m, d, *(np.array([v]) for v in o))[0])
        ...  for o in ((1985, 3, 29), (1958, 3, 28), (1994, 7, 24))]
        [True, True, False]
    """
    a, b = _yyyymmdd(ya, ma, da), _yyyymmdd(yb, mb, db)
    pw = 10 ** np.arange(8, dtype=np.int64)  # digit i counted from the right
    xa = (a[:, None] // pw) % 10
    xb = (b[:, None] // pw) % 10
    diff = xa != xb
    n = diff.sum(axis=1)
    adjacent = np.zeros(len(a), dtype=bool)
    for i in range(7):
        adjacent |= (diff[:, i] & diff[:, i + 1] & (xa[:, i] == xb[:, i + 1]) & (xa[:, i + 1] == xb[:, i]))
    return np.asarray((n == 1) | ((n == 2) & adjacent), dtype=bool)


def _digit_differences(ya: npt.NDArray[Any], ma: npt.NDArray[Any], da: npt.NDArray[Any], yb: npt.NDArray[Any],
                       mb: npt.NDArray[Any], db: npt.NDArray[Any]) -> npt.NDArray[np.int64]:
    """How many of the eight digits of YYYYMMDD differ (typing errors change one or two)."""
    a, b = _yyyymmdd(ya, ma, da), _yyyymmdd(yb, mb, db)
    out = np.zeros(len(a), dtype=np.int64)
    for _ in range(8):
        out += (a % 10) != (b % 10)
        a //= 10
        b //= 10
    return out


class Sex(Comparison):
    """Sex, from the ID (17th digit) or the sex field."""

    name = "Sex"
    label_zh = "性别"
    label_en = "sex"
    levels = (
        Level("missing", 0.0, "缺失", "missing"),
        Level("same", 0.0, "相同", "same"),
        Level("different", -6.0, "不同", "different"),
    )

    def levels_for(self, pairs: Pairs, context: dict[str, IntArray]) -> IntArray:
        a, b = pairs.ints("sex")
        present = (a > 0) & (b > 0)
        return self._select(len(pairs), [(~present, "missing"), (a == b, "same")], "different")


class Phone(Comparison):
    """Phone numbers (digits only). A different phone is no evidence: people change numbers."""

    name = "Phone"
    label_zh = "联系电话"
    label_en = "phone"
    levels = (
        Level("missing", 0.0, "缺失", "missing"),
        Level("same", 6.0, "相同", "identical", corroborates=True),
        Level("different", 0.0, "不同", "different"),
    )

    def levels_for(self, pairs: Pairs, context: dict[str, IntArray]) -> IntArray:
        a, b = pairs.codes("c_phone")
        present = (a >= 0) & (b >= 0)
        return self._select(len(pairs), [(~present, "missing"), (a == b, "same")], "different")


class Address(Comparison):
    """Addresses after :func:`~guanlian.matching.normalize.normalize_address`."""

    name = "Address"
    label_zh = "住址"
    label_en = "address"
    levels = (
        Level("missing", 0.0, "缺失", "missing"),
        Level("same", 4.0, "相同", "identical", corroborates=True),
        Level("similar", 6.0, "大部分词语相同(逐词比对：门牌、街道、地区、邮编)",
              "mostly the same words (compared word by word: number, street, locality, postcode)",
              corroborates=True),
        Level("different", 0.0, "不同", "different"),
        Level("same_words", 7.0, "相同(逐词书写的完整地址：门牌、街道、地区、邮编)",
              "identical (a full address written in words: number, street, locality, postcode)",
              corroborates=True),
    )

    def levels_for(self, pairs: Pairs, context: dict[str, IntArray]) -> IntArray:
        if not pairs.both_sides_have("c_address"):
            return np.full(len(pairs), self.level("missing"), dtype=np.int8)
        a, b = pairs.mapped_codes("c_address", normalize_address)
        present = (a >= 0) & (b >= 0)
        worded_l, _ = pairs.mapped_codes("c_address", _worded_address)
        similar = np.zeros(len(pairs), dtype=bool)
        todo = np.flatnonzero(present & (a != b))
        if len(todo):
            # Word by word, order ignored (FEBRL-style "12 smith street, kew 3101"): once per distinct pair.
            ca, cb = pairs.codes("c_address")
            k = np.int64(max(int(ca.max()), int(cb.max())) + 1)
            inv, uniq = pd.factorize(ca[todo].astype(np.int64) * k + cb[todo])
            first = np.empty(len(uniq), dtype=np.int64)
            first[inv[::-1]] = np.arange(len(todo), dtype=np.int64)[::-1]
            ta, tb = pairs.take("address", todo[first])
            wa, wb = [_addr_tokens(str(x)) for x in ta], [_addr_tokens(str(x)) for x in tb]
            sim = process.cpdist(wa, wb, scorer=fuzz.token_set_ratio, workers=-1)
            # only addresses written in words (Latin script); a Chinese address is one run of characters
            worded = np.array([x.count(" ") >= 2 and y.count(" ") >= 2 for x, y in zip(wa, wb, strict=True)],
                              dtype=bool)
            similar[todo] = ((sim >= 80) & worded)[inv]
        return self._select(len(pairs), [(~present, "missing"), ((a == b) & (worded_l >= 0), "same_words"),
                                         (a == b, "same"), (similar, "similar")], "different")


def _worded_address(s: str) -> str:
    """The normalised address when it is written in words (Latin script: at least three words, one of them a
    number), else ``""``. Such an address names one dwelling; a Chinese address is one run of characters, and
    a household's members share it.

    Example:
        >>> _worded_address("8 Stanley Street, Miami 4223 NSW"), _worded_address("江西省吉安市青原区")
        ('8 stanley street miami 4223 nsw', '')
    """
    words = _addr_tokens(s).split()
    if len(words) < 3 or not any(w.isdigit() for w in words) or not all(w.isascii() for w in words):
        return ""
    return " ".join(words)


def _addr_tokens(s: str) -> str:
    """An address as lower-case words (Latin) or as written (CJK has no spaces: token_set_ratio then compares
    the whole text)."""
    return " ".join(re.findall(r"\w+", s.casefold()))


def _employer_key(s: str) -> str:
    return normalize_company_name(s)


class Employer(Comparison):
    """Employers: same normalised name, or the same trade name (字号). A person merged from records that gave
    different employers is compared under each (the matcher adds a record per other employer, alias flag 3); an
    identical employer found that way says it came from another of the person's records."""

    name = "Employer"
    label_zh = "工作单位"
    label_en = "employer"
    levels = (
        Level("missing", 0.0, "缺失", "missing"),
        Level("same", 3.0, "相同", "identical", corroborates=True),
        Level("same_trade_name", 2.0, "字号相同", "same trade name", corroborates=True),
        Level("different", 0.0, "不同", "different"),
        Level("same_other_record", 3.0, "与该人另一记录所写相同", "identical to another of the person's records",
              corroborates=True),
    )

    def levels_for(self, pairs: Pairs, context: dict[str, IntArray]) -> IntArray:
        if not pairs.both_sides_have("c_employer"):
            return np.full(len(pairs), self.level("missing"), dtype=np.int8)
        a, b = pairs.mapped_codes("c_employer", _employer_key)
        ta, tb = pairs.mapped_codes("c_employer", company_trade_name)
        present = (a >= 0) & (b >= 0)
        other = np.zeros(len(pairs), dtype=bool)
        if "alias" in pairs.left.columns and "alias" in pairs.right.columns:
            fa, fb = pairs.ints("alias")
            other = (fa == 3) | (fb == 3)
        return self._select(len(pairs), [(~present, "missing"), ((a == b) & other, "same_other_record"),
                                         (a == b, "same"), (ta == tb, "same_trade_name")], "different")


class OtherId(Comparison):
    """Identity numbers other than the resident ID (passport, HK/Macau/Taiwan permit, foreign ID, social-security
    number), compared exactly or with one edit (a typing error)."""

    name = "OtherId"
    label_zh = "其他证件号"
    label_en = "other ID"
    levels = (
        # "not_needed", not "missing": most records carry no other ID, and explanations need not say so
        Level("not_needed", 0.0, "缺失", "missing"),
        Level("same", 16.0, "相同", "identical", corroborates=True),
        Level("one_edit", 10.0, "仅一处录入差异(错字、漏字、多字或相邻两字颠倒)",
              "one typing difference (a wrong, missing or extra character, or two neighbours swapped)",
              corroborates=True),
        Level("different", -1.0, "不同(可能换发或另一种证件)", "different (maybe re-issued or another kind)"),
    )

    def levels_for(self, pairs: Pairs, context: dict[str, IntArray]) -> IntArray:
        if not pairs.both_sides_have("c_other_id"):
            return np.full(len(pairs), self.level("not_needed"), dtype=np.int8)
        a, b = pairs.codes("c_other_id")
        present = (a >= 0) & (b >= 0)
        one = np.zeros(len(pairs), dtype=bool)
        todo = np.flatnonzero(present & (a != b))
        if len(todo):
            sa, sb = pairs.take("other_id", todo)
            dist = process.cpdist(sa, sb, scorer=OSA.distance, workers=-1)
            short = np.minimum([len(str(x)) for x in sa], [len(str(x)) for x in sb])
            one[todo] = (dist == 1) & (short >= 5)
        return self._select(len(pairs), [(~present, "not_needed"), (a == b, "same"), (one, "one_edit")], "different")


_JW_TOKEN = 0.88  # token similarity above which two Latin name words count as one word with typos


def latin_token_match(a: str, b: str) -> tuple[int, int]:
    """Words of two Latin-script names that match (Jaro-Winkler ≥ 0.88, each word used once, order ignored),
    and the word count of the shorter name.

    Example:
        >>> latin_token_match("faith lowe", "fai th lavender"), latin_token_match("john smith", "smith jon")
        ((1, 2), (2, 2))
    """
    ta, tb = a.split(), b.split()
    if len(ta) > len(tb):
        ta, tb = tb, ta
    used: set[int] = set()
    hits = 0
    for t in ta:
        best, pos = 0.0, -1
        for j, u in enumerate(tb):
            if j in used:
                continue
            sim = JaroWinkler.similarity(t, u)
            if sim > best:
                best, pos = sim, j
        if best >= _JW_TOKEN:
            hits += 1
            used.add(pos)
    return hits, len(ta)


class LatinName(Comparison):
    """Latin-script names word by word (order and case ignored, typos tolerated by Jaro-Winkler); counted only
    when both names are Latin and their characters differ."""

    name = "LatinName"
    label_zh = "外文姓名逐词"
    label_en = "Latin name word by word"
    levels = (
        Level("not_needed", 0.0, "不需比较", "not needed"),
        Level("all_words", 9.0, "各词均相同或仅有拼写差异(抵消逐字比对的差异)",
              "every word the same or with a typo (offsets the character-level difference)"),
        Level("some_words", 6.0, "部分词相同或仅有拼写差异，另一部分缺失或不同(抵消逐字比对的差异)",
              "some words the same or with a typo, the rest missing or different (offsets the character-level "
              "difference)"),
        Level("different", 0.0, "不同", "different"),
    )

    def levels_for(self, pairs: Pairs, context: dict[str, IntArray]) -> IntArray:
        n = len(pairs)
        out = np.full(n, self.level("not_needed"), dtype=np.int8)
        if not (pairs.left["latin"].to_numpy() > 0).any() or not (pairs.right["latin"].to_numpy() > 0).any():
            return out
        la, lb = pairs.ints("latin")
        chars = context[NameChars.name]
        nc = NameChars()
        todo = np.flatnonzero((la > 0) & (lb > 0) & ~np.isin(chars, [nc.level("exact"), nc.level("exact_variant"),
                                                                      nc.level("missing")]))
        if not len(todo):
            return out
        a, b = pairs.codes("c_name_key")
        k = np.int64(max(int(a.max()), int(b.max())) + 1)
        inv, uniq = pd.factorize(a[todo].astype(np.int64) * k + b[todo])
        first = np.empty(len(uniq), dtype=np.int64)
        first[inv[::-1]] = np.arange(len(todo), dtype=np.int64)[::-1]
        sa, sb = pairs.take("name_key", todo[first])
        lv = np.empty(len(uniq), dtype=np.int8)
        for i, (x, y) in enumerate(zip(sa, sb, strict=True)):
            hits, words = latin_token_match(str(x), str(y))
            lv[i] = self.level("all_words" if hits == words and hits else "some_words" if hits else "different")
        out[todo] = lv[inv]
        return out


class FormerName(Comparison):
    """Whether the pair was compared under another name of a record: a former name from a note
    (``刘桂兰（曾用名：刘桂香）``, alias flag 1) or another spelling of a person merged from several records
    (``names``, alias flag 2).

    Reads the ``alias`` flag the matcher sets on records it added for aliases; adds nothing to the score, only
    says so in the explanation.
    """

    name = "FormerName"
    label_zh = "姓名比对"
    label_en = "name compared"
    levels = (
        Level("not_needed", 0.0, "", ""),
        Level("used", 0.0, "按备注中的曾用名", "under a former name given in a note"),
        Level("other_form", 0.0, "按该人在另一记录中的姓名写法（别名）",
              "under another spelling of the name from another of the person's records (alias)"),
    )

    def levels_for(self, pairs: Pairs, context: dict[str, IntArray]) -> IntArray:
        if "alias" not in pairs.left.columns or "alias" not in pairs.right.columns:
            return np.zeros(len(pairs), dtype=np.int8)
        a, b = pairs.ints("alias")
        return self._select(len(pairs), [((a == 1) | (b == 1), "used"), ((a == 2) | (b == 2), "other_form")],
                            "not_needed")


def default_comparisons(weights: Mapping[str, float] | None = None) -> list[Comparison]:
    """The comparisons the matcher uses, in explanation order (NameChars before NamePinyin: it reads it).

    Example:
        >>> [c.name for c in default_comparisons()][:3]
        ['NameChars', 'NamePinyin', 'LatinName']
    """
    return [NameChars(weights), NamePinyin(weights), LatinName(weights), ResidentIdComparison(weights),
            BirthDate(weights), Sex(weights), Phone(weights), Address(weights), Employer(weights), OtherId(weights),
            FormerName(weights)]
