"""Arrow IPC files beside a store (the matchers' caches): read whole or not at all, written whole or not at all.

Example:
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "t.arrow"
    >>> write_table(p, pa.table({"a": [1, 2]}))
    >>> read_table(p).num_rows, read_table(p.with_name("missing.arrow"))
    (2, None)
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from guanlian.values.files import replacing


def read_table(path: Path) -> pa.Table | None:
    """The table in the Arrow IPC file at ``path``; None when it is missing or not such a file."""
    try:
        with pa.memory_map(str(path), "r") as src:
            table: pa.Table = pa.ipc.open_file(src).read_all()
    except (OSError, pa.ArrowException):
        return None
    return table


def write_table(path: Path, table: pa.Table) -> None:
    """Write ``table`` (its schema metadata included) to ``path`` as an Arrow IPC file: a temporary file beside
    it, then a rename, so a reader sees the old file or the new one, never half of one."""
    with replacing(path) as tmp, pa.OSFile(str(tmp), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)
