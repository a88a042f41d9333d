"""End-to-end steps the CLI composes: demo, scan to a folder, views, file collisions, manifests.

Each function takes plain arguments and returns a small result object, so the CLI stays a thin layer and
tests can drive the same code without a terminal.

Example (what ``guanlian demo`` runs; ``tests/test_cli.py`` runs it)::

    r = run_demo(pathlib.Path("demo-out"), size="tiny")
    r.scan.report_html  # → demo-out/report.html
"""

from __future__ import annotations

import ctypes
import ctypes.util
import datetime as dt
import gc
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from guanlian.finding import FindingsDoc
from guanlian.graph import SIDECAR_FILES, Store, is_uri, open_store, sidecar_for
from guanlian.loaders.journal import MATCH_STEP, Journal, journal_path
from guanlian.loaders.pipeline import FileParser, LoadSummary, WriteRoute, load_files
from guanlian.progress import phase
from guanlian.values.ids import mask_ids_in_text
from guanlian.values.vocab import Lang, pick, said

if TYPE_CHECKING:
    from guanlian.clues.library import ClueLibrary
    from guanlian.clues.stats import PrecisionTable
    from guanlian.matching.collide import Collision
    from guanlian.matching.matcher import LinkEngine, MatchSummary
    from guanlian.queries.library import Library


def expand_manifests(files: Sequence[Path], kind: str | None) -> tuple[list[Path], list[str | None]]:
    """Replace ``manifest.json`` arguments by the files they list (paths relative to the manifest).

    A manifest is ``{"files": [{"path": "data/x.csv", "kind": "officials"}, ...]}`` (``kind`` optional).
    """
    paths: list[Path] = []
    kinds: list[str | None] = []
    for f in files:
        if f.suffix.lower() == ".json":
            doc = json.loads(f.read_text(encoding="utf-8"))
            for item in doc.get("files", []):
                paths.append((f.parent / item["path"]).resolve())
                kinds.append(kind or item.get("kind"))
        else:
            paths.append(f)
            kinds.append(kind)
    return paths, kinds


def default_clues_path(store: str, database: str | None = None) -> Path:
    """The clue library of a store: ``clues.db`` in its sidecar folder (:attr:`Store.sidecar`).

    The one default location, used by ``demo``, ``scan --clues`` and every ``clues`` command: inside the
    folder of an embedded store; for Neo4j in the local sidecar folder of that server and database.

    Example:
        >>> default_clues_path("demo-out/store").as_posix()
        'demo-out/store/clues.db'
    """
    return sidecar_for(store, database) / SIDECAR_FILES["clues"]


def clue_precision(lib: ClueLibrary, store: str | None, database: str | None = None,
                   findings: Path | None = None, *, doc: FindingsDoc | None = None
                   ) -> tuple[PrecisionTable, list[str]]:
    """The precision table of ``guanlian clues stats``: the clue library's outcomes plus the findings dismissed
    in the store's judgement log (when ``store`` is given and has one).

    A dismissed finding counts under its clue's queries and tier, else under those of the same finding in
    ``findings`` (a findings.json) or ``doc`` (findings in memory: the workbench's scan); the ids found in
    neither are returned (not counted).

    Example: ``table, unknown = clue_precision(lib, "demo/store")``; ``table.by_query[0].precision``.
    """
    from guanlian.clues.stats import DismissedFinding, precision_table
    from guanlian.judgements import JudgementBook

    gone: list[str] = []
    if store:
        book_path = sidecar_for(store, database) / SIDECAR_FILES["judgements"]
        if book_path.exists():
            with JudgementBook(book_path) as book:
                gone = sorted(book.dismissed())
    if doc is None and findings and gone:
        doc = FindingsDoc.from_json(json.loads(findings.read_text(encoding="utf-8")))
    clues = {c.fingerprint: c for c in lib.list()}
    dismissed: list[DismissedFinding] = []
    unknown: list[str] = []
    for fid in gone:
        f = doc.by_id(fid) if doc is not None else None
        if fid in clues:
            dismissed.append((fid, tuple(clues[fid].queries), clues[fid].confidence or "certain"))
        elif f is not None:
            dismissed.append((fid, f.queries, f.confidence))
        else:
            unknown.append(fid)
    return precision_table(lib, dismissed), unknown


def match(store: Store, engine: LinkEngine | None = None) -> MatchSummary:
    """Link persons and companies (``guanlian match``) and record in the load journal that the links are current.

    Returns:
        The :class:`~guanlian.matching.matcher.MatchSummary` (``per_tier()``: person links per tier,
        ``per_kind()``: links per kind and tier). ``engine`` runs the person matching (default in process;
        :func:`link_engine` makes a Spark one).
    """
    from guanlian.matching.matcher import match_store

    with phase("匹配 / matching"):
        summary = match_store(store, engine=engine)
    run_id = dt.datetime.now(dt.UTC).strftime("match-%Y%m%dT%H%M%SZ")
    Journal(journal_path(store.sidecar)).derived(run_id, MATCH_STEP)
    return summary


def match_is_stale(store: Store) -> bool:
    """True when rows were loaded after the last ``match`` (the ``POSSIBLY_SAME`` links miss them)."""
    return Journal(journal_path(store.sidecar)).derive_pending(MATCH_STEP)


# -- collide --------------------------------------------------------------------------------------------
@dataclass
class CollideResult:
    """What ``collide_files`` compared and wrote."""

    collision: Collision
    """The pairs (``collision.pairs``), or, when a Spark engine streamed them into a CSV, only their counts
    (``collision.tally``)."""
    written: Path
    issues_written: Path | None
    summary: str
    """The readable summary (:func:`~guanlian.matching.collide.collision_summary`)."""


def link_engine(name: str, spark_master: str | None = None, conf: Sequence[str] = ()) -> LinkEngine | None:
    """The matching engine called ``name``: ``in-process`` (None: the default) or ``spark``.

    Raises:
        ValueError: an unknown name or a malformed ``--conf``.
        RuntimeError: (``SparkError``) pyspark, Java or the Spark master is not usable; the message says why.
    """
    if name in ("in-process", "inprocess", "python"):
        return None
    if name != "spark":
        raise said(ValueError, f"未知引擎 {name!r}：只能是 in-process 或 spark", f"unknown engine {name!r}: in-process or spark")
    from guanlian.spark import SparkEngine, parse_conf, spark_session

    return SparkEngine(spark_session(spark_master, parse_conf(conf)))


def load_parser(name: str, paths: Sequence[Path], spark_master: str | None = None, conf: Sequence[str] = ()
                ) -> FileParser | None:
    """The file parser of ``load --engine NAME``: None (in process) or a Spark one, after checking that Spark can
    read every file (so nothing is loaded when one cannot be).

    Raises:
        ValueError: an unknown engine or a malformed ``--conf``.
        RuntimeError: (``SparkError``) a file Spark cannot read, or pyspark, Java or the master not usable.
    """
    if name in ("in-process", "inprocess", "python"):
        return None
    if name != "spark":
        raise said(ValueError, f"未知引擎 {name!r}：只能是 in-process 或 spark", f"unknown engine {name!r}: in-process or spark")
    from guanlian.spark.loading import SparkLoader, spark_readable
    from guanlian.spark.session import SparkError, parse_conf, spark_session

    for p in paths:
        why = spark_readable(Path(p))
        if why:
            raise said(SparkError, *why)
    return SparkLoader(spark_session(spark_master, parse_conf(conf)))


def collide_files(left: Path, right: Path, left_kind: str | None, right_kind: str | None, out: Path,
                  *, show_ids: bool = False, engine: LinkEngine | None = None, side: str | None = None,
                  lang: Lang = "zh", unmatched: bool = False) -> CollideResult:
    """数据碰撞 (``guanlian collide``): read two files as person lists, match them, write ``out``.

    Args:
        left, right: CSV or Excel files; each read by :func:`~guanlian.loaders.persons.read_person_list`
            (``left_kind``/``right_kind``: None = recognised from the headers, else a plain person list;
            ``persons`` = always a plain list; or a loader kind).
        out: ``.csv``, ``.xlsx`` or ``.json``: one row per record and candidate (both records named, tier,
            score, what was compared, explanation). Rejected rows and warnings go to a second sheet (XLSX) or
            to ``<out>.issues.csv`` beside a CSV.
        show_ids: resident IDs unmasked.
        engine: where the matching runs (default in process; :func:`link_engine` makes a Spark one).
        side: for family tables: ``relative`` (default), ``official`` or ``both``.
        lang: column titles, tiers, explanations and summary in Chinese or English.
        unmatched: also list the records of either list without a candidate.

    Raises:
        ValueError: (``PersonListError``) a file cannot be read as a person list; the message names it and its
            header. An unknown output suffix, an unknown side.
    """
    import tempfile

    from guanlian.loaders.persons import SIDES, read_person_list
    from guanlian.matching.collide import (
        collide_lists,
        collide_streamed,
        collision_summary,
        collision_table,
        issues_table,
        table_rows,
    )
    from guanlian.outputs import TABLE_WRITERS, Sheet, TableData
    from guanlian.values.sheets import write_csv
    from guanlian.values.vocab import COLLIDE_TEXT, pick

    sided = next((s for s in SIDES if s == side), None)
    if side is not None and sided is None:
        raise said(ValueError, f"--side 只能是 relative（亲属）、official（干部）或 both（两者），而不是 {side!r}",
                   f"--side must be relative, official or both, not {side!r}")
    fmt = {".csv": "csv", ".xlsx": "xlsx", ".json": "json"}.get(out.suffix.lower())
    if fmt is None:
        raise said(ValueError, f"输出文件须为 .csv、.xlsx 或 .json：{out}", f"--out must end in .csv, .xlsx or .json: {out}")
    writer = TABLE_WRITERS.get(fmt)
    lp = read_person_list(left, left_kind, sided)
    rp = read_person_list(right, right_kind, sided)

    def sheet(df: pd.DataFrame, name: str) -> Sheet:
        return Sheet(pick(COLLIDE_TEXT[name], lang), tuple(str(x) for x in df.columns), table_rows(df))

    link_ordered = getattr(engine, "link_ordered", None)
    if fmt == "csv" and callable(link_ordered) and len(lp.records) and len(rp.records):
        # The pairs stay in the engine's files and are written out a chunk at a time (a 10M × 1M collision
        # links tens of millions of pairs; the XLSX and JSON outputs are whole documents and take the usual route).
        out.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=".guanlian-pairs-", dir=out.parent) as work:
            with phase("碰撞 / collide"):
                headers, rows, c = collide_streamed(lp, rp, link_ordered, Path(work) / "pairs", lang,
                                                    show_ids=show_ids, unmatched=unmatched)
            with phase("写出 / write"):
                write_csv(out, headers, rows)
        table = None
    else:
        with phase("碰撞 / collide"):
            c = collide_lists(lp, rp, engine=engine)
        table = collision_table(c, lang, show_ids=show_ids, unmatched=unmatched)
    issues = issues_table(c, lang, show_ids=show_ids)
    sheets = [] if table is None else [sheet(table, "pairs_sheet")]
    issues_out: Path | None = None
    if len(issues) and fmt == "xlsx":
        sheets.append(sheet(issues, "issues_sheet"))
        issues_out = out
    document: object = None
    if fmt == "json" and table is not None:
        document = {"pairs": json.loads(table.to_json(orient="records", force_ascii=False)),
                    "issues": json.loads(issues.to_json(orient="records", force_ascii=False))}
        issues_out = out if len(issues) else None
    if table is not None:
        writer.write(TableData(tuple(sheets), document), out)
    if len(issues) and fmt == "csv":
        issues_out = out.with_name(out.stem + ".issues.csv")
        TABLE_WRITERS.get("csv").write(TableData((sheet(issues, "issues_sheet"),), None), issues_out)
    summary = collision_summary(c, lang, written=out, show_ids=show_ids)
    if side is not None and "relatives" not in (lp.kind, rp.kind):
        summary += "\n" + pick(COLLIDE_TEXT["side_ignored"], lang)
    if issues_out is not None and issues_out != out:
        summary += "\n" + pick(COLLIDE_TEXT["issues_written"], lang).format(path=issues_out)
    return CollideResult(c, out, issues_out, summary)


# -- scan -----------------------------------------------------------------------------------------------
@dataclass
class ScanResult:
    """What ``scan_to_dir`` wrote."""

    count: int
    findings_path: Path
    report_html: Path
    report_xlsx: Path
    views: dict[str, Path] = field(default_factory=dict)
    doc: FindingsDoc = field(default_factory=FindingsDoc)
    filed: FindingsDoc = field(default_factory=FindingsDoc)
    """The document as written to findings.json and filed as clues (IDs masked unless --show-ids)."""
    match_stale: bool = False
    """Rows were loaded after the last ``match``: findings that follow fuzzy links may be missing."""
    written: dict[str, list[Path]] = field(default_factory=dict)
    """Files per registered output (:data:`guanlian.outputs.FINDINGS_WRITERS`)."""
    dismissed: int = 0
    """Findings dismissed by the investigators (marked in the reports, not filed as clues)."""


def parse_views(spec: str) -> int | None:
    """How many finding views ``scan --views`` asks for: ``all`` → None (every one), ``none`` → 0,
    ``top:N`` → N (the first N findings in report order, highest score first).

    Raises:
        ValueError: anything else (message in Chinese and English).

    Example:
        >>> parse_views("top:20"), parse_views("all"), parse_views("none")
        (20, None, 0)
    """
    text = spec.strip().lower()
    if text == "all":
        return None
    if text == "none":
        return 0
    head, _, n = text.partition(":")
    if head == "top" and n.isdigit():
        return int(n)
    raise said(ValueError, f"--views 只能是 top:N、all 或 none，而不是 {spec!r}",
               f"--views must be top:N, all or none, not {spec!r}")


def parse_report_possible(spec: str) -> int | None:
    """``scan --report-possible``: ``all`` → None (no cap), a whole number ≥ 0 → that number.

    Example:
        >>> parse_report_possible("200"), parse_report_possible("all")
        (200, None)
    """
    if spec.strip().lower() == "all":
        return None
    if spec.strip().isdigit():
        return int(spec.strip())
    raise said(ValueError, f"--report-possible 只能是非负整数或 all，而不是 {spec!r}",
               f"--report-possible must be a whole number or all, not {spec!r}")


def scan_to_dir(store: Store, out: Path, *, params: Mapping[str, object] | None = None,
                extra_dirs: Sequence[Path] = (), lang: Lang = "zh", show_ids: bool = False,
                clues: Path | None = None, views: int | None = None, queries: Library | None = None,
                report_possible: int | None = 1000) -> ScanResult:
    """Run every saved query and write every registered findings output into ``out``
    (:data:`guanlian.outputs.FINDINGS_WRITERS`: findings.json, the finding views, report.html, report.xlsx).

    ``views`` caps the number of finding views (None: all; 0: none; see :func:`parse_views`); the report
    links a finding to its view only when the view was written. ``clues``: also file the findings (IDs masked
    unless ``show_ids``) into this clue library. ``queries``: an already loaded query library (overrides
    ``extra_dirs``; the CLI loads it leniently, so a broken user file does not stop the other queries).
    ``report_possible``: how many ``possible`` findings ``report.html`` shows in full at most (None: all).
    """
    from guanlian.judgements import apply_dismissals
    from guanlian.outputs import FINDINGS_WRITERS, ScanContext
    from guanlian.queries import scan
    from guanlian.queries.findings import masked_findings

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    doc = scan(store, params=dict(params or {}), extra_dirs=list(extra_dirs), library=queries)
    doc, dismissed = apply_dismissals(store, doc)
    filed = doc if show_ids else masked_findings(doc)
    ctx = ScanContext(lang=lang, show_ids=show_ids, views=views, report_possible=report_possible, masked=filed)
    for writer in FINDINGS_WRITERS:
        with phase(f"写出 {writer.name} / writing {writer.name}"):
            ctx.written[writer.name] = writer.write(doc, out, ctx)
    if dismissed:  # dismissed findings stay in the reports (marked) but are never filed as clues
        filed = replace(filed, findings=tuple(f for f in filed.findings if f.id not in dismissed))
    if clues is not None:
        from guanlian.clues.library import ClueLibrary

        lib = ClueLibrary(clues)
        try:
            lib.add_findings(filed)
        finally:
            lib.close()
    return ScanResult(len(doc.findings), out / "findings.json", out / "report.html", out / "report.xlsx",
                      dict(ctx.view_paths), doc, filed, match_stale=match_is_stale(store), written=ctx.written,
                      dismissed=len(dismissed))


def view_entity(store: Store, entity: str, out: Path, *, hops: int = 2, limit: int = 150,
                findings: Path | None = None, lang: Lang = "zh", show_ids: bool = False) -> Path:
    """Render a view of a finding (when ``entity`` is a finding id in ``findings``) or of an entity's
    neighbourhood. Raises LookupError when nothing matches."""
    from guanlian.viz.neighbourhood import neighbourhood
    from guanlian.viz.view import render_finding_view, render_view

    if findings is not None:
        found = FindingsDoc.from_json(json.loads(Path(findings).read_text(encoding="utf-8"))).by_id(entity)
        if found is not None:
            return render_finding_view(found, out, lang=lang, show_ids=show_ids)
    graph = neighbourhood(store, entity, hops=hops, limit=limit)
    title = f"{entity} — {hops} 跳关系网络" if lang == "zh" else f"{entity} — {hops}-hop network"
    return render_view(graph, out, title=mask_ids_in_text(title) if not show_ids else title,
                       highlight=set(graph.graph.get("center", [])), lang=lang,
                       show_ids=show_ids, max_nodes=limit)


# -- demo -----------------------------------------------------------------------------------------------
@dataclass
class DemoResult:
    """What ``run_demo`` did."""

    load: LoadSummary
    match_tiers: dict[str, int]
    scan: ScanResult
    clues_added: int
    truth_path: Path
    clues_path: Path | None = None


def release_memory() -> None:
    """Give memory freed by an earlier step back to the system: collect Python's cycles, release Arrow's unused
    pool memory and trim the C heap (glibc ``malloc_trim``; skipped where the C library has none).

    Example:
        >>> release_memory()  # safe at any time; frees only what nothing uses any more
    """
    gc.collect()
    import pyarrow as pa

    pa.default_memory_pool().release_unused()
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return
    trim = getattr(libc, "malloc_trim", None)
    if trim is not None:
        trim(0)


def _reopened(s: Store, location: str) -> Store:
    """Close ``s`` and open ``location`` again with a fresh page cache, after freeing what the last step left."""
    s.close()
    release_memory()
    return open_store(location)


def run_demo(out: Path, *, size: str = "small", seed: int = 7, store: str | None = None, lang: Lang = "zh",
             show_ids: bool = False, progress: Callable[[str], None] | None = None,
             on_error: Callable[[str], None] | None = None, route: WriteRoute | None = None) -> DemoResult:
    """Generate a synthetic case into ``out``, load it, match, scan, write report/views, file clues.

    Args:
        out: folder; gets ``data/`` (source files), ``truth.json``, ``store/`` (embedded store unless ``store``
            names another), ``report.html``, ``report.xlsx``, ``findings.json``, ``views/``; the clue library
            goes to the store's default location (:func:`default_clues_path`).
        size: generator size (tiny, small, medium, large, xlarge).
        seed: generator seed (same seed → same files).
        store: store location; default ``out/store``. A Neo4j URI: its database is emptied first.
        route: how the load is written (:class:`~guanlian.loaders.pipeline.WriteRoute`); default
            ``Neo4jImportRoute()``: on Neo4j, a world of at least ``IMPORT_MIN_ROWS`` rows goes through
            ``neo4j-admin database import`` when the server is local and its home known (env ``NEO4J_HOME``), as
            ``guanlian load --neo4j-import auto`` does; the embedded store is not affected.
    """
    from guanlian.clues.library import ClueLibrary
    from guanlian.demo import generate
    from guanlian.loaders.neo4j_bulk import Neo4jImportRoute

    say = progress or (lambda _m: None)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    say(pick(("生成演示数据", "generating the synthetic case"), lang))
    manifest = generate(out, size=size, seed=seed)
    location = store or str(out / "store")
    # Each step opens the store afresh and starts from a trimmed heap, as if it were its own command: the page
    # cache the load filled (or a query grew) and the heap an earlier step left behind are not carried into the
    # next step, so the one-process demo peaks like its largest step (issue 18).
    release_memory()
    s = open_store(location)
    clues_path = s.sidecar / SIDECAR_FILES["clues"]
    try:
        if is_uri(location):
            # a demo owns its server database: start from empty so counts reconcile with the files
            s.clear()
        say(pick(("导入", "loading"), lang))
        paths = [p for p, _k in manifest.files]
        kinds: list[str | None] = [k for _p, k in manifest.files]
        # a server database was just emptied: a big world on a local server (NEO4J_HOME) may go through
        # neo4j-admin import (the route checks again that the database is empty and local)
        summary = load_files(s, paths, kinds=kinds, rejects_path=out / "rejects.csv",
                             route=Neo4jImportRoute() if route is None else route)
        s = _reopened(s, location)
        say(pick(("匹配", "matching"), lang))
        tiers = match(s).per_tier()
        s = _reopened(s, location)
        say(pick(("扫描", "scanning"), lang))
        result = scan_to_dir(s, out, lang=lang, show_ids=show_ids)
    finally:
        s.close()
    lib = ClueLibrary(clues_path)
    try:
        added = lib.add_findings(result.filed)
    finally:
        lib.close()
    return DemoResult(summary, tiers, result, added.new + added.updated, manifest.truth_path, clues_path)
