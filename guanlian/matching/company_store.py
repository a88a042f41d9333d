"""Company resolution in the store: SAME_COMPANY links, payments routed to the registry company, ``find``.

:func:`match_companies` (run by ``guanlian match`` after the persons) compares every company known only by a
name (no valid credit code: a ledger payee, a registry table without codes) with every company, writes one
scored, explained ``SAME_COMPANY`` edge per linked pair (from the lower key to the higher, like POSSIBLY_SAME),
and **routes payments**: the PAYMENT edges of a payee that is a ``probable`` or ``certain`` match of exactly one
registry company (one with a credit code or registry relations) are moved onto that company, each keeping its
key and recording ``routed_from`` (the payee as recorded) and ``route`` (the SAME_COMPANY edge). Every saved
query then sees those payments at the registry company without a hop, and a finding that cites them shows the
route (see :mod:`guanlian.queries.findings`). PAID totals are rebuilt when anything moved.

Why move rather than hop: eleven saved queries start from ``(:Unit)-[:PAID|PAYMENT]->(:Company)``; a hop in each
(on two engines) would also count a payment twice wherever both nodes are reached. The SAME_COMPANY edge stays
as the explanation an investigator can judge; rerunning ``match`` first puts back what a changed or rejected link
no longer supports (``routed_from`` says where each payment came from), so the routing always equals the links.

Example:
    >>> import tempfile
    >>> from guanlian.graph import open_store
    >>> match_companies(open_store(tempfile.mkdtemp() + "/s")).companies
    0
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from rapidfuzz import process
from rapidfuzz.distance import Indel

from guanlian.codehash import source_fingerprint
from guanlian.graph.frames import encode_sources
from guanlian.graph.store import SIDECAR_FILES, Store
from guanlian.judgements import apply_link_judgements, verdicts_for
from guanlian.matching.arrow_files import read_table, write_table
from guanlian.matching.companies import (
    CompanyConfig,
    CompanyName,
    NameParts,
    company_candidate_pairs,
    link_key,
    parse_company_name,
    prepare_companies,
    score_company_pairs,
)
from guanlian.model import NAME_SOURCES, TIERS, model, tier_rank
from guanlian.values.names import aliases_text, shown_forms

__all__ = ["CompanySummary", "find_organisations", "match_companies", "name_sources_of", "routed_name_sources"]

MATCHER = "matcher"
_REGISTRY_EDGES = ("SHAREHOLDER_OF", "OFFICER_OF", "LEGAL_REP_OF", "CHANGE")


@dataclass
class CompanySummary:
    """What :func:`match_companies` did.

    Attributes:
        companies: Company nodes read.
        unresolved: of those, companies without a valid credit code (compared with all others).
        candidate_pairs: pairs scored after blocking.
        certain / probable / possible: SAME_COMPANY edges written per tier.
        routed_payments: PAYMENT edges now attributed to a registry company through a link.
        restored_payments: PAYMENT edges put back on their recorded payee (link gone or changed).
        seconds: wall time.
    """

    companies: int = 0
    unresolved: int = 0
    candidate_pairs: int = 0
    certain: int = 0
    confirmed: int = 0
    probable: int = 0
    possible: int = 0
    routed_payments: int = 0
    restored_payments: int = 0
    seconds: float = 0.0
    routes: dict[str, str] = field(default_factory=dict)

    def per_tier(self) -> dict[str, int]:
        """SAME_COMPANY edges per tier, weakest first."""
        return {t: int(getattr(self, t)) for t in TIERS}


NAMES_FILE = SIDECAR_FILES["company_names"]
"""In a store's sidecar folder: the :func:`~guanlian.matching.companies.name_parts` of the company names of the
last company match (Arrow IPC, data only), so the next match computes them only for names new since."""

_NAMES_SCHEMA = pa.schema([("name", pa.string()), ("norm", pa.string()), ("core", pa.string()),
                           ("form", pa.string()), ("branch", pa.string()), ("regions", pa.list_(pa.string())),
                           ("trade", pa.string()), ("trade_py", pa.string())])


def _code_fingerprint() -> str:
    """SHA-256 of the matching package's source: name parts computed by other code are not reused."""
    return source_fingerprint(Path(__file__).parent)


def _known_names(path: Path) -> dict[str, NameParts]:
    """The name parts stored at ``path`` by this code, else ``{}``."""
    table = read_table(path)
    if table is None:
        return {}
    if (table.schema.metadata or {}).get(b"code") != _code_fingerprint().encode() or not table.schema.equals(
            _NAMES_SCHEMA):
        return {}
    cols = [table.column(c).to_pylist() for c in _NAMES_SCHEMA.names]
    return {name: (CompanyName(norm, core, form, branch, tuple(regions)), trade, trade_py)
            for name, norm, core, form, branch, regions, trade, trade_py in zip(*cols, strict=True)}


def _save_names(path: Path, feats: pd.DataFrame) -> None:
    """Store the name parts of ``feats`` (prepared companies) at ``path``, whole or not at all."""
    first = feats.drop_duplicates("name")
    parsed = first["parsed"].tolist()
    table = pa.table({
        "name": pa.array(first["name"].tolist(), pa.string()),
        "norm": pa.array([p.norm for p in parsed], pa.string()),
        "core": pa.array([p.core for p in parsed], pa.string()),
        "form": pa.array([p.form for p in parsed], pa.string()),
        "branch": pa.array([p.branch for p in parsed], pa.string()),
        "regions": pa.array([list(p.regions) for p in parsed], pa.list_(pa.string())),
        "trade": pa.array(first["trade"].tolist(), pa.string()),
        "trade_py": pa.array(first["trade_py"].tolist(), pa.string()),
    }, schema=_NAMES_SCHEMA.with_metadata({b"code": _code_fingerprint().encode()}))
    write_table(path, table)


PAIRS_FILE = SIDECAR_FILES["company_pairs"]
"""In a store's sidecar folder: the linked pairs the company scoring gave on the companies of the last company
match (Arrow IPC), with a fingerprint of those companies, the configuration and the code. A match whose
companies read the same (a month of payments to known payees) takes the pairs from there instead of preparing,
blocking and scoring every company again; the judgements, registry roles and routing are decided anew."""

_PAIRS_SCHEMA = pa.schema([("a", pa.string()), ("b", pa.string()), ("tier", pa.string()), ("score", pa.float64()),
                           ("zh", pa.string()), ("en", pa.string())])


def _companies_fingerprint(comp: pd.DataFrame, cfg: CompanyConfig) -> str:
    """SHA-256 over the companies read (every column, in row order), ``cfg`` and the matching package's source:
    equal fingerprints give equal scored pairs.

    Example:
        >>> a = pd.DataFrame({"key": ["k1"], "name": ["甲公司"]})
        >>> _companies_fingerprint(a, CompanyConfig()) == _companies_fingerprint(a.assign(name=["乙公司"]),
        ...                                                                      CompanyConfig())
        False
    """
    h = hashlib.sha256(repr(cfg).encode() + b"\0" + _code_fingerprint().encode())
    for c in comp.columns:
        values = [None if v is None or (isinstance(v, float) and v != v) else str(v) for v in comp[c].tolist()]
        h.update(b"\0" + str(c).encode() + b"\0")
        sink = pa.BufferOutputStream()
        table = pa.table({"v": pa.array(values, pa.string())})
        with pa.ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table)
        h.update(sink.getvalue().to_pybytes())
    return h.hexdigest()


def _cached_pairs(path: Path, fingerprint: str) -> tuple[pa.Table, int, int] | None:
    """The pairs stored at ``path`` with their unresolved and candidate counts, when stored for ``fingerprint``."""
    table = read_table(path)
    if table is None:
        return None
    meta = table.schema.metadata or {}
    if meta.get(b"fingerprint") != fingerprint.encode() or not table.schema.equals(_PAIRS_SCHEMA):
        return None
    try:
        return table, int(meta[b"unresolved"]), int(meta[b"candidate_pairs"])
    except (KeyError, ValueError):
        return None


def _save_pairs(path: Path, pairs: pa.Table, fingerprint: str, unresolved: int, candidates: int) -> None:
    """Store ``pairs`` at ``path`` for ``fingerprint``, whole or not at all."""
    write_table(path, pairs.replace_schema_metadata({b"fingerprint": fingerprint.encode(),
                                                     b"unresolved": str(unresolved).encode(),
                                                     b"candidate_pairs": str(candidates).encode()}))


def _scored_pairs(store: Store, comp: pd.DataFrame, cfg: CompanyConfig, summary: CompanySummary) -> pa.Table:
    """The linked pairs of ``comp`` (companies as :func:`_read_companies` reads them): one row per pair (``a``
    the company known only by name, ``b`` the other, ``tier`` before judgements, ``score``, both explanations),
    from the sidecar when the companies, ``cfg`` and the code are those of the last match, else scored here (and
    stored for the next match). Sets ``summary.unresolved`` and ``summary.candidate_pairs``."""
    path = store.sidecar / PAIRS_FILE
    fingerprint = _companies_fingerprint(comp, cfg)
    cached = _cached_pairs(path, fingerprint)
    if cached is not None:
        pairs, summary.unresolved, summary.candidate_pairs = cached
        return pairs
    names_path = store.sidecar / NAMES_FILE
    known = _known_names(names_path)
    feats = prepare_companies(comp, known)
    if not set(feats["name"]) <= known.keys():
        _save_names(names_path, feats)
    unresolved = np.flatnonzero(feats["code"].to_numpy(dtype=object) == "")
    summary.unresolved = len(unresolved)
    left = feats.iloc[unresolved].reset_index(drop=True)
    li, ri = company_candidate_pairs(left, feats, cfg)
    keys = comp["key"].astype(str).to_numpy(dtype=object)
    lk, rk = keys[unresolved[li]], keys[ri]
    # never a company with itself; an unordered pair of two unresolved names once
    left_set = set(keys[unresolved])
    keep = (lk != rk) & ~np.array([b in left_set and b < a for a, b in zip(lk, rk, strict=True)], dtype=bool)
    li, ri = li[keep], ri[keep]
    summary.candidate_pairs = len(li)
    sc = score_company_pairs(left, feats, li, ri, cfg)
    linked = np.flatnonzero(sc.tier != "")
    texts = [sc.explanation(int(k)) for k in linked]
    pairs = pa.table({
        "a": pa.array([str(keys[unresolved[sc.li[k]]]) for k in linked], pa.string()),
        "b": pa.array([str(keys[sc.ri[k]]) for k in linked], pa.string()),
        "tier": pa.array([str(sc.tier[k]) for k in linked], pa.string()),
        "score": pa.array([float(sc.score[k]) for k in linked], pa.float64()),
        "zh": pa.array([t[0] for t in texts], pa.string()),
        "en": pa.array([t[1] for t in texts], pa.string()),
    }, schema=_PAIRS_SCHEMA)
    _save_pairs(path, pairs, fingerprint, summary.unresolved, summary.candidate_pairs)
    return pairs


def _read_companies(store: Store) -> pd.DataFrame:
    props = ("name", "credit_code", "phone", "address", "legal_rep")
    node = model().node("Company")
    for p in props:
        node.prop(p)
    df = store.query("MATCH (c:Company) RETURN c.key AS key, " + ", ".join(f"c.{p} AS {p}" for p in props))
    if df.empty:
        return pd.DataFrame(columns=["key", *props, "accounts"])
    acc = store.query_arrow("MATCH (c:Company)-[:HAS_ACCOUNT]->(a:Account) RETURN c.key AS key, "
                            "a.number AS number")
    df["accounts"] = _joined_accounts(acc, df["key"])
    # in key order: the engine hands rows over in storage order, which a load that touches a company changes;
    # the same companies then read the same (the scored pairs' fingerprint) and are matched in the same order
    return df.sort_values("key", kind="stable").reset_index(drop=True)


def _joined_accounts(acc: pa.Table, keys: pd.Series) -> list[str]:
    """Per key of ``keys``, its account numbers in ``acc`` (columns ``key``, ``number``) in text order joined by
    ``|``, empty and missing numbers left out; ``""`` for a key with none. Arrow kernels: a Python join per
    company took 2.0 of the 1M match's 21 s.

    Example:
        >>> _joined_accounts(pa.table({"key": ["a", "b", "a"], "number": ["2", "", "1"]}), pd.Series(["a", "b"]))
        ['1|2', '']
    """
    if not acc.num_rows:
        return [""] * len(keys)
    acc = acc.select(["key", "number"]).cast(pa.schema([("key", pa.string()), ("number", pa.string())]))
    acc = acc.filter(pc.fill_null(pc.not_equal(acc.column("number"), ""), False)).sort_by("number")
    # use_threads=False keeps each key's numbers in the order of the rows
    grouped = acc.group_by("key", use_threads=False).aggregate([("number", "list")])
    joined = pc.binary_join(grouped.column("number_list"), "|")
    at = pc.index_in(pa.array(keys.astype(str).tolist(), pa.string()), grouped.column("key"))
    out: list[str] = pc.fill_null(pc.take(joined, at), "").to_pylist()
    return out


def _keys_with(store: Store, cypher: str) -> set[str]:
    df = store.query(cypher)
    return {str(k) for k in df["k"]} if len(df) else set()


def _registry_keys(store: Store, companies: pd.DataFrame) -> set[str]:
    """Companies the registry describes: a valid credit code, or any registry relation."""
    out = {str(k) for k in companies["key"] if str(k).startswith("uscc:")}
    for e in _REGISTRY_EDGES:
        out |= _keys_with(store, f"MATCH (c:Company)-[:{e}]-() RETURN DISTINCT c.key AS k")
    return out


def _payment_props() -> list[str]:
    return [p.name for p in model().edge("PAYMENT").all_props]


def _payments(store: Store, where: str, params: dict[str, object] | None = None, unwind: bool = False) -> pd.DataFrame:
    ret = ", ".join(f"p.{p} AS {p}" for p in _payment_props())
    head = "UNWIND $keys AS k MATCH (u:Unit)-[p:PAYMENT]->(c:Company {key: k})" if unwind else \
        "MATCH (u:Unit)-[p:PAYMENT]->(c:Company)"
    return store.query(f"{head} {where} RETURN u.key AS src, c.key AS dst, {ret}", params)


def _move(store: Store, rows: pd.DataFrame, new_dst: list[str], routed_from: list[str | None],
          route: list[str | None]) -> int:
    """Re-point PAYMENT edges (same key and properties) from ``rows.dst`` to ``new_dst``."""
    if rows.empty:
        return 0
    store.execute("UNWIND $rows AS r MATCH (u:Unit {key: r.src})-[p:PAYMENT]->(c:Company {key: r.dst}) "
                  "WHERE p.key = r.key DELETE p",
                  {"rows": rows[["src", "dst", "key"]].astype(str).to_dict("records")})
    out = rows.copy()
    out["dst"] = new_dst
    out["routed_from"] = routed_from
    out["route"] = route
    out["src_kind"] = "Unit"
    out["dst_kind"] = "Company"
    store.upsert_edges("PAYMENT", out)
    return len(out)


def match_companies(store: Store, config: CompanyConfig | None = None, load_id: str = MATCHER) -> CompanySummary:
    """Link companies known only by name to the companies they probably are, and route their payments.

    Args:
        store: an open store with the schema.
        config: thresholds.
        load_id: provenance ``load_id`` written on SAME_COMPANY edges.

    Returns:
        A :class:`CompanySummary`; ``routes`` maps each routed payee key to the registry company key.
    """
    t0 = time.perf_counter()
    cfg = config or CompanyConfig()
    summary = CompanySummary()
    store.ensure_schema()
    store.execute("MATCH ()-[e:SAME_COMPANY]->() WHERE e.src_file = $f DELETE e", {"f": MATCHER})
    comp = _read_companies(store)
    summary.companies = len(comp)
    desired: dict[str, tuple[str, str]] = {}
    if len(comp) >= 2:
        scored = _scored_pairs(store, comp, cfg, summary)
        registry = _registry_keys(store, comp)
        payees = _keys_with(store, "MATCH (:Unit)-[:PAYMENT]->(c:Company) RETURN DISTINCT c.key AS k")
        payees |= _keys_with(store, "MATCH (:Unit)-[p:PAYMENT]->(:Company) WHERE p.routed_from IS NOT NULL "
                                    "RETURN DISTINCT p.routed_from AS k")
        rows = []
        best: dict[str, tuple[int, float, str, str]] = {}
        judged = verdicts_for(store, "SAME_COMPANY")
        strong: dict[str, int] = {}
        confirmed: dict[str, int] = {}
        for a, b, tier, score, zh, en in zip(*(scored.column(c).to_pylist() for c in _PAIRS_SCHEMA.names),
                                             strict=True):
            lo, hi = sorted((a, b))
            verdict = judged.get((lo, hi))
            if verdict is not None and verdict.verdict == "reject":
                continue  # an investigator said these are different companies: never linked, never routed
            if verdict is not None:
                tier = "confirmed"
            key = link_key(a, b)
            rows.append({"src": lo, "dst": hi, "src_kind": "Company", "dst_kind": "Company", "key": key,
                         "score": score, "tier": tier, "tier_rank": tier_rank(tier),
                         "explanation_zh": zh, "explanation_en": en, "payments_routed": 0,
                         "src_file": MATCHER, "src_row": 0, "load_id": load_id})
            if tier in ("confirmed", "certain", "probable") and a in payees and a not in registry and b in registry:
                cand = (tier_rank(tier), score, b, key)
                strong[a] = strong.get(a, 0) + 1
                confirmed[a] = confirmed.get(a, 0) + (tier == "confirmed")
                if a not in best or cand[:2] > best[a][:2]:
                    best[a] = cand
        # exactly one registry company, as the module says: namesakes (two registered companies with the payee's
        # name) are never picked between by score — the loader links such a name to each (MAY_BE, issue 20);
        # an investigator's confirmation of exactly one of them decides
        desired = {a: (b, key) for a, (_, _, b, key) in best.items()
                   if strong[a] == 1 or confirmed[a] == 1}
        links = apply_link_judgements(store, "SAME_COMPANY", pd.DataFrame(rows))
    else:
        links = pd.DataFrame()
    # put back what the links no longer support, then route what they do
    routed = _payments(store, "WHERE p.routed_from IS NOT NULL")
    if len(routed):
        want = [desired.get(str(f)) for f in routed["routed_from"]]
        wrong = np.array([w is None or (w[0], w[1]) != (str(d), str(r)) for w, d, r in
                          zip(want, routed["dst"], routed["route"], strict=True)], dtype=bool)
        back = routed[wrong].reset_index(drop=True)
        summary.restored_payments = _move(store, back, [str(x) for x in back["routed_from"]], [None] * len(back),
                                          [None] * len(back))
    pending = _payments(store, "WHERE p.routed_from IS NULL", {"keys": sorted(desired)}, unwind=True) \
        if desired else pd.DataFrame()
    if len(pending):
        targets = [desired[str(d)] for d in pending["dst"]]
        summary.routed_payments = _move(store, pending, [t[0] for t in targets], [str(d) for d in pending["dst"]],
                                        [t[1] for t in targets])
    if len(links):
        counts = _payments(store, "WHERE p.route IS NOT NULL")
        per_route = counts["route"].value_counts().to_dict() if len(counts) else {}
        links["payments_routed"] = [int(per_route.get(k, 0)) for k in links["key"]]
        store.upsert_edges("SAME_COMPANY", links)
        for t in TIERS:
            setattr(summary, t, int((links["tier"] == t).sum()))
    if summary.routed_payments or summary.restored_payments:
        from guanlian.loaders.pipeline import rebuild_paid  # PAID is derived from PAYMENT; loaders own it

        rebuild_paid(store)
    summary.routes = {a: b for a, (b, _) in desired.items()}
    summary.seconds = time.perf_counter() - t0
    return summary


FEW_KEYS = 4
"""Up to this many keys are read with one ``key = $k`` query each: LadybugDB answers it from the primary-key
index, while ``UNWIND $keys … {key: k}`` joins against a scan of the whole node table (tens to hundreds of ms
at 1M rows for a single key)."""


def routed_name_sources(store: Store, keys: Iterable[str] | None = None) -> dict[str, list[str]]:
    """The names ledgers wrote for companies whose payments the company matcher routed to them: a payee written
    ``吉安鑫盛建材有限公司`` without a code and routed to the registry's ``吉安市鑫盛建材有限公司`` is one of its
    name forms (a company alias), cited by the payment rows that wrote it.

    Args:
        store: an open store.
        keys: only these companies (default every company payments were routed to).

    Returns:
        ``{company key: ["<name>|<file>:<rows>", …]}`` in the form of ``name_sources``, sorted.

    Example:
        >>> import tempfile
        >>> from guanlian.graph import open_store
        >>> routed_name_sources(open_store(tempfile.mkdtemp() + "/s"))
        {}
    """
    ret = "RETURN c.key AS key, p.payee_name AS name, p.src_file AS f, p.src_row AS r"
    where = "WHERE p.routed_from IS NOT NULL AND p.payee_name IS NOT NULL"
    if keys is None:
        frames = [store.query(f"MATCH (:Unit)-[p:PAYMENT]->(c:Company) {where} {ret}")]
    else:
        wanted = sorted(set(keys))
        if len(wanted) <= FEW_KEYS:  # the workbench's entity page: one company, read by its key index
            frames = [store.query(f"MATCH (:Unit)-[p:PAYMENT]->(c:Company) {where} AND c.key = $k {ret}", {"k": k})
                      for k in wanted]
        else:
            frames = [store.query(f"UNWIND $keys AS k MATCH (:Unit)-[p:PAYMENT]->(c:Company {{key: k}}) {where} "
                                  f"{ret}", {"keys": wanted[i:i + 5000]}) for i in range(0, len(wanted), 5000)]
    rows: dict[str, dict[str, list[tuple[str, int]]]] = {}
    for df in frames:
        for k, n, f, r in zip(df["key"], df["name"], df["f"], df["r"], strict=True) if len(df) else ():
            if f is not None and r is not None and r == r:
                rows.setdefault(str(k), {}).setdefault(str(n), []).append((str(f), int(r)))
    return {k: sorted(f"{n}|{src}" for n, recs in per.items() for src in encode_sources(recs))
            for k, per in rows.items()}


def name_sources_of(store: Store, kind: str, keys: Iterable[str] | None = None,
                    *, several: bool = False) -> dict[str, list[str]]:
    """Every name form of persons, companies or units with where it came from: the node's ``name_sources``
    (records merged by ID or credit code) and, for a company, :func:`routed_name_sources`.

    Args:
        store: an open store.
        kind: ``Person``, ``Company`` or ``Unit``.
        keys: only these nodes (default all).
        several: only nodes with more than one form as shown (:func:`guanlian.values.names.shown_forms`).

    Returns:
        ``{node key: ["<name>|<file>:<rows>", …]}``.

    Example:
        >>> import tempfile
        >>> from guanlian.graph import open_store
        >>> name_sources_of(open_store(tempfile.mkdtemp() + "/s"), "Company")
        {}
    """
    node = model().node(kind)
    node.prop(NAME_SOURCES)
    ret = f"RETURN n.key AS key, n.{NAME_SOURCES} AS ns"
    if keys is None:
        frames = [store.query(f"MATCH (n:{node.name}) WHERE size(n.{NAME_SOURCES}) > 1 {ret}" if several
                              else f"MATCH (n:{node.name}) {ret}")]
    else:
        wanted = sorted(set(keys))
        if len(wanted) <= FEW_KEYS:
            frames = [store.query(f"MATCH (n:{node.name}) WHERE n.key = $k {ret}", {"k": k}) for k in wanted]
        else:
            frames = [store.query(f"UNWIND $keys AS k MATCH (n:{node.name} {{key: k}}) {ret}",
                                  {"keys": wanted[i:i + 5000]}) for i in range(0, len(wanted), 5000)]
    out: dict[str, list[str]] = {}
    for df in frames:
        for k, ns in zip(df["key"], df["ns"], strict=True) if len(df) else ():
            if ns is not None and not isinstance(ns, float) and len(ns):  # NULL comes back as NaN from one row
                out[str(k)] = [str(x) for x in ns]
    if kind == "Company":
        for k, extra in routed_name_sources(store, keys).items():
            out[k] = sorted({*out.get(k, []), *extra})
    if several:
        out = {k: v for k, v in out.items() if len(shown_forms(v)) > 1}
    return out


def find_organisations(store: Store, name: str, limit: int = 20, config: CompanyConfig | None = None) -> pd.DataFrame:
    """Companies and units in the store that may be the organisation ``name`` (``guanlian find``).

    Variants find each other: legal form (有限公司/有限责任公司), region prefixes written or not, brackets, width,
    traditional script; a close name (one character off) is listed as ``possible``.

    Args:
        store: an open store.
        name: the organisation's name as typed.
        limit: at most this many rows.
        config: thresholds.

    Returns:
        Columns ``key``, ``kind`` (Company or Unit), ``name``, ``credit_code``, ``score``, ``tier``,
        ``explanation_zh``, ``explanation_en``, ``aliases`` (every name form with its sources when there are
        several: records merged by credit code, payee names routed to the company; ``""`` otherwise); strongest
        first. An organisation is found under any of its name forms (scored on the closest).
    """
    cfg = config or CompanyConfig()
    cols = ["key", "kind", "name", "credit_code", "score", "tier", "explanation_zh", "explanation_en", "aliases"]
    comp = _read_companies(store)
    comp["kind"] = "Company"
    units = store.query("MATCH (u:Unit) RETURN u.key AS key, u.name AS name")
    units["kind"] = "Unit"
    forms = {**name_sources_of(store, "Unit", several=True), **name_sources_of(store, "Company", several=True)}
    named = pd.concat([comp, units], ignore_index=True)
    # one more row per other name form, same key and other fields: the organisation is found under any form
    own = dict(zip(named["key"].astype(str), named["name"], strict=True))
    at = {k: i for i, k in enumerate(named["key"].astype(str))}
    other = [(k, n) for k, ns in forms.items() for n in shown_forms(ns)
             if k in at and "".join(n.split()) != "".join(str(own.get(k) or "").split())]
    alias_rows = named.iloc[[at[k] for k, _ in other]].copy()
    alias_rows["name"] = [n for _, n in other]
    everyone = pd.concat([named, alias_rows], ignore_index=True)
    if everyone.empty or not parse_company_name(name).norm:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    feats = prepare_companies(everyone)
    query = prepare_companies(pd.DataFrame({"name": [name]}))
    li, ri = company_candidate_pairs(query, feats, cfg)
    # also close cores that share no blocking key (a typo in the trade name)
    core = str(query.loc[0, "core"])
    near = process.extract(core, feats["core"].tolist(), scorer=Indel.normalized_similarity, limit=50,
                           score_cutoff=0.6)
    extra = sorted({int(j) for _, _, j in near} - set(ri.tolist()))
    ri = np.concatenate([ri, np.array(extra, dtype=np.int64)])
    li = np.zeros(len(ri), dtype=np.int64)
    sc = score_company_pairs(query, feats, li, ri, cfg)
    ok = np.flatnonzero((sc.tier != "") | (sc.score >= cfg.possible_threshold - 4))
    if not len(ok):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    texts = [sc.explanation(int(k)) for k in ok]
    via = [str(everyone["name"].iat[int(i)]) if int(i) >= len(named) else "" for i in sc.ri[ok]]
    texts = [(f"{zh}；按该组织的另一名称写法“{v}”（别名）", f"{en}; under another written form of its name, {v} (alias)")
             if v else (zh, en) for (zh, en), v in zip(texts, via, strict=True)]
    rows = everyone.iloc[sc.ri[ok]]
    out = pd.DataFrame({
        "key": rows["key"].to_numpy(), "kind": rows["kind"].to_numpy(),
        "name": [own.get(str(k), n) for k, n in zip(rows["key"], rows["name"], strict=True)],
        "credit_code": rows["credit_code"].to_numpy(), "score": sc.score[ok], "tier": sc.tier[ok],
        "explanation_zh": [t[0] for t in texts], "explanation_en": [t[1] for t in texts],
    })
    out["_r"] = [tier_rank(t) if t else -1 for t in out["tier"]]
    # at equal tier and score a registered company (credit code) before a name known only from a ledger, then
    # by key: the order does not depend on how the engine happens to hand the companies over
    out["_c"] = [bool(c) and isinstance(c, str) for c in out["credit_code"]]
    out = out.sort_values(["_r", "score", "_c", "key"], ascending=[False, False, False, True],
                          kind="stable").drop(columns=["_r", "_c"])
    out = out.drop_duplicates("key", keep="first")  # an organisation once, under its closest form
    out["aliases"] = [aliases_text(forms.get(str(k))) for k in out["key"]]
    return out.head(limit).reset_index(drop=True)
