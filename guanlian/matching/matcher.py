"""Blocking, scoring, tiers and explanations; the store, ``find`` and ``collide`` entry points.

Pipeline (all vectorised; no Python loop over the cross product):

1. :func:`~guanlian.matching.features.prepare_records` computes keys once per record.
2. **Blocking** (:data:`BLOCKING_RULES`): only pairs of records that share at least one key are compared —
   same valid resident ID, same visible ID parts (when one side is masked), same toneless full-name pinyin,
   same fuzzy pinyin, surname + sorted given-name initials + birth year, surname + full birth date, same phone,
   surname + employer trade name.
   A key shared by too many pairs (``MatchConfig.max_block_pairs``, e.g. a very common name) is refined
   with the birth year instead of being compared wholesale.
3. **Scoring**: each :class:`~guanlian.matching.comparisons.Comparison` gives every pair a level and a
   weight; the weights add up to the score.
4. **Tiers** (:data:`guanlian.model.TIERS`): ``certain`` = same valid resident ID; ``probable`` = score ≥
   ``probable_threshold`` *and* a corroborating level (birth date, phone, address, employer…); ``possible``
   = score ≥ ``possible_threshold`` on name similarity. Two different valid IDs are never emitted, whatever
   the names and birth dates say, and neither is a pair whose names are not similar.
5. **Explanations** in Chinese and English list each comparison's level and contribution.

Example:
    >>> import pandas as pd
    >>> left = pd.DataFrame({"name": ["王晓明"], "birth_date": ["1980-05-06"]})
    >>> right = pd.DataFrame({"name": ["王小明"], "birth_date": ["1980-05-06"]})
    >>> collide(left, right).loc[0, "tier"]
    'probable'
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from guanlian.graph.store import Store
from guanlian.judgements import apply_link_judgements
from guanlian.matching.company_store import CompanySummary, match_companies
from guanlian.matching.comparisons import (
    Comparison,
    LatinName,
    NameChars,
    NamePinyin,
    OtherId,
    Pairs,
    default_comparisons,
)
from guanlian.matching.features import (
    CODE_COLUMNS,
    ID_KINDS,
    joint_codes,
    map_codes,
    prepare_pair,
    prepare_records,
)
from guanlian.matching.normalize import company_trade_name, name_aliases, normalize_person_name
from guanlian.model import NAME_SOURCES, TIERS, model, tier_rank
from guanlian.progress import step
from guanlian.values.ids import mask_resident_id
from guanlian.values.names import aliases_text
from guanlian.values.vocab import TIER_PHRASE

__all__ = [
    "BLOCKING_RULES",
    "BlockingRule",
    "KeyPart",
    "LinkEngine",
    "Linked",
    "MatchConfig",
    "MatchSummary",
    "Scored",
    "candidate_pairs",
    "collide",
    "find_candidates",
    "link_records",
    "match_records",
    "match_store",
    "score_pairs",
]

IndexArray = npt.NDArray[np.int64]

KeyPair = tuple[IndexArray, IndexArray]

_ID_HEAD = 11 * 10**13  # c_id // _ID_HEAD = the first 4 digits; c_id % 11000 = the last 3 digits and check value


def _visible_keys(f: pd.DataFrame) -> IndexArray:
    """First-4 + last-4 characters of a valid or masked 18-character ID as one integer (-1: none)."""
    cid = f["c_id"].to_numpy().astype(np.int64)
    key = np.where(cid >= 0, (cid // _ID_HEAD) * 11000 + cid % 11000, -1)
    kind = f["id_kind"].to_numpy()
    masked = np.flatnonzero((kind == ID_KINDS.index("masked")) & (f["id_len"].to_numpy() == 18))
    if len(masked):
        pre = f["id_prefix"].iloc[masked].to_numpy(dtype=object)
        suf = f["id_suffix"].iloc[masked].to_numpy(dtype=object)
        for i, p, s in zip(masked, pre, suf, strict=True):
            p4, s4 = p[:4], s[-4:]
            # Visible digits are ASCII after NFKC; anything else cannot equal a valid number's digits.
            if len(p4) == 4 and len(s4) == 4 and (p4 + s4[:3]).isascii() and (p4 + s4[:3]).isdigit() and (
                    s4[3] == "X" or (s4[3].isascii() and s4[3].isdigit())):
                key[i] = int(p4) * 11000 + int(s4[:3]) * 11 + (10 if s4[3] == "X" else int(s4[3]))
    return key


@dataclass(frozen=True)
class KeyPart:
    """One part of a blocking key, read from a prepared feature frame.

    Attributes:
        column: a code column (``c_*``: the text behind it, or the absolute integer for ``c_id``), an
            integer column (``by``…: kept only when > 0), or, with ``derive``, just a name.
        kind: ``code``, ``positive`` (an integer that must be > 0), ``mapped`` (``fn`` applied to the text
            behind a code column; ``""`` = none) or ``derived`` (``derive(frame)`` gives an absolute integer per
            record; ``-1`` = none).
        fn: the string function of a ``mapped`` part.
        derive: the frame function of a ``derived`` part.
    """

    column: str
    kind: str = "code"
    fn: Callable[[str], str] | None = None
    derive: Callable[[pd.DataFrame], IndexArray] | None = None

    def codes(self, left: pd.DataFrame, right: pd.DataFrame) -> KeyPair:
        """Integer codes on both sides (equal ⇔ equal part; ``-1`` = none); in-process engine."""
        same = right is left
        if self.kind == "code":
            return joint_codes(left, right, self.column)
        if self.kind == "positive":
            def pos(f: pd.DataFrame) -> IndexArray:
                v = f[self.column].to_numpy().astype(np.int64)
                return np.where(v > 0, v, -1)
            kl = pos(left)
            return kl, (kl if same else pos(right))
        if self.kind == "mapped" and self.fn is not None:
            cl, cr = joint_codes(left, right, self.column)
            return map_codes(left, right, cl, cr, CODE_COLUMNS[self.column], self.fn)
        if self.kind == "derived" and self.derive is not None:
            kl = self.derive(left)
            return kl, (kl if same else self.derive(right))
        raise ValueError(f"key part {self.column!r}: unknown kind {self.kind!r} or missing function")

    def values(self, f: pd.DataFrame) -> pa.Array:
        """The part as absolute text per record (null = none): comparable across any frames, for engines
        that join on values instead of codes (Spark). Equal text ⇔ equal codes from :meth:`codes`."""
        if self.kind == "code" and self.column in CODE_COLUMNS:
            text = pa.array(f[CODE_COLUMNS[self.column]].to_numpy(dtype=object), type=pa.large_string())
            return pc.if_else(pa.array(f[self.column].to_numpy() >= 0), text, pa.nulls(len(f), pa.large_string()))
        if self.kind == "mapped" and self.fn is not None:
            src = f[CODE_COLUMNS[self.column]].to_numpy(dtype=object)
            uniq = pd.unique(src)
            fn = self.fn
            mapping = {u: fn(u) if u else "" for u in uniq}
            out = [mapping[v] or None for v in src]
            return pa.array(out, type=pa.large_string())
        if self.kind == "code":
            ints = f[self.column].to_numpy().astype(np.int64)
        elif self.kind == "positive":
            ints = f[self.column].to_numpy().astype(np.int64)
            ints = np.where(ints > 0, ints, -1)
        elif self.kind == "derived" and self.derive is not None:
            ints = self.derive(f)
        else:
            raise ValueError(f"key part {self.column!r}: unknown kind {self.kind!r} or missing function")
        arr = pc.cast(pa.array(ints), pa.large_string())
        return pc.if_else(pa.array(ints >= 0), arr, pa.nulls(len(f), pa.large_string()))


def _combine(parts: list[KeyPair], same: bool) -> KeyPair:
    """Tuples of part codes → one integer per record (``-1`` when any part is missing)."""
    kl, kr = parts[0]
    for pl, pr in parts[1:]:
        m = int(max(pl.max(initial=-1), pr.max(initial=-1))) + 1
        if int(max(kl.max(initial=0), kr.max(initial=0))) >= (2**62) // max(m, 1):
            kl, kr, _ = _dense(kl, kr, same)  # keep the product within int64
        kl = np.where((kl >= 0) & (pl >= 0), kl * m + pl, -1)
        kr = kl if same else np.where((kr >= 0) & (pr >= 0), kr * m + pr, -1)
    return kl, kr


@dataclass(frozen=True)
class BlockingRule:
    """A named blocking rule: records whose key parts are all present and all equal are paired.

    The rule is declared once as its parts; the in-process engine calls it (integer codes, ``-1`` = no
    key) and other engines read :meth:`keys` (text, comparable across partitions).

    Attributes:
        name: the rule's name.
        parts: the key parts, in order.
        masked_only: pairs are kept only when at least one side has a masked resident ID.
        doc: what the key is.
        label_zh: a short Chinese name, for the explanation of a pair found in a capped block.
        label_en: the same in English.
    """

    name: str
    parts: tuple[KeyPart, ...]
    masked_only: bool = False
    doc: str = ""
    label_zh: str = ""
    label_en: str = ""

    def __call__(self, left: pd.DataFrame, right: pd.DataFrame) -> KeyPair:
        parts: list[KeyPair] = []
        for p in self.parts:
            pl, pr = p.codes(left, right)
            if not ((pl >= 0).any() or (pr >= 0).any()):
                # A part no record has (no Latin name in a Chinese registry): the later parts, such as a
                # string function over every distinct address, need not be computed.
                none = np.full(len(left), -1, dtype=np.int64)
                return none, (none if right is left else np.full(len(right), -1, dtype=np.int64))
            parts.append((pl, pr))
        return _combine(parts, right is left)

    def keys(self, f: pd.DataFrame) -> pa.Array:
        """One text key per record of a prepared frame (null = no key); equal ⇔ equal in-process code.

        Example:
            >>> from guanlian.matching.features import prepare_records
            >>> f = prepare_records(pd.DataFrame({"name": ["王晓明", "李四"], "birth_date": ["1980-05-06", ""]}))
            >>> [k and k.split(chr(31)) for k in BLOCKING_RULES["surname_birth_date"].keys(f).to_pylist()]
            [['wang', '1980', '5', '6'], None]
        """
        arrays = [p.values(f) for p in self.parts]
        if len(arrays) == 1:
            return arrays[0]
        return pc.binary_join_element_wise(*arrays, pa.scalar("\x1f", pa.large_string()),
                                           null_handling="emit_null")


def address_numbers(address: str) -> str:
    """The numbers of an address written in Latin script, in order (house number, postcode…), as a blocking
    key; ``""`` unless there are at least two (a lone house number pairs too many records).

    Example:
        >>> address_numbers("7 churchill way, greenskopes, seven hills 2449 vic"), address_numbers("12 high st")
        ('7|2449', '')
    """
    if not address.isascii():
        return ""
    nums = re.findall(r"\d+", address)
    return "|".join(nums) if len(nums) >= 2 else ""


_WORD_PREFIX = 3
"""Letters kept of the other name word: a typo seldom hits the first letters, and one letter alone paired every
'jackson c…' with every other (FEBRL4: 17,819 candidates and 203 more name-only `possible` links with one letter,
8,150 and 26 with three, the same true links reached)."""


def latin_last_word_initial(name: str) -> str:
    """For a Latin-script name of at least two words: its last word and the first three letters of its first
    word, as a blocking key (a typo further into the given name keeps it); ``""`` otherwise.

    Example:
        >>> latin_last_word_initial("brooe burford"), latin_last_word_initial("tiller"), latin_last_word_initial("王 伟")
        ('bro|burford', '', '')
    """
    words = _latin_words(name)
    return f"{words[0][:_WORD_PREFIX]}|{words[-1]}" if words else ""


def latin_first_word_initial(name: str) -> str:
    """For a Latin-script name of at least two words: its first word and the first three letters of its last
    word, as a blocking key (a typo further into the surname keeps it); ``""`` otherwise.

    Example:
        >>> latin_first_word_initial("casey flatan"), latin_first_word_initial("casey flatman")
        ('casey|fla', 'casey|fla')
    """
    words = _latin_words(name)
    return f"{words[0]}|{words[-1][:_WORD_PREFIX]}" if words else ""


def _latin_words(name: str) -> list[str]:
    """The words of a Latin-script name of at least two words, else ``[]``."""
    words = name.split()
    return words if len(words) >= 2 and name.isascii() else []


def _rules(*rules: BlockingRule) -> dict[str, BlockingRule]:
    return {r.name: r for r in rules}


BLOCKING_RULES: dict[str, BlockingRule] = _rules(
    BlockingRule("id", (KeyPart("c_id"),), doc="same valid resident ID",
                 label_zh="身份证号", label_en="resident ID"),
    BlockingRule("id_visible", (KeyPart("id_visible", "derived", derive=_visible_keys),), masked_only=True,
                 doc="first-4 + last-4 ID characters (pairs kept only when one side is masked)",
                 label_zh="证号可见位", label_en="visible ID digits"),
    BlockingRule("name_pinyin", (KeyPart("c_py_key"),), doc="toneless name pinyin",
                 label_zh="姓名拼音", label_en="name pinyin"),
    BlockingRule("name_pinyin_fuzzy", (KeyPart("c_py_fuzzy"),), doc="fuzzy name pinyin",
                 label_zh="模糊拼音", label_en="fuzzy pinyin"),
    BlockingRule("initials_birth_year", (KeyPart("c_init_key"), KeyPart("by", "positive")),
                 doc="surname + sorted given-name initials + birth year",
                 label_zh="姓+名首字母+出生年", label_en="surname, initials and birth year"),
    BlockingRule("surname_birth_date", (KeyPart("c_sur_py"), KeyPart("by", "positive"), KeyPart("bm", "positive"),
                                        KeyPart("bd", "positive")), doc="surname + full birth date",
                 label_zh="姓+出生日期", label_en="surname and birth date"),
    BlockingRule("phone", (KeyPart("c_phone"),), doc="same phone",
                 label_zh="电话", label_en="phone"),
    BlockingRule("employer_surname", (KeyPart("c_sur_py"), KeyPart("c_employer", "mapped", fn=company_trade_name)),
                 doc="surname + employer trade name",
                 label_zh="姓+单位字号", label_en="surname and employer"),
    BlockingRule("other_id", (KeyPart("c_other_id"),), doc="same other identity number (passport, permit, SSN …)",
                 label_zh="其他证件号", label_en="other ID number"),
    BlockingRule("latin_birth_date", (KeyPart("latin", "positive"), KeyPart("by", "positive"),
                                      KeyPart("bm", "positive"), KeyPart("bd", "positive")),
                 doc="full birth date, for Latin-script names (no surname/pinyin key to pair them on)",
                 label_zh="出生日期（拉丁字母姓名）", label_en="birth date (Latin names)"),
    BlockingRule("latin_address_numbers", (KeyPart("latin", "positive"),
                                           KeyPart("c_address", "mapped", fn=address_numbers)),
                 doc="the numbers of the address (house number, postcode), for Latin-script names: pairs a "
                     "record whose name, birth date and other ID all carry typos",
                 label_zh="地址中的门牌号与邮编（拉丁字母姓名）", label_en="address numbers (Latin names)"),
    BlockingRule("latin_last_word", (KeyPart("latin", "positive"),
                                     KeyPart("c_name_key", "mapped", fn=latin_last_word_initial)),
                 doc="last word of a Latin-script name + the first three letters of its first word: pairs a "
                     "record whose given name, birth date and other ID carry typos",
                 label_zh="姓名末词+首词前三个字母（拉丁字母姓名）",
                 label_en="last name word and first word's first letters (Latin names)"),
    BlockingRule("latin_first_word", (KeyPart("latin", "positive"),
                                      KeyPart("c_name_key", "mapped", fn=latin_first_word_initial)),
                 doc="first word of a Latin-script name + the first three letters of its last word: the same "
                     "for a typo in the last word",
                 label_zh="姓名首词+末词前三个字母（拉丁字母姓名）",
                 label_en="first name word and last word's first letters (Latin names)"),
)
"""Named blocking rules, each declared as the parts of a per-record key: records with equal keys are
paired. Keys: valid resident ID; first-4 + last-4 ID characters (pairs kept only when one side is masked);
toneless name pinyin; fuzzy pinyin; surname + sorted given-name initials + birth year; surname + full birth
date; phone; surname + employer trade name."""

# Rule → a rule whose blocks usually contain its blocks (the same toneless pinyin nearly always means the
# same fuzzy pinyin). Blocks that are provably inside an unrefined enclosing block are not joined twice.
_NESTED = {"name_pinyin": "name_pinyin_fuzzy"}


@dataclass(frozen=True)
class MatchConfig:
    """Thresholds and options of the matcher, with documented defaults.

    Attributes:
        possible_threshold: lowest score emitted as ``possible``. The default 4 admits an identical or
            homophone name with nothing against it (8), a swapped given name (5), but not a one-character
            typo alone (3).
        probable_threshold: lowest score for ``probable``; with the default weights this needs a name
            variant (≤ 8) plus independent corroboration (birth date 7, phone 6, address 4, …).
        find_threshold: lowest score listed by :func:`find_candidates` (with a similar name).
        blocking_rules: names from :data:`BLOCKING_RULES`.
        max_block_pairs: a blocking key that would produce more pairs than this is refined with the birth
            year (records without one drop out of that key; other rules still cover them).
        weights: overrides ``{"<Comparison>.<level>": weight}``.
        load_id: provenance ``load_id`` written on POSSIBLY_SAME edges.
        registry_pairs: in :func:`match_store`, also link two persons known only from the company registry
            (shareholders, officers, legal representatives, change records). Off by default: every saved check
            starts from an official, a relative or a payee, and registry-only namesakes (同名同姓 across
            thousands of companies) would otherwise make most of the fuzzy links. ``certain`` pairs (same valid
            ID on two nodes) are always kept.
        link_budget: in :func:`match_store`, store a ``possible`` link (a similar name, nothing decisive) only
            when a saved check can use it: both ends officials or relatives; or an official or relative (``r``)
            and a person who holds a post, shares or a change record in a company that a unit of ``r`` (the
            relative's official's unit) paid, or in its owners up to three levels up, or who was paid (or whose
            payment was approved) by such a unit. The rest (namesakes elsewhere in the registry, two payees)
            stay computable on demand (``find``, the workbench). ``probable`` and ``certain`` links are always
            stored.
    """

    possible_threshold: float = 4.0
    probable_threshold: float = 12.0
    find_threshold: float = 3.0
    blocking_rules: tuple[str, ...] = tuple(BLOCKING_RULES)
    max_block_pairs: int = 200_000
    weights: Mapping[str, float] = field(default_factory=dict)
    load_id: str = "matcher"
    registry_pairs: bool = False
    link_budget: bool = True

    def comparisons(self) -> list[Comparison]:
        """The comparison objects with this config's weights."""
        return default_comparisons(self.weights)


@dataclass
class MatchSummary:
    """What :func:`match_store` did.

    Attributes:
        persons: Person nodes read.
        candidate_pairs: pairs compared after blocking.
        certain / probable / possible: edges written per tier (``certain`` = distinct nodes sharing a valid
            resident ID, which loaders should have merged: worth reporting).
        conflicting_ids: candidate pairs rejected because both have valid, different resident IDs.
        edges_written: POSSIBLY_SAME edges written.
        refined_keys: blocking keys refined by birth year because they were too large.
        registry_pairs_skipped: linked pairs left out because both persons are known only from the registry
            (see ``MatchConfig.registry_pairs``).
        budget_skipped: ``possible`` pairs left out by the link budget (``MatchConfig.link_budget``).
        companies: what the company matcher did (SAME_COMPANY links, routed payments), when it ran.
        seconds: wall time.
    """

    persons: int = 0
    candidate_pairs: int = 0
    certain: int = 0
    confirmed: int = 0
    probable: int = 0
    possible: int = 0
    conflicting_ids: int = 0
    edges_written: int = 0
    refined_keys: int = 0
    registry_pairs_skipped: int = 0
    budget_skipped: int = 0
    seconds: float = 0.0
    duplicate_id_keys: list[tuple[str, str]] = field(default_factory=list)
    companies: CompanySummary | None = None
    mode: str = "full"
    """``full``: every person blocked and scored; ``incremental``: the scored links of the store's last match
    were reused (:mod:`guanlian.matching.match_cache`) and only the candidate pairs of the persons new or
    changed since were blocked and scored; what depends on the rest of the graph (which links to store, company
    links) was decided again in both modes."""
    changed_persons: int = 0
    """In ``incremental`` mode: persons new, changed or removed since the last match."""
    full_reason: str = ""
    """In ``full`` mode with a match cache present: why it could not be used (a key of
    :data:`guanlian.matching.match_cache.FULL_REASONS`)."""

    def per_tier(self) -> dict[str, int]:
        """Counts per tier, weakest first."""
        return {t: int(getattr(self, t)) for t in TIERS}

    def per_kind(self) -> dict[str, dict[str, int]]:
        """Stored links per kind (``persons``: POSSIBLY_SAME, ``companies``: SAME_COMPANY) and tier."""
        out = {"persons": self.per_tier()}
        if self.companies is not None:
            out["companies"] = self.companies.per_tier()
        return out


# --- blocking ------------------------------------------------------------------------------------------


def _join_codes(cl: IndexArray, cr: IndexArray) -> tuple[IndexArray, IndexArray]:
    """All (i, j) with cl[i] == cr[j] >= 0, by sort + searchsorted (no Python loop)."""
    order = np.argsort(cr, kind="stable")
    scr = cr[order]
    lo = np.searchsorted(scr, cl, side="left")
    hi = np.searchsorted(scr, cl, side="right")
    cnt = np.where(cl >= 0, hi - lo, 0)
    total = int(cnt.sum())
    if total == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    li = np.repeat(np.arange(len(cl), dtype=np.int64), cnt)
    starts = np.repeat(lo - (np.cumsum(cnt) - cnt), cnt)
    ri = order[starts + np.arange(total, dtype=np.int64)]
    return li, ri


def _dense(kl: IndexArray, kr: IndexArray, same: bool) -> tuple[IndexArray, IndexArray, int]:
    """Keys → dense codes 0..k-1 shared by both sides (-1 stays -1)."""
    both = kl if same else np.concatenate([kl, kr])
    codes, uniq = pd.factorize(both)
    codes = codes.astype(np.int64)
    neg = np.flatnonzero(uniq < 0)
    if len(neg):
        codes[codes == neg[0]] = -1
    cl = codes[:len(kl)]
    return cl, (cl if same else codes[len(kl):]), len(uniq)


def _pairs_for_key(kl: IndexArray, kr: IndexArray, self_join: bool, max_pairs: int, by_l: pd.Series,
                   by_r: pd.Series, masked_l: npt.NDArray[np.bool_] | None = None,
                   masked_r: npt.NDArray[np.bool_] | None = None, skip_l: npt.NDArray[np.bool_] | None = None,
                   big_rows: list[npt.NDArray[np.bool_]] | None = None,
                   declared: tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]] | None = None,
                   names: tuple[IndexArray, IndexArray] | None = None) -> tuple[IndexArray, IndexArray, int]:
    """Pairs of one blocking key. ``skip_l``: left rows whose pairs another rule already yields (counted for
    the block sizes, left out of the join). ``big_rows``, if given, receives per-row "in a refined block"
    flags for the left and right side. ``declared`` (left, right flags): in a refined block these rows are
    still paired with the block's rows that have no birth year (see :func:`_declared_pairs`, which reads the
    name codes ``names`` in a block too big for that)."""
    cl, cr, k = _dense(kl, kr, self_join and kr is kl)
    count_l = np.bincount(cl[cl >= 0], minlength=k).astype(np.int64)
    count_r = count_l if cr is cl else np.bincount(cr[cr >= 0], minlength=k).astype(np.int64)
    big = count_l * count_r > max_pairs
    refined = int(big.sum())
    if big_rows is not None:
        big_rows.append((cl >= 0) & big[np.maximum(cl, 0)])
        big_rows.append((cr >= 0) & big[np.maximum(cr, 0)])
    extra: tuple[IndexArray, IndexArray] | None = None
    if refined and declared is not None:
        extra = _declared_pairs(cl, cr, big, by_l.to_numpy().astype(np.int64) <= 0,
                                by_r.to_numpy().astype(np.int64) <= 0, declared, max_pairs, skip_l, names)
    if skip_l is not None:
        cl = np.where(skip_l, -1, cl)
    if refined:
        yl = by_l.to_numpy().astype(np.int64)
        yr = by_r.to_numpy().astype(np.int64)
        bl = (cl >= 0) & big[np.maximum(cl, 0)]
        br = (cr >= 0) & big[np.maximum(cr, 0)]
        cl = np.where(bl, np.where(yl > 0, cl * 4096 + (yl % 4096), -1), cl * 4096 + 4095 * (cl >= 0))
        cr = np.where(br, np.where(yr > 0, cr * 4096 + (yr % 4096), -1), cr * 4096 + 4095 * (cr >= 0))
    if masked_l is None or masked_r is None:
        li, ri = _join_codes(cl, cr)
    else:
        # Only pairs with a masked ID on at least one side: masked left × all right, then the other left
        # rows × masked right (disjoint), instead of the full join filtered afterwards.
        li1, ri1 = _join_codes(np.where(masked_l, cl, -1), cr)
        li2, ri2 = _join_codes(np.where(masked_l, -1, cl), np.where(masked_r, cr, -1))
        li, ri = np.concatenate([li1, li2]), np.concatenate([ri1, ri2])
    if extra is not None and len(extra[0]):
        el, er = extra
        if masked_l is not None and masked_r is not None:
            ok = masked_l[el] | masked_r[er]
            el, er = el[ok], er[ok]
        li, ri = np.concatenate([li, el]), np.concatenate([ri, er])
    if self_join:
        keep = li < ri
        li, ri = li[keep], ri[keep]
    return li, ri, refined


def _declared_pairs(cl: IndexArray, cr: IndexArray, big: npt.NDArray[np.bool_], no_year_l: npt.NDArray[np.bool_],
                    no_year_r: npt.NDArray[np.bool_], declared: tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]],
                    max_pairs: int, skip_l: npt.NDArray[np.bool_] | None,
                    names: tuple[IndexArray, IndexArray] | None = None) -> tuple[IndexArray, IndexArray]:
    """The pairs a refined block keeps besides its birth-year parts: a declared row (an official or a
    relative) with each row of the block that has no birth year, both ways. Refining splits a block by birth
    year and a record without one (a registry officer is often only a name) would fall out of it altogether:
    at 10M rows a relative named 王祥 was never compared with the company officer 王祥 among 737 namesakes.
    Declared rows are few, so these pairs are few. In a block where they would still exceed ``max_pairs``
    (at 10M the pinyin block *wang xiang* holds 737 王祥 and 513 王香), only the rows with the same normalised
    name are paired (``names``: per-row name codes, ``-1`` = none), again unless that name alone exceeds
    ``max_pairs``; the explanation says the block was capped. ``cl``/``cr``: dense block codes of every row
    (before ``skip_l``, so the cap does not depend on which rows a range holds); ``skip_l``: left rows left out.

    Example:
        >>> c = np.array([0, 0, 0, 0]); big = np.array([True])
        >>> no_year = np.array([False, True, False, True]); dec = np.array([True, False, False, False])
        >>> [x.tolist() for x in _declared_pairs(c, c, big, no_year, no_year, (dec, dec), 10, None)]
        [[0, 0, 1, 3], [1, 3, 0, 0]]
        >>> names = np.array([5, 5, 6, 6])  # over the cap of 2 in the block: only row 1 shares row 0's name
        >>> [x.tolist() for x in _declared_pairs(c, c, big, no_year, no_year, (dec, dec), 2, None, (names, names))]
        [[0, 1], [1, 0]]
    """
    dl, dr = declared
    bl = (cl >= 0) & big[np.maximum(cl, 0)]
    br = (cr >= 0) & big[np.maximum(cr, 0)]
    sides = (bl & dl, br & no_year_r, bl & no_year_l, br & dr)  # declared × no birth year, and the other way
    l1, r1, left_l, left_r = _fitting_pairs(cl, cr, len(big), sides, max_pairs, skip_l)
    if names is None or not (left_l.any() and left_r.any()):
        return l1, r1
    nl, nr = names
    same = cl is cr and nl is nr
    width = np.int64(max(nl.max(initial=0), nr.max(initial=0))) + 1  # (block, name) as one int64 code
    sub_l = np.where(left_l & (nl >= 0), cl * width + nl, -1)
    sub_r = sub_l if same else np.where(left_r & (nr >= 0), cr * width + nr, -1)
    dl2, dr2, k2 = _dense(sub_l, sub_r, same)
    l2, r2, _, _ = _fitting_pairs(dl2, dr2, k2, sides, max_pairs, skip_l)
    return np.concatenate([l1, l2]), np.concatenate([r1, r2])


def _fitting_pairs(cl: IndexArray, cr: IndexArray, k: int,
                   sides: tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_], npt.NDArray[np.bool_],
                                npt.NDArray[np.bool_]],
                   max_pairs: int, skip_l: npt.NDArray[np.bool_] | None
                   ) -> tuple[IndexArray, IndexArray, npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """For :func:`_declared_pairs`: the pairs ``a_l × a_r`` and ``b_l × b_r`` (``sides``) within each of the
    ``k`` groups (codes ``cl``/``cr``, ``-1`` = none) where they number at most ``max_pairs``, plus per row
    whether it is in a group that did not fit."""
    a_l, a_r, b_l, b_r = sides

    def count(flags: npt.NDArray[np.bool_], codes: IndexArray) -> IndexArray:
        ok = flags & (codes >= 0)
        return np.bincount(codes[ok], minlength=k).astype(np.int64)

    fits = count(a_l, cl) * count(a_r, cr) + count(b_l, cl) * count(b_r, cr) <= max_pairs
    in_l, in_r = cl >= 0, cr >= 0
    fit_l, fit_r = in_l & fits[np.maximum(cl, 0)], in_r & fits[np.maximum(cr, 0)]
    ok_l = fit_l if skip_l is None else fit_l & ~skip_l
    l1, r1 = _join_codes(np.where(a_l & ok_l, cl, -1), np.where(a_r & fit_r, cr, -1))
    l2, r2 = _join_codes(np.where(b_l & ok_l, cl, -1), np.where(b_r & fit_r, cr, -1))
    return np.concatenate([l1, l2]), np.concatenate([r1, r2]), in_l & ~fit_l, in_r & ~fit_r


def _unique_sorted(code: IndexArray) -> IndexArray:
    """Distinct values, ascending (sort-based: numpy's hash-based ``np.unique`` is slower on many ints)."""
    code = np.sort(code, kind="stable")
    if len(code) < 2:
        return code
    keep = np.empty(len(code), dtype=bool)
    keep[0] = True
    np.not_equal(code[1:], code[:-1], out=keep[1:])
    return code[keep]


CappedBlocks = dict[str, tuple[IndexArray, IndexArray, IndexArray, IndexArray]]
"""Per blocking rule with refined (capped) blocks: ``(left rows, their keys, right rows, their keys)`` of
the records in those blocks, rows ascending."""


def capped_rules(capped: CappedBlocks, li: IndexArray, ri: IndexArray) -> IndexArray:
    """Per pair, a bit mask over :data:`BLOCKING_RULES` (bit ``i`` = the ``i``-th rule): the pair shares a key
    of that rule whose block was too big and was refined by birth year (so namesakes with another or no birth
    year were not compared in it). 0 = no capped block.

    Example:
        >>> rows = np.array([0, 1]); keys = np.array([7, 7])
        >>> capped_rules({"name_pinyin": (rows, keys, rows, keys)}, np.array([0, 0]), np.array([1, 2])).tolist()
        [4, 0]
    """
    out = np.zeros(len(li), dtype=np.int64)
    order = list(BLOCKING_RULES)
    for name, (rows_l, keys_l, rows_r, keys_r) in capped.items():
        kl = _lookup(rows_l, keys_l, li)
        kr = _lookup(rows_r, keys_r, ri)
        out |= np.where((kl >= 0) & (kl == kr), np.int64(1) << order.index(name), 0)
    return out


def _lookup(rows: IndexArray, keys: IndexArray, at: IndexArray) -> IndexArray:
    """``keys`` of the sorted ``rows`` at positions ``at`` (-1 where a position is not among them)."""
    if not len(rows):
        return np.full(len(at), -1, dtype=np.int64)
    pos = np.minimum(np.searchsorted(rows, at), len(rows) - 1)
    return np.where(rows[pos] == at, keys[pos], -1).astype(np.int64)


def capped_note(mask: int) -> tuple[str, str]:
    """The sentence (zh, en) an explanation ends with when its pair came from capped blocks (bit mask from
    :func:`capped_rules`; 0 → empty strings).

    Example:
        >>> capped_note(4)[1]
        "; block 'name pinyin' capped: too many pairs, split by birth year (records with another or no birth year were not compared in it)"
    """
    if not mask:
        return "", ""
    rules = [r for i, r in enumerate(BLOCKING_RULES.values()) if mask >> i & 1]
    zh = "、".join(f"「{r.label_zh or r.name}」" for r in rules)
    en = ", ".join(f"'{r.label_en or r.name}'" for r in rules)
    if mask & DECLARED_COMPARED:
        return (f"；分块{zh}过大，已按出生年份细分（出生年份不同的记录未在此块中比较，出生年份不详的记录只与公职人员及亲属比较，"
                "过多时只与同名者比较）",
                f"; block {en} capped: too many pairs, split by birth year (records with another birth year were "
                "not compared in it, records with no birth year only with officials and relatives, and only with "
                "those of the same name where they were too many)")
    return (f"；分块{zh}过大，已按出生年份细分（出生年份不同或不详的记录未在此块中比较）",
            f"; block {en} capped: too many pairs, split by birth year (records with another or no birth year "
            "were not compared in it)")


DECLARED_COMPARED = 1 << 62
"""A bit of the :func:`capped_rules` mask: the run paired officials and relatives with the capped blocks'
records that have no birth year (:func:`_declared_pairs`), so the explanation says so."""


def mark_declared(mask: IndexArray) -> IndexArray:
    """A :func:`capped_rules` mask with :data:`DECLARED_COMPARED` set on its capped pairs (non-zero entries),
    for a run that paired declared rows in capped blocks (both engines call it).

    Example:
        >>> mark_declared(np.array([0, 4])).tolist() == [0, 4 | DECLARED_COMPARED]
        True
    """
    return np.where(mask != 0, mask | DECLARED_COMPARED, 0).astype(np.int64)


def declared_rows(side: npt.NDArray[np.bool_] | None, core: npt.NDArray[np.bool_] | None
                  ) -> npt.NDArray[np.bool_] | None:
    """Per person, an official or a relative, for :func:`candidate_pairs`' ``declared``: ``core & side``,
    ``side`` without a ``core``, nobody without a ``side`` (both engines, and the match cache, start from it).

    Example:
        >>> declared_rows(np.array([True, True, False]), np.array([True, False, False])).tolist()
        [True, False, False]
    """
    if side is None:
        return None
    return side if core is None else core & side


def candidate_pairs(left: pd.DataFrame, right: pd.DataFrame, config: MatchConfig | None = None,
                    self_join: bool = False, capped: CappedBlocks | None = None,
                    rows: tuple[int, int] | None = None,
                    declared: tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]] | None = None
                    ) -> tuple[IndexArray, IndexArray, int]:
    """Candidate pairs from the blocking rules, deduplicated.

    Args:
        left: prepared features (:func:`prepare_records`).
        right: prepared features; pass ``left`` again with ``self_join=True`` to pair a table with itself.
            Frames prepared together (:func:`~guanlian.matching.features.prepare_pair`) are fastest; others
            are recoded jointly first.
        config: which rules and the block-size cap.
        self_join: keep each unordered pair once (``li < ri``) and never a record with itself.
        capped: if given, receives the records in refined blocks per rule (for :func:`capped_rules`).
        rows: only the pairs whose left row is in ``range(*rows)`` (block sizes, refinement and ``capped``
            are still those of every row, so the pairs of consecutive ranges, put together, are the pairs of
            all rows in the same order: :func:`match_records` blocks and scores a big table range by range).
        declared: per row of ``left`` and of ``right``, an official or a relative: in a refined block such a
            row is still paired with the block's rows that have no birth year (:func:`_declared_pairs`; in a
            block where those are too many, only with the ones of the same normalised name).

    Returns:
        ``(li, ri, refined_keys)``: row positions into ``left`` and ``right``, sorted, plus how many keys
        were refined by birth year.
    """
    cfg = config or MatchConfig()
    nr = np.int64(max(len(right), 1))
    masked = ID_KINDS.index("masked")
    rules = list(cfg.blocking_rules)
    # A rule whose blocks nest in another rule's blocks is run after it (see _covered_blocks).
    for sub, sup in _NESTED.items():
        if sub in rules and sup in rules and rules.index(sub) < rules.index(sup):
            rules.remove(sub)
            rules.insert(rules.index(sup) + 1, sub)
    seen: dict[str, tuple[IndexArray, IndexArray, npt.NDArray[np.bool_], npt.NDArray[np.bool_]]] = {}
    chunks: list[IndexArray] = []
    refined = 0
    outside: npt.NDArray[np.bool_] | None = None
    if rows is not None:
        outside = np.ones(len(left), dtype=bool)
        outside[rows[0]:rows[1]] = False
    names = None if declared is None else joint_codes(left, right, "c_name_key")
    for name in rules:
        kl, kr = BLOCKING_RULES[name](left, right)
        ml = mr = None
        if BLOCKING_RULES[name].masked_only:  # only useful when a masked number is involved
            ml = left["id_kind"].to_numpy() == masked
            mr = ml if right is left else right["id_kind"].to_numpy() == masked
        skip = None
        if name in _NESTED and _NESTED[name] in seen:
            skip = _covered_blocks(kl, kr, *seen[_NESTED[name]], same=right is left)
        if outside is not None:
            skip = outside if skip is None else skip | outside
        big_rows: list[npt.NDArray[np.bool_]] | None = [] if (
            name in _NESTED.values() or capped is not None) else None
        li, ri, ref = _pairs_for_key(kl, kr, self_join, cfg.max_block_pairs, left["by"], right["by"], ml, mr,
                                     skip, big_rows, declared, names)
        if big_rows is not None and name in _NESTED.values():
            seen[name] = (kl, kr, big_rows[0], big_rows[1])
        if capped is not None and ref and big_rows is not None:
            rows_l, rows_r = np.flatnonzero(big_rows[0]), np.flatnonzero(big_rows[1])
            capped[name] = (rows_l, kl[rows_l], rows_r, kr[rows_r])
        chunks.append(np.sort(li * nr + ri))
        refined += ref
    if not chunks:
        return np.empty(0, np.int64), np.empty(0, np.int64), 0
    # Sorted runs: the stable sort (timsort for int64) merges them instead of sorting from scratch.
    code = _unique_sorted(np.concatenate(chunks))
    return code // nr, code % nr, refined


def _covered_blocks(kl: IndexArray, kr: IndexArray, sup_l: IndexArray, sup_r: IndexArray,
                    big_l: npt.NDArray[np.bool_], big_r: npt.NDArray[np.bool_], same: bool) -> npt.NDArray[np.bool_]:
    """Left rows whose block (key ``kl``) yields no pair that the enclosing rule (keys ``sup_*``) does not
    yield already: every record of the block, on both sides, has one and the same enclosing key, and that
    key's block was not refined. Such blocks are left out of the join; the pairs are identical."""
    k_all = kl if same else np.concatenate([kl, kr])
    s_all = sup_l if same else np.concatenate([sup_l, sup_r])
    b_all = big_l if same else np.concatenate([big_l, big_r])
    codes, uniq = pd.factorize(k_all)
    valid = k_all >= 0
    c, sv = codes[valid], s_all[valid]
    n = len(uniq)
    lo = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    hi = np.full(n, np.iinfo(np.int64).min, dtype=np.int64)
    np.minimum.at(lo, c, sv)
    np.maximum.at(hi, c, sv)
    any_big = np.bincount(c, weights=b_all[valid], minlength=n) > 0
    covered = (lo == hi) & (lo >= 0) & ~any_big
    out: npt.NDArray[np.bool_] = valid[:len(kl)] & covered[np.maximum(codes[:len(kl)], 0)]
    return out


# --- scoring -------------------------------------------------------------------------------------------


@dataclass
class Scored:
    """Scored candidate pairs (arrays aligned with ``li``/``ri``)."""

    li: IndexArray
    ri: IndexArray
    score: npt.NDArray[np.float64]
    tier: npt.NDArray[np.object_]
    levels: dict[str, npt.NDArray[np.int8]]
    comparisons: list[Comparison]
    conflicting_ids: int
    candidates: int = -1
    """Pairs given to :func:`score_pairs` (more than ``len(li)`` when ``linkable_only`` left some out)."""
    birth_only: npt.NDArray[np.int8] | None = None
    """1 / 2: pairs ``probable`` on a shared birth month / full birth date alone (before
    :func:`ambiguous_birth` demotes some); 0 otherwise."""
    exact_name: npt.NDArray[np.bool_] | None = None
    """The names are identical, possibly after normalising (for :func:`ambiguous_birth`)."""
    ids: tuple[IndexArray, IndexArray] | None = None
    """The left and right records' valid resident IDs as numbers, -1 without (for :func:`ambiguous_birth`)."""
    capped: IndexArray | None = None
    """Per pair, the rules whose capped block it shares (:func:`capped_rules`); the explanation says so."""
    dropped: int = 0
    """Pairs left out because no end may be stored (``match_records`` ``side``)."""
    dropped_budget: int = 0
    """Pairs left out because no end is a declared person (``match_records`` ``core``) though one may be stored."""

    def explanations(self, mask: npt.NDArray[np.bool_] | None = None) -> tuple[list[str], list[str]]:
        """Chinese and English explanations for the selected pairs (default: all).

        The text depends only on the levels, the tier and the score, so it is built once per distinct
        combination (a few hundred at most) and shared.
        """
        sel = np.flatnonzero(mask) if mask is not None else np.arange(len(self.li))
        if not len(sel):
            return [], []
        key = np.zeros(len(sel), dtype=np.int64)
        for comp in self.comparisons:
            key = key * (len(comp.levels) + 1) + self.levels[comp.name][sel].astype(np.int64)
        tier_codes, _ = pd.factorize(self.tier[sel])
        score_codes, score_u = pd.factorize(self.score[sel])
        key = (key * (len(TIER_PHRASE) + 1) + tier_codes) * max(len(score_u), 1) + score_codes
        if self.capped is not None:
            capped_codes, capped_u = pd.factorize(self.capped[sel])
            key = key * max(len(capped_u), 1) + capped_codes
        inv, uniq = pd.factorize(key)
        first = np.empty(len(uniq), dtype=np.int64)
        first[inv[::-1]] = np.arange(len(sel), dtype=np.int64)[::-1]
        texts = [self._explain(int(i)) for i in sel[first]]
        zh_u = np.array([t[0] for t in texts], dtype=object)
        en_u = np.array([t[1] for t in texts], dtype=object)
        return zh_u[inv].tolist(), en_u[inv].tolist()

    def _explain(self, i: int) -> tuple[str, str]:
        zh_parts: list[str] = []
        en_parts: list[str] = []
        zh_missing: list[str] = []
        en_missing: list[str] = []
        for comp in self.comparisons:
            level = comp.levels[int(self.levels[comp.name][i])]
            if level.name == "not_needed":
                continue
            if level.name == "missing":
                zh_missing.append(comp.label_zh)
                en_missing.append(comp.label_en)
                continue
            zh_parts.append(f"{comp.label_zh}{level.label_zh}({level.weight:+g})")
            en_parts.append(f"{comp.label_en}: {level.label_en} ({level.weight:+g})")
        t = str(self.tier[i])
        s = float(self.score[i])
        zh = f"{TIER_PHRASE[t][0]}，得分 {s:g}：" + "；".join(zh_parts)
        en = f"{TIER_PHRASE[t][1]}, score {s:g}: " + "; ".join(en_parts)
        if zh_missing:
            zh += "；无从比较：" + "、".join(zh_missing)
            en += "; not available: " + ", ".join(en_missing)
        if self.capped is not None and self.capped[i]:
            note_zh, note_en = capped_note(int(self.capped[i]))
            zh += note_zh
            en += note_en
        return zh, en


def _name_ok(levels: Mapping[str, npt.NDArray[np.int8]], nc: Comparison, npy: Comparison) -> npt.NDArray[np.bool_]:
    """Names similar by characters or by sound: the condition for any tier below ``certain``."""
    ok: npt.NDArray[np.bool_] = ~np.isin(levels[nc.name], [nc.level("missing"), nc.level("different")]) | np.isin(
        levels[npy.name], [npy.level("same_sound"), npy.level("similar_sound")])
    if LatinName.name in levels:  # Latin names: some words the same, order and typos aside
        ok |= np.isin(levels[LatinName.name], [_LATIN.level("all_words"), _LATIN.level("some_words")])
    return ok


_LATIN = LatinName()
_OTHER = OtherId()


def _other_id_same(levels: Mapping[str, npt.NDArray[np.int8]]) -> npt.NDArray[np.bool_]:
    lv = levels.get(OtherId.name)
    n = len(next(iter(levels.values()))) if levels else 0
    out: npt.NDArray[np.bool_] = (np.isin(lv, [_OTHER.level("same"), _OTHER.level("one_edit")]) if lv is not None
                                  else np.zeros(n, dtype=bool))
    return out


def ambiguous_birth(li: IndexArray, ri: IndexArray, score: npt.NDArray[np.float64], birth_only: npt.NDArray[np.int8],
                    exact_name: npt.NDArray[np.bool_], id_l: IndexArray, id_r: IndexArray,
                    self_join: bool = False) -> npt.NDArray[np.bool_]:
    """Pairs that rest on a shared birth date alone while their record has a rival candidate at least as good:
    the record can be only one of them, so neither is ``probable``.

    A pair is ``probable`` on the birth date alone (``birth_only``: 1 = the year and month, 2 = the full date)
    when nothing else corroborates it (no ID, phone, address, employer). Another such candidate of the same
    record is a rival when it ranks at least as high — a higher score, or the same score and a name written
    the same where this pair's name only resembles it (an exact name and a one-character homophone both
    weigh +8, but a miswritten character is the rarer event) — and, for a full date, when the two candidates
    are different persons (two different valid resident IDs): a month fits many people, so any candidate
    counts there; a full date is a rival only from a proven other person. The best candidate keeps its tier
    when it outranks every rival.

    Args:
        li: left positions of the pairs.
        ri: right positions.
        score: the pairs' scores.
        birth_only: 0, or 1 / 2 for pairs that would be ``probable`` with the birth month / full date as their
            only corroboration.
        exact_name: the names are identical (possibly after normalising script, width, dots and spaces).
        id_l: the left record's valid resident ID as a number (``c_id``), -1 without one.
        id_r: the same for the right record.
        self_join: one table matched with itself: a record's candidates are on either side of its pairs.

    Returns:
        The pairs to keep below ``probable``.

    Example:
        >>> none = np.array([-1, -1, -1])
        >>> ambiguous_birth(np.array([0, 0, 1]), np.array([5, 6, 7]), np.array([12.0, 12.0, 12.0]),
        ...                 np.array([1, 1, 1], dtype=np.int8), np.array([True, True, True]), none, none).tolist()
        [True, True, False]
        >>> ids = np.array([101, 202])  # two registry persons with the same birth date
        >>> ambiguous_birth(np.array([0, 0]), np.array([5, 6]), np.array([15.0, 15.0]),
        ...                 np.array([2, 2], dtype=np.int8), np.array([True, False]), none[:2], ids).tolist()
        [False, True]
    """
    out = np.zeros(len(li), dtype=bool)
    sel = np.flatnonzero(birth_only > 0)
    if len(sel) < 2:
        return out
    sides = ((li[sel], id_r[sel]), (ri[sel], id_l[sel])) if self_join else ((li[sel], id_r[sel]),)
    month = birth_only[sel] == 1
    rank_s = score[sel]
    rank_n = exact_name[sel]
    for rec, other_id in sides:
        _, inv, cnt = np.unique(rec, return_inverse=True, return_counts=True)
        multi = np.flatnonzero(cnt[inv] > 1)
        if not len(multi):
            continue
        order = multi[np.argsort(inv[multi], kind="stable")]
        bounds = np.flatnonzero(np.diff(inv[order])) + 1
        for g in np.split(order, bounds):
            # rows: the pair, columns: its possible rivals (a group is one record's candidates: a handful)
            s_, n_, o_ = rank_s[g], rank_n[g], other_id[g]
            ranks = (s_[None, :] > s_[:, None]) | ((s_[None, :] == s_[:, None]) & (n_[None, :] | ~n_[:, None]))
            np.fill_diagonal(ranks, False)
            other = month[g][:, None] | ((o_[:, None] >= 0) & (o_[None, :] >= 0) & (o_[:, None] != o_[None, :]))
            out[sel[g[(ranks & other).any(axis=1)]]] = True
    return out


def score_pairs(left: pd.DataFrame, right: pd.DataFrame, li: IndexArray, ri: IndexArray,
                config: MatchConfig | None = None, linkable_only: bool = False, month_ambiguity: bool = True
                ) -> Scored:
    """Score candidate pairs with the comparisons and assign tiers.

    Args:
        left: prepared features of the left records.
        right: prepared features of the right records.
        li: left positions of the pairs.
        ri: right positions of the pairs.
        config: thresholds and weights.
        linkable_only: leave out, before the remaining comparisons run, the pairs no tier can take: two
            different valid resident IDs, then (unless the IDs are the same) names similar neither by
            characters nor by sound. In a big registry most blocked pairs are namesakes with another ID, so
            this is several times faster; tiers of the pairs kept are unchanged.
        month_ambiguity: apply :func:`ambiguous_birth` (it looks across pairs). An engine that scores the
            pairs in batches passes False and applies it to all pairs at once, from ``Scored.birth_only``,
            ``Scored.exact_name`` and ``Scored.ids``.

    Returns:
        A :class:`Scored` with ``tier`` ``"certain"``, ``"probable"``, ``"possible"`` or ``""`` (not linked).
        ``candidates`` is ``len(li)`` and ``conflicting_ids`` counts all pairs with different valid IDs, also
        those left out.
    """
    cfg = config or MatchConfig()
    comps = cfg.comparisons()
    by_name = {c.name: c for c in comps}
    rid = by_name["ResidentId"]
    nc: Comparison = by_name[NameChars.name]
    npy: Comparison = by_name[NamePinyin.name]
    n_candidates = len(li)
    levels: dict[str, npt.NDArray[np.int8]] = {}
    pairs = Pairs(left, right, li, ri)
    n_conflicts = -1

    def keep(mask: npt.NDArray[np.bool_]) -> None:
        nonlocal pairs, li, ri
        li, ri = li[mask], ri[mask]
        pairs = Pairs(left, right, li, ri)
        for k in list(levels):
            levels[k] = levels[k][mask]

    if linkable_only:
        # Same results, fewer pairs: each stage only drops pairs whose tier is already certain to be "".
        levels[rid.name] = rid.levels_for(pairs, levels)
        conflict = levels[rid.name] == rid.level("conflict")
        n_conflicts = int(conflict.sum())
        keep(~conflict)
        for comp in (nc, npy, *(c for c in comps if c.name in (LatinName.name, OtherId.name))):
            levels[comp.name] = comp.levels_for(pairs, levels)
        keep(_name_ok(levels, nc, npy) | (levels[rid.name] == rid.level("same")) | _other_id_same(levels))
    n = len(pairs)
    score = np.zeros(n, dtype=np.float64)
    corroborated = np.zeros(n, dtype=bool)
    besides_birth = np.zeros(n, dtype=bool)
    for comp in comps:
        if comp.name not in levels:
            levels[comp.name] = comp.levels_for(pairs, levels)
        lv = levels[comp.name]
        score += comp.weight_array[lv]
        cor = np.array([x.corroborates for x in comp.levels], dtype=bool)
        corroborated |= cor[lv]
        if comp.name != "BirthDate":
            besides_birth |= cor[lv]
    levels = {c.name: levels[c.name] for c in comps}  # explanation order
    id_same = levels[rid.name] == rid.level("same")
    id_conflict = levels[rid.name] == rid.level("conflict")
    # an identical other identity number (passport, permit, SSN) is an identifier: the names need not agree
    name_ok = _name_ok(levels, nc, npy) | _other_id_same(levels)
    possible = name_ok & ~id_conflict & (score >= cfg.possible_threshold)
    probable = possible & corroborated & (score >= cfg.probable_threshold)
    bd = by_name["BirthDate"]
    on_birth = probable & ~besides_birth
    birth_only = np.where(on_birth & (levels[bd.name] == bd.level("same_month")), 1,
                          np.where(on_birth, 2, 0)).astype(np.int8)
    exact_name = np.isin(levels[nc.name], [nc.level("exact"), nc.level("exact_variant")])
    ca, cb = pairs.codes("c_id")
    id_l: IndexArray = np.where(ca >= 0, ca, -1).astype(np.int64)
    id_r: IndexArray = np.where(cb >= 0, cb, -1).astype(np.int64)
    if month_ambiguity:
        probable &= ~ambiguous_birth(li, ri, score, birth_only, exact_name, id_l, id_r, self_join=left is right)
    code = possible.astype(np.int8)
    code[probable] = 2
    code[id_same] = 3
    tier = np.array(["", "possible", "probable", "certain"], dtype=object)[code]
    return Scored(li, ri, score, tier, levels, comps, n_conflicts if linkable_only else int(id_conflict.sum()),
                  n_candidates, birth_only, exact_name, (id_l, id_r))


def match_records(left: pd.DataFrame, right: pd.DataFrame | None = None, config: MatchConfig | None = None,
                  linkable_only: bool = False, only: npt.NDArray[np.bool_] | None = None,
                  origins: list[IndexArray] | None = None, side: npt.NDArray[np.bool_] | None = None,
                  core: npt.NDArray[np.bool_] | None = None, declared: npt.NDArray[np.bool_] | None = None
                  ) -> tuple[Scored, pd.DataFrame, pd.DataFrame, int]:
    """Prepare, block and score two raw record tables (or one against itself when ``right`` is None).

    Args:
        left: person records.
        right: person records, or None to match ``left`` with itself.
        config: thresholds and weights.
        linkable_only: passed to :func:`score_pairs` (``collide``, ``match_store`` and ``find_candidates``
            use it: they never show pairs that no tier can take).
        only: for a self-match, one flag per row of ``left``: score only the candidate pairs with a flagged
            row at one end at least (an incremental match: the pairs of new or changed persons). Blocking still
            sees every row, so block sizes are those of ``left``.
        origins: if given, receives the row of ``left`` behind each row of ``left_features`` (a record with
            several names or employers is matched as one record per name or employer).
        side: for a self-match, one flag per row of ``left``: the rows whose links may be stored (personnel and
            payees in :func:`match_store`). A ``possible`` pair with no flagged end that does not rest on a
            birth date alone (and whose rows are each one record: a row with former names or other employers
            keeps its pairs) is left out as soon as its range is scored and only counted (``Scored.dropped``):
            at 10M rows nearly all linked pairs are registry namesakes nobody stores. Every other pair, its
            tier and its birth-date rivalry are those of a match without ``side``.
        core: with ``side``, the rows the link budget starts from (officials and relatives, a subset of
            ``side``): such ``possible`` pairs with a ``side`` end but no ``core`` end are left out as well and
            counted apart (``Scored.dropped_budget``).
        declared: for a self-match, one flag per row of ``left``: officials and relatives, paired in a capped
            block with its rows that have no birth year as well (:func:`candidate_pairs`). Default: ``core``
            (``side`` without it) when ``side`` is given, else nobody.

    Returns:
        ``(scored, left_features, right_features, refined_keys)``.
    """
    cfg = config or MatchConfig()
    if declared is None and right is None:
        declared = declared_rows(side, core)
    if right is not None:
        declared = None
    lx = _expand_aliases(left)
    rx = _expand_aliases(right) if right is not None else None
    if lx is None and rx is None:
        if right is None:
            lf = rf = prepare_records(left)
        else:
            lf, rf = prepare_pair(left, right)
        if origins is not None:
            origins.append(np.arange(len(left), dtype=np.int64))
        scored, refined = _block_and_score(lf, rf, cfg, right is None, linkable_only,
                                           only if right is None else None, side if right is None else None,
                                           core=core if right is None else None, declared=declared)
        return scored, lf, rf, refined
    # Names with a former-name note: each alias is matched as a record of its own, then folded back.
    lt, lo, la = lx or (left, np.arange(len(left), dtype=np.int64), np.zeros(len(left), np.int8))
    if right is None:
        lf = rf = prepare_records(lt)
        lf["alias"] = la
        ro = lo
    else:
        rt, ro, ra = rx or (right, np.arange(len(right), dtype=np.int64), np.zeros(len(right), np.int8))
        lf, rf = prepare_pair(lt, rt)
        lf["alias"] = la
        rf["alias"] = ra
    if origins is not None:
        origins.append(lo)
    scored, refined = _block_and_score(lf, rf, cfg, right is None, linkable_only,
                                       only[lo] if only is not None and right is None else None,
                                       side[lo] if side is not None and right is None else None,
                                       lo if side is not None and right is None else None,
                                       core[lo] if side is not None and core is not None and right is None else None,
                                       None if declared is None else declared[lo])
    return _fold_aliases(scored, lo, ro, right is None, consume=True), lf, rf, refined


MATCH_BATCH_ROWS = 500_000
""":func:`match_records` blocks and scores a table of more rows than this (after former names are expanded)
left-row range by left-row range (:func:`candidate_pairs` ``rows``), holding one range's candidate pairs at a
time instead of all of them. The 1M world (484k persons) is one range; at 10M source rows (4.8M persons, ten
ranges) the name blocks are ten times bigger, so their pairs grow about fifty-fold (a simulation of the demo's
name draw: 4.5M toneless-pinyin pairs for 484k persons, 181M for 4.84M even with the block cap), which is
several GiB per array of the pairs if they are held at once. A range's pairs are a share of them (for a
self-match the first range's the biggest, about 2 / ranges), at the cost of computing the blocking keys
once per range."""


def _block_and_score(lf: pd.DataFrame, rf: pd.DataFrame, cfg: MatchConfig, self_join: bool, linkable_only: bool,
                     only: npt.NDArray[np.bool_] | None, side: npt.NDArray[np.bool_] | None = None,
                     origin: IndexArray | None = None, core: npt.NDArray[np.bool_] | None = None,
                     declared: npt.NDArray[np.bool_] | None = None) -> tuple[Scored, int]:
    """Candidate pairs of the prepared ``lf`` and ``rf``, scored (``only``: keep the pairs touching a flagged row),
    with the refined-key count; in ranges of :data:`MATCH_BATCH_ROWS` left rows when ``lf`` is longer, which
    gives the same pairs, scores, tiers and order (:func:`ambiguous_birth`, which looks across pairs, runs once
    over all of them: the pairs it looks at are linked ones, all kept). ``side`` and ``core`` (per record) and
    ``origin`` (the row behind each record, when rows were expanded): leave out and count the pairs
    :func:`match_records` describes; ``declared`` (per record): see :func:`candidate_pairs`."""
    capped: CappedBlocks = {}
    n = len(lf)
    ranges = [(a, min(n, a + MATCH_BATCH_ROWS)) for a in range(0, n, MATCH_BATCH_ROWS)] or [(0, 0)]
    pieces: list[Scored] = []
    refined = 0
    dropped = dropped_budget = 0
    if side is not None:
        side, core = storable_flags(side, core, origin)
    for rows in ranges:
        li, ri, refined = candidate_pairs(lf, rf, cfg, self_join=self_join, capped=capped,
                                          rows=rows if len(ranges) > 1 else None,
                                          declared=None if declared is None or not self_join else (declared, declared))
        if only is not None:
            li, ri = _touching(li, ri, only)
        piece = score_pairs(lf, rf, li, ri, cfg, linkable_only=linkable_only, month_ambiguity=len(ranges) == 1)
        del li, ri
        if side is not None and core is not None:
            piece, n_out, n_budget = _drop_unstorable(piece, side, core)
            dropped += n_out
            dropped_budget += n_budget
        pieces.append(piece)
    scored = pieces[0] if len(pieces) == 1 else _joined(pieces, self_join=lf is rf)
    if capped:
        scored.capped = capped_rules(capped, scored.li, scored.ri)
        if declared is not None and self_join:
            scored.capped = mark_declared(scored.capped)
    scored.dropped, scored.dropped_budget = dropped, dropped_budget
    return scored, refined


def storable_flags(side: npt.NDArray[np.bool_], core: npt.NDArray[np.bool_] | None,
                   origin: IndexArray | None = None) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """Per record, ``(side, core)`` as the link budget reads them (:func:`match_records`): ``core`` within
    ``side`` (all of ``side`` when None), and with ``origin`` (the row behind each record, when rows were
    expanded for former names or other employers) every record of a row matched as several records flagged
    in both: which record pair stands for the row pair is decided when they are folded back, over all of them.

    Example:
        >>> s, c = storable_flags(np.array([True, False, False]), np.array([False, True, False]),
        ...                       np.array([0, 1, 1]))
        >>> s.tolist(), c.tolist()
        ([True, True, True], [False, True, True])
    """
    core = side if core is None else core & side
    if origin is not None:
        multi = np.bincount(origin, minlength=int(origin.max(initial=-1)) + 1)[origin] > 1
        side, core = side | multi, core | multi
    return side, core


def unstorable(li: IndexArray, ri: IndexArray, tier: npt.NDArray[np.object_], birth_only: npt.NDArray[np.int8],
               side: npt.NDArray[np.bool_], core: npt.NDArray[np.bool_]) -> tuple[npt.NDArray[np.bool_], int]:
    """The pairs the link budget leaves out while scoring — ``possible``, no ``core`` end and not resting on a
    birth date alone (their birth-date rivalry is decided across all pairs) — and how many of them have no
    ``side`` end either. ``side``/``core``: per record, from :func:`storable_flags`. Both engines call it.

    Example:
        >>> side, core = np.array([True, True, False, False]), np.array([True, False, False, False])
        >>> out, no_side = unstorable(np.array([0, 1, 2]), np.array([3, 3, 3]),
        ...                           np.array(["possible"] * 3, dtype=object), np.zeros(3, np.int8), side, core)
        >>> out.tolist(), no_side
        ([False, True, True], 1)
    """
    out: npt.NDArray[np.bool_] = ~core[li] & ~core[ri] & (tier == "possible") & (birth_only == 0)
    return out, int((out & ~side[li] & ~side[ri]).sum())


def _drop_unstorable(piece: Scored, side: npt.NDArray[np.bool_], core: npt.NDArray[np.bool_]
                     ) -> tuple[Scored, int, int]:
    """``piece`` without its ``possible`` pairs that have no ``core`` end and no birth-date-only tier (their
    birth-date rivalry is decided later, across pieces), and how many were left out: with no ``side`` end, and
    with one (``core`` is a subset of ``side``)."""
    assert piece.birth_only is not None and piece.exact_name is not None and piece.ids is not None
    out, n_out = unstorable(piece.li, piece.ri, piece.tier, piece.birth_only, side, core)
    n_all = int(out.sum())
    if not n_all:
        return piece, 0, 0
    keep = ~out
    id_l, id_r = piece.ids
    return Scored(piece.li[keep], piece.ri[keep], piece.score[keep], piece.tier[keep],
                  {k: v[keep] for k, v in piece.levels.items()}, piece.comparisons, piece.conflicting_ids,
                  piece.candidates, piece.birth_only[keep], piece.exact_name[keep],
                  (id_l[keep], id_r[keep])), n_out, n_all - n_out


def _joined(pieces: list[Scored], self_join: bool) -> Scored:
    """Pieces of one scoring (:func:`score_pairs` with ``month_ambiguity=False``, consecutive ranges of pairs) as
    one :class:`Scored`, with :func:`ambiguous_birth` applied over all pairs as :func:`score_pairs` does."""
    def cat(name: str) -> npt.NDArray[Any]:
        """One field of every piece, joined; the pieces' own arrays are let go as it goes, so the join holds
        one field twice at most, not all of them."""
        out = np.concatenate([getattr(p, name) for p in pieces])
        for p in pieces:
            setattr(p, name, out[:0])
        return out

    first = pieces[0]
    assert all(p.birth_only is not None and p.exact_name is not None and p.ids is not None for p in pieces)
    comparisons, levels_of = first.comparisons, [p.levels for p in pieces]
    conflicting_ids, candidates = sum(p.conflicting_ids for p in pieces), sum(p.candidates for p in pieces)
    li, ri, score, tier = cat("li"), cat("ri"), cat("score"), cat("tier")
    birth_only, exact_name = cat("birth_only"), cat("exact_name")
    ids = [p.ids for p in pieces if p.ids is not None]
    for p in pieces:
        p.ids = None
    id_l = np.concatenate([a for a, _ in ids])
    right_ids = [b for _, b in ids]
    del ids
    id_r = np.concatenate(right_ids)
    del right_ids
    levels: dict[str, npt.NDArray[np.int8]] = {}
    for k in first.levels:
        levels[k] = np.concatenate([lv[k] for lv in levels_of])
        for lv in levels_of:
            lv[k] = levels[k][:0]
    demote = ambiguous_birth(li, ri, score, birth_only, exact_name, id_l, id_r, self_join=self_join)
    tier[demote & (tier == "probable")] = "possible"  # as score_pairs: probable only without a rival; certain stays
    return Scored(li, ri, score, tier, levels, comparisons, conflicting_ids, candidates, birth_only, exact_name,
                  (id_l, id_r))


def _touching(li: IndexArray, ri: IndexArray, flag: npt.NDArray[np.bool_]) -> tuple[IndexArray, IndexArray]:
    """The pairs with a flagged record at one end at least."""
    keep = flag[li] | flag[ri]
    return li[keep], ri[keep]


def _expand_aliases(df: pd.DataFrame) -> tuple[pd.DataFrame, IndexArray, npt.NDArray[np.int8]] | None:
    """Records with more than one name, split into one record per name (same other fields): a name carrying a
    former-name note (the name without the note, plus each alias: flag 1), and a person merged from records that
    spelled the name differently (column ``names``, e.g. 刘桂兰 and 刘桂香 joined by resident ID: each other form
    whose normalised name differs, flag 2); likewise one record per other employer of a person merged from records
    that gave different employers (column ``employers``; the shown name, flag 3). Returns ``(records, original position per record, alias flag)``, or
    None when every record has one name."""
    if "name" not in df.columns or not len(df):
        return None
    names_s = df["name"]
    if isinstance(names_s.dtype, pd.StringDtype) and names_s.dtype.storage == "pyarrow":
        # Arrow's substring kernel: no Python object per name (missing names hold no note)
        has_note = names_s.str.contains("名", regex=False).fillna(False).to_numpy(dtype=bool)
    else:  # one pass over the names (a factorize of a million names costs several times more)
        has_note = np.fromiter((isinstance(v, str) and "名" in v for v in names_s.to_numpy(dtype=object)),
                               dtype=bool, count=len(names_s))
    noted = np.flatnonzero(has_note)
    parts = {int(i): name_aliases(str(v)) for i, v in zip(noted, names_s.iloc[noted].to_numpy(dtype=object),
                                                          strict=True)}
    parts = {i: p for i, p in parts.items() if p[1]}
    forms: dict[int, list[str]] = {}
    if "names" in df.columns:
        values = names_s.to_numpy(dtype=object)
        for i, names in enumerate(df["names"].tolist()):
            if isinstance(names, (list, tuple, np.ndarray)) and len(names) > 1:
                seen = {normalize_person_name(parts[i][0] if i in parts else str(values[i]))}
                seen.update(normalize_person_name(a) for a in (parts[i][1] if i in parts else ()))
                other = []
                for n in sorted(str(x) for x in names):
                    norm = normalize_person_name(n)
                    if norm and norm not in seen:
                        seen.add(norm)
                        other.append(n)
                if other:
                    forms[i] = other
    employers: dict[int, list[str]] = {}
    if "employers" in df.columns and "employer" in df.columns:
        shown = df["employer"].tolist()
        for i, many in enumerate(df["employers"].tolist()):
            if isinstance(many, (list, tuple, np.ndarray)) and len(many) > 1:
                other = sorted({str(x) for x in many} - {str(shown[i])})
                if other:
                    employers[i] = other
    if not parts and not forms and not employers:
        return None
    base = df.reset_index(drop=True).copy()
    base["name"] = base["name"].astype(object)
    extra_pos: list[int] = []
    extra_names: list[str] = []
    extra_flags: list[int] = []
    name_col = base["name"].to_numpy(dtype=object, copy=True)
    for i, (main, aliases) in parts.items():
        name_col[i] = main
        extra_pos.extend([i] * len(aliases))
        extra_names.extend(aliases)
        extra_flags.extend([1] * len(aliases))
    for i, other in forms.items():
        extra_pos.extend([i] * len(other))
        extra_names.extend(other)
        extra_flags.extend([2] * len(other))
    base["name"] = name_col
    extra = base.iloc[extra_pos].copy()
    extra["name"] = extra_names
    if employers:  # each other employer under the shown name (flag 3)
        more = base.iloc[[i for i, e in employers.items() for _ in e]].copy()
        more["employer"] = [x for e in employers.values() for x in e]
        extra = pd.concat([extra, more], ignore_index=True)
        extra_pos.extend(i for i, e in employers.items() for _ in e)
        extra_flags.extend(3 for e in employers.values() for _ in e)
    out = pd.concat([base, extra], ignore_index=True)
    orig = np.concatenate([np.arange(len(base), dtype=np.int64), np.array(extra_pos, dtype=np.int64)])
    flag = np.concatenate([np.zeros(len(base), np.int8), np.array(extra_flags, dtype=np.int8)])
    return out, orig, flag


def _fold_aliases(scored: Scored, lo: IndexArray, ro: IndexArray, self_join: bool, consume: bool = False) -> Scored:
    """Map pairs of expanded records back to the original rows, keeping the strongest pair per row pair (higher
    tier, then higher score, then the earlier pair), sorted by row pair.

    At 10M rows this runs over tens of millions of pairs at the match's peak memory, so it sorts one integer
    code per pair and ranks only the pairs that share a row pair (those of rows matched under several names):
    about 30 bytes per pair held at once instead of about 130 with a four-key ``lexsort``. ``consume``: the
    caller no longer needs ``scored``, so its pair and ID arrays are let go as soon as they are read.

    Example:
        >>> s = Scored(np.array([0, 0, 1, 2]), np.array([1, 3, 2, 3]), np.array([4.0, 6.0, 5.0, 3.0]),
        ...            np.array(["possible"] * 4, dtype=object), {}, [], 0, 4)  # record 3: row 1's other name
        >>> got = _fold_aliases(s, np.array([0, 1, 2, 1]), np.array([0, 1, 2, 1]), True)
        >>> got.li.tolist(), got.ri.tolist(), got.score.tolist()
        ([0, 1], [1, 2], [6.0, 5.0])
    """
    a, b = lo[scored.li], ro[scored.ri]
    if consume:
        scored.li, scored.ri, scored.exact_name, scored.ids = scored.li[:0], scored.ri[:0], None, None
    if self_join:
        a, b = np.minimum(a, b), np.maximum(a, b)
    width = np.int64(max(int(b.max(initial=0)) + 1, 1))
    code = a * width + b
    valid = (a != b) if self_join else None
    del a, b
    idx = np.flatnonzero(valid) if valid is not None and not valid.all() else None
    del valid
    order = np.argsort(code if idx is None else code[idx], kind="stable")
    if idx is not None:
        order = idx[order]
    del idx
    sc = code[order]
    first = np.ones(len(sc), dtype=bool)
    if len(sc) > 1:
        np.not_equal(sc[1:], sc[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    keep = order[starts]
    shared = np.flatnonzero(~first)  # a position whose row pair is that of the one before it
    if len(shared):
        run = np.cumsum(first) - 1  # run (row pair) of each sorted position
        in_dup = np.zeros(len(starts), dtype=bool)
        in_dup[run[shared]] = True
        members = np.flatnonzero(in_dup[run])  # sorted positions of every pair of a shared row pair
        pm, rm = order[members], run[members]
        rank = np.select([scored.tier[pm] == "certain", scored.tier[pm] == "probable",
                          scored.tier[pm] == "possible"], [3, 2, 1], 0)
        best = np.lexsort((members, -scored.score[pm], -rank, rm))  # stable: the earlier pair wins a tie
        lead = np.ones(len(best), dtype=bool)
        lead[1:] = rm[best][1:] != rm[best][:-1]
        keep[rm[best][lead]] = pm[best][lead]
        del run, in_dup, members, pm, rm, rank, best, lead
    birth_only = None
    if scored.birth_only is not None:
        # a row pair rests on a birth date alone when any of its records' pairs does (each is a rival there)
        birth_only = np.maximum.reduceat((scored.birth_only[order] > 0).astype(np.int8), starts) \
            if len(starts) else np.zeros(0, dtype=np.int8)
    del order, first
    kept = sc[starts]
    del sc, starts
    return Scored(kept // width, kept % width, scored.score[keep], scored.tier[keep],
                  {k: v[keep] for k, v in scored.levels.items()}, scored.comparisons, scored.conflicting_ids,
                  scored.candidates, birth_only=birth_only,
                  capped=None if scored.capped is None else scored.capped[keep], dropped=scored.dropped,
                  dropped_budget=scored.dropped_budget)


@dataclass
class Linked:
    """The linked pairs (tier certain, probable or possible) of one matching run, as any engine returns them.

    Arrays are aligned and sorted by ``(li, ri)``; ``li``/``ri`` are row positions in the left and right
    tables (the same table for a self-match, then ``li < ri``).
    """

    li: IndexArray
    ri: IndexArray
    score: npt.NDArray[np.float64]
    tier: npt.NDArray[np.object_]
    explanation_zh: list[str]
    explanation_en: list[str]
    candidates: int = 0
    conflicting_ids: int = 0
    refined_keys: int = 0
    birth_only: npt.NDArray[np.bool_] | None = None
    """Per pair: some record pair behind it was ``probable`` on a shared birth date alone, so it took part in
    :func:`ambiguous_birth` (an incremental match cannot re-decide such pairs locally); None: not known."""
    dropped: int = 0
    """``possible`` pairs left out because neither person may be stored (:func:`match_records` ``side``)."""
    dropped_budget: int = 0
    """``possible`` pairs left out because neither person is declared (:func:`match_records` ``core``), though
    one may be stored (the link budget would leave them out)."""

    def __len__(self) -> int:
        return len(self.li)


class LinkEngine(Protocol):
    """Where matching runs: :func:`link_records` (in process) or
    :class:`~guanlian.spark.matching.SparkEngine`. ``(left, right or None for a self-match, config)`` → the
    linked pairs; ``declared`` (self-match only): per row, an official or a relative, compared in a capped
    block with the rows that have no birth year as well (:func:`candidate_pairs`); ``side`` and ``core``
    (self-match only): the link budget of :func:`match_records`, applied where the pairs are scored, so that
    the ``possible`` pairs no one would store never leave the engine (only their counts, ``Linked.dropped``)."""

    def __call__(self, left: pd.DataFrame, right: pd.DataFrame | None, config: MatchConfig, /,
                 declared: npt.NDArray[np.bool_] | None = None, side: npt.NDArray[np.bool_] | None = None,
                 core: npt.NDArray[np.bool_] | None = None) -> Linked: ...
"""An engine: ``(left, right or None for a self-match, config) → Linked``. :func:`link_records` is the
in-process one; ``guanlian.spark.SparkEngine`` runs the same rules on Apache Spark."""


def link_records(left: pd.DataFrame, right: pd.DataFrame | None, config: MatchConfig, /,
                 declared: npt.NDArray[np.bool_] | None = None, side: npt.NDArray[np.bool_] | None = None,
                 core: npt.NDArray[np.bool_] | None = None) -> Linked:
    """The in-process engine (a :class:`LinkEngine`): prepare, block, score and explain; only linked pairs are
    returned.

    Example:
        >>> one = pd.DataFrame({"name": ["王晓明", "王小明"], "birth_date": ["1980-05-06", "1980-05-06"]})
        >>> got = link_records(one, None, MatchConfig())
        >>> got.li.tolist(), got.ri.tolist(), got.tier.tolist()
        ([0], [1], ['probable'])
    """
    self_join = right is None
    scored, _, _, refined = match_records(left, right, config, linkable_only=True,
                                          declared=declared if self_join else None, side=side if self_join else None,
                                          core=core if self_join else None)
    return linked_of(scored, refined)


def linked_of(scored: Scored, refined: int) -> Linked:
    """The linked pairs (tier not ``""``) of ``scored``, explained; ``refined``: the refined blocking keys."""
    keep = scored.tier != ""
    zh, en = scored.explanations(keep)
    return Linked(scored.li[keep], scored.ri[keep], scored.score[keep].astype(np.float64), scored.tier[keep],
                  zh, en, scored.candidates, scored.conflicting_ids, refined,
                  None if scored.birth_only is None else scored.birth_only[keep] > 0, scored.dropped,
                  scored.dropped_budget)


# --- entry points --------------------------------------------------------------------------------------

_COLLIDE_COLUMNS = ["left_row", "right_row", "score", "tier", "tier_rank", "explanation_zh", "explanation_en"]


def _row_refs(df: pd.DataFrame) -> npt.NDArray[np.object_]:
    if "row" in df.columns:
        return df["row"].to_numpy(dtype=object)
    return df.index.to_numpy(dtype=object)


def collide(left: pd.DataFrame, right: pd.DataFrame, config: MatchConfig | None = None,
            engine: LinkEngine | None = None) -> pd.DataFrame:
    """Data collision (数据碰撞): which persons in ``left`` appear in ``right``?

    Args:
        left: person records with any of the columns ``name``, ``id_number``, ``birth_date``, ``sex``,
            ``phone``, ``address``, ``employer``, and optionally ``row`` (a row reference; default: the index).
        right: the same for the other table.
        config: thresholds and weights.
        engine: where the matching runs (default :func:`link_records`, in process).

    Returns:
        One row per linked pair (tiers certain, probable, possible), strongest first, with columns
        ``left_row``, ``right_row``, ``score``, ``tier``, ``tier_rank``, ``explanation_zh``, ``explanation_en``.

    Example:
        >>> l = pd.DataFrame({"name": ["刘桂兰"], "id_number": ["110105491231002"]})
        >>> r = pd.DataFrame({"name": ["劉桂蘭"], "id_number": ["11010519491231002X"]})
        >>> row = collide(l, r).loc[0]
        >>> row["tier"], float(row["score"])
        ('certain', 35.0)
    """
    cfg = config or MatchConfig()
    linked = (engine or link_records)(left, right, cfg)
    if not len(linked):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in _COLLIDE_COLUMNS})
    out = pd.DataFrame({
        "left_row": _row_refs(left)[linked.li],
        "right_row": _row_refs(right)[linked.ri],
        "score": linked.score,
        "tier": linked.tier,
        "tier_rank": [tier_rank(t) for t in linked.tier],
        "explanation_zh": linked.explanation_zh,
        "explanation_en": linked.explanation_en,
    })
    return out.sort_values(["tier_rank", "score"], ascending=False, kind="stable").reset_index(drop=True)


_PERSON_PROPS = ("name", "name_norm", "id_number", "id_status", "birth_date", "sex", "phone", "address",
                 "employer", "names", "employers")


def _read_persons(store: Store) -> pd.DataFrame:
    """Every Person's key and matched properties, one row each, in the engine's order."""
    return read_persons_lists(store)[0]


def read_persons_lists(store: Store, in_key_order: bool = False) -> tuple[pd.DataFrame, dict[str, pa.Array]]:
    """Every Person as :func:`_read_persons` gives them (``in_key_order``: sorted by key), and the frame's list
    columns (``names``, ``employers``) also as the engine's Arrow arrays, row for row: the match cache stores the
    persons as Arrow, and turning the frame's Python lists back into Arrow took 2.3 s of a 1M match.

    Example:
        >>> from guanlian.graph.ladybug import LadybugStore
        >>> import tempfile
        >>> s = LadybugStore(tempfile.mkdtemp() + "/s")
        >>> s.ensure_schema()
        >>> s.upsert_nodes("Person", pd.DataFrame({"key": ["p2", "p1"], "name": ["李四", "张三"]}))
        2
        >>> df, lists = read_persons_lists(s, in_key_order=True)
        >>> df["key"].tolist(), sorted(lists), len(lists["names"])
        (['p1', 'p2'], ['employers', 'names'], 2)
        >>> s.close()
    """
    person = model().node("Person")
    for p in _PERSON_PROPS:
        person.prop(p)  # fail loudly if the model renames a property we read
    ret = ", ".join(f"p.{p} AS {p}" for p in ("key", *_PERSON_PROPS))
    # property names come from the model. Read as Arrow: at 477,730 persons the DataFrame the engine builds took
    # 0.55 GiB and 5.5-8.7 s, this 0.28 GiB and 3.1-3.5 s (the list columns stay Python lists, as the matcher
    # reads them)
    table = store.query_arrow(f"MATCH (p:Person) RETURN {ret}")
    if in_key_order and table.num_rows:
        table = table.take(pc.sort_indices(table, sort_keys=[("key", "ascending")]))
    names = [c for c in table.column_names if pa.types.is_list(table.schema.field(c).type)]
    lists = {c: table.column(c).combine_chunks() for c in names}
    df: pd.DataFrame = table.drop_columns(names).to_pandas()
    for c in names:
        df[c] = pd.Series(lists[c].to_pylist(), index=df.index, dtype=object)
    df = df[table.column_names]
    del table
    for c in ("key", *_PERSON_PROPS):
        if c not in df.columns:
            df[c] = ""
    return df.reset_index(drop=True), lists


_PERSONNEL_QUERIES = (
    "MATCH (p:Person)-[:SERVES_IN]->(:Unit) RETURN DISTINCT p.key AS k",
    "MATCH (p:Person)-[:RELATIVE_OF]->(:Person) RETURN DISTINCT p.key AS k",
    "MATCH (:Person)-[:RELATIVE_OF]->(p:Person) RETURN DISTINCT p.key AS k",
)
_PAYEE_QUERY = "MATCH (:Unit)-[:PAYMENT]->(p:Person) RETURN DISTINCT p.key AS k"


def _personnel_keys(store: Store, payees: bool = True) -> set[str]:
    """Persons known from personnel records (officials, relatives) and, with ``payees``, paid persons."""
    out: set[str] = set()
    for q in (*_PERSONNEL_QUERIES, *((_PAYEE_QUERY,) if payees else ())):
        out.update(str(k) for k in store.query(q)["k"])
    return out


_ROLE_EDGES = ("SHAREHOLDER_OF", "OFFICER_OF", "LEGAL_REP_OF", "CHANGE")
_OWNER_HOPS = 3  # relative_company_chain follows ownership up to three levels


def _units_of(store: Store) -> pd.DataFrame:
    """(person key ``r``, unit key ``u``): an official's own units, and a relative's officials' units."""
    own = store.query("MATCH (o:Person)-[:SERVES_IN]->(u:Unit) RETURN DISTINCT o.key AS r, u.key AS u")
    kin = store.query("MATCH (r:Person)-[:RELATIVE_OF]-(o:Person)-[:SERVES_IN]->(u:Unit) "
                      "RETURN DISTINCT r.key AS r, u.key AS u")
    return pd.concat([own, kin], ignore_index=True).drop_duplicates()


def _relevant_pairs(store: Store, keys: npt.NDArray[np.object_], person: IndexArray,
                    other: IndexArray) -> npt.NDArray[np.bool_]:
    """For pairs (official or relative, other person) given as positions into ``keys`` (the persons' keys, unique):
    can a saved check use a name-only link between them?

    Yes when the other person holds a post, shares or a change record in a company that a unit of the official
    (the relative's official) paid, or in one of its owners up to three levels up; or when the other person was
    paid (or the payment approved) by such a unit (subsidy checks). The joins run on integer codes of the keys:
    at 10M rows there are millions of such pairs."""
    out = np.zeros(len(person), dtype=bool)
    if not len(person):
        return out
    units = _units_of(store)
    if units.empty:
        return out
    persons = pa.array(keys, pa.string())
    want = np.zeros(len(keys), dtype=bool)
    want[other] = True
    paid_persons = store.query("MATCH (u:Unit)-[x:PAYMENT]->(h:Person) RETURN DISTINCT h.key AS p, u.key AS u, "
                               "x.approver_unit AS a")
    paid = store.query("MATCH (u:Unit)-[:PAID]->(c:Company) RETURN DISTINCT u.key AS u, c.key AS c")
    owns = store.query("MATCH (a:Company)-[:SHAREHOLDER_OF]->(b:Company) RETURN DISTINCT a.key AS a, b.key AS b")
    roles = pd.concat([store.query(f"MATCH (p:Person)-[:{e}]->(c:Company) RETURN DISTINCT p.key AS p, c.key AS c")
                       for e in _ROLE_EDGES], ignore_index=True)
    unit_codes = pa.array(pd.unique(pd.concat([units["u"], paid_persons.get("u", pd.Series(dtype=object)),
                                               paid_persons.get("a", pd.Series(dtype=object)),
                                               paid.get("u", pd.Series(dtype=object))], ignore_index=True)
                                    .dropna().astype(str).to_numpy(dtype=object)), pa.string())
    company_codes = pa.array(pd.unique(pd.concat([paid.get("c", pd.Series(dtype=object)),
                                                  owns.get("a", pd.Series(dtype=object)),
                                                  owns.get("b", pd.Series(dtype=object)),
                                                  roles.get("c", pd.Series(dtype=object))], ignore_index=True)
                                       .dropna().astype(str).to_numpy(dtype=object)), pa.string())

    def code(values: pa.Array, col: pd.Series) -> IndexArray:
        """Positions of ``col``'s keys in ``values`` (unique; -1: none, also for a missing value). Arrow's hash
        lookup over the text: pandas' ``get_indexer`` on object keys took 2.9 s of a 1M match."""
        arr = pa.array(col, from_pandas=True)
        got = pc.index_in(arr if arr.type == pa.string() else arr.cast(pa.string()), value_set=values)
        return np.asarray(got.fill_null(-1), dtype=np.int64)

    reach_of = pd.DataFrame({"r": code(persons, units["r"]), "u": code(unit_codes, units["u"])})
    reach_of = reach_of[(reach_of["r"] >= 0) & (reach_of["u"] >= 0)].drop_duplicates()
    pairs = pd.DataFrame({"r": np.asarray(person, dtype=np.int64), "p": np.asarray(other, dtype=np.int64),
                          "i": np.arange(len(person), dtype=np.int64)})
    if len(paid_persons):
        pp = code(persons, paid_persons["p"])
        ok = pp >= 0
        ok[ok] = want[pp[ok]]
        by = pd.concat([pd.DataFrame({"p": pp[ok], "u": code(unit_codes, paid_persons["u"])[ok]}),
                        pd.DataFrame({"p": pp[ok], "u": code(unit_codes, paid_persons["a"])[ok]})],
                       ignore_index=True)
        by = by[by["u"] >= 0].drop_duplicates()
        for part in _row_chunks(pairs):
            m = part.merge(reach_of, on="r").merge(by, on=["p", "u"])
            out[m["i"].unique()] = True
    if paid.empty or roles.empty:
        return out
    paid_c = pd.DataFrame({"u": code(unit_codes, paid["u"]), "c": code(company_codes, paid["c"])}).drop_duplicates()
    owns_c = pd.DataFrame({"a": code(company_codes, owns["a"]), "b": code(company_codes, owns["b"])}) \
        if len(owns) else pd.DataFrame({"a": np.empty(0, np.int64), "b": np.empty(0, np.int64)})
    reach = paid_c
    frontier = paid_c
    for _ in range(_OWNER_HOPS):  # owners of the paid companies, level by level
        up = frontier.merge(owns_c, left_on="c", right_on="b")[["u", "a"]].rename(columns={"a": "c"})
        up = up.merge(reach, on=["u", "c"], how="left", indicator=True)
        frontier = up[up["_merge"] == "left_only"][["u", "c"]].drop_duplicates()
        if frontier.empty:
            break
        reach = pd.concat([reach, frontier], ignore_index=True)
    rp = code(persons, roles["p"])
    ok = rp >= 0
    ok[ok] = want[rp[ok]]
    roles_c = pd.DataFrame({"p": rp[ok], "c": code(company_codes, roles["c"])[ok]}).drop_duplicates()
    for part in _row_chunks(pairs):
        m = part.merge(roles_c, on="p").merge(reach_of, on="r").merge(reach, on=["u", "c"])
        out[m["i"].unique()] = True
    return out


RELEVANT_CHUNK = 2_000_000
""":func:`_relevant_pairs` joins this many pairs at a time: each pair fans out over the other person's company
roles and the official's units before the join with the paid companies narrows it again, and at 10M rows the
budget judges about 25M pairs (the match's peak memory was in that join)."""


def _row_chunks(df: pd.DataFrame) -> Iterator[pd.DataFrame]:
    """``df`` in consecutive slices of :data:`RELEVANT_CHUNK` rows (at least one slice)."""
    step = max(1, RELEVANT_CHUNK)
    for start in range(0, max(len(df), 1), step):
        yield df.iloc[start:start + step]


def _budget(store: Store, keys: npt.NDArray[np.object_], li: IndexArray, ri: IndexArray,
            tier: npt.NDArray[np.object_], in_core: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
    """Which linked pairs to store under the link budget (see ``MatchConfig.link_budget``); ``in_core``: per
    person (aligned with ``keys``), an official or a relative."""
    possible = np.flatnonzero(tier == "possible")
    keep = np.ones(len(li), dtype=bool)
    a_core, b_core = in_core[li[possible]], in_core[ri[possible]]
    # both ends declared people (relative_across_units and its kin): kept; neither (two payees, or a payee and
    # a registry person): no check starts there
    keep[possible[~a_core & ~b_core]] = False
    one = a_core ^ b_core
    at = possible[one]
    if len(at):
        a_first = a_core[one]
        r = np.where(a_first, li[at], ri[at])
        other = np.where(a_first, ri[at], li[at])
        ok = _relevant_pairs(store, keys, r, other)
        keep[at[~ok]] = False
    return keep


def _link_persons(store: Store, persons: pd.DataFrame, cfg: MatchConfig, engine: LinkEngine | None,
                  summary: MatchSummary, side: npt.NDArray[np.bool_] | None = None,
                  core: npt.NDArray[np.bool_] | None = None, lists: dict[str, pa.Array] | None = None) -> Linked:
    """The linked pairs of ``persons``: from the store's match cache and the pairs of the persons that changed
    since (``summary.mode`` ``incremental``), or blocked and scored in full (``full``; ``summary.full_reason``
    says why when a cache was there: a key of ``match_cache.FULL_REASONS``). ``lists``: the persons' list
    columns as Arrow (:func:`read_persons_lists`), for the cache."""
    from guanlian.matching import match_cache  # it builds on this module

    if engine is not None:
        return engine(persons, None, cfg, declared=declared_rows(side, core), side=side, core=core)
    cached = match_cache.load(store.sidecar, cfg)
    if cached is not None:
        got = match_cache.update(cached, persons, cfg, side, core, lists)
        if isinstance(got, match_cache.Update):
            summary.mode, summary.changed_persons = "incremental", got.changed
            if got.rewrite:
                match_cache.save(store.sidecar, got.cache)
            return got.linked
        summary.full_reason = got
    else:
        summary.full_reason = match_cache.unusable(store.sidecar, cfg)
    (store.sidecar / match_cache.LINKS_FILE).unlink(missing_ok=True)  # it may no longer describe the store
    linked, cache = match_cache.full(persons, cfg, side, core, lists)
    if cache is not None:
        match_cache.save(store.sidecar, cache)
    return linked


def _edge_key(a: str, b: str) -> str:
    return "ps:" + hashlib.sha1(f"{a}\x1f{b}".encode()).hexdigest()[:24]


def match_store(store: Store, config: MatchConfig | None = None, engine: LinkEngine | None = None,
                companies: bool = True) -> MatchSummary:
    """Match every Person in the store against every other and (re)write the POSSIBLY_SAME edges.

    Old POSSIBLY_SAME edges are deleted first, then one edge per linked pair is written from the lower
    node key to the higher one with a deterministic key, so running twice gives the same edges. Persons
    sharing no blocking key are never compared. Distinct nodes with the same valid resident ID (which the
    loaders should have merged) are written as ``certain`` and listed in ``duplicate_id_keys``.

    When the configuration and the matcher are those of the store's last match, its linked pairs are reused and
    only the candidate pairs of persons new or changed since are blocked and scored
    (:mod:`guanlian.matching.match_cache`; ``summary.mode == "incremental"``): the same pairs a full match would
    find, or a full match where that cannot be decided locally (``summary.full_reason``). Which of them are
    stored (personnel, link budget, investigators' judgements) and the company links are decided again from the
    graph as it is now, as in a full match. ``engine`` given: always a full match.

    Args:
        store: an open store with the schema.
        config: thresholds and weights (``load_id`` goes on the edges).
        engine: where the matching runs (default :func:`link_records`, in process).
        companies: also link companies known only by name (:func:`~guanlian.matching.company_store.match_companies`:
            SAME_COMPANY edges, payments routed to the registry company).

    Returns:
        A :class:`MatchSummary` with counts per tier.
    """
    t0 = time.perf_counter()
    cfg = config or MatchConfig()
    step("匹配：读取人员 / matching: reading persons")
    # In key order: the engine lists nodes in no fixed order, and the match cache keeps pairs by row position
    # (the links do not depend on the order).
    persons, lists = read_persons_lists(store, in_key_order=True)
    summary = MatchSummary(persons=len(persons))
    step("匹配：候选与评分 / matching: blocking and scoring")
    store.delete_edges("POSSIBLY_SAME")
    if len(persons) < 2:
        if companies:
            summary.companies = match_companies(store, load_id=cfg.load_id)
        summary.seconds = time.perf_counter() - t0
        return summary
    keys = persons["key"].astype(str).to_numpy(dtype=object)
    side = core = None
    if not cfg.registry_pairs:
        personnel = _personnel_keys(store)  # a set: np.isin on object arrays is quadratic
        side = np.fromiter((k in personnel for k in keys), dtype=bool, count=len(keys))
        if cfg.link_budget:
            declared = _personnel_keys(store, payees=False)
            core = np.fromiter((k in declared for k in keys), dtype=bool, count=len(keys))
    # possible pairs that neither the registry rule nor the budget would store are left out while scoring (all
    # but a few thousand of millions at 1M rows); only their counts come back
    linked = _link_persons(store, persons, cfg, engine, summary, side, core, lists)
    del lists
    summary.candidate_pairs = linked.candidates
    summary.refined_keys = linked.refined_keys
    summary.conflicting_ids = linked.conflicting_ids
    keep = np.ones(len(linked), dtype=bool)
    if side is not None:
        summary.registry_pairs_skipped = linked.dropped + int((~side[linked.li] & ~side[linked.ri]
                                                               & (linked.tier != "certain")).sum())
        keep &= side[linked.li] | side[linked.ri] | (linked.tier == "certain")
    if core is not None:  # the link budget (cfg.link_budget, not cfg.registry_pairs)
        sel = np.flatnonzero(keep)
        step("匹配：链接预算 / matching: link budget")
        budget = _budget(store, keys, linked.li[sel], linked.ri[sel], linked.tier[sel], core)
        summary.budget_skipped = linked.dropped_budget + int((~budget).sum())
        keep[sel[~budget]] = False
    a = keys[linked.li[keep]]
    b = keys[linked.ri[keep]]
    lo = np.where(a < b, a, b)
    hi = np.where(a < b, b, a)
    sel = np.flatnonzero(keep)
    zh = [linked.explanation_zh[i] for i in sel]
    en = [linked.explanation_en[i] for i in sel]
    tiers = linked.tier[keep]
    edges = pd.DataFrame({
        "src": lo, "dst": hi, "src_kind": "Person", "dst_kind": "Person",
        "key": [_edge_key(x, y) for x, y in zip(lo, hi, strict=True)],
        "score": linked.score[keep].astype(float),
        "tier": tiers,
        "tier_rank": [tier_rank(t) for t in tiers],
        "explanation_zh": zh,
        "explanation_en": en,
        "src_file": "matcher",
        "src_row": 0,
        "load_id": cfg.load_id,
    })
    cert = tiers == "certain"
    summary.duplicate_id_keys = list(zip(lo[cert].tolist(), hi[cert].tolist(), strict=True))
    edges = apply_link_judgements(store, "POSSIBLY_SAME", edges)  # investigators' confirm/reject win
    tiers = edges["tier"].to_numpy(dtype=object) if len(edges) else np.array([], dtype=object)
    if len(edges):
        step("匹配：写入链接 / matching: writing links")
        summary.edges_written = store.upsert_edges("POSSIBLY_SAME", edges)
    for t in TIERS:
        setattr(summary, t, int((tiers == t).sum()))
    if companies:
        step("匹配：企业 / matching: companies")
        summary.companies = match_companies(store, load_id=cfg.load_id)
    summary.seconds = time.perf_counter() - t0
    return summary


def find_candidates(store: Store, name: str, birth_date: str | None = None, id_number: str | None = None,
                    limit: int = 20, config: MatchConfig | None = None) -> pd.DataFrame:
    """Persons in the store who may be the person described (``guanlian find``).

    Variants of a name find each other: traditional/simplified (劉桂蘭 / 刘桂兰), homophones (王晓明 /
    王小明), with or without a middle dot (阿依古丽买买提 / 阿依古丽·买买提), swapped given-name characters.

    Args:
        store: an open store.
        name: the name as typed.
        birth_date: optional ``YYYY-MM-DD`` (or ``YYYY-MM``, ``YYYY``).
        id_number: optional resident ID (full or masked).
        limit: at most this many rows.
        config: thresholds and weights.

    Returns:
        Columns ``key``, ``name``, ``birth_date``, ``id_number`` (masked), ``score``, ``tier``,
        ``explanation_zh``, ``explanation_en``, ``aliases`` (every name form of a person merged from records that
        spelled it differently, with its sources; ``""`` for one form); strongest first. Pairs with different
        valid IDs are left out. A person is found under any of their name forms.
    """
    cfg = config or MatchConfig()
    persons = _read_persons(store)
    cols = ["key", "name", "birth_date", "id_number", "score", "tier", "explanation_zh", "explanation_en", "aliases"]
    if persons.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    # object dtype: a CLI argument may carry lone surrogates, which pandas' Arrow-backed str dtype rejects
    query = pd.DataFrame({"name": [name], "birth_date": [birth_date or ""], "id_number": [id_number or ""]},
                         dtype=object)
    scored, _, _, _ = match_records(query, persons, cfg, linkable_only=True)
    rid = next(c for c in scored.comparisons if c.name == "ResidentId")
    ok = (scored.levels["ResidentId"] != rid.level("conflict")) & (
        (scored.tier != "") | (scored.score >= cfg.find_threshold))
    nc = scored.comparisons[0]
    npy = scored.comparisons[1]
    name_ok = _name_ok(scored.levels, nc, npy)
    ok &= name_ok | (scored.tier == "certain")
    if not ok.any():
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    zh, en = scored.explanations(ok)
    rows = persons.iloc[scored.ri[ok]]
    out = pd.DataFrame({
        "key": rows["key"].to_numpy(),
        "name": rows["name"].to_numpy(),
        "birth_date": rows["birth_date"].to_numpy(),
        "id_number": [mask_resident_id(x) if isinstance(x, str) else "" for x in rows["id_number"]],
        "score": scored.score[ok],
        "tier": scored.tier[ok],
        "explanation_zh": zh,
        "explanation_en": en,
    })
    out["_r"] = [tier_rank(t) if t else -1 for t in out["tier"]]
    out = out.sort_values(["_r", "score"], ascending=False, kind="stable").drop(columns="_r")
    out = out.head(limit).reset_index(drop=True)
    forms = store.query(f"UNWIND $keys AS k MATCH (p:Person {{key: k}}) RETURN p.key AS key, p.{NAME_SOURCES} AS ns",
                        {"keys": out["key"].tolist()}) if len(out) else pd.DataFrame({"key": [], "ns": []})
    by_key = dict(zip(forms["key"].tolist(), forms["ns"].tolist(), strict=True))
    out["aliases"] = [aliases_text(by_key.get(k)) for k in out["key"]]
    return out

