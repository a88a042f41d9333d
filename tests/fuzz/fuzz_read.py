"""atheris fuzz target for the file readers: bytes → a .csv or .xlsx file → ``parse_file`` (read, header, kind,
columns, values, build).

The only acceptable failures are ``ReadError`` / ``LoadError`` (a file refused with a message); anything else
is a crash. The first input byte picks the suffix, so the same target fuzzes the CSV sniffer and the Excel
path (python-calamine).

Run (bounded, as the test suite does)::

    python tests/fuzz/fuzz_read.py -max_total_time=20 -rss_limit_mb=3072 tests/fuzz/corpus_tmp SEED_DIR

A longer run (documented in docs/reliability.md)::

    python tests/fuzz/fuzz_read.py -max_total_time=3600 -rss_limit_mb=3072 -timeout=30 CORPUS_DIR
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["guanlian"]):
    from guanlian.loaders.pipeline import LoadError, parse_file
    from guanlian.loaders.read import ReadError

SUFFIXES = (".csv", ".xlsx", ".txt", ".xls")
_DIR = Path(tempfile.mkdtemp(prefix="guanlian-fuzz-"))


def test_one_input(data: bytes) -> None:
    if not data:
        return
    suffix = SUFFIXES[data[0] % len(SUFFIXES)]
    path = _DIR / f"input{suffix}"
    path.write_bytes(data[1:])
    try:
        parse_file(path, None)
    except (ReadError, LoadError):
        pass


def main() -> None:
    os.environ.setdefault("PYTHONHASHSEED", "0")
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
