"""The clue library as a table: what ``clues export --format csv|xlsx|json`` writes.

:func:`clue_table` reads the library (every clue with its finding and history) into a
:class:`~guanlian.outputs.base.TableData`: sheet 1 the clues, sheet 2 their history (XLSX), and the whole
library as one JSON document. Any registered table writer then writes it (:data:`guanlian.outputs.TABLE_WRITERS`).
Resident IDs are masked unless ``show_ids``.

Example:
    >>> import tempfile, pathlib
    >>> from guanlian.clues.library import ClueLibrary
    >>> lib = ClueLibrary(pathlib.Path(tempfile.mkdtemp()) / "clues.db", actor="tester")
    >>> t = clue_table(lib, lang="en")
    >>> [s.name for s in t.sheets], t.document["clues"]
    (['clues', 'history'], [])
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from guanlian.clues.library import ClueLibrary
from guanlian.outputs.base import Sheet, TableData
from guanlian.values.privacy import mask_id, mask_nested, mask_text
from guanlian.values.vocab import (
    CLUE_ACTION,
    CLUE_STATUS,
    CONFIDENCE,
    RATING,
    SEVERITY,
    Lang,
    tr,
)

_CLUE_HEADERS = {
    "zh": ("线索编号", "状态", "风险等级", "评分", "可信度", "标题", "查询", "移送单位", "处置结果", "评估", "首次发现",
           "最近扫描", "扫描次数", "说明", "涉及人员企业", "指纹"),
    "en": ("clue id", "status", "severity", "score", "confidence", "title", "queries", "transferred to", "result",
           "rating", "first seen", "last seen", "scans", "explanation", "entities", "fingerprint"),
}
_HISTORY_HEADERS = {
    "zh": ("线索编号", "时间(UTC)", "操作人", "操作", "原状态", "新状态", "备注"),
    "en": ("clue id", "time (UTC)", "actor", "action", "from", "to", "note"),
}


def clue_table(lib: ClueLibrary, *, lang: Lang = "zh", show_ids: bool = False) -> TableData:
    """The whole clue library as sheets (clues, history) and one JSON document (everything).

    Args:
        lib: an open clue library.
        lang: language of headers and labels.
        show_ids: resident IDs unmasked.

    Returns:
        The table data for a table writer.
    """
    zh = lang == "zh"
    details = [lib.show(c.clue_id) for c in lib.list()]
    rows = []
    for d in details:
        c, f = d.clue, d.finding
        ents = "; ".join(
            f"{e.name}({mask_id(e.id_number, show_ids)})" if e.id_number else e.name for e in f.entities
        )
        rows.append((
            c.clue_id,
            tr(CLUE_STATUS, c.status, lang),
            tr(SEVERITY, c.severity, lang),
            c.score,
            tr(CONFIDENCE, c.confidence, lang),
            mask_text((c.title_zh if zh else c.title_en) or c.title_zh, show_ids),
            ", ".join(c.queries),
            mask_text(c.to_unit, show_ids),
            mask_text(c.result, show_ids),
            tr(RATING, c.rating, lang),
            c.first_seen,
            c.last_seen,
            c.scans,
            mask_text(f.explanation(lang), show_ids),
            mask_text(ents, show_ids),
            c.fingerprint,
        ))
    history = tuple(
        (d.clue.clue_id, h.at, h.actor, tr(CLUE_ACTION, h.action, lang), tr(CLUE_STATUS, h.from_status, lang),
         tr(CLUE_STATUS, h.to_status, lang), mask_text(h.note_in(lang), show_ids))
        for d in details
        for h in d.history
    )
    payload = {
        "exported_at": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "clues": [
            {**asdict(d.clue), "finding": d.finding.to_json(),
             "snapshot": None if d.snapshot_json is None else json.loads(d.snapshot_json),
             "versions": [{"version": v.version, "at": v.at, "actor": v.actor, "summary_zh": v.summary_zh,
                           "summary_en": v.summary_en} for v in d.versions],
             "history": [asdict(h) for h in d.history]}
            for d in details
        ],
    }
    return TableData(
        sheets=(
            Sheet("线索库" if zh else "clues", _CLUE_HEADERS[lang], tuple(rows),
                  (14, 8, 8, 6, 12, 48, 24, 24, 20, 10, 20, 20, 6, 60, 40, 18)),
            Sheet("流转记录" if zh else "history", _HISTORY_HEADERS[lang], history, (14, 22, 12, 14, 10, 10, 60)),
        ),
        document=payload if show_ids else mask_nested(payload),
        title=f"线索：{len(details)}" if zh else f"clues: {len(details)}",
        lang=lang,
    )


def export_clues(lib: ClueLibrary, fmt: str, out: Path, *, lang: Lang = "zh", show_ids: bool = False) -> Path:
    """Write the clue library with the registered file writer ``fmt`` (``csv``, ``xlsx``, ``json``).

    Raises:
        OutputError: an unknown format (the message lists the registered ones).
    """
    from guanlian.outputs import FILE_TABLE_WRITERS, table_writer

    written = table_writer(fmt, out, FILE_TABLE_WRITERS).write(clue_table(lib, lang=lang, show_ids=show_ids), out)
    assert written is not None
    return written
