"""Shape DataFrames to the model before they reach a store, and merge rows by the model's merge rules.

Input frames may carry any subset of a kind's properties and extra columns; output frames have exactly the
kind's columns in model order, typed, one row per key. Rows sharing a key — within a file, across the files of
one load, or a stored row and a new one — are combined by :func:`merge_rows`, which applies each property's
merge rule (:data:`guanlian.model.MERGE_RULES_TEXT`): a gap is filled, an absent value never replaces a known
one, multi-valued properties (``names``, ``sources``) take the union, and of two different known values the
smaller is kept and reported as a :class:`Conflict`. Both engines call it in their upserts, so they hold the same
values whatever the order in which files arrive.

Example:
    >>> import pandas as pd
    >>> from guanlian.model import model
    >>> f = prepare_nodes(model().node("Unit"), pd.DataFrame({"key": ["u", "u"], "name": [None, "局"],
    ...                                                       "src_file": ["b.csv", "a.csv"], "src_row": [3, 2]}))
    >>> f[["key", "name", "src_file", "src_row"]].values.tolist(), f["sources"].tolist()
    ([['u', '局', 'a.csv', 2]], [['a.csv:2', 'b.csv:3']])
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from guanlian.model import BY_NAME, EMPLOYERS, NAME_SOURCES, NAMES, PROVENANCE, EdgeKind, NodeKind, Prop

PROVENANCE_COLUMNS = [p.name for p in PROVENANCE]

ARROW_TYPES: dict[str, pa.DataType] = {
    "string": pa.string(),
    "int": pa.int64(),
    "float": pa.float64(),
    "bool": pa.bool_(),
    "strings": pa.list_(pa.string()),
}

ENDPOINT_COLUMNS = ["src", "dst", "src_kind", "dst_kind"]


def node_columns(kind: NodeKind) -> list[str]:
    """Column names of a node kind in model order (``key`` first, provenance last)."""
    return [p.name for p in kind.all_props]


def edge_columns(kind: EdgeKind) -> list[str]:
    """Property column names of an edge kind in model order (endpoint columns not included)."""
    return [p.name for p in kind.all_props]


def _as_list(v: object) -> list[str] | None:
    if isinstance(v, (list, tuple, np.ndarray)):
        items = [str(x) for x in v if x is not None and str(x) != ""]
        return items or None
    if v is None or v is pd.NA or (isinstance(v, float) and v != v) or str(v) == "":
        return None
    return [str(v)]


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
        elif p.type == "strings":
            values = col.to_numpy(dtype=object, copy=True)
            # missing cells (None, NaN from a concat of frames without the column, NA) become None at once; lists
            # this module wrote (non-empty, every item a string) pass as they are; the loop that checks is several
            # times cheaper than rebuilding every list on each of the passes a row takes
            gone = pd.isna(values)
            held = values[~gone].tolist() if gone.any() else values.tolist()
            # (type checks by map/set run in C: no Python frame per list or item)
            rebuild = not (set(map(type, held)) <= {list} and all(held)
                           and set(map(type, itertools.chain.from_iterable(held))) <= {str})
            if not rebuild and any(v is not None for v in values[gone].tolist()):
                # a column with NaN/NA cells was always rebuilt whole, which drops empty items: same result
                rebuild = "" in set(itertools.chain.from_iterable(held))
            values[gone] = None
            if rebuild:
                values[~gone] = _objects([_as_list(v) for v in held])
            col = pd.Series(values, index=frame.index, dtype=object)
        else:
            col = col.astype("boolean")
        out[p.name] = col
    return out


@dataclass(frozen=True)
class Conflict:
    """Two different known values of one single-valued property of one node or edge.

    ``kept`` is the value the graph holds (the smaller one), ``other`` the one set aside; each comes with the
    source record that gave it (``file:row``; for a value already stored, the stored item's earliest source).
    """

    kind: str
    key: str
    prop: str
    kept: object
    other: object
    kept_source: str
    other_source: str


def _source_of(file: object, row: object) -> str:
    def gone(v: object) -> bool:
        return v is None or v is pd.NA or (isinstance(v, float) and v != v)

    return f"{'' if gone(file) else file}:{'' if gone(row) else int(str(row))}"


def encode_sources(records: Iterable[tuple[str, int]]) -> list[str]:
    """Source records as sorted ``file:rows`` entries, consecutive rows as ranges.

    >>> encode_sources([("b.csv", 3), ("a.csv", 2), ("a.csv", 3), ("a.csv", 4), ("a.csv", 9)])
    ['a.csv:2-4,9', 'b.csv:3']
    """
    per_file: dict[str, set[int]] = {}
    for f, r in records:
        per_file.setdefault(f, set()).add(int(r))
    out = []
    for f in sorted(per_file):
        rows = sorted(per_file[f])
        spans: list[str] = []
        start = prev = rows[0]
        for r in rows[1:]:
            if r != prev + 1:
                spans.append(str(start) if start == prev else f"{start}-{prev}")
                start = r
            prev = r
        spans.append(str(start) if start == prev else f"{start}-{prev}")
        out.append(f"{f}:{','.join(spans)}")
    return out


def decode_sources(entries: Iterable[str]) -> list[tuple[str, int]]:
    """The (file, row) records of :func:`encode_sources` entries.

    >>> decode_sources(["a.csv:2-4,9"])
    [('a.csv', 2), ('a.csv', 3), ('a.csv', 4), ('a.csv', 9)]
    """
    out: list[tuple[str, int]] = []
    for e in entries:
        f, _, spec = str(e).rpartition(":")
        for span in spec.split(","):
            if not span:
                continue
            lo, _, hi = span.partition("-")
            out.extend((f, r) for r in range(int(lo), int(hi or lo) + 1))
    return out


def _union(values: Iterable[object], sources: bool) -> list[str] | None:
    items: set[str] = set()
    for v in values:
        if isinstance(v, (list, tuple, np.ndarray)):
            items.update(str(x) for x in v if x is not None)
    if not items:
        return None
    return (encode_sources(decode_sources(items)) or None) if sources else sorted(items)


def _one_item_lists(items: pa.Array) -> pa.ListArray:
    """A list array holding each item of ``items`` as a one-item list."""
    return pa.ListArray.from_arrays(pa.array(np.arange(len(items) + 1, dtype=np.int32)), items)


def _objects(items: list[list[str]] | list[list[str] | None]) -> np.ndarray:
    """A one-dimensional object array of lists (numpy would otherwise make a matrix of equal-length lists)."""
    return pd.Series(items, dtype=object).to_numpy()


def _record_array(files: np.ndarray, rows: np.ndarray, names: np.ndarray | None = None) -> pa.Array | None:
    """:func:`_records` as an Arrow string array, built by Arrow kernels; None when the cells are not all strings
    (or the row numbers not all whole), which :func:`_records` formats one by one.

    >>> _record_array(np.array(["a.csv", "b.csv"], dtype=object), np.array([2.0, np.nan])).to_pylist()
    ['a.csv:2', 'b.csv:']
    """
    finite = rows[rows == rows]
    whole = not len(finite) or (float(np.abs(finite).max()) < 2.0**53 and bool((finite == np.floor(finite)).all()))
    if not whole or not set(map(type, files.tolist())) <= {str} or \
            (names is not None and not set(map(type, names.tolist())) <= {str}):
        return None
    # the same text as the f-string of _records (a million rows: about ten times faster)
    r = pa.array(rows, type=pa.float64(), from_pandas=True)
    text = pc.fill_null(pc.cast(pc.cast(r, pa.int64()), pa.string()), "")
    joined = pc.binary_join_element_wise(pa.array(files, type=pa.string()), text, ":")
    if names is not None:
        joined = pc.binary_join_element_wise(pa.array(names, type=pa.string()), joined, "|")
    return joined


def _records(files: np.ndarray, rows: np.ndarray, names: np.ndarray | None = None) -> list[str]:
    """``file:row`` per row (``name|file:row`` with ``names``; a missing row number leaves ``file:``).

    >>> _records(np.array(["a.csv", "b.csv"], dtype=object), np.array([2.0, np.nan]), np.array(["甲", "乙"], dtype=object))
    ['甲|a.csv:2', '乙|b.csv:']
    """
    joined = _record_array(files, rows, names)
    if joined is not None:
        out: list[str] = joined.to_pylist()
        return out
    fs, rs = files.tolist(), rows.tolist()
    if names is None:
        return [f"{f}:{'' if r != r else int(r)}" for f, r in zip(fs, rs, strict=True)]
    return [f"{n}|{f}:{'' if r != r else int(r)}" for n, f, r in zip(names.tolist(), fs, rs, strict=True)]


_DERIVED = (("sources", ""), (NAMES, "name"), (EMPLOYERS, "employer"), (NAME_SOURCES, "name"))
"""The multi-valued columns a row may leave missing, and the single-valued column each is derived from
(``sources`` and ``name_sources`` from ``src_file``/``src_row`` as well)."""


def _derivable(frame: pd.DataFrame, many: str) -> np.ndarray | None:
    """Rows whose ``many`` list is missing and derived from their other cells (:func:`_lists`); None when the
    frame cannot derive ``many`` at all."""
    one = dict(_DERIVED)[many]
    if many not in frame.columns or (one and one not in frame.columns):
        return None
    if many in ("sources", NAME_SOURCES) and "src_file" not in frame.columns:
        return None
    missing = frame[many].isna()
    if one:
        missing &= frame[one].notna()
    if many in ("sources", NAME_SOURCES):
        missing &= frame["src_file"].notna()
    return missing.to_numpy()


def _derived_items(frame: pd.DataFrame, many: str, at: np.ndarray) -> pa.Array | np.ndarray:
    """The one item of the derived ``many`` list of each row in ``at`` (positions; :func:`_derivable`): an Arrow
    string array when every item is a string, else an object array."""
    def rows() -> np.ndarray:
        if "src_row" not in frame.columns:
            return np.full(len(at), np.nan)
        numbers: np.ndarray = pd.to_numeric(frame["src_row"], errors="coerce").to_numpy(dtype=np.float64)[at]
        return numbers

    if many in ("sources", NAME_SOURCES):
        files = frame["src_file"].to_numpy(dtype=object)[at]
        names = frame["name"].to_numpy(dtype=object)[at] if many == NAME_SOURCES else None
        r = rows()
        joined = _record_array(files, r, names)
        return joined if joined is not None else np.array(_records(files, r, names), dtype=object)
    items = frame[dict(_DERIVED)[many]].to_numpy(dtype=object)[at]
    if set(map(type, items.tolist())) <= {str}:
        return pa.array(items, type=pa.string())
    return items


def _lists(frame: pd.DataFrame, only: np.ndarray | None = None, columns: Iterable[str] = ()) -> pd.DataFrame:
    """Fill the multi-valued columns rows do not carry yet: ``sources`` from ``src_file``/``src_row``, ``names``
    from ``name``, ``employers`` from ``employer``, ``name_sources`` (``name|file:row``); in ``columns``, only the
    rows ``only`` marks."""
    limited = set(columns)
    for many, _one in _DERIVED:
        missing = _derivable(frame, many)
        if missing is None:
            continue
        if only is not None and many in limited:
            missing = missing & only
        if not missing.any():
            continue
        at = np.flatnonzero(missing)
        items = _derived_items(frame, many, at)
        col = frame[many].to_numpy(dtype=object, copy=True)
        if isinstance(items, np.ndarray):
            col[at] = _objects([[e] for e in items.tolist()])
        else:
            col[at] = _objects(_one_item_lists(items).to_pylist())
        frame[many] = pd.Series(col, index=frame.index, dtype=object)
    return frame


def merge_rows(kind: NodeKind | EdgeKind, frame: pd.DataFrame) -> tuple[pd.DataFrame, list[Conflict]]:
    """Rows sharing a key combined by the model's merge rules; plus the conflicts found.

    Args:
        kind: the node or edge kind (its properties carry the rules).
        frame: typed rows (``key``, properties, and for edges the endpoint columns), any order.

    Returns:
        One row per key (keys in order of first appearance; column types as given), and one :class:`Conflict`
        per property value that differed from the kept one. The result does not depend on the order of the rows.

    Example:
        >>> from guanlian.model import model
        >>> rows = pd.DataFrame({"key": ["c", "c"], "credit_code_status": ["valid", "missing"],
        ...                      "status": ["注销", "存续"], "src_file": ["r.csv", "p.csv"], "src_row": [2, 7]})
        >>> out, conflicts = merge_rows(model().node("Company"), _typed(rows, model().node("Company").all_props))
        >>> out[["credit_code_status", "status"]].values.tolist(), [(c.prop, c.kept, c.other) for c in conflicts]
        ([['valid', '存续']], [('status', '存续', '注销')])
    """
    frame = frame.reset_index(drop=True)
    group, uniq = pd.factorize(frame["key"].to_numpy(dtype=object))  # keys in order of first appearance
    n = len(uniq)
    if n == len(frame):
        return _lists(frame), []
    sizes = np.bincount(group, minlength=n)
    repeated = sizes[group] > 1
    multi = np.flatnonzero(repeated)  # row positions of keys given more than once
    # A row of a repeated key that leaves a list to derive (a fresh row: its one source record, its one name)
    # hands the union its item as Arrow text, never as a one-item Python list; lists are built only for the rows
    # kept as they are.
    fresh: dict[str, tuple[np.ndarray, pa.Array]] = {}
    for p in kind.all_props:
        if p.merge != "union" or p.name not in dict(_DERIVED):
            continue
        derive = _derivable(frame, p.name)
        if derive is None or not (derive & repeated).any():
            continue
        at = np.flatnonzero(derive & repeated)
        items = _derived_items(frame, p.name, at)
        if isinstance(items, pa.Array):
            fresh[p.name] = (np.searchsorted(multi, at), items)
    frame = _lists(frame, ~repeated, fresh)
    # the representative source record of each key gives src_file/src_row/src_rank (and an edge's endpoints):
    # the smallest src_rank (kind of file, then the row's content), file name and row only where ranks tie or lack
    file_rank = _ranks(frame["src_file"]) if "src_file" in frame.columns else np.zeros(len(frame), dtype=np.int64)
    rows = pd.to_numeric(frame["src_row"], errors="coerce") if "src_row" in frame.columns else None
    row_rank = rows.fillna(np.iinfo(np.int64).max).to_numpy(dtype=np.float64) if rows is not None else file_rank
    src_rank = _ranks(frame["src_rank"]) if "src_rank" in frame.columns else np.zeros(len(frame), dtype=np.int64)
    order = np.lexsort((row_rank, file_rank, src_rank, group))
    starts = np.r_[True, group[order][1:] != group[order][:-1]]
    first = order[starts]  # one row index per key, keys in code order
    out = frame.iloc[first].reset_index(drop=True)
    # Only keys given more than once need merging: every rule works on the rows of those keys alone (a key given
    # once keeps its row as it is), so the work grows with the repeats, not with the table.
    g_multi = group[multi]
    conflicts: list[Conflict] = []
    for p in kind.all_props:
        if p.name == "key" or p.merge == "source" or p.name not in frame.columns:
            continue
        col = frame[p.name]
        if p.merge == "union":
            out[p.name] = _union_groups(col, first, multi, g_multi, p.name in ("sources", NAME_SOURCES, BY_NAME),
                                        fresh.get(p.name))
            continue
        sub = col.iloc[multi]
        present = sub.notna().to_numpy()
        if not present.any():  # no repeated key holds a value: each keeps its first row's (missing) cell
            out[p.name] = col.take(first).reset_index(drop=True)
            continue
        absent = sub.isin(list(p.absent)).to_numpy() & present if p.absent else np.zeros(len(sub), dtype=bool)
        known = present & ~absent
        codes, values = _sorted_factorize(sub.where(present))
        big = len(values)
        low = np.full(n, big, dtype=np.int64)
        np.minimum.at(low, g_multi, np.where(known, codes, big))
        if absent.any():  # nothing known: an absent marker is still better than nothing
            low_absent = np.full(n, big, dtype=np.int64)
            np.minimum.at(low_absent, g_multi, np.where(absent, codes, big))
            low = np.where(low == big, low_absent, low)
        # per key, a row holding the kept value (the earliest row where nothing is present): its cell is taken
        # as it is, so the column keeps its type
        pick = first.copy()
        hit = (codes >= 0) & (codes == low[g_multi])
        pick[g_multi[hit]] = multi[hit]
        out[p.name] = col.take(pick).reset_index(drop=True)
        if p.merge == "fill":
            high = np.full(n, -1, dtype=np.int64)
            np.maximum.at(high, g_multi, np.where(known, codes, -1))
            clash = (low < big) & (high > low)
            if clash.any():
                conflicts.extend(_conflicts(kind.name, frame, p.name, multi, g_multi, clash, known, codes, low,
                                            values, uniq))
    return out, conflicts


def _ranks(values: pd.Series) -> np.ndarray:
    """Sort ranks of ``values`` (missing last)."""
    codes, uniq = _sorted_factorize(values)
    return np.where(codes < 0, len(uniq), codes).astype(np.int64)


_MISSING_OR_STR = {str, type(None), float}


def _sorted_factorize(values: pd.Series) -> tuple[np.ndarray, Any]:
    """``pd.factorize(values, sort=True)``: codes (-1 for a missing cell) into the sorted distinct values.

    A column of strings (missing cells None or NaN) is encoded and its distinct values sorted by Arrow (UTF-8
    byte order is code-point order, the order of Python's string comparison); then the distinct values are an
    object array of ``str``. Any other column goes to pandas, whose sort compares Python objects one pair at a
    time (a column of 270k source ranks: 0.33 s, by Arrow 0.16 s).

    Example:
        >>> codes, uniq = _sorted_factorize(pd.Series(["b", None, "a", "b", float("nan")], dtype=object))
        >>> codes.tolist(), list(uniq)
        ([1, -1, 0, 1, -1], ['a', 'b'])
    """
    obj = values.to_numpy(dtype=object)
    if len(obj) and set(map(type, obj)) <= _MISSING_OR_STR:
        try:
            arr = pa.array(obj, type=pa.string(), from_pandas=True)  # a float other than NaN raises: pandas
        except (pa.ArrowException, UnicodeError):  # e.g. a lone surrogate, which UTF-8 cannot hold
            arr = None
        if arr is not None:
            coded = pc.dictionary_encode(arr)
            order = pc.sort_indices(coded.dictionary).to_numpy()
            rank = np.empty(len(order), dtype=np.int64)
            rank[order] = np.arange(len(order), dtype=np.int64)
            idx = coded.indices
            codes = np.where(idx.is_valid().to_numpy(zero_copy_only=False),
                             rank[pc.fill_null(idx, 0).to_numpy().astype(np.int64)] if len(order) else -1, -1)
            uniq = coded.dictionary.take(pa.array(order)).to_numpy(zero_copy_only=False).astype(object)
            return codes.astype(np.int64), uniq
    codes, uniq = pd.factorize(values, sort=True)
    return np.asarray(codes, dtype=np.int64), uniq


def _union_groups(col: pd.Series, first: np.ndarray, multi: np.ndarray, g_multi: np.ndarray,
                  sources: bool, fresh: tuple[np.ndarray, pa.Array] | None = None) -> pd.Series:
    """Per key, the union of the lists in ``col`` (keys in code order): a key given once keeps its list; the
    rows ``multi`` of keys given more than once (``g_multi``: their key codes) are united. ``fresh``: positions
    in ``multi`` whose list is the one item given beside them (an Arrow string array), whatever ``col`` holds.

    Example:
        >>> col = pd.Series([["a.csv:2"], ["b"], ["a.csv:3", "a.csv:5"], None], dtype=object)
        >>> g = np.array([0, 1, 0, 0]); multi = np.array([0, 2, 3])
        >>> _union_groups(col, np.array([0, 1]), multi, g[multi], True).tolist()
        [['a.csv:2-3,5'], ['b']]
        >>> _union_groups(col, np.array([0, 1]), multi, g[multi], True, (np.array([2]), pa.array(["a.csv:4"]))).tolist()
        [['a.csv:2-5'], ['b']]
    """
    values = col.to_numpy(dtype=object)
    out = values[first].copy()
    vs = values[multi]
    if fresh is not None:
        at, given = fresh
        held = np.ones(len(vs), dtype=bool)
        held[at] = False
        vs_held = vs[held]
    else:
        vs_held = vs
    listed: list[Any] = vs_held.tolist()

    def python_lists() -> list[Any]:
        """Every row's list as Python objects (the key-by-key union's input)."""
        if fresh is None:
            return listed
        full = vs.copy()
        full[at] = _objects(_one_item_lists(given).to_pylist())
        every: list[Any] = full.tolist()
        return every

    # the lists this module writes (None, or a list of strings) are united as Arrow arrays; anything else key by
    # key (same result, slower)
    # (type checks by map/set/filter in C: no Python frame per list; filter drops the None cells)
    if not set(map(type, listed)) <= {list, type(None)} or \
            not set(map(type, itertools.chain.from_iterable(filter(None, listed)))) <= {str}:
        return _union_loop(out, python_lists(), g_multi, sources)
    arr = pa.array(vs_held, type=pa.list_(pa.string()))
    if fresh is not None:  # the fresh rows' one-item lists put back in row order
        where = np.empty(len(vs), dtype=np.int64)
        where[held] = np.arange(len(arr), dtype=np.int64)
        where[at] = len(arr) + np.arange(len(at), dtype=np.int64)
        arr = pa.concat_arrays([arr, _one_item_lists(given)]).take(pa.array(where))
    if pc.any(pc.match_substring(pc.list_flatten(arr), "\x1f")).as_py():
        return _union_loop(out, python_lists(), g_multi, sources)
    # a key whose rows all hold the same list keeps that list as it is (a reload: already sorted and encoded)
    # (codes by Arrow's hash of the joined lists, -1 for a missing list: no Python string per row)
    joined = pc.fill_null(pc.dictionary_encode(pc.binary_join(arr, "\x1f")).indices, -1).to_numpy()
    length = pc.fill_null(pc.list_value_length(arr), -1).to_numpy()
    n = len(out)
    big = np.iinfo(np.int64).max
    same = np.ones(n, dtype=bool)
    for code in (joined.astype(np.int64), length.astype(np.int64)):
        low, high = np.full(n, big, dtype=np.int64), np.full(n, -2, dtype=np.int64)
        np.minimum.at(low, g_multi, code)
        np.maximum.at(high, g_multi, code)
        same &= (low == high) & (low >= 0)
    keys, head = np.unique(g_multi, return_index=True)  # each repeated key's earliest row
    kept = same[keys]
    if kept.any():
        out[keys[kept]] = _objects(arr.take(pa.array(head[kept])).to_pylist())
    rows = np.flatnonzero(~same[g_multi])  # rows of the keys to unite
    out[keys[~kept]] = None  # a key whose rows hold no item at all
    part = arr.take(pa.array(rows))
    items = pc.list_flatten(part)
    if not len(items):
        return pd.Series(out, dtype=object)
    grp = g_multi[rows][pc.list_parent_indices(part).to_numpy()]
    coded = pc.dictionary_encode(items).combine_chunks() if isinstance(items, pa.ChunkedArray) \
        else pc.dictionary_encode(items)
    item_code = coded.indices.to_numpy().astype(np.int64)
    uniq = coded.dictionary
    if sources:
        _union_sources(out, grp, item_code, uniq, python_lists, g_multi)
        return pd.Series(out, dtype=object)
    order = pc.sort_indices(uniq).to_numpy()  # UTF-8 byte order is code-point order, as sorted() gives
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    pair = np.unique(grp * len(order) + rank[item_code])
    g_of, r_of = pair // len(order), pair % len(order)
    cut = np.flatnonzero(np.r_[True, g_of[1:] != g_of[:-1], True])
    names = pa.ListArray.from_arrays(pa.array(cut.astype(np.int32)), uniq.take(pa.array(order[r_of])))
    out[g_of[cut[:-1]]] = _objects(names.to_pylist())
    return pd.Series(out, dtype=object)


_SPANS = r"[0-9]{1,18}(?:-[0-9]{1,18})?"
_ENTRY_RE = rf"(?s)^(?P<f>.*):(?P<s>{_SPANS}(?:,{_SPANS})*)$"
_SPANS_RE = rf"^{_SPANS}(?:,{_SPANS})*$"
"""What follows the last colon of a source entry in the form :func:`_entry_records` reads (``_ENTRY_RE``'s ``s``)."""
_SPAN_RE = r"^(?P<lo>[0-9]{1,18})(?:-(?P<hi>[0-9]{1,18}))?$"
_MAX_SPAN = 10_000_000
"""Rows one ``a-b`` span may stand for in the vectorised union; a longer span is united key by key."""


def _entry_records(uniq: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, pa.Array]:
    """The (file, row) records of every source entry in ``uniq`` (``file:2-4,9``, :func:`encode_sources`), as
    :func:`decode_sources` reads them, without a Python loop per entry.

    Returns ``plain`` (per entry: in this form, with spans of at most :data:`_MAX_SPAN` rows; the others are left to
    the key-by-key union), ``start``/``count`` (per entry: its records' first position and number), ``rows`` (the
    row of every record, entry by entry) and ``files`` (the file of each entry, dictionary-encoded; null when not
    plain).
    """
    # ``file:spans`` is cut at its last colon (spans hold none, so a file name may): the same split as
    # _ENTRY_RE's greedy ``(.*):``, without running the regex over the file names
    cut = pc.split_pattern(uniq, ":", max_splits=1, reverse=True)  # one or two pieces per entry
    ends = cut.offsets.to_numpy()  # (offsets index the child array whatever the list array's own offset)
    two = pc.equal(pc.list_value_length(cut), 2)
    head = cut.values.take(pa.array(ends[:-1]))
    tail = pc.if_else(two, cut.values.take(pa.array(ends[1:] - 1)), "")
    valid = pc.and_(two, pc.match_substring_regex(tail, _SPANS_RE))
    plain = valid.to_numpy(zero_copy_only=False)
    spans = pc.split_pattern(pc.if_else(valid, tail, ""), ",")
    flat = pc.list_flatten(spans)
    span_entry = pc.list_parent_indices(spans).to_numpy().astype(np.int64)
    bounds = pc.extract_regex(flat, _SPAN_RE)
    ok = bounds.is_valid()
    lo = pc.cast(pc.if_else(ok, bounds.field("lo"), "0"), pa.int64()).to_numpy()
    hi_text = bounds.field("hi")
    hi = pc.cast(pc.if_else(pc.and_(ok, pc.not_equal(hi_text, "")), hi_text, pc.if_else(ok, bounds.field("lo"), "0")),
                 pa.int64()).to_numpy()
    count = np.maximum(hi - lo + 1, 0)  # an empty range (b < a) stands for no row, as range() gives
    count[~plain[span_entry]] = 0
    too_long = np.zeros(len(plain), dtype=bool)
    too_long[span_entry[count > _MAX_SPAN]] = True
    plain &= ~too_long
    count[~plain[span_entry]] = 0
    first = np.cumsum(count) - count
    total = int(count.sum())
    rows = np.repeat(lo - first, count) + np.arange(total, dtype=np.int64)
    per_entry = np.bincount(span_entry, weights=count, minlength=len(plain)).astype(np.int64)
    start = np.cumsum(per_entry) - per_entry
    files = pc.dictionary_encode(pc.if_else(valid, head, pa.scalar(None, pa.string())))
    return plain, start, per_entry, rows, files


def _union_sources(out: np.ndarray, grp: np.ndarray, items: np.ndarray, uniq: pa.Array,
                   listed: Callable[[], list[Any]], g_multi: np.ndarray) -> None:
    """:func:`_union_groups` for source records (``file:rows`` entries, :func:`encode_sources`): ``grp``/``items``
    are the key code and item code (in ``uniq``) of every item to unite; each entry's rows (``file:N``, ranges,
    several spans) are read by :func:`_entry_records`; keys with an entry in another form (a missing row,
    spaces, a huge span) are united key by key from their rows in ``listed()`` (``g_multi``: the key code of each)."""
    plain, start, per_entry, numbers, files = _entry_records(uniq)
    bad = np.unique(grp[~plain[items]])
    if len(bad):
        rest: dict[int, list[object]] = {int(g): [] for g in bad.tolist()}
        for g, v in zip(g_multi.tolist(), listed(), strict=True):
            if g in rest:
                rest[g].append(v)
        for g, vs in rest.items():
            out[g] = _union(vs, True)
        keep = ~np.isin(grp, bad)
        grp, items = grp[keep], items[keep]
        if not len(grp):
            return
    forder = pc.sort_indices(files.dictionary).to_numpy()  # code-point order, as sorted() gives
    frank = np.empty(len(forder), dtype=np.int64)
    frank[forder] = np.arange(len(forder))
    entry_file = frank[pc.fill_null(files.indices, 0).to_numpy().astype(np.int64)]
    # every item stands for the records of its entry
    n_rec = per_entry[items]
    total = int(n_rec.sum())
    offset = np.cumsum(n_rec) - n_rec
    rec = np.repeat(start[items] - offset, n_rec) + np.arange(total, dtype=np.int64)
    grp = np.repeat(grp, n_rec)
    file_of = np.repeat(entry_file[items], n_rec)
    row_of = numbers[rec]
    if not total:  # only empty ranges: no record at all
        return
    order = np.lexsort((row_of, file_of, grp))
    g, f, r = grp[order], file_of[order], row_of[order]
    keep = np.r_[True, (g[1:] != g[:-1]) | (f[1:] != f[:-1]) | (r[1:] != r[:-1])]
    g, f, r = g[keep], f[keep], r[keep]
    entry = np.r_[True, (g[1:] != g[:-1]) | (f[1:] != f[:-1])]
    span = entry | np.r_[False, r[1:] != r[:-1] + 1]
    starts = np.flatnonzero(span)
    ends = np.r_[starts[1:], len(r)] - 1
    # the entries' text by Arrow kernels: ``a`` or ``a-b`` per span, spans joined by commas, the file in front
    lo, hi = r[starts], r[ends]
    lo_text = pc.cast(pa.array(lo), pa.string())
    texts = pc.if_else(pa.array(lo == hi), lo_text,
                       pc.binary_join_element_wise(lo_text, pc.cast(pa.array(hi), pa.string()), "-"))
    entry_at = np.flatnonzero(entry[starts])  # span index where each entry begins
    spans = pc.binary_join(pa.ListArray.from_arrays(pa.array(np.r_[entry_at, len(starts)].astype(np.int32)), texts),
                           ",")
    names = files.dictionary.take(pa.array(forder))
    encoded = pc.binary_join_element_wise(names.take(pa.array(f[starts[entry_at]])), spans, ":")
    g_of_entry = g[starts[entry_at]]
    cut = np.flatnonzero(np.r_[True, g_of_entry[1:] != g_of_entry[:-1], True])
    lists = pa.ListArray.from_arrays(pa.array(cut.astype(np.int32)), encoded).to_pylist()
    out[g_of_entry[cut[:-1]]] = _objects(lists)


def _union_loop(out: np.ndarray, vs: list[object], g_multi: np.ndarray, sources: bool) -> pd.Series:
    """:func:`_union_groups` key by key, for lists not in the form this module writes."""
    many: dict[int, list[object]] = {}
    for g, v in zip(g_multi.tolist(), vs, strict=True):
        many.setdefault(g, []).append(v)
    for g, group in many.items():
        head = group[0]
        if isinstance(head, list) and all(isinstance(v, list) and v == head for v in group[1:]):
            out[g] = head  # a reload: the same list again (already sorted and encoded)
        else:
            out[g] = _union(group, sources)
    return pd.Series(out, dtype=object)


def _conflicts(kind: str, frame: pd.DataFrame, prop: str, multi: np.ndarray, g_multi: np.ndarray,
               clash: np.ndarray, known: np.ndarray, codes: np.ndarray, low: np.ndarray, values: Any,
               keys: np.ndarray) -> list[Conflict]:
    """The conflicts of the keys marked in ``clash``: one per other known value, each with its earliest source.

    ``multi``/``g_multi``: positions and key codes of the rows of repeated keys; ``known``/``codes``: per such row,
    whether it holds a known value and its code in ``values``; ``low``: per key, the code of the kept value."""
    sel = np.flatnonzero(clash[g_multi] & known)
    idx = multi[sel]
    files = frame["src_file"].to_numpy(dtype=object)[idx] if "src_file" in frame.columns else [None] * len(idx)
    rows = frame["src_row"].to_numpy(dtype=object)[idx] if "src_row" in frame.columns else [None] * len(idx)
    best: dict[int, dict[int, tuple[str, float, str]]] = {}
    for g, c, f, r in zip(g_multi[sel].tolist(), codes[sel].tolist(), list(files), list(rows), strict=True):
        f = None if f is None or f is pd.NA or (isinstance(f, float) and f != f) else f
        r = None if r is None or r is pd.NA or (isinstance(r, float) and r != r) else r
        rank = (str(f) if f is not None else "\uffff", float(r) if r is not None else float("inf"))
        mine = best.setdefault(g, {})
        if c not in mine or rank < mine[c][:2]:
            mine[c] = (*rank, _source_of(f, r))
    out: list[Conflict] = []
    for g in sorted(best):
        mine, kept = best[g], int(low[g])
        out.extend(Conflict(kind, str(keys[g]), prop, _py(values[kept]), _py(values[c]), mine[kept][2], mine[c][2])
                   for c in sorted(mine) if c != kept)
    return out


def _py(v: object) -> object:
    item = getattr(v, "item", None)
    return item() if callable(item) else v


def prepare_nodes(kind: NodeKind, rows: pd.DataFrame, conflicts: list[Conflict] | None = None) -> pd.DataFrame:
    """Typed node rows with exactly ``node_columns(kind)``, one per key (merged by :func:`merge_rows`, whose
    conflicts are appended to ``conflicts`` when given); rows without a key are dropped."""
    if "key" not in rows.columns:
        raise ValueError(f"{kind.name} rows need a 'key' column; got {list(rows.columns)}")
    rows = rows[rows["key"].notna() & (rows["key"] != "")]
    merged, found = merge_rows(kind, _typed(rows, kind.all_props))
    if conflicts is not None:
        conflicts.extend(found)
    return merged[node_columns(kind)]


def prepare_edges(kind: EdgeKind, rows: pd.DataFrame, conflicts: list[Conflict] | None = None) -> pd.DataFrame:
    """Typed edge rows, one per key (merged like :func:`prepare_nodes`): endpoint columns then ``edge_columns(kind)``."""
    missing = [c for c in ["key", *ENDPOINT_COLUMNS] if c not in rows.columns]
    if missing:
        raise ValueError(f"{kind.name} rows lack columns {missing}; got {list(rows.columns)}")
    rows = rows[rows["key"].notna() & rows["src"].notna() & rows["dst"].notna()]
    ends = rows[ENDPOINT_COLUMNS].astype(object)
    frame = pd.concat([ends, _typed(rows, kind.all_props)], axis=1)
    merged, found = merge_rows(kind, frame)
    if conflicts is not None:
        conflicts.extend(found)
    return merged[[*ENDPOINT_COLUMNS, *edge_columns(kind)]]


def _canon(v: object) -> object:
    """A comparable form of a cell: None for NA, a tuple for a list, a plain Python scalar otherwise."""
    if isinstance(v, (list, tuple, np.ndarray)):
        return tuple(str(x) for x in v)
    if v is None or v is pd.NA or (isinstance(v, float) and v != v):
        return None
    return _py(v)


def merge_stored(kind: NodeKind | EdgeKind, frame: pd.DataFrame, stored: pd.DataFrame,
                 conflicts: list[Conflict] | None = None, *, only_changed: bool = True) -> pd.DataFrame:
    """The rows of ``frame`` (prepared, one per key) whose key is in ``stored``, merged with the stored values
    by the model's merge rules, and only those whose merged values differ from the stored ones.

    Both engines call this in their upserts before they write over an existing node or edge.

    Args:
        kind: node or edge kind.
        frame: prepared rows (:func:`prepare_nodes` / :func:`prepare_edges`).
        stored: stored rows of the same kind (``key`` and any properties, as the store returns them).
        conflicts: where to append the conflicts found (stored value vs new value).
        only_changed: leave out rows whose merged values equal the stored ones (an engine that must still see
            every row, e.g. to check edge endpoints, passes False).

    Returns:
        Merged rows with the columns of ``frame`` (endpoints taken from ``frame``).
    """
    if stored.empty or frame.empty:
        return frame.iloc[:0]
    old = _typed(stored.drop_duplicates("key"), kind.all_props)
    hit = frame[frame["key"].isin(set(old["key"].tolist()))]
    if hit.empty:
        return hit
    both = pd.concat([old, hit[old.columns]], ignore_index=True)
    merged, found = merge_rows(kind, both)
    if conflicts is not None:
        conflicts.extend(found)
    merged = merged.set_index("key").reindex(hit["key"].tolist())
    props = [c for c in old.columns if c != "key"]
    before = old.set_index("key").reindex(hit["key"].tolist())
    changed = np.zeros(len(hit), dtype=bool)
    types = {p.name: p.type for p in kind.all_props}
    for c in props:
        m, o = merged[c], before[c]
        if types.get(c) == "strings":
            changed |= np.array([_canon(a) != _canon(b) for a, b in zip(m.tolist(), o.tolist(), strict=True)],
                                dtype=bool)
        else:
            a = m.astype(object).where(m.notna(), None).to_numpy()
            b = o.astype(object).where(o.notna(), None).to_numpy()
            changed |= ~np.array([x == y for x, y in zip(a.tolist(), b.tolist(), strict=True)], dtype=bool)
    out = hit.copy()
    for c in props:
        out[c] = merged[c].to_numpy()
    if only_changed:
        out = out[pd.Series(changed, index=out.index, dtype=bool)]
    typed = _typed(out, kind.all_props)
    return pd.concat([out[[c for c in out.columns if c not in typed.columns]], typed], axis=1)[list(frame.columns)]
