"""Seeded synthetic persons and labelled record pairs for testing and benchmarking the matcher.

Names follow a realistic shape: surnames drawn with their real-world weights (so 王, 李, 张 namesakes are
common), one- or two-character given names from a Zipf-weighted pool, some compound surnames (欧阳…) and
some Uyghur-style names with a middle dot. Resident IDs are valid 18-character numbers whose birth date and
sex agree with the record.

:func:`make_labelled` derives a "family members" table from a "registry" table with a known variant type per
row — positives (traditional script, homophone typo, dropped or different middle dot, full-width spaces,
swapped given name, compound surname, 15-digit ID, masked ID, phone only) and hard negatives (namesakes
with different IDs, namesakes with the same birth date and different IDs, namesakes without IDs).

Example:
    >>> right, left = make_labelled(2_000, 500, seed=1)
    >>> sorted(set(left["variant"]))[:3]
    ['compound', 'dot_dropped', 'dot_variant']
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import numpy.typing as npt
import opencc
import pandas as pd
from stdnum.cn import ric

from guanlian.matching.pinyin import name_syllables

__all__ = ["POSITIVE_VARIANTS", "NEGATIVE_VARIANTS", "make_labelled", "make_people"]

_SURNAMES = (
    "王 7.1 李 7.0 张 6.7 刘 5.4 陈 4.5 杨 3.1 黄 2.2 赵 2.2 吴 2.0 周 1.9 徐 1.6 孙 1.5 马 1.4 朱 1.3 胡 1.3 "
    "郭 1.1 何 1.1 高 1.0 林 1.0 罗 0.9 郑 0.9 梁 0.8 谢 0.7 宋 0.6 唐 0.6 许 0.6 韩 0.5 冯 0.5 邓 0.5 曹 0.5 "
    "彭 0.5 曾 0.5 肖 0.5 田 0.4 董 0.4 袁 0.4 潘 0.4 于 0.4 蒋 0.4 蔡 0.4 余 0.4 杜 0.4 叶 0.4 程 0.4 苏 0.3 "
    "魏 0.3 吕 0.3 丁 0.3 任 0.3 沈 0.3 姚 0.3 卢 0.3 姜 0.3 崔 0.3 钟 0.3 谭 0.3 陆 0.3 汪 0.3 范 0.3 金 0.3 "
    "石 0.3 廖 0.3 贾 0.3 夏 0.3 韦 0.2 付 0.2 方 0.2 白 0.2 邹 0.2 孟 0.2 熊 0.2 秦 0.2 邱 0.2 江 0.2 尹 0.2 "
    "薛 0.2 闫 0.2 段 0.2 雷 0.2 侯 0.2 龙 0.2 史 0.2 陶 0.2 黎 0.2 贺 0.2 顾 0.2 毛 0.2 郝 0.2 龚 0.2 邵 0.2 "
    "万 0.2 钱 0.2 严 0.2 覃 0.1 武 0.1 戴 0.1 莫 0.1 孔 0.1 向 0.1 汤 0.1 单 0.1 解 0.05 仇 0.05 查 0.05"
).split()
_COMPOUND = "欧阳 司马 诸葛 上官 东方 皇甫 尉迟 公孙 慕容 令狐 夏侯 长孙 宇文 司徒 端木".split()
_GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕春梅琳丹斌建国文辉力鹏飞宇浩然子轩"
    "欣怡梓涵一诺雨桐佳琪晓东海波志刚振华建华德明永红光荣凤琴淑珍玉兰秀梅金花小红丽娟新民卫东立新晓明俊杰"
    "婷婷欢乐思远博文嘉怡晨阳天佑心怡宏伟成龙云飞少华国强国平学军学文慧敏晶晶雪梅长江春华秋菊冬梅铁柱福贵"
    "兴旺建军建平建新志强志明志勇志华家豪家乐俊豪锦程浩宇睿泽铭泽明轩昊天梓萱诗涵雅静紫涵若曦"
)
_HOMOPHONE_EXTRA = "晓小筱孝肖铭鸣名民敏闽珉伟玮炜薇维巍芳方舫娜纳静靖婧晶菁京丽莉俐立力利强蔷军君钧俊峻骏"\
    "杰洁婕捷艳燕彦雁娟鹃涛韬滔超朝潮华桦骅玉钰煜萍平苹红鸿宏虹洪霞侠玲琳林霖麟芬纷丹单斌彬滨建健剑鹏朋"\
    "飞菲斐宇雨羽禹浩昊皓然冉轩萱宣欣鑫馨新心怡仪宜颐涵寒含梓子紫佳嘉家琪琦淇祺琴勤芹珍贞真梅美玫兰蓝岚"\
    "东冬栋波博柏振震镇光广荣蓉容凤峰锋丰德得"
_UYGHUR = (
    "阿依古丽 买买提 古丽娜尔 艾力 热依拉 努尔 吐尔逊 阿不都 帕提古丽 依明 阿迪力 艾尔肯 麦合木提 热合曼 玉苏甫 "
    "库尔班 阿依努尔 古丽米拉 努尔艾力 阿布都拉 热孜万 祖力皮亚 艾克拜尔 迪力夏提 卡德尔 买合木提 吾斯曼 托合提"
).split()
_REGIONS = ("360802 360803 360821 360822 360881 362401 110105 110108 310115 440305 320102 330106 420106 "
            "510104 610113 650102 652801 360102 360111 430104").split()

POSITIVE_VARIANTS: tuple[str, ...] = (
    "same_id", "id15_trad", "trad", "homophone", "dot_dropped", "dot_variant", "fullwidth", "swapped",
    "compound", "phone_only", "masked_id", "month_only", "lookalike", "id_typo", "former_name",
)
"""Variant types whose left record *is* the right person (expected tier in :data:`EXPECTED_TIER`)."""

NEGATIVE_VARIANTS: tuple[str, ...] = ("namesake_diff_id", "namesake_same_birth", "namesake_no_id",
                                      "namesake_bad_id", "lookalike_other_birth")
"""Variant types whose left record is a *different* person with the same name."""

EXPECTED_TIER: dict[str, str] = {
    "same_id": "certain", "id15_trad": "certain", "trad": "probable", "homophone": "probable",
    "dot_dropped": "probable", "dot_variant": "probable", "fullwidth": "probable", "swapped": "probable",
    "compound": "probable", "phone_only": "probable", "masked_id": "probable", "month_only": "probable",
    "lookalike": "probable", "id_typo": "probable", "former_name": "probable",
}

HARD_VARIANTS: tuple[str, ...] = ("month_only", "lookalike", "id_typo", "former_name")
"""The harder person variants of issue 16 (month-only birth date, look-alike character, resident ID with a typo
in its sequence digits, a former name given in a note)."""


@cache
def _s2t() -> Any:
    return opencc.OpenCC("s2t")


@cache
def _homophones() -> dict[str, list[str]]:
    pool = sorted(set(_GIVEN + _HOMOPHONE_EXTRA))
    groups: dict[str, list[str]] = {}
    for ch in pool:
        groups.setdefault(name_syllables(ch)[0], []).append(ch)
    return {ch: [c for c in groups[name_syllables(ch)[0]] if c != ch] for ch in pool}


def _unique_ids(bodies: npt.NDArray[np.str_], exclude: set[str]) -> list[str]:
    """Check digits added; a number already used (or in ``exclude``) gets its sequence moved by 2 (same sex)."""
    used = set(exclude)
    out: list[str] = []
    for b in bodies.tolist():
        body = b
        while True:
            full = body + ric.calc_check_digit(body + "0")
            if full not in used:
                break
            body = body[:14] + f"{(int(body[14:17]) + 2) % 1000:03d}"
        used.add(full)
        out.append(full)
    return out


def make_people(n: int, seed: int = 0, exclude: set[str] | None = None) -> pd.DataFrame:
    """``n`` synthetic persons with names, valid resident IDs, birth dates, sex and mobile phones.

    Args:
        n: how many.
        seed: random seed (same seed, same people).
        exclude: resident IDs already taken (every generated ID is unique and not in this set).

    Returns:
        Columns ``name``, ``id_number``, ``birth_date`` (ISO), ``sex`` (男/女), ``phone``, ``kind``
        (``han``, ``compound`` or ``uyghur``).
    """
    rng = np.random.default_rng(seed)
    sur = np.array(_SURNAMES[0::2])
    w = np.array(_SURNAMES[1::2], dtype=float)
    surname = rng.choice(sur, size=n, p=w / w.sum())
    given_pool = np.array(sorted(set(_GIVEN)))
    zipf = 1.0 / np.arange(1, len(given_pool) + 1) ** 0.6
    rng.shuffle(zipf)
    g1 = rng.choice(given_pool, size=n, p=zipf / zipf.sum())
    g2 = rng.choice(given_pool, size=n, p=zipf / zipf.sum())
    two = rng.random(n) < 0.75
    given = np.where(two, np.char.add(g1, g2), g1)
    kind = np.full(n, "han", dtype=object)
    r = rng.random(n)
    comp = r < 0.03
    uy = (r >= 0.03) & (r < 0.07)
    surname = surname.astype(object)
    surname[comp] = rng.choice(np.array(_COMPOUND), size=int(comp.sum()))
    names = (surname + given.astype(object)).astype(object)
    uy_names = [a + "·" + b for a, b in zip(rng.choice(_UYGHUR, int(uy.sum())), rng.choice(_UYGHUR, int(uy.sum())),
                                             strict=True)]
    names[uy] = uy_names
    kind[comp] = "compound"
    kind[uy] = "uyghur"
    days = rng.integers(0, (pd.Timestamp("2004-12-31") - pd.Timestamp("1940-01-01")).days, n)
    birth = pd.Timestamp("1940-01-01") + pd.to_timedelta(days, unit="D")
    region = rng.choice(np.array(_REGIONS), size=n)
    seq = rng.integers(0, 1000, n)
    male = seq % 2 == 1
    bodies = np.char.add(np.char.add(region, birth.strftime("%Y%m%d").to_numpy().astype(str)),
                         np.char.zfill(seq.astype(str), 3))
    ids = _unique_ids(bodies, exclude or set())
    phone = np.char.add(rng.choice(np.array(["138", "139", "150", "186", "187", "135", "177"]), n),
                        np.char.zfill(rng.integers(0, 10**8, n).astype(str), 8))
    return pd.DataFrame({
        "name": names, "id_number": ids, "birth_date": birth.strftime("%Y-%m-%d"),
        "sex": np.where(male, "男", "女"), "phone": phone, "kind": kind,
    })


@cache
def _lookalikes() -> dict[str, list[str]]:
    """Look-alike characters among the 3,755 most common ones (GB2312 level 1): the same four-corner code
    (四角号码, first four digits) from the ``four_corner_method`` glyph data — e.g. 己/已, 末/未, 王/玉."""
    from guanlian.matching.lookalike import four_corner

    common = [bytes([hi, lo]).decode("gb2312") for hi in range(0xB0, 0xD8) for lo in range(0xA1, 0xFF)
              if not (hi == 0xD7 and lo > 0xF9)]
    groups: dict[str, list[str]] = {}
    for ch in common:
        code = four_corner(ch)
        if code:
            groups.setdefault(code, []).append(ch)
    return {ch: [c for c in groups[four_corner(ch)] if c != ch] for ch in common if four_corner(ch)}


def _lookalike_typo(name: str, rng: np.random.Generator) -> str | None:
    la = _lookalikes()
    for pos in rng.permutation(np.arange(1, len(name))).tolist():
        alts = la.get(name[pos], [])
        if alts:
            return name[:pos] + str(rng.choice(alts)) + name[pos + 1:]
    return None


def _bad_checksum(id18: str, rng: np.random.Generator) -> str:
    """The same number with one sequence digit (positions 15-17) changed, check character kept: a typo."""
    pos = 14 + int(rng.integers(0, 3))
    digit = str((int(id18[pos]) + 1 + int(rng.integers(0, 8))) % 10)
    typo = id18[:pos] + digit + id18[pos + 1:]
    if ric.calc_check_digit(typo) == typo[17]:  # the change happened to keep the checksum right: change again
        typo = typo[:pos] + str((int(digit) + 1) % 10) + typo[pos + 1:]
    return typo


def _homophone_typo(name: str, rng: np.random.Generator) -> str | None:
    h = _homophones()
    for pos in rng.permutation(np.arange(1, len(name))).tolist():
        alts = h.get(name[pos], [])
        if alts:
            return name[:pos] + str(rng.choice(alts)) + name[pos + 1:]
    return None


def _different_id(id18: str, rng: np.random.Generator, same_birth: bool, taken: set[str]) -> str:
    while True:
        new = _other_id(id18, rng, same_birth)
        if new not in taken:
            taken.add(new)
            return new


def _other_id(id18: str, rng: np.random.Generator, same_birth: bool) -> str:
    region = id18[:6]
    birth = id18[6:14]
    if not same_birth:
        y = int(birth[:4]) + int(rng.integers(1, 20)) * (1 if int(birth[:4]) < 1980 else -1)
        birth = f"{y:04d}{birth[4:]}"
        if birth[4:] == "0229":
            birth = birth[:4] + "0228"
    seq = (int(id18[14:17]) + 2 * int(rng.integers(1, 400))) % 1000
    body = f"{region}{birth}{seq:03d}"
    return body + ric.calc_check_digit(body + "0")


def make_labelled(n_right: int, n_left: int, seed: int = 0,
                  negative_share: float = 0.3) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A registry table and a family-member table with known true links.

    Args:
        n_right: registry persons.
        n_left: family-member records (each derived from one registry person).
        seed: random seed.
        negative_share: share of left records that are namesakes (different persons).

    Returns:
        ``(right, left)``. ``left`` has ``variant`` and ``true_right`` (position in ``right``, -1 for
        namesakes); both have a ``row`` reference column.
    """
    rng = np.random.default_rng(seed + 1)
    right = make_people(n_right, seed)
    right["row"] = np.arange(n_right)
    s2t = _s2t()
    han = np.flatnonzero(right["kind"].to_numpy() == "han")
    uy = np.flatnonzero(right["kind"].to_numpy() == "uyghur")
    comp = np.flatnonzero(right["kind"].to_numpy() == "compound")
    two_given = np.intersect1d(han, np.flatnonzero(right["name"].str.len().to_numpy() == 3))
    # 15-digit numbers were issued only to people born in the 1900s.
    old = np.intersect1d(han, np.flatnonzero(right["birth_date"].str[:2].to_numpy() == "19"))
    la = _lookalikes()
    names = right["name"].to_numpy(dtype=object)
    with_lookalike = han[np.fromiter((any(c in la for c in names[j][1:]) for j in han), dtype=bool, count=len(han))]
    rows: list[dict[str, Any]] = []
    taken = set(right["id_number"])
    # (name, birth date) of every registry person: a negative without an ID must not be identical, in every field
    # it has, to another registry person (at 1M people a common name with a drawn birth date sometimes is; such a
    # record is that person as far as any matcher can tell, and its "no link" label would be arbitrary).
    known = set(zip(right["name"], right["birth_date"], strict=True))
    redraw = np.random.default_rng(seed + 2)  # its own stream: the other records stay as they were

    def other_birth(idn: str, shown: str, other: str) -> str:
        while (shown, f"{other[6:10]}-{other[10:12]}-{other[12:14]}") in known:
            other = _different_id(idn, redraw, same_birth=False, taken=taken)
        return f"{other[6:10]}-{other[10:12]}-{other[12:14]}"

    n_neg = int(n_left * negative_share)
    for k in range(n_left):
        if k < n_neg:
            variant = NEGATIVE_VARIANTS[k % len(NEGATIVE_VARIANTS)]
        else:
            variant = POSITIVE_VARIANTS[k % len(POSITIVE_VARIANTS)]
        pool = {"dot_dropped": uy, "dot_variant": uy, "compound": comp, "swapped": two_given,
                "id15_trad": old, "lookalike": with_lookalike, "lookalike_other_birth": with_lookalike,
                "former_name": two_given}.get(variant, han)
        j = int(rng.choice(pool))
        p = right.iloc[j]
        name, idn, birth, phone = str(p["name"]), str(p["id_number"]), str(p["birth_date"]), ""
        true = j
        rec: dict[str, Any]
        if variant == "same_id":
            rec = {"name": name, "id_number": idn, "birth_date": ""}
        elif variant == "id15_trad":
            rec = {"name": s2t.convert(name), "id_number": idn[:6] + idn[8:17], "birth_date": ""}
        elif variant == "trad":
            rec = {"name": s2t.convert(name), "id_number": "", "birth_date": birth}
        elif variant == "homophone":
            typo = _homophone_typo(name, rng)
            rec = {"name": typo or s2t.convert(name), "id_number": "", "birth_date": birth}
        elif variant == "dot_dropped":
            rec = {"name": name.replace("·", ""), "id_number": "", "birth_date": birth}
        elif variant == "dot_variant":
            rec = {"name": name.replace("·", str(rng.choice([".", "•", "．", "・"]))), "id_number": "",
                   "birth_date": birth}
        elif variant == "fullwidth":
            rec = {"name": name[0] + "\u3000" + name[1:], "id_number": "", "birth_date": birth}
        elif variant == "swapped":
            rec = {"name": name[0] + name[2] + name[1], "id_number": "", "birth_date": birth}
        elif variant == "compound":
            rec = {"name": name[:2] + " " + name[2:], "id_number": "", "birth_date": birth}
        elif variant == "phone_only":
            rec = {"name": name, "id_number": "", "birth_date": ""}
            phone = str(p["phone"])
        elif variant == "masked_id":
            rec = {"name": name, "id_number": idn[:4] + "*" * 10 + idn[-4:], "birth_date": birth[:7]}
        elif variant == "month_only":
            rec = {"name": name, "id_number": "", "birth_date": birth[:4] + "." + birth[5:7]}
        elif variant == "lookalike":
            typo = _lookalike_typo(name, rng)
            rec = {"name": typo or s2t.convert(name), "id_number": "", "birth_date": birth}
        elif variant == "id_typo":
            rec = {"name": name, "id_number": _bad_checksum(idn, rng), "birth_date": ""}
        elif variant == "former_name":
            given = sorted(set(_GIVEN))
            other = name[0] + "".join(str(rng.choice(given)) for _ in name[1:])
            rec = {"name": f"{other}（曾用名：{name}）", "id_number": "", "birth_date": birth}
        elif variant == "namesake_bad_id":
            other = _different_id(idn, rng, same_birth=False, taken=taken)
            rec = {"name": name, "id_number": _bad_checksum(other, rng), "birth_date": ""}
            true = -1
        elif variant == "lookalike_other_birth":
            other = _different_id(idn, rng, same_birth=False, taken=taken)
            shown = _lookalike_typo(name, rng) or name
            rec = {"name": shown, "id_number": "", "birth_date": other_birth(idn, shown, other)}
            true = -1
        elif variant == "namesake_diff_id":
            rec = {"name": name, "id_number": _different_id(idn, rng, same_birth=False, taken=taken), "birth_date": ""}
            true = -1
        elif variant == "namesake_same_birth":
            rec = {"name": name, "id_number": _different_id(idn, rng, same_birth=True, taken=taken), "birth_date": birth}
            true = -1
        else:  # namesake_no_id
            other = _different_id(idn, rng, same_birth=False, taken=taken)
            rec = {"name": name, "id_number": "", "birth_date": other_birth(idn, name, other)}
            true = -1
        rec.update({"phone": phone, "variant": variant, "true_right": true, "source_name": name})
        rows.append(rec)
    left = pd.DataFrame(rows)
    left["row"] = np.arange(len(left))
    return right.drop(columns=["kind"]), left
