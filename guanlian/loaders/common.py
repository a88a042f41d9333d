"""Builders shared by the per-kind loaders: persons, companies, contacts, required fields.

Example:
    >>> import pandas as pd
    >>> ids = parse_resident_ids(pd.Series(["11010519491231002X"]))
    >>> ids.number.tolist(), ids.status.tolist()
    (['11010519491231002X'], ['valid'])
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from guanlian.loaders.parse import ParsedDates, map_unique, parse_dates
from guanlian.loaders.spec import Batch, BuildContext, stable_keys
from guanlian.matching.normalize import (
    normalize_company_name,
    normalize_person_name,
)
from guanlian.values.ids import cached_resident_id, fast_valid_ids

_HAS_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
_COMPANY_WORDS = re.compile(
    r"(公司|企业|厂|店|行|部|中心|合作社|事务所|工作室|集团|医院|学校|协会|研究院|研究所|商会|经营部|门市|超市|"
    r"农场|基地|站|馆|社|院|所|Co\.|Ltd|LLC|Inc)",
    re.IGNORECASE,
)


def provenance(rows: pd.DataFrame, ctx: BuildContext) -> dict[str, object]:
    """Provenance columns for frames built from ``rows`` (``src_row`` read from them)."""
    return {"src_file": ctx.src_file, "src_row": rows["src_row"].to_numpy(), "load_id": ctx.load_id,
            "src_rank": source_ranks(rows["src_row"], ctx)}


def source_ranks(src_rows: pd.Series, ctx: BuildContext) -> object:
    """The ``src_rank`` of each of ``src_rows`` (None where the context has no ranks)."""
    if ctx.src_ranks is None:
        return None
    return ctx.src_ranks.reindex(src_rows.to_numpy()).to_numpy(dtype=object)


def row_ranks(rows: pd.DataFrame, order: int) -> pd.Series:
    """``src_rank`` of every row of a file of a kind loaded in position ``order``: ``<order>|<content hash>``,
    indexed by ``src_row``. The hash covers the row's cells (columns sorted by name, ``src_row`` left out), so the
    same row in a renamed or newly named export ranks the same; the merge rules pick the smallest rank as an
    item's cited record.

    >>> r = row_ranks(pd.DataFrame({"b": ["x", "y"], "a": ["1", "1"], "src_row": [2, 3]}), 20)
    >>> r.index.tolist(), r.iloc[0][:4], len(r.iloc[0]), r.iloc[0] == row_ranks(pd.DataFrame(
    ...     {"a": ["1"], "b": ["x"], "src_row": [9]}), 20).iloc[0]
    ([2, 3], '020|', 20, True)
    """
    cols = sorted(c for c in rows.columns if c != "src_row")
    cells = rows[cols].astype(object).where(rows[cols].notna(), "").astype(str)
    hashes = pd.util.hash_pandas_object(cells, index=False).to_numpy(dtype=np.uint64)
    return pd.Series([f"{order:03d}|{int(h):016x}" for h in hashes.tolist()], index=rows["src_row"].to_numpy(),
                     dtype=object)


def require(rows: pd.DataFrame, fields: list[str], batch: Batch) -> pd.DataFrame:
    """Reject rows whose required ``fields`` are empty or have no letters; return the rows kept."""
    keep = pd.Series(True, index=rows.index)
    for f in fields:
        empty = rows[f] == ""
        if empty.any():
            batch.issue(rows.loc[empty, "src_row"], f, rows.loc[empty, f], "missing_required", "rejected")
        keep &= ~empty
    return rows[keep]


def require_letters(rows: pd.DataFrame, field: str, batch: Batch) -> pd.DataFrame:
    """Reject rows whose ``field`` (a name) has no letter at all (e.g. only punctuation)."""
    bad = (rows[field] != "") & ~map_unique(rows[field], lambda v: bool(_HAS_LETTER.search(v)), dtype=bool)
    if bad.any():
        batch.issue(rows.loc[bad, "src_row"], field, rows.loc[bad, field], "name_no_letters", "rejected")
    return rows[~bad]


@dataclass
class Ids:
    """Parsed resident IDs aligned with the rows: canonical number (valid only), status, birth, sex, and
    whether Excel stored the number as a float (digits lost)."""

    number: pd.Series
    status: pd.Series
    birth: pd.Series
    sex: pd.Series
    precision_lost: pd.Series


def parse_resident_ids(values: pd.Series) -> Ids:
    """Parse resident IDs (one parse per distinct value); records no issue (see :func:`resident_ids`).

    A bad value is never "fixed": the canonical number is set only for valid IDs; ``status`` records the rest.
    """
    col = values.astype(object)
    number = pd.Series(None, index=col.index, dtype=object)
    status = pd.Series("missing", index=col.index, dtype=object)
    birth = pd.Series(None, index=col.index, dtype=object)
    sex = pd.Series(None, index=col.index, dtype=object)
    fast = fast_valid_ids(col)
    number[fast.index] = fast["number"]
    status[fast.index] = "valid"
    birth[fast.index] = fast["birth"]
    sex[fast.index] = fast["sex"]
    rest = col[(col != "") & ~col.index.isin(fast.index)]
    if len(rest):
        fields: dict[str, tuple[object, object, object, object]] = {}
        for u in pd.unique(rest.to_numpy()):
            r = cached_resident_id(str(u))
            if r is None:
                fields[str(u)] = (None, "missing", None, None)
            else:
                born = r.birth_date.isoformat() if r.birth_date else None
                fields[str(u)] = (r.number, r.status, born, r.sex)
        parsed = map_unique(rest, fields.__getitem__).tolist()
        for i, target in enumerate((number, status, birth, sex)):
            target[rest.index] = [t[i] for t in parsed]
    precision = col.str.fullmatch(r"\d(\.\d+)?e\+1[4-7]", case=False).fillna(False).astype(bool) & (status != "valid")
    return Ids(number.astype(object), status.astype(object), birth.astype(object), sex.astype(object), precision)


def resident_ids(rows: pd.DataFrame, field: str, batch: Batch, ctx: BuildContext) -> Ids:
    """The resident IDs of column ``field`` for ``rows`` (parsed by the pipeline); bad checksums, malformed,
    masked and Excel-mangled IDs become warnings with the raw text in the issue log.
    """
    ids = ctx.cells.ids(rows, field)
    if field not in rows.columns:
        return ids
    col, status, precision = rows[field].astype(object), ids.status, ids.precision_lost
    for code, mask in (
        ("id_precision_lost", precision),
        ("id_bad_checksum", (status == "bad_checksum") & ~precision),
        ("id_invalid", (status == "invalid") & ~precision),
        ("id_masked", status == "masked"),
    ):
        if mask.any():
            batch.issue(rows.loc[mask, "src_row"], field, col[mask], code, "warning")
    return ids


def person_nodes(
    rows: pd.DataFrame,
    *,
    name: str,
    ids: Ids,
    anon_context: list[pd.Series],
    ctx: BuildContext,
    batch: Batch,
    birth_field: str | None = None,
    extra: dict[str, pd.Series] | None = None,
) -> pd.Series:
    """Build Person nodes; return their keys aligned with ``rows``.

    The key is ``ric:<ID>`` for a valid resident ID, else ``anon:<hash(context…, normalised name)>``: persons
    without an ID are never merged with each other by name here; the matcher links them with scored edges.
    """
    name_col = rows[name]
    name_norm = ctx.cells.values(rows, name) if ctx.cells.has(name) else map_unique(name_col, normalize_person_name)
    anon = stable_keys("anon", *anon_context, name_norm)
    keys = ("ric:" + ids.number.astype(object).where(ids.number.notna(), "")).where(ids.number.notna(), anon)
    birth_iso = ids.birth
    if birth_field and birth_field in rows.columns:
        given = ctx.cells.dates(rows, birth_field)
        if given.bad.any():
            batch.issue(rows.loc[given.bad, "src_row"], birth_field, rows.loc[given.bad, birth_field], "bad_date", "warning")
        if given.out_of_range.any():
            m = given.out_of_range
            batch.issue(rows.loc[m, "src_row"], birth_field, rows.loc[m, birth_field], "date_out_of_range", "warning")
        birth_iso = given.iso.where(given.iso.notna(), ids.birth)
    birth_day = parse_dates(birth_iso.astype(object).where(birth_iso.notna(), "")).day
    frame = pd.DataFrame(
        {
            "key": keys,
            "name": name_col,
            "name_norm": name_norm,
            "id_number": ids.number,
            "id_status": ids.status,
            "birth_date": birth_iso,
            "birth_date_day": birth_day,
            "sex": ids.sex,
            **(extra or {}),
            **provenance(rows, ctx),
        },
        index=rows.index,
    )
    if "sex" in (extra or {}):
        frame["sex"] = extra["sex"].where(extra["sex"].notna(), ids.sex) if extra else ids.sex
    batch.add_nodes("Person", frame)
    return keys


def looks_like_company(names: pd.Series) -> pd.Series:
    """True where a payee/holder name reads as an organisation rather than a person."""
    return map_unique(names, lambda v: bool(_COMPANY_WORDS.search(v)) or len(normalize_person_name(v)) > 6, dtype=bool)


def company_keys(rows: pd.DataFrame, name: str, code_field: str | None, ctx: BuildContext, batch: Batch
                 ) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Company keys of ``rows`` named in column ``name`` (a company- or party-name field), coded in ``code_field``.

    ``uscc:<code>`` for a valid credit code, else a known code for the same normalised name, else
    ``cname:<normalised name>``; bad codes are warnings. Returns (keys, canonical codes, code statuses).
    """
    name_norm = ctx.cells.company_names(rows, name)
    codes = ctx.cells.codes(rows, code_field)
    code, status = codes.code, codes.status
    for c, mask in (("code_bad_checksum", status == "bad_checksum"), ("code_invalid", status == "invalid")):
        if mask.any():
            assert code_field is not None  # a missing column parses as "missing"
            batch.issue(rows.loc[mask, "src_row"], code_field, rows.loc[mask, code_field], c, "warning")
    known = map_unique(name_norm, lambda n: ctx.company_key_for_name(n) if n else None)
    keys = ("uscc:" + code.astype(object).where(code.notna(), "")).where(code.notna(), known)
    keys = keys.where(keys.notna(), "cname:" + name_norm)
    # a row that names a registered company without its valid code says nothing about that company's code
    status = status.where(~(code.isna() & known.notna()), None)
    return keys.astype(object), code.astype(object), status.astype(object)


def by_name_records(rows: pd.DataFrame, keys: pd.Series, code: pd.Series, src_file: str) -> pd.Series:
    """The ``by_name`` cell of the Company rows :func:`company_keys` keyed (``keys``, ``code``) for ``rows`` of
    ``src_file``: ``["file:row"]`` where a row named a registered company without a valid code (resolved by its
    name alone), else None.

    >>> by_name_records(pd.DataFrame({"src_row": [2, 3, 4]}), pd.Series(["uscc:X", "uscc:Y", "cname:z"]),
    ...                 pd.Series(["X", None, None]), "o.csv").tolist()
    [None, ['o.csv:3'], None]
    """
    named = (code.isna() & ~keys.astype(str).str.startswith("cname:")).tolist()
    # built whole rather than by masked assignment: pandas 2.x fills the unassigned cells with NaN, 3.x with None
    cells = [[f"{src_file}:{int(r)}"] if n else None for r, n in zip(rows["src_row"].tolist(), named, strict=True)]
    return pd.Series(cells, index=rows.index, dtype=object)


def unit_keys(rows: pd.DataFrame, name: str, ctx: BuildContext) -> tuple[pd.Series, pd.Series]:
    """(keys, normalised names) of the public bodies named in column ``name`` (a unit-name field) of ``rows``."""
    norm = ctx.cells.values(rows, name)
    return ("unit:" + norm).astype(object), norm


def contact_edges(
    owner_keys: pd.Series, owner_kind: str, rows: pd.DataFrame, ctx: BuildContext, batch: Batch,
    *, phone: str | None = None, address: str | None = None, email: str | None = None, account: str | None = None,
) -> None:
    """Phone/Address/Email/Account nodes and the HAS_* edges from their owners (normalised, de-duplicated)."""
    specs = (
        (phone, "Phone", "HAS_PHONE", "tel", "number"),
        (address, "Address", "HAS_ADDRESS", "addr", "text"),
        (email, "Email", "HAS_EMAIL", "mail", "address"),
        (account, "Account", "HAS_ACCOUNT", "acct", "number"),
    )
    prov = pd.DataFrame(provenance(rows, ctx), index=rows.index)
    for field_name, kind, edge, prefix, prop in specs:
        if not field_name or field_name not in rows.columns:
            continue
        raw = rows[field_name]
        value = ctx.cells.values(rows, field_name)
        ok = value != ""
        if not ok.any():
            continue
        node_key = prefix + ":" + value[ok]
        shown = value[ok] if kind != "Address" else raw[ok]
        batch.add_nodes(kind, pd.concat([pd.DataFrame({"key": node_key, prop: shown}), prov[ok]], axis=1))
        owners = owner_keys[ok].astype(str)
        edges = pd.DataFrame(
            {"src": owners, "dst": node_key, "src_kind": owner_kind, "dst_kind": kind,
             "key": contact_edge_keys(edge, owners, node_key)}
        )
        batch.add_edges(edge, pd.concat([edges, prov[ok]], axis=1))


def contact_edge_keys(edge: str, owners: pd.Series, contacts: pd.Series) -> pd.Series:
    """Keys of HAS_PHONE / HAS_ADDRESS / HAS_EMAIL / HAS_ACCOUNT edges: ``has_phone:<owner>|<contact node>``.

    >>> contact_edge_keys("HAS_PHONE", pd.Series(["uscc:X"]), pd.Series(["tel:0796"])).tolist()
    ['has_phone:uscc:X|tel:0796']
    """
    return edge.lower() + ":" + owners.astype(str) + "|" + contacts.astype(str)


def normalize_account(v: str) -> str:
    """An account number: digits (and letters) without spaces or dashes; "" when shorter than 6.

    >>> normalize_account("6222 0215-0000 1234"), normalize_account("12 34")
    ('6222021500001234', '')
    """
    digits = re.sub(r"[\s\-]", "", v)
    return digits if len(digits) >= 6 else ""


MAX_FEN = 100_000_000_000 * 100
"""Amounts above 100 billion yuan are taken for data errors."""


def amounts(rows: pd.DataFrame, field: str, batch: Batch, ctx: BuildContext) -> tuple[pd.DataFrame, pd.Series]:
    """A required positive amount in integer fen; reject unparseable, non-positive and absurd values."""
    value, bad = ctx.cells.numbers(rows, field)
    value = value.astype("Int64")
    nonpos = (~bad & (value <= 0)).fillna(False).astype(bool)
    absurd = (~bad & (value > MAX_FEN)).fillna(False).astype(bool)
    for code, mask in (("bad_amount", bad), ("negative_amount", nonpos), ("absurd_amount", absurd)):
        if mask.any():
            batch.issue(rows.loc[mask, "src_row"], field, rows.loc[mask, field], code, "rejected")
    keep = ~(bad | nonpos | absurd)
    return rows[keep], value[keep]


def required_dates(rows: pd.DataFrame, field: str, batch: Batch, ctx: BuildContext, *, future_ok: bool = False
                   ) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """A required date column; reject bad / out-of-range (and future unless ``future_ok``)."""
    d = ctx.cells.dates(rows, field)
    future = d.day.notna() & (d.day > ctx.today_day + 1)
    if future_ok:
        future = future & False
    for code, mask in (("bad_date", d.bad | d.open_end), ("date_out_of_range", d.out_of_range),
                       ("future_date", future.fillna(False).astype(bool))):
        if mask.any():
            batch.issue(rows.loc[mask, "src_row"], field, rows.loc[mask, field], code, "rejected")
    keep = ~(d.bad | d.open_end | d.out_of_range | future.fillna(False).astype(bool))
    return rows[keep], d.iso[keep], d.day[keep]


def optional_dates(rows: pd.DataFrame, field: str, batch: Batch, ctx: BuildContext,
                   parsed: ParsedDates | None = None) -> tuple[pd.Series, pd.Series]:
    """An optional date column (parsed by the pipeline, or ``parsed`` when the builder combined columns);
    a bad value is a warning and becomes empty. Returns (ISO dates, day numbers)."""
    if field not in rows.columns:
        empty = pd.Series(None, index=rows.index, dtype=object)
        return empty, pd.Series(pd.array([None] * len(rows), dtype="Int64"), index=rows.index)
    d = parsed if parsed is not None else ctx.cells.dates(rows, field)
    bad = d.bad | d.out_of_range
    if bad.any():
        batch.issue(rows.loc[bad, "src_row"], field, rows.loc[bad, field], "bad_date", "warning")
    return d.iso, d.day


_LABEL = re.compile(r"^[^:：]{1,12}[:：]")
_NOBODY = frozenset({"无", "空", "暂无", "-", "—", "none", "None"})


def names_in(text: str) -> list[str]:
    """Names listed in a change-record cell: split on 、,，;；/ and white space; drop shares in brackets, a post
    label before the name (``经理：田强超``) and placeholders for nobody (``经理：无``).

    >>> names_in("于薇娜、张勇超（40%）"), names_in("经理：田强超"), names_in("经理：无")
    (['于薇娜', '张勇超'], ['田强超'], [])
    """
    cleaned = re.sub(r"[(（][^)）]*[)）]", "", text)
    parts = [_LABEL.sub("", p).strip() for p in re.split(r"[、,，;；/|\s]+", cleaned)]
    return [p for p in parts if p and p not in _NOBODY and _HAS_LETTER.search(p)]


__all__ = [
    "Ids",
    "amounts",
    "by_name_records",
    "company_keys",
    "contact_edge_keys",
    "contact_edges",
    "looks_like_company",
    "names_in",
    "optional_dates",
    "person_nodes",
    "provenance",
    "require",
    "require_letters",
    "required_dates",
    "resident_ids",
    "unit_keys",
    "normalize_company_name",
]


def text_col(rows: pd.DataFrame, name: str) -> pd.Series:
    """Column ``name`` with empty cells as None (a missing column is all None)."""
    if name not in rows.columns:
        return pd.Series(None, index=rows.index, dtype=object)
    return rows[name].where(rows[name] != "", None)
