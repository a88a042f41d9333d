"""Shareholders and contributions (股东及出资信息).

A holder is a Company when its type says so (企业法人 …), its ID is a credit code, or its name reads as an
organisation; otherwise a Person (keyed by resident ID, else by company + name). Builds SHAREHOLDER_OF with the
share as a fraction 0..1, the subscribed amount and the contribution date.
"""

from __future__ import annotations

import pandas as pd

from guanlian.loaders.common import (
    by_name_records,
    company_keys,
    optional_dates,
    person_nodes,
    provenance,
    require,
    require_letters,
    resident_ids,
    text_col,
)
from guanlian.loaders.parse import map_unique
from guanlian.loaders.spec import Batch, BuildContext, Field, KindSpec

FIELDS = (
    Field("company", ("企业名称", "公司名称", "被投资企业"), required=True, type="company_name"),
    Field("credit_code", ("统一社会信用代码", "企业统一社会信用代码"), type="credit_code"),
    Field("holder", ("股东名称", "股东", "股东姓名", "投资人", "出资人"), required=True, type="party_name"),
    Field("holder_type", ("股东类型", "投资人类型", "出资人类型")),
    Field("holder_id", ("证件号码", "股东证件号码", "证照号码", "股东身份证号"), type="party_id"),
    Field("share", ("持股比例", "出资比例", "占股比例"), type="share"),
    Field("subscribed", ("认缴出资额", "认缴出资", "认缴金额"), type="amount"),
    Field("contrib_date", ("出资日期", "认缴出资日期", "出资时间"), type="date"),
)

_CORPORATE_TYPES = ("企业", "法人", "公司", "机构", "合伙", "单位", "事业")


def build(rows: pd.DataFrame, ctx: BuildContext) -> Batch:
    """Shareholders → holder Person/Company + SHAREHOLDER_OF."""
    b = Batch()
    rows = require(rows, ["company", "holder"], b)
    rows = require_letters(rows, "holder", b)
    ckeys, code, status = company_keys(rows, "company", "credit_code", ctx, b)
    share, bad_share = ctx.cells.numbers(rows, "share")
    if bad_share.any():
        b.issue(rows.loc[bad_share, "src_row"], "share", rows.loc[bad_share, "share"], "bad_share", "warning")
    subscribed, bad_sub = ctx.cells.numbers(rows, "subscribed")
    subscribed = subscribed.astype("Int64")
    if bad_sub.any():
        b.issue(rows.loc[bad_sub, "src_row"], "subscribed", rows.loc[bad_sub, "subscribed"], "bad_amount", "warning")
    c_iso, c_day = optional_dates(rows, "contrib_date", b, ctx)
    prov = provenance(rows, ctx)
    b.add_nodes("Company", pd.DataFrame({"key": ckeys, "name": rows["company"],
                                         "name_norm": ctx.cells.company_names(rows, "company"),
                                         "credit_code": code, "credit_code_status": status,
                                         "by_name": by_name_records(rows, ckeys, code, ctx.src_file), **prov}))
    htype = text_col(rows, "holder_type").fillna("")
    # a valid credit code that is not also a valid resident ID (both are 18 characters)
    code_id = (ctx.cells.codes(rows, "holder_id").status == "valid") & (ctx.cells.ids(rows, "holder_id").status != "valid")
    natural_type = htype.str.contains("自然人")
    corporate = (
        map_unique(htype, lambda t: any(w in t for w in _CORPORATE_TYPES), dtype=bool)
        | code_id
        | ((htype == "") & ctx.cells.party_names(rows, "holder").corporate)
    ).astype(bool) & ~natural_type
    holder_keys = pd.Series(None, index=rows.index, dtype=object)
    holder_kind = pd.Series("Person", index=rows.index, dtype=object)
    corp = rows[corporate]
    if len(corp):
        hk, hcode, hstatus = company_keys(corp, "holder", "holder_id", ctx, b)
        b.add_nodes("Company", pd.DataFrame({"key": hk, "name": corp["holder"],
                                             "name_norm": ctx.cells.company_names(corp, "holder"),
                                             "credit_code": hcode, "credit_code_status": hstatus,
                                             "by_name": by_name_records(corp, hk, hcode, ctx.src_file),
                                             **provenance(corp, ctx)}))
        holder_keys[corporate] = hk
        holder_kind[corporate] = "Company"
    natural = rows[~corporate]
    if len(natural):
        ids = resident_ids(natural, "holder_id", b, ctx)
        pk = person_nodes(natural, name="holder", ids=ids, anon_context=[ckeys[~corporate]], ctx=ctx, batch=b,
                          extra={"employer": natural["company"]})
        holder_keys[~corporate] = pk
    b.add_edges(
        "SHAREHOLDER_OF",
        pd.DataFrame(
            {"src": holder_keys, "dst": ckeys, "src_kind": holder_kind, "dst_kind": "Company",
             "key": "sh:" + holder_keys.astype(str) + "|" + ckeys.astype(str),
             "share": share, "subscribed": subscribed, "contrib_date": c_iso, "contrib_date_day": c_day,
             "holder_type": text_col(rows, "holder_type"), **prov}
        ),
    )
    return b


SPEC = KindSpec("shareholders", "股东信息", FIELDS, build, order=11)
