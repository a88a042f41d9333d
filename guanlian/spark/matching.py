"""The matcher on Apache Spark: the same features, blocking rules, comparisons, tiers and explanations.

Nothing here restates a rule. Each stage calls the in-process code on a slice of the data:

1. **Features**: every partition of person records goes through
   :func:`~guanlian.matching.features.prepare_records` (``mapInArrow``), which also yields each record's
   blocking keys as text (:meth:`~guanlian.matching.matcher.BlockingRule.keys`: comparable across
   partitions, unlike the in-process integer codes).
2. **Blocking** as Spark joins on ``(rule, key)``. Block sizes are counted first; a key whose block would
   pair more than ``MatchConfig.max_block_pairs`` records is refined by birth year, exactly as in process
   (so the candidate pairs are the same; in a self-match, officials and relatives are still paired with a
   refined block's rows that have no birth year, as in process). Skew: a block still bigger than ``salt_pairs`` pairs is salted —
   the left records spread over ``S`` salts, the right ones copied to each — so no single task holds it.
3. **Scoring**: candidate pairs are joined with both records' features and scored in batches by
   :func:`~guanlian.matching.matcher.score_pairs` and explained by ``Scored.explanations`` — the same
   functions, so the same scores, tiers and texts.

Example (``tests/spark`` runs this on ``local[2]``)::

    engine = SparkEngine(spark_session("local[2]"))
    collide(left, right, engine=engine)          # same frame as collide(left, right)
    match_store(store, engine=engine)             # same POSSIBLY_SAME edges as match_store(store)
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa

from guanlian.matching.features import (
    CODE_COLUMNS,
    FEATURE_COLUMNS,
    ID_KINDS,
    INPUT_COLUMNS,
    prepare_records,
    share_coding,
)
from guanlian.matching.matcher import (
    BLOCKING_RULES,
    Linked,
    MatchConfig,
    Scored,
    _expand_aliases,
    _fold_aliases,
    ambiguous_birth,
    mark_declared,
    score_pairs,
    storable_flags,
    unstorable,
)
from guanlian.model import tier_rank
from guanlian.spark.session import SparkError
from guanlian.values.vocab import said

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["OrderedLinks", "SparkEngine", "SparkRun", "feature_schema", "finish_linked", "shuffle_bytes"]

_KEY_SEP = "\x1e"  # between a blocking key and the birth year that refines it (keys use \x1f inside)
_MASKED = ID_KINDS.index("masked")


def _arrow_type(dtype: Any) -> pa.DataType:
    if pd.api.types.is_bool_dtype(dtype):
        return pa.bool_()
    if pd.api.types.is_integer_dtype(dtype):
        return pa.from_numpy_dtype(np.dtype(dtype))
    if pd.api.types.is_float_dtype(dtype):
        return pa.float64()
    return pa.string()


def feature_schema() -> pa.Schema:
    """The Arrow schema of the feature rows Spark carries: ``rid``, ``alias`` (1 = a record the matcher added
    for a former name) and the feature columns, typed as
    :func:`prepare_records` types them (read from a one-row frame, so a new feature column flows in)."""
    sample = prepare_records(pd.DataFrame({c: ["x"] for c in INPUT_COLUMNS}))
    fields = [pa.field("rid", pa.int64(), nullable=False), pa.field("alias", pa.int8())]
    fields += [pa.field(c, _arrow_type(sample[c].dtype)) for c in FEATURE_COLUMNS]
    return pa.schema(fields)


def _to_spark_schema(schema: pa.Schema) -> str:
    names = {pa.int8(): "tinyint", pa.int16(): "smallint", pa.int32(): "int", pa.int64(): "bigint",
             pa.string(): "string", pa.bool_(): "boolean", pa.float64(): "double"}
    return ", ".join(f"`{f.name}` {names[f.type]}" for f in schema)


def _batches(it: Iterator[pa.RecordBatch], rows: int) -> Iterator[pa.Table]:
    """Regroup Arrow batches into tables of about ``rows`` rows (the per-call work is per distinct value)."""
    buf: list[pa.RecordBatch] = []
    n = 0
    for b in it:
        if b.num_rows:
            buf.append(b)
            n += b.num_rows
        if n >= rows:
            yield pa.Table.from_batches(buf)
            buf, n = [], 0
    if buf:
        yield pa.Table.from_batches(buf)


def _features_fn(schema: pa.Schema, key_rules: list[str], rows: int) -> Any:
    """The ``mapInArrow`` function of the feature stage (runs in the executors)."""

    def run(it: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for table in _batches(it, rows):
            records = table.to_pandas()
            f = prepare_records(records)
            cols: dict[str, pa.Array] = {"rid": pa.array(records["rid"].to_numpy(), pa.int64()),
                                         "alias": pa.array(records["alias"].to_numpy(), pa.int8())}
            for c in FEATURE_COLUMNS:
                typ = schema.field(c).type
                v = f[c]
                if typ == pa.string() and not pd.api.types.is_object_dtype(v.dtype):
                    cols[c] = pa.array(v, from_pandas=True).cast(typ)  # Arrow-backed text: no Python str per row
                else:
                    cols[c] = pa.array(v.to_numpy(dtype=object) if typ == pa.string() else v.to_numpy(), type=typ,
                                       from_pandas=True)
            for name in key_rules:
                cols[f"k_{name}"] = BLOCKING_RULES[name].keys(f).cast(pa.string())
            yield pa.RecordBatch.from_pydict(cols)

    return run


_OUT_SCHEMA = ("li bigint, ri bigint, score double, tier string, explanation_zh string, explanation_en string, "
               "birth_only tinyint, exact_name boolean, id_l bigint, id_r bigint, alt_zh string, alt_en string, "
               "candidates bigint, conflicts bigint, dropped bigint, dropped_budget bigint")


_FINISH_COLUMNS = ("li", "ri", "score", "tier", "explanation_zh", "explanation_en", "birth_only", "exact_name",
                   "id_l", "id_r", "alt_zh", "alt_en")
_FINISH_SCHEMA = ("li bigint, ri bigint, score double, tier string, explanation_zh string, explanation_en string, "
                  "birth_only tinyint, exact_name boolean, id_l bigint, id_r bigint, alt_zh string, alt_en string")
_FINISHED_SCHEMA = ("li bigint, ri bigint, score double, tier string, tier_rank int, explanation_zh string, "
                    "explanation_en string")


def _distinct_rows(ids: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64],
                                                         npt.NDArray[np.int64]]:
    """``(pos, row, uniq)`` of a batch's record ids: ``uniq[pos] == ids``, and ``row[k]`` is a batch row holding
    record ``uniq[k]`` (its features are the same in every row that holds it)."""
    codes, uniq = pd.factorize(ids)
    pos = codes.astype(np.int64)
    row = np.empty(len(uniq), dtype=np.int64)
    row[pos] = np.arange(len(ids), dtype=np.int64)
    return pos, row, np.asarray(uniq, dtype=np.int64)


def _side(table: pa.Table, prefix: str, row: npt.NDArray[np.int64], columns: list[str]) -> pd.DataFrame:
    """The features of the distinct records of one side of a batch (``prefix`` ``l_`` or ``r_``), unprefixed."""
    sub: pd.DataFrame = table.select([f"{prefix}{c}" for c in columns]).take(pa.array(row)).to_pandas()
    sub.columns = columns
    return sub


def _score_fn(config: MatchConfig, columns: list[str], rows: int, capped: dict[str, set[str]],
              declared: bool = False, budget: tuple[bytes, bytes] | None = None) -> Any:
    """The ``mapInArrow`` function of the scoring stage: score_pairs on batches of joined pairs. Each batch
    also emits one row with ``tier`` null that carries its candidate and conflicting-ID counts.

    A batch's pairs are scored between the *distinct* records on each side (a registry record sits in several
    pairs), and the code columns (:data:`CODE_COLUMNS`, not carried through the joins) are computed once per
    batch over both sides' strings (:func:`share_coding`): the comparisons only test them for equality, so
    the levels are those of the per-pair frames.

    :func:`ambiguous_birth` looks across all pairs, so it is left to the driver: pairs resting on a birth
    date or month alone carry ``birth_only``, ``exact_name``, both records' valid IDs (``id_l``, ``id_r``) and
    their explanation as ``possible`` (``alt_*``) in case they are demoted.
    ``capped``: per rule, the keys of its refined blocks; a pair sharing one is marked (:func:`capped_rules`'s
    bit mask), so the explanation states the cap as in process; ``declared``: the run paired declared rows
    with capped blocks' rows without a birth year (:data:`~guanlian.matching.matcher.DECLARED_COMPARED`), which the explanation says too.
    ``budget``: the link budget's ``side`` and ``core`` flags per record id (:func:`np.packbits`): the pairs
    :func:`~guanlian.matching.matcher.unstorable` names are left out here, before they are explained, and
    only counted (``dropped``, ``dropped_budget`` on the count row), as :func:`match_records` does in process.
    """
    bits = {name: np.int64(1) << list(BLOCKING_RULES).index(name) for name in capped}
    key_cols = [f"k_{name}" for name in capped]

    def run(it: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        flags = None if budget is None else tuple(np.unpackbits(np.frombuffer(b, np.uint8)).astype(bool)
                                                  for b in budget)
        for table in _batches(it, rows):
            lpos, lrow, lrid = _distinct_rows(table.column("l_rid").to_numpy())
            rpos, rrow, rrid = _distinct_rows(table.column("r_rid").to_numpy())
            lf = _side(table, "l_", lrow, [*columns, *key_cols])
            rf = _side(table, "r_", rrow, [*columns, *key_cols])
            share_coding(lf, rf)
            scored = score_pairs(lf, rf, lpos, rpos, config, linkable_only=True, month_ambiguity=False)
            if capped:
                mask = np.zeros(len(scored.li), dtype=np.int64)
                for name, keys in capped.items():
                    lk = lf[f"k_{name}"].to_numpy(dtype=object)[scored.li]
                    rk = rf[f"k_{name}"].to_numpy(dtype=object)[scored.ri]
                    lks = pd.Series(lk)
                    hit = (lks.notna() & (lks == pd.Series(rk)) & lks.isin(keys)).to_numpy(dtype=bool)
                    mask |= np.where(hit, bits[name], 0)
                if declared:
                    mask = mark_declared(mask)
                scored.capped = mask
            keep = scored.tier != ""
            n_side = n_budget = 0
            if flags is not None:
                assert scored.birth_only is not None
                out, n_side = unstorable(lrid[scored.li], rrid[scored.ri], scored.tier, scored.birth_only, *flags)
                n_budget = int(out.sum()) - n_side
                keep &= ~out
            zh, en = scored.explanations(keep)
            n_all = len(keep)
            birth = scored.birth_only if scored.birth_only is not None else np.zeros(n_all, dtype=np.int8)
            exact = scored.exact_name if scored.exact_name is not None else np.zeros(n_all, dtype=bool)
            none = np.full(n_all, -1, dtype=np.int64)
            id_l, id_r = scored.ids if scored.ids is not None else (none, none)
            on_birth = birth > 0
            alt_tier = np.where(on_birth, "possible", scored.tier).astype(object)
            alt_zh, alt_en = replace(scored, tier=alt_tier).explanations(keep)
            kept_on_birth = on_birth[keep]
            li = lrid[scored.li[keep]]
            ri = rrid[scored.ri[keep]]
            n = int(keep.sum())
            yield pa.RecordBatch.from_pydict({
                "li": pa.array(np.append(li, -1), pa.int64()),
                "ri": pa.array(np.append(ri, -1), pa.int64()),
                "score": pa.array(np.append(scored.score[keep], 0.0), pa.float64()),
                "tier": pa.array([*scored.tier[keep].tolist(), None], pa.string()),
                "explanation_zh": pa.array([*zh, None], pa.string()),
                "explanation_en": pa.array([*en, None], pa.string()),
                "birth_only": pa.array(np.append(birth[keep], 0), pa.int8()),
                "exact_name": pa.array(np.append(exact[keep], False), pa.bool_()),
                "id_l": pa.array(np.append(id_l[keep], -1), pa.int64()),
                "id_r": pa.array(np.append(id_r[keep], -1), pa.int64()),
                "alt_zh": pa.array([*(a if m else None for a, m in zip(alt_zh, kept_on_birth, strict=True)), None],
                                   pa.string()),
                "alt_en": pa.array([*(a if m else None for a, m in zip(alt_en, kept_on_birth, strict=True)), None],
                                   pa.string()),
                "candidates": pa.array([0] * n + [scored.candidates], pa.int64()),
                "conflicts": pa.array([0] * n + [scored.conflicting_ids], pa.int64()),
                "dropped": pa.array([0] * n + [n_side], pa.int64()),
                "dropped_budget": pa.array([0] * n + [n_budget], pa.int64()),
            })

    return run


_STAGE_FAILURE = re.compile(r"Job aborted due to stage failure: (.+?)(?: at org\.apache| Driver stacktrace|$)")


_PY4J_CALL = re.compile(r"^An error occurred while calling [\w.$]+\. : ")
_JAVA_FRAME = re.compile(r" at (?:org|java|javax|scala|sun|jdk|py4j)\.[\w.$]+\(")


def job_failure(text: str) -> tuple[str, str]:
    """A failed Spark job's message (a Java stack trace, often) → (Chinese, English) sentences: the stage failure's
    own reason when there is one, and the setting to change when the results outgrew the driver's limit.

    Example:
        >>> zh, en = job_failure("An error occurred while calling o1.getResult. : org.apache.spark.SparkException: "
        ...     "Exception thrown in awaitResult: at org.apache.spark.util.X Caused by: org.apache.spark.SparkException: "
        ...     "Job aborted due to stage failure: Total size of serialized results of 32 tasks (1199.2 MiB) is bigger "
        ...     "than spark.driver.maxResultSize (1024.0 MiB) at org.apache.spark.Y")
        >>> en
        'the Spark job failed: Total size of serialized results of 32 tasks (1199.2 MiB) is bigger than spark.driver.maxResultSize (1024.0 MiB); raise it, e.g. --conf spark.driver.maxResultSize=8g (0: no limit), and give the driver the memory (--conf spark.driver.memory=…)'
        >>> job_failure("An error occurred while calling o1037.parquet. : org.apache.hadoop.fs.ParentNotDirectory"
        ...     "Exception: Parent path is not a directory: file:/tmp/f\\n\\tat org.apache.hadoop.fs.Raw.mkdirs(Raw.java:892)")[1]
        'the Spark job failed: org.apache.hadoop.fs.ParentNotDirectoryException: Parent path is not a directory: file:/tmp/f'
    """
    flat = " ".join(text.split())
    m = _STAGE_FAILURE.search(flat)
    if m:
        detail = m.group(1)
    else:  # the root cause's own sentence: py4j's call prefix and the Java frames dropped
        detail = _PY4J_CALL.sub("", flat.split(" Caused by: ")[-1])
        frame = _JAVA_FRAME.search(detail)
        detail = (detail[: frame.start()] if frame else detail).strip()
    detail = detail[:400]
    zh, en = f"Spark 作业失败：{detail}", f"the Spark job failed: {detail}"
    if "maxResultSize" in detail:
        zh += "；请调大该上限，例如 --conf spark.driver.maxResultSize=8g（0 表示不限），并给驱动程序足够内存（--conf spark.driver.memory=…）"
        en += ("; raise it, e.g. --conf spark.driver.maxResultSize=8g (0: no limit), and give the driver the memory "
               "(--conf spark.driver.memory=…)")
    return zh, en


def _text(col: pd.Series) -> pa.Array:
    """A column of cells as Arrow text: missing cells null, text as it is, anything else ``str(value)``.

    Example:
        >>> _text(pd.Series(["张三", None, 7, float("nan")], dtype=object)).to_pylist()
        ['张三', None, '7', None]
    """
    try:
        arr = pa.array(col, from_pandas=True)
    except (pa.ArrowException, TypeError, ValueError):
        arr = None
    if arr is not None and (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        return arr.cast(pa.string())  # a text column: no Python object per cell
    s = col.astype("object").where(col.notna(), None)
    return pa.array([None if v is None else str(v) for v in s], pa.string())


def _unexpanded(df: pd.DataFrame) -> tuple[pd.DataFrame, npt.NDArray[np.int64], npt.NDArray[np.int8]]:
    """``_expand_aliases``'s result for a table it left as it is: the rows, their own positions, no alias flag."""
    return df, np.arange(len(df), dtype=np.int64), np.zeros(len(df), np.int8)


def _group_fn(fold: Any) -> Any:
    """The ``mapInArrow`` function that adds ``g``, the original position of each pair's left record
    (``fold``: a broadcast of the expanded → original positions), so that a partition by ``g`` holds every pair
    the cross-pair rules compare."""

    def run(it: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        lo = fold.value[0]
        for b in it:
            g = pa.array(lo[b.column(0).to_numpy()], pa.int64())
            yield pa.RecordBatch.from_arrays([*b.columns, g], names=[*b.schema.names, "g"])

    return run


def _finish_fn(fold: Any, rows: int = 100_000) -> Any:
    """The ``mapInArrow`` function that runs :func:`finish_linked` over one whole partition of a collision's
    linked rows (partitioned by left record, so each record's pairs are all there) and adds ``tier_rank``."""

    def run(it: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        batches = [b for b in it if b.num_rows]
        if not batches:
            return
        df = pa.Table.from_batches(batches).to_pandas()
        del batches
        li, ri, score, tier, zh, en = finish_linked(df, False, None if fold is None else fold.value)
        del df
        rank = np.fromiter((tier_rank(t) for t in tier), dtype=np.int32, count=len(tier))
        for a in range(0, len(li), rows):
            b = slice(a, a + rows)
            yield pa.RecordBatch.from_pydict({
                "li": pa.array(li[b], pa.int64()), "ri": pa.array(ri[b], pa.int64()),
                "score": pa.array(score[b], pa.float64()), "tier": pa.array(tier[b].tolist(), pa.string()),
                "tier_rank": pa.array(rank[b], pa.int32()),
                "explanation_zh": pa.array(zh[b].tolist(), pa.string()),
                "explanation_en": pa.array(en[b].tolist(), pa.string()),
            })

    return run


@dataclass
class OrderedLinks:
    """A collision's linked pairs as Parquet files written by the executors, in the order ``collide`` gives
    them (strongest tier, then highest score, then left and right position): read them with :meth:`batches`.

    Attributes:
        files: the files, in order (each sorted; every row of one before every row of the next).
        pairs: the number of pairs.
        candidates, conflicts, refined_keys: as :class:`~guanlian.matching.matcher.Linked`.
    """

    files: list[Path]
    pairs: int
    candidates: int = 0
    conflicts: int = 0
    refined_keys: int = 0

    def batches(self, rows: int = 100_000) -> Iterator[pa.Table]:
        """The pairs in order, ``rows`` at a time: ``li``, ``ri``, ``score``, ``tier``, ``explanation_zh``,
        ``explanation_en`` (one file's row group at most in memory)."""
        import pyarrow.parquet as pq

        cols = ["li", "ri", "score", "tier", "explanation_zh", "explanation_en"]
        for f in self.files:
            for b in pq.ParquetFile(f).iter_batches(batch_size=rows, columns=cols):
                yield pa.Table.from_batches([b])


Finished = tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float64], npt.NDArray[np.object_],
                 npt.NDArray[np.object_], npt.NDArray[np.object_]]
"""``(li, ri, score, tier, explanation_zh, explanation_en)`` of linked pairs."""


def finish_linked(got: pd.DataFrame, self_join: bool,
                  fold: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]] | None = None) -> Finished:
    """Scored rows (the scoring stage's linked rows, :data:`_OUT_SCHEMA`) → the final pairs, as in process:
    pairs resting on an ambiguous birth date demoted (:func:`ambiguous_birth`), former-name records folded back
    (:func:`_fold_aliases`, ``fold`` = original position per expanded left / right record), sorted by
    ``(li, ri)``.

    Both rules look across the pairs of one record (a collision: of one left record; ``ambiguous_birth`` in a
    self-match: of either side), so this runs on the driver over all rows, or, for a collision, on the
    executors over a partition that holds every pair of its left records (:meth:`SparkEngine.link_ordered`).

    Example:
        >>> rows = pd.DataFrame({"li": [1, 0], "ri": [0, 0], "score": [12.0, 9.0], "tier": ["probable", "possible"],
        ...     "explanation_zh": ["甲", "乙"], "explanation_en": ["a", "b"], "birth_only": [0, 0],
        ...     "exact_name": [True, True], "id_l": [-1, -1], "id_r": [-1, -1], "alt_zh": [None, None],
        ...     "alt_en": [None, None]})
        >>> li, ri, score, tier, zh, en = finish_linked(rows, self_join=False)
        >>> li.tolist(), tier.tolist(), en.tolist()
        ([0, 1], ['possible', 'probable'], ['b', 'a'])
    """
    got = got.sort_values(["li", "ri"], kind="stable").reset_index(drop=True)
    li = got["li"].to_numpy(dtype=np.int64)
    ri = got["ri"].to_numpy(dtype=np.int64)
    tier = got["tier"].to_numpy(dtype=object)
    zh = got["explanation_zh"].to_numpy(dtype=object)
    en = got["explanation_en"].to_numpy(dtype=object)
    demote = ambiguous_birth(li, ri, got["score"].to_numpy(dtype=np.float64),
                             got["birth_only"].to_numpy(dtype=np.int8), got["exact_name"].to_numpy(dtype=bool),
                             got["id_l"].to_numpy(dtype=np.int64), got["id_r"].to_numpy(dtype=np.int64),
                             self_join=self_join)
    tier = np.where(demote, "possible", tier).astype(object)
    zh = np.where(demote, got["alt_zh"].to_numpy(dtype=object), zh)
    en = np.where(demote, got["alt_en"].to_numpy(dtype=object), en)
    score = got["score"].to_numpy(dtype=np.float64)
    if fold is not None:
        # The row numbers ride through the fold as a "levels" array (it only subsets them).
        rows_in = cast("dict[str, npt.NDArray[np.int8]]", {"row": np.arange(len(got), dtype=np.int64)})
        folded = _fold_aliases(Scored(li, ri, score, tier, rows_in, [], 0, 0), fold[0], fold[1], self_join)
        keep = folded.levels["row"]
        li, ri, score, tier, zh, en = folded.li, folded.ri, folded.score, folded.tier, zh[keep], en[keep]
    return li, ri, score, tier, zh, en


@dataclass
class SparkRun:
    """Figures of the last run (for the CLI summary and the benchmark)."""

    records: int = 0
    candidate_pairs: int = 0
    linked: int = 0
    refined_keys: int = 0
    salted_keys: int = 0
    partitions: int = 0


class SparkEngine:
    """A :data:`~guanlian.matching.matcher.LinkEngine` that runs on Spark.

    Args:
        spark: a session (:func:`~guanlian.spark.session.spark_session`).
        partitions: partitions of the record tables (default: ``2 × spark.default.parallelism``).
        salt_pairs: a block pairing more records than this is salted over several tasks.
        max_salts: at most this many salts per block.
        batch_rows: rows handed to one call of the shared Python functions (features and scoring).
        broadcast_rows: when matching two tables, the features of the smaller one are broadcast to the scoring
            tasks if it has at most this many records (0: never).
        collect_slices: the scored rows come to the driver in this many jobs, each a share of their partitions
            (the rows are kept on the executors' disks in between); None: one job per 2,000,000 input records
            (at least one). At 10M × 1M records one job lost a task's result: the 32 results of ~90 MB each
            waited in the block manager beside the cached features.

    Example::

        engine = SparkEngine(spark_session("local[2]"))
        linked = engine(persons, None, MatchConfig())   # a Linked, as link_records returns
    """

    def __init__(self, spark: SparkSession, partitions: int | None = None, salt_pairs: int = 50_000,
                 max_salts: int = 64, batch_rows: int = 100_000, broadcast_rows: int = 500_000,
                 collect_slices: int | None = None) -> None:
        self.spark = spark
        self.partitions = partitions or max(2, 2 * spark.sparkContext.defaultParallelism)
        self.salt_pairs = salt_pairs
        self.max_salts = max_salts
        self.batch_rows = batch_rows
        self.broadcast_rows = broadcast_rows
        self.collect_slices = collect_slices
        self.last = SparkRun()
        self._cached: list[DataFrame] = []
        """Feature tables persisted by :meth:`link`, released once :meth:`collect` has the rows."""
        self._capped: dict[str, set[str]] = {}
        """Keys of the refined blocks per rule, from the last :meth:`candidate_pairs` (for the explanations)."""

    # -- input ------------------------------------------------------------------------------------------

    def records(self, df: pd.DataFrame, alias: npt.NDArray[np.int8] | None = None) -> DataFrame:
        """A pandas table of person records → a Spark DataFrame of the input columns (text) plus ``rid``
        (the row position) and ``alias`` (1 for a record added for a former name)."""
        cols: dict[str, pa.Array] = {
            "rid": pa.array(np.arange(len(df), dtype=np.int64)),
            "alias": pa.array(np.zeros(len(df), np.int8) if alias is None else alias, pa.int8())}
        for c in INPUT_COLUMNS:
            if c in df.columns:
                cols[c] = _text(df[c])
            else:
                cols[c] = pa.nulls(len(df), pa.string())
        return self.spark.createDataFrame(pa.table(cols)).repartition(self.partitions)

    # -- stages -----------------------------------------------------------------------------------------

    def features(self, records: DataFrame, config: MatchConfig) -> DataFrame:
        """Feature rows (``rid``, :data:`FEATURE_COLUMNS`, ``k_<rule>`` keys) of a records DataFrame."""
        missing = [c for c in ("rid", "alias", *INPUT_COLUMNS) if c not in records.columns]
        if missing:
            from pyspark.sql import functions as F
            for c in missing:
                if c == "rid":
                    raise SparkError("records need a rid column / 记录缺少 rid 列")
                records = records.withColumn(c, F.lit(0 if c == "alias" else None).cast(
                    "tinyint" if c == "alias" else "string"))
        schema = feature_schema()
        rules = list(config.blocking_rules)
        out = pa.schema([*schema, *(pa.field(f"k_{r}", pa.string()) for r in rules)])
        inputs = records.select("rid", "alias", *(records[c].cast("string").alias(c) for c in INPUT_COLUMNS))
        return inputs.mapInArrow(_features_fn(schema, rules, self.batch_rows), _to_spark_schema(out))

    def candidate_pairs(self, left: DataFrame, right: DataFrame | None, config: MatchConfig,
                        declared: DataFrame | None = None) -> DataFrame:
        """Distinct ``(li, ri)`` candidate pairs of two feature DataFrames (``right`` None: self-match).

        Runs one small job first: the sizes of the blocks that are too big (refined by birth year, as in
        process) or big enough to salt. Those few rows come to the driver and go back as a broadcast table,
        so the pair join itself is a single shuffle join on ``(rule, key, salt)``. ``declared`` (a ``rid``
        column, self-match only): officials and relatives, also paired with a refined block's rows that have
        no birth year, both ways, unless those pairs exceed the cap in that block
        (:func:`~guanlian.matching.matcher._declared_pairs`).
        """
        from pyspark.sql import functions as F

        self_join = right is None
        rules = list(config.blocking_rules)
        masked_rules = [r for r in rules if BLOCKING_RULES[r].masked_only]

        def keys(f: DataFrame) -> DataFrame:
            stacked = f.select(
                "rid", "by", (F.col("id_kind") == _MASKED).alias("masked"),
                F.when(F.col("name_key") != "", F.col("name_key")).alias("name"),
                F.explode(F.array(*(F.struct(F.lit(r).alias("rule"), F.col(f"k_{r}").alias("key"))
                                    for r in rules))).alias("k"))
            return stacked.select("rid", "by", "masked", "name", "k.rule", "k.key").where(F.col("key").isNotNull())

        kl = keys(left)
        kr = kl if right is None else keys(right)
        nl = kl.groupBy("rule", "key").agg(F.count(F.lit(1)).alias("nl"))
        nr = nl.withColumnRenamed("nl", "nr") if self_join else kr.groupBy("rule", "key").agg(
            F.count(F.lit(1)).alias("nr"))
        floor = min(config.max_block_pairs, self.salt_pairs)
        sizes = nl.join(nr, ["rule", "key"])
        special = sizes.where(F.col("nl") * F.col("nr") > F.lit(floor)).toArrow().to_pandas()
        pairs_per_block = special["nl"].astype("int64") * special["nr"].astype("int64")
        special["big"] = pairs_per_block > config.max_block_pairs
        # A refined block splits by birth year (~60 distinct years): salt it for the size of one year's part.
        per_task = np.where(special["big"], pairs_per_block / 60.0, pairs_per_block) / self.salt_pairs
        special["salts"] = np.clip(np.ceil(per_task), 1, self.max_salts).astype("int32")
        self.last.refined_keys = int(special["big"].sum())
        big = special[special["big"]]
        self._capped = {str(r): set(g["key"].astype(str)) for r, g in big.groupby("rule")}
        self.last.salted_keys = int((special["salts"] > 1).sum())
        # as Arrow: pandas' Arrow-backed text columns make Spark's pandas path fall back to rows (with a warning)
        info = self.spark.createDataFrame(pa.table({
            "rule": pa.array(special["rule"].astype(object).tolist(), pa.string()),
            "key": pa.array(special["key"].astype(object).tolist(), pa.string()),
            "big": pa.array(special["big"].to_numpy(dtype=bool), pa.bool_()),
            "salts": pa.array(special["salts"].to_numpy(dtype=np.int32), pa.int32())}))

        def refine(k: DataFrame) -> DataFrame:
            j = k.join(F.broadcast(info), ["rule", "key"], "left")
            key2 = F.when(~F.coalesce(F.col("big"), F.lit(False)), F.col("key")).when(
                F.col("by") > 0, F.concat(F.col("key"), F.lit(_KEY_SEP), F.col("by").cast("string")))
            return j.withColumn("key", key2).withColumn("salts", F.coalesce(F.col("salts"), F.lit(1))).where(
                F.col("key").isNotNull())

        rl = refine(kl)
        rr = rl if right is None else refine(kr)
        # Skew: records of a salted block are spread (left) and copied (right) over its salts; others get 0.
        a = rl.select("rule", "key", F.pmod(F.col("rid"), F.col("salts")).alias("salt"), F.col("rid").alias("li"),
                      F.col("masked").alias("ml"))
        b = rr.select("rule", "key", F.explode(F.sequence(F.lit(0), F.col("salts") - 1)).alias("salt"),
                      F.col("rid").alias("ri"), F.col("masked").alias("mr"))
        pairs = a.join(b, ["rule", "key", "salt"]).drop("salt")
        if declared is not None and len(big):
            pairs = pairs.unionByName(self._declared_pairs(kl, kr, info, declared, config.max_block_pairs))
        if self_join:
            pairs = pairs.where(F.col("li") < F.col("ri"))
        if masked_rules:
            pairs = pairs.where(~F.col("rule").isin(masked_rules) | F.col("ml") | F.col("mr"))
        return pairs.select("li", "ri").distinct()

    def _declared_pairs(self, kl: DataFrame, kr: DataFrame, info: DataFrame, declared: DataFrame,
                        max_pairs: int) -> DataFrame:
        """``(rule, key, li, ml, ri, mr)`` of :meth:`candidate_pairs`' declared rows in refined blocks with
        those blocks' rows without a birth year, both ways; in a block where they exceed ``max_pairs``, only
        those with the same normalised name, and none for a name where these still exceed it (as
        :func:`~guanlian.matching.matcher._declared_pairs`)."""
        from pyspark.sql import functions as F

        big = F.broadcast(info.where(F.col("big")).select("rule", "key"))
        dec = declared.select("rid", F.lit(True).alias("d")).distinct()

        def tag(k: DataFrame) -> DataFrame:
            return k.join(big, ["rule", "key"]).join(dec, "rid", "left").select(
                "rule", "key", "name", "rid", "masked", F.coalesce(F.col("d"), F.lit(False)).alias("d"),
                (~F.coalesce(F.col("by") > 0, F.lit(False))).alias("ny"))

        tl = tag(kl)
        tr = tl if kr is kl else tag(kr)

        def fitting(group: list[str], left: DataFrame, right: DataFrame) -> DataFrame:
            def counts(t: DataFrame, side: str) -> DataFrame:
                return t.groupBy(*group).agg(F.sum(F.col("d").cast("long")).alias(f"d{side}"),
                                             F.sum(F.col("ny").cast("long")).alias(f"n{side}"))

            return counts(left, "l").join(counts(right, "r"), group).select(
                *group, (F.col("dl") * F.col("nr") + F.col("nl") * F.col("dr") <= F.lit(max_pairs)).alias("fits"))

        cols = ["rule", "key", "li", "ml", "ri", "mr"]

        def pairs(group: list[str], left: DataFrame, right: DataFrame) -> DataFrame:
            a = left.select(*group, F.col("rid").alias("li"), F.col("masked").alias("ml"), "d", "ny")
            b = right.select(*group, F.col("rid").alias("ri"), F.col("masked").alias("mr"),
                             F.col("d").alias("d2"), F.col("ny").alias("ny2"))
            one = a.where("d").join(b.where("ny2"), group).select(*cols)
            two = a.where("ny").join(b.where("d2"), group).select(*cols)
            return one.unionByName(two)

        blocks = ["rule", "key"]
        fit1 = fitting(blocks, tl, tr)
        whole = pairs(blocks, tl.join(fit1.where("fits").drop("fits"), blocks),
                      tr.join(fit1.where("fits").drop("fits"), blocks))
        over = fit1.where(~F.col("fits")).drop("fits")
        named = ["rule", "key", "name"]
        nl = tl.join(over, blocks).where(F.col("name").isNotNull())
        nr = nl if kr is kl else tr.join(over, blocks).where(F.col("name").isNotNull())
        fit2 = fitting(named, nl, nr).where("fits").drop("fits")
        by_name = pairs(named, nl.join(fit2, named), nr.join(fit2, named))
        return whole.unionByName(by_name)

    def score(self, pairs: DataFrame, left: DataFrame, right: DataFrame | None, config: MatchConfig,
              aliases: bool = False, broadcast: str | None = None, declared: bool = False,
              budget: tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]] | None = None) -> DataFrame:
        """Linked pairs (and one count row per batch, ``tier`` null) of candidate pairs. ``aliases``: the
        records include former names, so the feature frames carry the ``alias`` flag (as in process).

        The joins carry the feature columns but not the code columns (the scoring recodes them per batch).
        ``broadcast`` ``"left"`` or ``"right"``: that side's features are small enough to be sent to every task,
        so the pairs meet the other side's features in one shuffle join on its id and then this side's in a
        broadcast join — no shuffle of pairs with a whole feature row attached. ``budget``: ``(side, core)`` per
        record id (a self-match's link budget, :func:`~guanlian.matching.matcher.storable_flags`).
        """
        from pyspark.sql import functions as F

        cols = [*(c for c in FEATURE_COLUMNS if c not in CODE_COLUMNS), *(["alias"] if aliases else [])]
        keys = [f"k_{name}" for name in self._capped]  # a pair sharing a capped block says so
        lsel = left.select(*(left[c].alias(f"l_{c}") for c in ("rid", *cols, *keys)))
        r = left if right is None else right
        rsel = r.select(*(r[c].alias(f"r_{c}") for c in ("rid", *cols, *keys)))
        if broadcast == "left":
            joined = pairs.join(rsel, pairs["ri"] == rsel["r_rid"]).join(F.broadcast(lsel),
                                                                        pairs["li"] == lsel["l_rid"])
        elif broadcast == "right":
            joined = pairs.join(lsel, pairs["li"] == lsel["l_rid"]).join(F.broadcast(rsel),
                                                                        pairs["ri"] == rsel["r_rid"])
        else:
            joined = pairs.join(lsel, pairs["li"] == lsel["l_rid"]).join(rsel, pairs["ri"] == rsel["r_rid"])
        joined = joined.drop("li", "ri")
        packed = None if budget is None else (np.packbits(budget[0]).tobytes(), np.packbits(budget[1]).tobytes())
        return joined.mapInArrow(_score_fn(config, cols, self.batch_rows, dict(self._capped), declared, packed),
                                 _OUT_SCHEMA)

    # -- whole runs -------------------------------------------------------------------------------------

    def link(self, left: DataFrame, right: DataFrame | None, config: MatchConfig, aliases: bool = False,
             declared: DataFrame | None = None,
             budget: tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]] | None = None) -> DataFrame:
        """Records DataFrame(s) → scored rows (see :meth:`score`); features are cached for the two passes.
        ``declared``: see :meth:`candidate_pairs`; ``budget``: see :meth:`score` (self-match only)."""
        from pyspark import StorageLevel

        fl = self.features(left, config).persist(StorageLevel.MEMORY_AND_DISK)
        fr = None if right is None else self.features(right, config).persist(StorageLevel.MEMORY_AND_DISK)
        self._cached.extend(f for f in (fl, fr) if f is not None)
        nl = fl.count()  # materialise the cache: the block sizes and the scoring both read it
        nr = nl if fr is None else fr.count()
        small = None
        if fr is not None and min(nl, nr) <= self.broadcast_rows:
            small = "left" if nl <= nr else "right"
        if fr is not None:
            declared = None
        pairs = self.candidate_pairs(fl, fr, config, declared)
        return self.score(pairs, fl, fr, config, aliases, broadcast=small, declared=declared is not None,
                          budget=budget if fr is None else None)

    def __call__(self, left: pd.DataFrame, right: pd.DataFrame | None, config: MatchConfig, /,
                 declared: npt.NDArray[np.bool_] | None = None, side: npt.NDArray[np.bool_] | None = None,
                 core: npt.NDArray[np.bool_] | None = None) -> Linked:
        """The :class:`~guanlian.matching.matcher.LinkEngine` call: pandas in, :class:`Linked` out.

        Names with a former-name note are split into one record per name first and the pairs folded back
        afterwards, by the in-process functions. ``declared`` (self-match): per row of ``left``, an official
        or a relative (see :meth:`candidate_pairs`). ``side``, ``core`` (self-match): the link budget, applied
        in the scoring tasks (:func:`~guanlian.matching.matcher.match_records`): the ``possible`` pairs it
        leaves out are counted there and never reach the driver."""
        if right is not None:
            side = core = None
        self.last = SparkRun(records=len(left) + (0 if right is None else len(right)), partitions=self.partitions)
        lx = _expand_aliases(left)
        rx = _expand_aliases(right) if right is not None else None
        if lx is None and rx is None:
            rows = self.link(self.records(left), None if right is None else self.records(right), config,
                             declared=self._rids(declared if right is None else None),
                             budget=None if side is None else storable_flags(side, core))
            return self.collect(rows, self_join=right is None)
        lt, lo, la = lx or _unexpanded(left)
        rl = self.records(lt, la)
        rr = None
        ro = lo
        if right is not None:
            rt, ro, ra = rx or _unexpanded(right)
            rr = self.records(rt, ra)
        rows = self.link(rl, rr, config, aliases=True,
                         declared=self._rids(None if declared is None or right is not None else declared[lo]),
                         budget=None if side is None else storable_flags(
                             side[lo], None if core is None else core[lo], lo))
        return self.collect(rows, self_join=right is None, fold=(lo, ro))

    def _rids(self, flags: npt.NDArray[np.bool_] | None) -> DataFrame | None:
        """The flagged row positions as a one-column (``rid``) DataFrame; None stays None."""
        if flags is None:
            return None
        rid = pa.table({"rid": pa.array(np.flatnonzero(flags).astype(np.int64))})
        return self.spark.createDataFrame(rid)

    def _fetch(self, rows: DataFrame) -> pa.Table:
        """The scored rows as one Arrow table on the driver, in :attr:`collect_slices` jobs (row order is not
        kept; :meth:`collect` sorts)."""
        from pyspark import StorageLevel
        from pyspark.sql import functions as F

        slices = self.collect_slices or max(1, -(-self.last.records // 2_000_000))
        if slices <= 1:
            return rows.toArrow()
        # Kept on disk so each slice reads the scored partitions instead of scoring again; a partition's id is
        # fixed once it is stored, so the slices are disjoint and together whole.
        kept = rows.persist(StorageLevel.DISK_ONLY)
        try:
            parts = [kept.where(F.spark_partition_id() % slices == i).toArrow() for i in range(slices)]
        finally:
            kept.unpersist()
        return pa.concat_tables(parts)

    def _release(self) -> None:
        """Unpersist the feature tables :meth:`link` cached, once the scored rows no longer need them."""
        for f in self._cached:
            f.unpersist()
        self._cached.clear()

    def collect(self, rows: DataFrame, self_join: bool,
                fold: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]] | None = None) -> Linked:
        """Scored rows → :class:`Linked` on the driver, as in process: pairs resting on an ambiguous birth
        date demoted (:func:`ambiguous_birth` over all pairs), former-name records folded back, sorted by
        ``(li, ri)``."""
        try:
            t = self._fetch(rows)
        except Exception as exc:
            raise said(SparkError, *job_failure(str(exc))) from exc
        finally:
            self._release()
        df = t.to_pandas()
        counts = df[df["tier"].isna()]
        li, ri, score, tier, zh, en = finish_linked(df[df["tier"].notna()], self_join, fold)
        candidates, conflicts = int(counts["candidates"].sum()), int(counts["conflicts"].sum())
        dropped, dropped_budget = int(counts["dropped"].sum()), int(counts["dropped_budget"].sum())
        self.last.candidate_pairs = candidates
        self.last.linked = len(li)
        return Linked(li, ri, score, tier, list(zh), list(en), candidates, conflicts, self.last.refined_keys,
                      dropped=dropped, dropped_budget=dropped_budget)

    def link_ordered(self, left: pd.DataFrame, right: pd.DataFrame, config: MatchConfig, workdir: Path,
                     rows_per_task: int = 500_000) -> OrderedLinks:
        """A collision whose linked pairs never come to the driver: the executors score the pairs, apply the
        cross-pair rules per left record (:func:`finish_linked`, as :meth:`collect` does over all pairs), sort
        them in ``collide``'s order and write them as Parquet into ``workdir``; the driver then streams them
        (:meth:`OrderedLinks.batches`). Same pairs, scores, tiers and texts as ``collide(left, right)``.

        ``workdir`` must be empty or absent and, on a cluster, on a file system every executor and the
        driver see under the same path. ``rows_per_task``: about this many linked rows per finishing task.

        Raises:
            RuntimeError: (``SparkError``) a failed Spark job, with the reason and the setting to change (the
            feature tables are released; the session stays usable), or a ``workdir`` that holds files.
        """
        from pyspark.sql import functions as F

        workdir = Path(workdir).resolve()
        if workdir.exists() and (not workdir.is_dir() or any(workdir.iterdir())):
            raise said(SparkError, f"工作目录不是空目录：{workdir}。请给一个不存在或空的目录",
                       f"the work folder is not an empty folder: {workdir}; give one that is absent or empty")
        self.last = SparkRun(records=len(left) + len(right), partitions=self.partitions)
        lx, rx = _expand_aliases(left), _expand_aliases(right)
        fold: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]] | None = None
        if lx is None and rx is None:
            rows = self.link(self.records(left), self.records(right), config)
        else:
            lt, lo, la = lx or _unexpanded(left)
            rt, ro, ra = rx or _unexpanded(right)
            rows = self.link(self.records(lt, la), self.records(rt, ra), config, aliases=True)
            fold = (lo, ro)
        scored_dir, finished_dir, ordered_dir = (workdir / n for n in ("scored", "finished", "ordered"))
        bc = None
        try:
            try:
                rows.write.parquet(scored_dir.as_uri())
            finally:
                self._release()
            scored = self.spark.read.parquet(scored_dir.as_uri())
            counts = scored.where(F.col("tier").isNull()).agg(
                F.sum("candidates").alias("c"), F.sum("conflicts").alias("k")).first()
            linked = scored.where(F.col("tier").isNotNull()).select(*_FINISH_COLUMNS)
            n = linked.count()
            parts = max(self.partitions, -(-n // max(rows_per_task, 1)))
            if fold is None:
                keyed = linked.withColumn("g", F.col("li"))
            else:
                bc = self.spark.sparkContext.broadcast(fold)
                keyed = linked.mapInArrow(_group_fn(bc), _FINISH_SCHEMA + ", g bigint")
            keyed.repartition(parts, "g").drop("g").mapInArrow(_finish_fn(bc), _FINISHED_SCHEMA) \
                .write.parquet(finished_dir.as_uri())
            shutil.rmtree(scored_dir, ignore_errors=True)
            self.spark.read.parquet(finished_dir.as_uri()) \
                .orderBy(F.desc("tier_rank"), F.desc("score"), "li", "ri").write.parquet(ordered_dir.as_uri())
            shutil.rmtree(finished_dir, ignore_errors=True)
        except Exception as exc:
            raise said(SparkError, *job_failure(str(exc))) from exc
        finally:
            if bc is not None:
                bc.destroy()
        import pyarrow.parquet as pq

        files = sorted(ordered_dir.glob("part-*.parquet"))
        pairs = sum(pq.ParquetFile(f).metadata.num_rows for f in files)
        candidates = int(counts["c"] or 0) if counts is not None else 0
        conflicts = int(counts["k"] or 0) if counts is not None else 0
        self.last.candidate_pairs = candidates
        self.last.linked = pairs
        return OrderedLinks(files, pairs, candidates, conflicts, self.last.refined_keys)


def shuffle_bytes(spark: SparkSession) -> tuple[int, int]:
    """(shuffle bytes written, shuffle bytes read) over all stages this session has run (Spark's status
    store, the figures its web UI shows)."""
    jsc: Any = spark.sparkContext._jsc
    stages = jsc.sc().statusStore().stageList(None)
    written = read = 0
    for i in range(stages.size()):
        s = stages.apply(i)
        written += int(s.shuffleWriteBytes())
        read += int(s.shuffleReadBytes())
    return written, read
