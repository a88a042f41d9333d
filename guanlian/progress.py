"""The progress seam: long steps report what they do here, and the CLI decides whether anyone sees it.

Library code calls :func:`task` (a counted or open-ended unit of work) and :func:`phase` (a named unit without
a count); both are no-ops unless a reporter is active. The CLI activates one with :func:`reporting`: rich
progress bars on stderr (description, bar, ``done/total``, elapsed, ETA) that appear only for tasks still
running after :data:`SHOW_AFTER_S` seconds, then a final line with the wall time and the process's peak
memory (``resource.getrusage``). ``reporting`` stays silent under ``--json`` and when stderr is not a
terminal, as users of command-line tools expect.

Example:
    >>> with task("解析 / parsing", total=2) as t:   # no reporter active: nothing printed
    ...     t.advance()
    ...     t.advance()
    >>> with phase("写入 / writing"):
    ...     pass
"""

from __future__ import annotations

import resource
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from rich.console import Console, RenderableType
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from guanlian.values.vocab import Lang

SHOW_AFTER_S = 2.0
"""A task becomes visible only once it has run this long: short steps leave no trace."""


class _LateProgress(Progress):
    """Rich progress whose tasks stay hidden until they have run :data:`SHOW_AFTER_S` seconds."""

    def get_renderables(self) -> Iterator[RenderableType]:
        for t in self.tasks:
            if not t.visible and not t.finished and t.elapsed is not None and t.elapsed >= SHOW_AFTER_S:
                t.visible = True
        yield from super().get_renderables()


@dataclass
class Task:
    """One unit of work: ``advance`` it per item done; ``describe`` changes its label (e.g. the current file);
    ``close`` ends it (what :func:`task` does on leaving its block)."""

    progress: Progress | None = None
    id: TaskID | None = None
    total: int | None = None
    done: int = field(default=0)

    def advance(self, n: int = 1) -> None:
        """Count ``n`` more items done."""
        self.done += n
        if self.progress is not None and self.id is not None:
            self.progress.advance(self.id, n)

    def describe(self, label: str) -> None:
        """Replace the task's label."""
        if self.progress is not None and self.id is not None:
            self.progress.update(self.id, description=_label(label))

    def close(self) -> None:
        """End the task: a visible bar stays, complete; a task that never became visible leaves no trace."""
        if self in _OPEN.get():
            _OPEN.set([t for t in _OPEN.get() if t is not self])
        progress, tid = self.progress, self.id
        if progress is None or tid is None:
            return
        self.progress = None
        entry = next((t for t in progress.tasks if t.id == tid), None)
        if entry is None:
            return
        if entry.visible:
            progress.update(tid, completed=self.total if self.total is not None else 1, total=self.total or 1)
            progress.stop_task(tid)
        else:
            progress.remove_task(tid)


_ACTIVE: ContextVar[Progress | None] = ContextVar("guanlian_progress", default=None)
_LANG: ContextVar[Lang] = ContextVar("guanlian_progress_lang", default="zh")


def _label(label: str) -> str:
    """A task label (written ``中文 / English``, details on both sides) in the reporter's language, escaped for
    rich markup."""
    zh, sep, en = label.partition(" / ")
    return escape(en if sep and _LANG.get() == "en" else zh)


_OPEN: ContextVar[list[Task]] = ContextVar("guanlian_progress_open", default=[])  # noqa: B039  (never mutated)


def start(label: str, total: int | None = None) -> Task:
    """Start a unit of work of ``total`` items (None: open-ended, a spinner and the elapsed time); ``close`` it.

    Example:
        >>> t = start("视图 / views", total=3); t.advance(3); t.close()
        >>> t.done
        3
    """
    progress = _ACTIVE.get()
    if progress is None:
        made = Task(total=total)
    else:
        made = Task(progress, progress.add_task(_label(label), total=total, visible=False), total)
    _OPEN.set([*_OPEN.get(), made])
    return made


@contextmanager
def task(label: str, total: int | None = None) -> Iterator[Task]:
    """A unit of work of ``total`` items for the length of the block (see :func:`start`).

    Example:
        >>> with task("查询 / queries", total=1) as t:
        ...     t.advance()
        >>> t.done
        1
    """
    made = start(label, total)
    try:
        yield made
    finally:
        made.close()


@contextmanager
def phase(label: str) -> Iterator[None]:
    """A named unit of work without a count (a spinner while it runs longer than two seconds)."""
    with task(label):
        yield


def step(label: str) -> None:
    """Relabel the innermost open task (a step inside a longer one, e.g. a matching phase); no-op without one.

    Example:
        >>> step("评分 / scoring")  # nothing open: nothing happens
    """
    open_tasks = _OPEN.get()
    if open_tasks:
        open_tasks[-1].describe(label)


def peak_rss_bytes() -> int:
    """The peak resident memory of this process and of its finished children (Linux reports KiB; macOS bytes).

    Example:
        >>> peak_rss_bytes() > 0
        True
    """
    unit = 1 if sys.platform == "darwin" else 1024
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, kids) * unit


def final_line(seconds: float, peak_bytes: int, lang: Lang = "zh") -> str:
    """``"完成: 12.3 s, 峰值内存 1.45 GiB"`` / ``"done: 12.3 s, peak memory 1.45 GiB"``.

    Example:
        >>> final_line(12.34, 3 * 2**29), final_line(1, 2**30, "en")
        ('完成: 12.3 s, 峰值内存 1.50 GiB', 'done: 1.0 s, peak memory 1.00 GiB')
    """
    if lang == "zh":
        return f"完成: {seconds:.1f} s, 峰值内存 {peak_bytes / 2**30:.2f} GiB"
    return f"done: {seconds:.1f} s, peak memory {peak_bytes / 2**30:.2f} GiB"


def wanted(console: Console, *, as_json: bool = False) -> bool:
    """Whether progress goes to ``console``: never under ``--json``, only when it is a terminal."""
    return not as_json and console.is_terminal


@dataclass
class Report:
    """The handle :func:`reporting` yields: :meth:`done` ends the bars, so what the command prints next (its
    summary) comes after them and before the final line."""

    progress: Progress | None = None
    _stopped: bool = False

    def done(self) -> None:
        """Stop the progress display (idempotent; a no-op when nothing is shown)."""
        if self.progress is not None and not self._stopped:
            self._stopped = True
            self.progress.stop()


@contextmanager
def reporting(console: Console, *, enabled: bool = True, lang: Lang = "zh") -> Iterator[Report]:
    """Show the tasks started inside this block as progress bars on ``console``, then the final line.

    With ``enabled`` False (see :func:`wanted`) the block runs silently: the tasks are no-ops. Task labels are
    written ``中文 / English`` by the library; the bars show the half in ``lang``. The final line (wall time and
    peak memory, :func:`final_line`) is printed when the block ends, after anything the command printed once it
    called :meth:`Report.done`, so it is the command's last line.

    Example:
        >>> import io
        >>> out = io.StringIO()
        >>> with reporting(Console(file=out, force_terminal=True, color_system=None), lang="en") as report:
        ...     report.done()
        ...     print("summary", file=out)
        >>> out.getvalue().splitlines()[-1].startswith("done: ")
        True
    """
    if not enabled:
        yield Report()
        return
    started = time.perf_counter()
    progress = _LateProgress(
        SpinnerColumn(), TextColumn("[progress.description]{task.description}"), BarColumn(),
        MofNCompleteColumn(), TimeElapsedColumn(), TextColumn("剩余" if lang == "zh" else "ETA"), TimeRemainingColumn(),
        console=console, transient=False, refresh_per_second=4,
    )
    token = _ACTIVE.set(progress)
    lang_token = _LANG.set(lang)
    report = Report(progress)
    try:
        progress.start()
        try:
            yield report
        finally:
            _ACTIVE.reset(token)
            _LANG.reset(lang_token)
            report.done()
    finally:
        console.print(final_line(time.perf_counter() - started, peak_rss_bytes(), lang), style="dim", highlight=False)
