"""Search over every named thing in a store: persons, companies, units, accounts, phones, addresses, e-mails.

The index is built once per store version (the service rebuilds it after a write) from one query per node
kind. A hit is found, best first, by:

1. the same normalised text (traditional → simplified, width, punctuation: 劉桂蘭 finds 刘桂兰), a resident ID,
   credit code, phone or account number;
2. the normalised text containing the query (a company's trade name, part of an address);
3. the same pinyin (刘桂兰 finds 刘贵兰) or, for a company, the same name without its legal form;
4. rapidfuzz similarity of the normalised text (a payee's spelling variant finds the registry company).

A person, company or unit is found under every name form it has (:func:`guanlian.matching.company_store.name_sources_of`:
the spellings of the records merged into it, and for a company the payee names ledgers wrote for it when its
payments were routed to it); the hit is the node, with those forms as its aliases.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
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
from guanlian.values.names import shown_forms
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

    The index is columnar: one array per field (kind, key, name, normalised text, identifier, alias), built
    with pandas/Arrow string operations; every per-value step that needs Python (script conversion, phone and
    address normalisation, pinyin, trade names) runs once per distinct value, and the lookup tables are
    grouped with ``pandas.factorize``. An :class:`Entry` is made only for a hit.

    Example:
        >>> # idx = SearchIndex.build(store); [h.entry.name for h in idx.search("刘桂兰")]
    """

    def __init__(self, entries: Iterable[Entry]) -> None:
        rows = list(entries)
        self._init_columns(pd.DataFrame({
            "kind": [e.kind for e in rows], "key": [e.key for e in rows], "name": [e.name for e in rows],
            "norm": [e.norm for e in rows], "ident": [e.ident for e in rows],
            "alias": [e.aliases for e in rows],
        }, dtype=object))

    def _init_columns(self, frame: pd.DataFrame, forms: pd.DataFrame | None = None) -> None:
        """``frame``: one row per node (``alias`` a tuple of alias texts); ``forms``: one row per other name form
        of a node (``owner``: the node's row in ``frame``, ``kind``, ``name``, ``norm``), searchable like the
        node's own name; a hit on it is a hit on its owner."""
        self._kind = frame["kind"].to_numpy(dtype=object)
        self._key = frame["key"].to_numpy(dtype=object)
        self._name = frame["name"].to_numpy(dtype=object)
        self._ident = frame["ident"].to_numpy(dtype=object)
        self._alias = frame["alias"].to_numpy(dtype=object)
        self._key_index: pd.Index | None = None
        n = len(frame)
        if forms is None or forms.empty:
            forms = pd.DataFrame({"owner": pd.Series([], dtype=np.int64), "kind": pd.Series([], dtype=object),
                                  "name": pd.Series([], dtype=object), "norm": pd.Series([], dtype=object)})
        # every searchable text: the nodes' own (positions 0..n-1), then the other name forms
        self._owner = np.concatenate([np.arange(n, dtype=np.int64), forms["owner"].to_numpy(dtype=np.int64)])
        self._norms: list[str] = frame["norm"].tolist() + forms["norm"].tolist()
        norm = pd.Series(self._norms, dtype=object)
        self._text: _Text | None = None
        kind = pd.Series([*frame["kind"].tolist(), *forms["kind"].tolist()], dtype=object)
        name = pd.Series([*frame["name"].tolist(), *forms["name"].tolist()], dtype=object)
        self._by_norm = _positions(norm)
        ident = frame["ident"]
        has_ident = ident.ne("")
        self._by_ident = _positions(_upper(ident[has_ident]))
        persons = kind.eq("Person")
        # exports repeat names: each distinct one once
        self._by_pinyin = _positions(_map_distinct(norm[persons], pinyin_key))
        companies = kind.eq("Company")
        trades = _map_distinct(name[companies], company_trade_name)
        self._by_trade = _positions(trades[trades.ne("")])

    @property
    def keys(self) -> list[str]:
        """The node key of every entry, in index order."""
        return list(self._key)

    def __len__(self) -> int:
        return len(self._key)

    def _texts(self) -> _Text:
        if self._text is None:
            self._text = _Text(self._norms)
        return self._text

    def kind_of(self, key: str) -> str | None:
        """The node kind of the entry with node key ``key``, or None when no entry has it (a node without a
        name is not indexed). The key lookup table is built on first use.

        Example:
            >>> SearchIndex([Entry("Unit", "unit:甲局", "甲局", "甲局", (), "")]).kind_of("unit:甲局")
            'Unit'
        """
        if self._key_index is None:
            self._key_index = pd.Index(self._key)
        hits = self._key_index.get_indexer_for(pd.Index([key]))
        return str(self._kind[hits[0]]) if len(hits) and hits[0] >= 0 else None

    def entry(self, i: int) -> Entry:
        """Entry number ``i``."""
        alias = self._alias[i]
        aliases = tuple(str(a) for a in alias) if isinstance(alias, tuple | list) else ((str(alias),) if alias else ())
        return Entry(str(self._kind[i]), str(self._key[i]), str(self._name[i]), self._norms[i], aliases,
                     str(self._ident[i]))

    @property
    def entries(self) -> list[Entry]:
        """Every entry (made on demand: a million rows make a million objects)."""
        return [self.entry(i) for i in range(len(self))]

    @classmethod
    def build(cls, store: Store) -> SearchIndex:
        """Read every node of :data:`SEARCH_KINDS` from ``store`` (one query per kind), and the other name forms
        of persons, companies and units (:func:`~guanlian.matching.company_store.name_sources_of`)."""
        from guanlian.matching.company_store import name_sources_of

        frames: list[pd.DataFrame] = []
        other: list[tuple[str, str, str]] = []  # (kind, key, form)
        for kind, props in _PROPS.items():
            cols = ", ".join(f"n.{p} AS {p}" for p in props)
            df = store.query(f"MATCH (n:{kind}) RETURN {cols}")
            text = {p: _clean(df[p]) if p in df.columns else pd.Series([], dtype=object) for p in props}
            name = text[props[1]]  # the second property is the text shown
            keep = name.ne("")
            name = name[keep]
            stored = text["name_norm"][keep] if "name_norm" in text else pd.Series("", index=name.index, dtype=object)
            missing = stored.eq("")
            norm = stored.copy()
            if missing.any():
                norm[missing] = _norm_column(kind, name[missing])
            id_prop = next((p for p in ("id_number", "credit_code") if p in text), None)
            if kind in ("Phone", "Account"):
                ident = name
            elif id_prop is not None:
                ident = text[id_prop][keep]
            else:
                ident = pd.Series("", index=name.index, dtype=object)
            keys = text["key"][keep]
            # the stored normalised name is shown as an alias unless it differs from the name only by spacing
            alias = stored.where(stored.ne(name) & stored.ne(name.str.replace(r"\s+", "", regex=True)), "")
            aliases = pd.Series([(a,) if a else () for a in alias.tolist()], index=name.index, dtype=object)
            if kind in ("Person", "Company", "Unit"):
                shown = dict(zip(keys.tolist(), name.tolist(), strict=True))
                forms = {k: [f for f in shown_forms(v) if "".join(f.split()) != "".join(shown.get(k, "").split())]
                         for k, v in name_sources_of(store, kind, several=True).items()}
                other.extend((kind, k, f) for k, fs in forms.items() for f in fs)
                # the aliases a hit shows: the other name forms, then the stored normalised name as before
                aliases = pd.Series([(*forms.get(k, ()), *(a for a in al if a not in forms.get(k, ())))
                                     for k, al in zip(keys.tolist(), aliases.tolist(), strict=True)],
                                    index=name.index, dtype=object)
            frames.append(pd.DataFrame({"kind": kind, "key": keys, "name": name, "norm": norm,
                                        "ident": ident, "alias": aliases}))
        index = cls.__new__(cls)
        frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
            columns=["kind", "key", "name", "norm", "ident", "alias"])
        at = {(k, key): i for i, (k, key) in enumerate(zip(frame["kind"].tolist(), frame["key"].tolist(), strict=True))}
        found = [(at[(kind, key)], kind, f) for kind, key, f in other if (kind, key) in at]
        forms_frame = pd.DataFrame({"owner": pd.Series([o for o, _, _ in found], dtype=np.int64),
                                    "kind": pd.Series([k for _, k, _ in found], dtype=object),
                                    "name": pd.Series([f for _, _, f in found], dtype=object)})
        forms_frame["norm"] = [_norm(k, f) for _, k, f in found]
        index._init_columns(frame, forms_frame)
        if index._texts().usable:
            index._texts().by_char()  # built with the index, not by the first search that needs it
        index.kind_of("")  # the key lookup table too (at 1M keys its hash table took 0.3 s of a first request)
        return index

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
            for j in idx:
                i = int(self._owner[int(j)])  # a node's other name form stands for the node
                if allowed is not None and self._kind[i] not in allowed:
                    continue
                if i not in found or found[i].score < score:
                    found[i] = Hit(self.entry(i), how, score)

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
            add(self._texts().containing(plain), "contains", 85.0)
        if len(found) < limit:
            some = self._texts().could_reach(plain, FUZZY_CUTOFF)  # the others cannot score the cutoff
            for _name, score, j in process.extract(
                plain, [self._norms[i] for i in some], scorer=fuzz.ratio, limit=limit, score_cutoff=FUZZY_CUTOFF
            ):
                add((int(some[j]),), "fuzzy", float(score) * 0.8)
        hits = sorted(found.values(), key=lambda h: (-h.score, h.entry.kind, h.entry.name, h.entry.key))
        return hits[:limit]


FUZZY_CUTOFF = 70
"""Least ``fuzz.ratio`` of a fuzzy hit."""


class _Text:
    """Every searchable text joined into one string (and as code points), so that a search scans them in C
    instead of a Python loop over a million strings (at 1M rows that loop took about a second a search).

    Example:
        >>> t = _Text(["刘桂兰", "王芳", "刘桂"])
        >>> t.containing("刘桂").tolist(), t.could_reach("刘桂兰", 70).tolist()
        ([0, 2], [0, 2])
    """

    SEP = "\n"

    def __init__(self, texts: list[str]) -> None:
        self.usable = not any(self.SEP in t for t in texts)
        self.texts = texts
        self.joined = self.SEP.join(texts) + self.SEP if self.usable else ""
        lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
        self.lengths = lengths
        self.starts = np.concatenate([[0], np.cumsum(lengths + 1)[:-1]]).astype(np.int64) if len(texts) else lengths
        self.points = np.frombuffer(self.joined.encode("utf-32-le"), dtype=np.uint32) if self.usable else None
        self._postings: tuple[np.ndarray, dict[int, tuple[int, int]]] | None = None

    def by_char(self) -> tuple[np.ndarray, dict[int, tuple[int, int]]]:
        """Every character occurrence's text position, grouped by character (code point → its slice), built
        on first use: a query then reads the occurrences of its own few characters instead of the whole text.

        Example:
            >>> owner, where = _Text(["刘桂", "王刘"]).by_char()
            >>> a, b = where[ord("刘")]; owner[a:b].tolist()
            [0, 1]
        """
        if self._postings is None:
            assert self.points is not None
            owner = np.repeat(np.arange(len(self.texts), dtype=np.int32), self.lengths + 1)
            order = np.argsort(self.points, kind="stable")
            cps = self.points[order]
            firsts = np.flatnonzero(np.r_[True, cps[1:] != cps[:-1]]) if len(cps) else np.zeros(0, dtype=np.int64)
            ends = np.r_[firsts[1:], len(cps)]
            where = {int(cps[a]): (int(a), int(b)) for a, b in zip(firsts, ends, strict=True)}
            self._postings = (owner[order], where)
        return self._postings

    def containing(self, part: str) -> np.ndarray:
        """Positions (ascending) of the texts that contain ``part``."""
        if not self.usable or self.SEP in part or not part:
            return np.array([i for i, t in enumerate(self.texts) if part in t], dtype=np.int64)
        import re

        at = np.fromiter((m.start() for m in re.finditer(re.escape(part), self.joined)), dtype=np.int64)
        return np.unique(np.searchsorted(self.starts, at, side="right") - 1)

    def could_reach(self, q: str, cutoff: float) -> np.ndarray:
        """Positions (ascending) of the texts whose ``fuzz.ratio`` with ``q`` may reach ``cutoff``: the ratio is
        ``200 · LCS / (len q + len t)``, and the longest common subsequence is at most the number of characters
        of ``t`` that occur in ``q``, so the others cannot reach it."""
        n = len(self.texts)
        if not self.usable or self.points is None or not n or not q:
            return np.arange(n, dtype=np.int64)
        owner, where = self.by_char()
        parts = [owner[a:b] for a, b in (where.get(ord(c), (0, 0)) for c in set(q))]
        shared = np.bincount(np.concatenate(parts) if parts else np.zeros(0, dtype=np.int32), minlength=n)
        return np.flatnonzero(shared * 200 + 1e-6 >= cutoff * (len(q) + self.lengths)).astype(np.int64)


def _clean(values: pd.Series) -> pd.Series:
    """Values as stripped text, missing ones (None, NaN) as ``""`` (object dtype, index kept). Python's own
    ``str.strip``/``lower``/``upper`` run through pandas' string methods (Arrow's trim and case mapping differ
    on a few characters, and the index must stay identical)."""
    out = values.astype(object).where(values.notna(), "")
    if pd.api.types.infer_dtype(out, skipna=False) not in ("string", "empty"):
        out = out.map(str)
    stripped: pd.Series = out.str.strip()
    return stripped


def _map_distinct(values: pd.Series, fn: Callable[[str], str]) -> pd.Series:
    """``values.map(fn)`` calling ``fn`` once per distinct value."""
    codes, uniques = pd.factorize(values.to_numpy(dtype=object))
    mapped = np.array([fn(u) for u in uniques] + [""], dtype=object)
    return pd.Series(mapped[codes], index=values.index, dtype=object)


def _norm_column(kind: str, names: pd.Series) -> pd.Series:
    """:func:`_norm` of every name: plain ASCII text other than phones lower-cased with pandas (script
    conversion and width folding leave it unchanged), the rest once per distinct value."""
    if kind in _NORM or names.empty:
        return _map_distinct(names, lambda t: _norm(kind, t))
    ascii_ = names.map(str.isascii).astype(bool)
    out: pd.Series = names.str.strip().str.lower()
    out[~ascii_] = _map_distinct(names[~ascii_], lambda t: _norm(kind, t))
    return out


def _upper(values: pd.Series) -> pd.Series:
    upper: pd.Series = values.str.upper() if len(values) else values
    return upper


def _positions(values: pd.Series) -> dict[str, np.ndarray]:
    """Value → the index positions (ascending) holding it, grouped with ``pandas.factorize``."""
    if values.empty:
        return {}
    codes, uniques = pd.factorize(values.to_numpy(dtype=object))
    order = np.argsort(codes, kind="stable")
    positions = values.index.to_numpy()[order]
    bounds = np.flatnonzero(np.diff(codes[order])) + 1
    return dict(zip(uniques.tolist(), np.split(positions, bounds), strict=True))
