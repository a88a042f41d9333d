"""The load journal: which files a store already holds, so an interrupted load can be rerun safely.

A load writes one file after another; every write is an idempotent upsert keyed by deterministic keys, so
rerunning a load always converges to the graph of a clean load. The journal makes the rerun cheap and the
derived edges right:

* ``started`` is appended (and fsynced) before a file's rows are written, ``completed`` after the last one;
  a ``completed`` record carries the file's counts and the store's counts at that moment.
* On a rerun, a file whose fingerprint (SHA-256 of its bytes), name and kind have a ``completed`` record is
  still parsed (so the summary and ``rejects.csv`` are the same as for a clean load) but not written again.
  A file that was only ``started`` (the process died while writing it) is written again in full.
* Derived edges (``PAID`` totals) are marked ``dirty`` before any payment rows are written and ``derived``
  after the rebuild; a rerun rebuilds them while a ``dirty`` mark is newer than the last ``derived`` one.
* The journal is only trusted while the store still holds what it records: a completed file is skipped only
  if no node or loaded-edge count of the store is below the count noted when that file completed. A store
  that was emptied or replaced behind the journal's back is therefore reloaded in full.

Where it lives: ``load-journal.jsonl`` in the store's sidecar folder (:attr:`guanlian.graph.Store.sidecar`):
inside the embedded store's folder (it goes with the database); for Neo4j, a local folder named after the
server and database. Nothing is written into the Neo4j database itself. A journal that is lost or comes from
another machine only costs time (files are written again), never correctness.

Besides files, the journal marks derived steps stale: ``PAID`` totals (above) and ``match`` (a load that wrote
rows leaves the ``POSSIBLY_SAME`` links stale until ``guanlian match`` runs again; ``scan`` warns meanwhile).

The format is JSON lines, one event per line, appended with ``O_APPEND`` and fsynced; a torn last line
(the process was killed while writing it) is ignored when reading.

Example:
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> f = d / "a.csv"; _ = f.write_text("x", encoding="utf-8")
    >>> j = Journal(d / "load-journal.jsonl")
    >>> fp = fingerprint(f)
    >>> j.started("L1", f, fp, "officials")
    >>> j.is_completed(fp, "a.csv", "officials", {"Person": 1})
    False
    >>> j.completed("L1", f, fp, "officials", read=1, loaded=1, rejected=0, counts={"Person": 1})
    >>> j.is_completed(fp, "a.csv", "officials", {"Person": 1}), j.is_completed(fp, "a.csv", "officials", {})
    (True, False)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from guanlian.graph.store import SIDECAR_FILES

JOURNAL_FILE = SIDECAR_FILES["journal"]

MATCH_STEP = "match"
"""The derived step a load marks dirty and ``guanlian match`` marks derived (see :meth:`Journal.derive_pending`)."""

UNCHECKED_KINDS = frozenset({"PAID", "POSSIBLY_SAME", "SAME_COMPANY"})
"""Edge kinds that are rebuilt or deleted by design (derived totals, matcher output); their counts may drop."""


def fingerprint(path: Path | str, chunk: int = 1 << 20) -> str:
    """SHA-256 of a file's bytes (hex).

    Args:
        path: the file.
        chunk: read size in bytes.

    Returns:
        64 hex characters.

    Example:
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "e"; _ = p.write_bytes(b"")
        >>> fingerprint(p)[:12]
        'e3b0c44298fc'
    """
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def journal_path(sidecar: Path | str) -> Path:
    """The journal file of the store whose sidecar folder is ``sidecar`` (:attr:`Store.sidecar`).

    Example:
        >>> journal_path("demo-out/store").as_posix()
        'demo-out/store/load-journal.jsonl'
    """
    return Path(sidecar) / JOURNAL_FILE


class Journal:
    """Append-only JSON-lines journal of one store's loads.

    Args:
        path: the journal file (created with its folder on the first write).
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._events: list[dict[str, Any]] | None = None

    # -- reading --------------------------------------------------------------------------------------------
    def events(self) -> list[dict[str, Any]]:
        """All events recorded so far (a torn or foreign line is skipped)."""
        if self._events is None:
            self._events = []
            try:
                text = self.path.read_bytes().decode("utf-8", errors="replace")
            except FileNotFoundError:
                return self._events
            for line in text.splitlines():
                try:
                    ev = json.loads(line)
                except ValueError:
                    continue
                if isinstance(ev, dict) and isinstance(ev.get("event"), str):
                    self._events.append(ev)
        return self._events

    def is_completed(self, sha256: str, name: str, kind: str, counts_now: Mapping[str, int]) -> bool:
        """True when this exact file (content, name, kind) completed earlier and the store still holds it.

        Args:
            sha256: the file's :func:`fingerprint`.
            name: the file name as recorded in provenance (``src_file``).
            kind: the loader kind used.
            counts_now: ``store.counts()`` before this load started.
        """
        last: dict[str, Any] | None = None
        for ev in self.events():
            if ev.get("sha256") == sha256 and ev.get("file") == name and ev.get("kind") == kind:
                if ev["event"] == "completed":
                    last = ev
                elif ev["event"] == "started":
                    last = None
        if last is None:
            return False
        group = int(last.get("group_size", 1))
        done = sum(1 for ev in self.events() if ev["event"] == "completed" and ev.get("load_id") == last.get("load_id"))
        if done < group:  # the append of its merged batch's records was cut short: treat the batch as unfinished
            return False
        recorded = last.get("counts")
        if not isinstance(recorded, dict):
            return False
        return all(
            int(counts_now.get(k, 0)) >= int(v) for k, v in recorded.items() if k not in UNCHECKED_KINDS
        )

    def completed_result(self, sha256: str, name: str, kind: str) -> dict[str, Any] | None:
        """The last ``completed`` record of this file, or None."""
        for ev in reversed(self.events()):
            if ev["event"] == "completed" and ev.get("sha256") == sha256 and ev.get("file") == name and (
                ev.get("kind") == kind
            ):
                return dict(ev)
        return None

    def derive_pending(self, step: str) -> bool:
        """True when rows feeding derived step ``step`` were written after its last rebuild finished."""
        dirty = derived = -1
        for i, ev in enumerate(self.events()):
            if ev.get("step") == step:
                if ev["event"] == "dirty":
                    dirty = i
                elif ev["event"] == "derived":
                    derived = i
        return dirty > derived

    # -- writing --------------------------------------------------------------------------------------------
    def _append(self, *events: dict[str, Any]) -> None:
        """Append events with one ``write`` (so files written together are recorded together) and fsync."""
        at = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
        stamped = [{"at": at, **e} for e in events]
        data = "".join(json.dumps(e, ensure_ascii=False, sort_keys=True) + "\n" for e in stamped).encode("utf-8")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        self.events().extend(stamped)

    def started(self, load_id: str, path: Path, sha256: str, kind: str) -> None:
        """Record that the rows of ``path`` are about to be written."""
        self._append({"event": "started", "load_id": load_id, "file": path.name, "path": str(path),
                      "sha256": sha256, "kind": kind})

    def completed(self, load_id: str, path: Path, sha256: str, kind: str, *, read: int, loaded: int,
                  rejected: int, counts: Mapping[str, int]) -> None:
        """Record that every row of ``path`` is written; ``counts`` is ``store.counts()`` right after."""
        self._append({"event": "completed", "load_id": load_id, "file": path.name, "path": str(path),
                      "sha256": sha256, "kind": kind, "read": read, "loaded": loaded, "rejected": rejected,
                      "counts": dict(counts)})

    def started_many(self, load_id: str, files: Sequence[tuple[Path, str, str]]) -> None:
        """Record ``started`` for several files written in one merged batch: ``(path, sha256, kind)`` each."""
        self._append(*({"event": "started", "load_id": load_id, "file": p.name, "path": str(p), "sha256": sha,
                        "kind": kind} for p, sha, kind in files))

    def completed_many(self, load_id: str, files: Sequence[tuple[Path, str, str, int, int, int]],
                       counts: Mapping[str, int]) -> None:
        """Record ``completed`` for files written in one merged batch, in one append: all or none of them.

        A merged write is one unit: if only some of its files were marked complete, a rerun would rewrite the
        others alone, and nodes shared with the skipped ones would end with other property values than after
        a clean load. ``files``: ``(path, sha256, kind, read, loaded, rejected)`` each.
        """
        self._append(*({"event": "completed", "load_id": load_id, "file": p.name, "path": str(p), "sha256": sha,
                        "kind": kind, "read": read, "loaded": loaded, "rejected": rejected, "counts": dict(counts),
                        "group_size": len(files)}
                       for p, sha, kind, read, loaded, rejected in files))

    def dirty(self, load_id: str, step: str) -> None:
        """Record that rows feeding derived step ``step`` (e.g. ``PAID``) are about to change."""
        self._append({"event": "dirty", "load_id": load_id, "step": step})

    def derived(self, load_id: str, step: str) -> None:
        """Record that derived step ``step`` was rebuilt completely."""
        self._append({"event": "derived", "load_id": load_id, "step": step})
