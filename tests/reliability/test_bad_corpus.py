"""Every case of the bad-input corpus (tests/data/make_bad_corpus.py) through ``load_files`` and the CLI.

No crash, no traceback to the user, every row accounted for (read = loaded + rejected, and read = the data rows
in the file), and the outcome each case expects: loaded, loaded with a warning, rejected with a reason code, or
refused as a file with a message.
"""

from __future__ import annotations

import csv
import importlib.util
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from guanlian.cli import app
from guanlian.graph import open_store
from guanlian.loaders import load_files
from guanlian.loaders.pipeline import REASONS

from .conftest import cli

_spec = importlib.util.spec_from_file_location("make_bad_corpus", Path(__file__).parents[1] / "data" / "make_bad_corpus.py")
assert _spec and _spec.loader
corpus_mod = importlib.util.module_from_spec(_spec)
sys.modules["make_bad_corpus"] = corpus_mod
_spec.loader.exec_module(corpus_mod)
Case = corpus_mod.Case


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Any]]:
    out = tmp_path_factory.mktemp("bad-corpus")
    return out, corpus_mod.make_corpus(out)


@pytest.fixture(scope="module")
def loaded(corpus: tuple[Path, list[Any]], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder, cases = corpus
    store_dir = tmp_path_factory.mktemp("bad-store") / "store"
    rejects = store_dir.parent / "rejects.csv"
    store = open_store(store_dir)
    try:
        summary = load_files(store, [folder / c.name for c in cases], kinds=[c.kind for c in cases],
                             rejects_path=rejects)
    finally:
        store.close()
    issues: dict[str, list[dict[str, str]]] = defaultdict(list)
    with rejects.open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            issues[row["file"]].append(row)
    return {"summary": summary, "issues": issues, "rejects": rejects}


def test_corpus_is_big_and_covers_every_kind(corpus: tuple[Path, list[Any]]) -> None:
    _, cases = corpus
    assert len(cases) >= 200
    assert {c.kind for c in cases} == set(corpus_mod.KINDS)
    for c in cases:
        if c.expect in ("warning", "rejected"):
            assert c.reason in REASONS or c.reason == "file", c


def test_every_case_has_its_expected_outcome(corpus: tuple[Path, list[Any]], loaded: dict[str, Any]) -> None:
    _, cases = corpus
    by_name = {Path(f.path).name: f for f in loaded["summary"].files}
    wrong: list[str] = []
    for c in cases:
        f = by_name[c.name]
        # Cases are variants of the same base rows, loaded in one call: a value one variant states differently
        # from another is a genuine cross-file conflict (reported on the later source), not this case's outcome.
        found = [i for i in loaded["issues"].get(c.name, []) if i["code"] != "conflict"]
        codes = {(i["code"], i["severity"]) for i in found}
        problem = ""
        if c.expect == "file_error":
            if f.error is None or c.reason.lower() not in f.error.lower():
                problem = f"want file error ~{c.reason!r}, got error={f.error!r}"
        elif f.error is not None:
            problem = f"unexpected file error {f.error!r}"
        elif f.read != f.loaded + f.rejected:
            problem = f"read {f.read} != loaded {f.loaded} + rejected {f.rejected}"
        elif c.rows is not None and f.read != c.rows:
            problem = f"read {f.read} rows, file has {c.rows}"
        elif c.expect == "loaded" and (f.rejected or any(s == "rejected" for _, s in codes)):
            problem = f"want all loaded, got rejected={f.rejected} issues={sorted(codes)}"
        elif c.expect == "loaded" and any(s == "warning" for _, s in codes):
            problem = f"want a clean load, got warnings {sorted(codes)}"
        elif c.expect == "warning" and ((c.reason, "warning") not in codes or f.rejected):
            problem = f"want warning {c.reason}, got rejected={f.rejected} issues={sorted(codes)}"
        elif c.expect == "rejected" and ((c.reason, "rejected") not in codes or f.rejected != 1):
            problem = f"want 1 row rejected for {c.reason}, got rejected={f.rejected} issues={sorted(codes)}"
        if problem:
            wrong.append(f"{c.name} ({c.note}): {problem}")
    assert not wrong, "\n".join(wrong)


def test_rejects_csv_masks_ids_and_neutralises_nothing_it_should_not(loaded: dict[str, Any]) -> None:
    from stdnum.cn import ric

    text = Path(loaded["rejects"]).read_text(encoding="utf-8-sig")
    import re

    for m in re.finditer(r"(?<![0-9])\d{17}[\dXx](?![0-9A-Za-z])", text):
        assert not ric.is_valid(m.group(0).upper()), f"unmasked resident ID in rejects.csv: {m.group(0)}"


def test_cli_sample_no_traceback(corpus: tuple[Path, list[Any]], tmp_path: Path) -> None:
    """A sample through the CLI (CliRunner, and one real subprocess): one line per error, no stack trace."""
    folder, cases = corpus
    sample = [c for c in cases if c.expect == "file_error"][:3] + [c for c in cases if c.expect == "rejected"][:2]
    runner = CliRunner()
    for c in sample:
        res = runner.invoke(app, ["load", "--store", str(tmp_path / "s"), "--kind", c.kind, str(folder / c.name)])
        assert res.exception is None or isinstance(res.exception, SystemExit), (c.name, res.exception)
        assert "Traceback" not in res.output
        assert res.exit_code == (1 if c.expect == "file_error" else 0), (c.name, res.exit_code, res.output[-400:])
    import subprocess

    names = [str(folder / c.name) for c in sample]
    proc = subprocess.run(cli("load", "--store", str(tmp_path / "sub"), *names), capture_output=True, text=True,
                          timeout=300, check=False)
    assert "Traceback" not in proc.stderr + proc.stdout
    assert proc.returncode == 1  # some files refused: exit status says so
