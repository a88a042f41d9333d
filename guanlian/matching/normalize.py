"""Text normalisation for names, companies, units, addresses, phones and e-mails.

Every function here is pure, total (``None`` and blanks give ``""``) and idempotent
(``f(f(x)) == f(x)``). They are the keys the loaders store (``name_norm``, ``cname:…``, ``tel:…``) and the
inputs of the matcher, so changing one changes node keys: do it deliberately, with a test.

Person names have two forms:

* :func:`normalize_person_name` (stored as ``name_norm``) keeps exactly one canonical middle dot ``·``
  between the parts of an ethnic-minority name: ``阿依古丽.买买提`` → ``阿依古丽·买买提``.
* :func:`person_name_key` drops the dots entirely, so ``阿依古丽买买提`` (written without a dot) agrees too.
  The matcher blocks and compares on the key; people read the norm.

Example:
    >>> normalize_person_name(" 劉 桂蘭 ")
    '刘桂兰'
    >>> normalize_person_name("阿依古丽•买买提")
    '阿依古丽·买买提'
    >>> person_name_key("阿依古丽·买买提")
    '阿依古丽买买提'
    >>> company_trade_name("江西省吉安市华信科技有限公司")
    '华信'
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import cache, lru_cache
from typing import Any

import opencc

__all__ = [
    "company_trade_name",
    "name_aliases",
    "has_cjk",
    "normalize_address",
    "normalize_company_name",
    "normalize_company_names",
    "normalize_email",
    "normalize_person_name",
    "normalize_person_names",
    "normalize_phone",
    "normalize_unit_name",
    "person_name_key",
    "to_simplified",
    "to_simplified_many",
]

# Characters people use for the middle dot of transliterated names (after NFKC). U+30FB is what the
# full-width/half-width katakana dots become; U+2027 and U+2022 come from Word and web forms.
_DOTS = "·•.・‧∙⋅・"
_DOT_RE = re.compile(f"[{re.escape(_DOTS)}]+")
_NON_WORD_KEEP_DOT = re.compile(r"[^\w·]|_")
_NON_WORD = re.compile(r"[^\w]|_")
_CJK_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
_WS_RE = re.compile(r"\s+")


@cache
def _t2s() -> Any:
    return opencc.OpenCC("t2s")


def to_simplified(s: str) -> str:
    """Traditional → simplified Chinese with OpenCC ``t2s`` (converter created once).

    Args:
        s: any text.

    Returns:
        The text with traditional characters replaced by simplified ones.

    Example:
        >>> to_simplified("劉桂蘭")
        '刘桂兰'
    """
    if not s:
        return ""
    return str(_t2s().convert(s))


def to_simplified_many(texts: Sequence[str]) -> list[str]:
    """:func:`to_simplified` of each of ``texts``, in one OpenCC call for all of them.

    The texts are joined by line breaks, converted at once and split again: no entry of OpenCC's dictionaries
    holds a line break, so no phrase is matched across two texts. Texts holding a line break themselves (or a
    conversion that comes back with another number of lines) are converted one by one.

    Example:
        >>> to_simplified_many(["劉桂蘭", "", "頭髮", "abc"])
        ['刘桂兰', '', '头发', 'abc']
    """
    if not texts:
        return []
    if any("\n" in t for t in texts):
        return [to_simplified(t) for t in texts]
    parts = str(_t2s().convert("\n".join(texts))).split("\n")
    if len(parts) != len(texts):
        return [to_simplified(t) for t in texts]
    return parts


def has_cjk(s: str) -> bool:
    """True if ``s`` contains a CJK ideograph.

    Example:
        >>> has_cjk("Tom 张"), has_cjk("Tom Zhang")
        (True, False)
    """
    return bool(_CJK_RE.search(s))


def _nfkc(s: str | None) -> str:
    if s is None:
        return ""
    if not isinstance(s, str):  # pandas may hand us floats (NaN) or numbers
        if s != s:  # NaN
            return ""
        s = str(s)
    # lone surrogates (undecodable bytes smuggled through) cannot reach OpenCC's UTF-8 API: drop them
    s = _SURROGATES.sub("", s)
    return unicodedata.normalize("NFKC", s).strip()


_SURROGATES = re.compile("[\ud800-\udfff]")


@lru_cache(maxsize=200_000)
def normalize_person_name(s: str | None) -> str:
    """Normalise a person's name (the ``name_norm`` property).

    Chinese names: NFKC (full width → half width), traditional → simplified, every whitespace and
    punctuation removed except the middle dot, whose variants (``·`` ``•`` ``.`` ``．`` ``・`` ``‧``) become one
    ``·`` (repeated dots collapse, leading/trailing dots drop). Latin-script names (no CJK character):
    case-folded, split on spaces and punctuation, tokens sorted and joined by one space, so
    ``"SMITH, John"`` and ``"john smith"`` agree.

    Args:
        s: the name as written, or None.

    Returns:
        The normalised name; ``""`` for None or blank.

    Example:
        >>> normalize_person_name("阿依古丽.买买提")
        '阿依古丽·买买提'
        >>> normalize_person_name("ＳＭＩＴＨ,  John")
        'john smith'
    """
    return _person_name_after_nfkc(_nfkc(s), convert=True)


def _person_name_after_nfkc(t: str, convert: bool) -> str:
    """The rest of :func:`normalize_person_name` on NFKC text (``convert=False``: already simplified)."""
    if not t:
        return ""
    if has_cjk(t):
        return _cjk_person_name(to_simplified(t) if convert else t)
    tokens = _NON_WORD.sub(" ", t.casefold()).split()
    return " ".join(sorted(tokens))


def _cjk_person_name(t: str) -> str:
    """The rest of :func:`normalize_person_name` on a simplified NFKC text holding a CJK ideograph."""
    t = _DOT_RE.sub("·", t)
    t = _NON_WORD_KEEP_DOT.sub("", t).casefold()
    return re.sub("·+", "·", t).strip("·")


def normalize_person_names(values: Sequence[object]) -> list[str]:
    """:func:`normalize_person_name` of each of ``values`` (distinct values: no cache), with one OpenCC call for
    all the names holding a CJK ideograph (:func:`to_simplified_many`) instead of one call per name.

    Example:
        >>> normalize_person_names([" 劉 桂蘭 ", None, "ＳＭＩＴＨ,  John", "阿依古丽.买买提"])
        ['刘桂兰', '', 'john smith', '阿依古丽·买买提']
    """
    texts = [_nfkc(v) for v in values]  # type: ignore[arg-type]  # _nfkc takes anything pandas hands over
    cjk = [i for i, t in enumerate(texts) if t and has_cjk(t)]
    out = [_person_name_after_nfkc(t, convert=False) if t and not has_cjk(t) else "" for t in texts]
    for i, t in zip(cjk, to_simplified_many([texts[i] for i in cjk]), strict=True):
        out[i] = _cjk_person_name(t)
    return out


_NOTE_RE = re.compile(r"[(（\[【]\s*(?:曾用名|原名|又名|别名|曾名|曾用姓名|原用名)\s*[:：]?\s*([^)）\]】]*)[)）\]】]")
_NOTE_SPLIT = re.compile(r"[、,，;；/\s]+")


def name_aliases(s: str | None) -> tuple[str, tuple[str, ...]]:
    """Split a name carrying a former-name note into the name and its aliases.

    Args:
        s: a name as written, e.g. ``刘桂兰（曾用名：刘桂香）``.

    Returns:
        ``(name without the note, aliases)``; a name without a note comes back unchanged with no aliases.

    Example:
        >>> name_aliases("刘桂兰（曾用名：刘桂香、刘香）")
        ('刘桂兰', ('刘桂香', '刘香'))
        >>> name_aliases("王芳")
        ('王芳', ())
    """
    if not s or not isinstance(s, str) or ("名" not in s):
        return (s or "", ())
    aliases: list[str] = []
    for m in _NOTE_RE.finditer(s):
        aliases.extend(a for a in _NOTE_SPLIT.split(m.group(1)) if a)
    if not aliases:
        return (s, ())
    return (_NOTE_RE.sub("", s).strip(), tuple(aliases))


def person_name_key(s: str | None) -> str:
    """The comparison key of a person's name: :func:`normalize_person_name` without middle dots.

    Latin names keep their single spaces between sorted tokens.

    Example:
        >>> person_name_key("阿依古丽·买买提") == person_name_key("阿依古丽买买提")
        True
    """
    return normalize_person_name(s).replace("·", "")


_BRACKETS = str.maketrans({"【": "(", "】": ")", "[": "(", "]": ")", "〔": "(", "〕": ")", "{": "(", "}": ")",
                           "《": "", "》": "", "\u201c": "", "\u201d": "", '"': "", "'": "", "\u2018": "",
                           "\u2019": ""})


@lru_cache(maxsize=200_000)
def normalize_company_name(s: str | None) -> str:
    """Normalise a company's full legal name (the ``cname:`` identity key when no credit code is known).

    NFKC (full-width brackets and letters → ASCII), traditional → simplified, all bracket kinds → ``()``,
    quotes and whitespace removed, Latin letters upper-cased. Region and organisational form are **kept**:
    ``吉安华信有限公司`` and ``南昌华信有限公司`` are different legal persons.

    Args:
        s: the name as written, or None.

    Returns:
        The normalised legal name; ``""`` for None or blank.

    Example:
        >>> normalize_company_name("华信科技（吉安）有限公司 ")
        '华信科技(吉安)有限公司'
    """
    t = _nfkc(s)
    if not t:
        return ""
    t = to_simplified(t).translate(_BRACKETS)
    t = _WS_RE.sub("", t).upper()
    # removing a space can leave a combining mark next to a letter (NFKC "¨" → " ̈"): compose again
    return unicodedata.normalize("NFKC", t.replace("()", ""))


def normalize_company_names(values: Sequence[object]) -> list[str]:
    """:func:`normalize_company_name` of each of ``values`` (distinct values: no cache), with one OpenCC call for
    all of them (:func:`to_simplified_many`) instead of one call per name.

    Example:
        >>> normalize_company_names(["华信科技（吉安）有限公司 ", None, "華信 Ltd"])
        ['华信科技(吉安)有限公司', '', '华信LTD']
    """
    texts = [_nfkc(v) for v in values]  # type: ignore[arg-type]  # _nfkc takes anything pandas hands over
    given = [i for i, t in enumerate(texts) if t]
    out = [""] * len(texts)
    for i, t in zip(given, to_simplified_many([texts[i] for i in given]), strict=True):
        t = _WS_RE.sub("", t.translate(_BRACKETS)).upper()
        out[i] = unicodedata.normalize("NFKC", t.replace("()", ""))
    return out


def normalize_unit_name(s: str | None) -> str:
    """Normalise the name of a public body (``unit:`` key): same rules as :func:`normalize_company_name`.

    Example:
        >>> normalize_unit_name("吉安市 交通运输局")
        '吉安市交通运输局'
    """
    return normalize_company_name(s)


# --- company trade name (字号) -------------------------------------------------------------------------

_PROVINCES = (
    "北京 天津 上海 重庆 河北 山西 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南 湖北 湖南 广东 海南 四川 "
    "贵州 云南 陕西 甘肃 青海 台湾 内蒙古 广西 西藏 宁夏 新疆 香港 澳门"
).split()
_PROVINCE_FULL = (
    "内蒙古自治区 广西壮族自治区 西藏自治区 宁夏回族自治区 新疆维吾尔自治区 香港特别行政区 澳门特别行政区"
).split()
# Prefecture-level cities (地级市) and a few autonomous prefectures, without the 市/州 suffix.
_CITIES = (
    "石家庄 唐山 秦皇岛 邯郸 邢台 保定 张家口 承德 沧州 廊坊 衡水 太原 大同 阳泉 长治 晋城 朔州 晋中 运城 忻州 临汾 "
    "吕梁 呼和浩特 包头 乌海 赤峰 通辽 鄂尔多斯 呼伦贝尔 巴彦淖尔 乌兰察布 沈阳 大连 鞍山 抚顺 本溪 丹东 锦州 营口 "
    "阜新 辽阳 盘锦 铁岭 朝阳 葫芦岛 长春 四平 辽源 通化 白山 松原 白城 延边 哈尔滨 齐齐哈尔 鸡西 鹤岗 双鸭山 大庆 "
    "伊春 佳木斯 七台河 牡丹江 黑河 绥化 南京 无锡 徐州 常州 苏州 南通 连云港 淮安 盐城 扬州 镇江 泰州 宿迁 杭州 "
    "宁波 温州 嘉兴 湖州 绍兴 金华 衢州 舟山 台州 丽水 合肥 芜湖 蚌埠 淮南 马鞍山 淮北 铜陵 安庆 黄山 滁州 阜阳 "
    "宿州 六安 亳州 池州 宣城 福州 厦门 莆田 三明 泉州 漳州 南平 龙岩 宁德 南昌 景德镇 萍乡 九江 新余 鹰潭 赣州 "
    "吉安 宜春 抚州 上饶 济南 青岛 淄博 枣庄 东营 烟台 潍坊 济宁 泰安 威海 日照 临沂 德州 聊城 滨州 菏泽 郑州 开封 "
    "洛阳 平顶山 安阳 鹤壁 新乡 焦作 濮阳 许昌 漯河 三门峡 南阳 商丘 信阳 周口 驻马店 武汉 黄石 十堰 宜昌 襄阳 "
    "鄂州 荆门 孝感 荆州 黄冈 咸宁 随州 恩施 长沙 株洲 湘潭 衡阳 邵阳 岳阳 常德 张家界 益阳 郴州 永州 怀化 娄底 "
    "湘西 广州 韶关 深圳 珠海 汕头 佛山 江门 湛江 茂名 肇庆 惠州 梅州 汕尾 河源 阳江 清远 东莞 中山 潮州 揭阳 "
    "云浮 南宁 柳州 桂林 梧州 北海 防城港 钦州 贵港 玉林 百色 贺州 河池 来宾 崇左 海口 三亚 三沙 儋州 成都 自贡 "
    "攀枝花 泸州 德阳 绵阳 广元 遂宁 内江 乐山 南充 眉山 宜宾 广安 达州 雅安 巴中 资阳 阿坝 甘孜 凉山 贵阳 六盘水 "
    "遵义 安顺 毕节 铜仁 黔西南 黔东南 黔南 昆明 曲靖 玉溪 保山 昭通 丽江 普洱 临沧 楚雄 红河 文山 西双版纳 大理 "
    "德宏 怒江 迪庆 拉萨 日喀则 昌都 林芝 山南 那曲 阿里 西安 铜川 宝鸡 咸阳 渭南 延安 汉中 榆林 安康 商洛 兰州 "
    "嘉峪关 金昌 白银 天水 武威 张掖 平凉 酒泉 庆阳 定西 陇南 临夏 甘南 西宁 海东 海北 黄南 海南 果洛 玉树 海西 "
    "银川 石嘴山 吴忠 固原 中卫 乌鲁木齐 克拉玛依 吐鲁番 哈密 昌吉 博尔塔拉 巴音郭楞 阿克苏 克孜勒苏 喀什 和田 伊犁 "
    "塔城 阿勒泰 井冈山 瑞金 义乌 昆山 江阴 张家港 常熟 晋江 石狮 浦东"
).split()
_REGION_SUFFIX = ("特别行政区", "维吾尔自治区", "回族自治区", "壮族自治区", "自治区", "自治州", "地区", "省", "市", "州", "盟")
_REGION_RE = re.compile(
    "^(?:"
    + "|".join(sorted((re.escape(x) for x in _PROVINCE_FULL), key=len, reverse=True))
    + "|(?:" + "|".join(sorted(map(re.escape, _PROVINCES + _CITIES), key=len, reverse=True)) + ")"
    + "(?:" + "|".join(map(re.escape, _REGION_SUFFIX)) + ")?"
    + ")"
)
# A county-level unit directly after a recognised province/city: 吉安市|吉州区|…
_COUNTY_RE = re.compile(r"^[\u4e00-\u9fff]{1,4}?(?:自治县|新区|开发区|县|区|市|旗)")
_BRACKETED_RE = re.compile(r"\([^()]*\)")
_BRANCH_RE = re.compile(r"^(.{2,}?(?:公司|集团))..*?(?:分公司|分店|营业部|分行|支行|办事处|分厂)$")
_ORG_FORMS = sorted(
    (
        "股份有限公司 有限责任公司 有限公司 分公司 子公司 总公司 公司 集团 控股 股份 有限合伙 普通合伙 合伙企业 "
        "个人独资企业 个体工商户 经营部 门市部 营业部 服务部 经销部 工作室 事务所 合作社 分店 门店 店 厂 中心 "
        "企业 商行 商店 商社 有限"
    ).split(),
    key=len,
    reverse=True,
)
_INDUSTRY = sorted(
    (
        "科技 技术 信息 网络 软件 电子 通信 智能 数码 贸易 商贸 进出口 国际贸易 国际 实业 投资 发展 咨询 服务 管理 "
        "文化 传媒 广告 物流 运输 设备 材料 建材 建筑 工程 建设 房地产 开发 置业 地产 劳务 环保 环境 医药 医疗 "
        "器械 食品 农业 生物 装饰 装修 设计 印刷 餐饮 酒店 物业 能源 电力 电气 机械 机电 汽车 教育 培训 旅游 "
        "金融 资产 供应链 园林 绿化 市政 水利 交通 电器 五金 家具 服饰 纺织 化工 矿业 新能源 商务 企业管理 "
        "人力资源 安装 制造 生产 销售 经营 农林 养殖 种植 茶业 药业 钢铁 水务 燃气 保安 清洁 家政 "
    ).split(),
    key=len,
    reverse=True,
)


def _strip_suffixes(t: str, words: list[str]) -> str:
    changed = True
    while changed:
        changed = False
        for w in words:
            if t.endswith(w) and len(t) - len(w) >= 2:
                t = t[: -len(w)]
                changed = True
                break
    return t


def _strip_region_prefix(t: str) -> str:
    stripped_any = False
    while True:
        m = _REGION_RE.match(t)
        if not m or len(t) - m.end() < 2:
            break
        t = t[m.end():]
        stripped_any = True
    if stripped_any:
        m2 = _COUNTY_RE.match(t)
        if m2 and len(t) - m2.end() >= 2:
            t = t[m2.end():]
    return t


@lru_cache(maxsize=200_000)
def company_trade_name(s: str | None) -> str:
    """The trade name (字号) of a company: a blocking key for companies written in different ways.

    Starting from :func:`normalize_company_name`: bracketed parts (usually a region, ``(吉安)``) are removed,
    then trailing organisational forms (有限公司, 股份有限公司, 分公司, 集团, 合伙企业, …) and common industry
    words (科技, 贸易, 建筑工程, …), then leading province/city names (with or without 省/市/自治区, from a
    compact built-in table) and one county-level unit right after them. Never strips below two characters, so
    ``大同贸易有限公司`` keeps ``大同``.

    Not an identity: two companies with one trade name may be unrelated; use it to find candidates.

    Args:
        s: the company name as written, or None.

    Returns:
        The trade name; ``""`` for None or blank.

    Example:
        >>> company_trade_name("吉安市吉州区华信建筑工程有限公司")
        '华信'
        >>> company_trade_name("华信建筑工程（吉安）有限责任公司")
        '华信'
    """
    t = normalize_company_name(s)
    if not t:
        return ""
    t = _BRACKETED_RE.sub("", t).replace("(", "").replace(")", "")
    m = _BRANCH_RE.match(t)
    if m:  # 某某有限公司吉安分公司: the branch carries its parent's trade name
        t = m.group(1)
    t = _strip_suffixes(t, _ORG_FORMS)
    t = _strip_suffixes(t, _INDUSTRY + _ORG_FORMS)
    return _strip_region_prefix(t)


# --- addresses, phones, e-mails ------------------------------------------------------------------------

_ADDR_PUNCT = re.compile(r"[^\w#\-]|_")
_ADDR_NUM_SEP = re.compile(r"[#\-]")


@lru_cache(maxsize=200_000)
def normalize_address(s: str | None) -> str:
    """Normalise a postal address (``addr:`` key).

    NFKC, traditional → simplified (號 → 号), whitespace and punctuation removed, Latin letters upper-cased,
    a leading ``中国`` dropped, ``#`` (as in ``3#楼``) written as 号.

    Args:
        s: the address as written, or None.

    Returns:
        The normalised address; ``""`` for None or blank.

    Example:
        >>> normalize_address("江西省吉安市 吉州區 人民路１２號")
        '江西省吉安市吉州区人民路12号'
    """
    t = _nfkc(s)
    if not t:
        return ""
    t = to_simplified(t)
    t = _ADDR_PUNCT.sub("", t).upper()
    t = t.replace("#", "号")
    t = t.strip("-")
    if t.startswith("中国") and len(t) > 2:
        t = t[2:]
    return t


_DIGITS_RE = re.compile(r"\D+")
_EXT_RE = re.compile(r"(转|分机|ext\.?|x)\s*\d+\s*$", re.IGNORECASE)


def normalize_phone(s: str | None) -> str:
    """Digits-only phone number (``tel:`` key).

    Drops an extension (``转123``, ``ext 12``), every non-digit, and a country prefix ``+86`` / ``0086`` /
    ``86`` in front of an 11-digit mobile number. A landline keeps its area code (``0796-8221234`` →
    ``07968221234``); a landline written with the country code (``+86 796 8221234``) regains its leading 0.

    Args:
        s: the phone number as written, or None.

    Returns:
        Digits, or ``""`` when fewer than 7 digits remain.

    Example:
        >>> normalize_phone("+86 138-0013-8000")
        '13800138000'
        >>> normalize_phone("0796-8221234")
        '07968221234'
        >>> normalize_phone("12345")
        ''
    """
    t = _nfkc(s)
    if not t:
        return ""
    t = _EXT_RE.sub("", t)
    intl = t.lstrip().startswith("+")
    d = _DIGITS_RE.sub("", t)
    if d.startswith("0086"):
        d, intl = d[4:], True
    elif d.startswith("86") and (intl or len(d) >= 12):
        d, intl = d[2:], True
    if intl and d and d[0] not in "01" and 9 <= len(d) <= 11:
        d = "0" + d  # landline given as +86 area-code-without-zero
    if len(d) < 7:
        return ""
    return d


_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalize_email(s: str | None) -> str:
    """Lower-cased e-mail address (``mail:`` key), or ``""`` if it is not one.

    NFKC first (full-width ``＠`` becomes ``@``), whitespace removed, ``mailto:`` dropped.

    Example:
        >>> normalize_email(" Zhang.San＠Example.COM ")
        'zhang.san@example.com'
        >>> normalize_email("zhangsan at example.com")
        ''
    """
    t = _WS_RE.sub("", _nfkc(s)).lower()
    if t.startswith("mailto:"):
        t = t[7:]
    return t if _EMAIL_RE.match(t) else ""
