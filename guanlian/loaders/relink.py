"""Resolve payees named without a credit code again after every load, the same way whatever the load order.

A payment names its payee company by name; the ``PAYMENT`` edge keeps that name (``payee_name``) when the row
carried no valid code. After each load this step decides, for every such payment, which company was paid, from
what the store now holds — the same rule the loader applies when the registry comes in the same call:

* exactly one registered company (valid credit code) has the payee's normalised legal name → that company;
* several have it (namesakes) → the payment's own account decides when that account was used in a payment
  to exactly one of them identified by its code; otherwise the payee stays ``cname:<name>`` (what the ledger
  said) and gets a ``MAY_BE`` link to every candidate, at the tier its evidence supports: the payment dates
  weigh them — a candidate not yet founded, or already deregistered/revoked, on every payment date is ruled out
  (``possible``, explained "付款日已注销" / "付款日尚未成立"), the candidates in business on a payment date are then
  ``probable``; when the dates rule out none (or all), every candidate is ``possible``. The ambiguity is named
  ("收款单位名称对应2家登记企业"), never a silent pick;
* none → ``cname:<name>``.

A payment whose company changes is moved with the key a reload of its row would give (so reloading stays
idempotent); the payees' ``HAS_ACCOUNT`` edges are rebuilt from their payments; a ``cname:`` node is rebuilt from
the payments that still name it (so its provenance lists exactly those rows) and deleted when nothing refers to it
any more. ``MAY_BE`` links are derived: rebuilt after every load for every ``cname:`` company (payee or registry
table without codes) whose name several registered companies share. A ``cname:`` company that registry tables
without codes named (officers, shareholders, changes loaded before the registry) is re-keyed onto the one registered
company of its name, with the people keyed by it and their edges (:func:`_rekey_registry_names`); the reverse, when
a namesake registers later, re-opens exactly the records that named a registered company without a code (its
``by_name`` list) and moves them back to ``cname:<name>`` (:func:`_reopen_registry_names`). Because every decision is
a function of the store's content, loading the ledgers before, after or together with the registry, and the
namesakes in any order, gives the same graph.

The step is idempotent and safe to interrupt: edges are upserted by key before the old ones are deleted, so a
rerun finds what is left and finishes it. PAID totals are rebuilt afterwards by the loader.

Example:
    >>> from guanlian.graph import open_store
    >>> import tempfile
    >>> relink_payees(open_store(tempfile.mkdtemp() + "/s"))
    Relinked(companies=0, payments=0, accounts=0, ambiguous=0, kept=0, reopened=0)
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from guanlian.graph.frames import (
    PROVENANCE_COLUMNS,
    decode_sources,
    edge_columns,
    encode_sources,
    node_columns,
    prepare_nodes,
)
from guanlian.graph.store import Store
from guanlian.loaders.common import contact_edge_keys, normalize_account
from guanlian.loaders.payments import payment_content, payment_keys
from guanlian.loaders.spec import stable_keys
from guanlian.matching.normalize import normalize_company_name, normalize_company_names
from guanlian.model import BY_NAME, NAME_SOURCES, NAMES, model, tier_rank

LEDGER_EDGES = ("PAYMENT", "HAS_ACCOUNT", "PAID", "MAY_BE", "SAME_COMPANY")
"""Edge kinds a ledger gives a payee company (PAID and MAY_BE are derived from them; SAME_COMPANY by ``match``)."""

Record = tuple[str, int]
"""A source record: (file, row)."""

DEAD = ("注销", "吊销")
"""Registry statuses of a company that no longer exists."""


@dataclass(frozen=True)
class Relinked:
    """What :func:`relink_payees` did.

    ``companies``: name-only payee nodes removed (their payments now reach a registered company);
    ``payments``: payments moved to another company; ``accounts``: payee account links rebuilt;
    ``ambiguous``: names shared by several registered companies (linked to each with ``MAY_BE``);
    ``kept``: ``cname:`` companies whose name has one registered twin left after the step (none once registry
    tables' name-only companies are re-keyed; ``companies`` counts those too); ``reopened``: registered companies
    whose name-only records went back to ``cname:`` because a namesake registered since.
    """

    companies: int
    payments: int
    accounts: int
    ambiguous: int
    kept: int
    reopened: int = 0


def _candidates(store: Store) -> tuple[dict[str, list[str]], pd.DataFrame]:
    """Normalised name → keys of registered companies (sorted), and those companies' dates and statuses."""
    coded = store.query("MATCH (c:Company) WHERE c.credit_code IS NOT NULL "
                        "RETURN c.key AS key, c.name_norm AS n, c.established AS established, "
                        "c.established_day AS established_day, c.status AS status, c.status_on_day AS status_on_day, "
                        "c.credit_code AS code")
    per_name: dict[str, list[str]] = {}
    for k, n in zip(coded["key"], coded["n"], strict=True):
        per_name.setdefault(str(n), []).append(str(k))
    return {n: sorted(ks) for n, ks in per_name.items()}, coded.set_index("key")


def _payments(store: Store, where: str, params: dict[str, object] | None = None) -> pd.DataFrame:
    ek = model().edge("PAYMENT")
    cols = ", ".join(f"e.{c} AS {c}" for c in edge_columns(ek))
    return store.query(f"MATCH (u:Unit)-[e:PAYMENT]->(c:Company) {where} RETURN u.key AS other, c.key AS company, {cols}",
                       params or {})


def _account_owners(store: Store) -> dict[str, set[str]]:
    """Account number → registered companies paid on it in a row that gave their code (evidence that decides)."""
    df = _payments(store, "WHERE e.payee_name IS NULL AND e.to_account IS NOT NULL AND c.credit_code IS NOT NULL")
    out: dict[str, set[str]] = {}
    for acct, comp in zip(df["to_account"], df["company"], strict=True):
        number = normalize_account(str(acct))
        if number:
            out.setdefault(number, set()).add(str(comp))
    return out


def _payment_keys(moved: pd.DataFrame, existing: pd.DataFrame) -> pd.Series:
    """Keys a reload would give ``moved`` payments (now paid to ``target``), as the payments loader does.

    The loader numbers identical rows of a file (same payer, payee, amount, date, voucher, contract) in row
    order; payments already paid to the target from the same file take the first numbers.
    """
    def content(df: pd.DataFrame) -> pd.DataFrame:
        found = payment_content(df["other"], df["target"], df["amount"], df["paid_on"], df["voucher"], df["contract"])
        return found.assign(f=df["src_file"].astype(object))

    group = ["f", "u", "p", "a", "d", "v", "c"]
    mine = content(moved).assign(row=pd.to_numeric(moved["src_row"]))
    before = content(existing).groupby(group, sort=False).size() if len(existing) else pd.Series(dtype="int64")
    mine = mine.sort_values("row", kind="stable")
    occurrence = mine.groupby(group, sort=False).cumcount()
    if len(before):
        offset = pd.Series([before.get(tuple(r), 0) for r in mine[group].itertuples(index=False, name=None)],
                           index=mine.index)
        occurrence = occurrence + offset
    return payment_keys(mine, occurrence).reindex(moved.index)


def _targets(pay: pd.DataFrame, per_name: dict[str, list[str]], owners: dict[str, set[str]]) -> pd.Series:
    """The company each by-name payment goes to now (see the module docstring). Each distinct payee name is
    normalised once, in one batch (at 1M rows 320,536 payments name 72,520 payees; one call per payment took
    4.0 s of the month's load); only payments whose name fits several registered companies are decided row by
    row, by their account."""
    codes, uniques = pd.factorize(pay["payee_name"].to_numpy(dtype=object), use_na_sentinel=False)
    norms = normalize_company_names([str(u) for u in uniques])
    found = [per_name.get(n, []) for n in norms]
    per_unique = np.array([f[0] if len(f) == 1 else "cname:" + n for f, n in zip(found, norms, strict=True)],
                          dtype=object)
    out = per_unique[codes]
    several = np.array([len(f) > 1 for f in found], dtype=bool)
    accounts = pay["to_account"].to_numpy(dtype=object)
    for i in np.flatnonzero(several[codes]):
        acct = accounts[i]
        if isinstance(acct, str):
            decided = owners.get(normalize_account(acct), set()) & set(found[codes[i]])
            if len(decided) == 1:
                out[i] = next(iter(decided))
    return pd.Series(out, index=pay.index, dtype=object)


def _move_payments(store: Store, pay: pd.DataFrame) -> None:
    """Upsert the payments of ``pay`` (with column ``target``) under their new keys, then delete the old edges."""
    targets = sorted(set(pay["target"]))
    same_file = _payments(store, "WHERE c.key IN $keys", {"keys": targets}) if targets else pay.iloc[:0]
    same_file = same_file[same_file["src_file"].isin(set(pay["src_file"]))].assign(target=lambda d: d["company"])
    frame = pay.drop(columns=["company", "other", "target"]).assign(
        src=pay["other"], dst=pay["target"], src_kind="Unit", dst_kind="Company", key=_payment_keys(pay, same_file))
    # the moved edge is what a reload would write: its provenance is the row's own, not merged with the old key's
    store.upsert_edges("PAYMENT", frame)
    old = sorted(set(pay["key"]) - set(frame["key"]))
    if old:
        store.execute("UNWIND $keys AS k MATCH ()-[e:PAYMENT {key: k}]->() DELETE e", {"keys": old})


def _rebuild_cname_nodes(store: Store, names: list[str]) -> None:
    """Rebuild the ``cname:`` payee nodes of ``names`` from the payments that name them now.

    A node known only from ledgers gets exactly what those payments say (its provenance lists their rows and no
    row whose payment moved away); a node a registry table also names is merged with it instead.
    """
    if not names:
        return
    pay = _payments(store, "WHERE c.key IN $keys AND e.payee_name IS NOT NULL", {"keys": names})
    if pay.empty:
        return
    rows = pd.DataFrame({"key": pay["company"], "name": pay["payee_name"],
                         "name_norm": pay["company"].str.slice(len("cname:")), "credit_code_status": "missing",
                         **{c: pay[c] for c in PROVENANCE_COLUMNS}})
    store.upsert_nodes("Company", rows)
    shared = _touched_by_registry(store, sorted(set(rows["key"])))
    _drop_moved_ledger_rows(store, sorted(shared))
    ledger_only = set(rows["key"]) - shared
    fresh = prepare_nodes(model().node("Company"), rows[rows["key"].isin(ledger_only)])
    if fresh.empty:
        return
    cols = ["name", NAMES, NAME_SOURCES, "name_norm", "credit_code_status", *PROVENANCE_COLUMNS]
    records = [{"key": k, **{c: _param(v) for c, v in zip(cols, vals, strict=True)}}
               for k, vals in zip(fresh["key"].tolist(), fresh[cols].itertuples(index=False, name=None), strict=True)]
    sets = ", ".join(f"c.{c} = r.{c}" for c in cols)
    store.execute(f"UNWIND $rows AS r MATCH (c:Company {{key: r.key}}) SET {sets}", {"rows": records})


def _drop_moved_ledger_rows(store: Store, keys: list[str]) -> None:
    """Take out of the ``cname:`` companies ``keys`` (which registry tables also name) the ledger rows naming them
    whose payments now go to another company: as if those rows had been resolved before they were written."""
    if not keys:
        return
    pay = store.query("MATCH (:Unit)-[e:PAYMENT]->(c:Company) WHERE e.payee_name IS NOT NULL "
                      "RETURN e.payee_name AS n, c.key AS k, e.src_file AS f, e.src_row AS r, e.src_rank AS rank")
    away: dict[str, set[Record]] = {}
    ranks: dict[Record, str] = {}
    for n, k, f, r, rank in zip(pay["n"], pay["k"], pay["f"], pay["r"], pay["rank"], strict=True):
        if not isinstance(f, str) or _int(r) is None:
            continue
        rec = (f, int(str(r)))
        if isinstance(rank, str):
            ranks[rec] = rank
        named = "cname:" + normalize_company_name(str(n))
        if named != k:
            away.setdefault(named, set()).add(rec)
    wanted = [k for k in keys if k in away]
    if not wanted:
        return
    cols = ["key", "sources", "src_file", "src_row", "src_rank", NAME_SOURCES]
    nodes = store.query("UNWIND $keys AS k MATCH (c:Company {key: k}) RETURN "
                        + ", ".join(f"c.{c} AS {c}" for c in cols), {"keys": wanted})
    trimmed = []
    for row in _rows(nodes):
        if isinstance(row["src_file"], str) and isinstance(row["src_rank"], str) and _int(row["src_row"]) is not None:
            ranks.setdefault((row["src_file"], int(str(row["src_row"]))), row["src_rank"])
        recs = decode_sources(_strings(row["sources"]))
        rest = [rec for rec in recs if rec not in away[str(row["key"])]]
        if rest and len(rest) < len(recs):
            trimmed.append({"key": row["key"], **_part(row, rest, ranks)})
    _trim(store, "Company", False, trimmed)


def _param(v: object) -> object:
    if isinstance(v, (list, tuple)):
        return [str(x) for x in v]
    if v is None or v is pd.NA or (isinstance(v, float) and v != v):
        return None
    item = getattr(v, "item", None)
    return item() if callable(item) else v


def _touched_by_registry(store: Store, keys: list[str]) -> set[str]:
    """Which of the companies ``keys`` have edges other than those a ledger gives (registry tables without codes)."""
    out: set[str] = set()
    for ek in model().edges:
        if ek.name in LEDGER_EDGES or not any("Company" in ends for ends in ek.endpoints):
            continue
        df = store.query(f"UNWIND $keys AS k MATCH (c:Company {{key: k}})-[:{ek.name}]-() RETURN DISTINCT c.key AS key",
                         {"keys": keys})
        out.update(str(k) for k in df["key"])
    return out


def _rebuild_accounts(store: Store, companies: list[str]) -> int:
    """Replace the ``HAS_ACCOUNT`` edges of payee ``companies`` by those their payments give (accounts of a
    company come only from ledger rows naming it). Returns the number of edges written."""
    if not companies:
        return 0
    store.execute("UNWIND $keys AS k MATCH (c:Company {key: k})-[e:HAS_ACCOUNT]->() DELETE e", {"keys": companies})
    pay = _payments(store, "WHERE c.key IN $keys AND e.to_account IS NOT NULL AND e.routed_from IS NULL",
                    {"keys": companies})
    if pay.empty:
        return 0
    number = pay["to_account"].map(lambda a: normalize_account(str(a)))
    pay = pay[number != ""].assign(acct="acct:" + number[number != ""])
    if pay.empty:
        return 0
    store.upsert_nodes("Account", pd.DataFrame({"key": pay["acct"], "number": pay["acct"].str.slice(5),
                                                **{c: pay[c] for c in PROVENANCE_COLUMNS}}))
    frame = pd.DataFrame({"src": pay["company"], "dst": pay["acct"], "src_kind": "Company", "dst_kind": "Account",
                          "key": contact_edge_keys("HAS_ACCOUNT", pay["company"], pay["acct"]),
                          **{c: pay[c] for c in PROVENANCE_COLUMNS}})
    return store.upsert_edges("HAS_ACCOUNT", frame)


def _drop_orphans(store: Store) -> int:
    """Delete ``cname:`` companies nothing refers to any more; returns how many."""
    df = store.query("MATCH (c:Company) WHERE c.key STARTS WITH 'cname:' AND NOT EXISTS { MATCH (c)-[]-() } "
                     "RETURN c.key AS k")
    if df.empty:
        return 0
    store.execute("UNWIND $keys AS k MATCH (c:Company {key: k}) DELETE c", {"keys": df["k"].tolist()})
    return len(df)


def _out_of_business(est: int | None, dead: str | None, gone: int | None, day: int) -> str | None:
    """Why a company was not in business on ``day`` (``founded``/``dead``), None when it was or when unknown.

    A company is out of business on a day before its founding date or after its deregistration/revocation date
    (``status_on``); a date the registry does not give rules nothing out.

    >>> _out_of_business(100, None, None, 99), _out_of_business(100, "注销", 150, 151), _out_of_business(100, "注销", None, 500)
    ('founded', 'dead', None)
    """
    if est is not None and est > day:
        return "founded"
    if dead is not None and gone is not None and gone < day:
        return "dead"
    return None


def _dead_word(status: object) -> str | None:
    """``吊销`` or ``注销`` when a registry status says the company no longer exists, else None."""
    if not isinstance(status, str):
        return None
    return next((w for w in ("吊销", "注销") if w in status), None)


def _tiers(store: Store, name_key: str, cands: list[str], coded: pd.DataFrame) -> list[tuple[str, str, str]]:
    """(candidate, tier, reason_zh|reason_en) for the ``MAY_BE`` links of one ``cname:`` company.

    Dates weigh the candidates: one that was out of business (not yet founded, or already deregistered or
    revoked) on the date of every payment to the name is ruled out by the dates and stays ``possible``; the
    candidates in business on at least one payment date are raised to ``probable`` when the dates rule some other
    candidate out (the only one left says so). When the dates rule out none or all, nothing decides and every
    candidate is ``possible``. Unknown dates rule nothing out.
    """
    days = store.query("MATCH (:Unit)-[e:PAYMENT]->(c:Company {key: $k}) WHERE e.paid_on_day IS NOT NULL "
                       "RETURN DISTINCT e.paid_on_day AS d", {"k": name_key})
    paid = sorted({d for d in (_int(v) for v in days["d"]) if d is not None})
    why_out: dict[str, set[str]] = {}
    for c in cands:
        row = coded.loc[c] if c in coded.index else None
        est = _int(row["established_day"]) if row is not None else None
        dead = _dead_word(row["status"]) if row is not None else None
        gone = _int(row["status_on_day"]) if row is not None else None
        reasons = [_out_of_business(est, dead, gone, d) for d in paid]
        if paid and all(r is not None for r in reasons):
            why_out[c] = {str(r) for r in reasons}
    ruled_in = [c for c in cands if c not in why_out]
    decided = bool(why_out) and bool(ruled_in)
    out = []
    for c in cands:
        row = coded.loc[c] if c in coded.index else None
        dead = _dead_word(row["status"]) if row is not None else None
        if c in why_out:
            zh, en = [], []
            if "founded" in why_out[c]:
                zh.append("付款日尚未成立")
                en.append("not yet founded on the payment date")
            if "dead" in why_out[c]:
                zh.append(f"付款日已{dead}")
                en.append("already " + ("revoked" if dead == "吊销" else "deregistered") + " on the payment date")
            tier, why_zh, why_en = "possible", "、".join(zh), ", ".join(en)
        elif decided and len(ruled_in) == 1:
            tier, why_zh, why_en = "probable", "唯一在付款日在营的同名企业", "the only namesake in business on the payment date"
        elif decided:
            tier, why_zh, why_en = "probable", "付款日在营（另有同名企业付款日不在营）", \
                "in business on the payment date (another namesake was not)"
        else:
            tier, why_zh, why_en = "possible", "无代码或账号可区分", "no code or account decides"
        status = row["status"] if row is not None else None
        if dead is not None and c not in why_out:
            why_zh += f"；登记状态{status}"
            why_en += f"; registry status {status}"
        out.append((c, tier, why_zh + "|" + why_en))
    return out


def _int(v: object) -> int | None:
    """An integer from a query cell, None for a missing value."""
    if v is None or v is pd.NA or (isinstance(v, float) and v != v):
        return None
    return int(str(v)) if not isinstance(v, (int, float)) else int(v)


def _rebuild_may_be(store: Store, per_name: dict[str, list[str]], coded: pd.DataFrame) -> int:
    """Rebuild every ``MAY_BE`` link; returns the number of ambiguous names linked."""
    store.delete_edges("MAY_BE")
    named = store.query("MATCH (c:Company) WHERE c.key STARTS WITH 'cname:' RETURN c.key AS key, c.name_norm AS n, "
                        "c.src_file AS src_file, c.src_row AS src_row, c.src_rank AS src_rank, c.load_id AS load_id, "
                        "c.sources AS sources")
    rows = []
    ambiguous = 0
    for key, n, f, r, rank, lid, srcs in named.itertuples(index=False, name=None):
        cands = per_name.get(str(n), [])
        if len(cands) < 2:
            continue
        ambiguous += 1
        for cand, tier, why in _tiers(store, str(key), cands, coded):
            zh, en = why.split("|")
            code = str(coded.at[cand, "code"]) if cand in coded.index else ""
            rows.append({"src": key, "dst": cand, "src_kind": "Company", "dst_kind": "Company",
                         "key": f"may_be:{key}|{cand}", "candidates": len(cands), "tier": tier,
                         "tier_rank": tier_rank(tier),
                         "explanation_zh": f"收款单位名称对应{len(cands)}家登记企业；代码{code}：{zh}",
                         "explanation_en": f"the payee's name matches {len(cands)} registered companies; code {code}: {en}",
                         "src_file": f, "src_row": r, "src_rank": rank, "load_id": lid, "sources": srcs})
    if rows:
        store.upsert_edges("MAY_BE", pd.DataFrame(rows))
    return ambiguous


REKEYED_EDGES = ("OFFICER_OF", "SHAREHOLDER_OF", "LEGAL_REP_OF", "CHANGE", "HAS_PHONE", "HAS_ADDRESS", "HAS_EMAIL",
                 "RELATIVE_OF", "SERVES_IN")
"""Edge kinds a registry table (or anything else keyed by a company) gives: moved when their company is re-keyed.
Ledger edges are re-decided by the payee rule above; derived and matcher edges are rebuilt."""


def _edge_key(kind: str, old: str, keymap: dict[str, str], props: Mapping[Hashable, object], src: str,
              dst: str) -> str:
    """The key a load would give an edge of ``kind`` between the re-keyed ``src`` and ``dst`` (old key ``old``).

    CHANGE keys are hashes of their content (recomputed as the changes loader does); the other kinds join their
    endpoint keys with ``|`` after a ``prefix:``, so each part that names a re-keyed item is replaced.
    """
    if kind == "CHANGE":
        def key(*parts: object) -> str:
            return str(stable_keys("chg", *(pd.Series([p]) for p in parts)).iloc[0])
        if props.get("action") == "changed":
            return key(dst, props.get("item"), props.get("before"), props.get("after"), props.get("changed_on"))
        return key(dst, src, props.get("action"), props.get("item"), props.get("changed_on"))
    prefix, _, rest = old.partition(":")
    return prefix + ":" + "|".join(keymap.get(part, part) for part in rest.split("|"))


def _without_ledger_rows(store: Store, rows: pd.DataFrame) -> pd.DataFrame:
    """``cname:`` company rows without what the ledger rows naming them gave (their sources and name forms).

    A payment naming a registered company by name adds nothing to that company's node when the registry is
    loaded with it; the payments themselves move by the payee rule. So the node a registry table's name-only rows
    built keeps only those rows' provenance and spellings when it is merged into the registered company.
    """
    pay = store.query("MATCH ()-[e:PAYMENT]->() WHERE e.payee_name IS NOT NULL "
                      "RETURN e.payee_name AS n, e.src_file AS f, e.src_row AS r")
    ledger: dict[str, set[tuple[str, int]]] = {}
    for n, f, r in zip(pay["n"], pay["f"], pay["r"], strict=True):
        if isinstance(f, str) and _int(r) is not None:
            ledger.setdefault("cname:" + normalize_company_name(str(n)), set()).add((f, int(str(r))))
    cols = ["sources", "src_file", "src_row", "src_rank", NAME_SOURCES, NAMES, "name"]
    values: dict[str, list[object]] = {c: rows[c].tolist() for c in cols}
    for i, key in enumerate(rows["key"].tolist()):
        drop = ledger.get(str(key), set())
        if not drop:
            continue
        kept = [rec for rec in decode_sources(_strings(values["sources"][i])) if rec not in drop]
        forms: dict[str, list[tuple[str, int]]] = {}
        for entry in _strings(values[NAME_SOURCES][i]):
            name, _, where = entry.partition("|")
            left = [rec for rec in decode_sources([where]) if rec not in drop]
            if left:
                forms.setdefault(name, []).extend(left)
        if not kept:
            continue
        values["sources"][i] = encode_sources(kept)
        if (values["src_file"][i], _int(values["src_row"][i])) in drop:  # the cited record was a ledger row
            values["src_file"][i], values["src_row"][i] = min(kept)
            values["src_rank"][i] = None  # unknown for the rest: the registered company's own record is cited
        if forms:
            values[NAME_SOURCES][i] = sorted(f"{n}|{e}" for n, recs in forms.items() for e in encode_sources(recs))
            values[NAMES][i] = sorted(forms)
            values["name"][i] = min(forms)
    return rows.assign(**{c: pd.Series(v, index=rows.index, dtype=object) for c, v in values.items()})


def _strings(v: object) -> list[str]:
    """A list cell as strings (a list, tuple or array from either engine; [] for a missing value)."""
    if isinstance(v, (list, tuple)):
        return [str(x) for x in v]
    tolist = getattr(v, "tolist", None)
    return [str(x) for x in tolist()] if callable(tolist) else []


def _rekey_registry_names(store: Store, per_name: dict[str, list[str]]) -> int:
    """Re-key ``cname:`` companies that registry tables without codes named, once exactly one registered company
    has the name: onto that company, as a load of the same rows together with the registry would have keyed them.

    Persons keyed by such a company (``anon:<hash(company key, name)>``: officers, shareholders, people of change
    records without an ID) get the key of the registered company; their edges and the company's move with new
    keys; each moved node or edge is merged into what the store already holds under the new key (the merge rules);
    the ``cname:`` node and the old persons are deleted. A name several registered companies share stays
    ``cname:`` (``MAY_BE`` links name the candidates). Returns the number of companies re-keyed.
    """
    named = store.query("MATCH (c:Company) WHERE c.key STARTS WITH 'cname:' RETURN c.key AS key, c.name_norm AS n")
    targets = {str(k): per_name[str(n)][0] for k, n in zip(named["key"], named["n"], strict=True)
               if len(per_name.get(str(n), [])) == 1}
    targets = {k: t for k, t in targets.items() if k in _touched_by_registry(store, sorted(targets))}
    if not targets:
        return 0
    m = model()
    keymap = dict(targets)
    old_companies = sorted(targets)
    for pk, (new, _ck) in _people_keyed_by(store, targets).items():
        keymap[pk] = new
    old_people = sorted(k for k in keymap if k.startswith("anon:"))
    for kind, olds in (("Company", old_companies), ("Person", old_people)):
        if not olds:
            continue
        cols = node_columns(m.node(kind))
        rows = store.query(f"UNWIND $keys AS k MATCH (n:{kind} {{key: k}}) RETURN "
                           + ", ".join(f"n.{c} AS {c}" for c in cols), {"keys": olds})
        if kind == "Company":  # a name-only row says nothing about the registered company's code
            rows = _without_ledger_rows(store, rows.assign(credit_code_status=None))
            rows = rows.assign(**{BY_NAME: rows["sources"]})  # resolved by name: a later namesake re-opens them
        store.upsert_nodes(kind, rows.assign(key=rows["key"].map(keymap)))
    olds = sorted(keymap)
    for ek in m.edges:
        if ek.name not in REKEYED_EDGES:
            continue
        cols = edge_columns(ek)
        ret = ", ".join(f"e.{c} AS {c}" for c in cols)
        for a, b in ek.endpoints:
            found = store.query(f"MATCH (a:{a})-[e:{ek.name}]->(b:{b}) WHERE a.key IN $keys OR b.key IN $keys "
                                f"RETURN a.key AS src, b.key AS dst, {ret}", {"keys": olds})
            if found.empty:
                continue
            src = found["src"].map(lambda k: keymap.get(str(k), str(k)))
            dst = found["dst"].map(lambda k: keymap.get(str(k), str(k)))
            records = found[cols].to_dict("records")
            new_keys = [_edge_key(ek.name, str(r["key"]), keymap, r, s_, d_)
                        for r, s_, d_ in zip(records, src, dst, strict=True)]
            store.upsert_edges(ek.name, found[cols].assign(src=src, dst=dst, src_kind=a, dst_kind=b, key=new_keys))
            gone = sorted(set(found["key"].astype(str)) - set(new_keys))
            if gone:
                store.execute(f"UNWIND $keys AS k MATCH ()-[e:{ek.name} {{key: k}}]->() DELETE e", {"keys": gone})
    for kind, keys in (("Company", old_companies), ("Person", old_people)):
        if keys:
            store.execute(f"UNWIND $keys AS k MATCH (n:{kind} {{key: k}}) DETACH DELETE n", {"keys": keys})
    return len(targets)


def _cited(records: list[Record], ranks: Mapping[Record, str]) -> tuple[Record, str | None]:
    """The record the merge rule ``source`` cites among ``records`` (smallest known rank, then file and row)."""
    best = min(records, key=lambda r: (r not in ranks, ranks.get(r, ""), r[0], r[1]))
    return best, ranks.get(best)


def _rows(frame: pd.DataFrame) -> list[dict[str, object]]:
    """The rows of a query result as dicts keyed by column name."""
    return [{str(k): v for k, v in r.items()} for r in frame.to_dict("records")]


def _part(row: Mapping[str, object], records: list[Record], ranks: Mapping[Record, str]) -> dict[str, object]:
    """Provenance and name forms of an item narrowed to ``records`` (a non-empty subset of its sources)."""
    (f, r), rank = _cited(records, ranks)
    out: dict[str, object] = {"sources": encode_sources(records), "src_file": f, "src_row": r, "src_rank": rank}
    if NAME_SOURCES in row:
        keep = set(records)
        forms: dict[str, list[Record]] = {}
        for entry in _strings(row[NAME_SOURCES]):
            name, _, where = entry.partition("|")
            left = [rec for rec in decode_sources([where]) if rec in keep]
            if left:
                forms.setdefault(name, []).extend(left)
        if forms:
            out[NAME_SOURCES] = sorted(f"{n}|{e}" for n, recs in forms.items() for e in encode_sources(recs))
            out[NAMES] = sorted(forms)
            out["name"] = min(forms)
    return out


def _trim(store: Store, kind: str, is_edge: bool, rows: list[dict[str, object]]) -> None:
    """Overwrite provenance (and name forms) of items that keep some of their records (values as parameters)."""
    if not rows:
        return
    where = f"MATCH ()-[n:{kind}]->() WHERE n.key = r.key" if is_edge else f"MATCH (n:{kind} {{key: r.key}})"
    sets = ["sources", "src_file", "src_row"]
    for row in rows:
        if NAME_SOURCES in row:
            store.execute(f"UNWIND $rows AS r {where} SET n.{NAME_SOURCES} = r.ns, n.{NAMES} = r.names, "
                          "n.name = r.name", {"rows": [{"key": row["key"], "ns": row[NAME_SOURCES],
                                                        "names": row[NAMES], "name": row["name"]}]})
    store.execute(f"UNWIND $rows AS r {where} SET " + ", ".join(f"n.{c} = r.{c}" for c in sets),
                  {"rows": [{"key": row["key"], **{c: row[c] for c in sets}} for row in rows]})
    ranked = [{"key": row["key"], "rank": row["src_rank"]} for row in rows if row["src_rank"] is not None]
    if ranked:
        store.execute(f"UNWIND $rows AS r {where} SET n.src_rank = r.rank", {"rows": ranked})
    unranked = [row["key"] for row in rows if row["src_rank"] is None]
    if unranked:
        store.execute(f"UNWIND $rows AS r {where} SET n.src_rank = NULL",
                      {"rows": [{"key": k} for k in unranked]})


def _reopen_registry_names(store: Store, per_name: dict[str, list[str]]) -> int:
    """Undo name-only resolutions that a namesake registered since has made ambiguous (the reverse of
    :func:`_rekey_registry_names`).

    A registered company lists in ``by_name`` the records that named it without a code while it was the only
    registered company of its name. Once several registered companies share the name, exactly those records go
    back to ``cname:<name>``, as a load of all files in one call keys them: from the company (its provenance and the
    name forms those records gave), from the persons keyed by it (``anon:<hash(company, name)>`` becomes
    ``anon:<hash(cname:…, name)>``) and from the edges of both (keys recomputed as the loaders build them). An item
    all of whose records were name-only moves whole; one that records giving the code also name is split: each part
    keeps its own records, cited record and name forms; other values, which the store does not keep per record,
    are copied to both parts. Records that gave a code never move. Returns the number of companies re-opened.
    """
    df = store.query(f"MATCH (c:Company) WHERE c.{BY_NAME} IS NOT NULL AND c.credit_code IS NOT NULL "
                     f"RETURN c.key AS key, c.name_norm AS n, c.{BY_NAME} AS b")
    named: dict[str, set[Record]] = {}
    keymap: dict[str, str] = {}
    for k, n, b in zip(df["key"], df["n"], df["b"], strict=True):
        if len(per_name.get(str(n), [])) > 1 and _strings(b):
            named[str(k)] = set(decode_sources(_strings(b)))
            keymap[str(k)] = "cname:" + str(n)
    if not named:
        return 0
    m = model()
    companies = sorted(named)
    for pk, (new, ck) in _people_keyed_by(store, {c: keymap[c] for c in companies}).items():
        keymap[pk] = new
        named[pk] = named[ck]
    olds = sorted(keymap)
    nodes = {kind: store.query(f"UNWIND $keys AS k MATCH (n:{kind} {{key: k}}) RETURN "
                               + ", ".join(f"n.{c} AS {c}" for c in node_columns(m.node(kind))),
                               {"keys": [k for k in olds if (k.startswith("anon:") == (kind == "Person"))]})
             for kind in ("Company", "Person")}
    edges: list[tuple[str, str, str, pd.DataFrame]] = []
    for ek in m.edges:
        if ek.name not in REKEYED_EDGES:
            continue
        ret = ", ".join(f"e.{c} AS {c}" for c in edge_columns(ek))
        for a, b in ek.endpoints:
            found = store.query(f"MATCH (a:{a})-[e:{ek.name}]->(b:{b}) WHERE a.key IN $keys OR b.key IN $keys "
                                f"RETURN a.key AS src, b.key AS dst, {ret}", {"keys": olds})
            if len(found):
                edges.append((ek.name, a, b, found))
    ranks: dict[Record, str] = {}
    for frame in [*nodes.values(), *(e[3] for e in edges)]:
        for f, r, rank in zip(frame["src_file"], frame["src_row"], frame["src_rank"], strict=True):
            if isinstance(f, str) and isinstance(rank, str) and _int(r) is not None:
                ranks[(f, int(str(r)))] = rank

    def split(row: Mapping[str, object], mine: set[Record]) -> tuple[list[Record], list[Record]]:
        recs = decode_sources(_strings(row["sources"]))
        return [r for r in recs if r in mine], [r for r in recs if r not in mine]

    whole: set[str] = set()
    persons = nodes["Person"]
    moved_people: list[dict[str, object]] = []
    trimmed_people: list[dict[str, object]] = []
    for row in _rows(persons):
        mine, rest = split(row, named[str(row["key"])])
        if not mine:
            continue
        moved_people.append({**row, **_part(row, mine, ranks), "key": keymap[str(row["key"])]})
        if rest:
            trimmed_people.append({"key": row["key"], **_part(row, rest, ranks)})
        else:
            whole.add(str(row["key"]))
    fresh, trimmed_companies = [], []
    for row in _rows(nodes["Company"]):
        mine, rest = split(row, named[str(row["key"])])
        if mine:
            part = _part(row, mine, ranks)
            fresh.append({"key": keymap[str(row["key"])], "name_norm": keymap[str(row["key"])][len("cname:"):],
                          "credit_code_status": "missing", "load_id": row["load_id"], **part})
        if mine and rest:
            trimmed_companies.append({"key": row["key"], **_part(row, rest, ranks)})
    if fresh:
        store.upsert_nodes("Company", pd.DataFrame(fresh))
    if moved_people:  # the nodes first: an edge needs both ends
        store.upsert_nodes("Person", pd.DataFrame(moved_people))
    for kind, a, b, found in edges:
        moved, trimmed, gone = [], [], []
        for row in _rows(found):
            src, dst = str(row["src"]), str(row["dst"])
            ends_whole = src in whole or dst in whole
            mine_set = set().union(*(named.get(k, set()) for k in (src, dst)))
            mine, rest = split(row, mine_set)
            if ends_whole:
                mine, rest = mine + rest, []
            if not mine:
                continue
            new_src, new_dst = keymap.get(src, src), keymap.get(dst, dst)
            props: dict[Hashable, object] = {c: row[c] for c in edge_columns(m.edge(kind))}
            new_key = _edge_key(kind, str(row["key"]), keymap, props, new_src, new_dst)
            moved.append({**{str(c): v for c, v in props.items()}, **_part(row, mine, ranks), "key": new_key, "src": new_src, "dst": new_dst,
                          "src_kind": a, "dst_kind": b})
            if rest:
                trimmed.append({"key": row["key"], **_part(row, rest, ranks)})
            else:
                gone.append(str(row["key"]))
        if moved:
            store.upsert_edges(kind, pd.DataFrame(moved))
        _trim(store, kind, True, trimmed)
        gone = sorted(set(gone) - {str(r["key"]) for r in moved})
        if gone:
            store.execute(f"UNWIND $keys AS k MATCH ()-[e:{kind} {{key: k}}]->() DELETE e", {"keys": gone})
    _trim(store, "Person", False, trimmed_people)
    if whole:
        store.execute("UNWIND $keys AS k MATCH (n:Person {key: k}) DETACH DELETE n", {"keys": sorted(whole)})
    _trim(store, "Company", False, trimmed_companies)
    store.execute(f"UNWIND $keys AS k MATCH (c:Company {{key: k}}) SET c.{BY_NAME} = NULL", {"keys": companies})
    return len(companies)


def relink_payees(store: Store, before_change: Callable[[], None] | None = None) -> Relinked:
    """Resolve every payee named without a code again (see the module docstring) and rebuild ``MAY_BE`` links.

    Args:
        store: the store after a load.
        before_change: called once before the first payment moves (the loader marks PAID totals stale there).

    Returns:
        Counts of what moved and what stayed ambiguous.
    """
    per_name, coded = _candidates(store)
    reopened = _reopen_registry_names(store, per_name) if len(coded) else 0
    # Only the columns the payee rule reads, for every payment named without a code; the whole rows only for
    # those that move (at 1M rows the whole rows of every by-name payment took 4.8 s to read on each load).
    pay = store.query("MATCH (u:Unit)-[e:PAYMENT]->(c:Company) WHERE e.payee_name IS NOT NULL RETURN e.key AS key, "
                      "c.key AS company, e.payee_name AS payee_name, e.to_account AS to_account, "
                      "e.routed_from AS routed_from")
    moved = removed = accounts = 0
    if len(pay):
        pay["target"] = _targets(pay, per_name, _account_owners(store))
        # a payment the company matcher routed (guanlian.matching.company_store) stays where it was routed while
        # its payee as recorded is still where this rule would put it; the matcher owns that decision
        recorded = pay["routed_from"].where(pay["routed_from"].notna(), pay["company"])
        going = pay[pay["target"] != recorded]
        move = pay.iloc[:0]
        if len(going):
            whole = _payments(store, "WHERE e.payee_name IS NOT NULL")
            move = whole.merge(going[["key", "target"]], on="key").assign(routed_from=None, route=None)
        if len(move):
            if before_change is not None:
                before_change()
            new_names = sorted({t for t in move["target"] if t.startswith("cname:")})
            if new_names:  # a name that became ambiguous: its name-only node must exist before payments move to it
                store.upsert_nodes("Company", pd.DataFrame({"key": new_names,
                                                            "name_norm": [k[len("cname:"):] for k in new_names]}))
            _move_payments(store, move)
            moved = len(move)
            touched = sorted(set(move["company"]) | set(move["target"]))
            _rebuild_cname_nodes(store, [k for k in touched if k.startswith("cname:")])
            accounts = _rebuild_accounts(store, touched)
            # PAID totals are rebuilt after this step, SAME_COMPANY links by the next `match`: neither keeps a
            # name-only node alive
            store.execute("UNWIND $keys AS k MATCH ()-[e:PAID]->(c:Company {key: k}) DELETE e", {"keys": touched})
            gone = [k for k in touched if k.startswith("cname:")]
            for pattern in ("(c:Company {key: k})-[e:SAME_COMPANY]->()", "()-[e:SAME_COMPANY]->(c:Company {key: k})"):
                store.execute(f"UNWIND $keys AS k MATCH {pattern} WHERE NOT EXISTS {{ MATCH (c)<-[:PAYMENT]-() }} "
                              "DELETE e", {"keys": gone})
            removed = _drop_orphans(store)
    rekeyed = _rekey_registry_names(store, per_name) if len(coded) else 0
    removed += rekeyed
    ambiguous = _rebuild_may_be(store, per_name, coded) if len(coded) else 0
    if not len(coded):
        store.delete_edges("MAY_BE")
    kept = store.query("MATCH (c:Company) WHERE c.key STARTS WITH 'cname:' RETURN c.name_norm AS n")
    n_kept = sum(1 for n in kept["n"] if len(per_name.get(str(n), [])) == 1)
    return Relinked(removed, moved, accounts, ambiguous, n_kept, reopened)


__all__ = ["Relinked", "relink_payees"]


def _people_keyed_by(store: Store, moves: dict[str, str]) -> dict[str, tuple[str, str]]:
    """Persons without an ID whose key was derived from a company being re-keyed (``moves``: old company key →
    new key), each with the key the same derivation gives under the new company key and the old company key.

    Example: ``{"anon:…(uscc:X, 张三)": ("anon:…(cname:甲, 张三)", "uscc:X")}`` for ``moves={"uscc:X": "cname:甲"}``.
    """
    people = store.query("UNWIND $keys AS k MATCH (p:Person)-[]-(c:Company {key: k}) WHERE p.key STARTS WITH 'anon:' "
                         "RETURN DISTINCT p.key AS p, c.key AS c, p.name_norm AS n", {"keys": sorted(moves)})
    out: dict[str, tuple[str, str]] = {}
    for pk, ck, n in zip(people["p"], people["c"], people["n"], strict=True):
        if str(stable_keys("anon", pd.Series([ck]), pd.Series([n])).iloc[0]) == pk:  # keyed by that company
            out[str(pk)] = (str(stable_keys("anon", pd.Series([moves[str(ck)]]), pd.Series([n])).iloc[0]), str(ck))
    return out
