"""Sharded worlds (``--size xlarge`` is ten ``large`` shards): the shard mechanism at a tiny scale — two tiny
shards through the same code path as ``xlarge``, unique tags and keys across shards, same bytes for the same
seed, and every planted scheme found by load → match → scan, no decoy high."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from guanlian.demo import SIZE_NAMES, DemoManifest
from guanlian.demo.generate import generate_sharded
from guanlian.demo.world import SHARDED
from guanlian.graph.ladybug import LadybugStore
from guanlian.loaders import load_files
from guanlian.matching.matcher import match_store
from guanlian.queries import scan
from tests.demo.truth_check import assert_findings_match_truth


@pytest.fixture(scope="module")
def two(tmp_path_factory: pytest.TempPathFactory) -> tuple[DemoManifest, dict[str, Any]]:
    m = generate_sharded(tmp_path_factory.mktemp("shards"), "tiny", 2, seed=7)
    return m, json.loads(m.truth_path.read_text(encoding="utf-8"))


def _csv_rows(m: DemoManifest, kind: str) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for p, k in m.files:
        if k == kind and p.suffix == ".csv":
            enc = "gb18030" if "treasury" in p.name or "officials" in p.name else "utf-8-sig"
            with p.open(encoding=enc, newline="") as fh:
                lines = [ln for ln in fh if ln.strip() and "," in ln]
            start = next(i for i, ln in enumerate(lines) if "凭证号" in ln or "姓名" in ln)
            rows += list(csv.DictReader(lines[start:]))
    return rows


def test_xlarge_is_ten_large_shards() -> None:
    assert SHARDED["xlarge"] == ("large", 10)
    assert "xlarge" in SIZE_NAMES


def test_shard_tags_and_files_are_unique(two: tuple[DemoManifest, dict[str, Any]]) -> None:
    m, truth = two
    ids = [e["id"] for e in truth["schemes"] + truth["decoys"]]
    assert len(ids) == len(set(ids))
    assert {i.split("-")[0] for i in ids} == {"X01", "X02"}
    per = Counter(i.split("-")[0] for i in ids)
    assert per["X01"] == per["X02"]  # each shard plants the same set
    names = [p.name for p, _ in m.files]
    assert len(names) == len(set(names)) == 2 * 15
    assert truth["shards"] == 2 and truth["size"] == "tinyx2"
    # every source a scheme cites is in its own shard's files
    for e in truth["schemes"] + truth["decoys"]:
        shard = e["id"].split("-")[0].lower()
        assert e["sources"] and all(s["file"].rsplit(".", 1)[0].endswith("_" + shard) for s in e["sources"]), e["id"]


def test_people_companies_and_vouchers_are_new_in_each_shard(two: tuple[DemoManifest, dict[str, Any]]) -> None:
    _, truth = two
    # truth keys of the two shards never meet (units aside: the shards share the city's bodies)
    keys: dict[str, set[str]] = {"X01": set(), "X02": set()}
    for e in truth["schemes"] + truth["decoys"]:
        keys[e["id"][:3]] |= {v for k, v in e["keys"].items() if isinstance(v, str) and v and not v.startswith("unit:")}
    assert keys["X01"] and keys["X02"] and not keys["X01"] & keys["X02"]
    units = [e["keys"]["unit"] for e in truth["schemes"] if e["keys"].get("unit")]
    assert units and {u for u in units if u.startswith("unit:")}


def test_vouchers_and_ids_are_unique_across_shards(two: tuple[DemoManifest, dict[str, Any]]) -> None:
    m, _ = two
    pays = _csv_rows(m, "payments")
    vouchers = [r["凭证号"] for r in pays if r.get("凭证号")]
    assert len(vouchers) > 20 and len(vouchers) == len(set(vouchers))
    offs = _csv_rows(m, "officials")
    ids = [r["身份证号码"].strip().upper() for r in offs if len((r.get("身份证号码") or "").strip()) == 18]
    assert len(ids) > 5 and len(ids) == len(set(ids))


def test_same_seed_same_bytes_other_seed_other_bytes(two: tuple[DemoManifest, dict[str, Any]], tmp_path: Path) -> None:
    m, _ = two
    again = generate_sharded(tmp_path / "a", "tiny", 2, seed=7)
    other = generate_sharded(tmp_path / "b", "tiny", 2, seed=8)
    for (p, _), (q, _), (r, _) in zip(m.files, again.files, other.files, strict=True):
        assert p.read_bytes() == q.read_bytes(), p.name
        assert p.read_bytes() != r.read_bytes(), p.name


def test_bad_shard_arguments_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot shard"):
        generate_sharded(tmp_path, "huge", 2)
    with pytest.raises(ValueError, match="cannot shard"):
        generate_sharded(tmp_path, "tiny", 0)


def test_every_shard_scheme_is_found_and_no_decoy_is_high(two: tuple[DemoManifest, dict[str, Any]]) -> None:
    m, truth = two
    store = LadybugStore(m.truth_path.parent / "store")
    try:
        load_files(store, [p for p, _ in m.files])
        match_store(store)
        doc = scan(store).to_json()
    finally:
        store.close()
    assert_findings_match_truth(doc["findings"], truth)
