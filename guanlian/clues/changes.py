"""What changed in a case between two versions of its finding, in words an investigator reads.

A clue's history gets one version per scan that changed its case; :func:`change_summary` writes the line shown
with that version ("新增付款1笔 ¥50,000.00"). It compares typed findings (:class:`guanlian.finding.Finding`):
payment vouchers (by their stable key), the payment summary when a finding has no vouchers (older documents),
saved queries, entities, identity-link confidence, severity, evidence rows, and says "内容更新" when only wording
changed.

Example:
    >>> from guanlian.finding import Finding, Voucher
    >>> a = Finding("c1", ("q",), "示例", "Example", "high", 0.5)
    >>> b = Finding("c1", ("q",), "示例", "Example", "high", 0.6,
    ...             vouchers=(Voucher("pay:9", "付款.xlsx", 9, "2021-01-05", 5000000),))
    >>> change_summary(a, b)
    ('新增付款1笔 ¥50,000.00', '1 new payment CNY 50,000.00')
"""

from __future__ import annotations

from collections.abc import Sequence

from guanlian.finding import Finding, Voucher
from guanlian.values.money import format_money, to_fen
from guanlian.values.vocab import SEVERITY, TIER, tr


def _fen(vouchers: Sequence[Voucher]) -> int:
    return sum(to_fen(v.amount) for v in vouchers if v.amount is not None)


def _kind_words(kind: str) -> tuple[str, str, str]:
    """(Chinese noun, English singular, English plural) of a voucher kind."""
    return ("补贴", "subsidy", "subsidies") if kind == "subsidy" else ("付款", "payment", "payments")


def change_summary(old: Finding, new: Finding) -> tuple[str, str]:
    """(Chinese, English) one-line summary of what changed from ``old`` to ``new`` (same case).

    Parts are joined with ``；`` / ``; ``; empty strings when nothing differs at all.

    Example:
        >>> from guanlian.finding import Finding
        >>> f = Finding("c1", ("q",), "示例", "Example", "medium", 0.5, confidence="possible")
        >>> change_summary(f, f)
        ('', '')
        >>> from dataclasses import replace
        >>> change_summary(f, replace(f, severity="high", confidence="certain"))
        ('可信度 可能→确定；风险等级 中→高', 'confidence possible→certain; severity medium→high')
    """
    zh: list[str] = []
    en: list[str] = []
    old_v = {v.key: v for v in old.vouchers}
    new_v = {v.key: v for v in new.vouchers}
    if old_v or new_v:
        for kind in dict.fromkeys([v.kind for v in (*old.vouchers, *new.vouchers)]):
            noun, one, many = _kind_words(kind)
            added = [v for k, v in new_v.items() if k not in old_v and v.kind == kind]
            gone = [v for k, v in old_v.items() if k not in new_v and v.kind == kind]
            changed = [k for k, v in new_v.items() if k in old_v and v.kind == kind and old_v[k].amount != v.amount]
            if added:
                zh.append(f"新增{noun}{len(added)}笔 {format_money(_fen(added), 'zh')}")
                en.append(f"{len(added)} new {one if len(added) == 1 else many} {format_money(_fen(added), 'en')}")
            if gone:
                zh.append(f"不再出现{noun}{len(gone)}笔 {format_money(_fen(gone), 'zh')}")
                en.append(f"{len(gone)} {one if len(gone) == 1 else many} no longer found "
                          f"{format_money(_fen(gone), 'en')}")
            if changed:
                zh.append(f"{noun}金额变更{len(changed)}笔")
                en.append(f"{len(changed)} {one if len(changed) == 1 else many} with a changed amount")
    elif old.payments != new.payments:
        o, n = old.payments, new.payments
        oc, nc = (o.count if o else 0), (n.count if n else 0)
        of, nf = (o.sum_fen if o else 0), (n.sum_fen if n else 0)
        zh.append(f"付款 {oc}笔 {format_money(of, 'zh')} → {nc}笔 {format_money(nf, 'zh')}")
        en.append(f"payments {oc} ({format_money(of, 'en')}) → {nc} ({format_money(nf, 'en')})")
    added_q = [q for q in new.queries if q not in old.queries]
    if added_q:
        zh.append("新增命中查询 " + "、".join(added_q))
        en.append("also found by " + ", ".join(added_q))
    old_e = {(e.role, e.key) for e in old.entities}
    added_e = [e for e in new.entities if (e.role, e.key) not in old_e]
    if added_e:
        zh.append("新增关联方 " + "、".join(e.name or e.key for e in added_e))
        en.append("new parties " + ", ".join(e.name or e.key for e in added_e))
    if old.confidence != new.confidence:
        zh.append(f"可信度 {tr(TIER, old.confidence, 'zh')}→{tr(TIER, new.confidence, 'zh')}")
        en.append(f"confidence {old.confidence}→{new.confidence}")
    if old.severity != new.severity:
        zh.append(f"风险等级 {tr(SEVERITY, old.severity, 'zh')}→{tr(SEVERITY, new.severity, 'zh')}")
        en.append(f"severity {old.severity}→{new.severity}")
    old_ev = {(e.file, e.row, e.what) for e in old.evidence}
    added_ev = [e for e in new.evidence if (e.file, e.row, e.what) not in old_ev]
    if added_ev and not (old_v or new_v):
        zh.append(f"新增证据{len(added_ev)}条")
        en.append(f"{len(added_ev)} new evidence row{'' if len(added_ev) == 1 else 's'}")
    if not zh and old.evidence != new.evidence:
        rows = max(len(set(new.evidence) - set(old.evidence)), len(set(old.evidence) - set(new.evidence)))
        zh.append(f"证据行变更{rows}条（来源或内容）")
        en.append(f"{rows} evidence row{'' if rows == 1 else 's'} changed (source or content)")
    if not zh and old.to_json() != new.to_json():
        zh.append("内容更新（说明或评分）")
        en.append("content updated (wording or score)")
    return "；".join(zh), "; ".join(en)
