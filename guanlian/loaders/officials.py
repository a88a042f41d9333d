"""Personnel records (干部基本信息表): officials, their unit and tenure.

Builds Person (the official), Unit, SERVES_IN (with tenure start/end; ``至今`` = open), HAS_PHONE, HAS_ADDRESS.
A tenure that ends before it starts rejects the row.
"""

from __future__ import annotations

import pandas as pd

from guanlian.loaders.common import (
    contact_edges,
    optional_dates,
    person_nodes,
    provenance,
    require,
    require_letters,
    resident_ids,
    text_col,
    unit_keys,
)
from guanlian.loaders.parse import parse_dates, parse_sex, split_range
from guanlian.loaders.spec import Batch, BuildContext, Field, KindSpec, stable_keys

FIELDS = (
    Field("name", ("姓名", "干部姓名"), required=True),
    Field("id_number", ("身份证号", "公民身份号码", "身份证号码", "身份证")),
    Field("sex", ("性别",)),
    Field("birth_date", ("出生日期", "出生年月")),
    Field("unit", ("工作单位", "单位", "所在单位", "任职单位"), required=True),
    Field("post", ("职务", "现任职务")),
    Field("rank", ("职级",)),
    Field("tenure", ("任职时间", "任职起止时间")),
    Field("term_start", ("任职开始时间", "任现职时间", "任职日期")),
    Field("term_end", ("离任时间", "任职结束时间", "免职时间")),
    Field("phone", ("联系电话", "手机号码", "手机", "电话")),
    Field("address", ("家庭住址", "住址", "现住址")),
)


def build(rows: pd.DataFrame, ctx: BuildContext) -> Batch:
    """Officials → Person + Unit + SERVES_IN (+ contacts)."""
    b = Batch()
    rows = require(rows, ["name", "unit"], b)
    rows = require_letters(rows, "name", b)
    if "tenure" in rows.columns and (rows["tenure"] != "").any():
        start_txt, end_txt = split_range(rows["tenure"])
        if "term_start" in rows.columns:
            start_txt = rows["term_start"].where(rows["term_start"] != "", start_txt)
        if "term_end" in rows.columns:
            end_txt = rows["term_end"].where(rows["term_end"] != "", end_txt)
        rows = rows.assign(term_start=start_txt, term_end=end_txt)
    start_iso, start_day = optional_dates(rows, "term_start", b)
    end = parse_dates(rows["term_end"]) if "term_end" in rows.columns else None
    end_iso = end.iso if end is not None else pd.Series(None, index=rows.index, dtype=object)
    end_day = end.day if end is not None else pd.Series(pd.array([None] * len(rows), dtype="Int64"), index=rows.index)
    if end is not None and (end.bad | end.out_of_range).any():
        m = end.bad | end.out_of_range
        b.issue(rows.loc[m, "src_row"], "term_end", rows.loc[m, "term_end"], "bad_date", "warning")
    backwards = (start_day.notna() & end_day.notna() & (end_day < start_day)).fillna(False).astype(bool)
    if backwards.any():
        b.issue(rows.loc[backwards, "src_row"], "term_end", rows.loc[backwards, "term_end"], "term_end_before_start",
                "rejected")
        keep = ~backwards
        rows, start_iso, start_day, end_iso, end_day = rows[keep], start_iso[keep], start_day[keep], end_iso[keep], end_day[keep]
    ukeys, unorm = unit_keys(rows["unit"])
    ids = resident_ids(rows, "id_number", b)
    sex = parse_sex(rows["sex"]) if "sex" in rows.columns else pd.Series(None, index=rows.index, dtype=object)
    birth_col = rows["birth_date"] if "birth_date" in rows.columns else pd.Series("", index=rows.index)
    pkeys = person_nodes(
        rows, name="name", ids=ids, anon_context=[pd.Series("official", index=rows.index), unorm, birth_col],
        ctx=ctx, batch=b, birth_field="birth_date",
        extra={"sex": sex, "phone": text_col(rows, "phone"), "address": text_col(rows, "address"), "employer": rows["unit"]},
    )
    prov = provenance(rows, ctx)
    b.add_nodes("Unit", pd.DataFrame({"key": ukeys, "name": rows["unit"], "name_norm": unorm, **prov}))
    b.add_edges(
        "SERVES_IN",
        pd.DataFrame(
            {
                "src": pkeys, "dst": ukeys, "src_kind": "Person", "dst_kind": "Unit",
                "key": stable_keys("serves", pkeys, ukeys, text_col(rows, "post"), start_iso),
                "post": text_col(rows, "post"), "rank": text_col(rows, "rank"),
                "term_start": start_iso, "term_start_day": start_day, "term_end": end_iso, "term_end_day": end_day,
                **prov,
            }
        ),
    )
    contact_edges(pkeys, "Person", rows, ctx, b, phone="phone", address="address")
    return b


SPEC = KindSpec("officials", "干部信息", FIELDS, build, order=1)
