"""The saved query library: list, validate and run the ``.cypher`` files on any store.

Built-in queries live in ``guanlian/queries/library/``; users add their own folders with the same header
format (see ``docs/queries.md``). Values always reach Cypher as parameters.

Example:
    >>> lib = Library.load()
    >>> "relative_company_paid" in lib.ids()
    True
    >>> lib.bind("relative_company_paid", {"min_match_tier": "probable"})["min_match_tier"]
    'probable'
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from guanlian.graph.engines import dialect_of
from guanlian.graph.store import Store, StoreError
from guanlian.queries.spec import (
    FENCE,
    QueryFileError,
    SavedQuery,
    cypher_params,
    is_override,
    load_query_file,
)
from guanlian.values.privacy import plain
from guanlian.values.vocab import TIER, Lang, in_language, said, tr

BUILTIN_DIR = Path(__file__).with_name("library")


class QueryError(ValueError):
    """A query cannot run as asked (unknown id, unknown parameter, bad value, engine error)."""


_LINE = re.compile(r"line:? (\d+)")


@dataclass(frozen=True, slots=True)
class AdhocQuery:
    """A plain ``.cypher`` file without a header in ``--queries-dir``: run by its file name (``guanlian run
    top_payers`` for ``top_payers.cypher``) under the rules of ``guanlian cypher`` (read-only, values as
    ``$name`` parameters, rows as the engine returns them); ``scan`` leaves it out (it declares no case)."""

    id: str
    path: Path
    cypher: str


def is_plain(text: str) -> bool:
    """Whether a ``.cypher`` file's text is plain Cypher (its first non-blank line is not the ``// ---`` fence).

    >>> is_plain("MATCH (n) RETURN n"), is_plain("// top payers\\nMATCH (n) RETURN n"), is_plain("// ---\\n// id: x")
    (True, True, False)
    """
    first = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    return not (first.startswith("//") and first.lstrip("/").strip() == FENCE)


class Library:
    """A set of saved queries keyed by id, plus the ad-hoc query files and the files that could not be read.

    Args:
        queries: parsed queries by id (use :meth:`load`).
        adhoc: plain ``.cypher`` files by id (their file name without ``.cypher``).
        problems: user query files left out, each error naming its file (and line).
    """

    def __init__(self, queries: Mapping[str, SavedQuery], adhoc: Mapping[str, AdhocQuery] | None = None,
                 problems: Sequence[QueryFileError] = ()) -> None:
        self._queries = dict(queries)
        self._adhoc = dict(adhoc or {})
        self.problems: tuple[QueryFileError, ...] = tuple(problems)

    @classmethod
    def load(cls, extra_dirs: Sequence[str | Path] = (), *, builtin: bool = True, strict: bool = True) -> Library:
        """Read the built-in library plus every ``*.cypher`` in ``extra_dirs``.

        Args:
            extra_dirs: folders (or single files) of user queries with the same header format; a file without
                a header is an ad-hoc query (:class:`AdhocQuery`, read-only like ``guanlian cypher``).
            builtin: include the built-in queries.
            strict: raise on the first bad user file; with ``strict=False`` (the CLI) a bad user file is left
                out and listed in :attr:`problems`, and every other query still loads.

        Returns:
            The library; a bad header raises :class:`QueryFileError` naming the file and line, and a
            user query reusing an id raises one naming both files (or lists them, ``strict=False``).
            A folder or file that does not exist always raises.

        Example:
            >>> len(Library.load()) >= 12
            True
        """
        from guanlian.queries.adhoc import check_read_only

        files: list[tuple[Path, bool]] = []
        sources = ([(BUILTIN_DIR, True)] if builtin else []) + [(Path(d), False) for d in extra_dirs]
        for src, own in sources:
            if src.is_file():
                files.append((src, own))
            elif src.is_dir():
                files.extend((p, own) for p in sorted(src.glob("*.cypher")) if not is_override(p))
            else:
                raise QueryFileError(src, None, "no such query file or folder", zh="没有这个查询文件或文件夹")
        queries: dict[str, SavedQuery] = {}
        adhoc: dict[str, AdhocQuery] = {}
        problems: list[QueryFileError] = []
        for f, own in files:
            try:
                text = f.read_text(encoding="utf-8")
                if not own and is_plain(text):
                    try:
                        check_read_only(text)
                    except QueryError as exc:
                        raise QueryFileError(f, None, f"ad-hoc query (no header): {exc}", zh=f"即席查询（无文件头）：{in_language(exc, 'zh')}") from None
                    q: SavedQuery | AdhocQuery = AdhocQuery(f.stem, f, text)
                else:
                    q = load_query_file(f)
                if q.id in queries or q.id in adhoc:
                    first = queries[q.id].path if q.id in queries else adhoc[q.id].path
                    raise QueryFileError(f, None, f"query id {q.id!r} is already defined in {first}", zh=f"查询编号 {q.id!r} 已在 {first} 中定义")
            except (OSError, UnicodeDecodeError) as exc:
                problem = QueryFileError(f, None, f"cannot read: {exc}", zh=f"无法读取：{in_language(exc, 'zh') if isinstance(exc, OSError) else exc}")
            except QueryFileError as exc:
                problem = exc
            else:
                if isinstance(q, AdhocQuery):
                    adhoc[q.id] = q
                else:
                    queries[q.id] = q
                continue
            if strict or own:
                raise problem
            problems.append(problem)
        return cls(queries, adhoc, problems)

    def adhoc(self, query_id: str) -> AdhocQuery | None:
        """The ad-hoc query file called ``query_id`` (its file name), or None."""
        return self._adhoc.get(query_id)

    def adhoc_queries(self) -> list[AdhocQuery]:
        """The ad-hoc query files, in load order."""
        return list(self._adhoc.values())

    def ids(self) -> list[str]:
        """Query ids in load order."""
        return list(self._queries)

    def __iter__(self) -> Iterator[SavedQuery]:
        return iter(self._queries.values())

    def __len__(self) -> int:
        return len(self._queries)

    def get(self, query_id: str) -> SavedQuery:
        """The query called ``query_id``; QueryError lists the known ids."""
        try:
            return self._queries[query_id]
        except KeyError:
            pass
        for problem in self.problems:
            if Path(problem.path).stem == query_id:
                raise said(QueryError, f"查询文件有误：{in_language(problem, 'zh')}",
                           f"the query file is broken: {in_language(problem, 'en')}")
        if query_id in self._adhoc:
            raise said(QueryError, f"{query_id} 是即席查询（无文件头），没有声明参数和结果列",
                       f"{query_id} is an ad-hoc query (a file without a header): it declares no parameters or result "
                       "columns")
        known = ", ".join([*self.ids(), *self._adhoc])
        raise said(QueryError, f"没有这个查询：{query_id!r}；已有：{known}", f"unknown query {query_id!r}; known: {known}")

    def listing(self, lang: Lang = "zh") -> pd.DataFrame:
        """One row per query (id, severity, title, parameters with defaults) for ``guanlian queries``.

        Args:
            lang: ``zh`` or ``en`` for the title and description columns.
        """
        rows = []
        for q in self:
            rows.append({
                "id": q.id,
                "severity": q.severity,
                "title": q.title_zh if lang == "zh" else q.title_en,
                "why": q.why_zh if lang == "zh" else q.why_en,
                "params": ", ".join(f"{p.name}={tr(TIER, p.default, lang) if p.type == 'tier' else p.default}"
                                    for p in q.params.values()),
                "file": str(q.path),
            })
        for a in self._adhoc.values():
            first = next((ln.strip().lstrip("/").strip() for ln in a.cypher.splitlines() if ln.strip()), "")
            label = "即席查询" if lang == "zh" else "ad-hoc query"
            rows.append({
                "id": a.id,
                "severity": "",
                "title": f"{label}: {first}" if a.cypher.lstrip().startswith("//") else f"({label})",
                "why": "",
                "params": ", ".join(dict.fromkeys(f"${n}" for n, _ in cypher_params(a.cypher))),
                "file": str(a.path),
            })
        return pd.DataFrame(rows, columns=["id", "severity", "title", "why", "params", "file"])

    def bind(self, query_id: str, params: Mapping[str, object] | None = None) -> dict[str, Any]:
        """Typed parameter values: the header's defaults overridden by ``params``.

        Args:
            query_id: query id.
            params: values as strings (CLI ``--param k=v``) or Python values.

        Returns:
            ``{name: value}`` for every declared parameter (tier parameters as names).

        Raises:
            QueryError: unknown parameter or a value of the wrong type.
        """
        q = self.get(query_id)
        out = {name: p.default for name, p in q.params.items()}
        for name, value in (params or {}).items():
            if name not in q.params:
                known = ", ".join(q.params) or "(none)"
                raise said(QueryError, f"查询 {query_id} 没有参数 {name!r}；可用的参数：{known}",
                           f"query {query_id} has no parameter {name!r}; known: {known}")
            try:
                out[name] = q.params[name].coerce(value)
            except ValueError as exc:
                raise said(QueryError, f"查询 {query_id} 的参数有误：{in_language(exc, 'zh')}",
                           f"bad parameter for {query_id}: {in_language(exc, 'en')}") from None
        return out

    def cypher_params(self, query_id: str, engine: str, bound: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        """The engine's Cypher text and the parameters it uses (tier names turned into ranks)."""
        q = self.get(query_id)
        _, text, _ = q.text_for(engine)
        used = {name for name, _ in cypher_params(text)}
        return text, {n: q.params[n].to_cypher(v) for n, v in bound.items() if n in used}

    def check(self, store: Store) -> None:
        """Compile every query on ``store`` (``EXPLAIN``) without running it.

        Raises:
            QueryFileError: naming the file (the engine override when there is one) and the line.
        """
        for q in self:
            path, text, first = q.text_for(dialect_of(store))
            _, cy = self.cypher_params(q.id, dialect_of(store), self.bind(q.id))
            try:
                store.query("EXPLAIN " + text, cy)
            except StoreError as exc:
                m = _LINE.search(str(exc))
                line = first + int(m.group(1)) - 1 if m else first
                raise QueryFileError(path, line, f"does not compile on {store.engine}: {exc}", zh=f"无法在 {store.engine} 上编译：{exc}") from None

    def run(self, store: Store, query_id: str, params: Mapping[str, object] | None = None) -> pd.DataFrame:
        """Run a saved query and return its rows.

        Args:
            store: the graph store.
            query_id: query id (see :meth:`ids`).
            params: parameter values (strings are parsed by the declared type).

        Returns:
            One row per hit, the declared columns first, nulls as None, lists as Python lists.

        Example:
            >>> import tempfile
            >>> from guanlian.graph.ladybug import LadybugStore
            >>> s = LadybugStore(tempfile.mkdtemp() + "/s"); s.ensure_schema()
            >>> Library.load().run(s, "newborn_company_paid", {"window_days": "90"}).empty
            True
        """
        q = self.get(query_id)
        bound = self.bind(query_id, params)
        path, _, _ = q.text_for(dialect_of(store))
        text, cy = self.cypher_params(query_id, dialect_of(store), bound)
        try:
            df = store.query(text, cy)
        except StoreError as exc:
            raise said(QueryError, f"{path}：查询失败：{in_language(exc, 'zh')}",
                       f"{path}: query failed: {in_language(exc, 'en')}") from None
        missing = [c.name for c in q.returns if c.name not in df.columns]
        if missing:
            raise QueryFileError(path, None, f"RETURN lacks the declared columns {missing}; got {list(df.columns)}", zh=f"RETURN 缺少声明的列 {missing}；实际返回 {list(df.columns)}")
        order = [c.name for c in q.returns] + [c for c in df.columns if c not in {x.name for x in q.returns}]
        return normalize_frame(q, df[order])


def normalize_frame(q: SavedQuery, df: pd.DataFrame) -> pd.DataFrame:
    """Engine-neutral values: None for nulls, ints for declared int and money (fen) columns, lists as lists."""
    out = pd.DataFrame(index=range(len(df)))
    for col in df.columns:
        values = [plain(v) for v in df[col].tolist()]
        try:
            spec = q.column(col)
        except KeyError:
            spec = None
        if spec is not None and spec.type in ("int", "money"):  # money: integer fen (LadybugDB sums give floats)
            values = [None if v is None else int(round(float(str(v)))) for v in values]
        elif spec is not None and spec.type == "float":
            values = [None if v is None else float(str(v)) for v in values]
        elif spec is not None and spec.many:
            values = [v if isinstance(v, list) else [] if v is None else [v] for v in values]
        out[col] = pd.Series(values, dtype=object)
    return out
