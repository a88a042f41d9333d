"""Subsidy lists (惠民惠农补贴发放): payments from a unit to people, channel ``subsidy``.

Recipients are Persons keyed by resident ID when valid, else by paying unit + name + account.
"""

from __future__ import annotations

import pandas as pd

from guanlian.loaders.common import (
    contact_edges,
    text_col,
)
from guanlian.loaders.payments import fen_key, ledger_rows, payee_keys
from guanlian.loaders.spec import Batch, BuildContext, Field, KindSpec, stable_keys

FIELDS = (
    Field("payer", ("发放单位", "发放机构"), required=True, type="unit_name"),
    Field("approver", ("审批单位", "审核单位"), type="unit_name"),
    Field("name", ("领取人", "领取人姓名", "补贴对象", "户主姓名"), required=True, type="person_name"),
    Field("id_number", ("身份证号", "公民身份号码", "身份证号码"), type="resident_id"),
    Field("item", ("补贴项目", "项目名称", "资金名称")),
    Field("amount", ("发放金额", "补贴金额"), required=True, type="amount"),
    Field("paid_on", ("发放日期", "发放时间"), required=True, type="date"),
    Field("account", ("收款账号", "银行账号", "一卡通账号", "账号"), type="account"),
)


def build(rows: pd.DataFrame, ctx: BuildContext) -> Batch:
    """Subsidies → Unit + recipient Person + PAYMENT(channel=subsidy)."""
    b = Batch()
    rows, amount, iso, day, ukeys, prov = ledger_rows(rows, "name", ctx, b)
    pkeys, _, _ = payee_keys(rows, "name", ukeys, ctx, b, None, "account", "id_number", force_person=True)
    item = text_col(rows, "item")
    approver = text_col(rows, "approver")
    if ctx.cells.has("approver"):
        approver = ("unit:" + ctx.cells.values(rows, "approver")).where(approver.notna(), None)
    content = pd.DataFrame({"u": ukeys, "p": pkeys, "a": fen_key(amount), "d": iso, "i": item.fillna("")})
    occurrence = content.groupby(list(content.columns), sort=False).cumcount()
    b.add_edges("PAYMENT", pd.DataFrame({
        "src": ukeys, "dst": pkeys, "src_kind": "Unit", "dst_kind": "Person",
        "key": stable_keys("sub", content["u"], content["p"], content["a"], content["d"], content["i"], occurrence),
        "amount": amount, "paid_on": iso, "paid_on_day": day, "approver_unit": approver,
        "to_account": text_col(rows, "account"), "channel": "subsidy", "item": item, **prov}))
    contact_edges(pkeys, "Person", rows, ctx, b, account="account")
    return b


SPEC = KindSpec("subsidies", "补贴发放", FIELDS, build, order=21)
