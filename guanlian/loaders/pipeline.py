"""Load files into a store: detect the kind, map headers, build, write, reconcile, report rejects.

``load_files`` is what ``guanlian load`` and ``guanlian demo`` call. Files are processed in dependency order
(officials before relatives, registry before payments) so references resolve within one call. Every data row
ends loaded or rejected; the summary reconciles ``read = loaded + rejected`` per file.

Example:
    >>> import tempfile, pathlib
    >>> from guanlian.graph import open_store
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "o.csv").write_text("姓名,工作单位,任职时间\\n张三,吉安市交通运输局,2015.03-至今\\n", encoding="utf-8")
    >>> s = load_files(open_store(d / "store"), [d / "o.csv"])
    >>> s.files[0].kind, s.files[0].read, s.files[0].loaded, s.files[0].rejected
    ('officials', 1, 1, 0)
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc
import json
import os
import pickle
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from guanlian.graph.frames import Conflict, prepare_edges
from guanlian.graph.store import SIDECAR_FILES, Store
from guanlian.loaders import (
    changes,
    companies,
    officers,
    officials,
    payments,
    relatives,
    shareholders,
    subsidies,
)
from guanlian.loaders.cells import Cells
from guanlian.loaders.common import row_ranks
from guanlian.loaders.journal import MATCH_STEP, Journal, fingerprint, journal_path
from guanlian.loaders.parse import clean_text, day_number
from guanlian.loaders.read import RawTable, ReadError, norm_header, read_table
from guanlian.loaders.relink import Relinked, relink_payees
from guanlian.loaders.retract import previous_version, retract_file
from guanlian.loaders.spec import REASONS, Batch, BuildContext, KindSpec, conflict_issue
from guanlian.model import model
from guanlian.progress import Task
from guanlian.progress import phase as progress_phase
from guanlian.progress import task as progress_task
from guanlian.values.files import pid_alive, replacing
from guanlian.values.privacy import plain
from guanlian.values.vocab import in_language, said

KINDS: dict[str, KindSpec] = {
    s.name: s
    for s in (
        officials.SPEC, relatives.SPEC, companies.SPEC, shareholders.SPEC, officers.SPEC, changes.SPEC,
        payments.SPEC, subsidies.SPEC,
    )
}

REJECT_COLUMNS = ["file", "row", "field", "value", "severity", "code", "reason_zh", "reason_en"]


class LoadError(ValueError):
    """A file cannot be loaded as a whole (unknown kind, missing required columns, unreadable)."""


@dataclass
class FileResult:
    """Outcome for one file. ``read == loaded + rejected`` always holds."""

    path: str
    kind: str | None
    read: int = 0
    loaded: int = 0
    rejected: int = 0
    warnings: int = 0
    error: str | None = None
    """Why the whole file was refused, in both languages (``中文 / English``); ``error_zh`` / ``error_en`` say it
    in one."""
    notes: list[str] = field(default_factory=list)
    error_zh: str | None = None
    error_en: str | None = None


@dataclass
class LoadSummary:
    """Outcome of one ``load_files`` call."""

    load_id: str
    store: str
    files: list[FileResult]
    counts_before: dict[str, int]
    counts_after: dict[str, int]
    rejects_path: str | None
    seconds: dict[str, float] = field(default_factory=dict)
    """Wall-clock seconds per step: ``parse`` (read, validate, build), ``write``, ``derive`` (PAID), ``total``;
    on the embedded store also ``copy``, the part of write and derive spent inside the engine's bulk writes."""
    relinked: dict[str, int] = field(default_factory=dict)
    """Payee companies loaded before the registry and merged into their coded twin now (:mod:`.relink`)."""
    write_route: dict[str, Any] = field(default_factory=dict)
    """How the rows were written when a :class:`WriteRoute` chose (``route``: ``import`` or ``bolt``, with
    ``reason_zh`` / ``reason_en``); empty for the ordinary write."""

    @property
    def ok(self) -> bool:
        return all(f.error is None for f in self.files)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=2)


def _all_aliases() -> set[str]:
    return {a for spec in KINDS.values() for f in spec.fields for a in (f.name, *f.aliases)}


_ALIASES = _all_aliases()


def header_score(cells: list[str]) -> int:
    """Number of cells that are a known column name of any kind (used to find the header row)."""
    return sum(1 for c in cells if c in _ALIASES)


def detect_kind(header: list[str], path: Path | str = "") -> KindSpec:
    """The kind whose required columns are all present and which recognises the most columns.

    Raises:
        LoadError: no kind fits (message lists the columns found and each kind's required ones), or two kinds
            fit equally well (message names the candidates; pass ``--kind``).
    """
    cells = norm_header(header)
    scored: list[tuple[int, KindSpec]] = []
    for spec in KINDS.values():
        if all(any(f.matches(c) for c in cells) for f in spec.required):
            scored.append((sum(1 for c in cells if spec.field_for(c)), spec))
    if not scored:
        expected = "; ".join(f"{s.name}: {[f.aliases[0] for f in s.required]}" for s in KINDS.values())
        raise said(LoadError, f"无法判断文件 {Path(path).name} 的类型。表头：{header}。各类型的必需列：{expected}",
                   f"cannot tell what kind of file {Path(path).name} is. "
                   f"Columns found: {header}. Required columns per kind: {expected}")
    scored.sort(key=lambda t: (-t[0], t[1].order))
    if len(scored) > 1 and scored[0][0] == scored[1][0]:
        names = [s.name for n, s in scored if n == scored[0][0]]
        raise said(LoadError, f"文件类型不明确：{Path(path).name} 同样符合 {names}；请用 --kind 指定",
                   f"{Path(path).name} fits several kinds equally: {names}; pass --kind")
    return scored[0][1]


def map_columns(table: RawTable, spec: KindSpec, batch: Batch) -> pd.DataFrame:
    """Canonical-field frame (cleaned strings) from a raw table; missing required columns raise LoadError."""
    cells = norm_header(table.header)
    chosen: dict[str, int] = {}
    for i, c in enumerate(cells):
        f = spec.field_for(c)
        if f is None:
            continue
        if f.name in chosen:
            batch.issues.append({"row": 0, "field": f.name, "value": table.header[i], "code": "duplicate_header",
                                 "severity": "warning", "reason_zh": REASONS["duplicate_header"][0],
                                 "reason_en": REASONS["duplicate_header"][1]})
            continue
        chosen[f.name] = i
    missing = [f for f in spec.required if f.name not in chosen]
    if missing:
        names = [f.aliases[0] if f.aliases else f.name for f in missing]
        expected = "; ".join(f"{f.name}={'/'.join(f.aliases)}" for f in spec.required)
        raise said(
            LoadError,
            f"{table.path.name}：缺少类型 {spec.name!r} 的必需列 {names}。表头：{table.header}。应有（任一别名）：{expected}",
            f"{table.path.name}: missing required columns {names} for kind {spec.name!r}. "
            f"Columns found: {table.header}. Expected (any alias): {expected}",
        )
    data = {name: clean_text(table.rows[i]) for name, i in chosen.items()}
    frame = pd.DataFrame(data, index=table.rows.index)
    frame["src_row"] = table.row_numbers.to_numpy()
    return frame


def _flag_cells(frame: pd.DataFrame, table: RawTable, batch: Batch) -> pd.DataFrame:
    """Reject ragged rows; warn on formulas and Excel error values; truncate absurdly long cells."""
    if table.ragged is not None and table.ragged.any():
        m = table.ragged.to_numpy()
        batch.issue(frame.loc[m, "src_row"], "*", frame.loc[m, "src_row"].astype(str), "too_many_fields", "rejected")
        frame = frame[~m]
    for col in [c for c in frame.columns if c != "src_row"]:
        s = frame[col]
        arrow = pa.array(s.to_numpy(dtype=object), type=pa.string())
        suspicious = pc.or_(pc.or_(pc.starts_with(arrow, "#"), pc.starts_with(arrow, "=")),
                            pc.greater(pc.utf8_length(arrow), 10_000))
        if not pc.any(suspicious).as_py():
            continue
        errors = s.str.fullmatch(r"#(N/A|REF!|VALUE!|DIV/0!|NAME\?|NUM!|NULL!)")
        if errors.any():
            batch.issue(frame.loc[errors, "src_row"], col, s[errors], "excel_error", "warning")
            frame.loc[errors, col] = ""
        formula = s.str.startswith("=") & (s.str.len() > 1)
        if formula.any():
            batch.issue(frame.loc[formula, "src_row"], col, s[formula], "formula", "warning")
        long = s.str.len() > 10_000
        if long.any():
            batch.issue(frame.loc[long, "src_row"], col, s[long].str.slice(0, 80), "cell_too_long", "warning")
            frame.loc[long, col] = s[long].str.slice(0, 10_000)
    return frame


@dataclass
class _Resolver:
    """Cross-file references: company names with credit codes; officials by ID and by name."""

    company_by_name: dict[str, set[str]] = field(default_factory=dict)
    official_ids: set[str] = field(default_factory=set)
    officials_by_name: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def from_store(cls, store: Store) -> _Resolver:
        r = cls()
        df = store.query("MATCH (c:Company) WHERE c.credit_code IS NOT NULL RETURN c.name_norm AS n, c.key AS k")
        for n, k in zip(df["n"], df["k"], strict=True):
            r.company_by_name.setdefault(n, set()).add(k)
        off = store.query("MATCH (p:Person)-[:SERVES_IN]->(u:Unit) RETURN DISTINCT p.key AS k, p.name_norm AS n")
        r.add_officials(off)
        return r

    def unique_company(self, name_norm: str) -> str | None:
        """The key of the one registered company called ``name_norm``; None for none or several namesakes."""
        keys = self.company_by_name.get(name_norm)
        return next(iter(keys)) if keys is not None and len(keys) == 1 else None

    def add_officials(self, df: pd.DataFrame) -> None:
        for k, n in zip(df["k"], df["n"], strict=True):
            if isinstance(k, str) and k.startswith("ric:"):
                self.official_ids.add(k[4:])
            if isinstance(n, str):
                keys = self.officials_by_name.setdefault(n, [])
                if k not in keys:
                    keys.append(k)

    def learn(self, batch: Batch) -> None:
        for n, keys in batch.company_names.items():
            self.company_by_name.setdefault(n, set()).update(keys)
        if batch.officials:
            self.add_officials(pd.DataFrame({"k": list(batch.officials), "n": list(batch.officials.values())}))

    def context(self, src_file: str, load_id: str, cells: Cells) -> BuildContext:
        return BuildContext(
            src_file=src_file,
            load_id=load_id,
            today_day=day_number(dt.date.today()),
            company_key_for_name=self.unique_company,
            official_by_id=lambda n: f"ric:{n}" if n in self.official_ids else None,
            officials_by_name=lambda n: self.officials_by_name.get(n, []),
            cells=cells,
        )


def build_table(table: RawTable, spec: KindSpec, resolver: _Resolver, load_id: str) -> tuple[Batch, int]:
    """Build the node and edge frames of a table read from a file (all of it, or one slice of its rows: batches
    of slices combine into the batch of the whole, :meth:`Batch.compact` being associative). Returns the
    compacted batch and the rows read. Used by :func:`parse_file` and by the Spark loader on each partition."""
    batch = Batch()
    frame = map_columns(table, spec, batch)
    read = len(frame)
    frame = _flag_cells(frame, table, batch)
    rows = frame.reset_index(drop=True)
    cells = Cells.parse(rows, spec.fields)  # every typed column parsed once, before the builder reads it
    ctx = dataclasses.replace(resolver.context(table.path.name, load_id, cells), src_ranks=row_ranks(rows, spec.order))
    built = spec.build(rows, ctx)
    built.note_references()
    built.compact()
    built.issues = batch.issues + built.issues
    built.rejected_rows |= batch.rejected_rows
    return built, read


FileParser = Callable[[Path, "str | None", "_Resolver", str], "tuple[KindSpec, Batch, int]"]
"""``(path, kind or None, resolver, load_id) → (kind spec, batch, rows read)``: :func:`parse_file`, or another
engine's parser (``guanlian.spark.loading.SparkLoader``)."""


def parse_file(path: Path, kind: str | None, resolver: _Resolver | None = None, load_id: str = "parse"
               ) -> tuple[KindSpec, Batch, int]:
    """Read and build one file without writing it. Returns (kind, batch, rows read)."""
    def score(cells: list[str]) -> int:
        if kind:
            return sum(1 for c in cells if KINDS[kind].field_for(c))
        return header_score(cells)

    table = read_table(path, score)
    spec = KINDS[kind] if kind else detect_kind(table.header, path)
    built, read = build_table(table, spec, resolver or _Resolver(), load_id)
    for note in table.warnings:
        built.issues.append({"row": 0, "field": "", "value": "", "code": "file", "severity": "warning",
                             "reason_zh": note, "reason_en": note})
    return spec, built, read


Side = Literal["nodes", "edges"]


@dataclass
class Parked:
    """The node and edge frames of one parsed file while they wait for the write.

    ``frames`` maps (``"nodes"`` or ``"edges"``, kind, part) to the frames themselves, or to the pickle file
    holding them when the load parks them on disk (:data:`SPILL_MIN_BYTES`): then a load holds one part of one
    kind at a time instead of every file's frames together. A big load splits each kind's rows into ``parts`` by
    the hash of their key (:func:`key_parts`), so that all rows of a key are in the same part and a part is
    written whole (:func:`write_parked`). :meth:`take` hands a part of a kind's frames over once.

    Example:
        >>> b = Batch(); b.add_nodes("Unit", pd.DataFrame({"key": ["unit:甲"]}))
        >>> p = Parked.of(b, None); b.nodes, p.has("nodes", "Unit"), len(p.take("nodes", "Unit")[0])
        ({}, True, 1)
        >>> p.has("nodes", "Unit"), p.take("nodes", "Unit")
        (False, [])
    """

    frames: dict[tuple[Side, str, int], list[pd.DataFrame] | Path]
    parts: int = 1

    @classmethod
    def of(cls, batch: Batch, folder: Path | None, parts: int = 1) -> Parked:
        """Move every frame out of ``batch`` (its ``nodes`` and ``edges`` are left empty), split into ``parts``
        by key (:func:`key_parts`); pickled into ``folder`` (one file per kind and part) when it is given, else
        kept in memory."""
        frames: dict[tuple[Side, str, int], list[pd.DataFrame] | Path] = {}
        sides: tuple[tuple[Side, dict[str, list[pd.DataFrame]]], ...] = (("nodes", batch.nodes), ("edges", batch.edges))
        for side, kinds in sides:
            for kind, fs in kinds.items():
                for part, pieces in enumerate(_split(fs, parts)):
                    if not pieces:
                        continue
                    if folder is None:
                        frames[(side, kind, part)] = pieces
                        continue
                    path = folder / f"{uuid.uuid4().hex}-{side}-{kind}-{part}.pickle"
                    with path.open("wb") as fh:
                        pickle.dump(pieces, fh, protocol=pickle.HIGHEST_PROTOCOL)
                    frames[(side, kind, part)] = path
        batch.nodes, batch.edges = {}, {}
        return cls(frames, parts)

    def has(self, side: Side, kind: str) -> bool:
        """Whether frames of ``kind`` (any part) are still waiting."""
        return any(k[:2] == (side, kind) for k in self.frames)

    def take(self, side: Side, kind: str, part: int = 0) -> list[pd.DataFrame]:
        """The frames of ``kind`` in ``part`` (read back and their file removed when parked on disk); [] when none
        wait."""
        held = self.frames.pop((side, kind, part), [])
        if isinstance(held, list):
            return held
        with held.open("rb") as fh:
            frames: list[pd.DataFrame] = pickle.load(fh)  # our own file, written by this load
        held.unlink()
        return frames

    def take_all(self, side: Side, kind: str) -> list[pd.DataFrame]:
        """The frames of ``kind`` in every part, part after part (a writer that writes a kind in one piece)."""
        return [f for part in range(self.parts) for f in self.take(side, kind, part)]

    def drop(self) -> None:
        """Forget every waiting frame (files removed): the file is not written."""
        for k in list(self.frames):
            held = self.frames.pop(k)
            if isinstance(held, Path):
                held.unlink(missing_ok=True)


def key_parts(keys: pd.Series, parts: int) -> np.ndarray:
    """The part (``0 .. parts-1``) of each key: a fixed hash of the key's text, the same in every process and
    every file, so the rows of one key from any file land in the same part.

    Example:
        >>> k = pd.Series(["ric:1", "ric:2", "ric:1"]); p = key_parts(k, 4)
        >>> bool(p[0] == p[2]), bool(((p >= 0) & (p < 4)).all()), key_parts(k, 1).tolist()
        (True, True, [0, 0, 0])
    """
    if parts <= 1:
        return np.zeros(len(keys), dtype=np.int64)
    hashed = pd.util.hash_array(keys.astype(object).where(keys.notna(), "").to_numpy(dtype=object))
    return (hashed % np.uint64(parts)).astype(np.int64)


def _split(frames: list[pd.DataFrame], parts: int) -> list[list[pd.DataFrame]]:
    """``frames`` cut into ``parts`` lists of frames by :func:`key_parts` (one list when ``parts`` is 1)."""
    if parts <= 1:
        return [frames]
    out: list[list[pd.DataFrame]] = [[] for _ in range(parts)]
    for frame in frames:
        which = key_parts(frame["key"], parts)
        for part in range(parts):
            rows = frame[which == part]
            if len(rows):
                out[part].append(rows.reset_index(drop=True))
    return out


SPILL_MIN_BYTES = 4 * 1024**2
"""A load whose files hold at least this many bytes parks each parsed file's frames on disk (:class:`Parked`)
until their kind is written, in a private folder under the system's temporary folder, removed after the load."""

_SPILL_PREFIX = "guanlian-load-"

PART_BYTES = 128 * 1024**2
"""A load writes each kind in ``ceil(bytes of its files / PART_BYTES)`` parts (split by key, :func:`key_parts`),
so it holds about this many input bytes' worth of one kind at a time: the ``large`` world (1M rows, 122 MiB)
is one part, the 10M-row ``xlarge`` world ten."""


def load_parts(paths: Sequence[Path]) -> int:
    """How many parts a load of ``paths`` writes each kind in (:data:`PART_BYTES`); at least 1.

    Example:
        >>> load_parts([])
        1
    """
    size = sum(p.stat().st_size for p in paths if p.is_file())
    return max(1, -(-size // PART_BYTES))


@contextmanager
def spill_folder(paths: Sequence[Path]) -> Iterator[Path | None]:
    """A private temporary folder for :class:`Parked` frames when ``paths`` hold at least
    :data:`SPILL_MIN_BYTES` (else None), removed on exit.

    The folder is named after this process; folders left by a load that was killed (their process is gone) are
    removed first, so killed loads do not fill the temporary folder.
    """
    size = sum(p.stat().st_size for p in paths if p.is_file())
    if size < SPILL_MIN_BYTES:
        yield None
        return
    tmp = Path(tempfile.gettempdir())
    for old in tmp.glob(f"{_SPILL_PREFIX}*-*"):
        pid = old.name[len(_SPILL_PREFIX):].split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not pid_alive(int(pid)):
            shutil.rmtree(old, ignore_errors=True)
    folder = Path(tempfile.mkdtemp(prefix=f"{_SPILL_PREFIX}{os.getpid()}-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for the block (the parse workers forked in it inherit that), on again
    after it, as it was.

    A load makes millions of small lists (source records, names) and the frames that hold them, and frees them by
    reference counting; none of that is cyclic garbage, but every collection the allocations trigger walks every
    live container, so with a large load's frames held the collector took most of the time of building such lists
    (about ten times the allocation itself).

    Example:
        >>> with cyclic_gc_paused():
        ...     gc.isenabled()
        False
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def sniff_kind(path: Path) -> str | None:
    """The kind of a file judged from its first rows only (None when it cannot be read or told)."""
    try:
        table = read_table(path, header_score, head_only=True)
        return detect_kind(table.header, path).name
    except Exception:  # the full parse reports the problem with its reason
        return None


PARALLEL_MIN_BYTES = 4 * 1024**2
"""Parse files in two worker processes when a load phase holds at least this many bytes."""

PHASES: tuple[frozenset[str], ...] = (
    frozenset({"officials", "companies"}),
    frozenset({"shareholders", "officers", "changes"}),
)
"""Kinds parsed before the rest, phase by phase: officials (relatives name them) and every registry table that
carries credit codes (payments name companies without one). Whatever a later phase resolves by name, it
resolves against the same codes on a first load and on a reload, so keys do not depend on what the store
already held."""

ParseOutcome = tuple[str, Batch, int, Parked] | Exception
"""A parsed file (kind, batch without its frames, rows read, its frames) or why it could not be parsed."""


@dataclass
class _ParseSetup:
    """What every file of a parse phase is parsed with (the same for all its files)."""

    resolver: _Resolver
    load_id: str
    spill: Path | None
    parts: int = 1
    parser: FileParser | None = None


_WORKER_SETUP: _ParseSetup | None = None
"""The setup of the phase a parse worker process serves (set by :func:`_init_worker` when the pool forks it)."""


def _init_worker(setup: _ParseSetup) -> None:
    global _WORKER_SETUP
    _WORKER_SETUP = setup


def _parse_in_worker(path: Path, kind: str | None) -> ParseOutcome:
    assert _WORKER_SETUP is not None, "a parse worker is started by _parse_phase"
    return _parse_job(path, kind, _WORKER_SETUP)


def _parse_job(path: Path, kind: str | None, setup: _ParseSetup) -> ParseOutcome:
    try:
        spec, batch, read = (setup.parser or parse_file)(path, kind, setup.resolver, setup.load_id)
        # parked where parsed: a worker hands back file names instead of pickling the frames through its pipe
        parked = Parked.of(batch, setup.spill, setup.parts)
    except Exception as exc:  # returned, not raised: one bad file must not abort the others
        return exc
    return spec.name, batch, read, parked


def _parse_phase(items: list[tuple[Path, str | None]], setup: _ParseSetup,
                 progress: Callable[[str], None] | None, *, parallel: bool = True,
                 bar: Task | None = None) -> list[ParseOutcome]:
    """Parse ``items`` (in order), in two processes when they are big enough to pay for it; ``bar`` counts files;
    frames are parked in ``setup.spill`` when given (:class:`Parked`). ``setup.parser``: another engine's (Spark
    distributes each file itself, so its files are parsed one after the other here)."""
    bar = bar or Task()
    size = sum(p.stat().st_size for p, _ in items if p.exists())
    if setup.parser is not None or not parallel or len(items) < 2 or size < PARALLEL_MIN_BYTES:
        outcomes: list[ParseOutcome] = []
        for path, k in items:
            if progress:
                progress(path.name)
            bar.describe(f"解析 {path.name} / parsing {path.name}")
            outcomes.append(_parse_job(path, k, setup))
            bar.advance()
        return outcomes
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    if "fork" not in multiprocessing.get_all_start_methods():
        return _parse_phase(items, setup, progress, parallel=False, bar=bar)
    if progress:
        progress(", ".join(p.name for p, _ in items))
    # fork, not spawn: spawn re-runs the caller's __main__ module in each child (a user's script without a
    # main guard would run again). The children only parse files; they never touch the parent's database.
    # The setup (its resolver holds every registry company and official read so far: 65 MB pickled at 10M rows)
    # reaches each child once, by the fork, not pickled with every file: that cost grew with files × rows.
    try:
        with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("fork"),
                                 initializer=_init_worker, initargs=(setup,)) as pool:
            # biggest files first, so that one worker is not left with a big file at the end
            order = sorted(range(len(items)), key=lambda i: -(items[i][0].stat().st_size if items[i][0].exists() else 0))
            futures = {i: pool.submit(_parse_in_worker, items[i][0], items[i][1]) for i in order}
            bar.describe(f"解析 {len(items)} 个文件 / parsing {len(items)} files")
            for _done in as_completed(futures.values()):
                bar.advance()
            return [futures[i].result() for i in range(len(items))]
    except (BrokenProcessPool, OSError):  # e.g. out of memory for a second process: parse here instead
        return _parse_phase(items, setup, progress, parallel=False, bar=bar)


def _order(paths: Sequence[tuple[Path, str | None]]) -> list[tuple[Path, str | None]]:
    def rank(item: tuple[Path, str | None]) -> int:
        return KINDS[item[1]].order if item[1] in KINDS else 50
    return sorted(paths, key=rank)


def write_parked(store: Store, parked: Sequence[Parked], conflicts: list[Conflict] | None = None,
                 paid_pairs: set[tuple[str, str, str]] | None = None) -> None:
    """One write per kind and part for the frames of several files: nodes in model order, then edges.

    A part of a kind's frames of every file (in the order of ``parked``) is taken just before its write,
    combined, written, and released after it, so the call holds one part of one kind at a time. Every row of a
    key is in the same part (:func:`key_parts`), so the rows of a key are merged together before they are
    written, as when the kind is written in one piece. Conflicting values are appended to ``conflicts``; the
    (unit key, payee kind, payee key) of every PAYMENT row written to ``paid_pairs``.

    Example:
        >>> import tempfile, pathlib
        >>> from guanlian.graph import open_store
        >>> b = Batch(); b.add_nodes("Unit", pd.DataFrame({"key": ["unit:甲"], "name": ["甲"], "src_file": ["u.csv"],
        ...                                                  "src_row": [2]}))
        >>> s = open_store(pathlib.Path(tempfile.mkdtemp()) / "store")
        >>> write_parked(s, [Parked.of(b, None)]); s.counts()["Unit"]
        1
    """
    m = model()
    todo: list[tuple[Side, str]] = [("nodes", k) for k in m.node_names] + [("edges", k) for k in m.edge_names]
    todo = [(side, kind) for side, kind in todo if any(p.has(side, kind) for p in parked)]
    parts = max((p.parts for p in parked), default=1)
    with progress_task("写入 / writing tables", total=len(todo) * parts) as bar:
        for side, kind in todo:
            for part in range(parts):
                bar.describe(f"写入 {kind} / writing {kind}" + (f" {part + 1}/{parts}" if parts > 1 else ""))
                frames = [f for p in parked for f in p.take(side, kind, part)]
                if not frames:
                    bar.advance()
                    continue
                rows = pd.concat(frames, ignore_index=True)
                del frames
                if side == "nodes":
                    store.upsert_nodes(kind, rows, conflicts)
                else:
                    if kind == "PAYMENT" and paid_pairs is not None:
                        note_paid_pairs(rows, paid_pairs)
                    store.upsert_edges(kind, rows, conflicts)
                del rows
                bar.advance()


_PAID_TOTALS = ("RETURN u.key AS src, x.key AS dst, count(p) AS payments, sum(p.amount) AS total, "
                "min(p.paid_on_day) AS first_paid_day, max(p.paid_on_day) AS last_paid_day, "
                "min(p.channel) AS ch_min, max(p.channel) AS ch_max")


_PAID_VALUES = ("payments", "total", "first_paid", "first_paid_day", "last_paid", "last_paid_day", "channel")
"""The PAID properties a rebuild computes; the rest (key, provenance) are the same for every rebuild of a pair."""


def rebuild_paid(store: Store, pairs: set[tuple[str, str, str]] | None = None) -> int:
    """Recompute the PAID totals (one edge per unit→payee pair) from the PAYMENT edges. Returns pair count.

    ``pairs``: only these (unit key, payee kind ``Company``/``Person``, payee key) pairs (the ones whose
    payments changed; the other PAID edges are kept as stored); default every pair. A given pair's stored edge
    has its totals set in place, a pair without one gets a new edge, and a stored edge whose pair has no
    payment left is deleted: the engine's bulk write into a filled PAID table rewrites the adjacency of every
    unit it touches (a month of payments touches them all), so a month's 9,588 changed totals are written as
    updates and only its new pairs in bulk.

    Example:
        >>> # rebuild_paid(store, {("unit:甲", "Company", "uscc:X")})  -> 1 (one pair rebuilt)
    """
    frames = []
    stored: list[pd.DataFrame] = []
    for kind in ("Company", "Person"):
        if pairs is None:
            df = store.query(f"MATCH (u:Unit)-[p:PAYMENT]->(x:{kind}) {_PAID_TOTALS}")
        else:
            mine = [{"u": u, "x": x} for u, k, x in sorted(pairs) if k == kind]
            if not mine:
                continue
            # Each pair's edges are reached from one end's primary key (an index lookup), so the step costs the
            # touched pairs, not every stored pair; the payee end for PAID, since a unit has thousands of them.
            match = f"UNWIND $pairs AS r MATCH (u:Unit {{key: r.u}})-[p:PAYMENT]->(x:{kind} {{key: r.x}}) "
            df = store.query(f"{match}{_PAID_TOTALS}", {"pairs": mine})
            have = store.query(f"UNWIND $pairs AS r {_stored_paid(kind)} RETURN u.key AS src, x.key AS dst",
                               {"pairs": mine})
            stored.append(have.assign(dst_kind=kind))
        df["dst_kind"] = kind
        frames.append(df)
    if pairs is None:
        store.delete_edges("PAID")
    paid = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    known = pd.concat(stored, ignore_index=True) if stored else pd.DataFrame(columns=["src", "dst", "dst_kind"])
    if paid.empty:
        _delete_paid(store, known)
        return 0
    paid["src_kind"] = "Unit"
    paid["key"] = "paid:" + paid["src"].astype(str) + "|" + paid["dst"].astype(str)
    paid["channel"] = paid["ch_min"].where(paid["ch_min"] == paid["ch_max"], "mixed")
    epoch = pd.Timestamp("1970-01-01")
    for col in ("first_paid", "last_paid"):
        paid[col] = (epoch + pd.to_timedelta(paid[f"{col}_day"].astype("int64"), unit="D")).dt.strftime("%Y-%m-%d")
    paid["src_file"] = "(PAYMENT)"
    paid["src_row"] = 0
    paid = paid.drop(columns=["ch_min", "ch_max"])
    pair = pd.MultiIndex.from_frame(paid[["src", "dst_kind", "dst"]].astype(str))
    held = pd.MultiIndex.from_frame(known[["src", "dst_kind", "dst"]].astype(str))
    there = pair.isin(held)
    _delete_paid(store, known[~held.isin(pair)])
    _set_paid(store, paid[there])
    if not there.all():
        store.upsert_edges("PAID", paid[~there])
    return len(paid)


def _stored_paid(kind: str) -> str:
    """The pattern that reaches the stored PAID edge ``e`` of the pair in ``r`` (``r.u`` unit key, ``r.x`` the key
    of a ``kind`` payee) from the payee's primary key: a unit has thousands of PAID edges, a payee few."""
    return f"MATCH (x:{kind} {{key: r.x}}) WITH x, r MATCH (u:Unit)-[e:PAID]->(x) WHERE u.key = r.u"


def _set_paid(store: Store, rows: pd.DataFrame) -> None:
    """Write the totals of ``rows`` (rebuilt pairs whose PAID edge is stored) into those edges, typed by the
    model as a bulk write would type them."""
    typed = prepare_edges(model().edge("PAID"), rows)
    sets = ", ".join(f"e.{c} = r.{c}" for c in _PAID_VALUES)
    for kind, part in typed.groupby("dst_kind", sort=True):
        records = [dict(zip(("u", "x", *_PAID_VALUES), map(plain, row), strict=True))
                   for row in part[["src", "dst", *_PAID_VALUES]].itertuples(index=False, name=None)]
        for start in range(0, len(records), 20_000):
            store.execute(f"UNWIND $rows AS r {_stored_paid(str(kind))} SET {sets}", {"rows": records[start:start + 20_000]})


def _delete_paid(store: Store, pairs: pd.DataFrame) -> None:
    """Delete the stored PAID edges of ``pairs`` (``src``, ``dst_kind``, ``dst``): pairs left without payments."""
    for kind, part in pairs.groupby("dst_kind", sort=True):
        rows = [{"u": u, "x": x} for u, x in zip(part["src"].tolist(), part["dst"].tolist(), strict=True)]
        store.execute(f"UNWIND $pairs AS r {_stored_paid(str(kind))} DELETE e", {"pairs": rows})


@dataclass
class LoadPlan:
    """What the plan phase decides before any file is parsed: the load id, the files in dependency order
    (grouped into parse phases), where rejects and the journal go, and the store's counts before the load."""

    load_id: str
    phases: list[list[tuple[Path, str | None]]]
    rejects: Path
    journal: Journal
    counts_before: dict[str, int]
    resolver: _Resolver
    paid_dirty: bool
    started: float
    paid_pairs: set[tuple[str, str, str]] | None = None
    """When PAID totals are stale only because this load wrote payments: the pairs those payments join (the
    derive phase rebuilds just them); None when every pair is rebuilt (stale from an interrupted earlier load,
    a corrected file taken back, payments moved to another payee)."""
    parts: int = 1
    """How many parts each kind is written in, split by key (:func:`load_parts`, :class:`Parked`)."""


@dataclass
class ParsedFiles:
    """What the parse phase hands on: one result per file, every issue, and the frames still to write."""

    results: list[FileResult]
    issues: list[dict[str, object]]
    pending: list[tuple[Path, str, str, Parked, FileResult]]
    seconds: float


def plan_load(store: Store, paths: Sequence[Path | str], kind: str | None,
              kinds: Sequence[str | None] | None, rejects_path: Path | None) -> LoadPlan:
    """Plan phase: create the schema, sniff each file's kind and order the files into parse phases.

    Args:
        store: the target store.
        paths, kind, kinds, rejects_path: as for :func:`load_files`.

    Returns:
        A :class:`LoadPlan` (nothing parsed or written yet).

    Example:
        >>> import tempfile, pathlib
        >>> from guanlian.graph import open_store
        >>> d = pathlib.Path(tempfile.mkdtemp())
        >>> _ = (d / "o.csv").write_text("姓名,工作单位\\n张三,吉安市交通运输局\\n", encoding="utf-8")
        >>> plan_load(open_store(d / "s"), [d / "o.csv"], None, None, None).phases[0][0][1]
        'officials'
    """
    load_id = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]
    started = time.perf_counter()
    store.ensure_schema()
    before = store.counts()
    resolver = _Resolver.from_store(store)
    wanted = list(kinds) if kinds is not None else [kind] * len(paths)
    if kind and kind not in KINDS:
        raise said(LoadError, f"未知类型 {kind!r}；可选：{sorted(KINDS)}", f"unknown kind {kind!r}; known: {sorted(KINDS)}")
    # kinds are known before anything is parsed, so files others refer to are parsed first
    items = _order([(Path(p), k or sniff_kind(Path(p))) for p, k in zip(paths, wanted, strict=True)])
    out = rejects_path if rejects_path is not None else store.sidecar / SIDECAR_FILES["rejects"]
    journal = Journal(journal_path(store.sidecar))
    phases: list[list[tuple[Path, str | None]]] = [[(p, k) for p, k in items if k in ph] for ph in PHASES]
    phases.append([(p, k) for p, k in items if not any(k in ph for ph in PHASES)])
    return LoadPlan(load_id, phases, out, journal, before, resolver, journal.derive_pending("PAID"), started,
                    parts=load_parts([p for p, _k in items]))


def parse_files(plan: LoadPlan, progress: Callable[[str], None] | None, spill: Path | None = None,
                parser: FileParser | None = None) -> ParsedFiles:
    """Parse phase: read, validate and build every file, phase by phase; account for every row.

    A later phase resolves names against what earlier phases learnt (codes of registry companies, officials).
    A file already loaded with identical content (per the journal) is parsed, so its counts and issues are
    reported, but not queued for writing. Frames are parked in ``spill`` when given (:class:`Parked`).
    ``parser``: parses one file (default :func:`parse_file`; the Spark loader for ``load --engine spark``).

    Returns:
        :class:`ParsedFiles`: per-file results (``read == loaded + rejected``), issues, batches to write.
    """
    t0 = time.perf_counter()
    outcomes: list[tuple[Path, str | None, ParseOutcome]] = []
    with progress_task("解析 / parsing", total=sum(len(p) for p in plan.phases)) as bar:
        for phase in plan.phases:
            setup = _ParseSetup(plan.resolver, plan.load_id, spill, plan.parts, parser)
            parsed = _parse_phase(phase, setup, progress, bar=bar)
            for (path, k), outcome in zip(phase, parsed, strict=True):
                outcomes.append((path, k, outcome))
                if not isinstance(outcome, Exception):
                    plan.resolver.learn(outcome[1])
    results: list[FileResult] = []
    issues: list[dict[str, object]] = []
    pending: list[tuple[Path, str, str, Parked, FileResult]] = []
    for path, k, outcome in outcomes:
        result = FileResult(str(path), k)
        if isinstance(outcome, Exception):
            exc = outcome
            if not isinstance(exc, (ReadError, LoadError)):  # a reader bug must not abort the other files
                if isinstance(getattr(exc, "zh", None), str):  # worded for people already, file named (SparkError)
                    exc = said(LoadError, in_language(exc, "zh"), in_language(exc, "en"))
                else:
                    detail = f"{type(exc).__name__}: {exc}"[:400]
                    exc = said(LoadError, f"无法读取 {path.name}：{detail}", f"cannot read {path.name}: {detail}")
            result.error = str(exc)
            result.error_zh, result.error_en = in_language(exc, "zh"), in_language(exc, "en")
            results.append(result)
            issues.append({"file": path.name, "row": 0, "field": "", "value": "", "severity": "rejected",
                           "code": "file", "reason_zh": result.error_zh, "reason_en": result.error_en})
            continue
        kind_name, batch, read, parked = outcome
        spec = KINDS[kind_name]
        result.kind = spec.name
        result.read = read
        result.rejected = len(batch.rejected_rows)
        result.loaded = read - result.rejected
        result.warnings = sum(1 for i in batch.issues if i["severity"] == "warning")
        sha = fingerprint(path)
        if plan.journal.is_completed(sha, path.name, spec.name, plan.counts_before):
            result.notes.append("已导入过(同一文件),未重复写入 / already loaded (same file); not written again")
            parked.drop()
        else:
            pending.append((path, sha, spec.name, parked, result))
        issues.extend({"file": path.name, **i} for i in batch.issues)
        results.append(result)
    return ParsedFiles(results, issues, pending, time.perf_counter() - t0)


ParkedWriter = Callable[[Store, Sequence["Parked"], "list[Conflict]", "set[tuple[str, str, str]] | None"], None]
"""Writes the parked frames of a load into a store, as :func:`write_parked` does (the default)."""


class WriteRoute(Protocol):
    """Chooses how a load writes its rows (e.g. :class:`guanlian.loaders.neo4j_bulk.Neo4jImportRoute`): called
    once before the write with the store and the rows to write; returns a writer used instead of
    :func:`write_parked`, or None for the ordinary write. ``decision`` then says which and why."""

    decision: dict[str, Any]

    def __call__(self, store: Store, rows: int) -> ParkedWriter | None: ...


def note_paid_pairs(rows: pd.DataFrame, paid_pairs: set[tuple[str, str, str]]) -> None:
    """Add the (unit key, payee kind, payee key) of every PAYMENT row in ``rows`` to ``paid_pairs``."""
    ends = rows[["src", "dst_kind", "dst"]].dropna().drop_duplicates()
    paid_pairs.update((str(a), str(b), str(c)) for a, b, c in ends.itertuples(index=False, name=None))


def write_files(store: Store, plan: LoadPlan, parsed: ParsedFiles,
                progress: Callable[[str], None] | None, route: WriteRoute | None = None) -> tuple[Relinked, float]:
    """Write phase: one merged write per kind for all pending files, journalled, then relink early payees.

    The journal marks every pending file started before the write and completed after it (all or none), and
    marks PAID totals stale before any payment is written or moved. ``route`` may choose another writer
    (a bulk import) for the pending rows.

    Returns:
        What the payee relink did, and the seconds spent.
    """
    t0 = time.perf_counter()
    journal, load_id, pending = plan.journal, plan.load_id, parsed.pending
    if pending:
        writer = (route(store, sum(r.loaded for *_x, r in pending)) if route is not None else None) or write_parked
        if any(p.has("edges", "PAYMENT") for *_x, p, _r in pending):
            journal.dirty(load_id, "PAID")
            # stale only from now on: the written payments' pairs are enough; into a store without payments every
            # pair is one of them, and one scan of all is cheaper than a lookup per pair
            if not plan.paid_dirty and plan.counts_before.get("PAYMENT", 0):
                plan.paid_pairs = set()
            plan.paid_dirty = True
        journal.dirty(load_id, MATCH_STEP)  # new rows: the matcher's links are stale until `match` runs
        journal.started_many(load_id, [(path, sha, kind_name) for path, sha, kind_name, _b, _r in pending])
        # A corrected file (same name, other content than its last completed load) first takes back what its
        # earlier version said (loaders/retract.py); rerun after a crash, this finds nothing more to take back
        # than what the interrupted write left, and the write below completes it.
        for path, sha, _k, _b, r in pending:
            if previous_version(journal.events(), path.name, sha):
                journal.dirty(load_id, "PAID")
                plan.paid_dirty, plan.paid_pairs = True, None
                taken = retract_file(store, path.name)
                r.notes.append(f"已更正的文件:先撤回旧版本的内容({taken.deleted}项删除,{taken.trimmed}项保留其他来源) / "
                               f"corrected file: its earlier version was taken back first ({taken.deleted} items "
                               f"deleted, {taken.trimmed} kept with other sources)")
        # One write per kind for the whole call: nodes shared by several files (units, companies, people) are
        # combined in memory once instead of being re-checked and updated in the store file after file.
        if progress:
            progress("写入图存储 / writing the graph")
        conflicts: list[Conflict] = []
        writer(store, [p for *_x, p, _r in pending], conflicts, plan.paid_pairs)
        parsed.issues.extend(conflict_issue(c) for c in conflicts)
        counts_now = store.counts()
        journal.completed_many(load_id, [(path, sha, kind_name, r.read, r.loaded, r.rejected)
                                         for path, sha, kind_name, _b, r in pending], counts_now)

    def paid_stale() -> None:
        journal.dirty(load_id, "PAID")
        plan.paid_dirty, plan.paid_pairs = True, None

    with progress_phase("关联早期收款方 / relinking payees"):
        relinked = relink_payees(store, paid_stale)
    return relinked, time.perf_counter() - t0


def derive(store: Store, plan: LoadPlan) -> float:
    """Derive phase: rebuild PAID totals when payments changed (now or in an interrupted earlier load): only
    the pairs of this load's payments when nothing else made them stale (:attr:`LoadPlan.paid_pairs`).

    Returns:
        The seconds spent.
    """
    t0 = time.perf_counter()
    if plan.paid_dirty:
        with progress_phase("汇总付款 / rebuilding PAID totals"):
            rebuild_paid(store, plan.paid_pairs)
        plan.journal.derived(plan.load_id, "PAID")
    return time.perf_counter() - t0


def report(store: Store, plan: LoadPlan, parsed: ParsedFiles, relinked: Relinked,
           seconds: dict[str, float]) -> LoadSummary:
    """Report phase: write ``rejects.csv`` (IDs masked, cells neutralised for Excel) and build the summary.

    The reject log is (re)written whenever this load has issues or an older log exists, so it always
    describes the last load.
    """
    out, issues = plan.rejects, parsed.issues
    after = store.counts()
    if issues or out.exists():
        frame = pd.DataFrame(issues, columns=REJECT_COLUMNS)
        from guanlian.values.privacy import mask_id, mask_text, neutralise_cell

        # a value reported under an ID issue is an ID whatever its shape: masked whole
        frame["value"] = [mask_id(v) if c.startswith("id_") else mask_text(v)
                          for v, c in zip(frame["value"].astype(str), frame["code"], strict=True)]
        frame = frame.map(neutralise_cell)  # values come from the files: "=cmd|…" must stay text in Excel
        with replacing(out) as tmp:
            frame.to_csv(tmp, index=False, encoding="utf-8-sig")
    seconds = {**seconds, "total": time.perf_counter() - plan.started}
    return LoadSummary(plan.load_id, store.location, parsed.results, plan.counts_before, after,
                       str(out) if (issues or out.exists()) else None, {k: round(v, 3) for k, v in seconds.items()},
                       dataclasses.asdict(relinked))


def load_files(
    store: Store,
    paths: Sequence[Path | str],
    *,
    kind: str | None = None,
    kinds: Sequence[str | None] | None = None,
    rejects_path: Path | None = None,
    progress: Callable[[str], None] | None = None,
    parser: FileParser | None = None,
    route: WriteRoute | None = None,
) -> LoadSummary:
    """Load source files into ``store``, in five named phases: plan → parse → write → derive → report.

    Args:
        store: the target store (schema is created if missing).
        paths: files to load; order does not matter (they are processed in dependency order).
        kind: force one kind for every file (else detected from the headers).
        kinds: a kind (or None to detect) per path, overriding ``kind``.
        rejects_path: where to write the reject/warning log (CSV, UTF-8 with BOM so Excel opens it);
            default ``rejects.csv`` in the store's sidecar folder (:attr:`Store.sidecar`).
        progress: called with a short message before each file.
        parser: parses one file (default in process; ``guanlian.spark.loading.SparkLoader`` on Spark).
        route: chooses the writer (``guanlian.loaders.neo4j_bulk.Neo4jImportRoute``: ``neo4j-admin database
            import`` into an empty local Neo4j); default the ordinary write. Its decision goes into the summary.

    Returns:
        LoadSummary with per-file counts (``read == loaded + rejected``), counts before/after per kind.
    """
    plan = plan_load(store, paths, kind, kinds, rejects_path)
    bulk = float(getattr(store, "bulk_seconds", 0.0))
    with cyclic_gc_paused(), spill_folder([p for phase in plan.phases for p, _k in phase]) as spill:
        parsed = parse_files(plan, progress, spill, parser)
        relinked, write_s = write_files(store, plan, parsed, progress, route)
        derive_s = derive(store, plan)
    parse_s = time.perf_counter() - plan.started - write_s - derive_s
    seconds = {"parse": parse_s, "write": write_s, "derive": derive_s}
    if hasattr(store, "bulk_seconds"):  # the engine times its bulk writes (embedded): their share of write + derive
        seconds["copy"] = float(store.bulk_seconds) - bulk
    summary = report(store, plan, parsed, relinked, seconds)
    if route is not None:
        summary.write_route = dict(route.decision)
    return summary
