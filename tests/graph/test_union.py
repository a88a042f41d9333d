"""The Arrow union of list properties (:func:`guanlian.graph.frames._union_groups`) against the key-by-key one."""

from __future__ import annotations

import random

import numpy as np
import pandas as pd

from guanlian.graph.frames import _union_groups, _union_loop, decode_sources, encode_sources


def _entry(rng: random.Random) -> str:
    file = rng.choice(["a.csv", "b.csv", "x:y.csv", "甲.xlsx", ""])
    kind = rng.random()
    if kind < 0.4:
        return f"{file}:{rng.randint(0, 30)}"
    if kind < 0.8:  # ranges and several spans, as a compacted file writes them
        spans = []
        for _ in range(rng.randint(1, 3)):
            lo = rng.randint(0, 30)
            hi = lo + rng.randint(-2, 6)  # an empty range (hi < lo) stands for no row
            spans.append(str(lo) if hi == lo else f"{lo:0{rng.randint(1, 3)}d}-{hi}")
        return f"{file}:{','.join(spans)}"
    return rng.choice([f"{file}:", f"{file}:2,,3", f"{file}: 4", f"{file}:3-"])


def _case(rng: random.Random, sources: bool) -> tuple[pd.Series, np.ndarray, np.ndarray, np.ndarray]:
    n_keys = rng.randint(1, 6)
    rows = rng.randint(1, 12)
    group = np.array([rng.randrange(n_keys) for _ in range(rows)])
    values: list[object] = []
    for _ in range(rows):
        if rng.random() < 0.15:
            values.append(None)
        elif sources:
            values.append([_entry(rng) for _ in range(rng.randint(1, 3))])
        else:
            values.append([rng.choice(["张三", "李四", "b", "a", "A"]) for _ in range(rng.randint(1, 3))])
    col = pd.Series(values, dtype=object)
    _codes, first = np.unique(group, return_index=True)
    keys = np.unique(group)
    remap = {int(k): i for i, k in enumerate(keys.tolist())}
    group = np.array([remap[int(g)] for g in group.tolist()])
    sizes = np.bincount(group)
    multi = np.flatnonzero(sizes[group] > 1)
    return col, first, multi, group[multi]


def test_arrow_union_equals_key_by_key() -> None:
    rng = random.Random(18)
    for i in range(3000):
        sources = i % 3 != 0
        col, first, multi, g_multi = _case(rng, sources)
        fast = _union_groups(col, first, multi, g_multi, sources).tolist()
        values = col.to_numpy(dtype=object)
        slow = _union_loop(values[first].copy(), values[multi].tolist(), g_multi, sources).tolist()
        assert fast == slow, (i, col.tolist(), g_multi.tolist())


def test_ranges_unite_into_one_encoding() -> None:
    col = pd.Series([["a.csv:2-4,9"], ["a.csv:5-7", "b.csv:3"], ["a.csv:8"]], dtype=object)
    out = _union_groups(col, np.array([0]), np.array([0, 1, 2]), np.array([0, 0, 0]), True).tolist()
    assert out == [["a.csv:2-9", "b.csv:3"]]
    assert decode_sources(out[0]) == decode_sources(encode_sources(decode_sources(["a.csv:2-9", "b.csv:3"])))
    # a near miss: a gap stays a gap
    col = pd.Series([["a.csv:2-4"], ["a.csv:6"]], dtype=object)
    assert _union_groups(col, np.array([0]), np.array([0, 1]), np.array([0, 0]), True).tolist() == [["a.csv:2-4,6"]]


def test_entry_split_equals_entry_regex() -> None:
    """_entry_records cuts entries at their last colon; the regex it replaced decides the same entries."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from guanlian.graph.frames import _ENTRY_RE, _entry_records

    rng = random.Random(7)
    entries = sorted({_entry(rng) for _ in range(3000)} | {"", ":", "a:b:", "a:1:2", "\n:3", "x:1,2-3", ":5"})
    uniq = pa.array(entries, type=pa.string())
    plain, _start, _count, _rows, files = _entry_records(uniq)
    parts = pc.extract_regex(uniq, _ENTRY_RE)
    assert plain.tolist() == parts.is_valid().to_numpy(zero_copy_only=False).tolist()
    want = [f if ok else None for f, ok in zip(parts.field("f").to_pylist(), plain.tolist(), strict=True)]
    assert files.dictionary.take(files.indices).to_pylist() == want


def _person_rows(rng: random.Random) -> pd.DataFrame:
    """Person rows as a file's builder gives them: most lists still to derive (a fresh row), some given (a row of a
    compacted file), keys repeated, names and rows missing now and then."""
    n = rng.randint(1, 14)
    keys = [f"p{rng.randrange(rng.randint(1, 6))}" for _ in range(n)]

    def maybe(values: list[object], p: float) -> object:
        return None if rng.random() < p else rng.choice(values)

    def given(make: object) -> object:
        return None if rng.random() < 0.7 else make

    frame = pd.DataFrame({
        "key": keys,
        "name": [maybe(["张三", "張三", "李四", "a", "A"], 0.15) for _ in range(n)],
        "employer": [maybe(["局", "厅", "b"], 0.3) for _ in range(n)],
        "src_file": [maybe(["a.csv", "b.csv", "x:y.csv", "甲.xlsx"], 0.1) for _ in range(n)],
        "src_row": [None if rng.random() < 0.1 else rng.randint(0, 12) for _ in range(n)],
        "src_rank": [maybe(["1", "2", "10"], 0.2) for _ in range(n)],
        "sources": [given([_entry(rng) for _ in range(rng.randint(1, 2))]) for _ in range(n)],
        "names": [given([rng.choice(["张三", "李四", "b"]) for _ in range(rng.randint(1, 2))]) for _ in range(n)],
        "name_sources": [given([f"{rng.choice(['张三', '李四'])}|{_entry(rng)}"]) for _ in range(n)],
        "employers": [given([rng.choice(["局", "厅"])]) for _ in range(n)],
    }, dtype=object)
    return frame


def test_fresh_rows_merge_as_their_derived_lists() -> None:
    """merge_rows hands the union the derived items of fresh rows as Arrow text; the result equals that of the
    same rows with every list derived first (what merge_rows did before), and each list property equals the
    key-by-key union of those lists."""
    from guanlian.graph.frames import _lists, _typed, _union, merge_rows
    from guanlian.model import model

    kind = model().node("Person")
    rng = random.Random(2)
    for i in range(400):
        rows = _person_rows(rng)
        typed = i % 4 != 0  # also rows as given, not typed: a name that is not a string takes the Python path
        if not typed and rng.random() < 0.3:
            rows.loc[rng.randrange(len(rows)), "name"] = 7
        frame = _typed(rows, kind.all_props) if typed else rows
        derived = _lists(frame.copy().reset_index(drop=True))
        fast, fast_conflicts = merge_rows(kind, frame.copy())
        slow, slow_conflicts = merge_rows(kind, derived.copy())
        assert fast.equals(slow) and list(fast.columns) == list(slow.columns), (i, rows.to_dict("list"))
        assert fast_conflicts == slow_conflicts
        # a property no row holds (here the ID) stays missing, in the column's type
        assert fast["id_number"].isna().all() and fast["id_number"].dtype == frame["id_number"].dtype if typed else True
        for col in ("sources", "names", "name_sources", "employers"):
            sources = col in ("sources", "name_sources")
            for key, lists in derived.groupby("key", sort=False)[col]:
                vs = lists.tolist()
                head = vs[0]
                want = head if isinstance(head, list) and all(v == head for v in vs) else _union(vs, sources)
                got = fast.loc[fast["key"] == key, col].tolist()[0]
                assert got == want, (i, col, key, vs)
