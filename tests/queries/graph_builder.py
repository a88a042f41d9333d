"""A tiny hand-built world for the saved-query tests: planted positives and near-miss negatives.

``GraphBuilder`` collects nodes and edges with provenance and writes them to any Store; ``world()`` builds the
shared world used by ``test_library.py`` (every query has at least one hit and one near miss in it).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

import pandas as pd

from guanlian.graph.store import Store
from guanlian.model import TIERS
from guanlian.values.money import to_fen  # amounts are written in yuan here, stored in fen


def day(iso: str) -> int:
    """Day number (days since 1970-01-01) of an ISO date."""
    return (date.fromisoformat(iso) - date(1970, 1, 1)).days


class GraphBuilder:
    """Collect nodes and edges, then ``build(store)``."""

    def __init__(self) -> None:
        self.nodes: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
        self.edges: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.kind_of: dict[str, str] = {}
        self._row = 1
        self._payments: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)

    def _prov(self, file: str) -> dict[str, Any]:
        self._row += 1
        return {"src_file": file, "src_row": self._row, "load_id": "test"}

    def node(self, kind: str, key: str, file: str = "test.csv", **props: Any) -> str:
        for k in [k for k in props if k.endswith(("_date", "established", "status_on")) and props[k]]:
            props[f"{k}_day"] = day(props[k])
        self.nodes[kind][key] = {"key": key, **props, **self._prov(file)}
        self.kind_of[key] = kind
        return key

    def unit(self, name: str) -> str:
        return self.node("Unit", f"unit:{name}", "人员.csv", name=name)

    def person(self, key: str, name: str, **props: Any) -> str:
        if key.startswith("ric:") and "id_number" not in props:
            props["id_number"] = key[4:]
        return self.node("Person", key, props.pop("file", "人员.csv"), name=name, **props)

    def company(self, key: str, name: str, established: str = "2010-01-01", reg_capital: float = 5e6,
                status: str = "存续", **props: Any) -> str:
        return self.node("Company", key, "企业.csv", name=name, established=established, reg_capital=to_fen(reg_capital),
                         status=status, **props)

    def edge(self, kind: str, src: str, dst: str, key: str | None = None, file: str = "test.csv",
             **props: Any) -> str:
        for k in [k for k in list(props) if k in ("term_start", "term_end", "paid_on", "changed_on") and props[k]]:
            props[f"{k}_day"] = day(props[k])
        key = key or f"{kind}:{src}>{dst}"
        self.edges[kind].append({"src": src, "dst": dst, "src_kind": self.kind_of[src],
                                 "dst_kind": self.kind_of[dst], "key": key, **props, **self._prov(file)})
        return key

    def serves(self, o: str, u: str, start: str, end: str | None = None, post: str = "局长") -> str:
        return self.edge("SERVES_IN", o, u, file="人员.csv", post=post, term_start=start, term_end=end)

    def relative(self, r: str, o: str, term: str, relation: str = "relative", degree: int = 1) -> str:
        return self.edge("RELATIVE_OF", r, o, file="家庭成员.csv", term=term, relation=relation, degree=degree)

    def same(self, a: str, b: str, tier: str = "probable", score: float = 0.8,
             why_zh: str = "姓名相同、出生日期相同", why_en: str = "same name, same birth date") -> str:
        lo, hi = sorted((a, b))
        return self.edge("POSSIBLY_SAME", lo, hi, file="matcher", tier=tier, tier_rank=TIERS.index(tier),
                         score=score, explanation_zh=why_zh, explanation_en=why_en)

    def holds(self, p: str, c: str, share: float) -> str:
        return self.edge("SHAREHOLDER_OF", p, c, file="股东.csv", share=share)

    def officer(self, p: str, c: str, title: str = "经理") -> str:
        return self.edge("OFFICER_OF", p, c, file="主要人员.csv", title=title)

    def legal_rep(self, p: str, c: str) -> str:
        return self.edge("LEGAL_REP_OF", p, c, file="企业.csv")

    def change(self, p: str, c: str, action: str, on: str) -> str:
        return self.edge("CHANGE", p, c, key=f"CHANGE:{p}>{c}:{action}:{on}", file="变更.csv", action=action,
                         changed_on=on, item="投资人变更")

    def pay(self, u: str, x: str, amount: float, on: str, channel: str = "国库集中支付", item: str | None = None,
            approver: str | None = None) -> str:
        n = len(self._payments[(u, x)])
        key = self.edge("PAYMENT", u, x, key=f"PAYMENT:{u}>{x}:{n}", file="付款.csv", amount=to_fen(amount), paid_on=on,
                        channel=channel, item=item, approver_unit=approver)
        self._payments[(u, x)].append(self.edges["PAYMENT"][-1])
        return key

    def contact(self, owner: str, kind: str, value: str) -> str:
        prefix, prop, edge = {"Phone": ("tel:", "number", "HAS_PHONE"), "Email": ("mail:", "address", "HAS_EMAIL"),
                              "Address": ("addr:", "text", "HAS_ADDRESS"),
                              "Account": ("acct:", "number", "HAS_ACCOUNT")}[kind]
        key = prefix + value
        if key not in self.kind_of:
            self.node(kind, key, **{prop: value})
        return self.edge(edge, owner, key)

    def paid_edges(self) -> list[dict[str, Any]]:
        out = []
        for (u, x), pays in self._payments.items():
            days = [p["paid_on_day"] for p in pays]
            first = min(pays, key=lambda p: p["paid_on_day"])
            out.append({"src": u, "dst": x, "src_kind": "Unit", "dst_kind": self.kind_of[x], "key": f"PAID:{u}>{x}",
                        "payments": len(pays), "total": sum(p["amount"] for p in pays),
                        "first_paid_day": min(days), "last_paid_day": max(days),
                        "first_paid": first["paid_on"], "last_paid": max(pays, key=lambda p: p["paid_on_day"])["paid_on"],
                        "channel": first["channel"], "src_file": first["src_file"], "src_row": first["src_row"],
                        "load_id": "test"})
        return out

    def build(self, store: Store) -> Store:
        store.ensure_schema()
        for kind, rows in self.nodes.items():
            store.upsert_nodes(kind, pd.DataFrame(list(rows.values())))
        for kind, erows in self.edges.items():
            store.upsert_edges(kind, pd.DataFrame(erows))
        store.upsert_edges("PAID", pd.DataFrame(self.paid_edges()))
        return store


def world() -> GraphBuilder:
    """The shared test world. Comments name the query each part plants a hit (+) or a near miss (-) for."""
    g = GraphBuilder()
    u1, u2, u3 = g.unit("住建局"), g.unit("交通局"), g.unit("农业局")

    # officials
    o1 = g.person("ric:O1", "王建国", phone="13900000001")
    g.serves(o1, u1, "2018-06-01", None, "局长")
    o2 = g.person("ric:O2", "张伟")
    g.serves(o2, u2, "2015-01-01", "2017-12-31", "副局长")
    o3 = g.person("ric:O3", "陈明")
    g.serves(o3, u3, "2016-01-01", None, "科长")
    o4 = g.person("ric:O4", "赵强")
    g.serves(o4, u2, "2016-03-01", None, "局长")
    o5 = g.person("ric:O5", "刘洋")
    g.serves(o5, u3, "2017-01-01", None, "副局长")
    o6 = g.person("ric:O6", "孙丽")
    g.serves(o6, u1, "2019-01-01", None, "科员")

    # relative_company_paid (+ certain): 岳母 R1 holds 60% of C1, paid by U1 in tenure
    r1 = g.person("ric:R1", "刘桂英", file="家庭成员.csv")
    g.relative(r1, o1, "岳母", "mother_in_law", 2)
    c1 = g.company("uscc:C1", "恒信建材有限公司")
    g.holds(r1, c1, 0.6)
    g.pay(u1, c1, 500000, "2019-04-10")
    g.pay(u1, c1, 300000, "2020-01-15")
    # (+ probable): son R2 (no ID) ~ registry person H2, legal rep of C2, paid by U1
    r2 = g.person("anon:R2", "李晓明", file="家庭成员.csv")
    g.relative(r2, o1, "儿子", "son", 1)
    h2 = g.person("anon:H2", "李小明", file="企业.csv")
    g.same(r2, h2, "probable")
    c2 = g.company("uscc:C2", "晓明科技有限公司")
    g.legal_rep(h2, c2)
    g.pay(u1, c2, 120000, "2021-05-06")
    # (- payment outside tenure): O2 left U2 in 2017; his relative R3's company C3 paid by U2 in 2019
    r3 = g.person("ric:R3", "张芳", file="家庭成员.csv")
    g.relative(r3, o2, "妹妹", "sister", 2)
    c3 = g.company("uscc:C3", "芳华商贸有限公司")
    g.holds(r3, c3, 0.5)
    g.pay(u2, c3, 80000, "2019-03-01")
    # (- namesake with a different ID): O3's wife 周芳 R4a; another 周芳 R4b holds C4 paid by U3
    r4a = g.person("ric:R4A", "周芳", file="家庭成员.csv")
    g.relative(r4a, o3, "妻子", "spouse", 1)
    r4b = g.person("ric:R4B", "周芳", file="股东.csv")
    c4 = g.company("uscc:C4", "周氏农资有限公司")
    g.holds(r4b, c4, 0.4)
    g.pay(u3, c4, 60000, "2020-06-01")
    # (share below threshold): O1's brother R5 holds 1% of C5, paid by U1 in tenure
    r5 = g.person("ric:R5", "王建军", file="家庭成员.csv")
    g.relative(r5, o1, "弟弟", "brother", 2)
    c5 = g.company("uscc:C5", "建军物流有限公司")
    g.holds(r5, c5, 0.01)
    g.pay(u1, c5, 40000, "2020-08-08")
    # (- relative of another unit): O4 (U2)'s son R6 holds C6, but only U1 pays C6
    r6 = g.person("ric:R6", "赵磊", file="家庭成员.csv")
    g.relative(r6, o4, "儿子", "son", 1)
    c6 = g.company("uscc:C6", "磊石工程有限公司")
    g.holds(r6, c6, 0.7)
    g.pay(u1, c6, 90000, "2021-02-02")
    # (+ possible tier only): O4's daughter R7 ~possible~ H7, officer of C7 paid by U2
    r7 = g.person("anon:R7", "赵静", file="家庭成员.csv")
    g.relative(r7, o4, "女儿", "daughter", 1)
    h7 = g.person("anon:H7", "赵婧", file="主要人员.csv")
    g.same(r7, h7, "possible", 0.5, why_zh="姓名同音，身份证号 36240119920817301X 与出生日期一致",
           why_en="same-sounding name, ID 36240119920817301X matches the birth date")
    c7 = g.company("uscc:C7", "静安咨询有限公司")
    g.officer(h7, c7, "财务负责人")
    g.pay(u2, c7, 30000, "2022-03-03")

    # official_in_business (+ high): O5 holds 30% of C8, paid by U3 in tenure
    c8 = g.company("uscc:C8", "洋帆农资有限公司")
    g.holds(o5, c8, 0.3)
    g.pay(u3, c8, 70000, "2020-07-07")
    g.pay(u3, c8, 75000, "2021-07-07")
    # (+ medium): O6 is supervisor of C9, never paid
    c9 = g.company("uscc:C9", "丽人美容有限公司")
    g.officer(o6, c9, "监事")
    # (-): a namesake of O5 (other ID, no link) holds C10 paid by U3
    o5b = g.person("ric:O5B", "刘洋", file="股东.csv")
    c10 = g.company("uscc:C10", "刘洋五金店")
    g.holds(o5b, c10, 1.0)
    g.pay(u3, c10, 20000, "2020-02-02")

    # relative_company_chain (+): R1 -> C1 (60%) -> C11 (50%) -> C12 (80%), C12 paid by U1; effective 24%
    c11 = g.company("uscc:C11", "恒信控股有限公司")
    c12 = g.company("uscc:C12", "恒信路桥有限公司")
    g.holds(c1, c11, 0.5)
    g.holds(c11, c12, 0.8)
    g.pay(u1, c12, 900000, "2022-09-09")
    # (-): C11 is paid only by U3, where no relative of R1's official serves
    g.pay(u3, c11, 50000, "2022-01-01")

    # relative_left_before_payment (+ left): O4's wife R8 left C13 45 days before U2's first payment
    r8 = g.person("ric:R8", "钱红", file="家庭成员.csv")
    g.relative(r8, o4, "妻子", "spouse", 1)
    c13 = g.company("uscc:C13", "红星建设有限公司")
    g.change(r8, c13, "left", "2020-03-01")
    g.pay(u2, c13, 150000, "2020-04-15")
    # (+ joined): R8 joined C15 22 days after U2's first payment
    c15 = g.company("uscc:C15", "星辰装饰有限公司")
    g.change(r8, c15, "joined", "2021-02-01")
    g.pay(u2, c15, 60000, "2021-01-10")
    # (-): R8 left C14 two years before its first payment
    c14 = g.company("uscc:C14", "旧城物业有限公司")
    g.change(r8, c14, "left", "2018-01-01")
    g.pay(u2, c14, 50000, "2020-06-01")

    # (+ change log without ID): O5's son R13 holds 20% of C39; the change log names 刘成 (no ID) joining 26 days
    # after U3's first payment; another change-log name (刘晨) at C39 is a near miss
    r13 = g.person("ric:R13", "刘成", file="家庭成员.csv")
    g.relative(r13, o5, "儿子", "son", 1)
    c39 = g.company("uscc:C39", "成达科技有限公司")
    g.holds(r13, c39, 0.2)
    g.change(g.person("anon:X13", "刘成", file="变更.csv"), c39, "joined", "2022-02-15")
    g.change(g.person("anon:X14", "刘晨", file="变更.csv"), c39, "joined", "2022-02-16")
    g.pay(u3, c39, 66000, "2022-01-20")

    # newborn_company_paid (+): C16 set up 41 days before U3's first payment
    c16 = g.company("uscc:C16", "新苗科技有限公司", established="2020-01-10")
    g.pay(u3, c16, 45000, "2020-02-20")
    # (-): C17 set up in 2015
    c17 = g.company("uscc:C17", "老字号贸易有限公司", established="2015-05-05")
    g.pay(u3, c17, 45000, "2020-02-20")

    # shared_contact (+ official's phone): C18's registered phone is O3's
    g.contact(o3, "Phone", "13900000003")
    c18 = g.company("uscc:C18", "明达商贸有限公司")
    g.contact(c18, "Phone", "13900000003")
    g.pay(u3, c18, 33000, "2021-04-04")
    # (+ relative's e-mail): C19's e-mail is O1's son R2's
    g.contact(r2, "Email", "xm@example.cn")
    c19 = g.company("uscc:C19", "晓风文化有限公司")
    g.contact(c19, "Email", "xm@example.cn")
    g.pay(u1, c19, 21000, "2022-04-04")
    # (-): C20 shares O2's address, but U2 paid it only after O2 left
    g.contact(o2, "Address", "交通路1号")
    c20 = g.company("uscc:C20", "通达运输有限公司")
    g.contact(c20, "Address", "交通路1号")
    g.pay(u2, c20, 10000, "2019-09-09")

    # supplier_ring (+ legal rep): U2 pays C21, C22, C23, all with legal rep X1
    x1 = g.person("anon:X1", "马六", file="企业.csv")
    for i, cname in ((21, "甲"), (22, "乙"), (23, "丙")):
        c = g.company(f"uscc:C{i}", f"{cname}路政工程有限公司")
        g.legal_rep(x1, c)
        g.pay(u2, c, 10000 * i, "2021-06-01")
    # (+ account): C24 and C25, paid by U2, share a bank account
    for i in (24, 25):
        c = g.company(f"uscc:C{i}", f"第{i}劳务有限公司")
        g.contact(c, "Account", "62220001")
        g.pay(u2, c, 5000 * i, "2021-07-01")
    # (+ name only, possible): U1 pays C41 and C42, whose legal reps have no ID and share the name 王建国
    for i in (41, 42):
        c = g.company(f"uscc:C{i}", f"第{i}建筑劳务有限公司")
        g.legal_rep(g.person(f"anon:X{i}", "王建国", file="企业.csv"), c)
        g.pay(u1, c, 12000, "2021-09-01")
    # (-): U1 pays C43 and C44, whose legal reps are namesakes with different IDs
    for i in (43, 44):
        c = g.company(f"uscc:C{i}", f"第{i}园林工程有限公司")
        g.legal_rep(g.person(f"ric:P{i}", "李明", file="企业.csv"), c)
        g.pay(u1, c, 12000, "2021-09-02")
    # (-): C26 (paid by U2) and C27 (paid by U3) share a phone: different units
    for i, u in ((26, u2), (27, u3)):
        c = g.company(f"uscc:C{i}", f"第{i}设备有限公司")
        g.contact(c, "Phone", "07960000026")
        g.pay(u, c, 7000, "2021-08-01")

    # subsidy_to_relative (+): U3 pays a subsidy to O3's father R10
    r10 = g.person("ric:R10", "陈德福", file="家庭成员.csv")
    g.relative(r10, o3, "父亲", "father", 1)
    g.pay(u3, r10, 1500, "2021-03-01", channel="subsidy", item="耕地地力保护补贴")
    # (-): a namesake (other ID) gets a subsidy from U3; U1 pays R10 (relative of U3's official) a subsidy
    r10b = g.person("ric:R10B", "陈德福", file="补贴.csv")
    g.pay(u3, r10b, 1500, "2021-03-01", channel="subsidy", item="耕地地力保护补贴")
    g.pay(u1, r10, 800, "2021-05-01", channel="subsidy", item="住房补贴")
    # (+): U2 pays R10 a subsidy that U3 (O3's unit) approved; (-) one approved by U1, where R10 is nobody's relative
    g.pay(u2, r10, 600, "2021-06-01", channel="subsidy", item="农机购置补贴", approver=u3)
    g.pay(u2, r10, 700, "2021-07-01", channel="subsidy", item="农机购置补贴", approver=u1)

    # split_payments (+): three amounts just below 100,000 to C28 within 20 days
    c28 = g.company("uscc:C28", "拆分建材有限公司")
    for amt, on in ((98000, "2021-05-01"), (99500, "2021-05-10"), (97000, "2021-05-20")):
        g.pay(u1, c28, amt, on)
    # (-): C29 gets two below-threshold amounts five months apart; C30 gets amounts above the threshold
    c29 = g.company("uscc:C29", "分期服务有限公司")
    g.pay(u1, c29, 98000, "2021-01-01")
    g.pay(u1, c29, 99000, "2021-06-01")
    c30 = g.company("uscc:C30", "大额工程有限公司")
    g.pay(u1, c30, 120000, "2021-05-01")
    g.pay(u1, c30, 150000, "2021-05-05")

    # revolving_door (+): O2 left U2 end 2017, joined C31 in 2018, U2 paid C31 in 2019
    c31 = g.company("uscc:C31", "通衢工程咨询有限公司")
    g.officer(o2, c31, "总经理")
    g.change(o2, c31, "joined", "2018-06-01")
    g.pay(u2, c31, 200000, "2019-05-05")
    # (-): O2 also sits in C32, which U2 paid only while he was in post
    c32 = g.company("uscc:C32", "早年监理有限公司")
    g.officer(o2, c32, "顾问")
    g.pay(u2, c32, 20000, "2016-05-05")

    # relative_across_units (+): R11 is O1's sister and O5's wife; U1 and U3 both pay C33
    r11 = g.person("ric:R11", "王丽", file="家庭成员.csv")
    g.relative(r11, o1, "妹妹", "sister", 2)
    g.relative(r11, o5, "妻子", "spouse", 1)
    c33 = g.company("uscc:C33", "共赢设备有限公司")
    g.pay(u1, c33, 11000, "2021-01-01")
    g.pay(u3, c33, 12000, "2021-02-01")
    # (-): R12 is a relative of O4 (U2) and O6 (U1), but only U2 pays C34
    r12 = g.person("ric:R12", "孙凯", file="家庭成员.csv")
    g.relative(r12, o4, "女婿", "son_in_law", 1)
    g.relative(r12, o6, "弟弟", "brother", 2)
    c34 = g.company("uscc:C34", "单边贸易有限公司")
    g.pay(u2, c34, 13000, "2021-03-01")

    # shell_company (+ tiny capital): C35 capital 10,000 but paid 2,000,000 by U2 (and newborn_company_paid:
    # set up a month before, so both queries find the same link and the scan merges them)
    c35 = g.company("uscc:C35", "空壳咨询有限公司", reg_capital=10000, established="2022-01-01")
    g.pay(u2, c35, 2000000, "2022-02-02")
    # (+ crowded address): C36 shares its address with 5 other (unpaid) companies; paid by U3
    c36 = g.company("uscc:C36", "集群商务有限公司")
    g.contact(c36, "Address", "开发区创业大厦1号")
    for i in range(5):
        g.contact(g.company(f"uscc:CX{i}", f"集群{i}号有限公司"), "Address", "开发区创业大厦1号")
    g.pay(u3, c36, 30000, "2022-03-03")
    # (+ revoked): C37 status 吊销, still paid by U1
    c37 = g.company("uscc:C37", "吊销贸易有限公司", status="吊销")
    g.pay(u1, c37, 30000, "2022-04-04")
    # (+ deregistered, dated by a change record): C50 注销 on 2022-01-10, paid by U1 on 2022-06-06 after it
    c50 = g.company("uscc:C50", "已注销建材有限公司", status="注销")
    g.edge("CHANGE", c50, c50, key="CHANGE:C50:status", file="变更.csv", action="changed", item="登记状态",
           before="存续", after="注销", changed_on="2022-01-10")
    g.pay(u1, c50, 40000, "2022-06-06")
    # (-): C51 注销 on 2023-01-01 (registry date column), but its only payment was before that
    c51 = g.company("uscc:C51", "后注销贸易有限公司", status="注销", status_on="2023-01-01")
    g.pay(u1, c51, 40000, "2022-06-06")
    # (-): C38 normal capital, own address, 存续
    c38 = g.company("uscc:C38", "正常贸易有限公司", reg_capital=5e6)
    g.contact(c38, "Address", "正常路8号")
    g.pay(u1, c38, 100000, "2022-05-05")
    return g
