"""A fingerprint of guanlian's own source: files written beside a store or an output (match caches, company-name
parts, views) carry it, and are computed again when the code that made them is another."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path


@cache
def source_fingerprint(folder: Path, suffixes: tuple[str, ...] = (".py",), *, recursive: bool = False) -> str:
    """SHA-256 over the files of ``folder`` ending in one of ``suffixes`` (with ``recursive``, its subfolders'
    too, ``__pycache__`` left out): each file's path relative to ``folder`` and the SHA-256 of its bytes, in
    path order. Computed once per process.

    Example:
        >>> from guanlian import matching
        >>> len(source_fingerprint(Path(matching.__file__).parent))
        64
    """
    pattern = "**/*" if recursive else "*"
    files = sorted(p for p in folder.glob(pattern)
                   if p.is_file() and p.name.endswith(suffixes) and "__pycache__" not in p.parts)
    h = hashlib.sha256()
    for p in files:
        h.update(p.relative_to(folder).as_posix().encode() + b"\0" + hashlib.sha256(p.read_bytes()).digest())
    return h.hexdigest()
