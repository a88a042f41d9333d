"""Ad-hoc read-only Cypher: ``guanlian cypher "MATCH …"`` and plain ``.cypher`` files without a header.

Two locks, so that one failing is not enough to change a store:

1. :func:`check_read_only` refuses a statement that could write *before it reaches the engine*: after removing
   comments, string literals and back-quoted names (so ``/* */CREATE``, ``cReAtE`` or a ``DELETE`` hidden in a
   name are seen for what they are), any clause word that writes or reaches outside the store
   (``CREATE``, ``MERGE``, ``SET``, ``DELETE``, ``DETACH``, ``REMOVE``, ``DROP``, ``ALTER``, ``COPY``, ``LOAD``,
   ``INSTALL``, ``ATTACH``, ``IMPORT``, ``EXPORT``, ``FOREACH`` …) is refused, and ``CALL`` only runs a
   subquery (``CALL {`` / ``CALL (x) {``) or a procedure on a short list of read-only ones.
2. The engine itself: the embedded store is opened read-only, Neo4j runs the statement in a read transaction
   (the server refuses writes there, procedures included).

Example:
    >>> check_read_only("MATCH (p:Person) WHERE p.name = 'CREATE' RETURN p.name // DELETE")
    >>> check_read_only("MATCH (n) /* x */ DeTaCh DELETE n")
    Traceback (most recent call last):
    ...
    guanlian.queries.adhoc.WriteRefused: 只允许只读查询：DETACH 是写操作或外部访问 / only read-only Cypher runs here: DETACH is a write or outside access
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import pandas as pd

from guanlian.graph.store import Store, StoreError, StoreOutdated
from guanlian.queries.library import QueryError
from guanlian.values.privacy import plain
from guanlian.values.vocab import in_language, said

WRITE_WORDS: frozenset[str] = frozenset({
    "CREATE", "MERGE", "SET", "DELETE", "DETACH", "REMOVE", "DROP", "ALTER", "COPY", "LOAD", "INSTALL",
    "ATTACH", "IMPORT", "EXPORT", "FOREACH", "CHECKPOINT", "BEGIN", "COMMIT", "ROLLBACK", "TRUNCATE", "RENAME",
    "GRANT", "DENY", "REVOKE", "TERMINATE", "START", "STOP", "ENABLE", "USE",
})
"""Clause words refused anywhere outside strings, comments and names (``n.set`` and ``$set`` are names)."""

READ_PROCEDURES: frozenset[str] = frozenset({
    "TABLE_INFO", "SHOW_TABLES", "SHOW_CONNECTION", "SHOW_FUNCTIONS", "DB.LABELS", "DB.RELATIONSHIPTYPES",
    "DB.PROPERTYKEYS", "DB.SCHEMA.VISUALIZATION", "DB.SCHEMA.NODETYPEPROPERTIES", "DB.SCHEMA.RELTYPEPROPERTIES",
})
"""Procedures ``CALL`` may run (lower or upper case); anything else is refused."""

_MASK = re.compile(
    r"//[^\n]*"  # line comment
    r"|/\*.*?(?:\*/|$)"  # block comment (an unclosed one runs to the end)
    r"|'(?:[^'\\]|\\.)*(?:'|$)"  # 'string'
    r'|"(?:[^"\\]|\\.)*(?:"|$)'  # "string"
    r"|`(?:[^`]|``)*(?:`|$)",  # `name`
    re.DOTALL,
)
_WORD = re.compile(r"(?<![.$\w])([A-Za-z_][A-Za-z0-9_]*)")
_CALL = re.compile(r"\bCALL\s*([({]|[A-Za-z_][\w.]*)", re.IGNORECASE)


class WriteRefused(QueryError):
    """The statement could write (or read outside the store); it was not run."""


def _code_only(text: str) -> str:
    return _MASK.sub(lambda m: " " if m.group(0).startswith(("//", "/*")) else " _ ", text)


def check_read_only(text: str) -> None:
    """Raise :class:`WriteRefused` unless ``text`` is a read-only statement (see the module text).

    Args:
        text: one Cypher statement.

    Example:
        >>> check_read_only("CALL table_info('Person') RETURN *")
        >>> check_read_only("CALL apoc.create.node(['X'], {})")
        Traceback (most recent call last):
        ...
        guanlian.queries.adhoc.WriteRefused: 只允许只读查询：CALL apoc.create.node 不是已知的只读过程 / only read-only Cypher runs here: CALL apoc.create.node is not a known read-only procedure
    """
    code = _code_only(text)
    if not code.strip():
        raise said(WriteRefused, "空查询", "empty query")
    for m in _WORD.finditer(code):
        word = m.group(1).upper()
        if word in WRITE_WORDS:
            raise said(WriteRefused, f"只允许只读查询：{word} 是写操作或外部访问",
                       f"only read-only Cypher runs here: {word} is a write or outside access")
    for m in _CALL.finditer(code):
        target = m.group(1)
        if target in ("(", "{"):
            continue
        if target.upper() not in READ_PROCEDURES:
            raise said(WriteRefused, f"只允许只读查询：CALL {target} 不是已知的只读过程",
                       f"only read-only Cypher runs here: CALL {target} is not a known read-only procedure")
    if ";" in code.strip().rstrip(";"):
        raise said(WriteRefused, "一次只能运行一条语句", "one statement at a time")


_INT = re.compile(r"^[+-]?\d+$")
_FLOAT = re.compile(r"^[+-]?(\d+\.\d*|\.\d+)([eE][+-]?\d+)?$")


def typed_param(text: str) -> object:
    """A ``--param k=v`` value of an ad-hoc query (no header types it): integer, decimal number, true/false,
    null, else text. Quote a number to keep it text: ``--param code='"0791"'``.

    >>> typed_param("90"), typed_param("0.5"), typed_param("true"), typed_param("张三"), typed_param('"0791"')
    (90, 0.5, True, '张三', '0791')
    """
    t = text.strip()
    if _INT.match(t):
        return int(t)
    if _FLOAT.match(t):
        return float(t)
    low = t.lower()
    if low in ("true", "false"):
        return low == "true"
    if low == "null":
        return None
    if len(t) >= 2 and t[0] == t[-1] and t[0] in "\"'":
        return t[1:-1]
    return text


def run_adhoc(store: Store, text: str, params: Mapping[str, object] | None = None) -> pd.DataFrame:
    """Run one read-only statement on ``store`` (open it read-only where the engine can) and return its rows.

    Args:
        store: any store.
        text: the Cypher statement; values belong in ``params`` (``$name`` in the text).
        params: parameter values (strings from the command line are typed by :func:`typed_param`).

    Returns:
        One column per RETURN item; nodes and relationships as their property maps.

    Raises:
        WriteRefused: the statement could write; nothing ran.
        QueryError: the engine refused the statement (its message included).

    Example:
        >>> import tempfile
        >>> from guanlian.graph.ladybug import LadybugStore
        >>> s = LadybugStore(tempfile.mkdtemp() + "/s"); s.ensure_schema()
        >>> run_adhoc(s, "MATCH (p:Person) RETURN count(p) AS n")["n"].tolist()
        [0]
    """
    check_read_only(text)
    values = {k: typed_param(v) if isinstance(v, str) else v for k, v in (params or {}).items()}
    try:
        df = store.query(text, values)
    except StoreOutdated:  # not the statement's fault: its message names the command that fixes the store
        raise
    except StoreError as exc:
        raise said(QueryError, in_language(exc, "zh"), in_language(exc, "en")) from None  # says "query failed"
    return pd.DataFrame({c: [plain(v) for v in df[c].tolist()] for c in df.columns}, columns=list(df.columns))
