"""Payment ledgers (国库集中支付, 单位银行流水, 合同台账): one PAYMENT edge per row, unit → payee.

The payee is a Company when its name reads as an organisation (公司, 厂, 中心, 合作社 …) — keyed by the credit
code of a registry company with the same normalised name when one is known, else by the name — or a Person
(keyed by payer + name + account: never merged by name). Amounts must be positive; dates must parse. Each
payment's key is derived from its content (payer, payee, amount, date, voucher, contract and its occurrence
number among identical rows), so reloading a file never duplicates it. PAID totals are rebuilt after loads.
"""

from __future__ import annotations

import pandas as pd

from guanlian.loaders.common import (
    amounts,
    company_keys,
    contact_edges,
    parse_resident_ids,
    person_nodes,
    provenance,
    require,
    require_letters,
    required_dates,
    resident_ids,
    text_col,
    unit_keys,
)
from guanlian.loaders.spec import Batch, BuildContext, Field, KindSpec, stable_keys

FIELDS = (
    Field("payer", ("付款单位", "付款人", "预算单位", "付款方"), required=True, type="unit_name"),
    Field("payer_account", ("付款账号", "付款人账号", "付款账户"), type="account"),
    Field("payee", ("收款单位", "收款人", "收款单位(人)", "收款人名称", "收款方", "对方户名"), required=True,
          type="party_name"),
    Field("payee_code", ("收款单位统一社会信用代码", "收款人统一社会信用代码"), type="credit_code"),
    Field("payee_account", ("收款账号", "收款人账号", "收款账户", "对方账号"), type="account"),
    Field("amount", ("金额", "支付金额", "付款金额", "交易金额"), required=True, type="amount"),
    Field("paid_on", ("付款日期", "交易日期", "支付日期", "日期"), required=True, type="date"),
    Field("purpose", ("用途", "摘要", "付款用途")),
    Field("voucher", ("凭证号", "支付凭证号", "流水号")),
    Field("contract", ("合同号", "合同编号")),
)


def payee_keys(rows: pd.DataFrame, name: str, payer_keys: pd.Series, ctx: BuildContext, b: Batch,
               code_field: str | None, account_field: str | None, id_field: str | None,
               force_person: bool = False) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Keys, kinds and names-as-written (companies without a valid code, else None) of payees; creates their nodes."""
    kinds = pd.Series("Person", index=rows.index, dtype=object)
    named = pd.Series(None, index=rows.index, dtype=object)
    keys = pd.Series(None, index=rows.index, dtype=object)
    corp = pd.Series(False, index=rows.index) if force_person else ctx.cells.party_names(rows, name).corporate
    if corp.any():
        part = rows[corp]
        ck, code, status = company_keys(part, name, code_field if code_field in part.columns else None, ctx, b)
        # A payee named without a valid code keeps its name on the PAYMENT edge: it is resolved again after
        # every load (relink), and its node is the `cname:` one, written only while the name is unresolved.
        by_name = code.isna()
        named[by_name[by_name].index] = part.loc[by_name, name]
        own = ~by_name | ck.str.startswith("cname:")
        b.add_nodes("Company", pd.DataFrame({"key": ck, "name": part[name], "name_norm": ctx.cells.company_names(part, name),
                                             "credit_code": code, "credit_code_status": status,
                                             **provenance(part, ctx)})[own])
        keys[corp] = ck
        kinds[corp] = "Company"
    people = rows[~corp]
    if len(people):
        ids = resident_ids(people, id_field, b, ctx) if id_field and id_field in people.columns else (
            parse_resident_ids(pd.Series("", index=people.index, dtype=object)))
        account = text_col(people, account_field) if account_field else pd.Series(None, index=people.index, dtype=object)
        pk = person_nodes(people, name=name, ids=ids, anon_context=[payer_keys[~corp], account], ctx=ctx, batch=b)
        keys[~corp] = pk
    return keys, kinds, named


def ledger_rows(rows: pd.DataFrame, payee: str, ctx: BuildContext, b: Batch
                ) -> tuple[pd.DataFrame, pd.Series, pd.Series, pd.Series, pd.Series, dict[str, object]]:
    """What every ledger row needs first: required fields, a positive amount, a date, the paying Unit node.

    Returns the rows kept, their amount, ISO date, day number, unit keys and provenance columns.
    """
    rows = require(rows, ["payer", payee, "amount", "paid_on"], b)
    rows = require_letters(rows, payee, b)
    rows, amount = amounts(rows, "amount", b, ctx)
    rows, iso, day = required_dates(rows, "paid_on", b, ctx)
    amount = amount[rows.index]
    ukeys, unorm = unit_keys(rows, "payer", ctx)
    prov = provenance(rows, ctx)
    b.add_nodes("Unit", pd.DataFrame({"key": ukeys, "name": rows["payer"], "name_norm": unorm, **prov}))
    return rows, amount, iso, day, ukeys, prov


def fen_key(amount: pd.Series) -> pd.Series:
    """Amounts in fen as the text payment keys are made of: yuan as a float prints (``123450`` → ``"1234.5"``).

    Keys made before amounts were stored in fen used that text, so keys stay the same across the change.

    >>> fen_key(pd.Series([123450, 500000])).tolist()
    ['1234.5', '5000.0']
    """
    return (pd.to_numeric(amount).astype("int64") / 100).astype(str).astype(object)


def payment_content(payers: pd.Series, payees: pd.Series, amount: pd.Series, paid_on: pd.Series,
                    voucher: pd.Series, contract: pd.Series) -> pd.DataFrame:
    """What identifies a payment row (payer, payee, amount to the cent, date, voucher, contract), as text.

    Identical rows of one file are told apart by their occurrence number (:func:`payment_keys`).
    """
    def text(s: pd.Series) -> pd.Series:
        return s.astype(object).where(s.notna(), "")

    return pd.DataFrame({"u": text(payers), "p": text(payees),
                         "a": fen_key(amount), "d": text(paid_on),
                         "v": text(voucher), "c": text(contract)}, index=payers.index)


def payment_keys(content: pd.DataFrame, occurrence: pd.Series) -> pd.Series:
    """The PAYMENT edge key of each row of :func:`payment_content`, given its occurrence among identical rows."""
    return stable_keys("pay", *(content[c] for c in ("u", "p", "a", "d", "v", "c")), occurrence)


def build(rows: pd.DataFrame, ctx: BuildContext, channel: str = "treasury") -> Batch:
    """Payments → Unit + payee + PAYMENT (+ accounts)."""
    b = Batch()
    rows, amount, iso, day, ukeys, prov = ledger_rows(rows, "payee", ctx, b)
    pkeys, pkinds, named = payee_keys(rows, "payee", ukeys, ctx, b, "payee_code", "payee_account", None)
    voucher, contract = text_col(rows, "voucher"), text_col(rows, "contract")
    content = payment_content(ukeys, pkeys, amount, iso, voucher, contract)
    occurrence = content.groupby(list(content.columns), sort=False).cumcount()
    b.add_edges("PAYMENT", pd.DataFrame({
        "src": ukeys, "dst": pkeys, "src_kind": "Unit", "dst_kind": pkinds,
        "key": payment_keys(content, occurrence),
        "amount": amount, "paid_on": iso, "paid_on_day": day, "purpose": text_col(rows, "purpose"),
        "voucher": voucher, "contract": contract, "from_account": text_col(rows, "payer_account"),
        "to_account": text_col(rows, "payee_account"), "channel": channel, "payee_name": named, **prov}))
    contact_edges(ukeys, "Unit", rows, ctx, b, account="payer_account")
    for kind in ("Company", "Person"):
        m = pkinds == kind
        if m.any():
            contact_edges(pkeys[m], kind, rows[m], ctx, b, account="payee_account")
    return b


SPEC = KindSpec("payments", "付款明细", FIELDS, build, order=20)
