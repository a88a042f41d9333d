"""``generate()``: build the world, write the messy files, the manifest and the ground truth."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from guanlian.demo.render import FileSpec, render_file
from guanlian.demo.specs import assign_files, file_specs
from guanlian.demo.world import KINDS, SHARDED, SIZES, World
from guanlian.progress import phase, start

SIZE_NAMES: tuple[str, ...] = (*SIZES, *SHARDED)


@dataclass(slots=True)
class DemoManifest:
    """What :func:`generate` wrote.

    Attributes:
        files: ``(path, kind)`` for every data file, in load order (kind is one of ``officials``,
            ``relatives``, ``companies``, ``shareholders``, ``officers``, ``changes``, ``payments``,
            ``subsidies``).
        truth_path: the ground-truth JSON (schemes, decoys, planted bad rows).
        row_counts: data rows written per kind (bad rows included).
    """

    files: list[tuple[Path, str]] = field(default_factory=list)
    truth_path: Path = Path()
    row_counts: dict[str, int] = field(default_factory=dict)


def generate(out_dir: Path, size: str = "small", seed: int = 7) -> DemoManifest:
    """Generate a synthetic world with planted related-party schemes and write it as messy export files.

    Writes ``out_dir/data/*.csv|*.xlsx``, ``out_dir/data/manifest.json`` and ``out_dir/truth.json``.
    The same ``size`` and ``seed`` give byte-identical data files.

    Args:
        out_dir: folder to write into (created if missing).
        size: ``tiny`` (~300 rows), ``small`` (~8k), ``medium`` (~100k), ``large`` (~1M) or ``xlarge`` (~10M,
            ten ``large`` shards written one after the other, see :func:`generate_sharded`).
        seed: random seed.

    Returns:
        A :class:`DemoManifest` listing the files written.

    Example:
        >>> import tempfile
        >>> m = generate(Path(tempfile.mkdtemp()), size="tiny")
        >>> sorted({kind for _, kind in m.files})[:3]
        ['changes', 'companies', 'officers']
    """
    if size in SHARDED:
        base, shards = SHARDED[size]
        return generate_sharded(out_dir, base, shards, seed, name=size)
    if size not in SIZES:
        raise ValueError(f"unknown size {size!r}; expected one of {SIZE_NAMES}")
    out = _Output(Path(out_dir))
    world = World(size, seed)
    _write_world(out, world, np.random.default_rng([seed, 20241231]), file_specs(size))
    return out.finish(size, seed, world.schemes, world.decoys)


def generate_sharded(out_dir: Path, base: str, shards: int, seed: int = 7, *, name: str | None = None) -> DemoManifest:
    """Generate ``shards`` worlds of size ``base`` one after the other into one folder, one world in memory at a time.

    Shard ``k`` (1-based) is a ``base`` world with its own seed (drawn from ``seed`` and ``k``), its files are
    named ``<file>_xKK`` and its scheme and decoy ids ``XKK-S01``, ``XKK-D01``… All shards share one set of
    public bodies (the units of shard 1, same names and accounts: slices of one city); every person, company,
    account and voucher is new in its shard (:meth:`World.follow`), so a scheme or decoy's rows are all in its
    own shard. ``truth.json`` lists every shard's schemes and decoys; ``row_counts`` are totals. The same
    arguments give byte-identical data files.

    Args:
        out_dir: folder to write into (created if missing).
        base: size of each shard (``tiny`` … ``large``).
        shards: number of shards (≥ 1).
        seed: random seed.
        name: size recorded in ``truth.json`` (default ``<base>x<shards>``).

    Returns:
        A :class:`DemoManifest` listing every shard's files, shard by shard.

    Example:
        >>> import tempfile
        >>> m = generate_sharded(Path(tempfile.mkdtemp()), "tiny", 2)
        >>> sorted(p.name for p, k in m.files if k == "changes")
        ['registry_changes_x01.xlsx', 'registry_changes_x02.xlsx']
    """
    if base not in SIZES or shards < 1:
        raise ValueError(f"cannot shard size {base!r} {shards} times")
    out = _Output(Path(out_dir))
    schemes: list[dict[str, Any]] = []
    decoys: list[dict[str, Any]] = []
    prev: World | None = None
    for k in range(1, shards + 1):
        shard_seed = int(np.random.SeedSequence([seed, k]).generate_state(1)[0])
        world = World(base, shard_seed, tag_prefix=f"X{k:02d}-", in_window=True)
        if prev is not None:
            world.follow(prev)
        specs = {kind: [replace(s, name=f"{s.name}_x{k:02d}") for s in specs_k]
                 for kind, specs_k in file_specs(base).items()}
        _write_world(out, world, np.random.default_rng([seed, 20241231, k]), specs)
        schemes += world.schemes
        decoys += world.decoys
        # keep only what the next shard needs (units, used sets, voucher counter): rows and frames go now
        world.rows = {}
        prev = world
    return out.finish(name or f"{base}x{shards}", seed, schemes, decoys, shards=shards)


@dataclass(slots=True)
class _Output:
    """What the writer accumulates over one or several worlds written into one folder."""

    out_dir: Path
    manifest: DemoManifest = field(init=False)
    bad_rows: dict[str, dict[str, int]] = field(default_factory=dict)
    where: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        (self.out_dir / "data").mkdir(parents=True, exist_ok=True)
        self.manifest = DemoManifest(truth_path=self.out_dir / "truth.json")

    def finish(self, size: str, seed: int, schemes: list[dict[str, Any]], decoys: list[dict[str, Any]],
               shards: int | None = None) -> DemoManifest:
        """Write ``manifest.json`` and ``truth.json``; return the manifest."""
        manifest = self.manifest
        (self.out_dir / "data" / "manifest.json").write_text(
            json.dumps({"files": [{"path": p.name, "kind": k} for p, k in manifest.files]}, ensure_ascii=False,
                       indent=2) + "\n",
            encoding="utf-8",
        )
        for entry in (*schemes, *decoys):
            locs = self.where.get(entry["id"], [])
            entry["sources"] = locs
            entry["notes"] = "; ".join(f"{x['file']} rows {','.join(map(str, x['rows']))}" for x in locs)
        truth: dict[str, Any] = {
            "seed": seed,
            "size": size,
            "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "row_counts": manifest.row_counts,
        }
        if shards is not None:
            truth["shards"] = shards
        truth |= {"schemes": schemes, "decoys": decoys, "planted_bad_rows": self.bad_rows}
        manifest.truth_path.write_text(json.dumps(truth, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        return manifest


def _write_world(out: _Output, world: World, rng: np.random.Generator, specs: dict[str, list[FileSpec]]) -> None:
    """Build ``world`` and write its files with ``specs``, recording them (and the planted rows) in ``out``."""
    with phase("生成演示世界 / building the synthetic world"):
        tables = world.build()
    data = out.out_dir / "data"
    manifest = out.manifest
    bar = start("写出演示文件 / writing the demo files", total=sum(len(specs[kind]) for kind in KINDS))
    for kind in KINDS:
        df = tables.pop(kind)
        idx = assign_files(kind, df, world, rng)
        manifest.row_counts[kind] = manifest.row_counts.get(kind, 0) + len(df)
        for j, spec in enumerate(specs[kind]):
            part = df[idx == j]
            r = render_file(part, spec, data, rng, world.cfg.bad if spec.bad else 0)
            bar.advance()
            manifest.files.append((r.path, kind))
            if r.bad:
                out.bad_rows[r.path.name] = r.bad
            for tag, rows in r.tag_rows.items():
                out.where.setdefault(tag, []).append({"file": f"data/{r.path.name}", "kind": kind, "rows": rows})
        del df, part
    bar.close()
