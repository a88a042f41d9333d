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
from pathlib import Path
from typing import Any

import pandas as pd

from guanlian.graph.engines import dialect_of
from guanlian.graph.store import Store, StoreError
from guanlian.queries.spec import (
    QueryFileError,
    SavedQuery,
    cypher_params,
    is_override,
    load_query_file,
)
from guanlian.values.privacy import plain
from guanlian.values.vocab import Lang

BUILTIN_DIR = Path(__file__).with_name("library")


class QueryError(ValueError):
    """A query cannot run as asked (unknown id, unknown parameter, bad value, engine error)."""


_LINE = re.compile(r"line:? (\d+)")


class Library:
    """A set of saved queries keyed by id.

    Args:
        queries: parsed queries by id (use :meth:`load`).
    """

    def __init__(self, queries: Mapping[str, SavedQuery]) -> None:
        self._queries = dict(queries)

    @classmethod
    def load(cls, extra_dirs: Sequence[str | Path] = (), *, builtin: bool = True) -> Library:
        """Read the built-in library plus every ``*.cypher`` in ``extra_dirs``.

        Args:
            extra_dirs: folders (or single files) of user queries with the same header format.
            builtin: include the built-in queries.

        Returns:
            The library; a bad header raises :class:`QueryFileError` naming the file and line, and a
            user query reusing an id raises one naming both files.

        Example:
            >>> len(Library.load()) >= 12
            True
        """
        files: list[Path] = []
        sources = ([BUILTIN_DIR] if builtin else []) + [Path(d) for d in extra_dirs]
        for src in sources:
            if src.is_file():
                files.append(src)
            elif src.is_dir():
                files.extend(sorted(p for p in src.glob("*.cypher") if not is_override(p)))
            else:
                raise QueryFileError(src, None, "no such query file or folder")
        queries: dict[str, SavedQuery] = {}
        for f in files:
            q = load_query_file(f)
            if q.id in queries:
                raise QueryFileError(f, None, f"query id {q.id!r} is already defined in {queries[q.id].path}")
            queries[q.id] = q
        return cls(queries)

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
            raise QueryError(f"没有这个查询 / unknown query {query_id!r}; known: {', '.join(self.ids())}") from None

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
                "params": ", ".join(f"{p.name}={p.default}" for p in q.params.values()),
                "file": str(q.path),
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
                raise QueryError(f"查询 {query_id} 没有参数 / query {query_id} has no parameter {name!r}; known: {known}")
            try:
                out[name] = q.params[name].coerce(value)
            except ValueError as exc:
                raise QueryError(f"参数错误 / bad parameter for {query_id}: {exc}") from None
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
                raise QueryFileError(path, line, f"does not compile on {store.engine}: {exc}") from None

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
            raise QueryError(f"{path}: 查询失败 / query failed: {exc}") from None
        missing = [c.name for c in q.returns if c.name not in df.columns]
        if missing:
            raise QueryFileError(path, None, f"RETURN lacks the declared columns {missing}; got {list(df.columns)}")
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
