"""The search index as built before it was vectorised (guanlian/workbench/search.py at 1c08b57, one Python pass over
every row), kept verbatim below this docstring as the reference that tests/workbench/test_search_index.py compares the
vectorised index with. Not used by guanlian itself."""


from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz, process

from guanlian.graph.store import Store
from guanlian.matching.normalize import (
    company_trade_name,
    has_cjk,
    normalize_address,
    normalize_company_name,
    normalize_person_name,
    normalize_phone,
    normalize_unit_name,
    to_simplified,
)
from guanlian.matching.pinyin import pinyin_key
from guanlian.values.privacy import mask_id

SEARCH_KINDS: tuple[str, ...] = ("Person", "Company", "Unit", "Account", "Phone", "Address", "Email")
"""Node kinds the workbench search covers."""

_PROPS: dict[str, tuple[str, ...]] = {
    "Person": ("key", "name", "name_norm", "id_number"),
    "Company": ("key", "name", "name_norm", "credit_code"),
    "Unit": ("key", "name", "name_norm"),
    "Account": ("key", "number", "holder"),
    "Phone": ("key", "number"),
    "Address": ("key", "text"),
    "Email": ("key", "address"),
}

_NORM: dict[str, Callable[[str | None], str]] = {
    "Person": normalize_person_name,
    "Company": normalize_company_name,
    "Unit": normalize_unit_name,
    "Address": normalize_address,
    "Phone": normalize_phone,
}


def _norm(kind: str, text: str) -> str:
    fn = _NORM.get(kind)
    out = fn(text) if fn is not None else to_simplified(text.strip()).lower()
    return out or text.strip().lower()


@dataclass(frozen=True, slots=True)
class Entry:
    """One searchable node."""

    kind: str
    key: str
    name: str
    norm: str
    aliases: tuple[str, ...]
    ident: str
    """Resident ID, credit code, phone or account number (raw; masked on output when it is a resident ID)."""


@dataclass(frozen=True, slots=True)
class Hit:
    """A search result: ``entry`` and why it matched (``exact``, ``contains``, ``pinyin``, ``fuzzy``)."""

    entry: Entry
    how: str
    score: float

    def to_json(self, public_key: str) -> dict[str, Any]:
        """JSON for the API: kind, name, key, aliases, masked ID, how it matched."""
        e = self.entry
        return {
            "kind": e.kind,
            "name": e.name,
            "key": public_key,
            "aliases": list(e.aliases),
            "id": mask_id(e.ident) if e.kind == "Person" and e.ident else (e.ident or None),
            "match": self.how,
            "score": round(self.score, 1),
        }


class SearchIndex:
    """In-memory search over one store version.

    Example:
        >>> # idx = SearchIndex.build(store); [h.entry.name for h in idx.search("刘桂兰")]
    """

    def __init__(self, entries: Iterable[Entry]) -> None:
        self.entries = list(entries)
        self._norms = [e.norm for e in self.entries]
        self._by_norm: dict[str, list[int]] = {}
        self._by_ident: dict[str, list[int]] = {}
        self._by_pinyin: dict[str, list[int]] = {}
        self._by_trade: dict[str, list[int]] = {}
        pinyin: dict[str, str] = {}  # aliases are the stored normalised names, already in _by_norm
        trades: dict[str, str] = {}
        for i, e in enumerate(self.entries):
            self._by_norm.setdefault(e.norm, []).append(i)
            if e.ident:
                self._by_ident.setdefault(e.ident.upper(), []).append(i)
            if e.kind == "Person":  # exports repeat names: compute each distinct one once
                py = pinyin.get(e.norm)
                if py is None:
                    py = pinyin[e.norm] = pinyin_key(e.norm)
                self._by_pinyin.setdefault(py, []).append(i)
            elif e.kind == "Company":
                trade = trades.get(e.name)
                if trade is None:
                    trade = trades[e.name] = company_trade_name(e.name)
                if trade:
                    self._by_trade.setdefault(trade, []).append(i)

    @classmethod
    def build(cls, store: Store) -> SearchIndex:
        """Read every node of :data:`SEARCH_KINDS` from ``store`` (one query per kind)."""
        entries: list[Entry] = []
        for kind, props in _PROPS.items():
            cols = ", ".join(f"n.{p} AS {p}" for p in props)
            df = store.query(f"MATCH (n:{kind}) RETURN {cols}")
            columns = {p: [_text(v) for v in df[p].tolist()] for p in props}
            name_col = columns[_PROPS[kind][1]]  # the second property is the text shown (an empty table too)
            norm_col = columns.get("name_norm")  # written at load time by the same normalisers
            ident_col = columns.get("id_number") or columns.get("credit_code")
            for i, key in enumerate(columns["key"]):
                name = name_col[i]
                if not name:
                    continue
                stored = norm_col[i] if norm_col is not None else ""
                norm = stored or _norm(kind, name)
                ident = name if kind in ("Phone", "Account") else (ident_col[i] if ident_col is not None else "")
                aliases = (stored,) if stored and stored != name else ()
                entries.append(Entry(kind, key, name, norm, aliases, ident))
        return cls(entries)

    def search(self, q: str, *, kinds: Iterable[str] | None = None, limit: int = 20) -> list[Hit]:
        """Hits for ``q`` best first (see the module docstring for the order).

        Args:
            q: a name, part of a name, an ID number, credit code, phone, account or address.
            kinds: only these node kinds (default all).
            limit: at most this many hits.
        """
        text = q.strip()
        if not text:
            return []
        allowed = set(kinds) if kinds else None
        found: dict[int, Hit] = {}

        def add(idx: Iterable[int], how: str, score: float) -> None:
            for i in idx:
                e = self.entries[i]
                if allowed is not None and e.kind not in allowed:
                    continue
                if i not in found or found[i].score < score:
                    found[i] = Hit(e, how, score)

        forms = {_norm(k, text) for k in ("Person", "Company", "Unit", "Address", "Phone")}
        forms.add(to_simplified(text).lower())
        for f in forms:
            add(self._by_norm.get(f, ()), "exact", 100.0)
        add(self._by_ident.get(text.upper().replace(" ", ""), ()), "exact", 100.0)
        add(self._by_pinyin.get(pinyin_key(normalize_person_name(text)), ()), "pinyin", 92.0)
        if text.isascii() and text.replace(" ", "").isalpha():  # typed as pinyin: "liu guilan"
            add(self._by_pinyin.get(text.replace(" ", "").lower(), ()), "pinyin", 92.0)
        trade = company_trade_name(text)
        if trade:
            add(self._by_trade.get(trade, ()), "trade_name", 90.0)
        plain = to_simplified(text).lower()
        if len(plain) >= 2 or has_cjk(plain):  # one Chinese character is a meaningful query (局, 张)
            add((i for i, n in enumerate(self._norms) if plain in n), "contains", 85.0)
        if len(found) < limit:
            for _name, score, i in process.extract(
                plain, self._norms, scorer=fuzz.ratio, limit=limit, score_cutoff=70
            ):
                add((i,), "fuzzy", float(score) * 0.8)
        hits = sorted(found.values(), key=lambda h: (-h.score, h.entry.kind, h.entry.name, h.entry.key))
        return hits[:limit]


def _text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v != v:  # NaN
        return ""
    return str(v).strip()
