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
from guanlian.loaders.parse import ParsedDates, as_precise_as_given
from guanlian.loaders.spec import Batch, BuildContext, Field, KindSpec, stable_keys

FIELDS = (
    Field("name", ("姓名", "干部姓名"), required=True, type="person_name"),
    Field("id_number", ("身份证号", "公民身份号码", "身份证号码", "身份证"), type="resident_id"),
    Field("sex", ("性别",), type="sex"),
    Field("birth_date", ("出生日期", "出生年月"), type="date"),
    Field("unit", ("工作单位", "单位", "所在单位", "任职单位"), required=True, type="unit_name"),
    Field("post", ("职务", "现任职务")),
    Field("rank", ("职级",)),
    Field("tenure", ("任职时间", "任职起止时间"), type="date_range"),
    Field("term_start", ("任职开始时间", "任现职时间", "任职日期"), type="date"),
    Field("term_end", ("离任时间", "任职结束时间", "免职时间"), type="date"),
    Field("phone", ("联系电话", "手机号码", "手机", "电话"), type="phone"),
    Field("address", ("家庭住址", "住址", "现住址"), type="address"),
)


def _pick(given: pd.Series, a: ParsedDates, b: ParsedDates) -> ParsedDates:
    """``a`` where ``given``, else ``b`` (row by row)."""
    return ParsedDates(*(getattr(a, f).where(given, getattr(b, f)) for f in ("iso", "day", "open_end", "bad",
                                                                             "out_of_range")))


def build(rows: pd.DataFrame, ctx: BuildContext) -> Batch:
    """Officials → Person + Unit + SERVES_IN (+ contacts)."""
    b = Batch()
    rows = require(rows, ["name", "unit"], b)
    rows = require_letters(rows, "name", b)
    start = ctx.cells.dates(rows, "term_start")
    end = ctx.cells.dates(rows, "term_end")
    tenure = ctx.cells.tenure(rows, "tenure")
    if tenure is not None and (rows["tenure"] != "").any():
        # an explicit start or end column wins over the range cell, row by row
        start_txt, end_txt, start, end = tenure.start_text, tenure.end_text, tenure.start, tenure.end
        if "term_start" in rows.columns:
            given = rows["term_start"] != ""
            start_txt = rows["term_start"].where(given, start_txt)
            start = _pick(given, ctx.cells.dates(rows, "term_start"), start)
        if "term_end" in rows.columns:
            given = rows["term_end"] != ""
            end_txt = rows["term_end"].where(given, end_txt)
            end = _pick(given, ctx.cells.dates(rows, "term_end"), end)
        rows = rows.assign(term_start=start_txt, term_end=end_txt)
    start_iso, start_day = optional_dates(rows, "term_start", b, ctx, start)
    end_iso, end_day = optional_dates(rows, "term_end", b, ctx, end)
    if "term_start" in rows.columns:  # 2014.04 stays month-only in every text that shows it
        start_iso = as_precise_as_given(start_iso, rows["term_start"])
    if "term_end" in rows.columns:
        end_iso = as_precise_as_given(end_iso, rows["term_end"])
    backwards = (start_day.notna() & end_day.notna() & (end_day < start_day)).fillna(False).astype(bool)
    if backwards.any():
        b.issue(rows.loc[backwards, "src_row"], "term_end", rows.loc[backwards, "term_end"], "term_end_before_start",
                "rejected")
        keep = ~backwards
        rows, start_iso, start_day, end_iso, end_day = rows[keep], start_iso[keep], start_day[keep], end_iso[keep], end_day[keep]
    ukeys, unorm = unit_keys(rows, "unit", ctx)
    ids = resident_ids(rows, "id_number", b, ctx)
    sex = ctx.cells.values(rows, "sex") if ctx.cells.has("sex") else pd.Series(None, index=rows.index, dtype=object)
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
