"""The ``guanlian`` command line: thin wrappers, each calling one library function.

Every command takes ``--store`` (env ``GUANLIAN_STORE``): a directory is the embedded LadybugDB store; a
``bolt://``, ``neo4j://`` or ``neo4j+s://`` URI is a Neo4j server (``NEO4J_USER`` / ``NEO4J_PASSWORD``); the
engines and their URI schemes come from :mod:`guanlian.graph.engines`. Only ``load`` and ``demo`` create a
store; every other command refuses a store that does not exist.
Errors an investigator can act on print one line and exit with status 2; no stack traces.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from guanlian.cli_usage import LANG_ENV, OUT_LANG, App
from guanlian.graph import Store, StoreError, default_store, open_store
from guanlian.graph.engines import describe_locations
from guanlian.outputs import FILE_TABLE_WRITERS, TABLE_WRITERS, TableWriter
from guanlian.progress import reporting, wanted
from guanlian.values.vocab import (
    LANG,
    Labels,
    Lang,
    in_language,
    is_lang,
    kind_label,
    parse_choice,
)

if TYPE_CHECKING:
    import pandas as pd

    from guanlian.matching.matcher import MatchSummary
    from guanlian.workflow import DemoResult, ScanResult

app = App(
    name="guanlian",
    help="关联: 发现干部、企业与资金之间的隐藏关联 / find hidden related-party links.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
clues_app = App(help="线索库: 移送 → 处置 → 反馈 → 评估 / the clue library.", no_args_is_help=True)
app.add_typer(clues_app, name="clues")

console = Console()
err = Console(stderr=True)

_STORE_HELP = f"Store: {describe_locations()}. Only load and demo create one."
StoreOpt = Annotated[str | None, typer.Option("--store", "-s", envvar="GUANLIAN_STORE", help=_STORE_HELP)]
DatabaseOpt = Annotated[str | None, typer.Option("--database", help="Neo4j database name.")]
_OUT_LANG = OUT_LANG
"""The language of this command's output: from the command line before it is parsed, then ``--lang``."""


def _lang_option(ctx: typer.Context, param: typer.CallbackParam, value: str) -> str:
    """``--lang`` callback (eager, so it runs before the other options): every line the command prints, errors
    included, is in this language (an unknown one: the error is in the language read before parsing). Not given
    here, the language is the one read from the whole command line before parsing (``guanlian --lang en stats``)
    or env ``GUANLIAN_LANG``."""
    from guanlian.cli_usage import given

    if not given(ctx, param):
        return _OUT_LANG.get()
    try:
        code = parse_choice(LANG, value, "--lang")
    except ValueError as exc:
        fail(exc)
        raise AssertionError from exc
    assert is_lang(code)
    _OUT_LANG.set(code)
    return code


LangOpt = Annotated[str, typer.Option("--lang", envvar=LANG_ENV, help="Output language: zh (中文) or en (English).",
                                      callback=_lang_option, is_eager=True)]
ShowIdsOpt = Annotated[bool, typer.Option("--show-ids", help="Show resident ID numbers unmasked.")]
EngineOpt = Annotated[str, typer.Option("--engine", help="Where matching runs: in-process or spark (pip install "
                                        "'guanlian\\[spark]').")]
SparkMasterOpt = Annotated[str | None, typer.Option("--spark-master", envvar="SPARK_MASTER",
                                                    help="Spark master URL (default local[*]).")]
SparkConfOpt = Annotated[list[str] | None, typer.Option("--conf", help="Spark property key=value (repeatable); "
                                                        "$SPARK_CONF_DIR/spark-defaults.conf is read too.")]


def say(zh: str, en: str) -> str:
    """The Chinese or English text, as ``--lang`` asked."""
    return zh if _OUT_LANG.get() == "zh" else en


def fail(message: str | BaseException, en: str | None = None) -> None:
    """Print a one-line error in the output language and exit 2.

    ``message`` is the Chinese text and ``en`` the English one, or an exception: its text in the output language
    (:func:`~guanlian.values.vocab.in_language`).
    """
    lang = _OUT_LANG.get()
    if isinstance(message, BaseException):
        text = in_language(message, lang)
    else:
        text = message if en is None else say(message, en)
    err.print(f"[bold red]{say('错误', 'error')}:[/] {escape(text)}", highlight=False, markup=True, soft_wrap=True)
    raise typer.Exit(2)


def _location(store: str | None) -> str:
    """The ``--store`` value (or env ``GUANLIAN_STORE``); fails when neither is given."""
    location = store or default_store()
    if not location:
        fail("请用 --store 指定图存储", "give the store with --store or GUANLIAN_STORE")
        raise AssertionError
    return location


@contextmanager
def opened(store: str | None, database: str | None = None, *, create: bool = False,
           read_only: bool = False) -> Iterator[Store]:
    """Open the store named by ``--store`` (or fail with a one-line message).

    Only ``load`` passes ``create=True``; every other command refuses a store that does not exist.
    ``read_only`` opens the embedded store read-only (``cypher``).
    """
    location = _location(store)
    try:
        s = open_store(location, database=database, create=create, read_only=read_only)
    except StoreError as exc:
        fail(exc)
        raise AssertionError from exc
    try:
        yield s
    except StoreError as exc:
        fail(exc)
    finally:
        s.close()



def _emit_rows(df: pd.DataFrame, writer: TableWriter, out: Path | None, *, name: str, title: str, show_ids: bool,
               headers: tuple[str, ...] | None = None, lang: Lang = "zh") -> None:
    """Write query rows (``run``, ``cypher``) through a table writer: IDs masked unless asked, at most 200 rows on
    the console, the written file's path on stderr; a writer error is one line and exit 2."""
    from guanlian.outputs import OutputError, frame_table
    from guanlian.values.privacy import mask_frame

    if not show_ids:
        df = mask_frame(df)
    try:
        written = writer.write(frame_table(df, name, title=title, shown_rows=200, headers=headers, lang=lang), out)
    except OutputError as exc:
        fail(exc)
        return
    if written is not None:
        err.print(say(f"写出 {written}", f"wrote {written}"), highlight=False)

HUMAN_FORMATS = ("table", "xlsx")
"""Table formats people read (codes shown in words); csv and json are for programs and keep the codes."""


def _for_people(df: pd.DataFrame, writer: TableWriter, raw: bool) -> pd.DataFrame:
    """Ad-hoc query rows with stored codes in words for a human format (unless ``--raw``)."""
    from guanlian.queries.readable import labelled_codes

    return df if raw or writer.name not in HUMAN_FORMATS else labelled_codes(df, _OUT_LANG.get())


def _params(pairs: list[str] | None) -> dict[str, object]:
    """``--param k=v`` options as a dict (values stay text; the query header types them)."""
    params: dict[str, object] = {}
    for p in pairs or []:
        if "=" not in p:
            fail(f"参数格式应为 k=v，而不是 {p!r}", f"--param must be k=v, got {p!r}")
        k, v = p.split("=", 1)
        params[k.strip()] = v
    return params


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def _choice(table: Labels, value: str, option: str, aliases: dict[str, str] | None = None) -> str:
    """The canonical value of an option with fixed values, typed in Chinese or English (``--severity 高``);
    anything else is one line listing the choices and exit 2."""
    try:
        return parse_choice(table, value, option, aliases)
    except ValueError as exc:
        fail(exc)
        raise AssertionError from exc


def _lang(lang: str) -> Lang:
    code = _choice(LANG, lang, "--lang")
    assert is_lang(code)
    _OUT_LANG.set(code)
    return code


@app.callback()
def _options(lang: LangOpt = "zh") -> None:
    """关联: 发现干部、企业与资金之间的隐藏关联 / find hidden related-party links."""


@clues_app.callback()
def _clue_options(lang: LangOpt = "zh") -> None:
    """线索库: 移送 → 处置 → 反馈 → 评估 / the clue library."""


# -- load / stats ---------------------------------------------------------------------------------------
@app.command()
def load(
    files: Annotated[list[Path], typer.Argument(help="Files to load, or a manifest.json listing them.")],
    store: StoreOpt = None,
    database: DatabaseOpt = None,
    kind: Annotated[str | None, typer.Option("--kind", "-k", help="Force the kind of every file.")] = None,
    rejects: Annotated[Path | None, typer.Option("--rejects", help="Where to write rejects.csv.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    lang: LangOpt = "zh",
    engine: Annotated[str, typer.Option("--engine", help="Where files are parsed: in-process or spark (UTF-8 CSV "
                                        "only; pip install 'guanlian\\[spark]').")] = "in-process",
    spark_master: SparkMasterOpt = None,
    conf: SparkConfOpt = None,
    neo4j_import: Annotated[str, typer.Option(
        "--neo4j-import", help="Neo4j stores: auto = a first load of many rows into an empty database on this "
        "machine goes through neo4j-admin database import (the server is stopped and started again); always = "
        "import whatever the size (refused when not possible); never = always over Bolt.")] = "auto",
    neo4j_home: Annotated[Path | None, typer.Option(
        "--neo4j-home", help="NEO4J_HOME of the local Neo4j server, for --neo4j-import (default env NEO4J_HOME).")
    ] = None,
) -> None:
    """导入文件 / Load personnel, registry and payment files into the store."""
    from guanlian.loaders import KINDS, load_files
    from guanlian.loaders.neo4j_bulk import MODE_LABELS, MODES, Neo4jImportRoute
    from guanlian.report_console import print_load_summary
    from guanlian.workflow import expand_manifests, load_parser

    if kind and kind not in KINDS:
        fail(f"未知类型 {kind!r}；可选：{', '.join(KINDS)}", f"unknown kind {kind!r}; known: {', '.join(KINDS)}")
    route = Neo4jImportRoute(mode=MODES[_choice(MODE_LABELS, neo4j_import, "--neo4j-import")], home=neo4j_home)
    paths, kinds = expand_manifests(files, kind)
    try:  # before the store is opened: a file Spark cannot read, or a Spark that cannot start, changes nothing
        parser = load_parser(engine, paths, spark_master, conf or [])
    except (ValueError, RuntimeError) as exc:
        fail(exc)
    with reporting(err, enabled=wanted(err, as_json=as_json), lang=_lang(lang)) as report:
        with opened(store, database, create=True) as s:
            summary = load_files(s, paths, kinds=kinds, rejects_path=rejects, parser=parser, route=route)
        report.done()
        if as_json:
            sys.stdout.write(summary.to_json() + "\n")
        else:
            print_load_summary(console, summary, _lang(lang))
    if not summary.ok:
        raise typer.Exit(1)


@app.command()
def stats(store: StoreOpt = None, database: DatabaseOpt = None, as_json: Annotated[bool, typer.Option("--json")] = False,
          lang: LangOpt = "zh") -> None:
    """统计 / Count nodes and edges per kind."""
    from guanlian.model import model

    code = _lang(lang)
    with opened(store, database) as s:
        counts = s.counts()
    if as_json:
        sys.stdout.write(json.dumps(counts, ensure_ascii=False) + "\n")
        return
    m = model()
    zh = code == "zh"
    t = Table(title=f"图存储: {store or default_store()}" if zh else f"store: {store or default_store()}")
    for c in (("类别", "标签", "数量") if zh else ("kind", "label", "count")):
        t.add_column(c, justify="right" if c in ("数量", "count") else "left")
    for n in m.nodes:
        t.add_row(f"{n.label_zh}(节点)" if zh else f"{n.label_en} (node)", n.name, f"{counts[n.name]:,}")
    for e in m.edges:
        t.add_row(f"{e.label_zh}(关系)" if zh else f"{e.label_en} (edge)", e.name, f"{counts[e.name]:,}")
    console.print(t)


# -- matching -------------------------------------------------------------------------------------------
def _link_engine(engine: str, spark_master: str | None, conf: list[str] | None) -> Any:
    """The matching engine named by ``--engine`` (None = in process), or a one-line failure."""
    from guanlian.workflow import link_engine

    try:
        return link_engine(engine, spark_master, conf or [])
    except (ValueError, RuntimeError) as exc:
        fail(exc)


@app.command()
def match(store: StoreOpt = None, database: DatabaseOpt = None, as_json: Annotated[bool, typer.Option("--json")] = False,
          engine: EngineOpt = "in-process", spark_master: SparkMasterOpt = None, conf: SparkConfOpt = None,
          lang: LangOpt = "zh") -> None:
    """人员与企业匹配 / Link persons (POSSIBLY_SAME) and companies (SAME_COMPANY) with scored edges (idempotent)."""
    from guanlian.workflow import match as match_all

    code = _lang(lang)
    link = _link_engine(engine, spark_master, conf)
    with reporting(err, enabled=wanted(err, as_json=as_json), lang=code) as report:
        with opened(store, database) as s:
            try:
                summary = match_all(s, engine=link)
            except RuntimeError as exc:  # SparkError: a job failed
                fail(exc)
                return
        report.done()
        _print_match(summary, code, as_json)


def _print_match(summary: MatchSummary, code: Lang, as_json: bool) -> None:
    """What ``match`` prints for a :class:`~guanlian.matching.matcher.MatchSummary`: JSON or tables."""
    from guanlian.values.vocab import TIER, tr

    zh = code == "zh"
    tiers = summary.per_tier()
    kinds = summary.per_kind()
    if as_json:
        sys.stdout.write(json.dumps({**tiers, "by_kind": kinds, "stored_links": summary.edges_written, "mode": summary.mode,
                                     "changed_persons": summary.changed_persons, "full_reason": summary.full_reason,
                                     "not_stored": summary.registry_pairs_skipped + summary.budget_skipped,
                                     "routed_payments": summary.companies.routed_payments if summary.companies else 0},
                                    ensure_ascii=False) + "\n")
        return
    t = Table(title="匹配结果(已存储的关联)" if zh else "match results (stored links)")
    t.add_column("类别" if zh else "kind")
    for tier in tiers:
        t.add_column(tr(TIER, tier, code), justify="right")
    kind_words = {"persons": ("人员", "persons"), "companies": ("企业", "companies")}
    for kind, counts in kinds.items():
        t.add_row(tr(kind_words, kind, code), *(f"{counts.get(tier, 0):,}" for tier in tiers))
    console.print(t)
    if summary.mode == "incremental":
        n = summary.changed_persons
        console.print(f"增量匹配：自上次匹配后新增或变化的人员 {n:,} 人，只对其候选人员对分块与评分，其余沿用上次结果；"
                      "按当前图谱重新决定存储哪些关联" if zh
                      else f"incremental match: {n:,} persons new or changed since the last match; only their pairs "
                      "were blocked and scored, the others reused; which links to store was decided again on the "
                      "graph as it is now")
    else:
        from guanlian.matching.match_cache import FULL_REASONS

        why = FULL_REASONS.get(summary.full_reason)
        console.print(("完整匹配：所有人员重新分块与评分" if zh else "full match: every person blocked and scored")
                      + ((f"（{why[0]}）" if zh else f" ({why[1]})") if why else ""))
    skipped = summary.registry_pairs_skipped + summary.budget_skipped
    if skipped:
        console.print(f"未存储的“可能”关联（与干部及亲属无关，或姓名过于常见），可在 find/工作台中即时计算: {skipped:,}" if zh
                      else f"possible links not stored (no official or relative on either side, or a name too common "
                      f"to identify anyone), computed on demand by find and the workbench: {skipped:,}")
    if summary.companies and summary.companies.routed_payments:
        n = summary.companies.routed_payments
        console.print(f"经企业匹配计入登记企业的付款: {n:,}" if zh else f"payments routed to the registry company: {n:,}")
    if summary.refined_keys:
        console.print(f"{summary.refined_keys:,} 个分块键过大，已按出生年份细分(MatchConfig.max_block_pairs)" if zh
                      else f"{summary.refined_keys:,} blocking keys too big, refined by birth year "
                      "(MatchConfig.max_block_pairs)")


ByOpt = Annotated[str | None, typer.Option("--by", envvar="GUANLIAN_USER",
                                           help="Who acts (default: env GUANLIAN_USER, then GUANLIAN_ACTOR, then "
                                           "the login name).")]
ReasonOpt = Annotated[str, typer.Option("--reason", help="Why (kept with the judgement and shown in explanations).")]


def _by(by: str | None) -> str:
    from guanlian.sqlitefile import default_user

    return (by or "").strip() or default_user()


@app.command()
def links(store: StoreOpt = None, database: DatabaseOpt = None,
          name: Annotated[str | None, typer.Option("--name", help="Only links with a record whose name contains this.")]
          = None,
          tier: Annotated[str | None, typer.Option("--tier", help="Only this tier (possible, probable, certain, "
                                                   "confirmed).")] = None,
          as_json: Annotated[bool, typer.Option("--json")] = False, lang: LangOpt = "zh",
          show_ids: ShowIdsOpt = False) -> None:
    """模糊关联列表 / List fuzzy identity links (persons and companies) with both records and any judgement."""
    from guanlian.judgements import list_links, open_book, orphaned
    from guanlian.values.vocab import TIER, tr

    if tier is not None:
        tier = _choice(TIER, tier, "--tier")
    code = _lang(lang)
    with opened(store, database) as s:
        rows = list_links(s, name=name, tier=tier, show_ids=show_ids)
        with open_book(s) as book:
            lost = orphaned(s, book)
    if as_json:
        sys.stdout.write(json.dumps({"links": [r.to_json() for r in rows], "orphaned": [
            {"id": j.target, "verdict": j.verdict, "by": j.by, "at": j.at, "reason": j.reason, "keys": [j.a_key, j.b_key]}
            for j in lost]}, ensure_ascii=False, indent=1) + "\n")
        return
    import pandas as pd

    from guanlian.outputs import frame_table
    from guanlian.values.vocab import VERDICT

    zh = code == "zh"
    shown = pd.DataFrame([{
        "id": r.id,
        "a": " ".join(str(v) for v in (x.name, x.id_masked, x.birth_date, f"({x.src_file}:{x.src_row})") if v),
        "b": " ".join(str(v) for v in (y.name, y.id_masked, y.birth_date, f"({y.src_file}:{y.src_row})") if v),
        "tier": tr(TIER, r.tier, code), "score": f"{r.score:.2f}",
        "why": r.explanation_zh if zh else r.explanation_en,
        "judgement": "" if r.judgement is None else r.judgement.text(code),
    } for r in rows for x, y in [(r.a, r.b)]], columns=["id", "a", "b", "tier", "score", "why", "judgement"])
    headers = (("编号", "记录甲", "记录乙", "等级", "得分", "理由", "判定") if zh
               else ("id", "record A", "record B", "tier", "score", "explanation", "judgement"))
    TABLE_WRITERS.get("table").write(frame_table(shown, "links", title=f"模糊关联: {len(rows)}" if zh
                                                 else f"fuzzy links: {len(rows)}", headers=headers, lang=code), None)
    for j in lost:
        console.print((f"孤立判定（记录已不在库中，判定保留）: {j.target} " if zh else
                       f"orphaned judgement (records gone, kept): {j.target} ")
                      + f"{tr(VERDICT, j.verdict, code)} {j.by} {j.at} {j.reason}", highlight=False)


@app.command("judge")
def judge_cmd(link_id: str, verdict: Annotated[str, typer.Argument(help="confirm (确认), reject (否定) or unsure (存疑)")],
              reason: ReasonOpt, by: ByOpt = None, store: StoreOpt = None, database: DatabaseOpt = None,
              lang: LangOpt = "zh") -> None:
    """判定关联 / Confirm, reject or mark unsure a fuzzy identity link (kept across reloads and re-matching)."""
    from guanlian.judgements import JudgementError, judge
    from guanlian.values.vocab import LINK_VERDICT, VERDICT

    verdict = _choice(LINK_VERDICT, verdict, "verdict", {VERDICT[k][i]: k for k in LINK_VERDICT for i in (0, 1)})
    with opened(store, database) as s:
        try:
            j = judge(s, link_id, verdict, by=_by(by), reason=reason)
        except JudgementError as exc:
            fail(exc)
            return
    console.print(f"{j.target}: {j.text(_lang(lang))}", highlight=False)


def _dismiss(finding_id: str, reason: str, by: str | None, store: str | None, database: str | None, undo: bool,
             lang: Lang) -> None:
    from guanlian.judgements import JudgementError, dismiss

    with opened(store, database) as s:
        try:
            j = dismiss(s, finding_id, by=_by(by), reason=reason, undo=undo)
        except JudgementError as exc:
            fail(exc)
            return
    console.print(f"{j.target}: {j.text(lang)}", highlight=False)


@app.command("dismiss")
def dismiss_cmd(finding_id: str, reason: ReasonOpt, by: ByOpt = None, store: StoreOpt = None,
                database: DatabaseOpt = None, lang: LangOpt = "zh") -> None:
    """排除发现 / Dismiss a finding: kept out of new clues, listed as dismissed in the reports with who and why."""
    _dismiss(finding_id, reason, by, store, database, undo=False, lang=_lang(lang))


@app.command("undismiss")
def undismiss_cmd(finding_id: str, reason: ReasonOpt, by: ByOpt = None, store: StoreOpt = None,
                  database: DatabaseOpt = None, lang: LangOpt = "zh") -> None:
    """撤销排除 / Undo a dismissal (both stay in the history)."""
    _dismiss(finding_id, reason, by, store, database, undo=True, lang=_lang(lang))


@app.command()
def find(
    name: Annotated[str, typer.Argument(help="A name in any written form (繁/简, 同音, ·), a person's or an organisation's.")],
    store: StoreOpt = None,
    database: DatabaseOpt = None,
    birth_date: Annotated[str | None, typer.Option("--birth-date")] = None,
    id_number: Annotated[str | None, typer.Option("--id")] = None,
    limit: Annotated[int, typer.Option("--limit")] = 20,
    kind: Annotated[str, typer.Option("--kind", help="person, org (company or unit), or auto (from the name)")] = "auto",
    lang: LangOpt = "zh",
    show_ids: ShowIdsOpt = False,
) -> None:
    """查找人员、企业或单位 / List persons, companies or units who may be NAME, with scores and reasons."""
    import pandas as pd

    from guanlian.loaders.common import looks_like_company
    from guanlian.matching.company_store import find_organisations
    from guanlian.matching.matcher import find_candidates
    from guanlian.values.ids import mask_ids_in_text

    if kind not in ("auto", "person", "org"):
        fail(f"--kind 只能是 auto、person 或 org，而不是 {kind!r}", f"--kind must be auto, person or org, not {kind!r}")
    org = kind == "org" or (kind == "auto" and bool(looks_like_company(pd.Series([name])).iloc[0]))
    with opened(store, database) as s:
        if org:
            df = find_organisations(s, name, limit=limit)
        else:
            df = find_candidates(s, name, birth_date=birth_date, id_number=id_number, limit=limit)
    if df.empty:
        console.print(say("没有找到候选", "no candidates"))
        raise typer.Exit(1)
    from guanlian.values.vocab import TIER, tr

    code = _lang(lang)
    zh = code == "zh"
    t = Table(title=f"“{name}”的候选" if zh else f"candidates for {name}")
    expl = "explanation_zh" if zh else "explanation_en"
    cols = ("name", "kind", "key", "credit_code") if org else ("name", "key", "birth_date")
    words = {"name": ("名称", "name"), "kind": ("类别", "kind"), "key": ("键", "key"),
             "credit_code": ("统一社会信用代码", "credit code"), "birth_date": ("出生日期", "birth date"),
             "score": ("得分", "score"), "tier": ("等级", "tier"), expl: ("理由", "explanation")}
    for col in (*cols, "score", "tier", expl):
        t.add_column(tr(words, col, code), overflow="fold")
    for _, r in df.iterrows():
        cells = ["" if _missing(r.get(c)) else str(r.get(c)) for c in cols]
        if not show_ids:
            cells = [mask_ids_in_text(c) for c in cells]
        if org and "kind" in cols:
            cells[cols.index("kind")] = kind_label(cells[cols.index("kind")], code)
        t.add_row(*cells, f"{float(r['score']):.2f}", tr(TIER, str(r["tier"]), code),
                  mask_ids_in_text(str(r.get(expl, ""))))
    console.print(t)
    # a person merged from records that spelled the name differently: every form, with the records that gave it
    for _, r in df.iterrows():
        if not _missing(r.get("aliases")) and r.get("aliases"):
            key = str(r["key"]) if show_ids else mask_ids_in_text(str(r["key"]))
            console.print(f"{'别名' if zh else 'aliases'} — {r['name']} ({key}): {r['aliases']}", highlight=False,
                          soft_wrap=True)


@app.command()
def collide(
    left: Path,
    right: Path,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output file: .csv, .xlsx or .json.")] = Path(
        "matches.csv"),
    left_kind: Annotated[str | None, typer.Option(
        "--left-kind", help="persons (a plain list) or a loader kind; default: recognised from the headers")] = None,
    right_kind: Annotated[str | None, typer.Option("--right-kind", help="As --left-kind, for RIGHT.")] = None,
    side: Annotated[str | None, typer.Option(
        "--side", help="Family tables: relative (default), official or both.")] = None,
    unmatched: Annotated[bool, typer.Option(
        "--unmatched", help="Also list the records of LEFT and of RIGHT without any candidate (the tier column "
        "says which list each is from).")] = False,
    lang: LangOpt = "zh",
    show_ids: ShowIdsOpt = False,
    engine: EngineOpt = "in-process",
    spark_master: SparkMasterOpt = None,
    conf: SparkConfOpt = None,
) -> None:
    """数据碰撞 / Which persons of LEFT appear in RIGHT: one row per record and candidate, no store needed."""
    from guanlian.workflow import collide_files

    language = _lang(lang)
    link = _link_engine(engine, spark_master, conf)
    with reporting(err, enabled=wanted(err), lang=language) as report:
        try:
            result = collide_files(left, right, left_kind, right_kind, out, show_ids=show_ids, engine=link,
                                   side=side, lang=language, unmatched=unmatched)
        except (ValueError, OSError, RuntimeError) as exc:
            fail(exc)
            return
        report.done()
        console.print(result.summary, markup=False, highlight=False, soft_wrap=True)


# -- saved queries ----------------------------------------------------------------------------------------
def _library(queries_dir: list[Path] | None) -> Any:
    """The query library with the ``--queries-dir`` folders: a broken user file is one warning line naming it
    (and left out, so the other queries still run); a folder that does not exist is an error."""
    from guanlian.queries.library import Library
    from guanlian.queries.spec import QueryFileError

    try:
        lib = Library.load(queries_dir or [], strict=False)
    except QueryFileError as exc:
        fail(exc)
        raise AssertionError from exc
    for problem in lib.problems:
        err.print(f"[bold yellow]{say('跳过有误的查询文件', 'skipped a broken query file')}:[/] "
                  f"{escape(in_language(problem, _OUT_LANG.get()))}",
                  highlight=False,
                  soft_wrap=True)
    return lib


@app.command()
def queries(
    queries_dir: Annotated[list[Path] | None, typer.Option("--queries-dir")] = None,
    lang: LangOpt = "zh",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """查询库 / List the saved queries (id, title, severity, parameters) and ad-hoc query files."""
    code = _lang(lang)
    lib = _library(queries_dir)
    df = lib.listing(code)
    if as_json:
        sys.stdout.write(df.to_json(orient="records", force_ascii=False) + "\n")
        return
    from guanlian.outputs import TABLE_WRITERS, frame_table
    from guanlian.values.vocab import SEVERITY, tr

    shown = df[["id", "severity", "title", "params"]].copy()
    shown["severity"] = [tr(SEVERITY, v, code) for v in shown["severity"]]
    headers = ("编号", "严重程度", "标题", "参数(默认值)") if code == "zh" else ("id", "severity", "title",
                                                                         "parameters (defaults)")
    title = f"查询库: {len(df)} 个查询" if code == "zh" else f"saved queries: {len(df)}"
    TABLE_WRITERS.get("table").write(frame_table(shown, "queries", title=title, headers=headers, lang=code), None)


@app.command()
def run(
    query_id: str,
    store: StoreOpt = None,
    database: DatabaseOpt = None,
    param: Annotated[list[str] | None, typer.Option("--param", "-p", help="k=v, repeatable.")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="One of: " + ", ".join(TABLE_WRITERS.names()) + ".")] = "table",
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write to this file instead of the console.")] = None,
    queries_dir: Annotated[list[Path] | None, typer.Option("--queries-dir")] = None,
    lang: LangOpt = "zh",
    raw: Annotated[bool, typer.Option("--raw", help="Rows as the engine returns them: node and edge keys, day "
                                      "numbers, money in fen (for programs).")] = False,
    show_ids: ShowIdsOpt = False,
) -> None:
    """运行查询 / Run one saved query with parameters: names, dates, yuan and words (--raw: keys and codes).

    A plain .cypher file without a header in --queries-dir runs by its file name, read-only like `cypher`."""
    from guanlian.outputs import OutputError, table_writer
    from guanlian.queries.adhoc import run_adhoc
    from guanlian.queries.library import QueryError
    from guanlian.queries.readable import readable_rows

    params = _params(param)
    code = _lang(lang)
    try:
        writer = table_writer(fmt, out)
    except OutputError as exc:
        fail(exc)
        return
    lib = _library(queries_dir)
    adhoc = lib.adhoc(query_id)
    if adhoc is not None:
        try:
            with opened(store, database, read_only=True) as s:
                df = run_adhoc(s, adhoc.cypher, params)
        except QueryError as exc:
            fail(f"{adhoc.path}: {in_language(exc, _OUT_LANG.get())}")
            return
        title = f"{query_id}（{len(df)} 行）" if code == "zh" else f"{query_id} ({len(df)} rows)"
        _emit_rows(_for_people(df, writer, raw), writer, out, name=query_id, title=title, show_ids=show_ids, lang=code)
        return
    try:
        with opened(store, database) as s:
            df = lib.run(s, query_id, params)
            q = lib.get(query_id)
            if raw:
                df = df[[c for c in df.columns if not str(c).endswith("_data")]]  # raw engine objects
                headers = None
            else:
                shown = readable_rows(s, q, df, code)
                df, headers = shown.frame, shown.headers
    except QueryError as exc:
        fail(exc)
        return
    title = f"{query_id}: {q.title_zh}（{len(df)} 行）" if code == "zh" else f"{query_id}: {q.title_en} ({len(df)} rows)"
    _emit_rows(df, writer, out, name=query_id, title=title, show_ids=show_ids, headers=headers, lang=code)


@app.command()
def cypher(
    statement: Annotated[str, typer.Argument(help="One read-only Cypher statement; values as $name parameters.")],
    store: StoreOpt = None,
    database: DatabaseOpt = None,
    param: Annotated[list[str] | None, typer.Option("--param", "-p", help="k=v, repeatable (numbers, true/false, "
                                                    "null, else text; quote a number to keep it text).")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="One of: " + ", ".join(TABLE_WRITERS.names()) + ".")] = "table",
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write to this file instead of the console.")] = None,
    show_ids: ShowIdsOpt = False,
    lang: LangOpt = "zh",
    raw: Annotated[bool, typer.Option("--raw", help="Keep the stored codes (mother_in_law, valid) in table and "
                                      "xlsx output; csv and json always keep them.")] = False,
) -> None:
    """只读查询 / Run one ad-hoc read-only Cypher statement (writes are refused before they run).

    In table and xlsx output, columns of stored codes are shown in words (关系 岳母 for mother_in_law); --raw
    keeps the codes. csv and json (for programs) keep the codes."""
    from guanlian.outputs import OutputError, table_writer
    from guanlian.queries.adhoc import check_read_only, run_adhoc
    from guanlian.queries.library import QueryError

    params = _params(param)
    try:
        writer = table_writer(fmt, out)
        check_read_only(statement)  # before the store is even opened
    except (OutputError, QueryError) as exc:
        fail(exc)
        return
    try:
        with opened(store, database, read_only=True) as s:
            df = run_adhoc(s, statement, params)
    except QueryError as exc:
        fail(exc)
        return
    _emit_rows(_for_people(df, writer, raw), writer, out, name="cypher", title=say(f"{len(df)} 行", f"{len(df)} rows"),
               show_ids=show_ids, lang=_lang(lang))


def _orphaned(s: Store) -> list[Any]:
    """Judgements in force whose records are gone from the store (none without a judgement log)."""
    from guanlian.judgements import judgements_path, open_book, orphaned

    if not judgements_path(s).exists():
        return []
    with open_book(s) as book:
        return orphaned(s, book)


@app.command()
def scan(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for findings.json, report and views.")],
    store: StoreOpt = None,
    database: DatabaseOpt = None,
    param: Annotated[list[str] | None, typer.Option("--param", "-p", help="k=v applied to every query.")] = None,
    queries_dir: Annotated[list[Path] | None, typer.Option("--queries-dir")] = None,
    lang: LangOpt = "zh",
    show_ids: ShowIdsOpt = False,
    clues: Annotated[bool, typer.Option("--clues", help="Also file the findings into the store's clue library.")] = False,
    views: Annotated[str, typer.Option("--views", help="Finding views to write: all (default, every report "
                                       "link works), top:N (the N highest-scoring) or none.")] = "all",
    report_possible: Annotated[str, typer.Option(
        "--report-possible", help="How many 'possible' findings report.html shows in full at most: N (default "
        "1000, the best of each official in turn) or all. Every finding stays in findings.json and report.xlsx."
    )] = "1000",
) -> None:
    """扫描 / Run every saved query; write findings.json, report.html/.xlsx and one view per finding."""
    from guanlian.queries.library import QueryError
    from guanlian.workflow import default_clues_path, parse_report_possible, parse_views, scan_to_dir

    try:
        n_views = parse_views(views)
        n_possible = parse_report_possible(report_possible)
    except ValueError as exc:
        fail(exc)
        return
    params = _params(param)
    code = _lang(lang)
    queries_lib = _library(queries_dir)
    try:
        with reporting(err, enabled=wanted(err), lang=code) as report:
            with opened(store, database) as s:
                library = default_clues_path(s.location, database) if clues else None
                result = scan_to_dir(s, out, params=params, queries=queries_lib, lang=code,
                                     show_ids=show_ids, clues=library, views=n_views, report_possible=n_possible)
                lost = _orphaned(s)
            report.done()
            _print_scan(result, lost, library, code)
    except QueryError as exc:
        fail(exc)


def _print_scan(result: ScanResult, lost: list[Any], library: Path | None, code: Lang) -> None:
    """What ``scan`` prints after its run: the stale-match warning, counts, report and clue library paths."""
    if result.match_stale:
        err.print(say("[bold yellow]注意:[/] 上次导入后尚未运行 match,经模糊关联的发现可能缺失;请先运行 "
                      "`guanlian match`", "[bold yellow]warning:[/] rows were loaded after the last `guanlian match`: "
                      "findings that follow fuzzy person links may be missing; run `guanlian match` first"),
                  highlight=False, soft_wrap=True)
    zh = code == "zh"
    console.print(f"发现: {result.count}; 报告: {result.report_html}" if zh
                  else f"findings: {result.count}; report: {result.report_html}")
    if result.dismissed:
        console.print(f"其中已排除: {result.dismissed}（不再立为新线索）" if zh
                      else f"of which dismissed: {result.dismissed} (not filed as new clues)")
    if lost:
        console.print(f"孤立判定: {len(lost)}（所涉记录已不在库中，判定保留，见 guanlian links）" if zh else
                      f"orphaned judgements: {len(lost)} (their records are no longer in the store; kept, listed by "
                      "`guanlian links`)", highlight=False)
    if library is not None:
        console.print(f"线索库: {library}" if zh else f"clue library: {library}", highlight=False)


@app.command()
def view(
    entity: Annotated[str, typer.Argument(help="Name, resident ID, credit code, node key or finding id.")],
    out: Annotated[Path, typer.Option("--out", "-o")] = Path("view.html"),
    store: StoreOpt = None,
    database: DatabaseOpt = None,
    hops: Annotated[int, typer.Option("--hops")] = 2,
    limit: Annotated[int, typer.Option("--limit")] = 150,
    findings: Annotated[Path | None, typer.Option("--findings", help="findings.json to look finding ids up in.")] = None,
    lang: LangOpt = "zh",
    show_ids: ShowIdsOpt = False,
) -> None:
    """网络视图 / Write an offline HTML network view around an entity or a finding."""
    from guanlian.workflow import view_entity

    try:
        with opened(store, database) as s:
            path = view_entity(s, entity, out, hops=hops, limit=limit, findings=findings, lang=_lang(lang),
                               show_ids=show_ids)
    except LookupError as exc:
        fail(exc)
        return
    console.print(say(f"视图: {path}", f"view: {path}"), highlight=False)


@app.command("export-neo4j-import")
def export_neo4j_import_cmd(
    out: Annotated[Path, typer.Option("--out", "-o")],
    store: StoreOpt = None,
    database: DatabaseOpt = None,
    lang: LangOpt = "zh",
) -> None:
    """导出 neo4j-admin import 文件 / Write CSVs for `neo4j-admin database import`."""
    from guanlian.graph.neo4j_import import export_neo4j_import

    with reporting(err, enabled=wanted(err), lang=_lang(lang)) as report:
        with opened(store, database) as s:
            files = export_neo4j_import(s, out)
        report.done()
        console.print(say(f"已写出 {len(files)} 个文件到 {out}；导入命令见 {files[-1]}",
                          f"wrote {len(files)} files to {out}; run {files[-1]}"), highlight=False)


@app.command()
def serve(
    store: StoreOpt = None,
    database: DatabaseOpt = None,
    clues: Annotated[Path | None, typer.Option("--clues", help="Clue library (default: the store's clues.db).")] = None,
    port: Annotated[int, typer.Option("--port", help="TCP port (0: any free port).")] = 8765,
    host: Annotated[str, typer.Option("--host", help="Listen address; anything but loopback warns.")] = "127.0.0.1",
    token_file: Annotated[Path | None, typer.Option("--token-file", help="Read the token from this file.")] = None,
    findings: Annotated[Path | None, typer.Option("--findings", help="findings.json to show (default: scan at start).")] = None,
    queries_dir: Annotated[list[Path] | None, typer.Option("--queries-dir", help="Extra saved-query folders (a broken "
                                                           "file is skipped and listed on the queries page).")] = None,
    lang: LangOpt = "zh",
) -> None:
    """工作台 / Run the investigator workbench (a local web app) over the store; prints the URL to open."""
    from guanlian.workbench.server import serve as run_server
    from guanlian.workflow import default_clues_path

    location = store or default_store()
    if not location:
        fail("请用 --store 指定图存储", "give the store with --store (or env GUANLIAN_STORE)")
        return
    try:
        run_server(location, clues=clues or default_clues_path(location, database), host=host, port=port,
                   token_file=token_file, findings=findings, database=database, queries_dir=queries_dir,
                   lang=_lang(lang),
                   say=lambda m: console.print(m, highlight=False, soft_wrap=True))
    except (OSError, ValueError) as exc:
        fail(exc)


# -- demo -----------------------------------------------------------------------------------------------
@app.command()
def demo(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for data, store, report, views, clues.")],
    size: Annotated[str, typer.Option("--size", help="tiny, small, medium, large or xlarge (~10M rows).")] = "small",
    seed: Annotated[int, typer.Option("--seed")] = 7,
    store: Annotated[str | None, typer.Option("--store", help="Store (default OUT/store; a URI for Neo4j).")] = None,
    lang: LangOpt = "zh",
    show_ids: ShowIdsOpt = False,
) -> None:
    """演示 / Generate a synthetic case, load, match, scan, and write the report, views and clue library."""
    from guanlian.demo.generate import SIZE_NAMES
    from guanlian.workflow import run_demo

    if size not in SIZE_NAMES:
        *head, last = SIZE_NAMES
        fail(f"--size 只能是 {'、'.join(head)} 或 {last}，而不是 {size!r}",
             f"unknown size {size!r}: {', '.join(head)} or {last}")
    code = _lang(lang)
    with reporting(err, enabled=wanted(err), lang=code) as report:
        result = run_demo(out, size=size, seed=seed, store=store, lang=code, show_ids=show_ids,
                          progress=lambda msg: console.print(f"[dim]… {escape(msg)}[/]"), on_error=fail)
        report.done()
        _print_demo(result, store, out, code)


def _print_demo(result: DemoResult, store: str | None, out: Path, code: Lang) -> None:
    """What ``demo`` prints after its run: the load summary, links per tier, findings, report and workbench."""
    from guanlian.report_console import print_load_summary
    from guanlian.values.vocab import TIER, tr

    print_load_summary(console, result.load, code)
    tiers = ", ".join(f"{tr(TIER, t, code)} {n}" for t, n in result.match_tiers.items())
    if code == "zh":
        console.print(f"匹配(模糊关联): {tiers}")
        console.print(f"发现: {result.scan.count}, 立线索: {result.clues_added} ({result.clues_path})")
    else:
        console.print(f"matched (fuzzy links): {tiers}")
        console.print(f"findings: {result.scan.count}, clues filed: {result.clues_added} ({result.clues_path})")
    console.print(f"[bold green]{say('报告', 'report')}:[/] {escape(str(result.scan.report_html))}")
    console.print(say(f"工作台: guanlian serve --store {store or out / 'store'}（打开它打印的链接）",
                      f"workbench: guanlian serve --store {store or out / 'store'} (open the link it prints)"),
                  highlight=False, soft_wrap=True)


# -- clue library ---------------------------------------------------------------------------------------
CluesOpt = Annotated[Path | None, typer.Option(
    "--clues", help="Clue library file (default: clues.db in the store's sidecar folder, see --store).")]


def _clue_path(clues: Path | None, store: str | None, database: str | None, *, create: bool) -> Path:
    """The clue library a ``clues`` command uses: ``--clues``, else the store's default library.

    Only ``clues add`` creates a library (and then the store must exist); the other commands refuse a library
    that does not exist instead of showing an empty one.
    """
    from guanlian.workflow import default_clues_path

    if clues is not None:
        path = clues
    else:
        location = _location(store)
        if create:
            with opened(location, database):
                pass  # refuses a store that does not exist
        try:
            path = default_clues_path(location, database)
        except StoreError as exc:
            fail(exc)
            raise AssertionError from exc
    if not create and not path.is_file():
        fail(f"线索库不存在：{path}。请检查 --store/--clues，或先立线索（`guanlian scan --clues` 或 "
             "`guanlian clues add`）", f"no clue library at {path}. Fix: check --store/--clues, or file findings "
             "first (`guanlian scan --clues` or `guanlian clues add`)")
    return path


@contextmanager
def _clues(clues: Path | None, store: str | None, database: str | None = None, *, create: bool = False,
           by: str | None = None) -> Iterator[Any]:
    from guanlian.clues.library import ClueError, ClueLibrary

    path = _clue_path(clues, store, database, create=create)
    try:
        lib = ClueLibrary(path, actor=_by(by))
    except ClueError as exc:
        fail(exc)
        raise AssertionError from exc
    try:
        yield lib
    except (ClueError, KeyError, LookupError) as exc:
        fail(exc)
    finally:
        lib.close()


NoteOpt = Annotated[str, typer.Option("--note", help="Note kept in the clue's history.")]


@clues_app.command("add")
def clues_add(
    from_: Annotated[Path, typer.Option("--from", help="findings.json from `guanlian scan`.")],
    ids: Annotated[list[str] | None, typer.Option("--ids", help="Only these finding ids.")] = None,
    clues: CluesOpt = None,
    store: StoreOpt = None,
    database: DatabaseOpt = None,
    by: ByOpt = None,
    lang: LangOpt = "zh",
) -> None:
    """立线索 / File findings as clues (a changed case gets a new version, never a duplicate)."""
    from guanlian.finding import FindingsDoc

    try:
        doc = FindingsDoc.from_json(json.loads(from_.read_text(encoding="utf-8")))
    except OSError as exc:
        fail(f"无法读取 {from_}：{in_language(exc, 'zh')}", f"cannot read {from_}: {in_language(exc, 'en')}")
        return
    except ValueError as exc:  # not JSON, or not the shape `guanlian scan` writes (the details are for programs)
        fail(f"{from_} 不是 `guanlian scan` 写出的 findings.json", f"{from_} is not a findings.json written by "
             f"`guanlian scan`: {exc}")
        return
    with _clues(clues, store, database, create=True, by=by) as lib:
        r = lib.add_findings(doc, ids)
    _lang(lang)
    console.print(say(f"新增 {r.new}，新版本 {r.updated}，未变 {r.unchanged}", f"new {r.new}, new version {r.updated}, "
                      f"unchanged {r.unchanged}")
                  + (say(f"，旧版线索改按案件跟踪 {r.adopted}", f", re-keyed from pre-case ids {r.adopted}")
                     if r.adopted else ""), highlight=False)


@clues_app.command("list")
def clues_list(
    status: Annotated[str | None, typer.Option("--status")] = None,
    severity: Annotated[str | None, typer.Option("--severity")] = None,
    new_info: Annotated[bool, typer.Option("--new-info", help="Only clues with new information (有新情况).")] = False,
    clues: CluesOpt = None,
    store: StoreOpt = None,
    database: DatabaseOpt = None,
    lang: LangOpt = "zh",
) -> None:
    """线索列表 / List clues."""
    from guanlian.values.privacy import mask_text
    from guanlian.values.vocab import CLUE_STATUS, SEVERITY, tr

    code = _lang(lang)
    status = None if status is None else _choice(CLUE_STATUS, status, "--status")
    severity = None if severity is None else _choice(SEVERITY, severity, "--severity")
    with _clues(clues, store, database) as lib:
        rows = lib.list(status=status, severity=severity, new_info=True if new_info else None)
    t = Table(title=say(f"线索: {len(rows)}", f"clues: {len(rows)}"))
    for c in (("编号", "状态", "严重程度", "得分", "版本", "新情况", "标题") if code == "zh" else
              ("id", "status", "severity", "score", "v", "new", "title")):
        t.add_column(c)
    for c in rows:
        t.add_row(c.clue_id, tr(CLUE_STATUS, c.status, code), tr(SEVERITY, c.severity, code), f"{c.score or 0:.2f}",
                  str(c.version), ("有新情况" if code == "zh" else "new info") if c.new_info else "",
                  mask_text((c.title_en if code == "en" else c.title_zh) or c.title_zh))
    console.print(t)


@clues_app.command("show")
def clues_show(clue_id: str, clues: CluesOpt = None, store: StoreOpt = None, database: DatabaseOpt = None,
               as_json: Annotated[bool, typer.Option("--json", help="JSON with snapshot, latest, versions, "
                                                     "history.")] = False,
               lang: LangOpt = "zh", show_ids: ShowIdsOpt = False) -> None:
    """线索详情 / Show one clue: its snapshot at transfer, the latest state and what changed, its history."""
    code = _lang(lang)
    with _clues(clues, store, database) as lib:
        detail = lib.show(clue_id)
    if as_json:
        sys.stdout.write(json.dumps(detail.to_json(show_ids=show_ids), ensure_ascii=False, indent=1) + "\n")
        return
    console.print(detail.render(code, show_ids=show_ids), highlight=False, markup=False, soft_wrap=True)


def _step(clue_id: str, action: str, clues: Path | None, store: str | None, database: str | None, by: str | None,
          **fields: str) -> None:
    from guanlian.values.vocab import CLUE_STATUS, tr

    with _clues(clues, store, database, by=by) as lib:
        c = lib.apply(clue_id, action, **fields)
    console.print(f"{c.clue_id}: {tr(CLUE_STATUS, c.status, _OUT_LANG.get())}"
                  + (say("  有新情况", "  new information") if c.new_info else ""), highlight=False)


@clues_app.command("transfer")
def clues_transfer(clue_id: str, to: Annotated[str, typer.Option("--to")], note: NoteOpt = "",
                   clues: CluesOpt = None, store: StoreOpt = None, database: DatabaseOpt = None,
                   by: ByOpt = None, lang: LangOpt = "zh") -> None:
    """移送 / Transfer a clue to a unit (freezes its finding as the snapshot)."""
    _step(clue_id, "transfer", clues, store, database, by, to_unit=to, note=note)


@clues_app.command("park")
def clues_park(clue_id: str, note: NoteOpt = "", clues: CluesOpt = None, store: StoreOpt = None,
               database: DatabaseOpt = None, by: ByOpt = None, lang: LangOpt = "zh") -> None:
    """暂存待查 / Keep a new clue on hold (it can be transferred or closed later)."""
    _step(clue_id, "park", clues, store, database, by, note=note)


@clues_app.command("close")
def clues_close(clue_id: str, note: Annotated[str, typer.Option("--note", help="Why it is closed (required).")],
                clues: CluesOpt = None, store: StoreOpt = None, database: DatabaseOpt = None,
                by: ByOpt = None, lang: LangOpt = "zh") -> None:
    """予以了结 / Close a new or parked clue without transferring it."""
    _step(clue_id, "close", clues, store, database, by, note=note)


@clues_app.command("ack")
def clues_ack(clue_id: str, note: NoteOpt = "", clues: CluesOpt = None, store: StoreOpt = None,
              database: DatabaseOpt = None, by: ByOpt = None, lang: LangOpt = "zh") -> None:
    """已阅新情况 / Acknowledge what later scans found (clears 有新情况)."""
    _step(clue_id, "acknowledge", clues, store, database, by, note=note)


@clues_app.command("handle")
def clues_handle(clue_id: str, result: Annotated[str, typer.Option("--result")], note: NoteOpt = "",
                 clues: CluesOpt = None, store: StoreOpt = None, database: DatabaseOpt = None,
                 by: ByOpt = None, lang: LangOpt = "zh") -> None:
    """处置 / Record how a clue was handled."""
    _step(clue_id, "handle", clues, store, database, by, result=result, note=note)


@clues_app.command("feedback")
def clues_feedback(clue_id: str, note: Annotated[str, typer.Option("--note")], clues: CluesOpt = None,
                   store: StoreOpt = None, database: DatabaseOpt = None, by: ByOpt = None, lang: LangOpt = "zh") -> None:
    """反馈 / Record feedback on a clue."""
    _step(clue_id, "feedback", clues, store, database, by, note=note)


@clues_app.command("evaluate")
def clues_evaluate(clue_id: str, rating: Annotated[str, typer.Option("--rating")], note: NoteOpt = "",
                   clues: CluesOpt = None, store: StoreOpt = None, database: DatabaseOpt = None,
                   by: ByOpt = None, lang: LangOpt = "zh") -> None:
    """评估 / Evaluate a clue: 属实, 部分属实, 不属实 or 无法查实 (substantiated, partly, …)."""
    _step(clue_id, "evaluate", clues, store, database, by, rating=rating, note=note)


@clues_app.command("stats")
def clues_stats(
    clues: CluesOpt = None,
    store: StoreOpt = None,
    database: DatabaseOpt = None,
    findings: Annotated[Path | None, typer.Option("--findings", help="findings.json to look dismissed findings "
                                                  "up in (those never filed as clues).")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    lang: LangOpt = "zh",
) -> None:
    """查询准确率 / Precision per saved query and per confidence tier from evaluations and dismissals."""
    from guanlian.workflow import clue_precision

    code = _lang(lang)
    with _clues(clues, store, database) as lib:
        try:
            table, unknown = clue_precision(lib, store or default_store(), database, findings)
        except (OSError, ValueError) as exc:
            fail(exc)
            return
    if as_json:
        sys.stdout.write(json.dumps({**table.to_json(), "dismissed_not_found": unknown}, ensure_ascii=False,
                                    indent=1) + "\n")
        return
    from guanlian.clues.stats import OUTCOMES
    from guanlian.values.vocab import TIER, tr

    heads = {"zh": {"substantiated": "属实", "partly": "部分属实", "unsubstantiated": "不属实",
                    "unverifiable": "无法查实", "dismissed": "已排除", "closed": "予以了结", "open": "未结"},
             "en": {k: k for k in OUTCOMES}}[code]
    for title, rows, label in ((say("按查询", "by saved query"), table.by_query, False),
                               (say("按可信度", "by confidence tier"), table.by_tier, True)):
        t = Table(title=title)
        t.add_column(say("查询", "query") if not label else say("可信度", "tier"), no_wrap=True)
        for k in OUTCOMES:
            t.add_column(heads[k], justify="right")
        t.add_column("准确率" if code == "zh" else "precision", justify="right")
        for r in [*rows, table.total]:
            p = r.precision
            key = ("合计" if code == "zh" else "all") if r is table.total else r.key
            t.add_row(tr(TIER, key, code) if label else key,
                      *(str(r.counts[k]) for k in OUTCOMES), "—" if p is None else f"{p:.0%}")
        console.print(t)
    console.print("准确率 = 属实 ÷ (属实 + 部分属实 + 不属实 + 已排除)；无法查实、予以了结、未结不计入" if code == "zh" else
                  "precision = substantiated ÷ (substantiated + partly + unsubstantiated + dismissed); unverifiable, "
                  "closed and open are not counted", highlight=False, soft_wrap=True)
    if unknown:
        console.print(f"另有 {len(unknown)} 条已排除的发现不在线索库中，未计入（用 --findings 指定 findings.json）"
                      if code == "zh" else f"{len(unknown)} dismissed findings are not clues and were not counted "
                      "(pass --findings findings.json)", highlight=False, soft_wrap=True)


@clues_app.command("export")
def clues_export(
    fmt: Annotated[str, typer.Option("--format", "-f", help="One of: " + ", ".join(FILE_TABLE_WRITERS.names()) + ".")] = "xlsx",
    out: Annotated[Path | None, typer.Option("--out", "-o")] = None,
    clues: CluesOpt = None,
    store: StoreOpt = None,
    database: DatabaseOpt = None,
    show_ids: ShowIdsOpt = False,
    lang: LangOpt = "zh",
) -> None:
    """导出线索 / Export the clue library."""
    from guanlian.outputs import OutputError
    from guanlian.outputs.clues import export_clues

    try:
        writer = FILE_TABLE_WRITERS.get(fmt)
    except OutputError as exc:
        fail(exc)
        return
    with _clues(clues, store, database) as lib:
        path = export_clues(lib, writer.name, out or Path(f"clues{writer.suffix}"), lang=_lang(lang),
                            show_ids=show_ids)
    console.print(say(f"写出 {path}", f"wrote {path}"), highlight=False)


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
