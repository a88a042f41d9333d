"""A clue as a readable record (``guanlian clues show``): header, the snapshot handed over at transfer, the
latest state with what changed since, the payment rows, and the history — Chinese or English, IDs masked.

Example:
    >>> import tempfile, pathlib
    >>> from guanlian.clues.library import ClueLibrary
    >>> from guanlian.finding import Finding, FindingsDoc
    >>> lib = ClueLibrary(pathlib.Path(tempfile.mkdtemp()) / "clues.db", actor="张三")
    >>> cid = lib.add_findings(FindingsDoc((Finding("c1", ("q",), "示例", "Example", "high", 0.9),))).clue_ids["c1"]
    >>> text = render_clue(lib.show(cid), "en")
    >>> text.splitlines()[0].endswith("Example"), "added" in text
    (True, True)
    >>> lib.close()
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from guanlian.finding import Finding
from guanlian.values.money import format_money
from guanlian.values.privacy import mask_id, mask_text
from guanlian.values.vocab import CLUE_ACTION, CLUE_STATUS, CONFIDENCE, RATING, ROLE, SEVERITY, Lang, tr

if TYPE_CHECKING:
    from guanlian.clues.library import ClueDetail

MAX_VOUCHERS = 30
"""Payment rows listed per finding; the rest are counted."""

_WORDS: dict[str, tuple[str, str]] = {
    "new_info": ("【有新情况】", "[NEW INFORMATION]"),
    "title": ("标题", "title"),
    "status": ("状态", "status"),
    "to_unit": ("移送单位", "transferred to"),
    "result": ("处置结果", "handling result"),
    "rating": ("评估", "rating"),
    "severity": ("风险等级", "severity"),
    "confidence": ("可信度", "confidence"),
    "score": ("评分", "score"),
    "queries": ("查询", "queries"),
    "case": ("案件编号", "case id"),
    "legacy": ("原发现编号", "pre-case finding id"),
    "seen": ("首次发现 / 最近扫描", "first seen / last seen"),
    "scans": ("扫描次数", "scans"),
    "version": ("版本", "version"),
    "snapshot": ("移送时快照（此后不变）", "Snapshot at transfer (never changes)"),
    "no_snapshot": ("尚未移送，无快照", "Not transferred yet: no snapshot"),
    "latest": ("最新情况", "Latest"),
    "since": ("自移送以来的变化", "Changed since the transfer"),
    "no_change": ("无变化", "no change"),
    "entities": ("涉及", "parties"),
    "payments": ("付款", "payments"),
    "explanation": ("说明", "explanation"),
    "vouchers": ("付款凭证", "payment rows"),
    "evidence": ("证据行", "evidence rows"),
    "history": ("流转记录", "History"),
    "more": ("另有{n}笔", "{n} more"),
    "new_row": ("新", "new"),
}


def _w(key: str, lang: Lang) -> str:
    zh, en = _WORDS[key]
    return en if lang == "en" else zh


def _payments_line(f: Finding, lang: Lang) -> str:
    p = f.payments
    if p is None:
        return "无" if lang == "zh" else "none"
    span = f"{p.first or '?'} — {p.last or '?'}"
    if lang == "en":
        tenure = f", {p.in_tenure} during the tenure" if p.in_tenure is not None else ""
        return f"{p.count} payments, {format_money(p.sum_fen, 'en')} ({span}){tenure}"
    tenure = f"，其中任期内{p.in_tenure}笔" if p.in_tenure is not None else ""
    return f"{p.count}笔，合计{format_money(p.sum_fen, 'zh')}（{span}）{tenure}"


def _finding_block(f: Finding, lang: Lang, show_ids: bool, marked: set[str] | None = None) -> list[str]:
    """Lines describing one version of the finding; ``marked``: voucher keys to flag as new."""
    ents = ("；" if lang == "zh" else "; ").join(
        f"{e.name}（{tr(ROLE, e.role, lang)}{'，' + mask_id(e.id_number, show_ids) if e.id_number else ''}）"
        if lang == "zh" else
        f"{e.name} ({tr(ROLE, e.role, lang)}{', ' + mask_id(e.id_number, show_ids) if e.id_number else ''})"
        for e in f.entities)
    lines = [
        f"  {_w('severity', lang)}: {tr(SEVERITY, f.severity, lang)}   {_w('confidence', lang)}: "
        f"{tr(CONFIDENCE, f.confidence, lang)}   {_w('score', lang)}: {f.score:.2f}   "
        f"{_w('queries', lang)}: {', '.join(f.queries)}",
        f"  {_w('entities', lang)}: {ents or '—'}",
        f"  {_w('payments', lang)}: {_payments_line(f, lang)}",
        f"  {_w('explanation', lang)}: {f.explanation(lang) or '—'}",
    ]
    if f.vouchers:
        lines.append(f"  {_w('vouchers', lang)} ({len(f.vouchers)}):")
        for v in f.vouchers[:MAX_VOUCHERS]:
            flag = f" [{_w('new_row', lang)}]" if marked is not None and v.key in marked else ""
            amount = format_money(v.amount_fen, lang) if v.amount_fen is not None else ("?" if v.is_money else "—")
            extra = " ".join(x for x in (v.voucher, v.purpose) if x)
            lines.append(f"    {v.date or '?'}  {amount}  {v.file or '?'}:{v.row or '?'}  {extra}".rstrip() + flag)
        if len(f.vouchers) > MAX_VOUCHERS:
            lines.append("    " + _w("more", lang).format(n=len(f.vouchers) - MAX_VOUCHERS))
    lines.append(f"  {_w('evidence', lang)}: {len(f.evidence)}")
    return [mask_text(line, show_ids) for line in lines]


def render_clue(d: ClueDetail, lang: Lang = "zh", *, show_ids: bool = False) -> str:
    """The clue record ``d`` as text in ``lang``; resident IDs masked unless ``show_ids``.

    Sections: header (status, unit, result, rating, case id, seen, scans, version, 有新情况), the snapshot
    handed over at transfer, the latest state with what changed since the snapshot (payment rows not in the
    snapshot marked new), and the history (who, when, what, note).
    """
    c = d.clue
    title = (c.title_en if lang == "en" else c.title_zh) or c.title_zh or c.fingerprint
    head = f"{c.clue_id}  {title}"
    if c.new_info:
        head += "  " + _w("new_info", lang)
    out = [head]
    fields = [
        (_w("status", lang), tr(CLUE_STATUS, c.status, lang)),
        (_w("to_unit", lang), c.to_unit),
        (_w("result", lang), c.result),
        (_w("rating", lang), tr(RATING, c.rating, lang) if c.rating else None),
    ]
    out.append("   ".join(f"{k}: {v}" for k, v in fields if v))
    out.append(f"{_w('case', lang)}: {c.fingerprint}" + (f"   {_w('legacy', lang)}: {c.legacy_id}"
                                                          if c.legacy_id and c.legacy_id != c.fingerprint else ""))
    out.append(f"{_w('seen', lang)}: {c.first_seen} / {c.last_seen}   {_w('scans', lang)}: {c.scans}   "
               f"{_w('version', lang)}: {c.version}")
    out.append("")
    if d.snapshot is not None:
        out.append(f"{_w('snapshot', lang)} — {c.snapshot_at}, {_w('version', lang)} {c.snapshot_version}")
        out.extend(_finding_block(d.snapshot, lang, show_ids))
        out.append("")
        zh, en = d.changes_since_snapshot()
        out.append(f"{_w('latest', lang)} — {_w('version', lang)} {c.version}")
        out.append(f"  {_w('since', lang)}: {mask_text((en if lang == 'en' else zh) or _w('no_change', lang), show_ids)}")
        have = {v.key for v in d.snapshot.vouchers}
        out.extend(_finding_block(d.finding, lang, show_ids, {v.key for v in d.finding.vouchers} - have))
    else:
        out.append(_w("no_snapshot", lang))
        out.append(f"{_w('latest', lang)} — {_w('version', lang)} {c.version}")
        out.extend(_finding_block(d.finding, lang, show_ids))
    out.append("")
    out.append(_w("history", lang))
    for h in d.history:
        move = tr(CLUE_STATUS, h.to_status, lang)
        if h.from_status and h.from_status != h.to_status:
            move = f"{tr(CLUE_STATUS, h.from_status, lang)} → {move}"
        ver = f" (v{h.version})" if h.version and h.action in ("create", "update") else ""
        note = h.note_in(lang)
        out.append(mask_text(f"  {h.at}  {h.actor}  {tr(CLUE_ACTION, h.action, lang)}{ver}  [{move}]"
                             + (f"  {note}" if note else ""), show_ids))
    return "\n".join(out)
