"""A bounded atheris run of tests/fuzz/fuzz_read.py (20 s) in the suite: no input may crash the readers."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent
SECONDS = 20


def _seeds(folder: Path) -> None:
    spec = importlib.util.spec_from_file_location("make_bad_corpus_seed", HERE.parent / "data" / "make_bad_corpus.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up
    spec.loader.exec_module(mod)
    for kind, (header, rows) in mod.BASE.items():
        (folder / f"{kind}.csv").write_bytes(b"\x00" + mod.to_csv(header, rows).encode())
        tmp = folder / f"{kind}.tmp.xlsx"
        mod.to_xlsx(tmp, [("S", [header, *rows], "visible")])
        (folder / f"{kind}.xlsx").write_bytes(b"\x01" + tmp.read_bytes())
        tmp.unlink()


def test_fuzz_readers_bounded(tmp_path: Path) -> None:
    pytest.importorskip("atheris")
    seeds, work = tmp_path / "seeds", tmp_path / "work"
    seeds.mkdir()
    work.mkdir()
    _seeds(seeds)
    proc = subprocess.run(
        [sys.executable, str(HERE / "fuzz_read.py"), f"-max_total_time={SECONDS}", "-rss_limit_mb=3072",
         "-timeout=30", str(work), str(seeds)],
        cwd=tmp_path, capture_output=True, text=True, timeout=SECONDS + 120, check=False,
    )
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-3000:]
    assert "Uncaught Python exception" not in log
    runs = [line for line in log.splitlines() if line.startswith("Done ")]
    assert runs, log[-2000:]
    print(runs[-1])
