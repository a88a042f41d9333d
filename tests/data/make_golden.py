"""Regenerate the golden files in ``tests/data/golden/`` (graph digest and findings.json of the tiny demo).

Run after an intended behaviour change, review ``git diff tests/data/golden/`` and name the change in the
commit message; ``tests/reliability/test_golden.py`` then passes again::

    python tests/data/make_golden.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TESTS))

from reliability.golden import GOLDEN, run_demo_world, snapshot  # noqa: E402


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="guanlian-golden-") as tmp:
        run = run_demo_world(Path(tmp))
        try:
            files = snapshot(run)
        finally:
            run.store.close()
    GOLDEN.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        path = GOLDEN / name
        old = path.read_text(encoding="utf-8") if path.exists() else None
        path.write_text(text, encoding="utf-8")
        print(f"{'unchanged' if old == text else 'written  '} {path.relative_to(TESTS.parent)}")


if __name__ == "__main__":
    main()
