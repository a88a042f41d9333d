"""The clue library (问题线索库): keep findings as clues and record 移送 → 处置 → 反馈 → 评估.

See :class:`guanlian.clues.library.ClueLibrary` (record, versions, snapshot, lifecycle),
:mod:`guanlian.clues.record` (the readable record) and :mod:`guanlian.clues.stats` (the precision table).
"""

from __future__ import annotations

from guanlian.clues.library import (
    ACTIONS,
    STATUSES,
    TRANSITIONS,
    AddResult,
    Clue,
    ClueDetail,
    ClueError,
    ClueLibrary,
    HistoryEntry,
    Version,
)
from guanlian.clues.stats import PrecisionRow, PrecisionTable, precision_table

__all__ = ["ACTIONS", "STATUSES", "TRANSITIONS", "AddResult", "Clue", "ClueDetail", "ClueError", "ClueLibrary",
           "HistoryEntry", "PrecisionRow", "PrecisionTable", "Version", "precision_table"]
