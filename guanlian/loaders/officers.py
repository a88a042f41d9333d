"""Key personnel (主要人员): directors, supervisors, managers of a company → OFFICER_OF with the title."""

from __future__ import annotations

import pandas as pd

from guanlian.loaders.common import (
    by_name_records,
    company_keys,
    person_nodes,
    provenance,
    require,
    require_letters,
    resident_ids,
)
from guanlian.loaders.spec import Batch, BuildContext, Field, KindSpec

FIELDS = (
    Field("company", ("企业名称", "公司名称"), required=True, type="company_name"),
    Field("credit_code", ("统一社会信用代码",), type="credit_code"),
    Field("name", ("姓名", "人员姓名", "主要人员"), required=True, type="person_name"),
    Field("title", ("职务", "职位"), required=True),
    Field("id_number", ("证件号码", "身份证号", "公民身份号码"), type="resident_id"),
)


def build(rows: pd.DataFrame, ctx: BuildContext) -> Batch:
    """Officers → Person + OFFICER_OF."""
    b = Batch()
    rows = require(rows, ["company", "name", "title"], b)
    rows = require_letters(rows, "name", b)
    ckeys, code, status = company_keys(rows, "company", "credit_code", ctx, b)
    prov = provenance(rows, ctx)
    b.add_nodes("Company", pd.DataFrame({"key": ckeys, "name": rows["company"],
                                         "name_norm": ctx.cells.company_names(rows, "company"),
                                         "credit_code": code, "credit_code_status": status,
                                         "by_name": by_name_records(rows, ckeys, code, ctx.src_file), **prov}))
    ids = resident_ids(rows, "id_number", b, ctx)
    pkeys = person_nodes(rows, name="name", ids=ids, anon_context=[ckeys], ctx=ctx, batch=b,
                         extra={"employer": rows["company"]})
    b.add_edges(
        "OFFICER_OF",
        pd.DataFrame(
            {"src": pkeys, "dst": ckeys, "src_kind": "Person", "dst_kind": "Company",
             "key": "off:" + pkeys.astype(str) + "|" + ckeys.astype(str) + "|" + rows["title"],
             "title": rows["title"], **prov}
        ),
    )
    return b


SPEC = KindSpec("officers", "主要人员", FIELDS, build, order=12)
