"""Relink ledger payees loaded before the registry: ``cname:`` company nodes that now have a coded twin.

A payment names its payee company by name. When the registry (which carries the credit code) is loaded in the
same ``load`` call or earlier, the payee is keyed ``uscc:<code>`` at once. When the ledger came first, the payee
became ``cname:<normalised name>``, and a later registry load created ``uscc:<code>`` beside it: two nodes for one
company, and every red-flag path through that company broken. After each load, this step finds every ``cname:``
company whose normalised legal name now belongs to exactly one company with a valid credit code, moves its
``PAYMENT`` and ``HAS_ACCOUNT`` edges to that company — with the keys a reload of the same ledger rows would
give, so reloading stays idempotent — and deletes the ``cname:`` node. PAID totals are rebuilt afterwards.

Left alone (and counted in :class:`Relinked`): a name shared by several coded companies (which one is meant is a
guess), and a ``cname:`` node that other kinds of edges also touch (a registry table without codes): its people
are keyed by that company, and moving them is a merge the loader never guesses.

The step is idempotent and safe to interrupt: new edges are upserted by key before the old node is deleted, so a
rerun finds what is left and finishes it.

Example:
    >>> from guanlian.graph import open_store
    >>> import tempfile
    >>> relink_payees(open_store(tempfile.mkdtemp() + "/s"))
    Relinked(companies=0, payments=0, accounts=0, ambiguous=0, kept=0)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from guanlian.graph.frames import edge_columns
from guanlian.graph.store import Store
from guanlian.loaders.common import contact_edge_keys
from guanlian.loaders.payments import payment_content, payment_keys
from guanlian.model import model

MOVABLE = ("PAYMENT", "HAS_ACCOUNT", "PAID")  # fuzzy links (SAME_COMPANY) are derived by match: deleted with the node
"""Edge kinds a ledger gives a payee company; PAID is derived and rebuilt, so it is dropped, not moved."""


@dataclass(frozen=True)
class Relinked:
    """What :func:`relink_payees` did: companies merged, edges moved, names left alone (and why)."""

    companies: int
    payments: int
    accounts: int
    ambiguous: int
    kept: int


def _twins(store: Store) -> tuple[dict[str, str], int]:
    """``cname:`` key → the one coded company with the same normalised name; and how many names were ambiguous."""
    named = store.query("MATCH (c:Company) WHERE c.key STARTS WITH 'cname:' RETURN c.key AS key, c.name_norm AS n")
    if named.empty:
        return {}, 0
    coded = store.query("MATCH (c:Company) WHERE c.credit_code IS NOT NULL RETURN c.key AS key, c.name_norm AS n")
    per_name = coded.groupby("n")["key"].agg(list).to_dict() if len(coded) else {}
    twins: dict[str, str] = {}
    ambiguous = 0
    for key, name in zip(named["key"], named["n"], strict=True):
        found = per_name.get(name, [])
        if len(found) == 1:
            twins[str(key)] = str(found[0])
        elif len(found) > 1:
            ambiguous += 1
    return twins, ambiguous


def _touched_by_others(store: Store, keys: list[str]) -> set[str]:
    """Which of the companies ``keys`` have edges of a kind a ledger does not give."""
    out: set[str] = set()
    for ek in model().edges:
        if ek.name in MOVABLE or ek.fuzzy or not any("Company" in ends for ends in ek.endpoints):
            continue
        df = store.query(f"UNWIND $keys AS k MATCH (c:Company {{key: k}})-[:{ek.name}]-() RETURN DISTINCT c.key AS key",
                         {"keys": keys})
        out.update(str(k) for k in df["key"])
    return out


def _edges_into(store: Store, kind: str, keys: list[str], *, outgoing: bool) -> pd.DataFrame:
    ek = model().edge(kind)
    cols = ", ".join(f"e.{c} AS {c}" for c in edge_columns(ek))
    pattern = "(c:Company {key: k})-[e:%s]->(o)" if outgoing else "(o)-[e:%s]->(c:Company {key: k})"
    return store.query(f"UNWIND $keys AS k MATCH {pattern % kind} RETURN c.key AS company, o.key AS other, {cols}",
                       {"keys": keys})


def _payment_keys(moved: pd.DataFrame, existing: pd.DataFrame) -> pd.Series:
    """Keys a reload would give ``moved`` payments (now paid to the coded company), as the payments loader does.

    The loader numbers identical rows of a file (same payer, payee, amount, date, voucher, contract) in row
    order; payments already paid to the coded company from the same file take the first numbers.
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


def relink_payees(store: Store, before_change: Callable[[], None] | None = None) -> Relinked:
    """Merge every ``cname:`` payee company into its one coded twin (see the module docstring).

    Args:
        store: the store after a load.
        before_change: called once before the first write (the loader marks PAID totals stale there).

    Returns:
        Counts of what was merged and what was left alone.
    """
    twins, ambiguous = _twins(store)
    if not twins:
        return Relinked(0, 0, 0, ambiguous, 0)
    others = _touched_by_others(store, list(twins))
    twins = {k: v for k, v in twins.items() if k not in others}
    if not twins:
        return Relinked(0, 0, 0, ambiguous, len(others))
    names = list(twins)
    if before_change is not None:
        before_change()
    pay = _edges_into(store, "PAYMENT", names, outgoing=False)
    moved_payments = 0
    if len(pay):
        pay["target"] = pay["company"].map(twins)
        same_file = _edges_into(store, "PAYMENT", sorted(set(twins.values())), outgoing=False)
        same_file = same_file[same_file["src_file"].isin(set(pay["src_file"]))]
        same_file["target"] = same_file["company"]
        frame = pay.drop(columns=["company", "other", "target"]).assign(
            src=pay["other"], dst=pay["target"], src_kind="Unit", dst_kind="Company", key=_payment_keys(pay, same_file))
        store.upsert_edges("PAYMENT", frame)
        moved_payments = len(frame)
    acct = _edges_into(store, "HAS_ACCOUNT", names, outgoing=True)
    if len(acct):
        target = acct["company"].map(twins)
        frame = acct.drop(columns=["company", "other"]).assign(
            src=target, dst=acct["other"], src_kind="Company", dst_kind="Account",
            key=contact_edge_keys("HAS_ACCOUNT", target, acct["other"]))
        store.upsert_edges("HAS_ACCOUNT", frame)
    store.execute("UNWIND $keys AS k MATCH (c:Company {key: k}) DETACH DELETE c", {"keys": names})
    return Relinked(len(names), moved_payments, len(acct), ambiguous, len(others))


__all__ = ["Relinked", "relink_payees"]
