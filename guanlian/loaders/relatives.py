"""Family members and important social relations (家庭成员及主要社会关系).

Each row names an official (by resident ID, or by name when the name identifies exactly one official already
loaded) and a relative. Builds the relative's Person node and RELATIVE_OF (relative → official) with the
canonical relation, the 称谓 as written, degree and category. Unknown 称谓 are kept, with a warning.
"""

from __future__ import annotations

import pandas as pd

from guanlian.loaders.common import (
    contact_edges,
    person_nodes,
    provenance,
    require,
    require_letters,
    resident_ids,
    text_col,
)
from guanlian.loaders.spec import Batch, BuildContext, Field, KindSpec

FIELDS = (
    Field("official_name", ("干部姓名", "本人姓名", "填报人"), required=True, type="person_name"),
    Field("official_id", ("干部身份证号", "本人身份证号", "干部公民身份号码"), type="resident_id"),
    Field("term", ("称谓", "与本人关系", "关系"), required=True, type="kinship"),
    Field("name", ("姓名", "亲属姓名", "成员姓名"), required=True, type="person_name"),
    Field("birth_date", ("出生日期", "出生年月"), type="date"),
    Field("id_number", ("身份证号", "公民身份号码", "身份证号码", "亲属身份证号"), type="resident_id"),
    Field("politics", ("政治面貌",)),
    Field("employer", ("工作单位及职务", "工作单位", "工作单位和职务")),
    Field("phone", ("联系电话", "手机号码"), type="phone"),
)


def build(rows: pd.DataFrame, ctx: BuildContext) -> Batch:
    """Relatives → Person + RELATIVE_OF (relative → official)."""
    b = Batch()
    rows = require(rows, ["official_name", "term", "name"], b)
    rows = require_letters(rows, "name", b)
    off_ids = resident_ids(rows, "official_id", b, ctx) if "official_id" in rows.columns else None
    official = pd.Series(None, index=rows.index, dtype=object)
    if off_ids is not None:
        official = off_ids.number.map(lambda n: ctx.official_by_id(n) if isinstance(n, str) else None)
        # an official whose ID we know but who is not loaded yet still gets the right key
        official = official.where(official.notna(), ("ric:" + off_ids.number.fillna("")).where(off_ids.number.notna()))
    by_name = ctx.cells.values(rows, "official_name").map(ctx.officials_by_name)
    need = official.isna()
    not_found = need & (by_name.map(len) == 0)
    ambiguous = need & (by_name.map(len) > 1)
    official = official.where(~need, by_name.map(lambda ks: ks[0] if len(ks) == 1 else None))
    if not_found.any():
        b.issue(rows.loc[not_found, "src_row"], "official_name", rows.loc[not_found, "official_name"],
                "official_not_found", "rejected")
    if ambiguous.any():
        b.issue(rows.loc[ambiguous, "src_row"], "official_name", rows.loc[ambiguous, "official_name"],
                "official_ambiguous", "rejected")
    keep = official.notna()
    rows, official = rows[keep], official[keep]
    kin = ctx.cells.values(rows, "term")
    unknown = kin.map(lambda k: k.category == "other")
    if unknown.any():
        b.issue(rows.loc[unknown, "src_row"], "term", rows.loc[unknown, "term"], "unknown_relation", "warning")
    relation = kin.map(lambda k: k.relation)
    ids = resident_ids(rows, "id_number", b, ctx)
    pkeys = person_nodes(
        rows, name="name", ids=ids, anon_context=[pd.Series("relative", index=rows.index), official, relation],
        ctx=ctx, batch=b, birth_field="birth_date",
        extra={"politics": text_col(rows, "politics"), "employer": text_col(rows, "employer"), "phone": text_col(rows, "phone")},
    )
    prov = provenance(rows, ctx)
    b.add_edges(
        "RELATIVE_OF",
        pd.DataFrame(
            {
                "src": pkeys, "dst": official, "src_kind": "Person", "dst_kind": "Person",
                "key": "rel:" + pkeys.astype(str) + "|" + official.astype(str) + "|" + relation,
                "relation": relation, "term": rows["term"], "degree": kin.map(lambda k: k.degree),
                "category": kin.map(lambda k: k.category), **prov,
            }
        ),
    )
    # officials referenced only by ID must exist as nodes for the edge; a bare node carries the name given here
    b.add_nodes("Person", pd.DataFrame({"key": official, "name": rows["official_name"],
                                        "name_norm": ctx.cells.values(rows, "official_name"), **prov}))
    contact_edges(pkeys, "Person", rows, ctx, b, phone="phone")
    return b


SPEC = KindSpec("relatives", "家庭成员", FIELDS, build, order=2)
