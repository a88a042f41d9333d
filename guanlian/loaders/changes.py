"""Registry change records (变更记录).

For changes of people (投资人/股东, 法定代表人, 董事/监事/经理/高管) every name in 变更前 but not in 变更后 becomes a
CHANGE edge with action ``left`` from that person to the company, every name only in 变更后 one with action
``joined``. A named person is keyed like other registry persons of that company (company + name), so a former
shareholder listed only here still meets the relative through the matcher. Other changes (名称, 住所 …) become
a CHANGE edge from the company to itself with action ``changed``.
"""

from __future__ import annotations

from typing import cast

import pandas as pd

from guanlian.loaders.common import (
    by_name_records,
    company_keys,
    looks_like_company,
    names_in,
    parse_resident_ids,
    person_nodes,
    provenance,
    require,
    required_dates,
    source_ranks,
)
from guanlian.loaders.parse import map_unique
from guanlian.loaders.spec import Batch, BuildContext, Field, KindSpec, stable_keys
from guanlian.matching.normalize import normalize_person_name

FIELDS = (
    Field("company", ("企业名称", "公司名称"), required=True, type="company_name"),
    Field("credit_code", ("统一社会信用代码",), type="credit_code"),
    Field("item", ("变更事项", "变更项目", "变更类型"), required=True),
    Field("before", ("变更前", "变更前内容")),
    Field("after", ("变更后", "变更后内容")),
    Field("changed_on", ("变更日期", "变更时间", "核准日期"), required=True, type="date"),
)

PEOPLE_ITEMS = ("投资人", "股东", "出资", "法定代表人", "负责人", "董事", "监事", "经理", "高级管理", "主要人员", "成员")


def build(rows: pd.DataFrame, ctx: BuildContext) -> Batch:
    """Change records → CHANGE edges (person left/joined, or company changed)."""
    b = Batch()
    rows = require(rows, ["company", "item", "changed_on"], b)
    rows, iso, day = required_dates(rows, "changed_on", b, ctx)
    for col in ("before", "after"):
        if col not in rows.columns:
            rows = rows.assign(**{col: ""})
    ckeys, code, status = company_keys(rows, "company", "credit_code", ctx, b)
    prov = provenance(rows, ctx)
    b.add_nodes("Company", pd.DataFrame({"key": ckeys, "name": rows["company"],
                                         "name_norm": ctx.cells.company_names(rows, "company"),
                                         "credit_code": code, "credit_code_status": status,
                                         "by_name": by_name_records(rows, ckeys, code, ctx.src_file), **prov}))
    base = pd.DataFrame({"company_key": ckeys, "company": rows["company"], "item": rows["item"], "before": rows["before"], "after": rows["after"],
                         "changed_on": iso, "changed_on_day": day, "src_row": rows["src_row"]})
    people = map_unique(rows["item"], lambda t: any(w in t for w in PEOPLE_ITEMS), dtype=bool)
    records: list[dict[str, object]] = []
    changed = base[people]
    records_in = cast(list[dict[str, object]], changed.to_dict("records"))
    for idx, r in zip(changed.index, records_in, strict=True):
        before = {normalize_person_name(n): n for n in names_in(str(r["before"]))}
        after = {normalize_person_name(n): n for n in names_in(str(r["after"]))}
        for action, names in (("left", [v for k, v in before.items() if k not in after]),
                              ("joined", [v for k, v in after.items() if k not in before])):
            for n in names:
                records.append({**r, "person": n, "action": action, "row_index": idx})
    if records:
        pr = pd.DataFrame(records)
        corp = looks_like_company(pr["person"])
        pr = pr[~corp].reset_index(drop=True)
        if len(pr):
            ids = parse_resident_ids(pd.Series("", index=pr.index, dtype=object))  # change records carry no IDs
            pkeys = person_nodes(pr, name="person", ids=ids, anon_context=[pr["company_key"]], ctx=ctx, batch=b,
                                 extra={"employer": pr["company"]})
            b.add_edges("CHANGE", pd.DataFrame({
                "src": pkeys, "dst": pr["company_key"], "src_kind": "Person", "dst_kind": "Company",
                "key": stable_keys("chg", pr["company_key"], pkeys, pr["action"], pr["item"], pr["changed_on"]),
                "item": pr["item"], "action": pr["action"], "before": pr["before"], "after": pr["after"],
                "changed_on": pr["changed_on"], "changed_on_day": pr["changed_on_day"],
                "src_file": ctx.src_file, "src_row": pr["src_row"], "load_id": ctx.load_id,
                "src_rank": source_ranks(pr["src_row"], ctx)}))
    other = base[~people]
    if len(other):
        b.add_edges("CHANGE", pd.DataFrame({
            "src": other["company_key"], "dst": other["company_key"], "src_kind": "Company", "dst_kind": "Company",
            "key": stable_keys("chg", other["company_key"], other["item"], other["before"], other["after"],
                               other["changed_on"]),
            "item": other["item"], "action": "changed", "before": other["before"], "after": other["after"],
            "changed_on": other["changed_on"], "changed_on_day": other["changed_on_day"],
            "src_file": ctx.src_file, "src_row": other["src_row"], "load_id": ctx.load_id,
            "src_rank": source_ranks(other["src_row"], ctx)}))
    return b


SPEC = KindSpec("changes", "变更记录", FIELDS, build, order=13)
