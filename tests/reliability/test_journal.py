"""Unit tests of the load journal: torn lines, merged batches recorded all-or-nothing, trust checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from guanlian.graph import sidecar_for
from guanlian.loaders.journal import Journal, fingerprint, journal_path


def _files(tmp_path: Path) -> list[tuple[Path, str, str]]:
    out = []
    for i, kind in enumerate(("officials", "companies", "payments")):
        p = tmp_path / f"f{i}.csv"
        p.write_text(f"x{i}", encoding="utf-8")
        out.append((p, fingerprint(p), kind))
    return out


def test_merged_batch_completes_together(tmp_path: Path) -> None:
    j = Journal(tmp_path / "j.jsonl")
    files = _files(tmp_path)
    j.started_many("L1", files)
    assert not any(j.is_completed(sha, p.name, k, {}) for p, sha, k in files)
    j.completed_many("L1", [(p, sha, k, 1, 1, 0) for p, sha, k in files], {"Person": 3})
    fresh = Journal(tmp_path / "j.jsonl")
    assert all(fresh.is_completed(sha, p.name, k, {"Person": 3}) for p, sha, k in files)
    # the store lost data behind the journal's back: nothing is trusted
    assert not any(fresh.is_completed(sha, p.name, k, {"Person": 2}) for p, sha, k in files)
    # another name or kind for the same bytes is another file
    p, sha, k = files[0]
    assert not fresh.is_completed(sha, "other.csv", k, {"Person": 3})
    assert not fresh.is_completed(sha, p.name, "relatives", {"Person": 3})


def test_cut_append_leaves_batch_unfinished(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    j = Journal(path)
    files = _files(tmp_path)
    j.started_many("L1", files)
    j.completed_many("L1", [(p, sha, k, 1, 1, 0) for p, sha, k in files], {"Person": 3})
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:-1]) + lines[-1][:20])  # power cut inside the last record
    again = Journal(path)
    assert len(again.events()) == len(lines) - 1  # the torn line is ignored
    assert not any(again.is_completed(sha, p.name, k, {"Person": 3}) for p, sha, k in files)


def test_restarted_file_is_not_complete(tmp_path: Path) -> None:
    j = Journal(tmp_path / "j.jsonl")
    (p, sha, k), *_ = _files(tmp_path)
    j.completed_many("L1", [(p, sha, k, 1, 1, 0)], {})
    j.started_many("L2", [(p, sha, k)])
    assert not j.is_completed(sha, p.name, k, {})


def test_paid_pending_until_derived(tmp_path: Path) -> None:
    j = Journal(tmp_path / "j.jsonl")
    assert not j.derive_pending("PAID")
    j.dirty("L1", "PAID")
    assert Journal(tmp_path / "j.jsonl").derive_pending("PAID")
    j.derived("L1", "PAID")
    assert not Journal(tmp_path / "j.jsonl").derive_pending("PAID")


def test_journal_locations(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GUANLIAN_HOME", str(tmp_path / "home"))
    assert journal_path(sidecar_for(str(tmp_path / "s"))) == tmp_path / "s" / "load-journal.jsonl"
    got = journal_path(sidecar_for("neo4j+s://user@db.example.org:7687/x", "crm db"))
    assert got == tmp_path / "home" / "stores" / "neo4j-db.example.org_7687-crm_db" / "load-journal.jsonl"
    # every URI form of one server and database shares the folder; another database does not
    assert sidecar_for("bolt://db.example.org:7687", "crm db") == got.parent
    assert sidecar_for("bolt://db.example.org:7687") != got.parent
