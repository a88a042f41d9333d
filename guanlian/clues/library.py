"""The clue library (问题线索库): findings an investigator keeps, and what happened to each of them.

A clue is a case (a finding, keyed by its stable case id ``Finding.id``) with a short human id such as
``XS-2026-0001`` and a status that follows the closed loop of the supervision bodies, plus the two triage
outcomes a real workflow needs straight from ``new``::

    new ──transfer──▶ transferred ──handle──▶ handled ──feedback──▶ fed_back ──evaluate──▶ evaluated
    (新建)  (移送)      (已移送)       (处置)    (已处置)    (反馈)      (已反馈)    (评估)      (已评估)
     │ ▲                                     ▲     │
     │ └─transfer── parked (暂存待查)         └─────┘ handle may be recorded again while ``handled``
     ├──park──────▶ parked ──close──┐                  (e.g. 初核 then 立案), until feedback.
     └──close─────▶ closed (予以了结) ◀┘

Record integrity (issue 14):

- **Versions.** The latest finding of a case is version N of the clue; a scan that changes the case appends
  version N+1 (its finding, who, when, and a readable change summary such as "新增付款1笔 ¥50,000.00", see
  :func:`guanlian.clues.changes.change_summary`); a scan that changes nothing adds no version.
- **Snapshot.** Transferring (移送) freezes the finding as it was handed over (``snapshot``, the exact JSON
  text); it never changes afterwards, whatever later scans find.
- **New information.** A clue past ``new`` whose case changes is flagged ``new_info`` (有新情况) until the
  investigator acknowledges it (:meth:`ClueLibrary.acknowledge`).
- **Who, when, note.** Every step (creation, each version, each lifecycle step, acknowledgement, the library
  upgrade) is a row in ``history`` with UTC time, actor and note.

The functions the CLI and the workbench call (names are a contract): :meth:`ClueLibrary.add_findings`,
:meth:`~ClueLibrary.list`, :meth:`~ClueLibrary.show` (a :class:`ClueDetail` with ``to_json()`` and
``render()``), :meth:`~ClueLibrary.apply` (any action by name, for a web form), :meth:`~ClueLibrary.transfer`,
:meth:`~ClueLibrary.park`, :meth:`~ClueLibrary.close_clue`, :meth:`~ClueLibrary.handle`,
:meth:`~ClueLibrary.feedback`, :meth:`~ClueLibrary.evaluate`, :meth:`~ClueLibrary.acknowledge`; the precision
table is :func:`guanlian.clues.stats.precision_table`.

Storage is one SQLite file (:class:`guanlian.sqlitefile.SqliteFile`: WAL, every write one ``BEGIN IMMEDIATE``
transaction, so concurrent writers serialise and a killed process leaves the file as before that
transaction). A library written by an older guanlian (schema version 1: no versions, no snapshots, clues of
pre-case findings keyed on path fingerprints) is upgraded in place, in one transaction, when it is opened;
nothing in it is lost (see :meth:`ClueLibrary._migrate`).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from guanlian.clues.changes import change_summary
from guanlian.finding import Finding, FindingsDoc
from guanlian.sqlitefile import SqliteFile, default_user, utc_now
from guanlian.values.vocab import CLUE_ACTION, CLUE_STATUS, RATING_WORDS, said

Status = Literal["new", "transferred", "handled", "fed_back", "evaluated", "parked", "closed"]

STATUSES: tuple[Status, ...] = ("new", "transferred", "handled", "fed_back", "evaluated", "parked", "closed")

# action -> (statuses it may start from, status it leads to)
TRANSITIONS: dict[str, tuple[tuple[Status, ...], Status]] = {
    "transfer": (("new", "parked"), "transferred"),
    "handle": (("transferred", "handled"), "handled"),
    "feedback": (("handled",), "fed_back"),
    "evaluate": (("fed_back",), "evaluated"),
    "park": (("new",), "parked"),
    "close": (("new", "parked"), "closed"),
}

ACTIONS: tuple[str, ...] = (*TRANSITIONS, "acknowledge")
"""Every action :meth:`ClueLibrary.apply` takes: the status transitions, and ``acknowledge`` (已阅新情况)."""

CLUE_PREFIX = "XS"
SCHEMA_VERSION = 2
"""Layout of the clue library file (``PRAGMA user_version``). 1: clues and history only (the finding
overwritten on every re-scan). 2: versions, the transfer snapshot, the new-information flag, English notes,
``legacy_id`` for clues filed under pre-case finding ids."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS clues (
    clue_id          TEXT PRIMARY KEY,
    fingerprint      TEXT NOT NULL UNIQUE,
    status           TEXT NOT NULL DEFAULT 'new',
    severity         TEXT,
    score            REAL,
    confidence       TEXT,
    title_zh         TEXT,
    title_en         TEXT,
    queries          TEXT NOT NULL DEFAULT '[]',
    finding          TEXT NOT NULL,
    content_hash     TEXT NOT NULL,
    to_unit          TEXT,
    result           TEXT,
    rating           TEXT,
    first_seen       TEXT NOT NULL,
    last_seen        TEXT NOT NULL,
    scans            INTEGER NOT NULL DEFAULT 1,
    updated_at       TEXT NOT NULL,
    version          INTEGER NOT NULL DEFAULT 1,
    new_info         INTEGER NOT NULL DEFAULT 0,
    snapshot         TEXT,
    snapshot_at      TEXT,
    snapshot_version INTEGER,
    legacy_id        TEXT
);
CREATE INDEX IF NOT EXISTS clues_status ON clues(status);
CREATE TABLE IF NOT EXISTS history (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    clue_id     TEXT NOT NULL REFERENCES clues(clue_id),
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    from_status TEXT,
    to_status   TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    note_en     TEXT NOT NULL DEFAULT '',
    version     INTEGER
);
CREATE INDEX IF NOT EXISTS history_clue ON history(clue_id);
CREATE TABLE IF NOT EXISTS versions (
    clue_id      TEXT NOT NULL REFERENCES clues(clue_id),
    version      INTEGER NOT NULL,
    at           TEXT NOT NULL,
    actor        TEXT NOT NULL,
    finding      TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    summary_zh   TEXT NOT NULL DEFAULT '',
    summary_en   TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (clue_id, version)
);
CREATE TABLE IF NOT EXISTS counters (
    year INTEGER PRIMARY KEY,
    n    INTEGER NOT NULL
);
"""

# Version 1 -> 2, run inside one transaction (ALTER TABLE is transactional in SQLite).
_MIGRATE_1_2 = (
    "ALTER TABLE clues ADD COLUMN version INTEGER NOT NULL DEFAULT 1",
    "ALTER TABLE clues ADD COLUMN new_info INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE clues ADD COLUMN snapshot TEXT",
    "ALTER TABLE clues ADD COLUMN snapshot_at TEXT",
    "ALTER TABLE clues ADD COLUMN snapshot_version INTEGER",
    "ALTER TABLE clues ADD COLUMN legacy_id TEXT",
    "ALTER TABLE history ADD COLUMN note_en TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE history ADD COLUMN version INTEGER",
)


class ClueError(ValueError):
    """A clue operation that cannot be done; the message is in Chinese and English and says what to do."""


@dataclass(frozen=True, slots=True)
class AddResult:
    """Outcome of :meth:`ClueLibrary.add_findings`.

    ``clue_ids`` maps each added finding (case) id to its clue id; ``updated`` counts clues that got a new
    version; ``adopted`` counts clues of an older library (pre-case ids) that this scan's cases took over.
    """

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    clue_ids: dict[str, str] = field(default_factory=dict)
    adopted: int = 0


@dataclass(frozen=True, slots=True)
class Clue:
    """One row of the clue library (without the full finding).

    ``fingerprint`` is the case id (the finding id); ``version`` the number of the latest version;
    ``new_info`` True when a scan changed the case since the investigator last acknowledged it (有新情况);
    ``snapshot_at`` when the finding was frozen at transfer (None before); ``legacy_id`` the pre-case finding
    id a clue from an older library was filed under.
    """

    clue_id: str
    fingerprint: str
    status: str
    severity: str | None
    score: float | None
    confidence: str | None
    title_zh: str | None
    title_en: str | None
    queries: list[str]
    to_unit: str | None
    result: str | None
    rating: str | None
    first_seen: str
    last_seen: str
    scans: int
    updated_at: str
    version: int = 1
    new_info: bool = False
    snapshot_at: str | None = None
    snapshot_version: int | None = None
    legacy_id: str | None = None


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One recorded event of a clue: when, who, what, from which status to which, and the note.

    ``note_en`` is the English note when the library wrote the note itself (a version's change summary);
    ``version`` the clue version an ``update`` (or ``create``) recorded.
    """

    at: str
    actor: str
    action: str
    from_status: str | None
    to_status: str
    note: str
    note_en: str = ""
    version: int | None = None

    def note_in(self, lang: str) -> str:
        """The note in ``lang`` (the recorded note when there is no English one)."""
        return (self.note_en if lang == "en" else self.note) or self.note


@dataclass(frozen=True, slots=True)
class Version:
    """One version of a clue's finding: its number, when and by whom it was recorded, what changed."""

    version: int
    at: str
    actor: str
    summary_zh: str
    summary_en: str
    finding: Finding


@dataclass(frozen=True, slots=True)
class ClueDetail:
    """A clue with its latest finding, its transfer snapshot, its versions and its history (oldest first).

    ``snapshot_json`` is the exact stored text of the snapshot (byte-identical for ever once transferred).
    """

    clue: Clue
    finding: Finding
    history: list[HistoryEntry]
    snapshot: Finding | None = None
    snapshot_json: str | None = None
    versions: list[Version] = field(default_factory=list)

    def changes_since_snapshot(self) -> tuple[str, str]:
        """(Chinese, English) summary of what changed between the snapshot and the latest finding
        (empty when there is no snapshot or nothing changed)."""
        if self.snapshot is None:
            return "", ""
        return change_summary(self.snapshot, self.finding)

    def to_json(self, *, show_ids: bool = False) -> dict[str, Any]:
        """The record as plain JSON: ``clue``, ``snapshot`` (finding JSON or null), ``latest``,
        ``changes_since_snapshot``, ``versions`` and ``history``; resident IDs masked unless ``show_ids``.

        Example: ``json.dumps(lib.show("XS-2026-0001").to_json(), ensure_ascii=False)``.
        """
        from guanlian.values.privacy import mask_nested

        zh, en = self.changes_since_snapshot()
        out = {
            "clue": asdict(self.clue),
            "snapshot": None if self.snapshot_json is None else json.loads(self.snapshot_json),
            "latest": self.finding.to_json(),
            "changes_since_snapshot": {"zh": zh, "en": en},
            "versions": [{"version": v.version, "at": v.at, "actor": v.actor, "summary_zh": v.summary_zh,
                          "summary_en": v.summary_en} for v in self.versions],
            "history": [asdict(h) for h in self.history],
        }
        return out if show_ids else dict(mask_nested(out))

    def render(self, lang: str = "zh", *, show_ids: bool = False) -> str:
        """The record as readable text (Chinese, or English with ``lang="en"``); IDs masked unless ``show_ids``.
        See :func:`guanlian.clues.record.render_clue`."""
        from guanlian.clues.record import render_clue

        text: str = render_clue(self, "en" if lang == "en" else "zh", show_ids=show_ids)
        return text


def default_actor() -> str:
    """The acting user (kept name): :func:`guanlian.sqlitefile.default_user` — env ``GUANLIAN_USER``, then
    ``GUANLIAN_ACTOR`` (its older name), then the login name."""
    return default_user()


def _content_hash(finding: Mapping[str, Any]) -> str:
    """SHA-256 of a finding's JSON object (keys sorted), so a re-scan adds a version only when it changed."""
    canon = json.dumps(finding, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canon.encode("utf-8")).hexdigest()


def _row_to_clue(r: sqlite3.Row) -> Clue:
    return Clue(
        clue_id=r["clue_id"],
        fingerprint=r["fingerprint"],
        status=r["status"],
        severity=r["severity"],
        score=r["score"],
        confidence=r["confidence"],
        title_zh=r["title_zh"],
        title_en=r["title_en"],
        queries=list(json.loads(r["queries"] or "[]")),
        to_unit=r["to_unit"],
        result=r["result"],
        rating=r["rating"],
        first_seen=r["first_seen"],
        last_seen=r["last_seen"],
        scans=r["scans"],
        updated_at=r["updated_at"],
        version=r["version"],
        new_info=bool(r["new_info"]),
        snapshot_at=r["snapshot_at"],
        snapshot_version=r["snapshot_version"],
        legacy_id=r["legacy_id"],
    )


def _create(c: sqlite3.Connection) -> None:
    """Create every table and index of the current schema that does not exist yet."""
    for stmt in _SCHEMA.split(";"):
        if stmt.strip():
            c.execute(stmt)


def _legacy_keys(finding: Mapping[str, Any]) -> set[tuple[str, str]]:
    """(role, key) of a stored finding's entities (how a pre-case clue is matched to a case)."""
    return {(str(e.get("role")), str(e.get("key"))) for e in finding.get("entities") or [] if isinstance(e, dict)}


class ClueLibrary(SqliteFile):
    """The clue library in one SQLite file.

    Args:
        path: the database file (created with its parent folder if missing; an older library is upgraded).
        actor: who is acting (recorded in history); default :func:`guanlian.sqlitefile.default_user`.
        busy_timeout: seconds a writer waits for another writer before giving up.

    Example:
        >>> import tempfile, pathlib
        >>> lib = ClueLibrary(pathlib.Path(tempfile.mkdtemp()) / "clues.db", actor="tester")
        >>> doc = FindingsDoc((Finding("abc", ("q",), "示例", "Example", "high", 0.9),))
        >>> r = lib.add_findings(doc)
        >>> (r.new, r.updated, r.unchanged)
        (1, 0, 0)
        >>> cid = r.clue_ids["abc"]
        >>> lib.transfer(cid, "市纪委监委第三室", "移送核查").status
        'transferred'
        >>> lib.show(cid).snapshot is not None
        True
        >>> lib.close()
    """

    def __init__(self, path: Path | str, *, actor: str | None = None, busy_timeout: float = 60.0) -> None:
        super().__init__(path, busy_timeout=busy_timeout, synchronous="NORMAL")
        self.actor = actor or default_user()
        found = self.user_version()
        if found > SCHEMA_VERSION:
            self.close()
            raise said(ClueError, f"线索库 {self.path} 由更新版本的 guanlian 写入（第{found}版），请升级 guanlian",
                       f"the clue library {self.path} was written by a newer guanlian (schema {found}); upgrade")
        if found < SCHEMA_VERSION:
            with self.transaction() as c:
                # re-read inside the write lock: another process may have upgraded it meanwhile
                found = int(c.execute("PRAGMA user_version").fetchone()[0])
                has_clues = c.execute(
                    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'clues'").fetchone() is not None
                if found == 0 and has_clues:
                    found = 1  # a version-1 file that never set user_version
                if found == 1:
                    self._migrate(c)
                _create(c)
                c.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    # --- plumbing -----------------------------------------------------------------------------

    def _migrate(self, c: sqlite3.Connection) -> None:
        """Upgrade a version-1 library in place (inside the caller's transaction), losing nothing.

        Every clue keeps its id, status, history and counters. Its current finding becomes version 1. A clue
        already past ``new`` gets that finding as its snapshot, and the history says so honestly (version 1
        overwrote the finding on every re-scan, so the content at transfer time is not known). A clue filed
        under a pre-case finding id (its finding has no ``routes``) keeps that id as ``legacy_id``; the next
        scan whose case contains it adopts it (:meth:`add_findings`).
        """
        for stmt in _MIGRATE_1_2:
            c.execute(stmt)
        _create(c)  # the new table (versions); the old tables, now widened, are left as they are
        now = utc_now()
        for r in c.execute("SELECT * FROM clues ORDER BY clue_id").fetchall():
            data = json.loads(r["finding"])
            legacy = "routes" not in data
            snap = r["status"] != "new"
            c.execute("INSERT INTO versions(clue_id, version, at, actor, finding, content_hash, summary_zh, "
                      "summary_en) VALUES (?, 1, ?, ?, ?, ?, ?, ?)",
                      (r["clue_id"], r["updated_at"], self.actor, r["finding"], r["content_hash"],
                       "升级前的最新内容", "latest content before the upgrade"))
            c.execute("UPDATE clues SET legacy_id = ?, snapshot = ?, snapshot_at = ?, snapshot_version = ? "
                      "WHERE clue_id = ?",
                      (r["fingerprint"] if legacy else None, r["finding"] if snap else None, now if snap else None,
                       1 if snap else None, r["clue_id"]))
            zh = ["线索库由第1版升级到第2版"]
            en = ["clue library upgraded from schema 1 to 2"]
            if snap:
                zh.append("旧版未保存移送时的内容，以升级时的最新内容作为快照")
                en.append("the old version did not keep the content at transfer; the latest content at the upgrade "
                          "is the snapshot")
            if legacy:
                zh.append(f"原发现编号 {r['fingerprint']} 为旧式（按路径），下次扫描到同一案件时改按案件编号跟踪")
                en.append(f"finding id {r['fingerprint']} is pre-case (path based); the next scan that finds the "
                          "same case re-keys it on the case id")
            self._history(c, r["clue_id"], now, "migrate", r["status"], r["status"], "；".join(zh), None,
                          note_en="; ".join(en), version=1)

    def _next_clue_id(self, c: sqlite3.Connection, now: str) -> str:
        year = int(now[:4])
        c.execute("INSERT INTO counters(year, n) VALUES (?, 0) ON CONFLICT(year) DO NOTHING", (year,))
        c.execute("UPDATE counters SET n = n + 1 WHERE year = ?", (year,))
        n = int(c.execute("SELECT n FROM counters WHERE year = ?", (year,)).fetchone()[0])
        return f"{CLUE_PREFIX}-{year}-{n:04d}"

    def _history(
        self,
        c: sqlite3.Connection,
        clue_id: str,
        now: str,
        action: str,
        from_status: str | None,
        to_status: str,
        note: str,
        actor: str | None,
        *,
        note_en: str = "",
        version: int | None = None,
    ) -> None:
        c.execute(
            "INSERT INTO history(clue_id, at, actor, action, from_status, to_status, note, note_en, version) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (clue_id, now, actor or self.actor, action, from_status, to_status, note or "", note_en or "", version),
        )

    def _resolve(self, c: sqlite3.Connection, clue_id: str) -> sqlite3.Row:
        key = clue_id.strip()
        row: sqlite3.Row | None = c.execute(
            "SELECT * FROM clues WHERE clue_id = ? OR fingerprint = ? OR legacy_id = ? ORDER BY clue_id LIMIT 1",
            (key.upper(), key, key),
        ).fetchone()
        if row is None:
            raise ClueError(
                f"线索 {key} 不存在（用 guanlian clues list 查看）/ No clue {key!r}; list clues with "
                "`guanlian clues list`."
            )
        return row

    # --- adding -------------------------------------------------------------------------------

    def add_findings(self, doc: FindingsDoc, ids: Sequence[str] | None = None, *,
                     actor: str | None = None) -> AddResult:
        """File findings from a ``findings.json`` document (all, or only the case ids in ``ids``).

        A case already in the library (same case id) gets a new version when its content changed (new
        payments, score, evidence …): the finding, who, when and a change summary ("新增付款1笔 ¥50,000.00")
        are appended, the clue is flagged 有新情况 when it is past ``new``; its status, history and transfer
        snapshot are kept. An unchanged case adds no version (only ``last_seen``/``scans`` move). A clue of an
        older library filed under a pre-case finding id is adopted by the one case of this document whose
        entities contain all of its entities and whose queries include its query. All findings go in one
        transaction: either all are recorded or none.

        Args:
            doc: the findings document (``findings.json`` read with :meth:`FindingsDoc.from_json`).
            ids: case ids to add; unknown ones raise :class:`ClueError` before any write.
            actor: who files (default: the library's actor).

        Returns:
            Counts of new, updated (new version), unchanged and adopted clues, and the clue id of each case.

        Example:
            >>> # ClueLibrary("clues.db").add_findings(FindingsDoc.from_json(json.load(open("findings.json"))),
            >>> #                                      ["f1a2b3c4"])
        """
        findings = [f for f in doc.findings if f.id]
        if ids is not None:
            wanted = list(dict.fromkeys(ids))
            by_id = {f.id: f for f in findings}
            missing = [i for i in wanted if i not in by_id]
            if missing:
                raise ClueError(
                    f"这些发现编号不在结果文件中：{', '.join(missing)} / "
                    f"not in the findings document: {', '.join(missing)}"
                )
            findings = [by_id[i] for i in wanted]
        new = updated = unchanged = adopted = 0
        clue_ids: dict[str, str] = {}
        who = actor or self.actor
        with self.transaction() as c:
            now = utc_now()
            legacy = self._legacy_candidates(c, findings)
            for f in findings:
                fp = f.id
                data = f.to_json()
                h = _content_hash(data)
                text = json.dumps(data, ensure_ascii=False, default=str)
                row = c.execute("SELECT * FROM clues WHERE fingerprint = ?", (fp,)).fetchone()
                adopt_note = ("", "")
                if row is None and fp in legacy:
                    row = legacy[fp]
                    c.execute("UPDATE clues SET fingerprint = ? WHERE clue_id = ?", (fp, row["clue_id"]))
                    adopt_note = (f"旧版线索改按案件编号 {fp} 跟踪；", f"re-keyed from the pre-case id on case {fp}; ")
                    adopted += 1
                fields = (f.severity, f.score, f.confidence, f.title_zh, f.title_en,
                          json.dumps(list(f.queries), ensure_ascii=False), text, h)
                if row is None:
                    cid = self._next_clue_id(c, now)
                    c.execute(
                        "INSERT INTO clues(clue_id, fingerprint, status, severity, score, confidence, "
                        "title_zh, title_en, queries, finding, content_hash, first_seen, last_seen, scans, "
                        "updated_at, version) VALUES (?, ?, 'new', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, 1)",
                        (cid, fp, *fields, now, now, now),
                    )
                    c.execute("INSERT INTO versions(clue_id, version, at, actor, finding, content_hash) "
                              "VALUES (?, 1, ?, ?, ?, ?)", (cid, now, who, text, h))
                    self._history(c, cid, now, "create", None, "new", "", who, version=1)
                    new += 1
                elif row["content_hash"] != h:
                    cid = row["clue_id"]
                    version = int(row["version"]) + 1
                    before = Finding.from_json(json.loads(row["finding"]), f"clue {cid}")
                    zh, en = change_summary(before, f)
                    zh, en = adopt_note[0] + zh, adopt_note[1] + en
                    flag = 1 if row["status"] != "new" else int(row["new_info"])
                    c.execute(
                        "UPDATE clues SET severity = ?, score = ?, confidence = ?, title_zh = ?, "
                        "title_en = ?, queries = ?, finding = ?, content_hash = ?, last_seen = ?, "
                        "scans = scans + 1, updated_at = ?, version = ?, new_info = ? WHERE clue_id = ?",
                        (*fields, now, now, version, flag, cid),
                    )
                    c.execute("INSERT INTO versions(clue_id, version, at, actor, finding, content_hash, summary_zh, "
                              "summary_en) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (cid, version, now, who, text, h, zh, en))
                    self._history(c, cid, now, "update", row["status"], row["status"], zh, who, note_en=en,
                                  version=version)
                    updated += 1
                else:
                    cid = row["clue_id"]
                    c.execute(
                        "UPDATE clues SET last_seen = ?, scans = scans + 1 WHERE clue_id = ?", (now, cid)
                    )
                    unchanged += 1
                clue_ids[fp] = cid
        return AddResult(new, updated, unchanged, clue_ids, adopted)

    def _legacy_candidates(self, c: sqlite3.Connection, findings: Sequence[Finding]) -> dict[str, sqlite3.Row]:
        """Case id → the pre-case clue it adopts: the lowest-numbered not yet re-keyed clue whose query the case
        has and whose entities all appear in the case, when exactly one case of this document contains it."""
        rows = c.execute("SELECT * FROM clues WHERE legacy_id IS NOT NULL AND fingerprint = legacy_id "
                         "ORDER BY clue_id").fetchall()
        if not rows:
            return {}
        known = {str(r[0]) for r in c.execute("SELECT fingerprint FROM clues").fetchall()}
        cases = [(f, {(e.role, e.key) for e in f.entities}) for f in findings if f.id not in known]
        out: dict[str, sqlite3.Row] = {}
        for r in rows:
            data = json.loads(r["finding"])
            keys = _legacy_keys(data)
            queries = set(data.get("queries") or [])
            hits = [f for f, ents in cases if keys and keys <= ents and queries & set(f.queries)]
            if len(hits) == 1 and hits[0].id not in out:
                out[hits[0].id] = r
        return out

    # --- reading ------------------------------------------------------------------------------

    def list(self, status: str | None = None, severity: str | None = None, *,
             new_info: bool | None = None) -> list[Clue]:
        """Clues, newest id last, optionally filtered by status, severity and the 有新情况 flag.

        Example:
            >>> # [c.clue_id for c in lib.list(status="transferred", new_info=True)]
        """
        if status is not None and status not in STATUSES:
            raise said(ClueError, f"未知状态 {status!r}；可选：{', '.join(STATUSES)}",
                       f"unknown status {status!r}; choose one of {', '.join(STATUSES)}")
        flag = None if new_info is None else int(new_info)
        sql = ("SELECT * FROM clues WHERE (? IS NULL OR status = ?) AND (? IS NULL OR severity = ?) "
               "AND (? IS NULL OR new_info = ?) ORDER BY clue_id")
        rows = self.conn.execute(sql, (status, status, severity, severity, flag, flag)).fetchall()
        return [_row_to_clue(r) for r in rows]

    def show(self, clue_id: str) -> ClueDetail:
        """One clue (by clue id, case id or pre-case id) with its latest finding, its transfer snapshot, every
        version and the full history.

        Raises:
            ClueError: no such clue (one line, says how to list them).

        Example:
            >>> # d = lib.show("XS-2026-0001"); d.history[-1].action, d.clue.new_info
        """
        row = self._resolve(self.conn, clue_id)
        cid = row["clue_id"]
        hist = self.conn.execute(
            "SELECT at, actor, action, from_status, to_status, note, note_en, version FROM history "
            "WHERE clue_id = ? ORDER BY id", (cid,)).fetchall()
        vers = self.conn.execute(
            "SELECT version, at, actor, summary_zh, summary_en, finding FROM versions WHERE clue_id = ? "
            "ORDER BY version", (cid,)).fetchall()
        snap = row["snapshot"]
        return ClueDetail(
            clue=_row_to_clue(row),
            finding=Finding.from_json(json.loads(row["finding"]), f"clue {cid}"),
            history=[HistoryEntry(**dict(h)) for h in hist],
            snapshot=None if snap is None else Finding.from_json(json.loads(snap), f"clue {cid} snapshot"),
            snapshot_json=snap,
            versions=[Version(v["version"], v["at"], v["actor"], v["summary_zh"], v["summary_en"],
                              Finding.from_json(json.loads(v["finding"]), f"clue {cid} v{v['version']}"))
                      for v in vers],
        )

    # --- lifecycle ----------------------------------------------------------------------------

    def _step(
        self,
        clue_id: str,
        action: str,
        note: str,
        actor: str | None,
        set_col: tuple[str, str] | None = None,
    ) -> Clue:
        allowed_from, target = TRANSITIONS[action]
        with self.transaction() as c:
            row = self._resolve(c, clue_id)
            cur = row["status"]
            if cur not in allowed_from:
                nxt = [a for a, (frm, _) in TRANSITIONS.items() if cur in frm]
                nxt_zh = "、".join(f"{CLUE_ACTION[a][0]}({a})" for a in nxt) or "无(已结束)"
                nxt_en = ", ".join(nxt) or "none (closed)"
                raise ClueError(
                    f"线索 {row['clue_id']} 当前状态为「{CLUE_STATUS[cur][0]}」({cur})，"
                    f"不能执行「{CLUE_ACTION[action][0]}」({action})；允许的下一步：{nxt_zh}。 / "
                    f"Clue {row['clue_id']} is '{cur}', so '{action}' is not allowed; "
                    f"allowed next: {nxt_en}."
                )
            now = utc_now()
            cid = row["clue_id"]
            if set_col is not None:
                col, val = set_col
                assert col in ("to_unit", "result", "rating")  # fixed column names, never user text
                c.execute(
                    f"UPDATE clues SET status = ?, {col} = ?, updated_at = ? WHERE clue_id = ?",  # noqa: S608
                    (target, val, now, cid),
                )
            else:
                c.execute("UPDATE clues SET status = ?, updated_at = ? WHERE clue_id = ?", (target, now, cid))
            if action == "transfer" and row["snapshot"] is None:
                # the finding as handed over, frozen: the exact stored text, never written again
                c.execute("UPDATE clues SET snapshot = finding, snapshot_at = ?, snapshot_version = version "
                          "WHERE clue_id = ?", (now, cid))
            self._history(c, cid, now, action, cur, target, note, actor)
            out = c.execute("SELECT * FROM clues WHERE clue_id = ?", (cid,)).fetchone()
        return _row_to_clue(out)

    def transfer(self, clue_id: str, to_unit: str, note: str = "", *, actor: str | None = None) -> Clue:
        """移送: hand the clue to a unit (``new``/``parked`` → ``transferred``); freezes the finding as its
        snapshot (never changed afterwards).

        Example:
            >>> # lib.transfer("XS-2026-0001", "市纪委监委第三监督检查室", "附报告第1条", actor="张三")
        """
        if not to_unit.strip():
            raise ClueError("请填写移送单位（--to）。/ Name the unit the clue is transferred to (--to).")
        return self._step(clue_id, "transfer", note, actor, ("to_unit", to_unit.strip()))

    def park(self, clue_id: str, note: str = "", *, actor: str | None = None) -> Clue:
        """暂存待查: keep the clue on hold for later checking (``new`` → ``parked``); it may be transferred or
        closed later.

        Example:
            >>> # lib.park("XS-2026-0001", "待下季度付款数据", actor="张三")
        """
        return self._step(clue_id, "park", note, actor)

    def close_clue(self, clue_id: str, note: str = "", *, actor: str | None = None) -> Clue:
        """予以了结: close the clue without transferring it (``new``/``parked`` → ``closed``, final).

        (Named ``close_clue`` because :meth:`close` closes the database.)

        Example:
            >>> # lib.close_clue("XS-2026-0001", "经核实为正常招标采购", actor="张三")
        """
        if not note.strip():
            raise ClueError("予以了结须写明理由（--note）。/ Say why the clue is closed (--note).")
        return self._step(clue_id, "close", note, actor)

    def handle(self, clue_id: str, result: str, note: str = "", *, actor: str | None = None) -> Clue:
        """处置: record how the receiving unit dealt with it (``transferred``/``handled`` → ``handled``).

        May be recorded more than once (e.g. 初步核实 then 立案审查); the latest result is kept on the
        clue, every one stays in the history.

        Example:
            >>> # lib.handle("XS-2026-0001", "初步核实", "已调取合同")
        """
        if not result.strip():
            raise ClueError("请填写处置结果（--result）。/ Give the handling result (--result).")
        return self._step(clue_id, "handle", note, actor, ("result", result.strip()))

    def feedback(self, clue_id: str, note: str, *, actor: str | None = None) -> Clue:
        """反馈: the receiving unit reports back (``handled`` → ``fed_back``).

        Example:
            >>> # lib.feedback("XS-2026-0001", "已立案，涉案金额234.5万元")
        """
        return self._step(clue_id, "feedback", note, actor)

    def evaluate(self, clue_id: str, rating: str, note: str = "", *, actor: str | None = None) -> Clue:
        """评估: rate the clue (``fed_back`` → ``evaluated``, final).

        Args:
            rating: ``substantiated`` (属实), ``partly`` (部分属实), ``unsubstantiated`` (不属实) or
                ``unverifiable`` (无法查实), in English or Chinese.

        Example:
            >>> # lib.evaluate("XS-2026-0001", "属实", "线索质量高")
        """
        canon = rating_key(rating)
        return self._step(clue_id, "evaluate", note, actor, ("rating", canon))

    def acknowledge(self, clue_id: str, note: str = "", *, actor: str | None = None) -> Clue:
        """已阅新情况: the investigator has seen what later scans found; clears the 有新情况 flag (the
        versions stay). Acknowledging a clue without new information is an error (nothing to acknowledge).

        Example:
            >>> # lib.acknowledge("XS-2026-0001", "新增付款已转承办室", actor="张三")
        """
        with self.transaction() as c:
            row = self._resolve(c, clue_id)
            if not row["new_info"]:
                raise said(ClueError, f"线索 {row['clue_id']} 没有待阅的新情况",
                           f"clue {row['clue_id']} has no new information to acknowledge")
            now = utc_now()
            c.execute("UPDATE clues SET new_info = 0, updated_at = ? WHERE clue_id = ?", (now, row["clue_id"]))
            self._history(c, row["clue_id"], now, "acknowledge", row["status"], row["status"], note, actor,
                          version=int(row["version"]))
            out = c.execute("SELECT * FROM clues WHERE clue_id = ?", (row["clue_id"],)).fetchone()
        return _row_to_clue(out)

    def apply(self, clue_id: str, action: str, *, note: str = "", to_unit: str = "", result: str = "",
              rating: str = "", actor: str | None = None) -> Clue:
        """Any action by name (for a web form or a script): one of :data:`ACTIONS` — ``transfer`` (needs
        ``to_unit``), ``handle`` (``result``), ``feedback``, ``evaluate`` (``rating``), ``park``, ``close``,
        ``acknowledge`` — with the note and who acts.

        Raises:
            ClueError: unknown action or clue, a step not allowed from the clue's status, a missing field.

        Example:
            >>> # lib.apply("XS-2026-0001", "transfer", to_unit="第三室", note="附报告", actor="张三")
        """
        act = action.strip()
        if act == "transfer":
            return self.transfer(clue_id, to_unit, note, actor=actor)
        if act == "handle":
            return self.handle(clue_id, result, note, actor=actor)
        if act == "feedback":
            return self.feedback(clue_id, note, actor=actor)
        if act == "evaluate":
            return self.evaluate(clue_id, rating, note, actor=actor)
        if act == "park":
            return self.park(clue_id, note, actor=actor)
        if act == "close":
            return self.close_clue(clue_id, note, actor=actor)
        if act == "acknowledge":
            return self.acknowledge(clue_id, note, actor=actor)
        raise said(ClueError, f"未知操作 {action!r}；可选：{', '.join(ACTIONS)}",
                   f"unknown action {action!r}; choose one of {', '.join(ACTIONS)}")


def rating_key(rating: str) -> str:
    """The canonical rating key of ``rating`` (English key or Chinese word); :class:`ClueError` otherwise.

    >>> rating_key("部分属实"), rating_key("Substantiated")
    ('partly', 'substantiated')
    """
    r = rating.strip()
    for key, words in RATING_WORDS.items():
        if r.lower() == key or r in words:
            return key
    choices = ", ".join(f"{k} ({v[0]})" for k, v in RATING_WORDS.items())
    raise said(ClueError, f"未知评估结果 {rating!r}；可选：{choices}", f"unknown rating {rating!r}; choose one of {choices}")
