"""One more month of payments for a generated world (the incremental load of issue 18 item 5).

The world of ``size``/``seed`` is built again and ``share`` of its row count is drawn from its background
payments (no scheme or decoy rows; the new rows can still complete a pattern, e.g. one more payment), given
dates in January 2025 (the world ends on 2024-12-31) and new voucher numbers, and written like the 2022–2024
treasury export (``treasury_2025_01.csv``, GB18030). Every payee is one the world's files already name.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

EXTRA_NAME = "treasury_2025_01"


def extra_month(out: Path, size: str, seed: int, share: float = 0.01) -> Path:
    """Write (once: an existing file is kept) the new month of payments for the world of ``size`` and ``seed``
    into the folder ``out``; returns the file.

    Example:
        >>> import tempfile
        >>> extra_month(Path(tempfile.mkdtemp()), "tiny", 7).name
        'treasury_2025_01.csv'
    """
    from guanlian.demo.render import render_file
    from guanlian.demo.specs import file_specs
    from guanlian.demo.world import World, day

    spec = replace(file_specs(size)["payments"][1], name=EXTRA_NAME, title="吉安市2025年1月国库集中支付明细", bad=())
    path = out / spec.path_name
    if path.exists():
        return path
    out.mkdir(parents=True, exist_ok=True)
    tables = World(size, seed).build()
    rows = sum(len(t) for t in tables.values())
    pay = tables["payments"]
    background = pay[pay["_tag"] == ""].reset_index(drop=True)
    rng = np.random.default_rng([seed, 2025, 1])
    n = min(len(background), max(1, round(rows * share)))
    month = background.iloc[np.sort(rng.choice(len(background), size=n, replace=False))].copy()
    month["date"] = day(2025, 1, 1) + rng.integers(0, 31, size=n)
    month["voucher"] = [f"记-2025-{i:06d}" for i in range(1, n + 1)]
    month["channel"] = "treasury"
    render_file(month.reset_index(drop=True), spec, out, rng, 0)
    return path
