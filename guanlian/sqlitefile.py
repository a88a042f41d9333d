"""One small home for the SQLite files guanlian keeps beside a store (``clues.db``, ``judgements.db``).

Both are opened the same way: the parent folder created, WAL journal (readers never block the one writer),
a busy timeout so concurrent writers (several processes) wait instead of failing, and every write as one
``BEGIN IMMEDIATE`` transaction (the write lock is taken up front, so two writers never deadlock upgrading a read
lock; a process killed mid-write leaves the file as it was before that transaction). Who acts and when are
recorded the same way too: :func:`default_user` and :func:`utc_now`.

Example:
    >>> import tempfile
    >>> db = SqliteFile(Path(tempfile.mkdtemp()) / "x" / "t.db")
    >>> with db.transaction() as c:
    ...     _ = c.execute("CREATE TABLE t (v TEXT)")
    ...     _ = c.execute("INSERT INTO t VALUES ('a')")
    >>> db.conn.execute("SELECT count(*) FROM t").fetchone()[0]
    1
    >>> db.close()
"""

from __future__ import annotations

import getpass
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, Self

USER_ENV = "GUANLIAN_USER"
"""Environment variable naming who acts (``--by`` defaults to it)."""
USER_ENV_FALLBACK = "GUANLIAN_ACTOR"
"""Older name of :data:`USER_ENV` (the clue library read it before judgements existed); still honoured."""


def default_user() -> str:
    """Who is acting: env ``GUANLIAN_USER``, then ``GUANLIAN_ACTOR`` (older name), then the login name
    (``unknown`` when there is none).

    Example:
        >>> os.environ["GUANLIAN_USER"] = "张三"; default_user()
        '张三'
        >>> del os.environ["GUANLIAN_USER"]
    """
    for var in (USER_ENV, USER_ENV_FALLBACK):
        v = os.environ.get(var, "").strip()
        if v:
            return v
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def utc_now() -> str:
    """The current UTC time to the second as ISO text with ``Z`` (``2026-11-30T12:00:00Z``), as every record
    stores it.

    >>> utc_now().endswith("Z") and len(utc_now()) == 20
    True
    """
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class SqliteFile:
    """An open SQLite file in WAL mode with one-transaction writes; subclass it or hold one.

    Args:
        path: the database file (created with its parent folder if missing).
        busy_timeout: seconds a writer waits for another writer before giving up.
        synchronous: ``FULL`` (every commit reaches the disk) or ``NORMAL`` (WAL's safe default: a power cut
            may lose the last commits, never corrupts).

    Example: see the module docstring.
    """

    def __init__(self, path: Path | str, *, busy_timeout: float = 60.0,
                 synchronous: Literal["FULL", "NORMAL"] = "NORMAL") -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: no implicit transactions; transaction() issues BEGIN IMMEDIATE itself
        self.conn = sqlite3.connect(self.path, timeout=busy_timeout, isolation_level=None)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
        self.conn.execute("PRAGMA journal_mode = WAL")
        self.conn.execute(f"PRAGMA synchronous = {'FULL' if synchronous == 'FULL' else 'NORMAL'}")
        self.conn.execute("PRAGMA foreign_keys = ON")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: ``BEGIN IMMEDIATE`` … ``COMMIT``, rolled back on any exception."""
        c = self.conn
        c.execute("BEGIN IMMEDIATE")
        try:
            yield c
        except BaseException:
            c.execute("ROLLBACK")
            raise
        c.execute("COMMIT")

    def user_version(self) -> int:
        """``PRAGMA user_version`` (the schema version a file was written with; 0 for a new file)."""
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
