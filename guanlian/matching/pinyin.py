"""Pinyin keys for Chinese personal names, surname-aware.

pypinyin reads a name like ordinary text, so surnames with a special reading come out wrong (曾国藩 →
``ceng``, 单雄信 → ``dan``). Names are split into (surname, given name) first — compound surnames such as
欧阳 or 尉迟 stay together — and surnames are read from :data:`SURNAME_PINYIN`; given-name characters use
pypinyin's most common reading, cached per character. The reading only has to be *consistent*: the matcher
compares two names' keys, and a homophone typo (王晓明 / 王小明) gives the same toneless key.

Example:
    >>> split_name("欧阳娜娜")
    ('欧阳', '娜娜')
    >>> name_syllables("曾国藩", tone=True)
    ['zeng1', 'guo2', 'fan1']
    >>> pinyin_key("王晓明") == pinyin_key("王小明")
    True
"""

from __future__ import annotations

import re
from functools import lru_cache

from pypinyin import Style, pinyin

from guanlian.matching.normalize import has_cjk, person_name_key

__all__ = [
    "COMPOUND_SURNAMES",
    "SURNAME_PINYIN",
    "fuzzy_pinyin_key",
    "initials_key",
    "name_syllables",
    "pinyin_key",
    "split_name",
]

COMPOUND_SURNAMES: frozenset[str] = frozenset(
    (
        "欧阳 司马 诸葛 上官 东方 皇甫 尉迟 公孙 慕容 令狐 夏侯 长孙 宇文 司徒 端木 司空 西门 南宫 独孤 轩辕 呼延 "
        "澹台 公冶 宗政 濮阳 淳于 单于 太叔 申屠 钟离 闻人 万俟 赫连 百里 东郭 拓跋 完颜 公羊 乐正 第五 谷梁 "
        "左丘 梁丘 羊舌 微生 公西 漆雕 壤驷 巫马 段干 司寇 亓官 鲜于 闾丘 仉督 子车 颛孙 东门 仲孙 叔孙 夹谷"
    ).split()
)
"""Two-character surnames (复姓), simplified script."""

SURNAME_PINYIN: dict[str, tuple[str, ...]] = {
    "单": ("shan4",), "曾": ("zeng1",), "解": ("xie4",), "区": ("ou1",), "仇": ("qiu2",), "朴": ("piao2",),
    "查": ("zha1",), "盖": ("ge3",), "尉": ("wei4",), "乐": ("yue4",), "缪": ("miao4",), "覃": ("qin2",),
    "翟": ("zhai2",), "秘": ("bi4",), "召": ("shao4",), "种": ("chong2",), "繁": ("po2",), "沈": ("shen3",),
    "柏": ("bai3",), "宿": ("su4",), "折": ("she2",), "员": ("yun4",), "任": ("ren2",), "华": ("hua4",),
    "纪": ("ji3",), "葛": ("ge3",), "冼": ("xian3",), "洗": ("xian3",), "过": ("guo1",), "句": ("gou1",),
    "长": ("chang2",), "重": ("chong2",), "藏": ("zang4",), "相": ("xiang4",), "于": ("yu2",), "燕": ("yan1",),
    "牟": ("mou2",), "强": ("qiang2",), "隗": ("wei3",), "郇": ("xun2",), "阚": ("kan4",), "眭": ("sui1",),
    "尉迟": ("yu4", "chi2"), "万俟": ("mo4", "qi2"), "长孙": ("zhang3", "sun1"), "令狐": ("ling2", "hu2"),
    "澹台": ("tan2", "tai2"), "单于": ("chan2", "yu2"), "乐正": ("yue4", "zheng4"), "亓官": ("qi2", "guan1"),
    "仉督": ("zhang3", "du1"),
}
"""Readings of surnames whose everyday reading differs (tone numbers after the syllable)."""


def split_name(name: str) -> tuple[str, str]:
    """Split a normalised Chinese name into (surname, given name).

    Compound surnames (:data:`COMPOUND_SURNAMES`) are kept together when at least one given-name character
    follows. Ethnic-minority names written with a middle dot, and Latin-script names, have no surname in
    this sense: they return ``("", name)``.

    Args:
        name: a name, ideally already :func:`~guanlian.matching.normalize.normalize_person_name`-d.

    Returns:
        ``(surname, given)``.

    Example:
        >>> split_name("司马光"), split_name("马光"), split_name("阿依古丽·买买提")
        (('司马', '光'), ('马', '光'), ('', '阿依古丽·买买提'))
    """
    if not name or "·" in name or not has_cjk(name[0]) or len(name) < 2:
        return ("", name)
    if len(name) >= 3 and name[:2] in COMPOUND_SURNAMES:
        return (name[:2], name[2:])
    return (name[:1], name[1:])


_TONE_RE = re.compile(r"\d")


@lru_cache(maxsize=65_536)
def _char_tone3(ch: str) -> str:
    if not has_cjk(ch):
        return ch.lower()
    return str(pinyin(ch, style=Style.TONE3, heteronym=False, neutral_tone_with_five=True)[0][0])


def _syllables(name: str) -> list[str]:
    return syllables_of_key(person_name_key(name) if name else "")


def syllables_of_key(key: str) -> list[str]:
    """Tone-numbered syllables of an already normalised, dot-free name key (no normalisation here)."""
    if not key:
        return []
    if not has_cjk(key):
        return key.split()
    surname, given = split_name(key)
    out: list[str] = []
    if surname:
        if surname in SURNAME_PINYIN:
            out.extend(SURNAME_PINYIN[surname])
        else:
            out.extend(_char_tone3(c) for c in surname)
    out.extend(_char_tone3(c) for c in given)
    return out


@lru_cache(maxsize=200_000)
def _syllables_cached(name: str) -> tuple[str, ...]:
    return tuple(_syllables(name))


def name_syllables(name: str | None, tone: bool = False) -> list[str]:
    """Pinyin syllables of a person's name, surname-aware.

    Args:
        name: the name as written (normalised internally), or None.
        tone: keep tone numbers (``zeng1``) instead of plain syllables (``zeng``).

    Returns:
        One syllable per character (Latin names: their lower-cased tokens); ``[]`` for blank.

    Example:
        >>> name_syllables("单雄信")
        ['shan', 'xiong', 'xin']
        >>> name_syllables("尉迟恭", tone=True)
        ['yu4', 'chi2', 'gong1']
    """
    syl = _syllables_cached(name or "")
    if tone:
        return list(syl)
    return [_TONE_RE.sub("", s) for s in syl]


def pinyin_key(name: str | None, tone: bool = False) -> str:
    """Full-name pinyin without separators (``wangxiaoming``), the main blocking key for names.

    Example:
        >>> pinyin_key("劉桂蘭"), pinyin_key("刘桂兰", tone=True)
        ('liuguilan', 'liu2gui4lan2')
    """
    return "".join(name_syllables(name, tone=tone))


_FUZZY_INITIAL = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("n", "l"), ("r", "l"), ("f", "h"))
_FUZZY_FINAL = (("ang", "an"), ("eng", "en"), ("ing", "in"), ("iang", "ian"), ("uang", "uan"))


@lru_cache(maxsize=8192)
def _fuzzy_syllable(s: str) -> str:
    for a, b in _FUZZY_INITIAL:
        if s.startswith(a):
            s = b + s[len(a):]
            break
    for a, b in _FUZZY_FINAL:
        if s.endswith(a):
            s = s[: -len(a)] + b
            break
    return s


def fuzzy_pinyin_key(name: str | None) -> str:
    """Pinyin key with the usual input-method confusions merged (模糊音): zh/z, ch/c, sh/s, n/l, r/l, f/h,
    -ang/-an, -eng/-en, -ing/-in.

    Example:
        >>> fuzzy_pinyin_key("张晓明") == fuzzy_pinyin_key("章小民")
        True
        >>> fuzzy_pinyin_key("张晓明") == fuzzy_pinyin_key("王晓明")
        False
    """
    return "".join(_fuzzy_syllable(s) for s in name_syllables(name))


def initials_key(name: str | None) -> str:
    """Surname pinyin plus the sorted initials of the given-name syllables: ``wang|mx`` for 王晓明 and 王明晓.

    Catches swapped given-name characters and one-character typos that keep the initial. Names without a
    surname (minority, Latin) use the sorted initials of all syllables.

    Example:
        >>> initials_key("王晓明"), initials_key("王明晓"), initials_key("欧阳娜娜")
        ('wang|mx', 'wang|mx', 'ouyang|nn')
    """
    key = person_name_key(name)
    if not key:
        return ""
    syl = name_syllables(key)
    surname, _ = split_name(key)
    n_sur = len(surname) if surname and has_cjk(key) else 0
    head = "".join(syl[:n_sur])
    tail = "".join(sorted(s[:1] for s in syl[n_sur:]))
    return f"{head}|{tail}"
