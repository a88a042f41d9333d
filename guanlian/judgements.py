"""Investigator judgements (核查组判定): confirm/reject/unsure on fuzzy identity links, dismiss/undismiss on findings.

A judgement is keyed on natural keys, never on row ids: a link on the two node keys it joins (``ric:<ID>``,
``anon:<hash of context and name>``, ``uscc:<code>``, ``cname:<name>``; the link id is the deterministic edge key
``ps:…``/``sc:…`` computed from them), a finding on its stable id. So judgements survive a reload of every
file, a full ``match`` and a change of engine.

Storage is ``judgements.db`` (SQLite, WAL) in the store's sidecar folder; each judgement is one appended row in
one ``BEGIN IMMEDIATE`` transaction (a killed process leaves the file as before). Nothing is ever updated or
deleted: the latest row per target is in force, earlier ones stay as history.

``match`` honours link judgements (:func:`apply_link_judgements`): a rejected pair is never linked; a confirmed
pair is linked as tier ``confirmed`` (above ``certain``) with the judgement in its explanation. ``scan``
honours dismissals (:func:`dismissed_findings`): a dismissed finding is not filed as a clue and is marked in
the reports with who and why.

Example:
    >>> import tempfile
    >>> book = JudgementBook(Path(tempfile.mkdtemp()) / "judgements.db")
    >>> j = book.judge_link("ps:1", "POSSIBLY_SAME", "anon:a", "anon:b", "reject", by="张三", reason="不同人")
    >>> book.link_verdicts()[("anon:a", "anon:b")].verdict
    'reject'
    >>> book.close()
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

import pandas as pd

from guanlian.finding import FindingsDoc
from guanlian.graph.store import SIDECAR_FILES, Store
from guanlian.model import tier_rank
from guanlian.sqlitefile import SqliteFile, utc_now
from guanlian.sqlitefile import default_user as default_user  # re-exported: who acts, for callers of judge()
from guanlian.values.vocab import VERDICT, said

Verdict = Literal["confirm", "reject", "unsure", "dismiss", "undismiss"]
LINK_VERDICTS: tuple[str, ...] = ("confirm", "reject", "unsure")
FINDING_VERDICTS: tuple[str, ...] = ("dismiss", "undismiss")
VERDICT_LABELS = VERDICT
LINK_EDGES: tuple[str, ...] = ("POSSIBLY_SAME", "SAME_COMPANY")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS judgements (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    target   TEXT NOT NULL,
    kind     TEXT NOT NULL,
    edge     TEXT NOT NULL DEFAULT '',
    a_key    TEXT NOT NULL DEFAULT '',
    b_key    TEXT NOT NULL DEFAULT '',
    verdict  TEXT NOT NULL,
    actor    TEXT NOT NULL,
    reason   TEXT NOT NULL,
    at       TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS judgements_target ON judgements(target);
"""


class JudgementError(ValueError):
    """A judgement that cannot be recorded; the message (Chinese and English) says what to do."""


@dataclass(frozen=True, slots=True)
class Judgement:
    """One recorded judgement (a row of the append-only log)."""

    seq: int
    target: str
    kind: str
    edge: str
    a_key: str
    b_key: str
    verdict: str
    by: str
    reason: str
    at: str

    def text(self, lang: str = "zh") -> str:
        """One line for explanations: who, when, what, why.

        >>> Judgement(1, "ps:1", "link", "POSSIBLY_SAME", "a", "b", "confirm", "张三", "户籍核对", "2026-11-30T12:00:00Z").text()
        '经核查组确认（张三，2026-11-30：户籍核对）'
        """
        day = self.at[:10]
        if lang == "en":
            return f"{VERDICT_LABELS[self.verdict][1]} by the investigators ({self.by}, {day}: {self.reason})"
        word = {"confirm": "经核查组确认", "reject": "经核查组否定", "unsure": "经核查组标为存疑",
                "dismiss": "经核查组排除", "undismiss": "经核查组撤销排除"}[self.verdict]
        return f"{word}（{self.by}，{day}：{self.reason}）"


def judgements_path(store: Store) -> Path:
    """``judgements.db`` in the store's sidecar folder."""
    return store.sidecar / SIDECAR_FILES["judgements"]


class JudgementBook(SqliteFile):
    """The append-only judgement log in one SQLite file (created with its folder when missing; WAL, every write
    one transaction, see :class:`guanlian.sqlitefile.SqliteFile`)."""

    def __init__(self, path: Path, busy_timeout: float = 30.0) -> None:
        super().__init__(path, busy_timeout=busy_timeout, synchronous="FULL")
        self.conn.executescript(_SCHEMA)

    def _append(self, target: str, kind: str, edge: str, a: str, b: str, verdict: str, by: str, reason: str
                ) -> Judgement:
        if not by.strip():
            raise said(JudgementError, "请用 --by 写明判定人", "say who judges with --by")
        if not reason.strip():
            raise said(JudgementError, "请用 --reason 写明理由", "give the reason with --reason")
        at = utc_now()
        with self.transaction() as db:
            cur = db.execute("INSERT INTO judgements(target, kind, edge, a_key, b_key, verdict, actor, reason, at) "
                             "VALUES (?,?,?,?,?,?,?,?,?)", (target, kind, edge, a, b, verdict, by, reason, at))
        return Judgement(int(cur.lastrowid or 0), target, kind, edge, a, b, verdict, by, reason, at)

    def judge_link(self, link_id: str, edge: str, a_key: str, b_key: str, verdict: str, *, by: str, reason: str
                   ) -> Judgement:
        """Record ``verdict`` (confirm/reject/unsure) on the link between node keys ``a_key`` and ``b_key``."""
        if verdict not in LINK_VERDICTS:
            raise said(JudgementError, f"判定只能是 confirm（确认）、reject（否定）或 unsure（存疑），而不是 {verdict!r}",
                       f"verdict must be confirm, reject or unsure, not {verdict!r}")
        lo, hi = sorted((a_key, b_key))
        return self._append(link_id, "link", edge, lo, hi, verdict, by, reason)

    def judge_finding(self, finding_id: str, verdict: str, *, by: str, reason: str) -> Judgement:
        """Record ``dismiss`` or ``undismiss`` on a finding (by its stable id)."""
        if verdict not in FINDING_VERDICTS:
            raise said(JudgementError, f"只能是 dismiss（排除）或 undismiss（撤销排除），而不是 {verdict!r}",
                       f"must be dismiss or undismiss, not {verdict!r}")
        return self._append(finding_id, "finding", "", "", "", verdict, by, reason)

    def history(self, target: str | None = None) -> list[Judgement]:
        """Every judgement (of ``target`` only when given), oldest first."""
        rows = (self.conn.execute("SELECT * FROM judgements WHERE target = ? ORDER BY id", (target,)) if target
                else self.conn.execute("SELECT * FROM judgements ORDER BY id")).fetchall()
        return [Judgement(r["id"], r["target"], r["kind"], r["edge"], r["a_key"], r["b_key"], r["verdict"],
                          r["actor"], r["reason"], r["at"]) for r in rows]

    def current(self, kind: str) -> dict[str, Judgement]:
        """The judgement in force per target of ``kind`` (``link`` or ``finding``): the latest one."""
        out: dict[str, Judgement] = {}
        for j in self.history():
            if j.kind == kind:
                out[j.target] = j
        return out

    def link_verdicts(self) -> dict[tuple[str, str], Judgement]:
        """The link judgement in force per (lower key, higher key)."""
        return {(j.a_key, j.b_key): j for j in self.current("link").values()}

    def dismissed(self) -> dict[str, Judgement]:
        """Finding id → its dismissal, for findings whose latest judgement is ``dismiss``."""
        return {t: j for t, j in self.current("finding").items() if j.verdict == "dismiss"}


def open_book(store: Store) -> JudgementBook:
    """The judgement book of ``store`` (created on first use)."""
    return JudgementBook(judgements_path(store))


def _lift(props: dict[str, object], j: Judgement) -> dict[str, object]:
    """Edge properties of a confirmed link: tier ``confirmed``, the judgement in front of the explanation."""
    zh, en = str(props.get("explanation_zh") or ""), str(props.get("explanation_en") or "")
    return {**props, "tier": "confirmed", "tier_rank": tier_rank("confirmed"),
            "explanation_zh": j.text("zh") + ("；原匹配：" + zh if zh else ""),
            "explanation_en": j.text("en").capitalize() + ("; matcher: " + en if en else "")}


def verdicts_for(store: Store, kind: str) -> dict[tuple[str, str], Judgement]:
    """Confirm/reject judgements in force on ``kind`` links, per (lower key, higher key); empty without a book."""
    path = judgements_path(store)
    if not path.exists():
        return {}
    with JudgementBook(path) as book:
        return {k: j for k, j in book.link_verdicts().items() if j.edge == kind and j.verdict != "unsure"}


def apply_link_judgements(store: Store, kind: str, edges: pd.DataFrame) -> pd.DataFrame:
    """``edges`` (rows for ``kind`` links, columns src/dst/key/tier/tier_rank/explanation_*) with the judgements
    in force applied: rejected pairs dropped, confirmed ones lifted to ``confirmed``, confirmed pairs the
    matcher did not link added (when both nodes still exist). ``unsure`` changes nothing.

    Example: ``edges = apply_link_judgements(store, "POSSIBLY_SAME", edges)`` right before ``upsert_edges``.
    """
    verdicts = verdicts_for(store, kind)
    if not verdicts:
        return edges
    rows = [{str(k): v for k, v in r.items()} for r in edges.to_dict("records")] if len(edges) else []
    out: list[dict[str, object]] = []
    seen: set[tuple[str, str]] = set()
    for r in rows:
        pair = (str(r["src"]), str(r["dst"]))
        seen.add(pair)
        j = verdicts.get(pair)
        if j is None:
            out.append(r)
        elif j.verdict == "confirm":
            out.append(_lift(r, j))
    node = "Company" if kind == "SAME_COMPANY" else "Person"
    missing = [(p, j) for p, j in verdicts.items() if j.verdict == "confirm" and p not in seen]
    if missing:
        keys = sorted({k for p, _ in missing for k in p})
        found = set(store.query(f"MATCH (n:{node}) WHERE n.key IN $keys RETURN n.key AS k", {"keys": keys})["k"]
                    .astype(str)) if keys else set()
        template = rows[0] if rows else {}
        for (a, b), j in missing:
            if a in found and b in found:
                base: dict[str, object] = {c: None for c in template}
                base.update({"src": a, "dst": b, "src_kind": node, "dst_kind": node, "key": j.target, "score": 1.0,
                             "explanation_zh": "", "explanation_en": "", "src_file": "judgement", "src_row": 0,
                             "load_id": "judgement"})
                if kind == "SAME_COMPANY":
                    base["payments_routed"] = 0
                out.append(_lift(base, j))
    return pd.DataFrame(out, columns=list(edges.columns) if len(edges.columns) else None)


def orphaned(store: Store, book: JudgementBook) -> list[Judgement]:
    """Link judgements in force whose records (either node) are no longer in the store: kept, reported."""
    out: list[Judgement] = []
    for j in book.current("link").values():
        node = "Company" if j.edge == "SAME_COMPANY" else "Person"
        keys = [j.a_key, j.b_key]
        found = store.query(f"MATCH (n:{node}) WHERE n.key IN $keys RETURN n.key AS k", {"keys": keys})
        if len(set(found["k"].astype(str))) < 2:
            out.append(j)
    return out


# --- the operations the CLI and the workbench call ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LinkRecord:
    """One side of a link as an investigator checks it (ID masked unless asked otherwise)."""

    key: str
    name: str
    id_masked: str
    birth_date: str
    src_file: str
    src_row: int


@dataclass(frozen=True, slots=True)
class LinkRow:
    """A fuzzy identity link with both records and the judgement in force (``guanlian links``)."""

    id: str
    kind: str
    a: LinkRecord
    b: LinkRecord
    tier: str
    score: float
    explanation_zh: str
    explanation_en: str
    judgement: Judgement | None

    def to_json(self) -> dict[str, object]:
        """Plain JSON (the judgement as who/when/verdict/reason)."""
        j = self.judgement
        return {"id": self.id, "kind": self.kind,
                "a": {f: getattr(self.a, f) for f in LinkRecord.__slots__},
                "b": {f: getattr(self.b, f) for f in LinkRecord.__slots__},
                "tier": self.tier, "score": round(self.score, 4),
                "explanation_zh": self.explanation_zh, "explanation_en": self.explanation_en,
                "judgement": None if j is None else {"verdict": j.verdict, "by": j.by, "at": j.at, "reason": j.reason}}


_LINK_QUERY = {
    "POSSIBLY_SAME": "MATCH (a:Person)-[e:POSSIBLY_SAME]->(b:Person) {where} RETURN e.key AS id, e.tier AS tier, "
                     "e.score AS score, e.explanation_zh AS zh, e.explanation_en AS en, a.key AS a_key, a.name AS a_name, "
                     "a.id_number AS a_id, a.birth_date AS a_birth, a.src_file AS a_file, a.src_row AS a_row, "
                     "b.key AS b_key, b.name AS b_name, b.id_number AS b_id, b.birth_date AS b_birth, "
                     "b.src_file AS b_file, b.src_row AS b_row ORDER BY e.key",
    "SAME_COMPANY": "MATCH (a:Company)-[e:SAME_COMPANY]->(b:Company) {where} RETURN e.key AS id, e.tier AS tier, "
                    "e.score AS score, e.explanation_zh AS zh, e.explanation_en AS en, a.key AS a_key, a.name AS a_name, "
                    "a.credit_code AS a_id, '' AS a_birth, a.src_file AS a_file, a.src_row AS a_row, "
                    "b.key AS b_key, b.name AS b_name, b.credit_code AS b_id, '' AS b_birth, "
                    "b.src_file AS b_file, b.src_row AS b_row ORDER BY e.key",
}


def _text(v: object) -> str:
    return "" if v is None or (isinstance(v, float) and v != v) else str(v)


def list_links(store: Store, *, name: str | None = None, tier: str | None = None, link_id: str | None = None,
               show_ids: bool = False) -> list[LinkRow]:
    """The fuzzy identity links in the store (POSSIBLY_SAME, then SAME_COMPANY), optionally those with a record
    whose name contains ``name``, of one ``tier`` or with one id, each with the judgement in force.

    Example: ``[r.id for r in list_links(store, name="刘桂兰")]`` → ``['ps:…']``.
    """
    from guanlian.values.ids import mask_resident_id

    conds: list[str] = []
    params: dict[str, object] = {}
    if name:
        conds.append("(a.name CONTAINS $name OR b.name CONTAINS $name)")
        params["name"] = name
    if tier:
        conds.append("e.tier = $tier")
        params["tier"] = tier
    if link_id:
        conds.append("e.key = $id")
        params["id"] = link_id
    where = ("WHERE " + " AND ".join(conds)) if conds else ""
    judged: dict[str, Judgement] = {}
    if judgements_path(store).exists():
        with open_book(store) as book:
            judged = book.current("link")
    out: list[LinkRow] = []
    for kind, cypher in _LINK_QUERY.items():
        df = store.query(cypher.replace("{where}", where), params)
        for r in df.to_dict("records"):
            recs = []
            for side in ("a", "b"):
                raw = _text(r[f"{side}_id"])
                shown = raw if show_ids or kind == "SAME_COMPANY" else (mask_resident_id(raw) if raw else "")
                row = r[f"{side}_row"]
                recs.append(LinkRecord(_text(r[f"{side}_key"]), _text(r[f"{side}_name"]), shown,
                                       _text(r[f"{side}_birth"]), _text(r[f"{side}_file"]),
                                       int(row) if _text(row) else 0))
            out.append(LinkRow(_text(r["id"]), kind, recs[0], recs[1], _text(r["tier"]),
                               float(r["score"]) if _text(r["score"]) else 0.0, _text(r["zh"]), _text(r["en"]),
                               judged.get(_text(r["id"]))))
    return out


def judge(store: Store, link_id: str, verdict: str, *, by: str, reason: str) -> Judgement:
    """Record an investigator's ``verdict`` (confirm/reject/unsure) on link ``link_id`` and apply it to the graph
    now (reject: the link is deleted; confirm: it becomes tier ``confirmed``); ``match`` applies it again on
    every later run. A link judged before (even one since deleted by a reject) can be judged again: the later
    judgement wins, both stay in the history.

    Raises:
        JudgementError: unknown link id, bad verdict, no ``by``/``reason``.
    """
    if verdict not in LINK_VERDICTS:
        raise said(JudgementError, f"判定只能是 confirm（确认）、reject（否定）或 unsure（存疑），而不是 {verdict!r}",
                   f"verdict must be confirm, reject or unsure, not {verdict!r}")
    found = list_links(store, link_id=link_id)
    with open_book(store) as book:
        if found:
            row = found[0]
            edge, a, b = row.kind, row.a.key, row.b.key
        else:
            before = book.history(link_id)
            if not before:
                raise said(JudgementError, f"没有编号为 {link_id} 的关联（用 guanlian links 查看）",
                           f"no link with id {link_id!r} (list them with `guanlian links`)")
            edge, a, b = before[-1].edge, before[-1].a_key, before[-1].b_key
        j = book.judge_link(link_id, edge, a, b, verdict, by=by, reason=reason)
    if verdict == "reject":
        store.execute(f"MATCH ()-[e:{edge}]->() WHERE e.key = $k DELETE e", {"k": link_id})
    elif verdict == "confirm":
        if found:
            lifted = _lift({"explanation_zh": found[0].explanation_zh, "explanation_en": found[0].explanation_en}, j)
            store.execute(f"MATCH ()-[e:{edge}]->() WHERE e.key = $k SET e.tier = $t, e.tier_rank = $r, "
                          "e.explanation_zh = $zh, e.explanation_en = $en",
                          {"k": link_id, "t": "confirmed", "r": tier_rank("confirmed"),
                           "zh": lifted["explanation_zh"], "en": lifted["explanation_en"]})
        else:
            edges = apply_link_judgements(store, edge, pd.DataFrame(columns=[
                "src", "dst", "src_kind", "dst_kind", "key", "score", "tier", "tier_rank", "explanation_zh",
                "explanation_en", "src_file", "src_row", "load_id", *(["payments_routed"] if edge == "SAME_COMPANY"
                                                                       else [])]))
            edges = edges[edges["key"] == link_id]
            if len(edges):
                store.upsert_edges(edge, edges)
    return j


def dismiss(store: Store, finding_id: str, *, by: str, reason: str, undo: bool = False,
            known: set[str] | None = None) -> Judgement:
    """Dismiss (``undo``: undismiss) the finding ``finding_id``: it stays in the reports marked as dismissed with
    who and why, and is not filed as a new clue. ``known``: the finding ids that exist (default: run a scan).

    Raises:
        JudgementError: unknown finding id (and never dismissed before), no ``by``/``reason``.
    """
    with open_book(store) as book:
        if not book.history(finding_id):
            if known is None:
                from guanlian.queries import scan

                known = {f.id for f in scan(store).findings}
            if finding_id not in known:
                raise said(JudgementError, f"没有编号为 {finding_id} 的发现（见 findings.json 的 id）",
                           f"no finding with id {finding_id!r} (see the ids in findings.json)")
        return book.judge_finding(finding_id, "undismiss" if undo else "dismiss", by=by, reason=reason)


def apply_dismissals(store: Store, doc: FindingsDoc) -> tuple[FindingsDoc, dict[str, Judgement]]:
    """``doc`` with every dismissed finding marked in its explanation (who, when, why), and the dismissals in
    force among its findings (finding id → judgement); callers keep those out of new clues."""
    if not judgements_path(store).exists():
        return doc, {}
    with open_book(store) as book:
        gone = book.dismissed()
    hit = {f.id: gone[f.id] for f in doc.findings if f.id in gone}
    if not hit:
        return doc, {}
    marked = tuple(replace(f, explanation_zh=f"【已排除】{hit[f.id].text('zh')}。{f.explanation_zh}",
                           explanation_en=f"[DISMISSED] {hit[f.id].text('en').capitalize()}. {f.explanation_en}")
                   if f.id in hit else f for f in doc.findings)
    return replace(doc, findings=marked), hit
