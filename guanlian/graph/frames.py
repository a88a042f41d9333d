"""Shape DataFrames to the model before they reach a store (shared by both engines).

Input frames may carry any subset of a kind's properties and extra columns; output frames have exactly the
kind's columns in model order, typed, one row per key (rows sharing a key are combined: the first non-null
value of each column wins, so a later, sparser row never erases an earlier value).

Example:
    >>> import pandas as pd
    >>> from guanlian.model import model
    >>> f = prepare_nodes(model().node("Unit"), pd.DataFrame({"key": ["u", "u"], "name": [None, "局"]}))
    >>> f[["key", "name"]].values.tolist()
    [['u', '局']]
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

from guanlian.model import PROVENANCE, EdgeKind, NodeKind, Prop

PROVENANCE_COLUMNS = [p.name for p in PROVENANCE]

ARROW_TYPES: dict[str, pa.DataType] = {
    "string": pa.string(),
    "int": pa.int64(),
    "float": pa.float64(),
    "bool": pa.bool_(),
}
_PANDAS_TYPES = {"string": object, "int": "Int64", "float": "float64", "bool": "boolean"}

ENDPOINT_COLUMNS = ["src", "dst", "src_kind", "dst_kind"]


def node_columns(kind: NodeKind) -> list[str]:
    """Column names of a node kind in model order (``key`` first, provenance last)."""
    return [p.name for p in kind.all_props]


def edge_columns(kind: EdgeKind) -> list[str]:
    """Property column names of an edge kind in model order (endpoint columns not included)."""
    return [p.name for p in kind.all_props]


def _typed(frame: pd.DataFrame, props: tuple[Prop, ...]) -> pd.DataFrame:
    out = pd.DataFrame(index=frame.index)
    for p in props:
        col = frame[p.name] if p.name in frame.columns else pd.Series(None, index=frame.index, dtype=object)
        if p.type == "string":
            present = col.notna()
            col = col.astype(object)
            if present.any() and pd.api.types.infer_dtype(col[present], skipna=True) != "string":
                col = col.where(~present, col.astype(str))
            col = col.where(present, None)
        elif p.type == "int":
            col = pd.to_numeric(col, errors="coerce").round().astype("Int64")
        elif p.type == "float":
            col = pd.to_numeric(col, errors="coerce").astype("float64")
        else:
            col = col.astype("boolean")
        out[p.name] = col
    return out


def _combine(frame: pd.DataFrame, props: tuple[Prop, ...]) -> pd.DataFrame:
    """Typed ``frame`` with rows sharing a key combined (first non-null value per column wins).

    Only a frame that had duplicates is typed again: ``groupby().first()`` may widen dtypes.
    """
    if not frame["key"].duplicated().any():
        return frame.reset_index(drop=True)
    merged = frame.groupby("key", sort=False, dropna=True).first().reset_index()
    typed = _typed(merged, props)
    others = [c for c in merged.columns if c not in typed.columns]
    return pd.concat([merged[others], typed], axis=1)


def prepare_nodes(kind: NodeKind, rows: pd.DataFrame) -> pd.DataFrame:
    """Typed, de-duplicated node rows with exactly ``node_columns(kind)``; rows without a key are dropped."""
    if "key" not in rows.columns:
        raise ValueError(f"{kind.name} rows need a 'key' column; got {list(rows.columns)}")
    rows = rows[rows["key"].notna() & (rows["key"] != "")]
    return _combine(_typed(rows, kind.all_props), kind.all_props)[node_columns(kind)]


def prepare_edges(kind: EdgeKind, rows: pd.DataFrame) -> pd.DataFrame:
    """Typed, de-duplicated edge rows: endpoint columns then ``edge_columns(kind)``."""
    missing = [c for c in ["key", *ENDPOINT_COLUMNS] if c not in rows.columns]
    if missing:
        raise ValueError(f"{kind.name} rows lack columns {missing}; got {list(rows.columns)}")
    rows = rows[rows["key"].notna() & rows["src"].notna() & rows["dst"].notna()]
    ends = rows[ENDPOINT_COLUMNS].astype(object)
    frame = pd.concat([ends, _typed(rows, kind.all_props)], axis=1)
    return _combine(frame, kind.all_props)[[*ENDPOINT_COLUMNS, *edge_columns(kind)]]
