"""Company registry (工商登记 / 企业信用信息): companies and their legal representatives.

Builds Company (keyed by credit code, else normalised legal name), the legal representative's Person node and
LEGAL_REP_OF, plus the company's registered phone, e-mail and address.
"""

from __future__ import annotations

import pandas as pd

from guanlian.loaders.common import (
    by_name_records,
    company_keys,
    contact_edges,
    optional_dates,
    person_nodes,
    provenance,
    require,
    require_letters,
    resident_ids,
    text_col,
)
from guanlian.loaders.spec import Batch, BuildContext, Field, KindSpec

FIELDS = (
    Field("name", ("企业名称", "公司名称", "单位名称", "名称"), required=True, type="company_name"),
    Field("credit_code", ("统一社会信用代码", "信用代码", "注册号"), type="credit_code"),
    Field("legal_rep", ("法定代表人", "法人代表", "负责人", "经营者"), type="person_name"),
    Field("legal_rep_id", ("法定代表人证件号", "法定代表人身份证号", "法人身份证号"), type="resident_id"),
    Field("established", ("成立日期", "注册日期", "成立时间"), type="date"),
    Field("reg_capital", ("注册资本", "注册资金"), type="amount"),
    Field("status", ("登记状态", "经营状态", "企业状态")),
    Field("status_on", ("注销日期", "吊销日期", "注吊销日期", "状态变更日期"), type="date"),
    Field("address", ("注册地址", "住所", "经营场所", "地址"), type="address"),
    Field("phone", ("联系电话", "电话", "企业联系电话"), type="phone"),
    Field("email", ("邮箱", "电子邮箱", "企业邮箱"), type="email"),
    Field("scope", ("经营范围",)),
)


def build(rows: pd.DataFrame, ctx: BuildContext) -> Batch:
    """Companies → Company + legal representative Person + LEGAL_REP_OF (+ contacts)."""
    b = Batch()
    rows = require(rows, ["name"], b)
    rows = require_letters(rows, "name", b)
    ckeys, code, code_status = company_keys(rows, "name", "credit_code", ctx, b)
    est_iso, est_day = optional_dates(rows, "established", b, ctx)
    status_iso, status_day = optional_dates(rows, "status_on", b, ctx)
    capital, bad_cap = ctx.cells.numbers(rows, "reg_capital")
    capital = capital.astype("Int64")
    if bad_cap.any():
        b.issue(rows.loc[bad_cap, "src_row"], "reg_capital", rows.loc[bad_cap, "reg_capital"], "bad_amount", "warning")
    prov = provenance(rows, ctx)
    b.add_nodes(
        "Company",
        pd.DataFrame(
            {
                "key": ckeys, "name": rows["name"], "name_norm": ctx.cells.company_names(rows, "name"),
                "credit_code": code, "credit_code_status": code_status, "legal_rep": text_col(rows, "legal_rep"),
                "established": est_iso, "established_day": est_day, "reg_capital": capital,
                "status": text_col(rows, "status"), "status_on": status_iso, "status_on_day": status_day,
                "address": text_col(rows, "address"), "by_name": by_name_records(rows, ckeys, code, ctx.src_file),
                "phone": text_col(rows, "phone"), "email": text_col(rows, "email"), "scope": text_col(rows, "scope"),
                **prov,
            }
        ),
    )
    contact_edges(ckeys, "Company", rows, ctx, b, phone="phone", address="address", email="email")
    if "legal_rep" in rows.columns:
        reps = rows[rows["legal_rep"] != ""]
        reps_keys = ckeys[reps.index]
        if len(reps):
            ids = resident_ids(reps, "legal_rep_id", b, ctx)
            pkeys = person_nodes(
                reps, name="legal_rep", ids=ids, anon_context=[reps_keys], ctx=ctx, batch=b,
                extra={"employer": reps["name"]},
            )
            b.add_edges(
                "LEGAL_REP_OF",
                pd.DataFrame(
                    {"src": pkeys, "dst": reps_keys, "src_kind": "Person", "dst_kind": "Company",
                     "key": "lrep:" + pkeys.astype(str) + "|" + reps_keys.astype(str), **provenance(reps, ctx)}
                ),
            )
    return b


SPEC = KindSpec("companies", "企业登记", FIELDS, build, order=10)
