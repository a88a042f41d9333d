"""Background population: units, officials and families, companies and their registry tables, payments
and subsidies — drawn with numpy so that ``large`` (about a million rows) builds in seconds.

Background people are all distinct (unique resident IDs, phones, addresses, accounts), companies never share
a legal representative, phone, address or account, background companies are older than 2017 and background
payments avoid the 45,000-50,000 band, so that the background plants no red flag by itself. Namesakes
(同名同姓) do occur, as they do in real data.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from guanlian.demo import people as P
from guanlian.demo import tables as T
from guanlian.demo.ids import make_rics, make_usccs
from guanlian.demo.world import COLUMNS, NODATE, PAY_START, TODAY, YEAR, Unit, World, day

FIXED_UNITS: tuple[tuple[str, str, str], ...] = (
    ("吉安市交通运输局", "dept_city", "360800"),
    ("吉州区教育局", "dept_county", "360802"),
    ("吉安县敦厚镇人民政府", "town", "360821"),
    ("吉安市民政局", "dept_city", "360800"),
    ("青原区住房和城乡建设局", "dept_county", "360803"),
    ("泰和县澄江镇人民政府", "town", "360826"),
)


def make_units(w: World) -> list[Unit]:
    """The public bodies of the world: six fixed ones (the seed case's 吉安市交通运输局 first), then a sample."""
    rng = w.rng
    cand: list[tuple[str, str, str]] = []
    for city, code in T.CITY_PREFIX.items():
        cand += [(city + d, "dept_city", code) for d in T.DEPARTMENTS]
    for code, county, _, _ in T.COUNTIES:
        cand += [(county + d, "dept_county", code) for d in T.DEPARTMENTS]
        cand += [(f"{county}{t}镇人民政府", "town", code) for t in T.TOWNS]
    fixed = {f[0] for f in FIXED_UNITS}
    cand = [c for c in cand if c[0] not in fixed]
    order = rng.permutation(len(cand))
    chosen = list(FIXED_UNITS) + [cand[int(i)] for i in order[: max(0, w.cfg.units - len(FIXED_UNITS))]]
    accts = P.accounts(rng, len(chosen), w.used_accts)
    return [Unit(n, k, c, a) for (n, k, c), a in zip(chosen, accts, strict=True)]


def _regions(rng: np.random.Generator, n: int, local: float = 0.85) -> np.ndarray:
    loc = rng.choice(np.array([c[0] for c in T.COUNTIES[:13]]), size=n)
    other = rng.choice(np.array(T.EXTRA_ID_REGIONS + tuple(c[0] for c in T.COUNTIES[13:])), size=n)
    return np.where(rng.random(n) < local, loc, other)


def _people(w: World, n: int, male: np.ndarray, y0: int, y1: int,
            surname: list[str | None] | None = None, birth: np.ndarray | None = None) -> dict[str, Any]:
    rng = w.rng
    if birth is None:
        birth = rng.integers(day(y0, 1, 1), day(y1, 12, 28), size=n)
    names = P.full_names(rng, male, surname)
    ids = make_rics(rng, _regions(rng, n), birth, male, w.used_ids)
    return {"name": names, "id": ids, "birth": birth, "male": male}


def _officials(w: World) -> tuple[pd.DataFrame, dict[str, Any]]:
    rng, n, units = w.rng, w.cfg.officials, w.units
    male = rng.random(n) < 0.75
    ppl = _people(w, n, male, 1963, 1994)
    phones = P.mobiles(rng, n, w.used_phones)
    addrs = P.home_addresses(rng, n, w.used_addr)
    uidx = rng.integers(0, len(units), size=n)
    lo = np.maximum(ppl["birth"] + int(23 * YEAR), day(2005, 1, 1))
    hi = day(2023, 12, 31)
    lo = np.minimum(lo, hi - 30)
    start = lo + (rng.random(n) * (hi - lo)).astype(np.int64)
    ended = rng.random(n) < 0.2
    end = np.where(ended, np.minimum(start + rng.integers(365, 6 * 365, size=n), TODAY - 60), NODATE)
    career = rng.random(n) < 0.2
    recs: list[dict[str, Any]] = []
    town_posts, dept_posts = T.TOWN_POSTS, T.CITY_DEPT_POSTS
    for i in range(n):
        u = units[int(uidx[i])]
        base = {
            "name": ppl["name"][i], "id_number": ppl["id"][i], "id_form": "", "sex": "男" if male[i] else "女",
            "birth": int(ppl["birth"][i]), "phone": phones[i], "address": addrs[i],
        }
        posts = town_posts if u.kind == "town" else dept_posts
        recs.append({**base, "unit": u.name, "post": posts[int(rng.integers(0, len(posts)))],
                     "rank": T.RANKS[int(rng.integers(0, len(T.RANKS)))], "start": int(start[i]), "end": int(end[i])})
        if career[i]:
            u2 = units[int(rng.integers(0, len(units)))]
            pe = int(start[i]) - int(rng.integers(1, 60))
            ps = pe - int(rng.integers(2 * 365, 8 * 365))
            posts = town_posts if u2.kind == "town" else dept_posts
            recs.append({**base, "unit": u2.name, "post": posts[int(rng.integers(0, len(posts)))],
                         "rank": T.RANKS[int(rng.integers(2, len(T.RANKS)))], "start": ps, "end": pe})
    return pd.DataFrame(recs, columns=list(COLUMNS["officials"])), ppl


def _relatives(w: World, off: dict[str, Any]) -> pd.DataFrame:
    rng = w.rng
    n_off = len(off["id"])
    k = np.clip(rng.poisson(w.cfg.relatives_per_official, size=n_off), 1, 8)
    oi = np.repeat(np.arange(n_off), k)
    first = np.concatenate([[True] + [False] * (int(x) - 1) for x in k]) if n_off else np.array([], bool)
    m = len(oi)
    off_male = off["male"][oi]
    off_birth = off["birth"][oi]
    terms = T.KIN_TERMS
    spouse = [j for j, t in enumerate(terms) if t[0] in ("配偶", "妻子", "丈夫", "爱人")]
    other = [j for j in range(len(terms)) if j not in spouse]
    ok_m = np.array([j for j in other if terms[j][2] in (None, "M")])
    ok_f = np.array([j for j in other if terms[j][2] in (None, "F")])
    sp_m = np.array([j for j in spouse if terms[j][2] in (None, "M")])
    sp_f = np.array([j for j in spouse if terms[j][2] in (None, "F")])
    ti = np.where(off_male, rng.choice(ok_m, size=m), rng.choice(ok_f, size=m))
    ti = np.where(first, np.where(off_male, rng.choice(sp_m, size=m), rng.choice(sp_f, size=m)), ti)
    lo = np.array([t[3] for t in terms])[ti]
    hi = np.array([t[4] for t in terms])[ti]
    birth = off_birth - ((lo + rng.random(m) * (hi - lo)) * YEAR).astype(np.int64)
    too_young = birth > TODAY - 400
    old_grand = (np.array([t[0] for t in terms])[ti] == "祖父") & (off_birth < day(1978, 1, 1))
    fix = too_young | old_grand
    father = next(j for j, t in enumerate(terms) if t[0] == "父亲")
    mother = next(j for j, t in enumerate(terms) if t[0] == "母亲")
    ti = np.where(fix, np.where(rng.random(m) < 0.5, father, mother), ti)
    birth = np.where(fix, off_birth - rng.integers(int(22 * YEAR), int(32 * YEAR), size=m), birth)
    rsex = np.array([t[1] or "" for t in terms])[ti]
    male = np.where(rsex == "M", True, np.where(rsex == "F", False, ~off_male))
    same = np.array([t[5] for t in terms])[ti]
    off_names = [off["name"][int(j)] for j in oi]
    sur: list[str | None] = [P.surname_of(nm) if s else None for nm, s in zip(off_names, same, strict=True)]
    ppl = _people(w, m, male, 1930, 2020, sur, birth)
    show_id = rng.random(m) < 0.6
    show_phone = rng.random(m) < 0.4
    phones = P.mobiles(rng, int(show_phone.sum()), w.used_phones)
    ph: list[str | None] = [None] * m
    for j, p in zip(np.flatnonzero(show_phone), phones, strict=True):
        ph[int(j)] = p
    return pd.DataFrame({
        "official_name": off_names,
        "official_id": [off["id"][int(j)] for j in oi],
        "term": [terms[int(t)][0] for t in ti],
        "name": ppl["name"],
        "birth": ppl["birth"],
        "id_number": [x if s else None for x, s in zip(ppl["id"], show_id, strict=True)],
        "id_form": "",
        "politics": rng.choice(np.array(T.POLITICS), size=m),
        "employer": rng.choice(np.array(T.EMPLOYERS), size=m),
        "phone": ph,
    }, columns=list(COLUMNS["relatives"]))


def _company_names(w: World, ind: np.ndarray) -> list[str]:
    rng = w.rng
    n = len(ind)
    out: list[str] = [""] * n
    todo = np.arange(n)
    pre = np.array(["吉安市", "江西", "江西省吉安市", "吉安", "吉州区", "青原区", "泰和县", "井冈山市", "永丰县", "吉水县"])
    chars = np.array(T.TRADE_CHARS)
    forms = np.array(T.ORG_FORMS)
    while len(todo):
        k = len(todo)
        a, b = rng.choice(chars, size=k), rng.choice(chars, size=k)
        p, f = rng.choice(pre, size=k), rng.choice(forms, size=k)
        bracket = rng.random(k) < 0.08
        retry = []
        for j, i in enumerate(todo):
            indn = T.INDUSTRIES[int(ind[i])][0]
            if bracket[j]:
                short = p[j].replace("江西省", "").removesuffix("市").removesuffix("区").removesuffix("县")
                name = f"{a[j]}{b[j]}{indn}（{short.removesuffix('市')}）{f[j]}"
            else:
                name = f"{p[j]}{a[j]}{b[j]}{indn}{f[j]}"
            if name in w.used_cnames:
                retry.append(i)
            else:
                w.used_cnames.add(name)
                out[int(i)] = name
        todo = np.array(retry, dtype=np.int64)
    return out


SHARE_PATTERNS: dict[int, tuple[tuple[float, ...], ...]] = {
    1: ((1.0,),),
    2: ((0.6, 0.4), (0.51, 0.49), (0.7, 0.3), (0.5, 0.5), (0.8, 0.2), (0.9, 0.1)),
    3: ((0.5, 0.3, 0.2), (0.4, 0.3, 0.3), (0.6, 0.2, 0.2), (0.34, 0.33, 0.33), (0.45, 0.35, 0.2)),
}
FUTURE_DEADLINES = (day(2035, 12, 31), day(2040, 6, 30), day(2049, 12, 31))


def _registry(w: World) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    rng, n = w.rng, w.cfg.companies
    ind = rng.integers(0, len(T.INDUSTRIES), size=n)
    names = _company_names(w, ind)
    regions = rng.choice(np.array([c[0] for c in T.COUNTIES[:13]]), size=n)
    codes = make_usccs(rng, regions, w.used_codes)
    est = rng.integers(day(1998, 1, 1), day(2016, 12, 31), size=n)
    cap = rng.choice(np.array(T.CAPITALS_WAN, dtype=float), size=n) * 10_000
    dead = rng.random(n) < 0.08
    status = np.where(dead, rng.choice(np.array(T.DEAD_STATUS), size=n), rng.choice(np.array(T.LIVE_STATUS), size=n))
    addrs = P.office_addresses(rng, n, w.used_addr)
    land = rng.random(n) < 0.6
    lphones = iter(P.landlines(rng, int(land.sum()), w.used_phones))
    mphones = iter(P.mobiles(rng, int((~land).sum()), w.used_phones))
    phones = [next(lphones) if x else next(mphones) for x in land]
    has_mail = rng.random(n) < 0.5
    mails = iter(P.emails(rng, int(has_mail.sum()), w.used_emails))
    email = [next(mails) if x else None for x in has_mail]
    accts = P.accounts(rng, n, w.used_accts)
    # people: legal rep, further natural shareholders, supervisors, finance officers
    nh = rng.choice(np.array([1, 2, 3]), size=n, p=[0.4, 0.4, 0.2])
    corp = (rng.random(n) < 0.08) & (nh >= 2)
    n_extra = int((nh - 1).sum())
    need_sup = nh == 1
    fin = rng.random(n) < 0.3
    total = n + n_extra + int(need_sup.sum()) + int(fin.sum())
    male = rng.random(total) < 0.7
    ppl = _people(w, total, male, 1955, 1996)
    pn, pid = ppl["name"], ppl["id"]
    lr_show = rng.random(n) < 0.9
    companies = pd.DataFrame({
        "name": names, "credit_code": codes, "legal_rep": pn[:n],
        "legal_rep_id": [x if s else None for x, s in zip(pid[:n], lr_show, strict=True)], "id_form": "",
        "established": est, "reg_capital": cap, "status": status, "address": addrs, "phone": phones,
        "email": email, "scope": [T.INDUSTRIES[int(i)][1] for i in ind],
    }, columns=list(COLUMNS["companies"]))
    sh: list[tuple[Any, ...]] = []
    of: list[tuple[Any, ...]] = []
    ch: list[tuple[Any, ...]] = []
    nxt = n
    lr_titles = ("执行董事兼总经理", "执行董事", "董事长", "执行董事兼经理")
    items = T.CHANGE_ITEMS
    pick = rng.integers(0, 1_000_000, size=(n, 8))
    spare_m = P.full_names(rng, np.ones(n, dtype=bool))
    spare_f = P.full_names(rng, np.zeros(n, dtype=bool))
    spare_addr = P.office_addresses(rng, n, w.used_addr)
    for i in range(n):
        k = int(nh[i])
        pat = SHARE_PATTERNS[k][pick[i, 0] % len(SHARE_PATTERNS[k])]
        holders = [(pn[i], pid[i], "自然人股东")]
        for _ in range(k - 1):
            holders.append((pn[nxt], pid[nxt], "自然人股东"))
            nxt += 1
        if corp[i]:
            j = int(pick[i, 1] % n)
            if j != i:
                holders[-1] = (names[j], codes[j], "企业法人")
        contrib = int(est[i]) + int(pick[i, 2] % 30) if pick[i, 3] % 2 else FUTURE_DEADLINES[pick[i, 3] % 3]
        for (hn, hid, ht), s in zip(holders, pat, strict=True):
            shown = ht == "企业法人" or pick[i, 4] % 33 != 0
            sh.append((names[i], codes[i], hn, ht, hid if shown else None, "", s, round(s * cap[i], 2), contrib))
        of.append((names[i], codes[i], pn[i], lr_titles[pick[i, 5] % 4], pid[i] if pick[i, 5] % 10 < 3 else None, ""))
        if need_sup[i]:
            sup = (pn[nxt], pid[nxt])
            nxt += 1
        else:
            sup = (holders[1][0], holders[1][1]) if holders[1][2] == "自然人股东" else (pn[nxt - 1], pid[nxt - 1])
        of.append((names[i], codes[i], sup[0], "监事", sup[1] if pick[i, 6] % 10 < 3 else None, ""))
        if fin[i]:
            of.append((names[i], codes[i], pn[nxt], "财务负责人", None, ""))
            nxt += 1
        if pick[i, 7] % 10 < 8:
            item = items[pick[i, 7] % len(items)]
            when = int(est[i]) + int(pick[i, 2] % 2500) + 200
            when = min(when, TODAY - 30)
            if item == "住所变更":
                before, after = spare_addr[i], addrs[i]
            elif item == "法定代表人变更":
                before, after = spare_m[i], pn[i]
            elif item == "投资人变更":
                cur = "、".join(h[0] for h in holders)
                before, after = spare_m[i] + "、" + holders[0][0], cur
            elif item == "高级管理人员备案":
                before, after = "监事：" + spare_f[i], "监事：" + sup[0]
            elif item == "名称变更":
                before, after = names[i].replace("有限公司", "经营部").replace("有限责任公司", "商行"), names[i]
            elif item == "注册资本变更":
                before, after = f"{cap[i] / 20000:g}万元", f"{cap[i] / 10000:g}万元"
            else:
                before, after = T.INDUSTRIES[(int(ind[i]) + 1) % len(T.INDUSTRIES)][1], T.INDUSTRIES[int(ind[i])][1]
            ch.append((names[i], codes[i], item, before, after, when))
    out = {
        "companies": companies,
        "shareholders": pd.DataFrame(sh, columns=list(COLUMNS["shareholders"])),
        "officers": pd.DataFrame(of, columns=list(COLUMNS["officers"])),
        "changes": pd.DataFrame(ch, columns=list(COLUMNS["changes"])),
    }
    live = pd.DataFrame({"name": names, "account": accts, "ind": ind, "live": ~dead})
    return out, live


def _payments(w: World, comp: pd.DataFrame) -> pd.DataFrame:
    rng, n, units = w.rng, w.cfg.payments, w.units
    live = comp[comp["live"]].reset_index(drop=True)
    nl = len(live)
    prim = rng.integers(0, len(units), size=nl)
    sec = np.where(rng.random(nl) < 0.25, rng.integers(0, len(units), size=nl), prim)
    ci = rng.integers(0, nl, size=n)
    ui = np.where(rng.random(n) < 0.3, sec[ci], prim[ci])
    dates = rng.integers(PAY_START, TODAY + 1, size=n)
    amt = np.clip(rng.lognormal(np.log(25_000), 1.1, size=n), 300, 2_000_000)
    # keep clear of the bands just below common approval thresholds (50k and 100k), where splits are planted
    amt = np.where(((amt >= 45_000) & (amt < 50_000)) | ((amt >= 90_000) & (amt < 100_000)), amt * 0.8, amt)
    amt = np.where(rng.random(n) < 0.4, np.round(amt, -2), np.round(amt, 2))
    to_person = rng.random(n) < 0.03
    n_p = int(to_person.sum())
    pnames = iter(P.full_names(rng, rng.random(n_p) < 0.6))
    paccts = iter(P.accounts(rng, n_p, w.used_accts))
    years = (1970 + dates / YEAR).astype(int)
    contract = rng.random(n) < 0.5
    cno = rng.integers(1, 999, size=n)
    rows = []
    unames = [u.name for u in units]
    uaccts = [u.account for u in units]
    lnames, laccts, linds = live["name"].tolist(), live["account"].tolist(), live["ind"].tolist()
    chan = np.where(rng.random(n) < 0.25, "bank", "treasury")
    for i in range(n):
        u = int(ui[i])
        if to_person[i]:
            payee, acct, pur = next(pnames), next(paccts), T.PERSON_PURPOSES[i % len(T.PERSON_PURPOSES)]
        else:
            c = int(ci[i])
            payee, acct, pur = lnames[c], laccts[c], T.INDUSTRIES[linds[c]][2]
        w._voucher += 1
        rows.append((unames[u], uaccts[u], payee, acct, float(amt[i]), int(dates[i]), pur,
                     f"记-{years[i]}-{w._voucher:06d}", f"JA-{years[i]}-{cno[i]:03d}" if contract[i] else None,
                     str(chan[i])))
    return pd.DataFrame(rows, columns=list(COLUMNS["payments"]))


def _subsidies(w: World) -> pd.DataFrame:
    rng, n = w.rng, w.cfg.subsidies
    nv = max(4, n // 3)
    male = rng.random(nv) < 0.5
    ppl = _people(w, nv, male, 1932, 1990)
    accts = P.accounts(rng, nv, w.used_accts)
    towns = [u for u in w.units if u.kind == "town"] or w.units
    depts = [u for u in w.units if u.kind != "town"]
    vi = rng.integers(0, nv, size=n)
    payer = rng.integers(0, len(towns), size=n)
    appr = rng.integers(0, len(depts), size=n)
    has_appr = rng.random(n) < 0.5
    item = rng.integers(0, len(T.SUBSIDY_ITEMS), size=n)
    lo = np.array([s[1] for s in T.SUBSIDY_ITEMS])[item]
    hi = np.array([s[2] for s in T.SUBSIDY_ITEMS])[item]
    amt = (lo + rng.random(n) * (hi - lo)).round(0)
    dates = rng.integers(day(2019, 1, 1), TODAY + 1, size=n)
    show = rng.random(n) < 0.95
    return pd.DataFrame({
        "payer": [towns[int(j)].name for j in payer],
        "approver": [depts[int(j)].name if h else None for j, h in zip(appr, has_appr, strict=True)],
        "name": [ppl["name"][int(j)] for j in vi],
        "id_number": [ppl["id"][int(j)] if s else None for j, s in zip(vi, show, strict=True)],
        "id_form": "",
        "item": [T.SUBSIDY_ITEMS[int(j)][0] for j in item],
        "amount": amt, "date": dates, "account": [accts[int(j)] for j in vi],
    }, columns=list(COLUMNS["subsidies"]))


def make_background(w: World) -> dict[str, pd.DataFrame]:
    """All background tables, keyed by kind (no ``_tag``/``_precise`` columns yet)."""
    officials, off_people = _officials(w)
    relatives = _relatives(w, off_people)
    reg, comp = _registry(w)
    return {
        "officials": officials,
        "relatives": relatives,
        **reg,
        "payments": _payments(w, comp),
        "subsidies": _subsidies(w),
    }
