"""Shareholders and contributions (股东及出资信息).

A holder is a Company when its type says so (企业法人 …), its ID is a credit code, or its name reads as an
organisation; otherwise a Person (keyed by resident ID, else by company + name). Builds SHAREHOLDER_OF with the
share as a fraction 0..1, the subscribed amount and the contribution date.
"""

from __future__ import annotations

import pandas as pd

from guanlian.loaders.common import (
    company_keys,
    looks_like_company,
    optional_dates,
    person_nodes,
    provenance,
    require,
    require_letters,
    resident_ids,
    text_col,
)
from guanlian.loaders.parse import map_unique, parse_amounts, parse_shares
from guanlian.loaders.spec import Batch, BuildContext, Field, KindSpec
from guanlian.matching.normalize import normalize_company_name
from guanlian.values.ids import cached_resident_id, credit_codes

FIELDS = (
    Field("company", ("企业名称", "公司名称", "被投资企业"), required=True),
    Field("credit_code", ("统一社会信用代码", "企业统一社会信用代码")),
    Field("holder", ("股东名称", "股东", "股东姓名", "投资人", "出资人"), required=True),
    Field("holder_type", ("股东类型", "投资人类型", "出资人类型")),
    Field("holder_id", ("证件号码", "股东证件号码", "证照号码", "股东身份证号")),
    Field("share", ("持股比例", "出资比例", "占股比例")),
    Field("subscribed", ("认缴出资额", "认缴出资", "认缴金额")),
    Field("contrib_date", ("出资日期", "认缴出资日期", "出资时间")),
)

_CORPORATE_TYPES = ("企业", "法人", "公司", "机构", "合伙", "单位", "事业")


def build(rows: pd.DataFrame, ctx: BuildContext) -> Batch:
    """Shareholders → holder Person/Company + SHAREHOLDER_OF."""
    b = Batch()
    rows = require(rows, ["company", "holder"], b)
    rows = require_letters(rows, "holder", b)
    ckeys, code, status = company_keys(rows["company"], text_col(rows, "credit_code").fillna(""), ctx, b, rows)
    share, bad_share = parse_shares(rows["share"]) if "share" in rows.columns else (
        pd.Series(None, index=rows.index, dtype="float64"), pd.Series(False, index=rows.index))
    if bad_share.any():
        b.issue(rows.loc[bad_share, "src_row"], "share", rows.loc[bad_share, "share"], "bad_share", "warning")
    subscribed, bad_sub = parse_amounts(rows["subscribed"]) if "subscribed" in rows.columns else (
        pd.Series(None, index=rows.index, dtype="float64"), pd.Series(False, index=rows.index))
    if bad_sub.any():
        b.issue(rows.loc[bad_sub, "src_row"], "subscribed", rows.loc[bad_sub, "subscribed"], "bad_amount", "warning")
    c_iso, c_day = optional_dates(rows, "contrib_date", b)
    prov = provenance(rows, ctx)
    b.add_nodes("Company", pd.DataFrame({"key": ckeys, "name": rows["company"],
                                         "name_norm": map_unique(rows["company"], normalize_company_name),
                                         "credit_code": code, "credit_code_status": status, **prov}))
    htype = text_col(rows, "holder_type").fillna("")
    hid = text_col(rows, "holder_id").fillna("")
    natural_type = htype.str.contains("自然人")
    corporate = (
        map_unique(htype, lambda t: any(w in t for w in _CORPORATE_TYPES), dtype=bool)
        | _is_credit_code(hid)
        | ((htype == "") & looks_like_company(rows["holder"]))
    ).astype(bool) & ~natural_type
    holder_keys = pd.Series(None, index=rows.index, dtype=object)
    holder_kind = pd.Series("Person", index=rows.index, dtype=object)
    corp = rows[corporate]
    if len(corp):
        hk, hcode, hstatus = company_keys(corp["holder"], hid[corporate], ctx, b, corp, code_field="holder_id")
        b.add_nodes("Company", pd.DataFrame({"key": hk, "name": corp["holder"],
                                             "name_norm": map_unique(corp["holder"], normalize_company_name),
                                             "credit_code": hcode, "credit_code_status": hstatus,
                                             **provenance(corp, ctx)}))
        holder_keys[corporate] = hk
        holder_kind[corporate] = "Company"
    natural = rows[~corporate]
    if len(natural):
        ids = resident_ids(natural, "holder_id", b)
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


def _is_credit_code(values: pd.Series) -> pd.Series:
    """True where a value is a valid credit code that is not also a valid resident ID (both are 18 characters)."""
    valid = credit_codes(values)[1] == "valid"

    def not_a_person(v: str) -> bool:
        person = cached_resident_id(v)
        return not (person is not None and person.status == "valid")

    out = pd.Series(False, index=values.index, dtype=bool)
    if valid.any():
        out[valid] = map_unique(values[valid], not_a_person, dtype=bool)
    return out


SPEC = KindSpec("shareholders", "股东信息", FIELDS, build, order=11)
