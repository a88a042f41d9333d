"""What a store's last person match saw and found, so the next ``match`` blocks and scores only the pairs of new
or changed persons (issue 18 item 5).

Two Arrow IPC files in the store's sidecar folder (data only: a store folder handed over by someone else cannot
run code when they are read):

* :data:`LINKS_FILE` (``match-cache.arrow``): the linked pairs (row positions into the persons below, score,
  tier, explanations, and whether a pair rested on a shared birth date alone), and in the schema metadata the
  fingerprint of the configuration and the matcher's code and the run's counts;
* :data:`PERSONS_FILE` (``match-persons.arrow``): the persons as the matcher read them, and per blocking rule the keys of each person's records (one per name or employer form).

:func:`update` compares the persons read now with those: a person whose row is unchanged keeps its pairs
with every other unchanged person, and only the candidate pairs with a new or changed person at one end are
blocked and scored, on the persons that share a blocking key with one (so every block such a pair comes from is
whole and refined exactly as in a full match). Two cross-pair rules make a full match necessary, and
:func:`update` says so instead of guessing: a blocking key whose block crosses the size cap
(``MatchConfig.max_block_pairs``) with the change (pairs of unchanged persons in it appear, vanish or change
their explanation), and a pair of a new, changed or removed person that rests on a shared birth date alone
(:func:`~guanlian.matching.matcher.ambiguous_birth` decides such pairs against each other across records).
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from guanlian.codehash import source_fingerprint
from guanlian.graph.store import SIDECAR_FILES
from guanlian.matching.arrow_files import read_table, write_table
from guanlian.matching.features import prepare_records
from guanlian.matching.matcher import (
    BLOCKING_RULES,
    IndexArray,
    Linked,
    MatchConfig,
    _expand_aliases,
    linked_of,
    match_records,
)

__all__ = ["FULL_REASONS", "LINKS_FILE", "PERSONS_FILE", "Cache", "full", "load", "same_rows", "save", "unusable",
           "update"]

LINKS_FILE = SIDECAR_FILES["match_cache"]
PERSONS_FILE = SIDECAR_FILES["match_persons"]

MAX_CHANGED_SHARE = 0.05
"""Above this share of changed persons (new, changed or removed) a full match is run: the pairs of that many
persons cost about as much to block and score apart as all of them together."""

_TEXT = pa.dictionary(pa.int32(), pa.string())
_LINKS_SCHEMA = pa.schema([("li", pa.int64()), ("ri", pa.int64()), ("score", pa.float64()),
                           ("tier", _TEXT), ("explanation_zh", _TEXT), ("explanation_en", _TEXT),
                           ("birth_only", pa.bool_())])


def _encoded(texts: object) -> pa.DictionaryArray:
    """Text as a dictionary array: a million links share a few hundred explanations."""
    codes, uniq = pd.factorize(np.asarray(texts, dtype=object))
    return pa.DictionaryArray.from_arrays(pa.array(codes.astype(np.int32)), pa.array(list(uniq), pa.string()))


def _decoded(arr: pa.ChunkedArray) -> npt.NDArray[np.object_]:
    d = arr.combine_chunks()
    out: npt.NDArray[np.object_] = np.array(d.dictionary.to_pylist(), dtype=object)[d.indices.to_numpy()]
    return out
_COUNTS = ("candidates", "conflicting_ids", "refined_keys", "dropped", "dropped_budget")
_KEYS = "__keys_"
_SIDE = "__side"
"""The cached persons' column of ``side``/``core`` flags (:func:`~guanlian.matching.matcher.match_records`) as
one code (0 neither, 1 side, 2 core too): a person whose code changed (a registry person a unit now pays, a
payee now declared as a relative) is matched again like a changed one."""


def config_fingerprint(cfg: MatchConfig) -> str:
    """SHA-256 over ``cfg`` without ``load_id`` and the source of the matching package: the same persons give
    the same links under equal fingerprints.

    Example:
        >>> config_fingerprint(MatchConfig()) == config_fingerprint(MatchConfig(possible_threshold=5))
        False
    """
    h = hashlib.sha256(repr(dataclasses.replace(cfg, load_id="")).encode())
    h.update(source_fingerprint(Path(__file__).parent).encode())
    return h.hexdigest()


def _comparable(arr: pa.Array) -> list[pa.Array]:
    """``arr`` as text arrays whose element-wise equality is the cells' equality (a list: its length and its
    items joined)."""
    if pa.types.is_list(arr.type) or pa.types.is_large_list(arr.type):
        return [pc.fill_null(pc.list_value_length(arr), -1), pc.binary_join(arr, "\x1e")]
    return [arr]


def same_rows(now: pa.Table, before: pa.Table, rows: IndexArray) -> npt.NDArray[np.bool_]:
    """Per row of ``now``: equal in every column of ``now`` to row ``rows[i]`` of ``before`` (null equals null
    only; ``-1``: no such row, never equal).

    Example:
        >>> a = pa.table({"key": ["a", "b"], "names": [["王五"], None]})
        >>> b = pa.table({"key": ["b", "a"], "names": [None, ["王五", "王伍"]]})
        >>> same_rows(a, b, np.array([1, 0])).tolist()
        [False, True]
    """
    out = rows >= 0
    take = pa.array(np.where(out, rows, 0))
    for name in now.column_names:
        if name not in before.column_names:
            return np.zeros(len(rows), dtype=bool)
        x, y = now.column(name).combine_chunks(), before.column(name).combine_chunks().take(take)
        # a column with no value at all is typed null, which has no comparison kernel
        x, y = (a.cast(pa.large_string()) if pa.types.is_null(a.type) else a for a in (x, y))
        if x.type != y.type:
            try:
                y = y.cast(x.type)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                return np.zeros(len(rows), dtype=bool)
        for a, b in zip(_comparable(x), _comparable(y), strict=True):
            eq = pc.or_(pc.fill_null(pc.equal(a, b), False), pc.and_(pc.is_null(a), pc.is_null(b)))
            out &= np.asarray(eq, dtype=bool)
    return out


@dataclass
class Cache:
    """A person match's result and input (see the module text)."""

    fingerprint: str
    linked: Linked
    persons: pa.Table
    """The persons as read, plus one ``__keys_<rule>`` list column per blocking rule and the ``__side`` flags."""


def record_keys(persons: pd.DataFrame, cfg: MatchConfig, features: pd.DataFrame | None = None,
                origins: IndexArray | None = None) -> dict[str, pa.Array]:
    """Per blocking rule of ``cfg``, the keys of each person's records as one list per person (a person with
    several name or employer forms has one record per form; null = the record has no key of that rule).

    ``features``/``origins``: the prepared records and the person behind each, when a match made them already.
    """
    if features is None or origins is None:
        expanded = _expand_aliases(persons)
        features = prepare_records(persons if expanded is None else expanded[0])
        origins = np.arange(len(persons), dtype=np.int64) if expanded is None else expanded[1]
    order = np.argsort(origins, kind="stable")
    offsets = pa.array(np.searchsorted(origins[order], np.arange(len(persons) + 1)), pa.int32())
    take = pa.array(order)
    return {name: pa.ListArray.from_arrays(offsets, BLOCKING_RULES[name].keys(features).take(take))
            for name in cfg.blocking_rules}


def _arrow(persons: pd.DataFrame, lists: Mapping[str, pa.Array] | None = None) -> pa.Table | None:
    """``persons`` as an Arrow table (None when a column cannot be one); ``lists``: some of its columns already
    as Arrow arrays of the same rows (the engine's list columns), taken as they are instead of converted again."""
    use = {c: a for c, a in (lists or {}).items() if c in persons.columns and len(a) == len(persons)}
    try:
        table = pa.Table.from_pandas(persons.drop(columns=list(use)).reset_index(drop=True), preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    if not use:
        return table
    return pa.table({c: use[c] if c in use else table.column(c) for c in persons.columns})


Flags = npt.NDArray[np.bool_]


def _table(table: pa.Table | None, keys: dict[str, pa.Array], code: npt.NDArray[np.int8]) -> pa.Table | None:
    if table is None:
        return None
    for name, arr in keys.items():
        table = table.append_column(_KEYS + name, arr)
    return table.append_column(_SIDE, pa.array(code, pa.int8()))


def _code(n: int, side: Flags | None, core: Flags | None) -> npt.NDArray[np.int8]:
    """The ``__side`` code of each of ``n`` persons (no ``side``: all 2, nothing is left out)."""
    if side is None:
        return np.full(n, 2, dtype=np.int8)
    s = np.asarray(side, dtype=bool)
    c = s if core is None else s & np.asarray(core, dtype=bool)
    return (s.astype(np.int8) + c.astype(np.int8)).astype(np.int8)


def _flags(code: npt.NDArray[np.int8]) -> tuple[Flags, Flags]:
    return code >= 1, code >= 2


def full(persons: pd.DataFrame, cfg: MatchConfig, side: Flags | None = None, core: Flags | None = None,
         lists: Mapping[str, pa.Array] | None = None) -> tuple[Linked, Cache | None]:
    """Block and score every person (the in-process engine); returns the links and what to cache (None when
    the persons cannot be stored as Arrow). ``side``, ``core``: see
    :func:`~guanlian.matching.matcher.match_records` (None: every pair is kept). ``lists``: columns of
    ``persons`` already as Arrow arrays (:func:`~guanlian.matching.matcher.read_persons_lists`)."""
    got: list[IndexArray] = []
    code = _code(len(persons), side, core)
    flags: tuple[Flags | None, Flags | None] = (None, None) if side is None else _flags(code)
    scored, features, _, refined = match_records(persons, None, cfg, linkable_only=True, origins=got,
                                                 side=flags[0], core=flags[1])
    linked = linked_of(scored, refined)
    del scored  # every scored pair (the linked ones are copied out): let go before the cache is built
    table = _table(_arrow(persons, lists), record_keys(persons, cfg, features, got[0]), code)
    return linked, (None if table is None else Cache(config_fingerprint(cfg), linked, table))


def save(sidecar: Path, cache: Cache) -> None:
    """Write ``cache`` as two Arrow IPC files, each whole or not at all (a temporary file, then a rename; the
    links file last and naming the persons file's row count, so a half-written pair is never read as one)."""
    sidecar.mkdir(parents=True, exist_ok=True)
    linked = cache.linked
    meta = {b"fingerprint": cache.fingerprint.encode(), b"persons": str(cache.persons.num_rows).encode()}
    meta.update({k.encode(): str(int(getattr(linked, k))).encode() for k in _COUNTS})
    birth = linked.birth_only if linked.birth_only is not None else np.ones(len(linked), dtype=bool)
    links = pa.table({
        "li": pa.array(np.asarray(linked.li, dtype=np.int64)), "ri": pa.array(np.asarray(linked.ri, dtype=np.int64)),
        "score": pa.array(np.asarray(linked.score, dtype=np.float64)),
        "tier": _encoded(linked.tier), "explanation_zh": _encoded(linked.explanation_zh),
        "explanation_en": _encoded(linked.explanation_en),
        "birth_only": pa.array(np.asarray(birth, dtype=bool)),
    }, schema=_LINKS_SCHEMA.with_metadata(meta))
    (sidecar / LINKS_FILE).unlink(missing_ok=True)
    for name, table in ((PERSONS_FILE, cache.persons), (LINKS_FILE, links)):
        write_table(sidecar / name, table)


def load(sidecar: Path, cfg: MatchConfig) -> Cache | None:
    """The cache in ``sidecar`` if it was written under ``cfg`` and this matcher's code, else None (no file,
    another fingerprint, or files this version cannot read: the caller matches in full then)."""
    links = read_table(sidecar / LINKS_FILE)
    if links is None:
        return None
    meta = links.schema.metadata or {}
    if meta.get(b"fingerprint") != config_fingerprint(cfg).encode() or not links.schema.equals(_LINKS_SCHEMA):
        return None
    persons = read_table(sidecar / PERSONS_FILE)
    try:
        counts = {k: int(meta[k.encode()]) for k in _COUNTS}
        rows = int(meta[b"persons"])
    except (KeyError, ValueError):
        return None
    if persons is None or persons.num_rows != rows or _SIDE not in persons.column_names or any(
            _KEYS + r not in persons.column_names for r in cfg.blocking_rules):
        return None
    col = links.column
    linked = Linked(
        li=col("li").to_numpy().astype(np.int64), ri=col("ri").to_numpy().astype(np.int64),
        score=col("score").to_numpy().astype(np.float64),
        tier=_decoded(col("tier")), explanation_zh=_decoded(col("explanation_zh")).tolist(),
        explanation_en=_decoded(col("explanation_en")).tolist(),
        birth_only=col("birth_only").to_numpy(zero_copy_only=False).astype(bool), **counts)
    if len(linked) and (linked.li.min() < 0 or linked.ri.max() >= rows):
        return None
    return Cache(meta[b"fingerprint"].decode(), linked, persons)


def unusable(sidecar: Path, cfg: MatchConfig) -> str:
    """Why :func:`load` gave no cache: ``""`` (there is none), ``"version"`` (written under another fingerprint:
    another matcher version or other settings) or ``"unreadable"``; a key of :data:`FULL_REASONS` otherwise.
    Reads the links file's schema only.

    Example:
        >>> import tempfile
        >>> unusable(Path(tempfile.mkdtemp()), MatchConfig())
        ''
    """
    path = sidecar / LINKS_FILE
    if not path.exists():
        return ""
    try:
        with pa.memory_map(str(path), "r") as src:
            meta = pa.ipc.open_file(src).schema.metadata or {}
    except (OSError, pa.ArrowException):
        return "unreadable"
    return "version" if meta.get(b"fingerprint") != config_fingerprint(cfg).encode() else "unreadable"


FULL_REASONS: dict[str, tuple[str, str]] = {
    "many": ("自上次匹配后变化的人员过多", "too many persons changed since the last match"),
    "cap": ("变化的人员使某个分块跨过了大小上限（其中其他人员的候选对随之改变）",
            "a block crossed the size cap with the changed persons (other persons' pairs in it change)"),
    "birth": ("变化人员的某个候选对仅凭相同出生日期成立（须与同一人的其他候选对一并判断）",
              "a pair of a changed person rests on a shared birth date alone (decided against the person's other "
              "pairs)"),
    "order": ("人员顺序与上次匹配不同", "the persons are in another order than at the last match"),
    "keys": ("人员主键不唯一", "person keys are not unique"),
    "arrow": ("人员记录无法存为 Arrow 表", "the persons cannot be stored as an Arrow table"),
    "version": ("上次匹配的缓存由另一版本的匹配程序或另一组参数写成", "the last match's cache was written by another "
                "version of the matcher or with other settings"),
    "unreadable": ("上次匹配的缓存无法读取", "the last match's cache cannot be read"),
}
"""Why :func:`update` asks for a full match: code → (Chinese, English)."""


@dataclass
class Update:
    """What :func:`update` did: the links of the persons now, and the cache to write."""

    linked: Linked
    cache: Cache
    changed: int
    """Persons new, changed or removed since the cached match."""
    rewrite: bool
    """The cache differs from the one read (persons changed, or the store lists them in another order)."""


def _flat(lists: pa.Array, rows: IndexArray) -> tuple[pa.Array, IndexArray]:
    """The keys of the persons at ``rows`` (in the list column ``lists``) and the position in ``rows`` of each."""
    sub = lists.take(pa.array(rows, pa.int64()))
    return pc.list_flatten(sub), np.asarray(pc.list_parent_indices(sub), dtype=np.int64)


def _counts(values: pa.Array) -> dict[str, int]:
    vc = pc.value_counts(values.drop_null())
    return dict(zip(vc.field("values").to_pylist(), vc.field("counts").to_pylist(), strict=True))


def _pairs_of(frame: pd.DataFrame, flag: npt.NDArray[np.bool_], cfg: MatchConfig,
              code: npt.NDArray[np.int8], budget: bool = True) -> Linked:
    """The linked pairs of ``frame`` with a flagged row at one end (positions into ``frame``); ``code``: the
    rows' ``__side`` codes; ``budget`` False: the match had no ``side`` (as :func:`full` then, none is passed)."""
    side, core = _flags(code) if budget else (None, None)
    scored, _, _, _ = match_records(frame, None, cfg, linkable_only=True, only=flag, side=side, core=core)
    return linked_of(scored, 0)


def _old_rows(old: pa.Table, persons: pd.DataFrame, rows: IndexArray) -> pd.DataFrame:
    """The cached persons at ``rows``, with the columns of the persons read now."""
    frame: pd.DataFrame = old.select(persons.columns.tolist()).take(pa.array(rows)).to_pandas()
    return frame


def _undated(frame: pd.DataFrame) -> npt.NDArray[np.bool_]:
    """Per person of ``frame``: no birth year read (the matcher's ``by`` ≤ 0)."""
    return np.asarray(prepare_records(frame)["by"].to_numpy().astype(np.int64) <= 0, dtype=bool)


def _declared_pairing_changes(old: pa.Table, persons: pd.DataFrame, rule: str, capped: list[str],
                              codes: tuple[npt.NDArray[np.int8], npt.NDArray[np.int8]],
                              was_kept: npt.NDArray[np.bool_], d_new: IndexArray, came: pa.Array | None,
                              max_pairs: int) -> bool:
    """Whether the change may alter the pairs *between unchanged persons* that the capped blocks ``capped``
    (keys of ``rule``, too big before and after) give declared persons and persons without a birth year
    (:func:`~guanlian.matching.matcher._declared_pairs`): a block's ``2 · declared · undated`` count crosses
    ``max_pairs``, or a declared or undated person came into or left a block already over it (where the pairs
    go by name). ``codes``: the ``__side`` codes before and after; ``came``: the key lists of the new rows
    ``d_new``. True asks for a full match."""
    code_old, code_now = codes
    wanted = pa.array(capped, pa.large_string())
    lists = old.column(_KEYS + rule).combine_chunks()
    every = pc.list_flatten(lists).cast(pa.large_string())
    hit = np.asarray(pc.is_in(every, value_set=wanted).fill_null(False), dtype=bool)
    owner = np.asarray(pc.list_parent_indices(lists), dtype=np.int64)[hit]
    keys_old = np.asarray(every.filter(pa.array(hit)).to_numpy(zero_copy_only=False), dtype=object)
    rows = np.unique(owner)
    undated_old = np.zeros(len(was_kept), dtype=bool)
    undated_old[rows] = _undated(_old_rows(old, persons, rows))
    mark_old = np.where(code_old[owner] >= 2, 1, 0) + np.where(undated_old[owner], 2, 0)
    kept = was_kept[owner]
    parts_before = [(keys_old, mark_old)]
    parts_after = [(keys_old[kept], mark_old[kept])]
    changed = [(keys_old[~kept], mark_old[~kept])]
    if came is not None and len(d_new):
        flat = pc.list_flatten(came).cast(pa.large_string())
        at = np.asarray(pc.list_parent_indices(came), dtype=np.int64)
        got = np.asarray(pc.is_in(flat, value_set=wanted).fill_null(False), dtype=bool)
        if got.any():
            rows_new = d_new[at[got]]
            undated = _undated(persons.iloc[rows_new].reset_index(drop=True))
            mark_new = np.where(code_now[rows_new] >= 2, 1, 0) + np.where(undated, 2, 0)
            keys_new = np.asarray(flat.filter(pa.array(got)).to_numpy(zero_copy_only=False), dtype=object)
            parts_after.append((keys_new, mark_new))
            changed.append((keys_new, mark_new))

    def fits(parts: list[tuple[npt.NDArray[np.object_], npt.NDArray[np.int64]]]) -> pd.Series:
        keys = np.concatenate([k for k, _ in parts])
        mark = np.concatenate([m for _, m in parts])
        frame = pd.DataFrame({"k": keys, "d": (mark & 1) > 0, "u": (mark & 2) > 0})
        sums = frame.groupby("k")[["d", "u"]].sum().reindex(capped, fill_value=0)
        return 2 * sums["d"].astype(np.int64) * sums["u"].astype(np.int64) <= max_pairs

    before, after = fits(parts_before), fits(parts_after)
    if bool((before != after).any()):
        return True
    moved = np.concatenate([k[m > 0] for k, m in changed])
    return bool(len(moved)) and not bool(before.reindex(pd.unique(moved)).all())


def update(cache: Cache, persons: pd.DataFrame, cfg: MatchConfig, side: Flags | None = None,
           core: Flags | None = None, lists: Mapping[str, pa.Array] | None = None) -> Update | str:
    """The links of a full match of ``persons`` (with ``side`` and ``core`` as in :func:`full`), from ``cache``
    and the pairs of the persons that changed since (a person whose flags changed counts as changed). ``lists``:
    as for :func:`full`.

    Returns an :class:`Update`, or a key of :data:`FULL_REASONS` saying why a full match is needed instead.
    """
    old = cache.persons
    n_old, n_new = old.num_rows, len(persons)
    old_keys = pd.Index(old.column("key").to_numpy(zero_copy_only=False).astype(str).astype(object))
    keys_now = persons["key"].astype(str).to_numpy(dtype=object)
    if not old_keys.is_unique or not pd.Index(keys_now).is_unique:
        return "keys"
    now = _arrow(persons, lists)
    if now is None:
        return "arrow"
    at_old = np.asarray(old_keys.get_indexer(keys_now), dtype=np.int64)
    side_now = _code(n_new, side, core)
    side_old = old.column(_SIDE).to_numpy(zero_copy_only=False).astype(np.int8)
    same = same_rows(now, old, at_old) & (side_old[np.maximum(at_old, 0)] == side_now)
    kept_old = at_old[same]  # old positions of the unchanged persons, in today's order
    if len(kept_old) > 1 and bool((np.diff(kept_old) < 0).any()):
        return "order"
    d_new = np.flatnonzero(~same)
    was_kept = np.zeros(n_old, dtype=bool)
    was_kept[kept_old] = True
    d_old = np.flatnonzero(~was_kept)
    changed = len(np.union1d(keys_now[d_new], old_keys.to_numpy()[d_old]))
    if changed > MAX_CHANGED_SHARE * max(n_new, 1):
        return "many"
    linked_old = cache.linked
    if linked_old.birth_only is not None and len(d_old):
        touched = ~was_kept[linked_old.li] | ~was_kept[linked_old.ri]
        if bool(linked_old.birth_only[touched].any()):
            return "birth"
    new_keys = record_keys(persons.iloc[d_new].reset_index(drop=True), cfg) if len(d_new) else {}
    now_of_old = np.full(n_old, -1, dtype=np.int64)
    now_of_old[kept_old] = np.flatnonzero(same)
    near_old = np.zeros(n_old, dtype=bool)  # unchanged persons sharing a key with a changed one (old positions)
    for rule in cfg.blocking_rules:
        lists = old.column(_KEYS + rule).combine_chunks()
        gone, _ = _flat(lists, d_old)
        came = pc.list_flatten(new_keys[rule]) if len(d_new) else pa.array([], pa.large_string())
        wanted = pa.concat_arrays([gone.cast(pa.large_string()), came.cast(pa.large_string())]).drop_null().unique()
        if not len(wanted):
            continue
        every = pc.list_flatten(lists)
        owner = np.asarray(pc.list_parent_indices(lists), dtype=np.int64)
        hit = np.asarray(pc.is_in(every, value_set=wanted).fill_null(False), dtype=bool)
        near_old[owner[hit]] = True
        before = _counts(every.filter(pa.array(hit)))
        minus, plus = _counts(gone), _counts(came)
        for k, c in before.items():
            after = c - minus.get(k, 0) + plus.get(k, 0)
            if (c * c > cfg.max_block_pairs) != (after * after > cfg.max_block_pairs):
                return "cap"
        for k, c in plus.items():
            if k not in before and c * c > cfg.max_block_pairs:
                return "cap"
        capped = [k for k, c in before.items() if c * c > cfg.max_block_pairs]
        if side is not None and capped and _declared_pairing_changes(
                old, persons, rule, capped, (side_old, side_now), was_kept, d_new, new_keys[rule] if len(d_new)
                else None, cfg.max_block_pairs):
            return "cap"
    near_old &= was_kept
    linked_new = Linked(np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0), np.empty(0, dtype=object),
                        [], [], birth_only=np.empty(0, dtype=bool))
    cand, conf, dropped = linked_old.candidates, linked_old.conflicting_ids, linked_old.dropped
    dropped_budget = linked_old.dropped_budget
    if len(d_old):  # the pairs the changed and removed persons had: their counts go
        rows = np.union1d(d_old, np.flatnonzero(near_old))
        frame = _old_rows(old, persons, rows)
        gone_pairs = _pairs_of(frame, np.isin(rows, d_old), cfg, side_old[rows], side is not None)
        cand -= gone_pairs.candidates
        conf -= gone_pairs.conflicting_ids
        dropped -= gone_pairs.dropped
        dropped_budget -= gone_pairs.dropped_budget
    if len(d_new):
        rows = np.union1d(d_new, now_of_old[near_old])
        flag = np.isin(rows, d_new)
        linked_new = _pairs_of(persons.iloc[rows].reset_index(drop=True), flag, cfg, side_now[rows],
                              side is not None)
        if linked_new.birth_only is not None and bool(linked_new.birth_only.any()):
            return "birth"
        linked_new.li, linked_new.ri = rows[linked_new.li], rows[linked_new.ri]
        cand += linked_new.candidates
        conf += linked_new.conflicting_ids
        dropped += linked_new.dropped
        dropped_budget += linked_new.dropped_budget
    keep = was_kept[linked_old.li] & was_kept[linked_old.ri]
    li = np.concatenate([now_of_old[linked_old.li[keep]], linked_new.li])
    ri = np.concatenate([now_of_old[linked_old.ri[keep]], linked_new.ri])
    n_keep = int(keep.sum())
    order = np.lexsort((ri, li))
    sel_old = np.flatnonzero(keep)
    # object arrays: millions of kept pairs are taken by position without a Python loop
    zh = np.concatenate([np.asarray(linked_old.explanation_zh, dtype=object)[sel_old],
                         np.asarray(linked_new.explanation_zh, dtype=object)])
    en = np.concatenate([np.asarray(linked_old.explanation_en, dtype=object)[sel_old],
                         np.asarray(linked_new.explanation_en, dtype=object)])
    old_birth = (linked_old.birth_only[keep] if linked_old.birth_only is not None
                 else np.ones(n_keep, dtype=bool))
    new_birth = (linked_new.birth_only if linked_new.birth_only is not None
                 else np.ones(len(linked_new), dtype=bool))
    linked = Linked(li[order], ri[order],
                    np.concatenate([linked_old.score[keep], linked_new.score])[order],
                    np.concatenate([linked_old.tier[keep], linked_new.tier])[order],
                    zh[order].tolist(), en[order].tolist(), cand, conf, linked_old.refined_keys,
                    np.concatenate([old_birth, new_birth])[order], dropped, dropped_budget)
    keys = {}
    rewrite = bool(changed) or not np.array_equal(kept_old, np.arange(n_new))
    if not rewrite:
        return Update(linked, cache, 0, False)
    for rule in cfg.blocking_rules:
        kept_part = old.column(_KEYS + rule).combine_chunks().take(pa.array(kept_old))
        keys[rule] = _place(kept_part, np.flatnonzero(same), new_keys.get(rule), d_new, n_new)
    table = _table(now, keys, side_now)
    if table is None:
        return "arrow"
    return Update(linked, Cache(cache.fingerprint, linked, table), changed, True)


def _place(kept: pa.Array, at_kept: IndexArray, new: pa.Array | None, at_new: IndexArray, n: int) -> pa.Array:
    """One list column of ``n`` rows from the kept persons' lists (rows ``at_kept``) and the new ones'."""
    parts = [kept] if new is None else [kept.cast(new.type), new]
    rows = at_kept if new is None else np.concatenate([at_kept, at_new])
    whole = pa.concat_arrays(parts) if len(parts) > 1 else parts[0]
    inverse = np.empty(n, dtype=np.int64)
    inverse[rows] = np.arange(len(rows), dtype=np.int64)
    return whole.take(pa.array(inverse))
