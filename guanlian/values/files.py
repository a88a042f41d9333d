"""Files written whole or not at all: a temporary file beside the target, renamed over it once complete.

An output a command streams for minutes (``collide`` at 10M rows writes its CSV for ten) must not be left half
written by an interrupt or an error: a truncated CSV looks like a complete one. Every writer of a user-facing
file goes through :func:`replacing`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def replacing(path: Path | str) -> Iterator[Path]:
    """A temporary path beside ``path`` to write to (its folder is created). When the block ends normally the
    file is renamed to ``path`` in one step, so a reader sees the old file or the new one; when the block raises
    (an error, Ctrl-C) the temporary file is removed and ``path`` is left as it was. Temporary files of ``path``
    left by a killed writer are removed after the next complete write. A ``path`` that is a pipe or
    a device (not a regular file) is written in place: it cannot be renamed over, and must not be.

    Example:
        >>> import tempfile
        >>> p = Path(tempfile.mkdtemp()) / "out.csv"; _ = p.write_text("old", encoding="utf-8")
        >>> try:
        ...     with replacing(p) as tmp:
        ...         _ = tmp.write_text("half", encoding="utf-8")
        ...         raise KeyboardInterrupt
        ... except KeyboardInterrupt:
        ...     pass
        >>> p.read_text(encoding="utf-8"), [f.name for f in p.parent.iterdir()]
        ('old', ['out.csv'])
        >>> with replacing(p) as tmp:
        ...     _ = tmp.write_text("new", encoding="utf-8")
        >>> p.read_text(encoding="utf-8"), [f.name for f in p.parent.iterdir()]
        ('new', ['out.csv'])
    """
    path = Path(path)
    if path.is_symlink():  # the file it names is replaced; the link stays a link
        path = path.resolve()
    if path.exists() and not path.is_file():  # a pipe or a device (``--out /dev/stdout``): written in place
        yield path
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    # same folder (a rename across file systems is not one step); the suffix kept for writers that check it
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp{path.suffix}")
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _remove_stale(path)


_DEAD_TEMPS: dict[Path, set[str]] = {}
"""Per folder, the temporary files of writers that were gone when this process first wrote there (one listing
of a folder per process: a scan writes a thousand views into one folder, and a listing per view was quadratic)."""

_TEMP_NAME = re.compile(r"^\..+\.(\d+)\.tmp(\.[^.]+)?$")


def _remove_stale(path: Path) -> None:
    """Remove the temporary files of ``path`` left by writers that were killed (``kill -9`` runs no cleanup; a
    10M-row ``collide`` leaves gigabytes): those whose process is gone."""
    folder = path.parent
    dead = _DEAD_TEMPS.get(folder)
    if dead is None:
        dead = _DEAD_TEMPS[folder] = set()
        for f in folder.glob(".*.tmp*"):
            m = _TEMP_NAME.match(f.name)
            if m and int(m.group(1)) != os.getpid() and not pid_alive(int(m.group(1))):
                dead.add(f.name)
    head, tail = f".{path.stem}.", f".tmp{path.suffix}"
    for name in [n for n in dead if n.startswith(head) and n.endswith(tail)
                 and n[len(head): len(n) - len(tail)].isdigit()]:
        (folder / name).unlink(missing_ok=True)
        dead.discard(name)


def pid_alive(pid: int) -> bool:
    """Whether a process with this id is running (another user's counts as running).

    Example:
        >>> pid_alive(os.getpid())
        True
    """
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
