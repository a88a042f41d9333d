"""Query rows for people: names for node keys, words for codes, dates for day numbers, yuan for fen.

``guanlian run`` shows a saved query's rows through :func:`readable_rows`: node columns (keys such as
``ric:…`` or ``anon:…``) become the display names of those nodes (lists joined with ``、`` or ``, ``), edge
columns (keys only a program can use) are left out, ``*_day`` integers become ISO dates, money columns
(integer fen) become exact yuan (:class:`~decimal.Decimal`), shares become percentages, and coded values
(tiers, severities, change actions, shell signals, registry status, kinship terms in English) become words
in the chosen language. Headers come from :data:`guanlian.values.vocab.COLUMN`. Missing values stay None
(writers print them blank). ``run --raw`` skips all this and writes the rows as the engine returned them.

Example:
    >>> from guanlian.queries.library import Library
    >>> q = Library.load().get("shell_company")
    >>> row = pd.DataFrame([{"company": None, "unit": None, "paid_edge": "paid:x", "reg_capital": 1000000,
    ...                      "status": "注销", "address_sharers": 3, "dead_on_day": 18000, "paid_after_dead": 2,
    ...                      "signals": ["dead_status"], "severity": "high", "payments_count": 2,
    ...                      "payments_sum": 123456789, "payments_first_day": 17000, "payments_last_day": None}])
    >>> t = readable_rows(None, q, row, "en")
    >>> t.headers[:5]
    ('company', 'unit', 'registered capital (yuan)', 'registry status', 'companies at the address')
    >>> r = t.frame.iloc[0]
    >>> r["reg_capital"], r["status"], r["dead_on_day"], r["signals"], r["severity"], r["payments_last_day"]
    (Decimal('10000.00'), 'deregistered', '2019-04-14', 'deregistered or revoked yet paid', 'high', None)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pandas as pd

from guanlian.graph.store import Store
from guanlian.model import model
from guanlian.queries.spec import Column, SavedQuery
from guanlian.values.money import yuan
from guanlian.values.privacy import plain
from guanlian.values.vocab import (
    CHANGE_ACTION,
    COLUMN,
    COMPANY_STATUS,
    CONFIDENCE,
    KINSHIP,
    PROP_VALUES,
    ROLE,
    SEVERITY,
    SHELL_SIGNAL,
    TIER,
    Labels,
    Lang,
    tr,
    value_label,
)

_EPOCH = date(1970, 1, 1)

CODED: dict[str, Labels] = {
    "match_tier": TIER,
    "severity": SEVERITY,
    "confidence": CONFIDENCE,
    "action": CHANGE_ACTION,
    "signals": SHELL_SIGNAL,
    "status": COMPANY_STATUS,
}
"""Result columns whose values are codes of a vocabulary table (translated by name, in every query)."""


@dataclass(frozen=True)
class ReadableRows:
    """Rows ready for people: ``frame`` keeps the column ids (JSON keys), ``headers`` the labels shown."""

    frame: pd.DataFrame
    headers: tuple[str, ...]


def column_label(col: Column | None, name: str, lang: Lang) -> str:
    """The header of result column ``name``: its :data:`COLUMN` label, else its role's, else the name.

    Example:
        >>> column_label(None, "payments_sum", "zh"), column_label(None, "mystery", "zh")
        ('付款合计(元)', 'mystery')
    """
    if name in COLUMN:
        return tr(COLUMN, name, lang)
    if col is not None and col.role:
        return tr(ROLE, col.role, lang)
    return name


def day_text(value: object) -> str | None:
    """ISO date of a day number (days since 1970-01-01); None stays None, other text is kept.

    >>> day_text(18828), day_text(None)
    ('2021-07-20', None)
    """
    if value is None:
        return None
    try:
        return (_EPOCH + timedelta(days=int(str(value)))).isoformat()
    except (ValueError, OverflowError):
        return str(value)


def _joined(values: Sequence[object], lang: Lang) -> str:
    return ("、" if lang == "zh" else ", ").join(str(v) for v in values if v is not None and v != "")


def _kinship_en(term: object) -> object:
    """A Chinese kinship term (as the family record wrote it) in English, when it is a known term."""
    from guanlian.loaders.kinship import classify

    if term is None:
        return None
    relation = classify(str(term)).relation
    return tr(KINSHIP, relation, "en") if relation in KINSHIP else term


def _percent(value: object) -> str | None:
    if value is None:
        return None
    return f"{float(str(value)) * 100:.4g}%"


def node_names(store: Store | None, keys: set[str]) -> dict[str, str]:
    """Display names of nodes by key (a person's or company's name, a phone's number …); keys not found are
    left out. ``store=None`` (doctests, files without a store) gives ``{}``."""
    if store is None or not keys:
        return {}
    from guanlian.queries.findings import fetch_graph

    m = model()
    names: dict[str, str] = {}
    for kind, ks in _by_prefix(keys).items():
        wanted = {kind: ks} if kind else {n.name: ks for n in m.nodes}
        g = fetch_graph(store, wanted, {})
        for k, item in g.nodes.items():
            display = m.node(item.kind).display
            names[k] = str(item.props.get(display) or item.props.get("name") or k)
    return names


def _by_prefix(keys: set[str]) -> dict[str, set[str]]:
    """Keys grouped by the node kind their prefix names (``ric:`` → Person); ``""`` for keys of any kind."""
    prefixes = {"ric:": "Person", "anon:": "Person", "unit:": "Unit", "uscc:": "Company", "cname:": "Company"}
    out: dict[str, set[str]] = {}
    for k in keys:
        kind = next((v for p, v in prefixes.items() if k.startswith(p)), "")
        out.setdefault(kind, set()).add(k)
    return out


def readable_rows(store: Store | None, q: SavedQuery, df: pd.DataFrame, lang: Lang) -> ReadableRows:
    """A saved query's rows (as :meth:`~guanlian.queries.library.Library.run` returns them) for people.

    Args:
        store: the store the rows came from (node names are read from it); None shows keys.
        q: the saved query (its declared columns say what each column holds).
        df: the rows.
        lang: language of headers and words.

    Returns:
        The rows without edge columns, with names, dates, yuan and words, and their headers.
    """
    keys: set[str] = set()
    for c in q.node_columns():
        if c.name in df.columns:
            for v in df[c.name].tolist():
                for k in v if isinstance(v, list) else [v]:
                    if k is not None:
                        keys.add(str(k))
    names = node_names(store, keys)
    out: dict[str, list[Any]] = {}
    headers: list[str] = []
    basis_done = False
    for name in df.columns:
        col = next((c for c in q.returns if c.name == name), None)
        if (col is not None and col.edges) or str(name).endswith("_data"):
            continue
        values = [plain(v) for v in df[name].tolist()]
        if name in ("basis_zh", "basis_en"):
            if basis_done or f"basis_{lang}" not in df.columns:
                continue
            basis_done = True
            out["basis"] = [plain(v) for v in df[f"basis_{lang}"].tolist()]
            headers.append(column_label(None, "basis", lang))
            continue
        out[str(name)] = [_cell(col, str(name), v, names, lang) for v in values]
        headers.append(column_label(col, str(name), lang))
    frame = pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in out.items()}, columns=list(out))
    return ReadableRows(frame, tuple(headers))


def _cell(col: Column | None, name: str, value: Any, names: dict[str, str], lang: Lang) -> Any:
    if value is None:
        return None
    many = isinstance(value, list)
    items = value if many else [value]
    convert: Callable[[Any], Any]
    if col is not None and col.nodes:
        def convert(k: Any) -> Any:
            return names.get(str(k), str(k))
    elif name in CODED:
        table = CODED[name]

        def convert(v: Any) -> Any:
            return tr(table, str(v), lang)
    elif name == "relation_term" and lang == "en":
        convert = _kinship_en
    elif col is not None and col.type == "money":
        def convert(v: Any) -> Any:
            return yuan(int(v))
    elif name.endswith("_day"):
        convert = day_text
    elif name.endswith("_share"):
        convert = _percent
    else:
        def convert(v: Any) -> Any:
            return v
    converted = [convert(v) for v in items]
    return _joined(converted, lang) if many else converted[0]


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def _code_table(column: str, values: set[str]) -> str | None:
    """The property of :data:`~guanlian.values.vocab.PROP_VALUES` whose codes a result column holds: the one the
    column is named after (``relation``, ``p.id_status``), else the only wording shared by every table that
    knows all its values (``valid`` is 有效 both as an ID and as a credit-code status); None for other columns."""
    name = column.rsplit(".", 1)[-1]
    if name in PROP_VALUES and all(v in PROP_VALUES[name] or v.startswith("other:") for v in values):
        return name
    fits = [prop for prop, table in PROP_VALUES.items() if values <= table.keys()]
    if not fits:
        return None
    first = PROP_VALUES[fits[0]]
    same = all(PROP_VALUES[p][v] == first[v] for p in fits[1:] for v in values)
    return fits[0] if same else None


def labelled_codes(df: pd.DataFrame, lang: Lang) -> pd.DataFrame:
    """Ad-hoc query rows (``guanlian cypher``) with the vocabulary's codes in words: every text column whose
    values are all codes of one property (``mother_in_law`` → 岳母, ``valid`` → 有效, ``M`` → 男), or that is
    named after such a property. Other columns, and columns mixing codes with other text, are left as they are.

    Example:
        >>> df = pd.DataFrame({"rel": ["mother_in_law", "spouse"], "status": ["valid", None], "name": ["M", "张三"]})
        >>> labelled_codes(df, "zh").to_dict("list")
        {'rel': ['岳母', '配偶'], 'status': ['有效', None], 'name': ['M', '张三']}
    """
    out = df.copy()
    for column in df.columns:
        values = df[column].tolist()
        texts = {v for v in values if isinstance(v, str)}
        if not texts or any(not isinstance(v, str) and not _blank(v) for v in values):
            continue
        prop = _code_table(str(column), texts)
        if prop is not None:
            out[column] = pd.Series([value_label(prop, v, lang) if isinstance(v, str) else None for v in values],
                                    index=df.index, dtype=object)
    return out
