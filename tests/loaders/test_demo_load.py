"""The generated demo case loads completely: every truth key is in the graph, every planted bad row is reported."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from guanlian.demo import generate
from guanlian.graph.ladybug import LadybugStore
from guanlian.loaders import load_files

# the generator's names for planted problems → the loader's issue codes
CODE = {"bad_id_checksum": "id_bad_checksum", "missing_amount": "missing_required"}


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LadybugStore, dict[str, object], Path]]:
    out = tmp_path_factory.mktemp("case")
    manifest = generate(out, size="small", seed=11)
    store = LadybugStore(out / "store")
    summary = load_files(store, [p for p, _ in manifest.files], kinds=[k for _, k in manifest.files],
                         rejects_path=out / "rejects.csv")
    assert all(f.error is None and f.read == f.loaded + f.rejected for f in summary.files)
    yield store, json.loads(manifest.truth_path.read_text(encoding="utf-8")), out
    store.close()


def _keys(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def test_every_truth_key_is_a_node(loaded: tuple[LadybugStore, dict[str, object], Path]) -> None:
    store, truth, _ = loaded
    wanted: set[str] = set()
    for item in [*truth["schemes"], *truth["decoys"]]:  # type: ignore[misc]
        for v in item["keys"].values():
            wanted.update(_keys(v))
    present: set[str] = set()
    for kind in ("Person", "Company", "Unit"):
        present.update(store.query(f"MATCH (n:{kind}) RETURN n.key AS k")["k"])
    missing = sorted(wanted - present)
    assert not missing, missing[:10]
    assert len(wanted) > 50


def test_planted_bad_rows_are_reported_exactly(loaded: tuple[LadybugStore, dict[str, object], Path]) -> None:
    _, truth, out = loaded
    rej = pd.read_csv(out / "rejects.csv", encoding="utf-8-sig", dtype=str)
    counts = rej.groupby(["file", "code"]).size().to_dict()
    planted = truth["planted_bad_rows"]
    assert planted
    for file, reasons in planted.items():  # type: ignore[attr-defined]
        for reason, n in reasons.items():
            assert counts.get((file, CODE.get(reason, reason)), 0) == n, (file, reason)
