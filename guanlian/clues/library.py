"""The clue library (问题线索库): findings an investigator keeps, and what happened to each of them.

A clue is a finding (keyed by its stable fingerprint ``id``) with a short human id such as
``XS-2026-0001`` and a status that follows the closed loop of the supervision bodies::

    new ──transfer──▶ transferred ──handle──▶ handled ──feedback──▶ fed_back ──evaluate──▶ evaluated
    (新建)  (移送)      (已移送)       (处置)    (已处置)    (反馈)      (已反馈)    (评估)      (已评估)
                                             ▲     │
                                             └─────┘ handle may be recorded again while the status is
                                                     ``handled`` (e.g. 初核 then 立案), until feedback.

Every change (creation, re-scan update, each step) is a row in ``history`` with UTC time, actor and note.

Storage is one SQLite file (stdlib :mod:`sqlite3`) in WAL mode; every write is one ``BEGIN IMMEDIATE``
transaction, so concurrent writers (several processes) serialise instead of failing or losing rows, and
a process killed mid-write leaves the file as it was before that transaction.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from guanlian.finding import Finding, FindingsDoc
from guanlian.values.vocab import CLUE_ACTION, CLUE_STATUS, RATING_WORDS

Status = Literal["new", "transferred", "handled", "fed_back", "evaluated"]

STATUSES: tuple[Status, ...] = ("new", "transferred", "handled", "fed_back", "evaluated")

# action -> (statuses it may start from, status it leads to)
TRANSITIONS: dict[str, tuple[tuple[Status, ...], Status]] = {
    "transfer": (("new",), "transferred"),
    "handle": (("transferred", "handled"), "handled"),
    "feedback": (("handled",), "fed_back"),
    "evaluate": (("fed_back",), "evaluated"),
}

CLUE_PREFIX = "XS"
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS clues (
    clue_id      TEXT PRIMARY KEY,
    fingerprint  TEXT NOT NULL UNIQUE,
    status       TEXT NOT NULL DEFAULT 'new',
    severity     TEXT,
    score        REAL,
    confidence   TEXT,
    title_zh     TEXT,
    title_en     TEXT,
    queries      TEXT NOT NULL DEFAULT '[]',
    finding      TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    to_unit      TEXT,
    result       TEXT,
    rating       TEXT,
    first_seen   TEXT NOT NULL,
    last_seen    TEXT NOT NULL,
    scans        INTEGER NOT NULL DEFAULT 1,
    updated_at   TEXT NOT NULL
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
    note        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS history_clue ON history(clue_id);
CREATE TABLE IF NOT EXISTS counters (
    year INTEGER PRIMARY KEY,
    n    INTEGER NOT NULL
);
"""


class ClueError(ValueError):
    """A clue operation that cannot be done; the message is in Chinese and English and says what to do."""


@dataclass(frozen=True, slots=True)
class AddResult:
    """Outcome of :meth:`ClueLibrary.add_findings`.

    ``clue_ids`` maps each added finding fingerprint to its clue id.
    """

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    clue_ids: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Clue:
    """One row of the clue library (without the full finding)."""

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


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One recorded event of a clue."""

    at: str
    actor: str
    action: str
    from_status: str | None
    to_status: str
    note: str


@dataclass(frozen=True, slots=True)
class ClueDetail:
    """A clue with its finding document and its history (oldest first)."""

    clue: Clue
    finding: Finding
    history: list[HistoryEntry]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def default_actor() -> str:
    """The acting user: env ``GUANLIAN_ACTOR``, then ``USER``/``LOGNAME``, then the login name."""
    for var in ("GUANLIAN_ACTOR", "USER", "LOGNAME"):
        v = os.environ.get(var)
        if v:
            return v
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _content_hash(finding: Mapping[str, Any]) -> str:
    """SHA-256 of a finding's JSON object (keys sorted), so a re-scan updates a clue only when it changed."""
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
    )


class ClueLibrary:
    """The clue library in one SQLite file.

    Args:
        path: the database file (created with its parent folder if missing).
        actor: who is acting (recorded in history); default :func:`default_actor`.
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
        >>> lib.close()
    """

    def __init__(self, path: Path | str, *, actor: str | None = None, busy_timeout: float = 60.0) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.actor = actor or default_actor()
        self._conn = sqlite3.connect(self.path, timeout=busy_timeout, isolation_level=None)
        self._conn.row_factory = sqlite3.Row
        self._conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
        self._conn.execute("PRAGMA journal_mode = WAL")
        self._conn.execute("PRAGMA synchronous = NORMAL")
        self._conn.execute("PRAGMA foreign_keys = ON")
        with self._tx() as c:
            for stmt in _SCHEMA.split(";"):
                if stmt.strip():
                    c.execute(stmt)
            c.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    # --- plumbing -----------------------------------------------------------------------------

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; ``BEGIN IMMEDIATE`` takes the write lock up front (no upgrade deadlock)."""
        c = self._conn
        c.execute("BEGIN IMMEDIATE")
        try:
            yield c
        except BaseException:
            c.execute("ROLLBACK")
            raise
        else:
            c.execute("COMMIT")

    def close(self) -> None:
        """Close the database connection."""
        self._conn.close()

    def __enter__(self) -> ClueLibrary:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

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
    ) -> None:
        c.execute(
            "INSERT INTO history(clue_id, at, actor, action, from_status, to_status, note) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (clue_id, now, actor or self.actor, action, from_status, to_status, note or ""),
        )

    def _resolve(self, c: sqlite3.Connection, clue_id: str) -> sqlite3.Row:
        row: sqlite3.Row | None = c.execute(
            "SELECT * FROM clues WHERE clue_id = ? OR fingerprint = ?", (clue_id.strip().upper(), clue_id)
        ).fetchone()
        if row is None:
            raise ClueError(
                f"线索 {clue_id} 不存在。/ No clue {clue_id!r}; list clues with `guanlian clues list`."
            )
        return row

    # --- adding -------------------------------------------------------------------------------

    def add_findings(self, doc: FindingsDoc, ids: Sequence[str] | None = None) -> AddResult:
        """Add findings from a ``findings.json`` document (all, or only the fingerprints in ``ids``).

        A finding already in the library (same fingerprint) is updated when its content changed (new
        score, evidence, payments) and left alone otherwise; its status and history are kept. All
        findings go in one transaction: either all are recorded or none.

        Args:
            doc: the findings document (``findings.json`` read with :meth:`FindingsDoc.from_json`).
            ids: finding fingerprints to add; unknown ones raise :class:`ClueError` before any write.

        Returns:
            Counts of new, updated and unchanged clues, and the clue id of each fingerprint.

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
                    f"这些线索编号不在结果文件中：{', '.join(missing)} / "
                    f"not in the findings document: {', '.join(missing)}"
                )
            findings = [by_id[i] for i in wanted]
        new = updated = unchanged = 0
        clue_ids: dict[str, str] = {}
        with self._tx() as c:
            now = _now()
            for f in findings:
                fp = f.id
                data = f.to_json()
                h = _content_hash(data)
                row = c.execute(
                    "SELECT clue_id, content_hash, status FROM clues WHERE fingerprint = ?", (fp,)
                ).fetchone()
                fields = (
                    f.severity,
                    f.score,
                    f.confidence,
                    f.title_zh,
                    f.title_en,
                    json.dumps(list(f.queries), ensure_ascii=False),
                    json.dumps(data, ensure_ascii=False, default=str),
                    h,
                )
                if row is None:
                    cid = self._next_clue_id(c, now)
                    c.execute(
                        "INSERT INTO clues(clue_id, fingerprint, status, severity, score, confidence, "
                        "title_zh, title_en, queries, finding, content_hash, first_seen, last_seen, scans, "
                        "updated_at) VALUES (?, ?, 'new', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)",
                        (cid, fp, *fields, now, now, now),
                    )
                    self._history(c, cid, now, "create", None, "new", "", None)
                    new += 1
                elif row["content_hash"] != h:
                    cid = row["clue_id"]
                    c.execute(
                        "UPDATE clues SET severity = ?, score = ?, confidence = ?, title_zh = ?, "
                        "title_en = ?, queries = ?, finding = ?, content_hash = ?, last_seen = ?, "
                        "scans = scans + 1, updated_at = ? WHERE clue_id = ?",
                        (*fields, now, now, cid),
                    )
                    self._history(c, cid, now, "update", row["status"], row["status"], "", None)
                    updated += 1
                else:
                    cid = row["clue_id"]
                    c.execute(
                        "UPDATE clues SET last_seen = ?, scans = scans + 1 WHERE clue_id = ?", (now, cid)
                    )
                    unchanged += 1
                clue_ids[fp] = cid
        return AddResult(new, updated, unchanged, clue_ids)

    # --- reading ------------------------------------------------------------------------------

    def list(self, status: str | None = None, severity: str | None = None) -> list[Clue]:
        """Clues, newest id last, optionally filtered by status and severity.

        Example:
            >>> # [c.clue_id for c in lib.list(status="new", severity="high")]
        """
        if status is not None and status not in STATUSES:
            raise ClueError(f"未知状态 {status!r}；可选：{', '.join(STATUSES)} / unknown status {status!r}")
        sql = "SELECT * FROM clues WHERE (? IS NULL OR status = ?) AND (? IS NULL OR severity = ?) ORDER BY clue_id"
        rows = self._conn.execute(sql, (status, status, severity, severity)).fetchall()
        return [_row_to_clue(r) for r in rows]

    def show(self, clue_id: str) -> ClueDetail:
        """One clue (by clue id or fingerprint) with its finding and full history.

        Example:
            >>> # d = lib.show("XS-2026-0001"); d.history[-1].action
        """
        row = self._resolve(self._conn, clue_id)
        hist = self._conn.execute(
            "SELECT at, actor, action, from_status, to_status, note FROM history WHERE clue_id = ? ORDER BY id",
            (row["clue_id"],),
        ).fetchall()
        return ClueDetail(
            clue=_row_to_clue(row),
            finding=Finding.from_json(json.loads(row["finding"]), f"clue {row['clue_id']}"),
            history=[HistoryEntry(**dict(h)) for h in hist],
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
        with self._tx() as c:
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
            now = _now()
            if set_col is not None:
                col, val = set_col
                assert col in ("to_unit", "result", "rating")  # fixed column names, never user text
                c.execute(
                    f"UPDATE clues SET status = ?, {col} = ?, updated_at = ? WHERE clue_id = ?",  # noqa: S608
                    (target, val, now, row["clue_id"]),
                )
            else:
                c.execute(
                    "UPDATE clues SET status = ?, updated_at = ? WHERE clue_id = ?",
                    (target, now, row["clue_id"]),
                )
            self._history(c, row["clue_id"], now, action, cur, target, note, actor)
            out = c.execute("SELECT * FROM clues WHERE clue_id = ?", (row["clue_id"],)).fetchone()
        return _row_to_clue(out)

    def transfer(self, clue_id: str, to_unit: str, note: str = "", *, actor: str | None = None) -> Clue:
        """移送: hand the clue to a unit (``new`` → ``transferred``).

        Example:
            >>> # lib.transfer("XS-2026-0001", "市纪委监委第三监督检查室", "附报告第1条")
        """
        if not to_unit.strip():
            raise ClueError("请填写移送单位。/ Name the unit the clue is transferred to.")
        return self._step(clue_id, "transfer", note, actor, ("to_unit", to_unit.strip()))

    def handle(self, clue_id: str, result: str, note: str = "", *, actor: str | None = None) -> Clue:
        """处置: record how the receiving unit dealt with it (``transferred``/``handled`` → ``handled``).

        May be recorded more than once (e.g. 初步核实 then 立案审查); the latest result is kept on the
        clue, every one stays in the history.

        Example:
            >>> # lib.handle("XS-2026-0001", "初步核实", "已调取合同")
        """
        if not result.strip():
            raise ClueError("请填写处置结果。/ Give the handling result.")
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
        canon = None
        r = rating.strip()
        for key, words in RATING_WORDS.items():
            if r.lower() == key or r in words:
                canon = key
        if canon is None:
            choices = ", ".join(f"{k} ({v[0]})" for k, v in RATING_WORDS.items())
            raise ClueError(
                f"未知评估结果 {rating!r}；可选：{choices} / unknown rating; choose one of {choices}"
            )
        return self._step(clue_id, "evaluate", note, actor, ("rating", canon))
