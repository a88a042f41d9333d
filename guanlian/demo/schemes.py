"""The planted red flags (schemes) and near-misses (decoys), each recorded in the ground truth.

Each planter builds a handful of rows through :class:`~guanlian.demo.world.World` helpers and ends with
``w.truth(...)``. Variant ``i`` cycles through different identity evidence so the matcher's tiers are all
exercised: ``certain`` (same resident ID on both sides), ``probable`` (ID on one side only, a name variant,
and a birth date or phone that agrees), ``possible`` (name only).
"""

from __future__ import annotations

from collections.abc import Callable

from guanlian.demo import people as P
from guanlian.demo.world import NODATE, TODAY, YEAR, Company, Person, Unit, World, day, iso, unit_key

TRANSPORT = 9  # index of 交通设施工程 in tables.INDUSTRIES
PAY_LO = day(2018, 3, 1)


def _official(w: World, tag: str, unit: Unit | None = None, post: str | None = None, *,
              start: int | None = None, end: int = NODATE, p: Person | None = None) -> tuple[Person, Unit, int, int]:
    u = unit or w.unit("dept")
    if post is None:
        post = w.pick(["局长", "副局长", "主任", "科长", "党组书记"]) if u.kind != "town" else w.pick(["镇长", "党委书记"])
    s = start if start is not None else w.randint(day(2012, 1, 1), day(2017, 12, 31))
    off = w.official(tag, u, post, s, end, p=p, rank="正处级" if post == "局长" and u.kind == "dept_city" else None)
    return off, u, s, end


def _pay_in(w: World, tag: str, u: Unit, c: Company | Person, start: int, end: int, k: int | None = None,
            lo: float = 20_000, hi: float = 300_000, gap: int = 30) -> dict[str, object]:
    a, b = w.tenure_window(start, end)
    k = k or w.randint(3, 6)
    return w.pay(tag, u, c, w.dates_within(a, b, k, gap), w.amounts(k, lo, hi))


# ---------------------------------------------------------------------------------------------- 1

def relative_company_paid(w: World, i: int) -> None:
    tag = w.next_id("S")
    v = i % 6
    if v == 0:
        u = w.units[0]  # 吉安市交通运输局
        off, u, s, e = _official(w, tag, u, "局长", start=day(2016, 3, 15))
        rel = w.relative(tag, off, "岳母")
        c = w.company(tag, rel, lr_share=0.8, industry=TRANSPORT, established=day(2015, 6, 2))
        pays = _pay_in(w, tag, u, c, s, e, k=5, lo=80_000, hi=450_000)
        w.truth(tag, "relative_company_paid", "certain", official=off, unit=u, relative=rel, relation="岳母",
                company=c, payments=pays,
                desc_zh=f"{u.name}局长{off.name}的岳母{rel.name}任{c.name}法定代表人并持股80%，该公司在其任职期间多次收到本单位付款（种子案例：以岳母名义开办关联公司）。",
                desc_en=f"The director of {u.name}'s mother-in-law is legal representative and 80% shareholder of a company his bureau paid during his tenure (the seed case).")
        return
    off, u, s, e = _official(w, tag)
    # order matters: `small` plants v = 0, 1, 2, so those three cover certain, probable and the dot variant
    v = {0: 0, 1: 1, 2: 5, 3: 2, 4: 3, 5: 4}[v]
    term, conf = [("岳母", ""), ("妻子", "probable"), ("女婿", "possible"), ("儿子", "certain"),
                  ("弟", "probable"), ("配偶", "certain")][v]
    reg_name: str | None = None
    in_family = True
    if v == 1:
        rel = w.relative(tag, off, term, need="trad", show_id=False)
        reg_name = P.traditional_variant(rel.name)
        c = w.company(tag, lr_share=0.6, extra_holders=0)
        w.holder(tag, c, rel, 0.4, name_as=reg_name)
        how_zh, how_en = "股东（登记为繁体姓名，家庭成员表无身份证号，出生日期与登记证件号一致）", "shareholder (traditional-script name in the registry, no ID in the family record, birth date agrees)"
    elif v == 2:
        rel = w.relative(tag, off, term, show_id=False)
        c = w.company(tag)
        w.officer(tag, c, rel, "经理")
        how_zh, how_en = "经理（仅姓名相同，无证件号佐证）", "manager (name only, no ID on either side)"
    elif v == 3:
        rel = w.relative(tag, off, term)
        c = w.company(tag, lr_share=0.49, extra_holders=0)
        w.holder(tag, c, rel, 0.51)
        w.officer(tag, c, rel, "财务负责人", id_shown=True)
        how_zh, how_en = "控股股东兼财务负责人（身份证号一致）", "majority shareholder and finance officer (same ID)"
    elif v == 4:
        rel = w.relative(tag, off, term, need="homo", show_id=False, show_phone=True)
        reg_name = P.homophone_variant(rel.name)
        c = w.company(tag, rel, lr_name=reg_name, phone=rel.phone)
        how_zh, how_en = "法定代表人（登记姓名为同音字，企业电话与亲属电话相同）", "legal representative (homophone name in the registry; company phone equals the relative's phone)"
    else:
        rel = w.relative(tag, off, term, need="dot")
        reg_name = rel.name.replace("·", ".")
        c = w.company(tag, rel, lr_name=reg_name)
        how_zh, how_en = "法定代表人（少数民族姓名间隔号写法不同，身份证号一致）", "legal representative (minority name written with '.', same ID)"
    in_family = v not in (1, 2, 4)
    pays = _pay_in(w, tag, u, c, s, e)
    w.truth(tag, "relative_company_paid", conf, official=off, unit=u, relative=rel, relation=term, company=c,
            payments=pays, in_family_record=in_family, registry_name=reg_name,
            desc_zh=f"{u.name}{off.name}的{term}{rel.name}为{c.name}{how_zh}，该公司在其任职期间收到本单位付款。",
            desc_en=f"A relative ({term}) of an official of {u.name} is {how_en} of a company paid by the unit during the tenure.")


# ---------------------------------------------------------------------------------------------- 2

def official_in_business(w: World, i: int) -> None:
    tag = w.next_id("S")
    v = i % 3
    off, u, s, e = _official(w, tag)
    pays = None
    if v == 0:
        c = w.company(tag, lr_share=0.7, extra_holders=0)
        w.holder(tag, c, off, 0.3)
        pays = _pay_in(w, tag, u, c, s, e)
        conf, zh, en = "certain", "持股30%，且该公司收到本单位付款", "holds 30% of a company his unit paid"
    elif v == 1:
        c = w.company(tag)
        w.officer(tag, c, off, "监事", id_shown=True, id_form="15")
        conf, zh, en = "certain", "任监事（登记证件号为15位旧号码），该公司未收到本单位付款", "is supervisor (15-digit legacy ID in the registry) of a company his unit did not pay"
    else:
        c = w.company(tag)
        w.officer(tag, c, off, "经理")
        # a name alone is only worth reporting when his own unit paid the company (else namesakes flood in)
        pays = _pay_in(w, tag, u, c, s, e)
        conf, zh, en = ("possible", "同名人员任经理（无证件号），且该公司收到本单位付款",
                        "a person of the same name, no ID, is manager of a company his unit paid")
    w.truth(tag, "official_in_business", conf, official=off, unit=u, company=c, payments=pays,
            desc_zh=f"{u.name}{off.name}本人在{c.name}{zh}。", desc_en=f"An official of {u.name} himself {en}.")


# ---------------------------------------------------------------------------------------------- 3

def relative_company_chain(w: World, i: int) -> None:
    tag = w.next_id("S")
    v = i % 2
    off, u, s, e = _official(w, tag)
    if v == 0:
        rel = w.relative(tag, off, "儿子")
        reg_name = None
        a = w.company(tag, lr_share=0.3, extra_holders=0)
        w.holder(tag, a, rel, 0.7)
        b = w.company(tag, lr_share=0.4, extra_holders=0)
        w.holder(tag, b, a, 0.6)
        chain, conf, term = [a, b], "certain", "儿子"
    else:
        rel = w.relative(tag, off, "妻弟", need="homo", show_id=False)
        reg_name = P.homophone_variant(rel.name)
        a = w.company(tag, lr_share=0.5, extra_holders=0)
        w.holder(tag, a, rel, 0.5, name_as=reg_name)
        b = w.company(tag, lr_share=0.2, extra_holders=0)
        w.holder(tag, b, a, 0.8)
        c = w.company(tag, lr_share=0.45, extra_holders=0)
        w.holder(tag, c, b, 0.55)
        chain, conf, term = [a, b, c], "probable", "妻弟"
    pays = _pay_in(w, tag, u, chain[-1], s, e)
    names = "→".join(x.name for x in chain)
    w.truth(tag, "relative_company_chain", conf, official=off, unit=u, relative=rel, relation=term,
            company=chain[-1], payments=pays, in_family_record=v == 0, registry_name=reg_name,
            chain=[{"name": x.name, "credit_code": x.code} for x in chain], hops=len(chain) - 1,
            keys={"chain": [f"uscc:{x.code}" for x in chain]},
            desc_zh=f"{off.name}的{term}{rel.name}通过股权链{names}间接控制收款企业，该企业收到{u.name}付款。",
            desc_en=f"A relative ({term}) controls the paid company through a {len(chain) - 1}-hop shareholding chain.")


# ---------------------------------------------------------------------------------------------- 4

def relative_left_before_payment(w: World, i: int) -> None:
    tag = w.next_id("S")
    v = i % 2
    off, u, s, e = _official(w, tag)
    lo, hi = w.tenure_window(s, e)
    k = w.randint(3, 5)
    dates = w.dates_within(lo + 120, hi, k, 30)
    first = dates[0]
    sep = w.pick(["、", ";", "；"])
    if v == 0:
        rel = w.relative(tag, off, "小舅子")
        c = w.company(tag, lr_share=1.0, extra_holders=0)
        n = w.randint(15, 80)
        when = first - n
        w.change(tag, c, "投资人变更", f"{rel.name}{sep}{c.legal_rep.name}", c.legal_rep.name, when)
        conf, zh, en = "possible", f"在首笔付款前{n}天退出股东", f"left the shareholders {n} days before the first payment"
    else:
        rel = w.relative(tag, off, "女儿")
        c = w.company(tag, lr_share=0.7, extra_holders=0)
        n = -w.randint(5, 40)
        when = first - n
        w.holder(tag, c, rel, 0.3, contrib=when)
        w.change(tag, c, "投资人变更", c.legal_rep.name, f"{c.legal_rep.name}{sep}{rel.name}", when)
        # The change record names her only (name-only evidence); the shareholder table adds her ID, which
        # relative_company_paid picks up as certain.
        conf, zh, en = "possible", f"在首笔付款后{-n}天加入股东", f"joined the shareholders {-n} days after the first payment"
    pays = w.pay(tag, u, c, dates, w.amounts(k, 30_000, 400_000))
    w.truth(tag, "relative_left_before_payment", conf, official=off, unit=u, relative=rel,
            relation="小舅子" if v == 0 else "女儿", company=c, payments=pays, change_date=iso(when),
            days_before_first_payment=n,
            desc_zh=f"{off.name}的亲属{rel.name}{zh}（变更记录），{c.name}随后收到{u.name}付款。",
            desc_en=f"A relative {en} (change record) of a company paid by the official's unit.")


# ---------------------------------------------------------------------------------------------- 5

def newborn_company_paid(w: World, i: int) -> None:
    tag = w.next_id("S")
    u = w.unit("dept")
    first = w.randint(day(2019, 6, 1), day(2024, 3, 1))
    n = w.randint(8, 85)
    c = w.company(tag, established=first - n, capital_wan=float(w.pick([50, 100, 200])))
    k = w.randint(2, 4)
    dates = [first] + w.dates_within(first + 20, min(first + 400, TODAY - 10), k - 1, 20)
    pays = w.pay(tag, u, c, dates, w.amounts(k, 50_000, 600_000))
    w.truth(tag, "newborn_company_paid", "certain", official=None, unit=u, company=c, payments=pays,
            days_established_before_first_payment=n, established=iso(first - n),
            desc_zh=f"{c.name}成立仅{n}天即收到{u.name}首笔付款（突击成立）。",
            desc_en=f"The company was set up {n} days before its first payment from {u.name}.")


# ---------------------------------------------------------------------------------------------- 6

def shared_contact(w: World, i: int) -> None:
    tag = w.next_id("S")
    v = i % 3
    off, u, s, e = _official(w, tag)
    rel = None
    if v == 0:
        c = w.company(tag, phone=off.phone)
        what = ("企业登记电话与干部本人手机号相同", "the company's registered phone is the official's mobile", "phone")
    elif v == 1:
        c = w.company(tag, address=off.address)
        what = ("企业注册地址与干部家庭住址相同", "the company's registered address is the official's home address", "address")
    else:
        rel = w.relative(tag, off, "妻子" if off.male else "丈夫", show_phone=True)
        c = w.company(tag, phone=rel.phone)
        what = ("企业登记电话与干部配偶电话相同", "the company's registered phone is the spouse's phone", "phone")
    pays = _pay_in(w, tag, u, c, s, e)
    # Confidence is that of the link itself: an exact phone/address key match, hence certain.
    w.truth(tag, "shared_contact", "certain", official=off, unit=u, relative=rel,
            relation=None if rel is None else ("妻子" if off.male else "丈夫"), company=c, payments=pays,
            shared=what[2],
            desc_zh=f"{c.name}与{off.name}无姓名关联，但{what[0]}；该公司收到{u.name}付款。",
            desc_en=f"No name link, but {what[1]}; the company was paid by {u.name}.")


# ---------------------------------------------------------------------------------------------- 7

def supplier_ring(w: World, i: int) -> None:
    tag = w.next_id("S")
    v = i % 3
    u = w.unit("dept")
    n = 3 if v else 4
    if v == 0:
        boss = w.person()
        cs = [w.company(tag, boss, lr_share=0.8) for _ in range(n)]
        conf, zh, en, shared = "certain", "同一法定代表人", "the same legal representative", "legal_rep"
    elif v == 1:
        ph = P.landlines(w.rng, 1, w.used_phones)[0]
        ad = P.office_addresses(w.rng, 1, w.used_addr)[0]
        cs = [w.company(tag, phone=ph, address=ad) for _ in range(n)]
        conf, zh, en, shared = "certain", "相同联系电话和注册地址", "the same phone and address", "phone+address"
    else:
        cs = [w.company(tag) for _ in range(n)]
        conf, zh, en, shared = "certain", "相同收款账号", "the same payee bank account", "account"
    acct = cs[0].account
    totals = []
    lo = w.randint(PAY_LO, day(2023, 6, 1))
    for c in cs:
        k = w.randint(2, 4)
        dates = w.dates_within(lo, lo + 360, k, 25)
        totals.append(w.pay(tag, u, c, dates, w.amounts(k, 20_000, 200_000), account=acct if v == 2 else None))
    w.truth(tag, "supplier_ring", conf, official=None, unit=u, company=cs[0], shared=shared,
            companies=[{"name": c.name, "credit_code": c.code} for c in cs], payments=totals,
            keys={"companies": [f"uscc:{c.code}" for c in cs]},
            desc_zh=f"{u.name}的{n}家供应商{zh}（疑似围标串标）。",
            desc_en=f"{n} suppliers of {u.name} share {en} (possible bid rigging).")


# ---------------------------------------------------------------------------------------------- 8

def subsidy_to_relative(w: World, i: int) -> None:
    tag = w.next_id("S")
    v = i % 3
    town = w.unit("town")
    if v == 1:
        off, u, s, e = _official(w, tag, w.unit("dept"), "副局长")
        approver: Unit | None = u
    else:
        off, u, s, e = _official(w, tag, town, "镇长")
        approver = None if w.rng.random() < 0.5 else w.unit("dept")
    term = ["父亲", "母亲", "兄"][v]
    item = w.randint(0, 7)
    lo, hi = w.tenure_window(s, e)
    dates = w.dates_within(lo, hi, 2, 60)
    reg_name = None
    if v == 0:
        rel = w.relative(tag, off, term)
        for d in dates:
            w.subsidy(tag, town, approver, rel, item, d)
        conf = "certain"
    elif v == 1:
        rel = w.relative(tag, off, term, need="trad", show_id=False)
        reg_name = P.traditional_variant(rel.name)
        for d in dates:
            w.subsidy(tag, town, approver, rel, item, d, name_as=reg_name)
        conf = "probable"
    else:
        rel = w.relative(tag, off, term)
        for d in dates:
            w.subsidy(tag, town, approver, rel, item, d, id_shown=False)
        conf = "possible"
    role = "审批" if v == 1 else "发放"
    w.truth(tag, "subsidy_to_relative", conf, official=off, unit=u, relative=rel, relation=term,
            in_family_record=v != 1, registry_name=reg_name, role="approver" if v == 1 else "payer",
            payer_unit=town.name, keys={"payer_unit": unit_key(town.name)},
            desc_zh=f"{u.name}{off.name}（{role}单位干部）的{term}{rel.name}领取{town.name}发放的补贴。",
            desc_en=f"A relative ({term}) of an official of the {'approving' if v == 1 else 'paying'} unit received subsidies.")


# ---------------------------------------------------------------------------------------------- 9

def split_payments(w: World, i: int) -> None:
    tag = w.next_id("S")
    u = w.unit("dept")
    c = w.company(tag)
    k = w.randint(4, 5)
    start = w.randint(PAY_LO, day(2024, 10, 1))
    offs = sorted(int(x) for x in w.rng.choice(29, size=k, replace=False))
    amts = [float(w.randint(480, 499) * 100) if w.rng.random() < 0.5 else round(w.rand(48_000, 49_900), 2)
            for _ in range(k)]
    pays = w.pay(tag, u, c, [start + o for o in offs], amts, purpose="零星工程维修款")
    w.truth(tag, "split_payments", "certain", official=None, unit=u, company=c, payments=pays, threshold=50_000,
            desc_zh=f"{u.name}在30天内向{c.name}支付{k}笔48000-49900元款项，均略低于5万元审批限额（疑似拆分支付）。",
            desc_en=f"{k} payments of 48,000-49,900 to one payee within 30 days, just under a 50,000 threshold.")


# ---------------------------------------------------------------------------------------------- 10

def revolving_door(w: World, i: int) -> None:
    tag = w.next_id("S")
    v = i % 3
    end = w.randint(day(2018, 6, 1), day(2021, 6, 30))
    off, u, s, e = _official(w, tag, start=w.randint(day(2009, 1, 1), day(2014, 12, 31)), end=end)
    join = end + w.randint(120, 300)
    c = w.company(tag, lr_share=0.6 if v == 0 else 1.0, extra_holders=0)
    if v == 0:
        w.holder(tag, c, off, 0.4, contrib=join)
        w.change(tag, c, "投资人变更", c.legal_rep.name, f"{c.legal_rep.name}、{off.name}", join)
        conf, zh, en = "certain", "成为股东", "becomes a shareholder"
    elif v == 1:
        w.officer(tag, c, off, "经理", id_shown=True, id_form="15")
        w.change(tag, c, "高级管理人员备案", "经理：无", f"经理：{off.name}", join)
        conf, zh, en = "certain", "任经理（登记为15位身份证号）", "becomes manager (15-digit ID)"
    else:
        w.officer(tag, c, off, "经理")
        conf, zh, en = "possible", "同名人员任经理（无证件号）", "a person of the same name becomes manager (no ID)"
    k = w.randint(3, 5)
    last = min(TODAY - 30, end + 1065) if w.in_window else TODAY - 30  # the query's window_days is 1095
    dates = w.dates_within(join + 30, last, k, 30)
    pays = w.pay(tag, u, c, dates, w.amounts(k, 50_000, 500_000))
    w.truth(tag, "revolving_door", conf, official=off, unit=u, company=c, payments=pays,
            tenure_end=iso(end), joined=iso(join),
            desc_zh=f"{off.name}于{iso(end)}离任{u.name}后{zh}于{c.name}，原单位随后向该公司付款。",
            desc_en=f"A former official of {u.name} {en} of a company his former unit then paid.")


# ---------------------------------------------------------------------------------------------- 11

def relative_across_units(w: World, i: int) -> None:
    tag = w.next_id("S")
    v = i % 2
    p = w.person(male=True, years=(1976, 1986))
    c = w.company(tag, p, lr_share=0.9)
    units: list[Unit] = []
    offs: list[Person] = []
    pays = []
    if v == 0:
        roles = [("妻弟", None, True), ("弟", p.birth - int(4 * YEAR), True)]
    else:
        roles = [("女婿", None, True), ("儿子", p.birth - int(28 * YEAR), False), ("连襟", None, True)]
    for term, birth, show in roles:
        u = w.unit("dept", exclude=tuple(units))
        o = None
        if birth is not None:  # a blood relative: same surname, consistent age
            o = w.person(male=True, birth=birth, surname=P.surname_of(p.name))
        off, u, s, e = _official(w, tag, u, p=o)
        w.relative(tag, off, term, p, show_id=show)
        units.append(u)
        offs.append(off)
        pays.append(_pay_in(w, tag, u, c, s, e, k=2))
    terms = "、".join(r[0] for r in roles)
    w.truth(tag, "relative_across_units", "certain", official=offs[0], unit=units[0], relative=p,
            relation=terms, company=c, payments=pays,
            officials=[{"name": o.name, "id_number": o.id18, "unit": u.name} for o, u in zip(offs, units, strict=True)],
            keys={"officials": [f"ric:{o.id18}" for o in offs], "units": [unit_key(u.name) for u in units]},
            desc_zh=f"{p.name}同时是{len(units)}个单位干部的亲属（{terms}），其任法定代表人的{c.name}收到这些单位的付款。",
            desc_en=f"One person is a relative of officials in {len(units)} units, all of which pay his company.")


# ---------------------------------------------------------------------------------------------- 12

def shell_company(w: World, i: int) -> None:
    tag = w.next_id("S")
    v = i % 3
    u = w.unit("dept")
    if v == 0:
        c = w.company(tag, capital_wan=1.0, established=w.randint(day(2015, 1, 1), day(2017, 6, 1)))
        k = 4
        amts = w.amounts(k, 250_000, 600_000)
        zh, en, why = "注册资本仅1万元，却收到逾百万元付款", "registered capital of 10,000 yet paid over a million", "tiny_capital"
    elif v == 1:
        addr = P.office_addresses(w.rng, 1, w.used_addr)[0]
        for _ in range(6):
            w.company(tag, address=addr, capital_wan=float(w.pick([3, 5, 10, 50])))
        c = w.company(tag, address=addr)
        k = 3
        amts = w.amounts(k, 50_000, 300_000)
        zh, en, why = "注册地址与另外6家企业相同", "shares its address with 6 other companies", "shared_address"
    else:
        status = w.pick(["注销", "吊销"])
        c = w.company(tag, status=status, established=w.randint(day(2010, 1, 1), day(2015, 1, 1)))
        k = 3
        amts = w.amounts(k, 30_000, 300_000)
        zh, en, why = f"登记状态为{status}仍在收款", f"is {status} (closed) yet still paid", "dead_status"
    dates = w.dates_within(day(2022, 1, 1), TODAY - 20, k, 40)
    if v == 2:
        w.change(tag, c, "登记状态变更", "存续", c.status, dates[0] - w.randint(30, 200))
    pays = w.pay(tag, u, c, dates, amts)
    w.truth(tag, "shell_company", "certain", official=None, unit=u, company=c, payments=pays, shell_reason=why,
            desc_zh=f"{c.name}{zh}（疑似空壳公司），收款方为{u.name}的供应商。",
            desc_en=f"A paid company {en} (possible shell).")


# ---------------------------------------------------------------------------------------------- decoys

def decoy_namesake(w: World, i: int) -> None:
    tag = w.next_id("D")
    off, u, s, e = _official(w, tag)
    term = w.pick(["儿子", "配偶", "弟", "姐"])
    rel = w.relative(tag, off, term)
    q = w.namesake(rel, same_birth=False)
    c = w.company(tag, q)
    _pay_in(w, tag, u, c, s, e, k=3)
    w.truth(tag, "relative_company_paid", None, kind="namesake", official=off, unit=u, relative=rel, company=c,
            relation=term, desc_zh="收款企业法定代表人与干部亲属同名同姓，但身份证号与出生日期均不同（同名不同人）。",
            keys={"namesake": f"ric:{q.id18}"},
            desc_en="The legal representative of a paid company has the same name as an official's relative "
                           "but a different valid ID and birth date: a namesake, not the relative.")


def decoy_same_birth(w: World, i: int) -> None:
    tag = w.next_id("D")
    off, u, s, e = _official(w, tag)
    term = w.pick(["母亲", "岳父", "兄", "妹"])
    rel = w.relative(tag, off, term)
    q = w.namesake(rel, same_birth=True)
    c = w.company(tag, q)
    _pay_in(w, tag, u, c, s, e, k=3)
    w.truth(tag, "relative_company_paid", None, kind="same_name_same_birth", official=off, unit=u, relative=rel,
            company=c, relation=term, desc_zh="收款企业法定代表人与干部亲属同名且出生日期相同，但身份证号不同（两个人）。", keys={"namesake": f"ric:{q.id18}"},
            desc_en="Same name and same birth date as an official's relative, but a different resident ID: "
                           "two people.")


def decoy_outside_tenure(w: World, i: int) -> None:
    tag = w.next_id("D")
    start = w.randint(day(2021, 6, 1), day(2022, 6, 1))
    off, u, s, e = _official(w, tag, start=start)
    term = w.pick(["妻子", "儿子", "岳父"]) if off.male else "丈夫"
    rel = w.relative(tag, off, term)
    c = w.company(tag, rel)
    k = 3
    w.pay(tag, u, c, w.dates_within(PAY_LO, start - 150, k, 40), w.amounts(k, 20_000, 200_000))
    w.truth(tag, "relative_company_paid", None, kind="outside_tenure", official=off, unit=u, relative=rel,
            company=c, relation=term, desc_zh="亲属企业收到本单位付款，但付款均在该干部任职之前。", tenure_start=iso(start),
            desc_en="A relative's company was paid by the unit, but only before the official took office.")


def decoy_other_unit(w: World, i: int) -> None:
    tag = w.next_id("D")
    off, u2, s, e = _official(w, tag)
    term = w.pick(["女婿", "兄", "妻弟"]) if off.male else "兄"
    rel = w.relative(tag, off, term)
    c = w.company(tag, rel)
    u1 = w.unit("dept", exclude=(u2,))
    _pay_in(w, tag, u1, c, s, e, k=3)
    w.truth(tag, "relative_company_paid", None, kind="other_unit", official=off, unit=u2, relative=rel, company=c,
            relation=term, desc_zh="亲属企业的付款来自另一个单位，而非该干部任职的单位。",
            keys={"paying_unit": unit_key(u1.name)}, paying_unit=u1.name,
            desc_en="A relative's company was paid by a different unit from the one the official serves in.")


SCHEMES: tuple[Callable[[World, int], None], ...] = (
    relative_company_paid, official_in_business, relative_company_chain, relative_left_before_payment,
    newborn_company_paid, shared_contact, supplier_ring, subsidy_to_relative, split_payments, revolving_door,
    relative_across_units, shell_company,
)
DECOYS: tuple[Callable[[World, int], None], ...] = (
    decoy_namesake, decoy_outside_tenure, decoy_other_unit, decoy_same_birth,
)


def plant_all(w: World) -> None:
    """Plant ``cfg.schemes`` instances of every scheme and ``cfg.decoys`` of every decoy."""
    for i in range(w.cfg.schemes):
        for fn in SCHEMES:
            if fn is newborn_company_paid and i > 2:
                continue
            fn(w, i)
    for i in range(w.cfg.decoys):
        for fn in DECOYS:
            fn(w, i)
