"""``generate()``: build the world, write the messy files, the manifest and the ground truth."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from guanlian.demo.render import render_file
from guanlian.demo.specs import assign_files, file_specs
from guanlian.demo.world import KINDS, SIZES, World
from guanlian.progress import phase, start

SIZE_NAMES: tuple[str, ...] = tuple(SIZES)


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
        size: ``tiny`` (~300 rows), ``small`` (~8k), ``medium`` (~100k) or ``large`` (~1M).
        seed: random seed.

    Returns:
        A :class:`DemoManifest` listing the files written.

    Example:
        >>> import tempfile
        >>> m = generate(Path(tempfile.mkdtemp()), size="tiny")
        >>> sorted({kind for _, kind in m.files})[:3]
        ['changes', 'companies', 'officers']
    """
    if size not in SIZES:
        raise ValueError(f"unknown size {size!r}; expected one of {SIZE_NAMES}")
    out_dir = Path(out_dir)
    data = out_dir / "data"
    data.mkdir(parents=True, exist_ok=True)
    world = World(size, seed)
    with phase("生成演示世界 / building the synthetic world"):
        tables = world.build()
    rng = np.random.default_rng([seed, 20241231])
    specs = file_specs(size)
    manifest = DemoManifest(truth_path=out_dir / "truth.json")
    bad_rows: dict[str, dict[str, int]] = {}
    where: dict[str, list[dict[str, Any]]] = {}
    bar = start("写出演示文件 / writing the demo files", total=sum(len(specs[kind]) for kind in KINDS))
    for kind in KINDS:
        df = tables[kind]
        idx = assign_files(kind, df, world, rng)
        manifest.row_counts[kind] = len(df)
        for j, spec in enumerate(specs[kind]):
            part = df[idx == j]
            r = render_file(part, spec, data, rng, world.cfg.bad if spec.bad else 0)
            bar.advance()
            manifest.files.append((r.path, kind))
            if r.bad:
                bad_rows[r.path.name] = r.bad
            for tag, rows in r.tag_rows.items():
                where.setdefault(tag, []).append({"file": f"data/{r.path.name}", "kind": kind, "rows": rows})
    bar.close()
    (data / "manifest.json").write_text(
        json.dumps({"files": [{"path": p.name, "kind": k} for p, k in manifest.files]}, ensure_ascii=False, indent=2)
        + "\n",
        encoding="utf-8",
    )
    for entry in (*world.schemes, *world.decoys):
        locs = where.get(entry["id"], [])
        entry["sources"] = locs
        entry["notes"] = "; ".join(f"{x['file']} rows {','.join(map(str, x['rows']))}" for x in locs)
    truth = {
        "seed": seed,
        "size": size,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "row_counts": manifest.row_counts,
        "schemes": world.schemes,
        "decoys": world.decoys,
        "planted_bad_rows": bad_rows,
    }
    manifest.truth_path.write_text(json.dumps(truth, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return manifest
