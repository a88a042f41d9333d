"""The clue library (问题线索库): keep findings as clues and record 移送 → 处置 → 反馈 → 评估.

See :class:`guanlian.clues.library.ClueLibrary`.
"""

from __future__ import annotations

from guanlian.clues.library import (
    STATUSES,
    AddResult,
    Clue,
    ClueDetail,
    ClueError,
    ClueLibrary,
    HistoryEntry,
)

__all__ = ["STATUSES", "AddResult", "Clue", "ClueDetail", "ClueError", "ClueLibrary", "HistoryEntry"]
