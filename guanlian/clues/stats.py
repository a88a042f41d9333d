"""Precision feedback (``guanlian clues stats``): how often each saved query and each confidence tier was right.

Outcomes come from the clue library: every evaluated clue's rating (属实 substantiated, 部分属实 partly, 不属实
unsubstantiated, 无法查实 unverifiable), clues closed at triage (予以了结), and findings the investigators
dismissed (排除, from the judgement log). A clue counts for every saved query that found its case and for its
confidence tier as handed over (the snapshot's, else the latest).

``precision = substantiated / (substantiated + partly + unsubstantiated + dismissed)``: a dismissed finding is an
investigator's "no"; ``unverifiable`` says nothing about the query and is left out; ``partly`` counts as not
fully right (``precision_partly`` counts it as right). ``closed`` (了结 without transfer) and ``open`` (no
outcome yet) are shown but not in the ratio.

Example:
    >>> import tempfile, pathlib
    >>> from guanlian.clues.library import ClueLibrary
    >>> from guanlian.finding import Finding, FindingsDoc
    >>> lib = ClueLibrary(pathlib.Path(tempfile.mkdtemp()) / "clues.db", actor="张三")
    >>> _ = lib.add_findings(FindingsDoc((Finding("c1", ("q1",), "示例", "Example", "high", 0.9),)))
    >>> t = precision_table(lib, dismissed=[("c9", ("q1",), "possible")])
    >>> row = t.by_query[0]
    >>> (row.key, row.dismissed, row.open, row.precision)
    ('q1', 1, 1, 0.0)
    >>> lib.close()
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from guanlian.clues.library import ClueLibrary
from guanlian.finding import CONFIDENCES

OUTCOMES: tuple[str, ...] = ("substantiated", "partly", "unsubstantiated", "unverifiable", "dismissed", "closed",
                             "open")
"""Columns of the precision table, in order."""

DismissedFinding = tuple[str, tuple[str, ...], str]
"""A dismissed finding as the table needs it: (case id, saved query ids, confidence tier)."""


@dataclass
class PrecisionRow:
    """Outcome counts of one saved query or one confidence tier, with the precision they give."""

    key: str
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))

    def __getattr__(self, name: str) -> int:
        if name in OUTCOMES:
            return self.counts[name]
        raise AttributeError(name)

    @property
    def judged(self) -> int:
        """Outcomes that say whether the finding was right (the precision's denominator)."""
        c = self.counts
        return c["substantiated"] + c["partly"] + c["unsubstantiated"] + c["dismissed"]

    @property
    def precision(self) -> float | None:
        """substantiated ÷ judged (None when nothing was judged)."""
        return self.counts["substantiated"] / self.judged if self.judged else None

    @property
    def precision_partly(self) -> float | None:
        """(substantiated + partly) ÷ judged (None when nothing was judged)."""
        c = self.counts
        return (c["substantiated"] + c["partly"]) / self.judged if self.judged else None

    def to_json(self) -> dict[str, Any]:
        """``{"key", every outcome count, "judged", "precision", "precision_partly"}`` (ratios to 4 places)."""
        p, pp = self.precision, self.precision_partly
        return {"key": self.key, **self.counts, "judged": self.judged,
                "precision": None if p is None else round(p, 4),
                "precision_partly": None if pp is None else round(pp, 4)}


@dataclass
class PrecisionTable:
    """The precision table: per saved query, per confidence tier, and in total."""

    by_query: list[PrecisionRow]
    by_tier: list[PrecisionRow]
    total: PrecisionRow

    def to_json(self) -> dict[str, Any]:
        """``{"by_query": [...], "by_tier": [...], "total": {...}, "definition": "..."}``."""
        return {"by_query": [r.to_json() for r in self.by_query], "by_tier": [r.to_json() for r in self.by_tier],
                "total": self.total.to_json(),
                "definition": "precision = substantiated / (substantiated + partly + unsubstantiated + dismissed); "
                              "precision_partly counts partly as right; unverifiable, closed and open are not in "
                              "the ratio"}


def _outcome(status: str, rating: str | None, dismissed: bool) -> str:
    if status == "evaluated" and rating:
        return rating
    if dismissed:
        return "dismissed"
    if status == "closed":
        return "closed"
    return "open"


def precision_table(lib: ClueLibrary, dismissed: Iterable[DismissedFinding] = ()) -> PrecisionTable:
    """Roll the clue library's outcomes (and the dismissed findings) up per saved query and per tier.

    Args:
        lib: an open clue library.
        dismissed: dismissed findings as (case id, query ids, tier). A clue of the same case counts as dismissed
            unless it was evaluated (a rating wins); a dismissed finding that is no clue counts on its own.

    Returns:
        The table; queries in id order, tiers strongest first, only rows with something in them.
    """
    gone = {cid: (tuple(qs), tier) for cid, qs, tier in dismissed}
    items: list[tuple[tuple[str, ...], str, str]] = []  # (queries, tier, outcome)
    # the tier as handed over: read straight from the snapshot text (no full parse of every clue)
    snap_tier = {str(r[0]): str(r[1]) for r in lib.conn.execute(
        "SELECT clue_id, json_extract(snapshot, '$.confidence') FROM clues WHERE snapshot IS NOT NULL").fetchall()
        if r[1]}
    for c in lib.list():
        tier = snap_tier.get(c.clue_id) or c.confidence or "certain"
        items.append((tuple(c.queries), tier, _outcome(c.status, c.rating, c.fingerprint in gone)))
        gone.pop(c.fingerprint, None)
    for qs, tier in gone.values():
        items.append((qs, tier, "dismissed"))
    per_query: dict[str, PrecisionRow] = {}
    per_tier: dict[str, PrecisionRow] = {}
    total = PrecisionRow("all")
    for qs, tier, outcome in items:
        for q in qs or ("?",):
            per_query.setdefault(q, PrecisionRow(q)).counts[outcome] += 1
        per_tier.setdefault(tier, PrecisionRow(tier)).counts[outcome] += 1
        total.counts[outcome] += 1
    order: dict[str, int] = {t: i for i, t in enumerate(reversed(CONFIDENCES))}
    return PrecisionTable(by_query=[per_query[k] for k in sorted(per_query)],
                          by_tier=[per_tier[k] for k in sorted(per_tier, key=lambda t: order.get(t, 99))],
                          total=total)
